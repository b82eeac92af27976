"""Reprocess a campaign: every completed scan of a date range, on a Dask cluster.

    summary = reprocess("Undulator", "2026-05-01", "2026-05-31", group="HTU/baseline")
    print(summary.table())

The client enumerates the day folders of the range and the completed scans
(s-file present) of each, and builds one (day, scan, analyzer) task per
analyzer, in priority order (lower ``priority`` first, across the whole
campaign). It reads each task's status file and leaves out those already
``done`` or ``no_data`` (unless ``force``), so a second run over a finished
campaign submits nothing and starts no cluster. Failed tasks get a fresh set
of attempts.

Every other task goes to the cluster with its data root, config root and
analyzer name (never an analyzer object). The worker process that runs it
builds the analyzer from the config root and claims the task through the day's
:class:`~scan_analysis.task_queue.TaskQueue` itself, so

- a worker that dies stops heart-beating; Dask reschedules its task on another
  worker, which takes the dead claim over (at once on the same machine, after
  ``heartbeat_timeout`` from another one) and the result is recorded once;
- live runners (``scan-analysis watch``) on the same days compose with it: a
  task one of them holds is waited for, never run twice;
- an interrupted campaign resumes where it stopped.

Within one scan, a task waits for the tasks of the analyzers whose s-file
columns it reads (declared by ``input_analyzers``, as the live runner uses
them; Dask dependencies), and tasks are submitted with those inputs first.
Per-shot work runs serially inside each worker: the cluster is the
parallelism.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scan_analysis.analyzers import create_diagnostic_analyzer
from scan_analysis.config import ConfigTree, ResolvedDiagnosticConfig
from scan_analysis.data.scan_paths import (
    DATA_ROOT_SETTING,
    day_dir_for,
    list_completed_scans,
    resolve_data_root,
)
from scan_analysis.data.scan_tag import ScanTag, parse_date
from scan_analysis.errors import DataRootError
from scan_analysis.progress_display import ProgressDisplay
from scan_analysis.state_words import state_words
from scan_analysis.task_dependencies import input_analyzers, order_by_inputs
from scan_analysis.task_execution import run_claimed_task
from scan_analysis.task_queue import TaskQueue, TaskState, default_runner_id

if TYPE_CHECKING:
    import distributed

logger = logging.getLogger(__name__)

FINISHED = (TaskState.DONE, TaskState.NO_DATA)
RESULT_STATES = ("done", "no_data", "failed")


@dataclass(frozen=True)
class ReprocessTask:
    """One (day, scan, analyzer) task of a campaign."""

    experiment: str
    date: dt.date
    scan: int
    analyzer: str
    priority: int = 100

    @property
    def tag(self) -> ScanTag:
        """The scan's tag."""
        return ScanTag.from_date(self.date, number=self.scan, experiment=self.experiment)

    @property
    def label(self) -> str:
        """``2026-05-08 Scan002 UC_TopView``."""
        return f"{self.date.isoformat()} Scan{self.scan:03d} {self.analyzer}"


@dataclass(frozen=True)
class TaskJob:
    """What a worker receives: a task, and where to find the data and configs."""

    task: ReprocessTask
    data_root: str
    config_dir: str
    heartbeat_timeout: float = 120.0
    max_attempts: int = 3


@dataclass
class TaskResult:
    """How a submitted task ended.

    Attributes
    ----------
    task : ReprocessTask
    state : str
        ``done``, ``no_data`` or ``failed`` (the task's recorded state; also
        ``failed`` when the cluster gave the task up).
    message : str
        The analyzer's message, or the reason of the failure.
    attempts : int
        Attempts recorded in the task's status.
    ran : bool
        Whether this run executed the analysis (False: another runner had
        finished it, e.g. a live runner, or a retried Dask task found it done).
    runner : str
        Who ran it (``reprocess@host:pid``), or ``""``.
    elapsed : float
        Seconds of analysis in this run.
    """

    task: ReprocessTask
    state: str
    message: str = ""
    attempts: int = 0
    ran: bool = False
    runner: str = ""
    elapsed: float = 0.0


