"""Exactly-once (scan, analyzer) tasks shared by live runners on any number of machines.

Layout, under the day's ``analysis/`` folder (never under ``scans/``)::

    analysis/.scan_analysis_tasks/Scan{NNN}/{analyzer}.yaml    # status (state, attempts, ...)
    analysis/.scan_analysis_tasks/Scan{NNN}/{analyzer}.claim   # present while a runner works on it

A claim is a :class:`~scan_analysis.data.file_lock.FileLock` lease: created
with ``O_CREAT | O_EXCL`` (no read-then-write), refreshed by a heartbeat thread
while the analysis runs, and broken by exactly one runner once its owner is a
dead process on the same host or it has been seen without heartbeat for
``heartbeat_timeout`` seconds. Only a claim holder writes the status, always
with an atomic replace, checking right before each write that the claim is
still its own, and it writes the final state *before* releasing the claim;
after taking a claim a runner re-reads the status, so a finished task is never
run again. The queue creates its folders under the day's ``analysis/`` only,
never that folder or anything above it (the DAQ creates the day).

States: ``queued`` → ``claimed`` → ``done`` | ``no_data`` | ``failed``. A
failed attempt goes back to ``queued`` until ``max_attempts`` attempts were
made; then the task is ``failed`` with the last error kept, until
:meth:`TaskQueue.requeue` or :meth:`TaskQueue.rerun_failed`.

API: ``ensure_task`` (create ``queued``), ``try_claim`` → :class:`Claim` or None,
then exactly one of ``complete`` (``done``/``no_data``/``failed``),
``fail_attempt`` (retry or give up) or ``release`` (unused: back to ``queued``,
attempt not counted). A holder whose claim was taken over meanwhile records
nothing (``holds`` tells; :func:`~scan_analysis.data.file_lock.lease_guard`
on ``claim.lock`` extends that to other writes such as the s-file merge).
``read_status``/``snapshot`` never raise on bad files; ``dry_run`` claims and
releases but writes no status at all.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import os
import re
import secrets
import socket
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scan_analysis.data.atomic_files import write_atomically
from scan_analysis.data.file_lock import (
    FileLock,
    create_exclusive,
    ensure_guards_held,
    read_owner,
)
from scan_analysis.errors import DataRootError, LockLostError, LockTimeoutError

logger = logging.getLogger(__name__)

TASKS_FOLDER = ".scan_analysis_tasks"
_SCAN_FOLDER = re.compile(r"^Scan(\d+)$")


class TaskState(enum.StrEnum):
    """Where a task stands."""

    QUEUED = "queued"
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"
    NO_DATA = "no_data"

    @property
    def terminal(self) -> bool:
        """Nothing more will happen to the task (unless requeued)."""
        return self in (TaskState.DONE, TaskState.FAILED, TaskState.NO_DATA)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@dataclass
class TaskStatus:
    """The recorded state of one (scan, analyzer) task."""

    scan: int
    analyzer: str
    state: TaskState = TaskState.QUEUED
    claimant: str | None = None
    heartbeat: str | None = None
    attempts: int = 0
    error: str | None = None
    message: str | None = None
    display_files: list[str] = field(default_factory=list)
    scalars: dict[str, float] = field(default_factory=dict)
    started: str | None = None
    finished: str | None = None
    updated: str | None = None

    def to_yaml(self) -> str:
        """The status file's text (every field written, cleared ones as null)."""
        data = asdict(self)
        data["state"] = self.state.value
        data["scalars"] = {k: (None if v != v else float(v)) for k, v in self.scalars.items()}
        return yaml.safe_dump(data, sort_keys=False)

    @classmethod
    def from_mapping(cls, data: Any, *, scan: int, analyzer: str) -> TaskStatus:
        """Validate a status file's content (raises ValueError when it is not one)."""
        if not isinstance(data, dict):
            raise ValueError(f"expected a mapping, got {type(data).__name__}")
        if data.get("scan") != scan or data.get("analyzer") != analyzer:
            raise ValueError(f"it describes {data.get('analyzer')!r} of scan {data.get('scan')!r}")
        state = TaskState(data.get("state"))
        attempts = data.get("attempts", 0)
        if not isinstance(attempts, int) or attempts < 0:
            raise ValueError(f"attempts must be a non-negative integer, got {attempts!r}")
        files = data.get("display_files") or []
        scalars = data.get("scalars") or {}
        if not isinstance(files, list) or not isinstance(scalars, dict):
            raise ValueError("display_files must be a list and scalars a mapping")
        return cls(
            scan=scan,
            analyzer=analyzer,
            state=state,
            claimant=data.get("claimant"),
            heartbeat=data.get("heartbeat"),
            attempts=attempts,
            error=data.get("error"),
            message=data.get("message"),
            display_files=[str(f) for f in files],
            scalars={str(k): (float("nan") if v is None else float(v)) for k, v in scalars.items()},
            started=data.get("started"),
            finished=data.get("finished"),
            updated=data.get("updated"),
        )


