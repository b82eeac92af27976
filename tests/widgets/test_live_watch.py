"""LiveWatchPanel driven from Python: start, watch every task finish, stop, check the s-files."""

from __future__ import annotations

from pathlib import Path

import pytest
from blocking_analyzer import make_config_dir
from scan_analysis_widgets import LiveWatchPanel
from waiting import wait_until
from widget_tree import page_text

from scan_analysis.data.sfile import read_sfile
from scan_analysis.task_queue import TaskQueue, TaskState

REPO_CONFIGS = Path(__file__).parents[2] / "scan_analysis_configs"
DEADLINE = 300.0
FAST = {"executor": "serial", "rescan_interval": 0.5}


def wait_for(condition, what: str):
    """Wait (up to DEADLINE) until ``condition()`` is true: a day's tasks on a loaded machine."""
    return wait_until(condition, what, DEADLINE)


def panel_for(day, config_dir=REPO_CONFIGS, **kwargs) -> LiveWatchPanel:
    options = {
        "experiment": "Undulator",
        "date": "2026-05-08",
        "group": "demo",
        "refresh_interval": 0.2,
        "runner_options": FAST,
    }
    options.update(kwargs)
    return LiveWatchPanel(day.data_root, config_dir, **options)


def test_start_watch_every_task_finish_stop_and_check_the_sfiles(fresh_demo_day):
    day = fresh_demo_day
    panel = panel_for(day)
    assert panel.group.value == "demo" and panel.state == "idle"
    assert "no completed scans" not in panel.grid.value  # the day's scans, all pending
    assert panel.grid.value.count("sa-state-pending") == 6 * 3

    panel.start_button.click()
    wait_for(lambda: panel.state in ("running", "stopped", "failed"), "the runner to start")
    assert panel.stop_button.disabled is False and panel.start_button.disabled is True
    wait_for(
        lambda: (
            len(panel.tasks) == 18
            and all(t["state"] in ("done", "no_data", "failed") for t in panel.tasks)
        ),
        "every task of the day to finish",
    )
    assert panel.state == "running"  # still watching for new scans
    assert panel.stop(timeout=5.0), "the runner did not stop within 5 s of its last task"
    assert panel.state == "stopped" and not panel.running
    assert panel.start_button.disabled is False

    states = {(t["scan"], t["analyzer"]): t["state"] for t in panel.tasks}
    assert states[(6, "UC_TopView")] == "no_data" and states[(2, "UC_TopView")] == "done"
    assert "failed" not in states.values()
    assert panel.counts["done"] == 12 and panel.counts["no_data"] == 6
    assert panel.grid.value.count("sa-state-done") == 12
    assert panel.grid.value.count("sa-state-no_data") == 6
    for number in (1, 2, 4, 5):
        columns = read_sfile(day.day_dir / "analysis" / f"s{number}.txt").columns
        assert "UC_TopView_x_CoM" in columns, f"scan {number} lacks camera scalars"
    assert "UC_Spectrometer_fwhm" in read_sfile(day.day_dir / "analysis" / "s3.txt").columns
    assert panel.figures.paths and all(p.is_file() for p in panel.figures.paths)
    assert "stopped after running 18 task(s)" in panel.message.text
    assert "UC_TopView" in panel.log_view.text.value  # the runner's log lines
    assert "Traceback" not in page_text(panel)


def test_stop_mid_task_ends_after_that_task_and_the_panel_stays_usable(fresh_demo_day, tmp_path):
    config_dir, release, started = make_config_dir(tmp_path)
    panel = panel_for(fresh_demo_day, config_dir, group="blocking", scan="2")
    assert panel.start()
    wait_for(started.exists, "the blocking task to start")
    wait_for(lambda: panel.current_task == "Scan002 Blocking", "the grid to show the task")
    assert "sa-state-running" in panel.grid.value
    wait_for(lambda: ">running 0/1<" in panel.grid.value, "the task's progress in its cell")
    assert "now: Scan002 Blocking" in panel.status.value
    # the kernel thread is free while the task runs: a widget callback runs at once
    clicked = []
    panel.rerun_button.on_click(lambda _button: clicked.append(True))
    panel.rerun_button.click()
    assert clicked

    assert panel.stop() is False  # asked; the task in progress finishes first
    assert panel.state == "stopping" and panel.running
    release.write_text("go")
    assert panel.wait_stopped(timeout=60)
    assert panel.state == "stopped"
    states = {(t["scan"], t["analyzer"]): t["state"] for t in panel.tasks}
    assert states[(2, "Blocking")] == "done"
    assert states.get((3, "UC_TopView"), "queued") == "queued"  # nothing after the stop


