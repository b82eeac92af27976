"""A lock file that processes on several machines sharing a folder all respect.

``fcntl``/``flock`` locks are unreliable on network shares (NFS, SMB), so the
lock is a file created with ``O_CREAT | O_EXCL`` (atomic on local disks, NFSv3+
and SMB) holding its owner as JSON: host, boot id, pid, process start time, a
random token and a heartbeat time that a background thread refreshes
(atomically) while the lock is held.

A lock is *stale* when its owner is a dead process on this machine, or when its
heartbeat is older than ``stale_after`` seconds (the owner's machine died or
lost the share). Breaking a stale lock goes through a second exclusive file,
``<lock>.break``, and re-reads the owner token before removing the lock, so of
many waiters exactly one breaks it and none removes a lock that was taken
again in between. A ``.break`` file left by a crashed breaker is itself stale
after a few seconds.

The primitives (:func:`create_exclusive`, :func:`read_owner`, :func:`is_stale`,
:func:`break_if_stale`) are public so that other "exclusive create + stale
break" schemes (the live task queue's claims) share them.

Limits: heartbeats compare wall clocks of different machines, so their clocks
must agree to well within ``stale_after`` (NTP does this); a holder whose
heartbeat thread is starved for longer than ``stale_after`` can lose its lock,
which it logs (and :attr:`FileLock.lost` reports).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from scan_analysis.data.atomic_files import write_atomically
from scan_analysis.errors import LockTimeoutError

logger = logging.getLogger(__name__)

HOSTNAME = socket.gethostname()
BREAK_SUFFIX = ".break"


def _read_boot_id() -> str:
    """An id of this boot of this machine ('' where the system has none)."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return ""


def _process_start_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except (psutil.Error, OSError):
        return None


BOOT_ID = _read_boot_id()
_START_TIME_TOLERANCE = 1.0  # seconds; psutil start times are exact to clock ticks


@dataclass(frozen=True)
class LockOwner:
    """Who holds a lock, as written in the lock file.

    Parameters
    ----------
    host : str
        Host name of the owner's machine.
    pid : int
        Owner's process id.
    token : str
        Random id of this acquisition (release and break compare it).
    heartbeat : float
        Wall-clock time (``time.time()``) of the last refresh.
    label : str
        Free text naming the owner (a runner id), shown in messages.
    boot : str
        Boot id of the owner's machine ('' if unknown).
    started : float or None
        Start time of the owner's process (detects a reused pid).
    """

    host: str
    pid: int
    token: str
    heartbeat: float
    label: str = ""
    boot: str = ""
    started: float | None = None

    def to_json(self) -> str:
        """The lock file's content."""
        return json.dumps(asdict(self))

    @classmethod
    def new(cls, label: str = "") -> LockOwner:
        """An owner record for this process, with a fresh token."""
        return cls(
            host=HOSTNAME,
            pid=os.getpid(),
            token=secrets.token_hex(8),
            heartbeat=time.time(),
            label=label,
            boot=BOOT_ID,
            started=_process_start_time(os.getpid()),
        )

    def refreshed(self) -> LockOwner:
        """The same owner with a new heartbeat time."""
        return LockOwner(
            self.host, self.pid, self.token, time.time(), self.label, self.boot, self.started
        )

    def describe(self) -> str:
        """``host pid N (label)`` for messages."""
        label = f" ({self.label})" if self.label else ""
        return f"{self.host} pid {self.pid}{label}"

    @property
    def on_this_machine(self) -> bool:
        """Whether the owner runs on this machine (same host name and, if known, same boot)."""
        if self.host != HOSTNAME:
            return False
        return not (self.boot and BOOT_ID and self.boot != BOOT_ID)


