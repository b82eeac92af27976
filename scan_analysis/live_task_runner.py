"""LiveTaskRunner: analyse each scan of a day as it completes, once, on any number of machines.

    LiveTaskRunner(analyzer_group="demo", date_tag=tag).run()   # blocks until stop() or a signal

The runner watches the day's ``analysis/`` folder for s-files (the DAQ writes
one when a scan ends), expands each scan from ``date_tag.number`` on into
(scan, analyzer) tasks in priority order, claims each through the shared
:class:`~scan_analysis.task_queue.TaskQueue`, runs it with a heartbeat, records
the outcome (state, display files, scalar summary) and writes the scan's e-log
entry when the group asks for it. It never creates or writes anything inside
``scans/``, and waits for a day folder that does not exist yet.

It is three parts: the task loop (:class:`~scan_analysis.live_task_loop.TaskLoop`:
one pass claims and runs what is due), the e-log publisher
(:class:`~scan_analysis.elog.publisher.ElogPublisher`: a scan's entry once all
its tasks are finished) and, here, the wiring: the configuration loaded on
first use (the constructor does no I/O), the s-file watcher waking the loop,
stop requests and signals, and the status the panels and terminals show.

Waiting is never failing: a scan whose folder or ini lags behind its s-file
(:class:`~scan_analysis.scan_watcher.ScanReadiness`), and an analyzer whose
input columns other analyzers of the group still have to write
(:mod:`scan_analysis.task_dependencies`), are left queued, spending no attempt.
An analysis runs under the guard of its claim
(:func:`~scan_analysis.data.file_lock.lease_guard`): a runner whose claim was
taken over writes nothing to the s-file.

A first SIGINT/SIGTERM (Ctrl-C) lets the task in progress finish and be
recorded, then :meth:`LiveTaskRunner.run` returns; a second one stops at
once, gives the task in progress back (queued, attempt not counted) and
raises :class:`KeyboardInterrupt`.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scan_analysis.app_links import resolve_app_url
from scan_analysis.config.diagnostic_models import ResolvedDiagnosticConfig
from scan_analysis.data.scan_paths import ScanPaths
from scan_analysis.data.scan_tag import ScanTag
from scan_analysis.elog import (
    ElogUploader,
    LocalElog,
)
from scan_analysis.live_progress import LiveProgress
from scan_analysis.live_setup import (
    RunnerOptions,
    RunnerParts,
    build_runner_parts,
    google_doc_settings,
)
from scan_analysis.live_task_loop import PassResult
from scan_analysis.scan_watcher import SFileWatcher
from scan_analysis.task_queue import TaskQueue, TaskState, default_runner_id

logger = logging.getLogger(__name__)


@dataclass
class RunnerStatus:
    """A snapshot for a status panel: what the runner is doing and every task's state."""

    runner_id: str
    group: str
    day_dir: str
    state: str
    current: str | None
    counts: dict[str, int]
    tasks: list[dict[str, Any]] = field(default_factory=list)
    elog_page: str | None = None
    progress: tuple[int, int] | None = None
    """(steps done, steps total) of the current task, when it reports progress: one step per
    shot, then one per figure."""
    stage: str = "shots"
    """What the current task's steps are now: ``"shots"``, then ``"figures"`` while drawn."""


