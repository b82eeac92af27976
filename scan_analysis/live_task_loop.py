"""The live runner's task loop: one pass over a day's tasks, claiming and running what is due.

A pass lists the day's completed scans (s-file present) from the start scan
on, and for each scan that is ready (:class:`~scan_analysis.scan_watcher.ScanReadiness`)
goes through the group's analyzers, inputs first: a task is created if it has
no status yet, skipped when finished or when the analyzers whose s-file
columns it reads have not finished the scan (no attempt spent), and otherwise
claimed and run under the guard of its claim. When a task of a scan finishes,
``on_task_finished(scan)`` is called (the e-log publisher).

Cost: the statuses come from :meth:`TaskQueue.scan_statuses`, which re-reads
a scan's task folder only when it changed, so a pass over a day whose tasks
are all finished costs one folder listing plus one ``stat`` per scan. Each
pass also drops what is kept of ``recheck_per_pass`` scans (in turn), so any
change hidden from the folder's time stamps (a coarse clock, a share's
attribute cache) is still seen within a bounded number of passes.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from scan_analysis.base import ScanAnalyzer
from scan_analysis.data.file_lock import lease_guard
from scan_analysis.data.scan_paths import list_completed_scans
from scan_analysis.data.scan_tag import ScanTag
from scan_analysis.live_progress import LiveProgress
from scan_analysis.scan_watcher import ScanReadiness
from scan_analysis.task_execution import record_outcome
from scan_analysis.task_queue import Claim, TaskQueue, TaskState, TaskStatus

logger = logging.getLogger(__name__)

RECHECK_PER_PASS = 2
"""Scans whose statuses each pass drops, so they are read afresh (in turn over the day)."""


@dataclass(frozen=True)
class PassResult:
    """What one pass did: tasks run, and whether every task of the day is finished."""

    ran: int
    finished: bool


class TaskLoop:
    """Claims and runs the due tasks of a day, one pass at a time.

    Parameters
    ----------
    queue : TaskQueue
        The day's task queue.
    analyzers : mapping
        ``{analyzer id: analyzer}`` of the group.
    order : list of str
        The analyzer ids in the order they run on a scan (inputs first).
    inputs : mapping
        ``{analyzer id: ids whose s-file columns it reads}``.
    date_tag : ScanTag
        The day, and (``number``) the first scan to analyse.
    day_dir : Path
        The day folder.
    data_root, config_dir : Path
        Passed to each analysis.
    readiness : ScanReadiness
        Whether a scan's folder is there yet.
    stop : threading.Event
        Set to end a pass after the task in progress.
    dry_run : bool
        Claim and release, run nothing.
    on_task_finished : callable, optional
        ``on_task_finished(scan)`` after each task of ``scan`` that ran.
    recheck_per_pass : int
        Scans whose kept statuses are dropped (read again) after each pass.
    """

    def __init__(
        self,
        *,
        queue: TaskQueue,
        analyzers: Mapping[str, ScanAnalyzer],
        order: list[str],
        priorities: Mapping[str, int],
        inputs: Mapping[str, set[str]],
        date_tag: ScanTag,
        day_dir: Path,
        data_root: Path,
        config_dir: Path,
        readiness: ScanReadiness,
        stop: threading.Event,
        dry_run: bool = False,
        on_task_finished: Callable[[int], None] | None = None,
        recheck_per_pass: int = RECHECK_PER_PASS,
    ) -> None:
        self.queue = queue
        self.analyzers = analyzers
        self.order = order
        self.priorities = priorities
        """Each analyzer's effective priority (the group's, else its config's ``scan.priority``)."""
        self.inputs = inputs
        self.date_tag = date_tag
        self.day_dir = day_dir
        self.data_root = data_root
        self.config_dir = config_dir
        self.readiness = readiness
        self.stop = stop
        self.dry_run = dry_run
        self.on_task_finished = on_task_finished
        self.recheck_per_pass = recheck_per_pass
        self.tasks_run = 0
        self.current: str | None = None
        """``"Scan002 UC_TopView"`` while this runner runs that task."""
        self.shots: tuple[int, int] | None = None
        """(steps done, steps in all) of the current task, when it reports progress."""
        self.stage = "shots"
        """What those steps are: ``"shots"``, then ``"figures"`` while they are drawn."""
        self.interruptible = False
        """True while an analysis runs (a second Ctrl-C may interrupt it)."""
        self._states: dict[tuple[int, str], TaskState] = {}
        self._noted: dict[int, dict[str, TaskStatus]] = {}
        self._scans: list[int] = []
        self._recheck_from = 0

    # --- a pass ------------------------------------------------------------------------------
    def pending_scans(self) -> list[int]:
        """Completed scans (s-file present) from the start scan on."""
        return [n for n in list_completed_scans(self.day_dir) if n >= self.date_tag.number]

    def run_pass(self) -> PassResult:
        """Claim and run every task that is free and due; say whether all are finished.

        With several scans waiting, the tasks run by priority first, then by
        scan number: every scan's quick-look analyzer before any slow one.
        """
        scans = self.pending_scans()
        self._scans = scans
        ran, finished = 0, True
        waiting = []
        for scan in scans:
            if self.stop.is_set():
                return PassResult(ran, False)
            if not self.readiness.ready(scan):
                finished = False  # its folder is not visible yet: nothing claimed, no attempt spent
                continue
            statuses = self.queue.scan_statuses(scan)
            if self._all_terminal(statuses):  # the usual case on a long day: one stat, no read
                self._note(scan, statuses)
            else:
                waiting.append(scan)
        for level in self.priority_levels():
            for scan in waiting:
                if self.stop.is_set():
                    return PassResult(ran, False)
                ran += self._run_tasks(scan, level)
        for scan in waiting:
            statuses = self.queue.scan_statuses(scan)
            self._note(scan, statuses)
            finished = finished and self._all_terminal(statuses)
        self._recheck_some(scans)
        return PassResult(ran, finished)

    def priority_levels(self) -> list[list[str]]:
        """:attr:`order` cut where the priority changes (inputs-first order kept).

        Examples
        --------
        >>> loop = TaskLoop.__new__(TaskLoop)
        >>> loop.order = ["camera", "spectrometer", "scatter"]
        >>> loop.priorities = {"camera": 10, "spectrometer": 10, "scatter": 50}
        >>> loop.priority_levels()
        [['camera', 'spectrometer'], ['scatter']]
        """
        levels: list[list[str]] = []
        previous = object()
        for name in self.order:
            priority = self.priorities.get(name)
            if not levels or priority != previous:
                levels.append([])
            levels[-1].append(name)
            previous = priority
        return levels

    def _run_tasks(self, scan: int, names: list[str]) -> int:
        """Claim and run the scan's tasks of ``names`` that are free and due; how many ran."""
        ran = 0
        for name in names:
            if self.stop.is_set():
                return ran
            status = self.queue.scan_statuses(scan).get(name)
            if status is None:
                status = self.queue.ensure_task(scan, name)
            if status.state.terminal or not self._inputs_finished(scan, name):
                continue
            claim = self.queue.try_claim(scan, name)
            if claim is None:
                continue
            self._states[(scan, name)] = TaskState.CLAIMED
            self.run_claimed(claim)
            ran += 1
        return ran

    def _all_terminal(self, statuses: Mapping[str, TaskStatus]) -> bool:
        return all(name in statuses and statuses[name].state.terminal for name in self.order)

    def _inputs_finished(self, scan: int, name: str) -> bool:
        """Whether the analyzers whose s-file columns ``name`` reads have finished ``scan``."""
        statuses = self.queue.scan_statuses(scan)
        return all(o in statuses and statuses[o].state.terminal for o in self.inputs[name])

    def _note(self, scan: int, statuses: dict[str, TaskStatus]) -> None:
        """Keep the states of a scan's tasks for :meth:`progress` (skipped when unchanged)."""
        if self._noted.get(scan) is statuses:
            return
        self._noted[scan] = statuses
        for name in self.order:
            found = statuses.get(name)
            self._states[(scan, name)] = found.state if found else TaskState.QUEUED

    def _recheck_some(self, scans: list[int]) -> None:
        """Read a few scans' statuses afresh next pass, in turn over the day."""
        if not scans or self.recheck_per_pass <= 0:
            return
        start = self._recheck_from % len(scans)
        count = min(self.recheck_per_pass, len(scans))
        self._recheck_from = start + count
        self.queue.forget(scans[(start + i) % len(scans)] for i in range(count))

    # --- one task ----------------------------------------------------------------------------
    def run_claimed(self, claim: Claim) -> None:
        """Run a claimed task and record how it ended (the claim is released in every case)."""
        scan, name = claim.scan, claim.analyzer
        tag = self.date_tag.with_number(scan)
        self.current = f"Scan{scan:03d} {name}"
        analyzer = self.analyzers[name]
        analyzer.progress_callback = functools.partial(self._record_shots, analyzer)
        try:
            if self.dry_run:
                logger.info("dry run: would run %s on %s", name, tag)
                self.queue.release(claim)
                return
            status = self._analyse_and_record(analyzer, tag, claim)
            self._states[(scan, name)] = status.state
            if self.on_task_finished is not None:
                self.on_task_finished(scan)
        finally:
            self.current, self.shots, self.stage = None, None, "shots"

    def _analyse_and_record(self, analyzer, tag: ScanTag, claim: Claim) -> TaskStatus:
        name = claim.analyzer
        started = time.perf_counter()
        try:
            with lease_guard(claim.lock):  # a runner whose claim was taken over writes no s-file
                self.interruptible = True
                try:
                    analyzer.run_analysis(tag, data_root=self.data_root, config_dir=self.config_dir)
                finally:
                    self.interruptible = False
            outcome = analyzer.last_outcome
        except KeyboardInterrupt:  # stopped at once: give the task back unfinished
            self.queue.release(claim)
            logger.warning("%s %s interrupted; it is queued again, attempt not counted", tag, name)
            raise
        except Exception as error:  # an analyzer bug must not kill the runner
            logger.exception("%s on %s raised", name, tag)
            return self.queue.fail_attempt(claim, f"{type(error).__name__}: {error}")
        status = record_outcome(self.queue, claim, outcome)
        self.tasks_run += 1
        # why a task had no data or failed was logged once by the analyzer; not repeated here
        said = f" ({outcome.message})" if outcome.status == "done" and outcome.message else ""
        logger.info(
            "%s %s: %s in %.1f s%s",
            tag,
            name,
            status.state.value,
            time.perf_counter() - started,
            said,
        )
        return status

    def _record_shots(self, analyzer: ScanAnalyzer, done: int, total: int) -> None:
        self.stage = analyzer.progress_stage
        self.shots = (done, total)

    # --- what it has seen --------------------------------------------------------------------
    def progress(self) -> LiveProgress:
        """Scans seen, tasks per state and the task in progress (safe from any thread)."""
        scans = list(self._scans)
        states = list(self._states.values())  # one C-level copy: safe while the loop adds keys
        counts = {state: 0 for state in TaskState}
        for state in states:
            counts[state] += 1
        tasks = len(scans) * len(self.order)
        counts[TaskState.QUEUED] += max(tasks - sum(counts.values()), 0)
        return LiveProgress(
            scans=len(scans),
            tasks=tasks,
            done=counts[TaskState.DONE],
            no_data=counts[TaskState.NO_DATA],
            failed=counts[TaskState.FAILED],
            running=counts[TaskState.CLAIMED],
            current=self.current,
            shots=self.shots,
            stage=self.stage,
        )