# --- the campaign -------------------------------------------------------------------------------
def campaign_days(
    data_root: str | os.PathLike, experiment: str, start: dt.date, end: dt.date
) -> list[tuple[dt.date, Path]]:
    """Day folders that exist between ``start`` and ``end`` (both included).

    Raises
    ------
    DataRootError
        The experiment folder does not exist (lists the experiments there).
    ValueError
        ``end`` is before ``start``.
    """
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start}); swap --from/--to")
    root = Path(data_root)
    experiment_dir = root / experiment
    if not experiment_dir.is_dir():
        present = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        raise DataRootError(
            f"no experiment folder {experiment_dir}"
            + (f" (experiments under {root}: {', '.join(present)})" if present else "")
            + "; check the experiment name, or point at another data root",
            DATA_ROOT_SETTING,
        )
    days = []
    day = start
    while day <= end:
        folder = day_dir_for(root, experiment, day)
        if folder.is_dir():
            days.append((day, folder))
        day += dt.timedelta(days=1)
    return days


def plan_tasks(
    experiment: str,
    days: list[tuple[dt.date, Path]],
    resolved: list[ResolvedDiagnosticConfig],
) -> list[ReprocessTask]:
    """Every (day, scan, analyzer) task, in priority order.

    Lower priority numbers first across the whole campaign (the group's order
    breaks ties), then by day and scan: the most important analyzer has
    covered the campaign before the next one starts.
    """
    tasks = [
        (item.priority, position, day, scan, item.name)
        for day, folder in days
        for scan in list_completed_scans(folder)
        for position, item in enumerate(resolved)
    ]
    return [
        ReprocessTask(experiment, day, scan, name, priority)
        for priority, _, day, scan, name in sorted(tasks)
    ]


# --- on the worker ------------------------------------------------------------------------------
def build_analyzer(config_dir: str | os.PathLike, name: str):
    """The analyzer ``name`` from the config root, per-shot work serial, no progress bar."""
    resolved = ConfigTree(config_dir).resolve_analyzer(name)
    return create_diagnostic_analyzer(resolved, executor="serial", progress=False)


def run_task(job: TaskJob, upstream: list[TaskResult] | None = None) -> TaskResult:
    """Claim and run one task in this (worker) process; wait while another runner holds it.

    ``upstream`` are the results of the tasks whose s-file columns this one
    reads, on the same scan: Dask passes them once they finished, which is
    the point (they are not used).
    An analyzer that fails or raises, or cannot be built here, is a failed
    attempt (retried up to ``max_attempts``), never an exception; only the
    task folder itself failing (e.g. the share gone) raises, and the client
    reports that task as lost.
    """
    task = job.task
    day_dir = day_dir_for(Path(job.data_root), task.experiment, task.date)
    queue = TaskQueue(
        day_dir / "analysis",
        runner_id=f"reprocess@{default_runner_id()}",
        heartbeat_timeout=job.heartbeat_timeout,
        max_attempts=job.max_attempts,
    )
    poll = min(max(job.heartbeat_timeout / 8, 0.1), 2.0)
    ran, elapsed, message, waiting_logged = False, 0.0, "", False
    while True:
        status = queue.ensure_task(task.scan, task.analyzer)
        claim = None if status.state.terminal else queue.try_claim(task.scan, task.analyzer)
        if claim is None:
            status = queue.read_status(task.scan, task.analyzer)
            if status.state.terminal:
                return TaskResult(
                    task,
                    status.state.value,
                    message or status.message or status.error or "",
                    status.attempts,
                    ran,
                    queue.runner_id if ran else (status.claimant or ""),
                    elapsed,
                )
            if not waiting_logged:  # another runner holds it: its result will do
                logger.info("%s is held by %s; waiting for it", task.label, status.claimant)
                waiting_logged = True
            time.sleep(poll)
            continue
        try:
            analyzer = build_analyzer(job.config_dir, task.analyzer)
        except Exception as error:
            message = f"cannot build {task.analyzer} on {queue.runner_id}: {error}"
            queue.fail_attempt(claim, message)
            ran = True
            continue
        try:
            run = run_claimed_task(
                queue, claim, analyzer, task.tag, data_root=job.data_root, config_dir=job.config_dir
            )
        finally:
            close = getattr(analyzer, "close", None)
            if close is not None:
                close()
        ran, elapsed, message = True, elapsed + run.elapsed, run.message
        logger.info("%s: %s in %.1f s", task.label, run.status.state.value, run.elapsed)
        # a failed attempt with attempts left is queued again: the loop tries once more


