"""LiveTaskRunner: analyse each scan of a day as it completes, once, on any number of machines.

    LiveTaskRunner(analyzer_group="demo", date_tag=tag).run()   # blocks until stop() or a signal

The runner watches the day's ``analysis/`` folder for s-files (the DAQ writes
one when a scan ends), expands each scan from ``date_tag.number`` on into
(scan, analyzer) tasks in priority order, claims each through the shared
:class:`~scan_analysis.task_queue.TaskQueue`, runs it with a heartbeat, records
the outcome (state, display files, scalar summary) and writes the scan's e-log
entry when the group asks for it. It never creates or writes anything inside
``scans/``, and waits for a day folder that does not exist yet.

Waiting is never failing: a scan whose folder or ini lags behind its s-file
(:class:`~scan_analysis.scan_watcher.ScanReadiness`), and an analyzer whose
input columns other analyzers of the group still have to write
(:mod:`scan_analysis.task_dependencies`), are left queued, spending no attempt.
The scan's e-log entry is written once all its tasks are finished, and written
again (replacing it) when a task of it runs again. An analysis runs under the
guard of its claim (:func:`~scan_analysis.data.file_lock.lease_guard`): a
runner whose claim was taken over writes nothing to the s-file.

A first SIGINT/SIGTERM (Ctrl-C) lets the task in progress finish and be
recorded, then :meth:`LiveTaskRunner.run` returns; a second one stops at
once, gives the task in progress back (queued, attempt not counted) and
raises :class:`KeyboardInterrupt`.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scan_analysis.app_links import resolve_app_url, scan_page_url
from scan_analysis.config import ConfigTree, create_diagnostic_analyzer
from scan_analysis.data.file_lock import lease_guard
from scan_analysis.data.scan_info import ScanInfo
from scan_analysis.data.scan_paths import (
    ScanPaths,
    day_dir_for,
    list_completed_scans,
    resolve_data_root,
)
from scan_analysis.data.scan_tag import ScanTag
from scan_analysis.elog import (
    ElogEntry,
    ElogUploader,
    GoogleDocElog,
    LocalElog,
    default_pending_dir,
    should_upload,
)
from scan_analysis.executors import make_executor
from scan_analysis.scan_watcher import ScanReadiness, SFileWatcher
from scan_analysis.task_dependencies import input_analyzers, order_by_inputs
from scan_analysis.task_queue import Claim, TaskQueue, TaskState

logger = logging.getLogger(__name__)


GDOC_DOCUMENT_ENV = "SCAN_ANALYSIS_GDOC_DOCUMENT_ID"
GDOC_KEY_ENV = "SCAN_ANALYSIS_GDOC_KEY_FILE"


def _google_doc_backend(
    document_id: str | None, key_file: str | os.PathLike | None
) -> GoogleDocElog:
    document_id = document_id or os.environ.get(GDOC_DOCUMENT_ENV)
    key_file = key_file or os.environ.get(GDOC_KEY_ENV)
    if not document_id or not key_file:
        raise ValueError(
            "gdoc_enabled needs the experiment's document id and a service-account key file: pass "
            f"gdoc_document_id=/gdoc_key_file= or set {GDOC_DOCUMENT_ENV} and {GDOC_KEY_ENV}"
        )
    return GoogleDocElog.from_service_account_file(document_id, key_file)


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
    """(shots done, shots total) of the current task, when it reports progress."""


class LiveTaskRunner:
    """Run an analyzer group over a day's scans as they complete.

    Parameters
    ----------
    analyzer_group : str
        Group key or stem (``"HTU/baseline"``, ``"demo"``).
    date_tag : ScanTag
        The day (experiment, date) and the first scan to analyse (``number``).
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
    scan_folder_grace : float
        Seconds to wait for a scan folder (and ini) that is not visible yet
        when its s-file is (a network share catching up) before its tasks are
        run anyway and fail.
    app_url : str, optional
        Base URL of the served apps (``scan-analysis serve``); each e-log entry
        then links to its scan in the scan browser. Default: the environment
        variable ``SCAN_ANALYSIS_APP_URL``, else no link.
    """

    def __init__(
        self,
        analyzer_group: str,
        date_tag: ScanTag,
        gdoc_enabled: bool = False,
        *,
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
        gdoc = _google_doc_backend(gdoc_document_id, gdoc_key_file) if gdoc_enabled else None
        self.group_key = analyzer_group
        self.date_tag = date_tag
        self.app_url = resolve_app_url(app_url)
        self.start_scan = date_tag.number
        self.data_root = resolve_data_root(data_root)
        self.day_dir = day_dir_for(self.data_root, date_tag.experiment, date_tag.date)
        self.analysis_dir = self.day_dir / "analysis"
        self.tree = ConfigTree(config_dir)
        self.group = self.tree.load_group(analyzer_group)
        self.resolved = self.tree.resolve_group(analyzer_group)
        self.executor = make_executor(executor)
        self.analyzers = {
            item.name: create_diagnostic_analyzer(item, executor=self.executor, progress=progress)
            for item in self.resolved
        }
        self.inputs = input_analyzers(self.analyzers)
        by_name = {item.name: item for item in self.resolved}
        self.order = [by_name[n] for n in order_by_inputs(list(by_name), self.inputs)]
        self.queue = TaskQueue(
            self.analysis_dir,
            runner_id=runner_id,
            heartbeat_timeout=heartbeat_timeout,
            max_attempts=max_attempts,
            dry_run=dry_run,
        )
        self.runner_id = self.queue.runner_id
        self.dry_run = dry_run
        self.rescan_interval = rescan_interval
        self.elog_enabled = elog_enabled
        self.elog = LocalElog(
            self.analysis_dir / "elog",
            experiment=date_tag.experiment,
            date=date_tag.date.isoformat(),
        )
        backends = [self.elog] + ([gdoc] if gdoc is not None else [])
        # a failed upload is kept under analysis/ and retried with the next entry
        self.uploaders = [
            ElogUploader(backend, default_pending_dir(self.analysis_dir, backend.name))
            for backend in backends
        ]
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._watcher = SFileWatcher(self.analysis_dir, self._wake, polling=use_polling_observer)
        self._readiness = ScanReadiness(self.paths_for, grace=scan_folder_grace)
        self._interruptible = False
        self._current: str | None = None
        self._progress: tuple[int, int] | None = None
        self._state = "idle"
        self._waiting_logged = False
        self.tasks_run = 0
        self.started = time.monotonic()
        logger.info(
            "runner %s: group %s (%s) on %s from scan %d",
            self.runner_id,
            analyzer_group,
            ", ".join(self.analyzers),
            self.day_dir,
            self.start_scan,
        )

    # --- control -----------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask :meth:`run` to return after the current task (safe from any thread)."""
        self._stop.set()
        self._wake.set()

    def paths_for(self, scan: int) -> ScanPaths:
        """The folders and files of one scan of the day."""
        return ScanPaths(self.date_tag.with_number(scan), data_root=self.data_root)

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
        previous = self._install_signal_handlers()
        idle_since: float | None = None
        try:
            while not self._stop.is_set():
                self._wake.clear()
                ran = self.process_new()
                if self.analysis_dir.is_dir() and not self._watcher.running:
                    self._watcher.start()
                if ran or not self._all_finished():
                    idle_since = None
                elif idle_since is None:
                    idle_since = time.monotonic()
                if exit_when_idle is not None and idle_since is not None:
                    remaining = exit_when_idle - (time.monotonic() - idle_since)
                    if remaining <= 0:
                        logger.info(
                            "runner %s idle for %.1f s; exiting", self.runner_id, exit_when_idle
                        )
                        break
                    self._wake.wait(min(self.rescan_interval, remaining))
                elif not ran:
                    self._wake.wait(self.rescan_interval)
        finally:
            self._watcher.stop()
            self._restore_signal_handlers(previous)
            self.close()
        return self.tasks_run

    def close(self) -> None:
        """Release the worker pool."""
        self.executor.close()

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
        elif self._interruptible:
            logger.warning("runner %s: %s again: stopping at once", self.runner_id, name)
            raise KeyboardInterrupt

    @staticmethod
    def _restore_signal_handlers(previous) -> None:
        for number, handler in (previous or {}).items():
            signal.signal(number, handler)

    # --- one pass ----------------------------------------------------------------------------
    def pending_scans(self) -> list[int]:
        """Completed scans (s-file present) from the start scan on."""
        return [n for n in list_completed_scans(self.day_dir) if n >= self.start_scan]

    def process_new(self) -> int:
        """One pass: claim and run every task that is free and still to do; returns how many ran."""
        if not self.analysis_dir.is_dir():
            if not self._waiting_logged:
                logger.warning(
                    "waiting for %s to appear (the DAQ creates it with the first scan of the day)",
                    self.analysis_dir,
                )
                self._waiting_logged = True
            return 0
        ran = 0
        for scan in self.pending_scans():
            if not self._readiness.ready(scan):
                continue  # its folder is not visible yet: no task is claimed, no attempt spent
            for item in self.order:
                if self._stop.is_set():
                    return ran
                status = self.queue.ensure_task(scan, item.name)
                if status.state.terminal or not self._inputs_finished(scan, item.name):
                    continue
                claim = self.queue.try_claim(scan, item.name)
                if claim is None:
                    continue
                self._run_claimed(claim, scan, item.name)
                ran += 1
        return ran

    def _inputs_finished(self, scan: int, name: str) -> bool:
        """Whether the analyzers whose s-file columns ``name`` reads have finished ``scan``."""
        return all(
            self.queue.read_status(scan, other).state.terminal for other in self.inputs[name]
        )

    def _run_claimed(self, claim: Claim, scan: int, name: str) -> None:
        tag = self.date_tag.with_number(scan)
        self._current, self._state = f"Scan{scan:03d} {name}", "running"
        analyzer = self.analyzers[name]
        analyzer.progress_callback = self._record_progress
        try:
            if self.dry_run:
                logger.info("dry run: would run %s on %s", name, tag)
                self.queue.release(claim)
                return
            started = time.perf_counter()
            try:
                self._analyse(analyzer, tag, claim)
                outcome = analyzer.last_outcome
            except KeyboardInterrupt:  # stopped at once: give the task back unfinished
                self.queue.release(claim)
                logger.warning(
                    "%s %s interrupted; it is queued again, attempt not counted", tag, name
                )
                raise
            except Exception as error:  # an analyzer bug must not kill the runner
                logger.exception("%s on %s raised", name, tag)
                self.queue.fail_attempt(claim, f"{type(error).__name__}: {error}")
                self._publish_if_finished(scan)  # that may have been its last attempt
                return
            if outcome.status == "failed":
                status = self.queue.fail_attempt(claim, outcome.message)
            else:
                status = self.queue.complete(
                    claim,
                    TaskState(outcome.status),
                    message=outcome.message,
                    display_files=outcome.display_files,
                    scalars=outcome.scalars,
                )
            self.tasks_run += 1
            logger.info(
                "%s %s: %s in %.1f s (%s)",
                tag,
                name,
                status.state.value,
                time.perf_counter() - started,
                outcome.message,
            )
            self._publish_if_finished(scan)
        finally:
            self._current, self._state, self._progress = None, "idle", None

    def _analyse(self, analyzer, tag: ScanTag, claim: Claim) -> None:
        """Run one analysis under its claim's guard; a second Ctrl-C may interrupt it."""
        with lease_guard(claim.lock):  # a runner whose claim was taken over writes no s-file
            self._interruptible = True
            try:
                analyzer.run_analysis(tag, data_root=self.data_root, config_dir=self.tree.root)
            finally:
                self._interruptible = False

    def _record_progress(self, done: int, total: int) -> None:
        self._progress = (done, total)

    def _publish_if_finished(self, scan: int) -> None:
        """Write the scan's e-log entry once every task of it is finished.

        One entry per scan: the runner that finishes a scan's last task writes
        it, and a task that runs again later (a rerun) writes it again; each
        backend replaces the scan's entry rather than adding one.
        """
        if not should_upload(self.group.upload_to_scan_log, self.elog_enabled):
            return
        try:
            statuses = [(item, self.queue.read_status(scan, item.name)) for item in self.resolved]
            if not all(status.state.terminal for _, status in statuses):
                return
            ini = self.paths_for(scan).ini_file
            entry = ElogEntry.from_scan(
                experiment=self.date_tag.experiment,
                date=self.date_tag.date.isoformat(),
                scan=scan,
                info=ScanInfo.from_file(ini) if ini.is_file() else None,
            )
            if self.app_url:
                entry.link = scan_page_url(
                    self.app_url,
                    experiment=self.date_tag.experiment,
                    date=self.date_tag.date.isoformat(),
                    scan=scan,
                )
            for item, status in statuses:
                entry.add_outcome(
                    item.name,
                    status.state.value,
                    message=status.message,
                    display_files=status.display_files,
                    scalars=status.scalars,
                    slot=item.config.scan.gdoc_slot,
                )
            for uploader in self.uploaders:
                uploader.submit(entry)  # never raises; failures are kept and retried
        except Exception as error:  # the e-log never fails an analysis
            logger.error("e-log entry for scan %d not written: %s", scan, error)

    # --- status ------------------------------------------------------------------------------
    def _all_finished(self) -> bool:
        scans = self.pending_scans()
        for scan in scans:
            for item in self.resolved:
                if not self.queue.read_status(scan, item.name).state.terminal:
                    return False
        return True

    def rerun_failed(self) -> list[tuple[int, str]]:
        """Requeue every failed task of the day (they run on the next pass)."""
        requeued = self.queue.rerun_failed()
        self._wake.set()
        return requeued

    def status_snapshot(self) -> RunnerStatus:
        """What the runner is doing and every task's state (for the LiveWatch panel)."""
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
            state="stopping" if self._stop.is_set() else self._state,
            current=self._current,
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
            progress=self._progress,
        )

    @property
    def elog_page(self) -> Path:
        """Where the day's HTML e-log is written."""
        return self.elog.page