def test_while_a_task_draws_its_figures_the_status_says_so_not_a_shot_count(
    fresh_demo_day, tmp_path
):
    """The steps of a task are its shots, then its figures: "(97/98 shots)" while a 96-shot
    scan drew its figures read as if a shot were still missing."""
    config_dir, release, started = make_config_dir(tmp_path, stage="figures")
    panel = panel_for(fresh_demo_day, config_dir, group="blocking", scan="2")
    assert panel.start()
    try:
        wait_for(started.exists, "the blocking task to start")
        wait_for(lambda: "drawing figures" in panel.status.value, "the status to say figures")
        assert "now: Scan002 Blocking (shots analysed, drawing figures)" in panel.status.value
        assert "shots)" not in panel.status.value
    finally:
        release.write_text("go")
        panel.stop()
        assert panel.wait_stopped(timeout=120)


def test_claims_by_another_runner_are_visible_in_the_grid(fresh_demo_day):
    queue = TaskQueue(fresh_demo_day.day_dir / "analysis", runner_id="other-host:4242")
    claim = queue.try_claim(2, "UC_TopView")
    try:
        panel = panel_for(fresh_demo_day)
        cell = next(c for c in panel.grid.value.split("<td")[1:] if "other-host:4242" in c)
        assert "sa-state-running" in cell and "sa-other-runner" in cell
        assert "runner: other-host:4242" in cell  # the tooltip
    finally:
        claim.lock.release()


def test_rerun_failed_requeues_the_days_failed_tasks(fresh_demo_day):
    queue = TaskQueue(fresh_demo_day.day_dir / "analysis", runner_id="old-runner", max_attempts=1)
    claim = queue.try_claim(3, "UC_Spectrometer")
    queue.fail_attempt(claim, "ShotReadError: cannot read spectrum: replace the file")
    panel = panel_for(fresh_demo_day)
    assert "sa-state-failed" in panel.grid.value
    assert "error: ShotReadError: cannot read spectrum" in panel.grid.value
    panel.rerun_button.click()
    assert queue.read_status(3, "UC_Spectrometer").state is TaskState.QUEUED
    assert "requeued 1 failed task(s): Scan003 UC_Spectrometer" in panel.message.text
    assert "sa-state-failed" not in panel.grid.value


def test_bad_input_gets_a_message_never_a_traceback(tmp_path, fresh_demo_day):
    missing = tmp_path / "nowhere"
    panel = LiveWatchPanel(missing, REPO_CONFIGS, group="demo")
    assert panel.message.kind == "error" and str(missing) in panel.message.text
    assert panel.start() is False and panel.state == "idle"
    assert f"data root {missing} (from the data_root argument) does not exist" in panel.message.text

    panel = panel_for(fresh_demo_day, group="no_such_group")
    assert "no analyzer group 'no_such_group'" in panel.message.text
    assert "demo" in panel.message.text

    panel = panel_for(fresh_demo_day)
    panel.picker.date_box.value = "the 8th of May"
    assert panel.start() is False and "YYYY-MM-DD" in panel.message.text
    assert "Traceback" not in page_text(panel)


def test_a_group_that_cannot_run_fails_with_its_reason(fresh_demo_day, tmp_path):
    config_dir, _, _ = make_config_dir(tmp_path)
    (config_dir / "groups" / "broken.yaml").write_text("name: broken\nanalyzers: [Nope]\n")
    panel = panel_for(fresh_demo_day, config_dir, group="broken")
    assert "unknown analyzer 'Nope'" in panel.message.text  # said before anything starts
    assert panel.start()
    assert panel.wait_stopped(timeout=60)
    assert panel.state == "failed"
    assert "cannot start group broken" in panel.message.text and "Nope" in panel.message.text


@pytest.mark.parametrize("date", ["2026-05-09"])
def test_a_day_without_data_yet_can_be_watched(fresh_demo_day, date):
    panel = panel_for(fresh_demo_day, date=date)
    assert panel.picker.date == date and panel.message.text == ""
    assert "no completed scans" in panel.grid.value
    assert panel.start()
    wait_for(lambda: panel.state == "running", "the runner to wait for the day")
    assert panel.stop(timeout=30)