# --- the summary --------------------------------------------------------------------------------
@dataclass
class ReprocessSummary:
    """What a reprocess run found, did and left.

    Attributes
    ----------
    tasks : list of ReprocessTask
        Every task of the campaign, in priority order.
    results : list of TaskResult
        Submitted tasks, in the order they completed.
    skipped : list of ReprocessTask
        Already ``done``/``no_data`` before the run (not submitted).
    planned : list of ReprocessTask
        In a dry run, the tasks a real run would submit.
    days : int
        Day folders found in the range.
    elapsed : float
        Seconds for the whole run.
    cluster : str
        Where the tasks ran (empty when nothing was submitted).
    dry_run : bool
    """

    tasks: list[ReprocessTask]
    results: list[TaskResult] = field(default_factory=list)
    skipped: list[ReprocessTask] = field(default_factory=list)
    planned: list[ReprocessTask] = field(default_factory=list)
    days: int = 0
    elapsed: float = 0.0
    cluster: str = ""
    dry_run: bool = False

    @property
    def counts(self) -> dict[str, int]:
        """Task counts: ``done``, ``no_data``, ``failed``, ``skipped`` (dry run: ``planned``)."""
        counts = Counter(result.state for result in self.results)
        table = {state: counts.get(state, 0) for state in RESULT_STATES}
        table["skipped"] = len(self.skipped)
        if self.dry_run:
            table["planned"] = len(self.planned)
        return table

    @property
    def failed(self) -> list[TaskResult]:
        """The failed tasks, with their reasons."""
        return [result for result in self.results if result.state == "failed"]

    @property
    def ran(self) -> int:
        """Tasks this run executed (the others were finished by another runner)."""
        return sum(result.ran for result in self.results)

    @property
    def ok(self) -> bool:
        """No task failed."""
        return not self.failed

    def table(self) -> str:
        """A plain-text summary: per analyzer counts, the failures with reasons, totals.

        Columns are headed in words (``no data``, via `state_words`); `counts` keeps the names.
        """
        columns = [*RESULT_STATES, "skipped"] + (["planned"] if self.dry_run else [])
        rows: dict[str, Counter] = {}
        for task in self.tasks:
            rows.setdefault(task.analyzer, Counter())
        for result in self.results:
            rows[result.task.analyzer][result.state] += 1
        for task in self.skipped:
            rows[task.analyzer]["skipped"] += 1
        for task in self.planned:
            rows[task.analyzer]["planned"] += 1
        width = max([len("analyzer"), len("total"), *map(len, rows)])
        header = f"{'analyzer':<{width}}" + "".join(f" {state_words(c):>8}" for c in columns)
        lines = [header, "-" * len(header)]
        for name, counts in rows.items():
            lines.append(f"{name:<{width}}" + "".join(f" {counts[c]:>8}" for c in columns))
        totals = self.counts
        lines.append("-" * len(header))
        lines.append(f"{'total':<{width}}" + "".join(f" {totals[c]:>8}" for c in columns))
        for result in self.failed:
            lines.append(
                f"FAILED {result.task.label} (attempts {result.attempts}): {result.message}"
            )
        others = len(self.results) - self.ran
        lines.append(
            f"{len(self.tasks)} tasks in {self.days} day{'' if self.days == 1 else 's'}: "
            f"{self.ran} ran"
            + (f", {others} finished by other runners" if others else "")
            + f", {len(self.skipped)} already finished"
            + (f", {len(self.planned)} would run (dry run)" if self.dry_run else "")
            + f"; {self.elapsed:.1f} s"
            + (f" on {self.cluster}" if self.cluster else "")
        )
        return "\n".join(lines)


