"""A lease on a shared folder that processes on several machines all respect.

``fcntl``/``flock`` locks are unreliable on network shares (NFS, SMB), so the
lock is a file created with ``O_CREAT | O_EXCL`` (atomic on local disks, NFSv3+
and SMB) holding its owner as JSON: host, boot id, pid, process start time, a
random token, a label and the lease length. The design follows the
``SoftFileLease`` of the ``filelock`` package (4.x):

- **Heartbeat through the holder's own descriptor.** The holder keeps the file
  it created open and refreshes it with ``utime`` on that descriptor. It never
  writes the lock *by path*, so a holder whose lock was broken and taken again
  in between can only ever touch its own, already unlinked, file: it cannot
  overwrite the new holder's lease, whatever the interleaving.
- **Expiry timed on each peer's own monotonic clock.** A waiter does not
  compare the lock's time stamps with its own wall clock (machines' clocks
  differ); it notes the lock file's identity and time stamps and breaks it
  only after seeing them unchanged for the lease length (the longer of its own
  ``stale_after`` and the holder's) by ``time.monotonic()``. An owner that is
  a dead process on this machine (or whose pid was reused, detected by the
  process start time) is broken at once.
- **Exactly one breaker.** Every removal of a lock file (a breaker removing a
  stale lock, a holder releasing its own) happens while holding a short
  *removal mutex* beside it (``<lock>.removing``, also ``O_EXCL``), and checks,
  under the mutex, that the file at the path is still the very one it judged
  (same inode, and for a break, same heartbeat time stamp). Inside the mutex
  nobody else can remove the file and nobody can create one while it exists,
  so that check cannot go stale before the ``unlink``: a breaker that looked at
  an old lock never removes the newer lock taken after it. (Renaming a live
  lock aside and "putting it back" cannot be made safe: in between, the path
  is empty and a third process takes it.) A removal mutex abandoned by a dead
  process is removed after ``REMOVAL_MUTEX_STALE`` seconds (it is normally
  held for a few file operations).
- **A holder that lost its lease never writes.** :meth:`FileLock.ensure_held`
  (called right before each guarded write) raises
  :class:`~scan_analysis.errors.LockLostError` once the file at the lock's
  path is no longer the one this holder created. :func:`lease_guard` extends
  that check to every :func:`ensure_guards_held` call made in its context,
  which is how a task claim guards the s-file merge of the analysis it runs.

Why not the ``filelock`` package itself: on Linux its takeover of a stale
lease needs ``renameat2(RENAME_EXCHANGE)``, which NFS and SMB mounts refuse, so
a dead machine's lease would never be taken over on the lab's shared folders.

Limits: the removal mutex of a process that died inside it is taken over
after ``REMOVAL_MUTEX_STALE`` seconds; two takers racing in that rare moment
could both remove. A check-then-write can never be made atomic on a plain file: a holder
paused (for longer than the lease) exactly between :meth:`FileLock.ensure_held`
and its ``rename`` can still write once. Keeping the check immediately before
the write makes that window microseconds against a lease of tens of seconds.
The heartbeat interval must exceed the share's time-stamp granularity (it is
seconds by default).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from scan_analysis.errors import LockLostError, LockTimeoutError

logger = logging.getLogger(__name__)

HOSTNAME = socket.gethostname()
REMOVAL_MUTEX_SUFFIX = ".removing"
REMOVAL_MUTEX_STALE = 10.0
"""Seconds after which a removal mutex is taken to be abandoned (it is held for milliseconds)."""
REMOVAL_MUTEX_TIMEOUT = 30.0


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
    """Who holds a lock, as written in the lock file (once, at creation).

    Parameters
    ----------
    host : str
        Host name of the owner's machine.
    pid : int
        Owner's process id.
    token : str
        Random id of this acquisition.
    acquired : float
        Wall-clock time (``time.time()``) the lock was taken; informative only.
    label : str
        Free text naming the owner (a runner id), shown in messages.
    boot : str
        Boot id of the owner's machine ('' if unknown).
    started : float or None
        Start time of the owner's process (detects a reused pid).
    lease : float or None
        Seconds without heartbeat after which the owner agrees to be broken.
    """

    host: str
    pid: int
    token: str
    acquired: float
    label: str = ""
    boot: str = ""
    started: float | None = None
    lease: float | None = None

    def to_json(self) -> str:
        """The lock file's content."""
        return json.dumps(asdict(self))

    @classmethod
    def new(cls, label: str = "", *, lease: float | None = None) -> LockOwner:
        """An owner record for this process, with a fresh token."""
        return cls(
            host=HOSTNAME,
            pid=os.getpid(),
            token=secrets.token_hex(8),
            acquired=time.time(),
            label=label,
            boot=BOOT_ID,
            started=_process_start_time(os.getpid()),
            lease=lease,
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


def _parse_owner(text: str) -> LockOwner | None:
    try:
        data = json.loads(text)
        started, lease = data.get("started"), data.get("lease")
        return LockOwner(
            host=str(data["host"]),
            pid=int(data["pid"]),
            token=str(data["token"]),
            acquired=float(data.get("acquired", 0.0)),
            label=str(data.get("label", "")),
            boot=str(data.get("boot", "")),
            started=float(started) if started is not None else None,
            lease=float(lease) if lease is not None else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _read_lock(path: Path) -> tuple[LockOwner | None, os.stat_result] | None:
    """The owner and the status of the lock file, or None when there is none.

    The file is opened (not just ``stat``-ed) so that NFS revalidates its
    attributes (close-to-open consistency) instead of answering from a cache.
    """
    try:
        handle = os.open(path, os.O_RDONLY)
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        status = os.fstat(handle)
        raw = os.read(handle, 65536)
    finally:
        os.close(handle)
    return _parse_owner(raw.decode("utf-8", "replace")), status


def read_owner(path: str | os.PathLike) -> LockOwner | None:
    """The owner recorded in a lock file.

    Returns
    -------
    LockOwner or None
        None when the file is gone, or unreadable (e.g. created but not yet
        written by a writer that then died).
    """
    try:
        found = _read_lock(Path(path))
    except OSError:
        return None
    return found[0] if found else None


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


class _Observations:
    """How long each lock file has looked unchanged to this process (monotonic clock)."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[tuple, float]] = {}
        self._lock = threading.Lock()

    def unchanged_for(self, path: Path, signature: tuple) -> float:
        key, now = str(path), time.monotonic()
        with self._lock:
            seen = self._seen.get(key)
            if seen is None or seen[0] != signature:
                self._seen[key] = (signature, now)
                return 0.0
            return now - seen[1]

    def forget(self, path: Path) -> None:
        with self._lock:
            self._seen.pop(str(path), None)


_observations = _Observations()


def _signature(status: os.stat_result, owner: LockOwner | None) -> tuple:
    """What changes when a lock is refreshed or replaced."""
    return (
        status.st_dev,
        status.st_ino,
        status.st_mtime_ns,
        status.st_ctime_ns,
        status.st_size,
        owner.token if owner else None,
    )


def create_exclusive(path: str | os.PathLike, content: str) -> bool:
    """Create ``path`` holding ``content`` only if no such file exists.

    Returns
    -------
    bool
        True when this call created the file; False when it already existed.
    """
    handle = _create_exclusive_open(Path(path), content)
    if handle is None:
        return False
    os.close(handle)
    return True


def _create_exclusive_open(path: Path, content: str) -> int | None:
    """Like :func:`create_exclusive`, but returns the open descriptor (None if the file existed)."""
    try:
        handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o644)
    except FileExistsError:
        return None
    try:
        os.write(handle, content.encode("utf-8"))
        os.fsync(handle)
    except BaseException:
        os.close(handle)
        Path(path).unlink(missing_ok=True)  # never leave an ownerless file behind
        raise
    return handle


def _identity(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def _identity_at(path: Path) -> tuple[int, int] | None:
    """The identity of the file at ``path`` (opened, for fresh NFS attributes), None if none."""
    try:
        handle = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        return _identity(os.fstat(handle))
    finally:
        os.close(handle)


@contextlib.contextmanager
def _removal_mutex(path: Path) -> Iterator[bool]:
    """Hold the removal mutex of the lock at ``path``; yields False if it could not be had.

    A mutex whose owner is a dead process on this machine, or that has looked
    unchanged for ``REMOVAL_MUTEX_STALE`` seconds, is removed and retaken.
    """
    mutex = path.with_name(path.name + REMOVAL_MUTEX_SUFFIX)
    deadline = time.monotonic() + REMOVAL_MUTEX_TIMEOUT
    delay = 0.001
    while True:
        handle = _create_exclusive_open(mutex, LockOwner.new("removal").to_json())
        if handle is not None:
            break
        try:
            found = _read_lock(mutex)
        except OSError:
            found = None
        if found is not None:
            owner, status = found
            abandoned = owner is not None and _owner_process_gone(owner)
            if (
                abandoned
                or _observations.unchanged_for(mutex, _signature(status, owner))
                >= REMOVAL_MUTEX_STALE
            ):
                logger.warning("removing abandoned lock mutex %s", mutex)
                mutex.unlink(missing_ok=True)
                _observations.forget(mutex)
                continue
        if time.monotonic() >= deadline:
            logger.warning("could not take %s within %.0f s", mutex, REMOVAL_MUTEX_TIMEOUT)
            yield False
            return
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
    try:
        yield True
    finally:
        os.close(handle)
        mutex.unlink(missing_ok=True)


def _remove_if(path: Path, is_expected) -> bool:
    """Delete the lock at ``path`` if ``is_expected(its status)``, under its removal mutex.

    Returns True when this call removed the file.
    """
    with _removal_mutex(path) as held:
        if not held:
            return False
        try:
            handle = os.open(path, os.O_RDONLY)  # opened: fresh attributes on NFS
        except FileNotFoundError:
            return False
        try:
            status = os.fstat(handle)
        finally:
            os.close(handle)
        if not is_expected(status):
            return False
        os.unlink(path)
        return True


def break_if_stale(path: str | os.PathLike, *, stale_after: float) -> bool:
    """Remove the lock at ``path`` if it is stale.

    A lock is stale when its owner is a dead process on this machine, or when
    this process has seen it unchanged (same file, same time stamps) for
    ``stale_after`` seconds, or for the owner's own lease if that is longer.
    The first call on a lock only starts the observation: callers poll. Of
    several callers racing on the same stale lock, exactly one removes it.

    Parameters
    ----------
    path : path
        The lock file.
    stale_after : float
        Seconds without heartbeat after which any owner counts as gone.

    Returns
    -------
    bool
        True when this call removed the lock.
    """
    path = Path(path)
    try:
        found = _read_lock(path)
    except OSError:
        return False
    if found is None:
        _observations.forget(path)
        return False
    owner, status = found
    if owner is not None and _owner_process_gone(owner):
        reason = "its process is gone"
    else:
        lease = max(stale_after, (owner.lease or 0.0) if owner else 0.0)
        unchanged = _observations.unchanged_for(path, _signature(status, owner))
        if unchanged < lease:
            return False
        reason = f"no heartbeat seen for {unchanged:.1f} s"
    seen = (_identity(status), status.st_mtime_ns)
    if not _remove_if(path, lambda now: (_identity(now), now.st_mtime_ns) == seen):
        return False
    _observations.forget(path)
    who = owner.describe() if owner else "a writer that left no readable owner"
    logger.warning("broke stale lock %s held by %s (%s)", path, who, reason)
    return True


_guards: contextvars.ContextVar[tuple[FileLock, ...]] = contextvars.ContextVar(
    "scan_analysis_lease_guards", default=()
)


@contextlib.contextmanager
def lease_guard(lock: FileLock) -> Iterator[None]:
    """Make every :func:`ensure_guards_held` in this context also require ``lock``.

    The live runner wraps each analysis in the guard of its task claim, so the
    s-file merge refuses to write for a runner whose claim was taken over.
    """
    token = _guards.set((*_guards.get(), lock))
    try:
        yield
    finally:
        _guards.reset(token)


def ensure_guards_held(*locks: FileLock) -> None:
    """Raise :class:`~scan_analysis.errors.LockLostError` unless ``locks`` and every guard are held.

    Call it immediately before a write that must not happen without the lease.
    """
    for lock in (*locks, *_guards.get()):
        lock.ensure_held()


class FileLock:
    """An exclusive lease on a shared folder, safe across processes and machines.

    Parameters
    ----------
    path : path
        The lock file (for an s-file, ``s12.txt.lock`` beside it).
    timeout : float
        Seconds to wait before :class:`~scan_analysis.errors.LockTimeoutError`;
        0 tries once (breaking a lock already known to be stale).
    stale_after : float
        The lease: a lock seen without heartbeat for this long is broken.
    heartbeat_interval : float, optional
        How often the holder refreshes its heartbeat (default ``stale_after / 4``).
    label : str
        Names the holder in other processes' messages (e.g. a runner id).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> lock_path = pathlib.Path(tempfile.mkdtemp()) / "s1.txt.lock"
    >>> with FileLock(lock_path) as lock:
    ...     lock_path.exists(), lock.check_held()
    (True, True)
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
        if self.heartbeat_interval >= stale_after:
            raise ValueError(
                f"heartbeat_interval ({self.heartbeat_interval:g} s) must be shorter than "
                f"stale_after ({stale_after:g} s)"
            )
        self.label = label
        self.lost_reason: str | None = None
        self._owner: LockOwner | None = None
        self._handle: int | None = None
        self._identity: tuple[int, int] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def held(self) -> bool:
        """Whether this object took the lock and has not released it (see :meth:`check_held`)."""
        return self._owner is not None

    @property
    def lost(self) -> bool:
        """Whether the lease was found broken or taken over while held."""
        return self.lost_reason is not None

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
            owner = LockOwner.new(self.label, lease=self.stale_after)
            handle = _create_exclusive_open(self.path, owner.to_json())
            if handle is not None:
                self._owner, self._handle = owner, handle
                self._identity = _identity(os.fstat(handle))
                self.lost_reason = None
                _observations.forget(self.path)
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

    def check_held(self) -> bool:
        """Whether the file at the lock's path is still the one this holder created.

        Once it is not, the lease is lost for good (:attr:`lost`, :attr:`lost_reason`).

        Raises
        ------
        OSError
            When the lock's folder cannot be read (the share is unreachable).
        """
        if self._owner is None or self.lost_reason is not None:
            return False
        found = _identity_at(self.path)
        if found == self._identity:
            return True
        self._mark_lost("missing" if found is None else "replaced by another holder's lock")
        return False

    def ensure_held(self) -> None:
        """Raise :class:`~scan_analysis.errors.LockLostError` unless the lease is still ours.

        Call it immediately before a write that must not happen without the lease.
        """
        try:
            held = self.check_held()
        except OSError as error:
            raise LockLostError(
                f"cannot confirm the lease {self.path} is still ours ({error}); nothing was "
                "written. Check that the shared folder is reachable, then run again"
            ) from error
        if not held:
            raise LockLostError(
                f"lost the lease {self.path} ({self.lost_reason or 'not taken'}): another "
                f"process took it over after {self.stale_after:g} s without a heartbeat from "
                "this one (was it paused, or its share unreachable?); nothing was written. "
                "The other process does the work; run again if it did not"
            )

    def release(self) -> None:
        """Give the lock back; only removes the lock file if it is still the one we created."""
        owner = self._owner
        if owner is None:
            return
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._thread = None
        try:
            identity = self._identity
            if not (
                self.check_held() and _remove_if(self.path, lambda now: _identity(now) == identity)
            ):
                logger.warning(
                    "lock %s was no longer ours when released (%s)",
                    self.path,
                    self.lost_reason or "replaced",
                )
        except OSError as error:  # the share went away: the lease simply expires
            logger.warning("could not remove lock %s (%s); it expires by itself", self.path, error)
        finally:
            self._owner = None
            if self._handle is not None:
                os.close(self._handle)
                self._handle = None

    def _mark_lost(self, reason: str) -> None:
        if self.lost_reason is None:
            self.lost_reason = reason
            logger.error(
                "lock %s was broken by another process while we held it (%s; our heartbeat "
                "was late by more than %g s?)",
                self.path,
                reason,
                self.stale_after,
            )

    def _start_heartbeat(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat,
            args=(self._stop, self._handle),
            name=f"heartbeat {self.path.name}",
            daemon=True,
        )
        self._thread.start()

    def _beat(self, stop: threading.Event, handle: int) -> None:
        failing_since: float | None = None
        while not stop.wait(self.heartbeat_interval):
            try:
                if not self.check_held():
                    return
                if os.utime in os.supports_fd:
                    os.utime(handle)  # our own file, whatever is at the path now
                else:  # pragma: no cover - platforms without futimens
                    os.utime(self.path)
                failing_since = None
            except OSError as error:
                now = time.monotonic()
                failing_since = failing_since or now
                logger.warning("could not refresh lock %s: %s", self.path, error)
                if now - failing_since > self.stale_after - self.heartbeat_interval:
                    self._mark_lost(f"heartbeat failing for {now - failing_since:.0f} s")
                    return

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def __repr__(self) -> str:
        state = "held" if self.held else "free"
        return f"FileLock({str(self.path)!r}, {state})"
