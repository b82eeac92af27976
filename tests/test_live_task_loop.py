"""The live task loop at a day's scale: every task once, and an idle pass that does not grow
with the day (it reads no status file and stats each scan folder once)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from bare_day import build_bare_day, execution_log_configs, write_bare_scan
from file_access import FileAccess

from scan_analysis.data.scan_tag import ScanTag
from scan_analysis.live_task_loop import RECHECK_PER_PASS
from scan_analysis.live_task_runner import LiveTaskRunner
from scan_analysis.task_queue import TASKS_FOLDER, TaskState

SUPPORT = Path(__file__).parent / "support"
ANALYZERS = ("LogA", "LogB")


@pytest.fixture
def bare_runner(tmp_path, monkeypatch):
    """A runner over a bare day (built with ``scans`` scans) and its execution log."""
    monkeypatch.syspath_prepend(str(SUPPORT))
    made = []

    def make(scans: int, *, upload: bool = False) -> tuple[LiveTaskRunner, Path]:
        day_dir = build_bare_day(tmp_path / "data", scans)
        log = tmp_path / "executions.log"
        configs = execution_log_configs(tmp_path / "configs", log, upload=upload)
        runner = LiveTaskRunner(
            "bare",
            ScanTag.from_date("2026-05-08", number=1, experiment="Undulator"),
            data_root=tmp_path / "data",
            config_dir=configs,
            executor="serial",
        )
        made.append(runner)
        assert runner.day_dir == day_dir
        return runner, log

    yield make
    for runner in made:
        runner.close()


def status_files(access: FileAccess, tasks_folder: Path) -> list[Path]:
    """The task status files opened."""
    return [p for p in access.opened_under(tasks_folder) if p.suffix == ".json"]


def starts(log: Path) -> Counter:
    return Counter(
        (int(scan), name)
        for word, name, scan, _pid in map(str.split, log.read_text().splitlines())
        if word == "start"
    )


@pytest.mark.slow
def test_a_200_scan_day_runs_every_task_once_and_an_idle_pass_reads_no_status(bare_runner):
    runner, log = bare_runner(200)
    tasks_folder = runner.analysis_dir / TASKS_FOLDER
    assert runner.process_new() == 400
    assert starts(log) == Counter({(s, n): 1 for s in range(1, 201) for n in ANALYZERS})
    assert {s.state for s in runner.queue.snapshot()} == {TaskState.DONE}
    progress = runner.progress()
    assert (progress.scans, progress.tasks, progress.done) == (200, 400, 400)

    runner.process_new()  # reads once what this runner's own writes changed
    with FileAccess() as access:
        assert runner.process_new() == 0
    recheck = RECHECK_PER_PASS
    status_reads = status_files(access, tasks_folder)
    assert len(status_reads) <= recheck * len(ANALYZERS), status_reads  # a few re-checked, no more
    assert len({p.parent for p in status_reads}) <= recheck
    assert len(access.stats_under(tasks_folder)) <= 200 + 2, "one stat per scan folder"
    listed = [p for p in access.listings if p.is_relative_to(runner.day_dir)]
    assert len(listed) <= 1 + recheck, listed  # analysis/ once, and the re-checked folders
    assert not [p for p in access.opens if p.suffix in (".txt", ".ini")], "no s-file or ini read"
    assert starts(log) == Counter({(s, n): 1 for s in range(1, 201) for n in ANALYZERS})

    write_bare_scan(runner.day_dir, 201)  # the next scan of the day
    with FileAccess() as access:
        assert runner.process_new() == 2
    read_folders = {p.parent.name for p in status_files(access, tasks_folder)}
    assert "Scan201" in read_folders and len(read_folders - {"Scan201"}) <= recheck
    assert starts(log)[(201, "LogA")] == starts(log)[(201, "LogB")] == 1


def test_every_scan_is_read_again_within_a_bounded_number_of_idle_passes(bare_runner):
    """A change the folder's time stamps cannot show (a coarse clock, a share's cache) is seen."""
    runner, _ = bare_runner(10)
    tasks_folder = runner.analysis_dir / TASKS_FOLDER
    runner.process_new()
    runner.process_new()
    reread: set[str] = set()
    for _ in range(10 // RECHECK_PER_PASS):
        with FileAccess() as access:
            assert runner.process_new() == 0
        reread |= {p.parent.name for p in status_files(access, tasks_folder)}
    assert reread == {f"Scan{n:03d}" for n in range(1, 11)}


def test_a_requeue_by_another_process_is_run_by_a_runner_that_knows_the_task_finished(
    bare_runner,
):
    from scan_analysis.task_queue import TaskQueue

    runner, log = bare_runner(3)
    runner.process_new()
    runner.process_new()
    other = TaskQueue(runner.analysis_dir, runner_id="operator")
    assert other.requeue(2, "LogB")
    assert runner.process_new() == 1
    assert starts(log)[(2, "LogB")] == 2


def test_progress_counts_the_days_tasks_and_the_elog_lists_every_scan(bare_runner):
    runner, _ = bare_runner(12, upload=True)
    assert runner.progress().tasks == 0  # nothing loaded before the first pass
    runner.process_new()
    progress = runner.progress()
    assert (progress.scans, progress.tasks, progress.finished, progress.running) == (12, 24, 24, 0)
    assert progress.current is None
    assert runner.elog_page.read_text().count("<script src=") == 12