# --- on the client ------------------------------------------------------------------------------
def _split_by_status(
    tasks: list[ReprocessTask], queues: dict[dt.date, TaskQueue], *, force: bool
) -> tuple[list[ReprocessTask], list[ReprocessTask], list[ReprocessTask]]:
    """(to run, skipped, to requeue) from the tasks' status files.

    ``done``/``no_data`` tasks are skipped unless ``force``; finished tasks
    that will run again (failed ones, or all with ``force``) need requeueing
    for a fresh set of attempts.
    """
    to_run, skipped, requeue = [], [], []
    for task in tasks:
        state = queues[task.date].read_status(task.scan, task.analyzer).state
        if state in FINISHED and not force:
            skipped.append(task)
            continue
        to_run.append(task)
        if state.terminal:
            requeue.append(task)
    return to_run, skipped, requeue


def _submit(
    client: distributed.Client, jobs: list[TaskJob], inputs: dict[str, set[str]]
) -> tuple[dict[str, ReprocessTask], list[distributed.Future]]:
    """Submit jobs in order (inputs first); each waits for its inputs' tasks on the same scan."""
    run_id = secrets.token_hex(4)
    by_key: dict[str, ReprocessTask] = {}
    futures = []
    of_scan: dict[tuple[dt.date, int], dict[str, distributed.Future]] = {}
    for index, job in enumerate(jobs):
        task = job.task
        earlier = of_scan.setdefault((task.date, task.scan), {})
        upstream = [
            earlier[name] for name in sorted(inputs.get(task.analyzer, ())) if name in earlier
        ]
        key = f"reprocess-{run_id}-{task.date.isoformat()}-Scan{task.scan:03d}-{task.analyzer}"
        future = client.submit(
            run_task, job, upstream, key=key, priority=-index, pure=False, retries=0
        )
        earlier[task.analyzer] = future
        by_key[key] = task
        futures.append(future)
    return by_key, futures


def _collect(
    futures: list[distributed.Future], by_key: dict[str, ReprocessTask], *, progress: bool
) -> Iterator[TaskResult]:
    """Results as tasks complete, with a progress bar (done / total, rate, ETA)."""
    import distributed

    counts: Counter = Counter()
    with ProgressDisplay(
        total=len(futures), desc="reprocess", unit="task", enabled=progress
    ) as shown:
        for future in distributed.as_completed(futures):
            task = by_key[future.key]
            if future.status == "finished":
                result = future.result()
            else:  # the cluster gave up on it (workers died running it) or it was cancelled
                reason = future.status
                if future.status == "error":
                    error = future.exception()
                    reason = f"{type(error).__name__}: {error}"
                result = TaskResult(task, "failed", f"lost by the cluster ({reason})")
            future.release()
            counts[result.state] += 1
            tally = ", ".join(f"{counts[state]} {state}" for state in RESULT_STATES)
            shown.update(done=shown.done + 1, desc=f"reprocess ({tally})")
            yield result