class LiveTaskRunner:
    """Run an analyzer group over a day's scans as they complete.

    Parameters
    ----------
    analyzer_group : str or path
        Group key or stem (``"HTU/baseline"``, ``"demo"``), or the path of the
        group's YAML file (its analyzers are then found in that file's config
        root unless ``config_dir`` is given).
    date_tag : ScanTag
        The day (experiment, date) and the first scan to analyse (``number``;
        ``0`` the whole day). Any ScanTag-like object works, the original's
        ``geecs_data_utils.ScanTag`` included.
    gdoc_enabled : bool
        Also write entries to the experiment's Google Doc (extra ``gdoc``). The
        document id and service-account key come from ``gdoc_document_id`` /
        ``gdoc_key_file`` or the environment variables
        ``SCAN_ANALYSIS_GDOC_DOCUMENT_ID`` / ``SCAN_ANALYSIS_GDOC_KEY_FILE``.
    data_root, config_dir : path, optional
        Override the resolution order.
    runner_id : str, optional
        Name in claims (default ``host:pid``).
    heartbeat_timeout : float
        Seconds without heartbeat after which another runner takes a task over.
    max_attempts : int
        Attempts per task before it is ``failed``.
    rescan_interval : float
        Seconds between safety rescans of the folder (events wake it sooner).
    use_polling_observer : bool
        Poll the folder instead of OS events (network shares).
    elog_enabled : bool
        Write the local HTML e-log when the group's ``upload_to_scan-log`` is true.
    dry_run : bool
        Claim and report, but run nothing and record nothing.
    executor : str, optional
        Where per-shot work runs (one pool shared by the group's analyzers).
    progress : bool
        Per-shot progress bars of the analyzers.
    scan_folder_grace : float
        Seconds to wait for a scan folder (and ini) that is not visible yet
        when its s-file is (a network share catching up) before its tasks are
        run anyway and fail.
    app_url : str, optional
        Base URL of the served apps (``scan-analysis serve``); each e-log entry
        then links to its scan in the scan browser. Default: the environment
        variable ``SCAN_ANALYSIS_APP_URL``, else no link.

    The constructor only keeps its arguments: the group's configs, the data
    root and the analyzers are loaded by :meth:`prepare`, which :meth:`run`,
    :meth:`process_new` and the attributes that need them call on first use.
    """

    def __init__(
        self,
        analyzer_group: str | os.PathLike,
        date_tag: ScanTag,
        *,
        gdoc_enabled: bool = False,
        data_root: str | os.PathLike | None = None,
        config_dir: str | os.PathLike | None = None,
        runner_id: str | None = None,
        heartbeat_timeout: float = 120.0,
        max_attempts: int = 3,
        rescan_interval: float = 5.0,
        use_polling_observer: bool = False,
        elog_enabled: bool = True,
        dry_run: bool = False,
        executor: str | None = None,
        progress: bool = False,
        gdoc_document_id: str | None = None,
        gdoc_key_file: str | os.PathLike | None = None,
        scan_folder_grace: float = 600.0,
        app_url: str | None = None,
    ) -> None:
        self.group_key = os.fspath(analyzer_group)
        date_tag = ScanTag.coerce(date_tag, whole_day=True)
        self.date_tag = date_tag
        self.start_scan = date_tag.number
        self.runner_id = runner_id or default_runner_id()
        self.dry_run = dry_run
        self.rescan_interval = rescan_interval
        self.options = RunnerOptions(
            group=self.group_key,
            date_tag=date_tag,
            runner_id=self.runner_id,
            data_root=data_root,
            config_dir=config_dir,
            heartbeat_timeout=heartbeat_timeout,
            max_attempts=max_attempts,
            elog_enabled=elog_enabled,
            dry_run=dry_run,
            executor=executor,
            progress=progress,
            gdoc=google_doc_settings(gdoc_document_id, gdoc_key_file) if gdoc_enabled else None,
            scan_folder_grace=scan_folder_grace,
            app_url=resolve_app_url(app_url),
        )
        self._polling = use_polling_observer
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._waiting_logged = False

    # --- what the configs and the data root give (loaded on first use) ------------------------
    def prepare(self) -> None:
        """Load the group's configs, resolve the data root, build the analyzers and the queue.

        Called by :meth:`run` and :meth:`process_new`; call it first to see
        configuration errors (an unknown group, an invalid analyzer) at once.

        Raises
        ------
        ConfigError, DataRootError
            Naming the file or setting to fix.
        """
        self._parts  # noqa: B018 - builds and keeps the parts

    @functools.cached_property
    def _parts(self) -> RunnerParts:
        return build_runner_parts(self.options, stop=self._stop)

    @property
    def day_dir(self) -> Path:
        """The day folder watched."""
        return self._parts.day_dir

    @property
    def analysis_dir(self) -> Path:
        """The day's ``analysis/`` folder."""
        return self._parts.day_dir / "analysis"

    @property
    def order(self) -> list[ResolvedDiagnosticConfig]:
        """The group's items, in the order they run (inputs first)."""
        return self._parts.order

    @property
    def analyzers(self) -> dict[str, Any]:
        """``{analyzer id: analyzer}`` of the group."""
        return self._parts.analyzers

    @property
    def queue(self) -> TaskQueue:
        """The day's task queue."""
        return self._parts.queue

    @property
    def elog(self) -> LocalElog:
        """The day's local e-log."""
        return self._parts.elog

    @property
    def uploaders(self) -> list[ElogUploader]:
        """Where e-log entries go (append one to add a backend)."""
        return self._parts.uploaders

    @property
    def elog_page(self) -> Path:
        """Where the day's HTML e-log is written."""
        return self.elog.page

    @property
    def tasks_run(self) -> int:
        """Tasks this runner ran to an outcome."""
        return self._parts.loop.tasks_run if "_parts" in self.__dict__ else 0

    def paths_for(self, scan: int) -> ScanPaths:
        """The folders and files of one scan of the day."""
        return ScanPaths(self.date_tag.with_number(scan), data_root=self._parts.data_root)

    # --- control -----------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask :meth:`run` to return after the current task (safe from any thread)."""
        self._stop.set()
        self._wake.set()

    @property
    def stopping(self) -> bool:
        """Whether stop was requested."""
        return self._stop.is_set()

    def run(self, *, exit_when_idle: float | None = None) -> int:
        """Process scans until :meth:`stop`, SIGINT/SIGTERM, or ``exit_when_idle`` seconds idle.

        "Idle" means every known task is finished (done, no_data or failed), so
        a runner never leaves while another runner's task may still need taking
        over. Returns the number of tasks this runner ran.
        """
        self.prepare()
        watcher = SFileWatcher(self.analysis_dir, self._wake, polling=self._polling)
        previous = self._install_signal_handlers()
        idle_since: float | None = None
        try:
            while not self._stop.is_set():
                self._wake.clear()
                result = self._pass()
                if self.analysis_dir.is_dir() and not watcher.running:
                    watcher.start()
                if result.ran or not result.finished:
                    idle_since = None
                elif idle_since is None:
                    idle_since = time.monotonic()
                wait = self.rescan_interval
                if exit_when_idle is not None and idle_since is not None:
                    remaining = exit_when_idle - (time.monotonic() - idle_since)
                    if remaining <= 0:
                        logger.info(
                            "runner %s idle for %.1f s; exiting", self.runner_id, exit_when_idle
                        )
                        break
                    wait = min(wait, remaining)
                elif result.ran:
                    continue
                self._wake.wait(wait)
        finally:
            watcher.stop()
            self._restore_signal_handlers(previous)
            self.close()
        return self.tasks_run

    def process_new(self) -> int:
        """One pass: claim and run every task that is free and still to do; returns how many ran."""
        return self._pass().ran

    def _pass(self) -> PassResult:
        self.prepare()
        if not self.analysis_dir.is_dir():
            if not self._waiting_logged:
                logger.warning(
                    "waiting for %s to appear (the DAQ creates it with the first scan of the day)",
                    self.analysis_dir,
                )
                self._waiting_logged = True
            return PassResult(ran=0, finished=True)  # nothing to wait for yet
        return self._parts.loop.run_pass()

    def close(self) -> None:
        """Release the worker pool."""
        if "_parts" in self.__dict__:
            self._parts.executor.close()

    def _install_signal_handlers(self):
        if threading.current_thread() is not threading.main_thread():
            return None
        previous = {}
        for number in (signal.SIGINT, signal.SIGTERM):
            previous[number] = signal.signal(number, self._on_signal)
        return previous

    def _on_signal(self, number: int, frame: object) -> None:
        """First signal: finish the task in progress, then stop. Second: stop at once."""
        name = signal.Signals(number).name
        if not self._stop.is_set():
            logger.warning(
                "runner %s: %s: stopping after the task in progress (%s again to stop at once "
                "and give that task back)",
                self.runner_id,
                name,
                "Ctrl-C" if number == signal.SIGINT else name,
            )
            self.stop()
        elif self._parts.loop.interruptible:
            logger.warning("runner %s: %s again: stopping at once", self.runner_id, name)
            raise KeyboardInterrupt

    @staticmethod
    def _restore_signal_handlers(previous) -> None:
        for number, handler in (previous or {}).items():
            signal.signal(number, handler)

    # --- status ------------------------------------------------------------------------------
    def pending_scans(self) -> list[int]:
        """Completed scans (s-file present) from the start scan on."""
        return self._parts.loop.pending_scans()

    def rerun_failed(self) -> list[tuple[int, str]]:
        """Requeue every failed task of the day (they run on the next pass)."""
        requeued = self.queue.rerun_failed()
        self._wake.set()
        return requeued

    def progress(self) -> LiveProgress:
        """Scans seen, tasks per state and the task in progress (cheap; safe from any thread)."""
        if "_parts" not in self.__dict__:
            return LiveProgress()
        return self._parts.loop.progress()

    def status_snapshot(self) -> RunnerStatus:
        """What the runner is doing and every task's state (for the LiveWatch panel)."""
        loop = self._parts.loop
        names = set(self.analyzers)
        tasks = [
            s for s in self.queue.snapshot() if s.analyzer in names and s.scan >= self.start_scan
        ]
        counts: dict[str, int] = {state.value: 0 for state in TaskState}
        for status in tasks:
            counts[status.state.value] += 1
        return RunnerStatus(
            runner_id=self.runner_id,
            group=self.group_key,
            day_dir=str(self.day_dir),
            state="stopping" if self._stop.is_set() else "running" if loop.current else "idle",
            current=loop.current,
            counts=counts,
            tasks=[
                {
                    "scan": s.scan,
                    "analyzer": s.analyzer,
                    "state": s.state.value,
                    "claimant": s.claimant,
                    "attempts": s.attempts,
                    "error": s.error,
                    "message": s.message,
                    "started": s.started,
                    "finished": s.finished,
                    "display_files": list(s.display_files),
                }
                for s in tasks
            ],
            elog_page=str(self.elog.page) if self.elog.page.exists() else None,
            progress=loop.shots,
            stage=loop.stage,
        )
