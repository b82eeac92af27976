"""Exactly-once (scan, analyzer) tasks shared by live runners on any number of machines.

Layout, under the day's ``analysis/`` folder (never under ``scans/``)::

    analysis/.scan_analysis_tasks/Scan{NNN}/{analyzer}.json    # status (state, attempts, ...)
    analysis/.scan_analysis_tasks/Scan{NNN}/{analyzer}.claim   # present while a runner works on it

A status file is JSON validated by the pydantic model :class:`TaskStatus`.
Status files written as YAML by earlier versions (``{analyzer}.yaml``) are
still read; the first write of such a task replaces its YAML file with JSON.
(Stop runners of an earlier version before starting this one on the same day:
they would not see the JSON files.)

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

Reading a whole day cheaply: :meth:`TaskQueue.scan_statuses` (and
:meth:`TaskQueue.snapshot`, built on it) keeps what it read of each scan's
folder and reads it again only when the folder's modification time changes,
so a day whose tasks are finished costs one ``stat`` per scan, not one file
read per task. Every status change is an atomic rename or a claim file coming
or going, both of which change the folder; :meth:`TaskQueue.forget` drops
what is kept of some scans (a runner re-reads a few each pass, so a change
that a coarse time stamp or a network share's attribute cache hid is still
seen). :meth:`TaskQueue.read_status` always reads the file.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import math
import os
import re
import secrets
import socket
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, NonNegativeInt, ValidationError, field_validator

from scan_analysis.data.atomic_files import write_atomically
from scan_analysis.data.file_lock import (
    FileLock,
    create_exclusive,
    ensure_guards_held,
    read_owner,
)
from scan_analysis.data.scan_paths import is_read_only, read_only_folder_error
from scan_analysis.errors import DataRootError, LockLostError, LockTimeoutError
from scan_analysis.validation_messages import describe_validation_error, describe_yaml_error

logger = logging.getLogger(__name__)

TASKS_FOLDER = ".scan_analysis_tasks"
STATUS_SUFFIX = ".json"
LEGACY_STATUS_SUFFIX = ".yaml"
"""Status files of earlier versions: read, and replaced by JSON at the task's next write."""
_SCAN_FOLDER = re.compile(r"^Scan(\d+)$")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


class TaskStatus(BaseModel):
    """The recorded state of one (scan, analyzer) task: the content of its status file.

    Keys the model does not know are ignored (a status written by a later
    version stays readable; the ``heartbeat`` key of earlier versions, which
    only ever repeated ``started``, is dropped). NaN scalars are written as
    ``null`` and read back as NaN.
    """

    model_config = ConfigDict(extra="ignore", ser_json_inf_nan="null")

    scan: NonNegativeInt
    analyzer: str
    state: TaskState = TaskState.QUEUED
    claimant: str | None = None
    """The runner holding the claim while ``claimed``."""
    attempts: NonNegativeInt = 0
    error: str | None = None
    message: str | None = None
    display_files: list[str] = []
    scalars: dict[str, float] = {}
    scalar_table: dict[str, Any] | None = None
    """The key scalars for the e-log (a ``scan_analysis.scalar_table.ScalarTable.to_dict()``)."""
    started: str | None = None
    """When the current (or last) attempt was claimed (ISO 8601, UTC)."""
    finished: str | None = None
    updated: str | None = None

    @field_validator("scalars", mode="before")
    @classmethod
    def _null_is_nan(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: math.nan if item is None else item for key, item in value.items()}
        return value

    def to_json(self) -> str:
        """The status file's text (every field written, cleared ones as null)."""
        return self.model_dump_json(indent=1) + "\n"

    @classmethod
    def from_text(cls, text: str, *, scan: int, analyzer: str, legacy: bool = False) -> TaskStatus:
        """Validate a status file's text (JSON, or YAML with ``legacy``).

        Raises
        ------
        ValueError
            When it is not the status of this task (pydantic's
            ``ValidationError`` is a ``ValueError``).
        """
        if legacy:
            status = cls.model_validate(yaml.load(text, Loader=_YAML_LOADER))
        else:
            status = cls.model_validate_json(text)
        if status.scan != scan or status.analyzer != analyzer:
            raise ValueError(f"it describes {status.analyzer!r} of scan {status.scan}")
        return status