def reprocess(
    experiment: str,
    start: str | dt.date,
    end: str | dt.date | None = None,
    *,
    group: str | None = None,
    analyzer: str | None = None,
    client: distributed.Client | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    force: bool = False,
    dry_run: bool = False,
    data_root: str | os.PathLike | None = None,
    config_dir: str | os.PathLike | None = None,
    heartbeat_timeout: float = 120.0,
    max_attempts: int = 3,
    progress: bool = True,
) -> ReprocessSummary:
    """Run an analyzer group (or one analyzer) over every completed scan of a date range.

    Parameters
    ----------
    experiment : str
        Experiment folder under the data root (``Undulator``).
    start, end : str or date
        First and last day (``YYYY-MM-DD``, both included; ``end`` defaults to ``start``).
    group, analyzer : str
        Exactly one: a group key or stem, or one analyzer's name.
    client : distributed.Client, optional
        Run on this client's cluster (left open).
    scheduler : str, optional
        Else the address of a running scheduler (``tcp://host:8786``), else
        ``$SCAN_ANALYSIS_DASK_SCHEDULER``, else a local cluster of ``workers``
        single-threaded processes is started for the run and stopped after it.
    workers : int, optional
        Worker processes of that local cluster (default: this machine's CPUs).
    force : bool
        Also redo tasks already ``done`` or ``no_data``.
    dry_run : bool
        Only plan: list what would run; writes nothing and starts no cluster.
    data_root, config_dir : path, optional
        Override the resolution order; workers must see the same paths.
    heartbeat_timeout : float
        Seconds without heartbeat after which a claim (of a dead worker on
        another machine, or of a dead live runner) is taken over.
    max_attempts : int
        Attempts per task before it is ``failed``.
    progress : bool
        Show tasks done / total, rate and ETA.

    Returns
    -------
    ReprocessSummary
        ``.table()`` for people, ``.ok`` for scripts.

    Raises
    ------
    ConfigError
        The group or an analyzer cannot be built, or analyzers read each
        other's columns in a cycle (nothing has run yet).
    DataRootError
        No data root, or no such experiment folder in it.
    """
    started = time.perf_counter()
    if (group is None) == (analyzer is None):
        raise ValueError("give exactly one of group= (an analyzer group) or analyzer= (one name)")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if max_attempts < 1 or heartbeat_timeout <= 0:
        raise ValueError(
            f"max_attempts must be at least 1 and heartbeat_timeout positive, got {max_attempts} "
            f"and {heartbeat_timeout}"
        )
    first = parse_date(start)
    last = parse_date(end) if end is not None else first
    root = resolve_data_root(data_root)
    tree = ConfigTree.for_group(group, config_dir)
    resolved = tree.resolve_group(group) if group else [tree.resolve_analyzer(analyzer)]
    days = campaign_days(root, experiment, first, last)
    tasks = plan_tasks(experiment, days, resolved)
    queues = {
        day: TaskQueue(folder / "analysis", heartbeat_timeout=heartbeat_timeout, dry_run=dry_run)
        for day, folder in days
    }
    to_run, skipped, requeue = _split_by_status(tasks, queues, force=force)
    inputs: dict[str, set[str]] = {}
    if to_run:  # class paths and kwargs are checked here, before anything runs or is written
        analyzers = {
            item.name: create_diagnostic_analyzer(item, executor="serial", progress=False)
            for item in resolved
        }
        inputs = input_analyzers(analyzers)
        order = order_by_inputs([item.name for item in resolved], inputs)
        rank = {name: position for position, name in enumerate(order)}
        to_run.sort(key=lambda task: (rank[task.analyzer], task.date, task.scan))
        for analyzer_object in analyzers.values():
            close = getattr(analyzer_object, "close", None)
            if close is not None:
                close()
    summary = ReprocessSummary(tasks, skipped=skipped, days=len(days), dry_run=dry_run)
    logger.info(
        "%s %s..%s: %d days, %d tasks, %d to run, %d already finished",
        experiment,
        first,
        last,
        len(days),
        len(tasks),
        len(to_run),
        len(skipped),
    )
    if dry_run:
        summary.planned = to_run
    elif to_run:
        from scan_analysis.dask_executor import connect_to_cluster  # optional extra, on demand

        jobs = [
            TaskJob(task, str(root), str(tree.root), heartbeat_timeout, max_attempts)
            for task in to_run
        ]
        with connect_to_cluster(client, scheduler=scheduler, n_workers=workers) as connection:
            summary.cluster = connection.description
            for task in requeue:  # a task someone holds now is left to them (requeue refuses)
                queues[task.date].requeue(task.scan, task.analyzer)
            logger.info("running %d tasks on %s", len(jobs), summary.cluster)
            by_key, futures = _submit(connection.client, jobs, inputs)
            try:
                for result in _collect(futures, by_key, progress=progress):
                    summary.results.append(result)
            finally:
                pending = [future for future in futures if not future.done()]
                if pending:  # interrupted: nothing more may start from this run
                    connection.client.cancel(pending)
    summary.elapsed = time.perf_counter() - started
    return summary