@dataclass
class Claim:
    """A held claim on a task; the heartbeat runs until it is completed or released."""

    scan: int
    analyzer: str
    lock: FileLock
    status: TaskStatus


def create_complete_file(path: Path, content: str) -> bool:
    """Create ``path`` holding ``content`` only if it does not exist; True when we created it.

    The content is written to a temporary file first and hard-linked into
    place (``link`` fails when the target exists), so no reader ever sees the
    file empty or half written. Where hard links are not supported (some SMB
    shares) it falls back to ``O_CREAT | O_EXCL``.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.new")
    write_atomically(temporary, content)
    try:
        os.link(temporary, path)
        return True
    except FileExistsError:
        return False
    except OSError:
        return create_exclusive(path, content)
    finally:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass


def default_runner_id() -> str:
    """``host:pid``, unique among the runners sharing a folder."""
    return f"{socket.gethostname()}:{os.getpid()}"


class TaskQueue:
    """The tasks of one day, shared through its ``analysis/`` folder.

    Parameters
    ----------
    analysis_dir : Path
        The day's ``analysis/`` folder. It must exist before tasks are
        created or claimed (the DAQ creates it); the queue never creates it.
    runner_id : str, optional
        Who claims (default ``host:pid``).
    heartbeat_timeout : float
        Seconds without heartbeat after which another runner takes a claim over.
    max_attempts : int
        Attempts before a task is ``failed`` for good.
    dry_run : bool
        Claims are taken and released, but no state is ever recorded.
    """

    def __init__(
        self,
        analysis_dir: str | os.PathLike,
        *,
        runner_id: str | None = None,
        heartbeat_timeout: float = 120.0,
        max_attempts: int = 3,
        dry_run: bool = False,
    ) -> None:
        self.analysis_dir = Path(analysis_dir)
        if "scans" in self.analysis_dir.parts[-2:]:
            raise ValueError(f"task statuses never go inside scans/: {self.analysis_dir}")
        self.root = self.analysis_dir / TASKS_FOLDER
        self.runner_id = runner_id or default_runner_id()
        self.heartbeat_timeout = heartbeat_timeout
        self.max_attempts = max_attempts
        self.dry_run = dry_run
        self._reported_corrupt: set[tuple[str, int, int]] = set()

    # --- paths ------------------------------------------------------------------------------
    def task_dir(self, scan: int) -> Path:
        """``.scan_analysis_tasks/Scan{NNN}``."""
        return self.root / f"Scan{scan:03d}"

    def status_path(self, scan: int, analyzer: str) -> Path:
        """The status YAML of a task."""
        return self.task_dir(scan) / f"{analyzer}.yaml"

    def claim_path(self, scan: int, analyzer: str) -> Path:
        """The claim file of a task."""
        return self.task_dir(scan) / f"{analyzer}.claim"

    # --- reading ----------------------------------------------------------------------------
    def read_status(self, scan: int, analyzer: str) -> TaskStatus:
        """The task's status; a missing file is ``queued``, a corrupt one is rebuilt (logged)."""
        path = self.status_path(scan, analyzer)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return TaskStatus(scan, analyzer)
        except (OSError, UnicodeDecodeError) as error:
            return self._rebuilt(scan, analyzer, f"unreadable ({error})")
        try:
            return TaskStatus.from_mapping(yaml.safe_load(text), scan=scan, analyzer=analyzer)
        except (yaml.YAMLError, ValueError, TypeError) as error:
            return self._rebuilt(scan, analyzer, str(error).splitlines()[0])

    def _rebuilt(self, scan: int, analyzer: str, reason: str) -> TaskStatus:
        path = self.status_path(scan, analyzer)
        owner = read_owner(self.claim_path(scan, analyzer))
        try:
            version = (str(path), path.stat().st_mtime_ns, path.stat().st_size)
        except OSError:
            version = (str(path), 0, 0)
        if version not in self._reported_corrupt:  # once per file version, not on every poll
            self._reported_corrupt.add(version)
            logger.warning(
                "task status %s is corrupt (%s); rebuilding it as %s (the next runner to claim "
                "the task rewrites it; delete the file to reset the task by hand)",
                path,
                reason,
                "claimed" if owner else "queued",
            )
        if owner is not None:
            return TaskStatus(scan, analyzer, TaskState.CLAIMED, claimant=owner.label or owner.host)
        return TaskStatus(scan, analyzer, error=f"status file was rebuilt: {reason}")

    def _write(self, status: TaskStatus, claim: Claim | None = None) -> None:
        """Replace the status file; with ``claim``, only while that claim is still ours."""
        if self.dry_run:
            return
        status.updated = _now()
        text = status.to_yaml()
        if claim is not None:
            ensure_guards_held(claim.lock)  # right before the write: raises LockLostError
        write_atomically(self.status_path(status.scan, status.analyzer), text)

    def _make_task_dir(self, scan: int) -> Path:
        """``.scan_analysis_tasks/Scan{NNN}``, created inside an existing ``analysis/`` only."""
        folder = self.task_dir(scan)
        if folder.is_dir():
            return folder
        if not self.analysis_dir.is_dir():
            raise DataRootError(
                f"{self.analysis_dir} does not exist: the DAQ creates a day's analysis/ folder "
                "with its first scan, and the task queue never creates it (nor the day). "
                "Check the date and the data root, or wait for the day's first scan"
            )
        for part in (self.root, folder):
            try:
                part.mkdir()
            except FileExistsError:
                pass
        return folder

    # --- creating and claiming --------------------------------------------------------------
    def ensure_task(self, scan: int, analyzer: str) -> TaskStatus:
        """Create the task as ``queued`` if it has no status yet; return its status."""
        path = self.status_path(scan, analyzer)
        if not path.exists() and not self.dry_run:
            self._make_task_dir(scan)
            status = TaskStatus(scan, analyzer, updated=_now())
            create_complete_file(path, status.to_yaml())  # loses harmlessly to a concurrent creator
        return self.read_status(scan, analyzer)

    def try_claim(self, scan: int, analyzer: str) -> Claim | None:
        """Take the task if it is free and still to do; None otherwise.

        A stale claim (dead owner, or seen without heartbeat for the timeout
        over successive calls) is taken over by exactly one caller. Each claim
        counts as an attempt; past ``max_attempts`` the task becomes
        ``failed`` with its last error.

        Raises
        ------
        DataRootError
            When the day's ``analysis/`` folder does not exist.
        """
        self._make_task_dir(scan)
        lock = FileLock(
            self.claim_path(scan, analyzer),
            timeout=0.0,
            stale_after=self.heartbeat_timeout,
            heartbeat_interval=max(min(self.heartbeat_timeout / 4, 10.0), 0.05),
            label=self.runner_id,
        )
        try:
            lock.acquire()
        except LockTimeoutError:
            return None
        status = self.read_status(scan, analyzer)
        if status.state.terminal:
            lock.release()
            return None
        if status.state is TaskState.CLAIMED and status.claimant != self.runner_id:
            status.error = (
                f"attempt {status.attempts} by {status.claimant} was abandoned "
                f"(no heartbeat for {self.heartbeat_timeout:g} s, or its process died)"
            )
        if status.attempts >= self.max_attempts:
            status.state = TaskState.FAILED
            status.claimant = None
            status.error = status.error or f"gave up after {status.attempts} attempts"
            status.finished = _now()
            self._record_and_release(Claim(scan, analyzer, lock, status), status)
            logger.error("task %s scan %d failed for good: %s", analyzer, scan, status.error)
            return None
        if status.state is TaskState.CLAIMED and status.claimant != self.runner_id:
            logger.warning(
                "taking over %s of scan %d from %s (no heartbeat for %.0f s)",
                analyzer,
                scan,
                status.claimant,
                self.heartbeat_timeout,
            )
        status.state = TaskState.CLAIMED
        status.claimant = self.runner_id
        status.attempts += 1
        status.started = status.heartbeat = _now()
        claim = Claim(scan, analyzer, lock, status)
        try:
            self._write(status, claim)
        except BaseException:
            lock.release()
            raise
        return claim

    # --- finishing --------------------------------------------------------------------------
    def complete(
        self,
        claim: Claim,
        state: TaskState | str,
        *,
        message: str | None = None,
        display_files: Iterable[os.PathLike | str] = (),
        scalars: dict[str, float] | None = None,
    ) -> TaskStatus:
        """Record a finished task (``done``/``no_data``/``failed``) and release the claim."""
        state = TaskState(state)
        status = claim.status
        status.state = state
        status.claimant = None
        status.error = message if state is TaskState.FAILED else None
        status.message = message
        status.display_files = [str(p) for p in display_files]
        status.scalars = dict(scalars or {})
        status.finished = _now()
        return self._record_and_release(claim, status)

    def fail_attempt(self, claim: Claim, error: str) -> TaskStatus:
        """Record a failed attempt: ``queued`` for a retry, ``failed`` when out of attempts."""
        status = claim.status
        final = status.attempts >= self.max_attempts
        status.state = TaskState.FAILED if final else TaskState.QUEUED
        status.claimant = None
        status.error = error
        status.message = error
        status.finished = _now() if final else None
        return self._record_and_release(claim, status)

    def release(self, claim: Claim) -> None:
        """Give a claim back unused (dry runs, shutdown before work).

        The task goes back to ``queued`` and the attempt is not counted; in a
        dry run nothing is written at all.
        """
        status = claim.status
        status.state = TaskState.QUEUED
        status.claimant = None
        status.attempts = max(status.attempts - 1, 0)
        status.started = status.heartbeat = None
        self._record_and_release(claim, status)

    def holds(self, claim: Claim) -> bool:
        """Whether the claim file is still the one this claim created (not taken over)."""
        try:
            return claim.lock.check_held()
        except OSError:
            return False

    def _record_and_release(self, claim: Claim, status: TaskStatus) -> TaskStatus:
        """Write ``status`` while the claim is still ours, then release the claim.

        A claim that was taken over (our heartbeat stopped for longer than the
        timeout) is not written over: the new holder owns the status now.
        """
        try:
            self._write(status, claim)
        except LockLostError as error:
            logger.error(
                "%s of scan %d: our claim was taken over by another runner (no heartbeat seen "
                "for %.0f s); not recording %s over its work (%s)",
                claim.analyzer,
                claim.scan,
                self.heartbeat_timeout,
                status.state.value,
                error,
            )
            return self.read_status(claim.scan, claim.analyzer)
        finally:
            claim.lock.release()
        return status

    # --- operator actions -------------------------------------------------------------------
    def requeue(self, scan: int, analyzer: str) -> bool:
        """Put a task back to ``queued`` with no attempts (False if someone holds it now)."""
        lock = FileLock(
            self.claim_path(scan, analyzer), timeout=0.0, stale_after=self.heartbeat_timeout
        )
        try:
            lock.acquire()
        except LockTimeoutError:
            return False
        status = TaskStatus(scan, analyzer)
        recorded = self._record_and_release(Claim(scan, analyzer, lock, status), status)
        return recorded is status

    def rerun_failed(self) -> list[tuple[int, str]]:
        """Requeue every ``failed`` task; returns the (scan, analyzer) pairs requeued."""
        requeued = []
        for status in self.snapshot():
            if status.state is TaskState.FAILED and self.requeue(status.scan, status.analyzer):
                requeued.append((status.scan, status.analyzer))
        return requeued

    def snapshot(self) -> list[TaskStatus]:
        """Every task's status, scan by scan (for a status grid); never raises on bad files."""
        statuses = []
        if not self.root.is_dir():
            return statuses
        for folder in sorted(self.root.iterdir()):
            match = _SCAN_FOLDER.match(folder.name)
            if not match or not folder.is_dir():
                continue
            scan = int(match.group(1))
            for path in sorted(folder.glob("*.yaml")):
                statuses.append(self.read_status(scan, path.stem))
        return statuses
