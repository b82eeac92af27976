"""A lock file that processes on several machines sharing a folder all respect.

``fcntl``/``flock`` locks are unreliable on network shares, so the lock is a
file created with ``O_CREAT | O_EXCL`` (atomic on local disks, NFSv3+ and SMB)
holding its owner as JSON: host, pid, a random token and a heartbeat time that
a background thread refreshes while the lock is held.

A lock is *stale* when its owner is a dead process on this host, or when its
heartbeat is older than ``stale_after`` seconds (the owner's machine died or
lost the share). Breaking a stale lock goes through a second exclusive file,
``<lock>.break``, and re-reads the owner token before removing the lock, so of
many waiters exactly one breaks it and none removes a lock that was taken
again in between. The same primitives serve the live task queue's claims.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from scan_analysis.data.atomic_files import write_atomically
from scan_analysis.errors import LockTimeoutError

logger = logging.getLogger(__name__)

HOSTNAME = socket.gethostname()


@dataclass(frozen=True)
class LockOwner:
    """Who holds a lock (as written in the lock file)."""

    host: str
    pid: int
    token: str
    heartbeat: float
    label: str = ""

    def to_json(self) -> str:
        """The lock file's content."""
        return json.dumps(self.__dict__)

    @classmethod
    def new(cls, label: str = "") -> LockOwner:
        """An owner record for this process, with a fresh token."""
        return cls(
            host=HOSTNAME,
            pid=os.getpid(),
            token=secrets.token_hex(8),
            heartbeat=time.time(),
            label=label,
        )

    def refreshed(self) -> LockOwner:
        """The same owner with a new heartbeat time."""
        return LockOwner(self.host, self.pid, self.token, time.time(), self.label)


def read_owner(path: Path) -> LockOwner | None:
    """The owner recorded in a lock file; None if it is gone or unreadable (half-created)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return LockOwner(
            host=str(data["host"]),
            pid=int(data["pid"]),
            token=str(data["token"]),
            heartbeat=float(data["heartbeat"]),
            label=str(data.get("label", "")),
        )
    except (FileNotFoundError, ValueError, KeyError, TypeError, json.JSONDecodeError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale(owner: LockOwner | None, path: Path, *, stale_after: float) -> bool:
    """Whether a lock may be broken.

    An unreadable owner counts as stale once the file is older than
    ``stale_after`` (a writer that died between create and write).
    """
    now = time.time()
    if owner is None:
        try:
            return now - Path(path).stat().st_mtime > stale_after
        except FileNotFoundError:
            return False
    if owner.host == HOSTNAME and not _pid_alive(owner.pid):
        return True
    return now - owner.heartbeat > stale_after


def create_exclusive(path: Path, content: str) -> bool:
    """Create ``path`` with ``content`` only if it does not exist; True when we created it."""
    try:
        handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(content)
        stream.flush()
        os.fsync(stream.fileno())
    return True


def break_if_stale(path: Path, *, stale_after: float, break_stale_after: float = 30.0) -> bool:
    """Remove the lock at ``path`` if it is stale; True when this call removed it.

    Of several callers racing on the same stale lock, exactly one removes it:
    the breaker must hold ``<path>.break`` and the lock must still carry the
    token it judged stale.
    """
    path = Path(path)
    owner = read_owner(path)
    if not is_stale(owner, path, stale_after=stale_after):
        return False
    breaker_path = path.with_name(path.name + ".break")
    breaker = LockOwner.new(label="break")
    if not create_exclusive(breaker_path, breaker.to_json()):
        # someone else is breaking it; clear a breaker left by a crashed breaker
        if is_stale(read_owner(breaker_path), breaker_path, stale_after=break_stale_after):
            _remove_if_token(breaker_path, read_owner(breaker_path))
        return False
    try:
        current = read_owner(path)
        same = (current is None and owner is None) or (
            current is not None and owner is not None and current.token == owner.token
        )
        if not same or not is_stale(current, path, stale_after=stale_after):
            return False
        try:
            os.unlink(path)
        except FileNotFoundError:
            return False
        logger.warning(
            "broke stale lock %s (owner %s pid %s, heartbeat %.0f s old)",
            path,
            owner.host if owner else "?",
            owner.pid if owner else "?",
            time.time() - owner.heartbeat if owner else float("nan"),
        )
        return True
    finally:
        _remove_if_token(breaker_path, breaker)


def _remove_if_token(path: Path, owner: LockOwner | None) -> None:
    current = read_owner(path)
    if current is None and owner is not None:
        return
    if owner is None or (current is not None and current.token == owner.token):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


class FileLock:
    """An exclusive lock on a shared folder, safe across processes and machines.

    Parameters
    ----------
    path : path
        The lock file (for an s-file, ``s12.txt.lock`` beside it).
    timeout : float
        Seconds to wait before :class:`LockTimeoutError`.
    stale_after : float
        A lock whose heartbeat is older than this is broken.
    heartbeat_interval : float, optional
        How often the holder refreshes its heartbeat (default ``stale_after / 4``).

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
        self.path = Path(path)
        self.timeout = timeout
        self.stale_after = stale_after
        self.heartbeat_interval = heartbeat_interval or max(stale_after / 4, 0.05)
        self.label = label
        self._owner: LockOwner | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._owner is not None

    def acquire(self) -> None:
        """Take the lock, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + self.timeout
        delay = 0.005
        while True:
            owner = LockOwner.new(self.label)
            if create_exclusive(self.path, owner.to_json()):
                self._owner = owner
                self._start_heartbeat()
                return
            if break_if_stale(self.path, stale_after=self.stale_after):
                continue
            if time.monotonic() >= deadline:
                holder = read_owner(self.path)
                who = f"{holder.host} pid {holder.pid}" if holder else "an unknown writer"
                raise LockTimeoutError(
                    f"could not lock {self.path} within {self.timeout:.0f} s: held by {who}. "
                    f"If that process is gone, the lock is broken automatically after "
                    f"{self.stale_after:.0f} s without heartbeat; otherwise wait for it"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 0.1)

    def release(self) -> None:
        """Give the lock back (only removes the file if it still carries our token)."""
        if self._owner is None:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        _remove_if_token(self.path, self._owner)
        self._owner = None

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
                logger.error("lock %s was taken from us (heartbeat too late?)", self.path)
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
