"""scan_catalog: experiments, days, scan summaries, figures and device folders of a data root."""

from __future__ import annotations

import datetime as dt

from scan_analysis.data.demo import write_demo_scan
from scan_analysis.scan_catalog import (
    device_folders,
    list_days,
    list_experiments,
    list_figures,
    summarize_day,
    summarize_scan,
)
from scan_analysis.task_queue import TaskQueue, TaskState


def test_experiments_and_days_that_have_data(fresh_demo_day):
    root = fresh_demo_day.data_root
    (root / "Undulator" / "Y2026" / "06-Jun" / "26_0612").mkdir(parents=True)
    (root / "Undulator" / "Y2026" / "06-Jun" / "26_0532").mkdir()  # impossible date
    (root / "Undulator" / "Y2026" / "06-Jun" / "26_0701").mkdir()  # wrong month folder
    (root / "Undulator" / "README").mkdir()
    (root / "not_an_experiment" / "stuff").mkdir(parents=True)
    (root / "Thomson" / "Y2025" / "12-Dec" / "25_1224").mkdir(parents=True)
    assert list_experiments(root) == ["Thomson", "Undulator"]
    assert list_days(root, "Undulator") == [dt.date(2026, 5, 8), dt.date(2026, 6, 12)]
    assert list_days(root, "nobody") == []


def test_a_day_summary_describes_each_scan(demo_day):
    summaries = {s.number: s for s in summarize_day(demo_day.day_dir)}
    assert sorted(summaries) == [1, 2, 3, 4, 5, 6]
    jet = summaries[2]
    truth = demo_day.scans[2]
    assert jet.description == "jet position scan for the undulator beam"
    assert jet.kind == "1D" and jet.shots == truth.n_shots - len(truth.missing_rows)
    assert jet.parameter_range == "U_ESP_JetXYZ:Position.Axis 1 from 4 to 6"
    assert summaries[1].parameter_range == "no scan" and summaries[1].parameter is None
    assert summaries[4].kind == "optimization"
    label = jet.label()
    assert label.startswith("Scan 002 · jet position scan") and f"{jet.shots} shots" in label
    assert all(not s.problems for s in summaries.values())


def test_analysis_state_per_analyzer_comes_from_the_task_status_files(fresh_demo_day):
    queue = TaskQueue(fresh_demo_day.day_dir / "analysis", runner_id="control-room-1")
    claim = queue.try_claim(2, "UC_TopView")
    queue.complete(claim, TaskState.DONE)
    queue.ensure_task(2, "UC_Spectrometer")
    queue.try_claim(3, "UC_Spectrometer")  # held: another runner works on it
    summaries = {s.number: s for s in summarize_day(fresh_demo_day.day_dir)}
    assert summaries[2].analysis == {"UC_Spectrometer": "queued", "UC_TopView": "done"}
    assert summaries[3].analysis == {"UC_Spectrometer": "claimed"}
    assert summaries[1].analysis == {}
    assert "UC_TopView done" in summaries[2].label()
    # in a person's words, as the status grid says them: no task-state names from the code
    assert "UC_Spectrometer pending" in summaries[2].label()
    assert "UC_Spectrometer running" in summaries[3].label()
    queue.complete(queue.try_claim(4, "UC_TopView"), TaskState.NO_DATA)
    fourth = next(s for s in summarize_day(fresh_demo_day.day_dir) if s.number == 4)
    assert "UC_TopView no data" in fourth.label()


def test_bad_or_unfinished_scans_are_summarised_with_the_problem_not_raised(fresh_demo_day):
    day_dir = fresh_demo_day.day_dir
    (day_dir / "analysis" / "s2.txt").write_bytes(b"\x00\x01 not a table\n")
    (day_dir / "scans" / "Scan003" / "ScanInfoScan003.ini").unlink()
    write_demo_scan(day_dir, 7, "noscan", image_shape=(16, 16))
    (day_dir / "analysis" / "s7.txt").unlink()  # scan 7 still running
    summaries = {s.number: s for s in summarize_day(day_dir)}
    assert summaries[2].shots is None and "s2.txt" in summaries[2].problems[0]
    assert "ScanInfoScan003.ini" in summaries[3].problems[0] and summaries[3].shots is not None
    assert summaries[7].complete is False and "running" in summaries[7].label()
    assert summarize_scan(day_dir, 99).problems  # no such scan: described, not raised


def test_figures_under_the_scans_analysis_folder(fresh_demo_day):
    day_dir = fresh_demo_day.day_dir
    folder = day_dir / "analysis" / "Scan002"
    (folder / "UC_TopView").mkdir(parents=True)
    (folder / "UC_TopView" / "montage.png").write_bytes(b"png")
    (folder / "UC_TopView" / "bins.npz").write_bytes(b"data")
    (folder / "UC_Spectrometer").mkdir()
    (folder / "UC_Spectrometer" / "waterfall.PNG").write_bytes(b"png")
    (folder / ".cache").mkdir()
    (folder / ".cache" / "hidden.png").write_bytes(b"png")
    found = [p.relative_to(folder).as_posix() for p in list_figures(day_dir, 2)]
    assert found == ["UC_Spectrometer/waterfall.PNG", "UC_TopView/montage.png"]
    assert list_figures(day_dir, 3) == []


def test_device_folders_split_the_directory_suffix(demo_day):
    from scan_analysis.data.sfile import read_sfile

    scans = demo_day.day_dir / "scans"
    columns = read_sfile(demo_day.day_dir / "analysis" / "s2.txt").columns
    found = {
        f.stem: (f.device, f.directory_suffix) for f in device_folders(scans / "Scan002", columns)
    }
    assert found == {
        "UC_TopView": ("UC_TopView", ""),
        "UC_Spectrometer-interpSpec": ("UC_Spectrometer", "-interpSpec"),
    }
    legacy = device_folders(
        scans / "Scan005", read_sfile(demo_day.day_dir / "analysis/s5.txt").columns
    )
    assert [(f.stem, f.device) for f in legacy] == [("UC_TopView", "UC_TopView")]
