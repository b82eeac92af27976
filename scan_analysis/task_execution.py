"""Run one claimed (scan, analyzer) task and record how it ended in the task queue.

The piece every runner shares once it holds a claim: the analysis runs under
the claim's lease guard (so a runner whose claim was taken over writes no
s-file), its outcome becomes ``done``/``no_data`` (:meth:`TaskQueue.complete`)
or a failed attempt (:meth:`TaskQueue.fail_attempt`: queued again until the
queue's ``max_attempts``), an analyzer that raises never takes its runner down,
and an interrupted analysis gives its task back without counting the attempt.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass

from scan_analysis.base import ScanAnalyzer, ScanOutcome
from scan_analysis.data.file_lock import lease_guard
from scan_analysis.data.scan_tag import ScanTag
from scan_analysis.task_queue import Claim, TaskQueue, TaskState, TaskStatus

logger = logging.getLogger(__name__)


@dataclass
class TaskRun:
    """What one run of a claimed task recorded.

    Attributes
    ----------
    status : TaskStatus
        The status written (``queued`` again after a failed attempt with
        attempts left).
    message : str
        The analyzer's outcome message, or the exception it raised.
    elapsed : float
        Seconds the analysis took.
    """

    status: TaskStatus
    message: str
    elapsed: float


def run_claimed_task(
    queue: TaskQueue,
    claim: Claim,
    analyzer: ScanAnalyzer,
    tag: ScanTag,
    *,
    data_root: str | os.PathLike | None = None,
    config_dir: str | os.PathLike | None = None,
) -> TaskRun:
    """Analyse ``tag`` with ``analyzer`` under ``claim`` and record the outcome.

    Parameters
    ----------
    queue : TaskQueue
        The day's queue the claim came from.
    claim : Claim
        A held claim on (``tag.number``, the analyzer's task name); it is
        released when this returns or raises, whatever happened.
    analyzer : ScanAnalyzer
        The analyzer to run.
    tag : ScanTag
        The scan.
    data_root, config_dir : path, optional
        Passed to :meth:`ScanAnalyzer.run_analysis`.

    Returns
    -------
    TaskRun
        The recorded status, message and time taken.

    Raises
    ------
    KeyboardInterrupt
        Passed on after the claim is released (the task is ``queued`` again).
    """
    started = time.perf_counter()
    try:
        with lease_guard(claim.lock):  # the s-file merge refuses to write once the claim is lost
            analyzer.run_analysis(tag, data_root=data_root, config_dir=config_dir)
        outcome = analyzer.last_outcome
    except KeyboardInterrupt:  # stopped: the task goes back to the queue, attempt not counted
        queue.release(claim)
        raise
    except Exception as error:  # an analyzer bug must not kill the runner
        logger.exception("%s on %s raised", claim.analyzer, tag)
        message = f"{type(error).__name__}: {error}"
        status = queue.fail_attempt(claim, message)
        return TaskRun(status, message, time.perf_counter() - started)
    status = record_outcome(queue, claim, outcome)
    return TaskRun(status, outcome.message, time.perf_counter() - started)


def record_outcome(queue: TaskQueue, claim: Claim, outcome: ScanOutcome) -> TaskStatus:
    """Write an analysis outcome as the claimed task's status: a failed attempt, or finished."""
    if outcome.status == "failed":
        return queue.fail_attempt(claim, outcome.message)
    return queue.complete(
        claim,
        TaskState(outcome.status),
        message=outcome.message,
        display_files=outcome.display_files,
        scalars=outcome.scalars,
        scalar_table=outcome.scalar_table.to_dict() if outcome.scalar_table else None,
    )