def _short_reason(error: Exception) -> str:
    """One line saying why a status file was refused."""
    if isinstance(error, ValidationError):
        problems = describe_validation_error(error, TaskStatus)
        return problems[0] if problems else str(error)
    if isinstance(error, yaml.YAMLError):
        return describe_yaml_error(error)
    return str(error).splitlines()[0] if str(error) else type(error).__name__


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
        temporary.unlink(missing_ok=True)


def default_runner_id() -> str:
    """``host:pid``, unique among the runners sharing a folder."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class _FolderView:
    """What was read of one scan's task folder, and the folder's state when it was read."""

    signature: tuple[int, ...]
    statuses: dict[str, TaskStatus]


def _folder_signature(status: os.stat_result) -> tuple[int, ...]:
    """What changes when an entry of the folder is created, renamed or removed."""
    return (status.st_dev, status.st_ino, status.st_mtime_ns, status.st_ctime_ns)


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
        # each dict operation is atomic: a runner's thread and a panel's poller may share it
        self._views: dict[int, _FolderView] = {}
        self._root_text = str(self.root)

    # --- paths ------------------------------------------------------------------------------
    def task_dir(self, scan: int) -> Path:
        """``.scan_analysis_tasks/Scan{NNN}``."""
        return self.root / f"Scan{scan:03d}"

    def status_path(self, scan: int, analyzer: str) -> Path:
        """The status file (JSON) of a task."""
        return self.task_dir(scan) / f"{analyzer}{STATUS_SUFFIX}"

    def legacy_status_path(self, scan: int, analyzer: str) -> Path:
        """Where an earlier version kept the task's status (YAML)."""
        return self.task_dir(scan) / f"{analyzer}{LEGACY_STATUS_SUFFIX}"

    def claim_path(self, scan: int, analyzer: str) -> Path:
        """The claim file of a task."""
        return self.task_dir(scan) / f"{analyzer}.claim"

    # --- reading ----------------------------------------------------------------------------
    def read_status(self, scan: int, analyzer: str) -> TaskStatus:
        """The task's status, read now; a missing file is ``queued``, a corrupt one is rebuilt.

        The JSON status file wins; without one, an earlier version's YAML file
        is read. A corrupt file is logged (once per version of the file).
        """
        path, legacy = self.status_path(scan, analyzer), False
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            path, legacy = self.legacy_status_path(scan, analyzer), True
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                return TaskStatus(scan=scan, analyzer=analyzer)
            except (OSError, UnicodeDecodeError) as error:
                return self._rebuilt(path, scan, analyzer, f"unreadable ({error})")
        except (OSError, UnicodeDecodeError) as error:
            return self._rebuilt(path, scan, analyzer, f"unreadable ({error})")
        try:
            return TaskStatus.from_text(text, scan=scan, analyzer=analyzer, legacy=legacy)
        except (yaml.YAMLError, ValueError, TypeError) as error:
            return self._rebuilt(path, scan, analyzer, _short_reason(error))

    def _rebuilt(self, path: Path, scan: int, analyzer: str, reason: str) -> TaskStatus:
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
            return TaskStatus(
                scan=scan,
                analyzer=analyzer,
                state=TaskState.CLAIMED,
                claimant=owner.label or owner.host,
            )
        return TaskStatus(scan=scan, analyzer=analyzer, error=f"status file was rebuilt: {reason}")

    def scan_statuses(self, scan: int) -> dict[str, TaskStatus]:
        """Every task status of one scan, by analyzer; re-read only when the folder changed.

        One ``stat`` of the scan's task folder when nothing changed since the
        last call; the files are read again when the folder's time stamps or
        identity differ (every status write and every claim does that). The
        statuses returned are shared: read them, do not change them.
        """
        folder = f"{self._root_text}{os.sep}Scan{scan:03d}"  # a str: this runs once per scan
        try:
            found = os.stat(folder)
        except OSError:  # no task yet (or the share is away: nothing to show)
            self._views.pop(scan, None)
            return {}
        if not stat.S_ISDIR(found.st_mode):
            return {}
        signature = _folder_signature(found)
        view = self._views.get(scan)
        if view is not None and view.signature == signature:
            return view.statuses
        statuses = {name: self.read_status(scan, name) for name in self._task_names(folder)}
        self._views[scan] = _FolderView(signature, statuses)
        return statuses

    def forget(self, scans: Iterable[int] | None = None) -> None:
        """Drop what :meth:`scan_statuses` keeps of these scans (all with None): read them again."""
        if scans is None:
            self._views.clear()
        for scan in scans or ():
            self._views.pop(scan, None)

    @staticmethod
    def _task_names(folder: str | Path) -> list[str]:
        """The analyzers with a status file (JSON or an earlier version's YAML) in a scan folder."""
        names = set()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    stem, suffix = os.path.splitext(entry.name)
                    if suffix in (STATUS_SUFFIX, LEGACY_STATUS_SUFFIX) and not stem.startswith("."):
                        names.add(stem)
        except OSError as error:
            logger.warning("task folder %s cannot be listed: %s", folder, error)
        return sorted(names)

    def _write(self, status: TaskStatus, claim: Claim | None = None) -> None:
        """Replace the status file; with ``claim``, only while that claim is still ours."""
        if self.dry_run:
            return
        status.updated = _now()
        text = status.to_json()
        if claim is not None:
            ensure_guards_held(claim.lock)  # right before the write: raises LockLostError
        write_atomically(self.status_path(status.scan, status.analyzer), text)
        # the task now has a JSON status: an earlier version's YAML one is obsolete
        self.legacy_status_path(status.scan, status.analyzer).unlink(missing_ok=True)
        self.forget([status.scan])  # our own change is seen whatever the clock's granularity

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
        if not self.root.is_dir() and is_read_only(self.analysis_dir):
            raise read_only_folder_error(self.analysis_dir, what="the task records of live runs")
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
        exists = path.exists() or self.legacy_status_path(scan, analyzer).exists()
        if not exists and not self.dry_run:
            self._make_task_dir(scan)
            status = TaskStatus(scan=scan, analyzer=analyzer, updated=_now())
            create_complete_file(path, status.to_json())  # loses harmlessly to a concurrent creator
            self.forget([scan])
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
        status.started = _now()
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
        scalar_table: dict[str, Any] | None = None,
    ) -> TaskStatus:
        """Record a finished task (``done``/``no_data``/``failed``) and release the claim.

        ``scalar_table`` is a ``ScalarTable.to_dict()`` (``scan_analysis.scalar_table``).
        """
        state = TaskState(state)
        status = claim.status
        status.state = state
        status.claimant = None
        status.error = message if state is TaskState.FAILED else None
        status.message = message
        status.display_files = [str(p) for p in display_files]
        status.scalars = {str(key): float(value) for key, value in (scalars or {}).items()}
        status.scalar_table = scalar_table
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
        status.started = None
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
        status = TaskStatus(scan=scan, analyzer=analyzer)
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
        """Every task's status, scan by scan (for a status grid); never raises on bad files.

        Built on :meth:`scan_statuses`: scan folders unchanged since the last
        call are not read again.
        """
        statuses: list[TaskStatus] = []
        try:
            names = os.listdir(self.root)
        except OSError:
            return statuses
        scans = sorted(int(m.group(1)) for m in map(_SCAN_FOLDER.match, names) if m)
        for scan in scans:
            found = self.scan_statuses(scan)
            statuses += [found[name] for name in sorted(found)]
        return statuses
