"""BackgroundJob: work in a daemon thread, state and progress as traits."""

from __future__ import annotations

import logging
import threading

import pytest
from scan_analysis_widgets.background_job import BackgroundJob, accepts_report

from scan_analysis.errors import SFileError

DEADLINE = 30.0


def test_runs_in_another_thread_and_keeps_the_result():
    job = BackgroundJob(name="sum")
    threads = []

    def work(a, b):
        threads.append(threading.current_thread())
        return a + b

    job.start(work, 2, b=3)
    assert job.wait(DEADLINE)
    assert threads and threads[0] is not threading.main_thread()
    assert threads[0].daemon
    assert (job.state, job.result, job.progress, job.error) == ("done", 5, 1.0, "")


def test_start_returns_while_the_work_runs_and_progress_is_reported():
    job = BackgroundJob()
    proceed, halfway = threading.Event(), threading.Event()
    seen: list[float] = []
    job.observe(lambda change: seen.append(change.new), "progress")

    def work(steps, *, report):
        report(steps // 2, steps)
        halfway.set()
        assert proceed.wait(DEADLINE)
        report(steps, steps, "all 10 steps")
        return "ok"

    job.start(work, 10)  # returns at once: the work blocks on `proceed`
    assert halfway.wait(DEADLINE)
    assert job.state == "running" and job.running
    assert job.progress == pytest.approx(0.5)
    assert job.message == "5 / 10"
    proceed.set()
    assert job.wait(DEADLINE)
    assert job.state == "done" and job.result == "ok" and job.message == "all 10 steps"
    assert seen[:2] == [0.5, 1.0]


def test_a_failure_becomes_a_message_and_the_traceback_goes_to_the_log(caplog):
    job = BackgroundJob(name="reader")

    def work():
        raise SFileError("s2.txt ends in a cut-short row: wait for the DAQ to finish writing it")

    with caplog.at_level(logging.DEBUG, logger="scan_analysis_widgets.background_job"):
        job.start(work)
        assert job.wait(DEADLINE)
    assert job.state == "failed"
    assert job.error == "s2.txt ends in a cut-short row: wait for the DAQ to finish writing it"
    assert "Traceback" not in job.error
    assert isinstance(job.exception, SFileError)
    assert job.result is None
    assert "Traceback" in caplog.text  # kept for the developer, in the log


def test_observers_of_the_final_state_see_the_result_before_wait_returns():
    job = BackgroundJob()
    seen = []

    def on_state(change):
        if change.new == "done":
            seen.append(job.result)

    job.observe(on_state, "state")
    job.start(lambda: 42)
    assert job.wait(DEADLINE)
    assert seen == [42]


def test_cannot_start_twice_at_once_but_can_run_again_after():
    job = BackgroundJob(name="analysis")
    release = threading.Event()
    job.start(release.wait, DEADLINE)
    with pytest.raises(RuntimeError, match="analysis is still running"):
        job.start(lambda: None)
    release.set()
    assert job.wait(DEADLINE)
    job.start(lambda: "again")
    assert job.wait(DEADLINE)
    assert job.result == "again"


def test_a_failing_observer_does_not_leave_the_job_hanging(caplog):
    job = BackgroundJob()

    def broken(change):
        if change.new == "done":
            raise ValueError("display broke")

    job.observe(broken, "state")
    job.start(lambda: 1)
    assert job.wait(DEADLINE)
    assert not job.running
    assert "display broke" in caplog.text


def test_report_is_only_passed_to_work_that_names_it():
    def named(*, report):
        return report

    def plain(**kwargs):
        return kwargs

    assert accepts_report(named) and not accepts_report(plain)
    job = BackgroundJob()
    job.start(plain, x=1)
    assert job.wait(DEADLINE)
    assert job.result == {"x": 1}
