"""The live status grid: one cell per (scan, analyzer), coloured and explained on hover."""

from __future__ import annotations

import datetime as dt
import html

from scan_analysis_widgets.status_grid import StatusGrid, grid_html, task_timing

NOW = dt.datetime(2026, 5, 8, 12, 0, 30, tzinfo=dt.UTC)
TASKS = [
    {
        "scan": 2,
        "analyzer": "UC_TopView",
        "state": "done",
        "claimant": None,
        "attempts": 1,
        "started": "2026-05-08T12:00:00.000+00:00",
        "finished": "2026-05-08T12:00:01.500+00:00",
        "message": "15 of 19 shots analysed",
    },
    {
        "scan": 2,
        "analyzer": "UC_Spectrometer",
        "state": "failed",
        "attempts": 3,
        "error": "ShotReadError: spectrum.tsv is truncated; replace it",
    },
    {
        "scan": 3,
        "analyzer": "UC_TopView",
        "state": "claimed",
        "claimant": "daq-pc:77",
        "attempts": 1,
        "started": "2026-05-08T12:00:20.000+00:00",
    },
]


def cells(text: str) -> list[str]:
    return text.split("<td")[1:]


def test_every_cell_has_its_state_class_and_missing_tasks_are_pending():
    text = grid_html([2, 3, 4], ["UC_TopView", "UC_Spectrometer"], TASKS, now=NOW)
    classes = [cell.split("'")[1] for cell in cells(text)]
    assert classes == [
        "sa-state-done",
        "sa-state-failed",
        "sa-state-running sa-other-runner",
        "sa-state-pending",
        "sa-state-pending",
        "sa-state-pending",
    ]
    assert text.index("Scan002") < text.index("Scan003") < text.index("Scan004")


def test_hover_shows_error_timing_and_the_runner():
    text = html.unescape(grid_html([2, 3], ["UC_TopView", "UC_Spectrometer"], TASKS, now=NOW))
    done, failed, running, _ = cells(text)
    assert "time: 1.5 s" in done and "15 of 19 shots analysed" in done and ">done · 1.5 s<" in done
    assert "error: ShotReadError: spectrum.tsv is truncated; replace it" in failed
    assert "attempts: 3" in failed
    assert "runner: daq-pc:77" in running and "running for 10 s" in running
    assert ">running · daq-pc:77<" in running  # another machine's claim, visible


def test_our_own_running_task_shows_its_shot_progress():
    text = grid_html(
        [3], ["UC_TopView"], TASKS, runner_id="daq-pc:77", progress={(3, "UC_TopView"): (4, 20)}
    )
    (cell,) = cells(text)
    assert "sa-other-runner" not in cell and ">running 4/20<" in cell


def test_timing_of_tasks_without_times_is_empty():
    assert task_timing({"state": "queued"}) == ""
    assert task_timing({"state": "done", "started": "garbage", "finished": None}) == ""


def test_the_widget_carries_the_grid_class_and_resends_only_changes():
    grid = StatusGrid()
    assert "sa-live-grid" in grid._dom_classes
    sent = []
    grid.observe(lambda change: sent.append(change.new), "value")
    grid.show([2], ["UC_TopView"], TASKS)
    grid.show([2], ["UC_TopView"], TASKS)
    assert len(sent) == 1
    assert "no completed scans" in grid_html([], ["UC_TopView"], [])