def read_owner(path: str | os.PathLike) -> LockOwner | None:
    """The owner recorded in a lock file.

    Returns
    -------
    LockOwner or None
        None when the file is gone, or unreadable (e.g. created but not yet
        written by a writer that then died).
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        started = data.get("started")
        return LockOwner(
            host=str(data["host"]),
            pid=int(data["pid"]),
            token=str(data["token"]),
            heartbeat=float(data["heartbeat"]),
            label=str(data.get("label", "")),
            boot=str(data.get("boot", "")),
            started=float(started) if started is not None else None,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _owner_process_gone(owner: LockOwner) -> bool:
    """True when the owner runs on this machine and its process no longer does."""
    if not owner.on_this_machine:
        return False
    try:
        process = psutil.Process(owner.pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return True
        started = process.create_time()
    except psutil.NoSuchProcess:
        return True
    except (psutil.Error, OSError):
        return False  # exists but cannot be inspected: trust the heartbeat
    # a different start time means the pid was reused by a newer process
    return owner.started is not None and abs(started - owner.started) > _START_TIME_TOLERANCE


def is_stale(owner: LockOwner | None, path: str | os.PathLike, *, stale_after: float) -> bool:
    """Whether a lock (or claim) file may be broken.

    Parameters
    ----------
    owner : LockOwner or None
        What :func:`read_owner` returned for ``path``.
    path : path
        The lock file (its age decides when ``owner`` is None).
    stale_after : float
        Seconds without heartbeat after which any owner counts as gone.

    Returns
    -------
    bool
        True when the owner is a dead process on this machine, its heartbeat
        is older than ``stale_after``, or the file has no readable owner and
        is older than ``stale_after`` (a writer that died between create and
        write). False when the file is gone.
    """
    now = time.time()
    if owner is None:
        try:
            return now - Path(path).stat().st_mtime > stale_after
        except OSError:
            return False
    if _owner_process_gone(owner):
        return True
    return now - owner.heartbeat > stale_after


def create_exclusive(path: str | os.PathLike, content: str) -> bool:
    """Create ``path`` holding ``content`` only if no such file exists.

    Returns
    -------
    bool
        True when this call created the file; False when it already existed.
    """
    path = Path(path)
    try:
        handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        _unlink_quietly(path)  # never leave an ownerless file behind
        raise
    return True


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def remove_if_owned(path: str | os.PathLike, owner: LockOwner) -> bool:
    """Remove ``path`` only if it still carries ``owner``'s token; True when removed."""
    current = read_owner(path)
    if current is None or current.token != owner.token:
        return False
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


def break_if_stale(
    path: str | os.PathLike, *, stale_after: float, break_stale_after: float = 10.0
) -> bool:
    """Remove the lock at ``path`` if it is stale.

    Of several callers racing on the same stale lock, exactly one removes it:
    the breaker must hold ``<path>.break`` (created exclusively) and the lock
    must still carry the token it judged stale.

    Parameters
    ----------
    path : path
        The lock file.
    stale_after : float
        See :func:`is_stale`.
    break_stale_after : float
        Age after which a ``.break`` file left by a crashed breaker is cleared.

    Returns
    -------
    bool
        True when this call removed the lock.
    """
    path = Path(path)
    owner = read_owner(path)
    if not is_stale(owner, path, stale_after=stale_after):
        return False
    breaker_path = path.with_name(path.name + BREAK_SUFFIX)
    breaker = LockOwner.new(label="break")
    if not create_exclusive(breaker_path, breaker.to_json()):
        # someone else is breaking it; clear a .break left by a breaker that crashed
        left = read_owner(breaker_path)
        if is_stale(left, breaker_path, stale_after=break_stale_after):
            if left is None:
                _unlink_quietly(breaker_path)
            else:
                remove_if_owned(breaker_path, left)
        return False
    try:
        current = read_owner(path)
        if owner is None:
            unchanged = current is None and path.exists()
        else:
            unchanged = current is not None and current.token == owner.token
        if not unchanged or not is_stale(current, path, stale_after=stale_after):
            return False
        try:
            os.unlink(path)
        except FileNotFoundError:
            return False
        if owner is None:
            logger.warning("broke stale lock %s (no readable owner)", path)
        else:
            logger.warning(
                "broke stale lock %s held by %s (heartbeat %.0f s old)",
                path,
                owner.describe(),
                time.time() - owner.heartbeat,
            )
        return True
    finally:
        remove_if_owned(breaker_path, breaker)


