"""run_claimed_task: one claimed task run and recorded, on a real demo day and task folder."""

from __future__ import annotations

import os
import threading

import pandas as pd
import pytest

from scan_analysis.base import ScanAnalyzer, ScanOutcome
from scan_analysis.data.sfile import SHOT_COLUMN, read_sfile
from scan_analysis.task_execution import run_claimed_task
from scan_analysis.task_queue import TaskQueue, TaskState


class Scripted(ScanAnalyzer):
    """Writes one scalar per shot after doing ``action`` (a callable taking the analyzer)."""

    def __init__(self, action=None) -> None:
        super().__init__(analyzer_id="Scripted")
        self.action = action

    def _run_analysis_core(self):
        if self.action is not None:
            self.action(self)
        shots = self.sfile[SHOT_COLUMN].astype(int)
        self.append_scalars(pd.DataFrame({SHOT_COLUMN: shots, "value": 1.0}))
        self.last_outcome = ScanOutcome("done", "scripted")
        return []

    def cleanup(self) -> None:
        pass


@pytest.fixture
def queue(fresh_demo_day):
    return TaskQueue(fresh_demo_day.day_dir / "analysis", runner_id="me", max_attempts=2)


def claimed(queue, scan=2):
    queue.ensure_task(scan, "Scripted")
    claim = queue.try_claim(scan, "Scripted")
    assert claim is not None
    return claim


def test_a_finished_analysis_is_recorded_done_with_its_scalars_in_the_s_file(fresh_demo_day, queue):
    run = run_claimed_task(
        queue, claimed(queue), Scripted(), fresh_demo_day.tag(2), data_root=fresh_demo_day.data_root
    )
    assert run.status.state is TaskState.DONE and run.message == "scripted"
    assert queue.read_status(2, "Scripted").state is TaskState.DONE
    assert (read_sfile(fresh_demo_day.day_dir / "analysis" / "s2.txt")["Scripted_value"] == 1).all()
    assert not queue.claim_path(2, "Scripted").exists()


def test_an_analyzer_that_raises_is_a_failed_attempt_then_failed(fresh_demo_day, queue):
    def explode(_):
        raise ZeroDivisionError("bad maths")

    tag, root = fresh_demo_day.tag(2), fresh_demo_day.data_root
    first = run_claimed_task(queue, claimed(queue), Scripted(explode), tag, data_root=root)
    assert first.status.state is TaskState.QUEUED and "bad maths" in first.message
    second = run_claimed_task(queue, claimed(queue), Scripted(explode), tag, data_root=root)
    assert second.status.state is TaskState.FAILED and second.status.attempts == 2


def test_a_runner_whose_claim_was_taken_over_writes_nothing(fresh_demo_day, queue):
    sfile = fresh_demo_day.day_dir / "analysis" / "s2.txt"
    before = sfile.read_bytes()
    taken: list = []

    def take_over() -> None:  # another runner (a thread: it does not share our claim's guard)
        taken.append(TaskQueue(queue.analysis_dir, runner_id="other").try_claim(2, "Scripted"))

    def lose_the_claim(_):
        os.unlink(queue.claim_path(2, "Scripted"))  # as if our heartbeat had stopped for good
        thread = threading.Thread(target=take_over)
        thread.start()
        thread.join()
        assert taken[0] is not None

    run = run_claimed_task(
        queue,
        claimed(queue),
        Scripted(lose_the_claim),
        fresh_demo_day.tag(2),
        data_root=fresh_demo_day.data_root,
    )
    assert sfile.read_bytes() == before, "the s-file must not be written without the claim"
    assert run.status.claimant == "other" and run.status.state is TaskState.CLAIMED
    taken[0].lock.release()


def test_an_interrupted_analysis_gives_its_task_back_without_counting_it(fresh_demo_day, queue):
    def interrupt(_):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_claimed_task(
            queue,
            claimed(queue),
            Scripted(interrupt),
            fresh_demo_day.tag(2),
            data_root=fresh_demo_day.data_root,
        )
    status = queue.read_status(2, "Scripted")
    assert (status.state, status.attempts) == (TaskState.QUEUED, 0)
    assert not queue.claim_path(2, "Scripted").exists()