class FileLock:
    """An exclusive lock on a shared folder, safe across processes and machines.

    Parameters
    ----------
    path : path
        The lock file (for an s-file, ``s12.txt.lock`` beside it).
    timeout : float
        Seconds to wait before :class:`~scan_analysis.errors.LockTimeoutError`;
        0 tries once (breaking a stale lock if there is one).
    stale_after : float
        A lock whose heartbeat is older than this is broken.
    heartbeat_interval : float, optional
        How often the holder refreshes its heartbeat (default ``stale_after / 4``).
    label : str
        Names the holder in other processes' messages (e.g. a runner id).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> lock_path = pathlib.Path(tempfile.mkdtemp()) / "s1.txt.lock"
    >>> with FileLock(lock_path):
    ...     lock_path.exists()
    True
    >>> lock_path.exists()
    False
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        timeout: float = 60.0,
        stale_after: float = 30.0,
        heartbeat_interval: float | None = None,
        label: str = "",
    ) -> None:
        if stale_after <= 0:
            raise ValueError(f"stale_after must be positive, got {stale_after}")
        self.path = Path(path)
        self.timeout = timeout
        self.stale_after = stale_after
        self.heartbeat_interval = heartbeat_interval or max(stale_after / 4, 0.05)
        self.label = label
        self.lost = False
        self._owner: LockOwner | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._owner is not None

    @property
    def owner(self) -> LockOwner | None:
        """Our owner record while held."""
        return self._owner

    def acquire(self) -> None:
        """Take the lock, polling with a small backoff for up to ``timeout`` seconds.

        Raises
        ------
        LockTimeoutError
            Naming the lock file and its current owner.
        """
        if self._owner is not None:
            raise RuntimeError(f"{self.path} is already held by this FileLock")
        deadline = time.monotonic() + self.timeout
        delay = 0.005
        while True:
            owner = LockOwner.new(self.label)
            if create_exclusive(self.path, owner.to_json()):
                self._owner = owner
                self.lost = False
                self._start_heartbeat()
                return
            if break_if_stale(self.path, stale_after=self.stale_after):
                continue
            if time.monotonic() >= deadline:
                holder = read_owner(self.path)
                who = holder.describe() if holder else "a writer that left no readable owner"
                raise LockTimeoutError(
                    f"could not lock {self.path} within {self.timeout:g} s: it is held by {who}. "
                    f"Wait for that process to finish; if it is gone, the lock is broken "
                    f"automatically once it has had no heartbeat for {self.stale_after:g} s "
                    "(or delete the lock file by hand if you are sure nobody holds it)"
                )
            time.sleep(min(delay, max(deadline - time.monotonic(), 0.0)))
            delay = min(delay * 1.5, 0.1)

    def release(self) -> None:
        """Give the lock back; only removes the file if it still carries our token."""
        owner = self._owner
        if owner is None:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._owner = None
        if not remove_if_owned(self.path, owner):
            logger.warning("lock %s was no longer ours when released", self.path)

    def _start_heartbeat(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"heartbeat {self.path.name}", daemon=True
        )
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_interval):
            owner = self._owner
            if owner is None:
                return
            current = read_owner(self.path)
            if current is None or current.token != owner.token:
                self.lost = True
                logger.error(
                    "lock %s was broken by another process while we held it (our heartbeat "
                    "was late by more than %g s?)",
                    self.path,
                    self.stale_after,
                )
                return
            refreshed = owner.refreshed()
            try:
                write_atomically(self.path, refreshed.to_json())
                self._owner = refreshed
            except OSError as error:
                logger.warning("could not refresh lock %s: %s", self.path, error)

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def __repr__(self) -> str:
        state = "held" if self.held else "free"
        return f"FileLock({str(self.path)!r}, {state})"
