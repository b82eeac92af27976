"""ScanBrowser driven from Python as a person would: pick, look, plot, step shots, run."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image
from scan_analysis_widgets import ScanBrowser
from widget_tree import page_text, with_class

from scan_analysis.data.demo import LASER_ENERGY_COLUMN
from scan_analysis.data.sfile import read_sfile
from scan_analysis.task_queue import TaskQueue, TaskState

REPO_CONFIGS = Path(__file__).parents[2] / "scan_analysis_configs"
DEADLINE = 240.0


def browser_for(day, **kwargs) -> ScanBrowser:
    options = {"config_dir": REPO_CONFIGS, "executor": "serial"}
    options.update(kwargs)
    return ScanBrowser(day.data_root, **options)


def png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def test_deep_link_values_arrive_as_text_and_choose_the_scan(demo_day):
    browser = browser_for(demo_day, experiment="Undulator", date="2026-05-08", scan="Scan003")
    assert (browser.experiment, browser.date, browser.scan) == ("Undulator", "2026-05-08", 3)
    assert browser.message.text == ""
    assert browser.picker.experiment_box.value == "Undulator"
    assert browser.picker.date_box.options == ("2026-05-08",)  # days that have data only
    assert browser.scan_list.value == 3


def test_choosing_a_scan_shows_its_info_table_and_figures(fresh_demo_day):
    day = fresh_demo_day
    browser = browser_for(day, experiment="Undulator", date="2026-05-08", scan="1")
    labels = [label for label, _ in browser.scan_list.options]
    assert len(labels) == 6
    assert labels[1].startswith("Scan 002 · jet position scan for the undulator beam")
    assert "U_ESP_JetXYZ:Position.Axis 1 from 4 to 6" in labels[1]

    browser.scan_list.value = 2  # a click in the list
    assert browser.scan == 2
    sfile = read_sfile(day.day_dir / "analysis" / "s2.txt")
    pd.testing.assert_frame_equal(browser.table.tabulator.value, sfile)
    assert "sa-sfile-table" in browser.table._dom_classes
    assert "jet position scan for the undulator beam" in browser.header.value
    assert "1D" in browser.header.value
    assert browser.gallery.grid.children == ()  # nothing analysed yet
    assert "run an analyzer" in browser.gallery.caption.value

    # run the demo group on this scan, as offered: progress, outcome, then the gallery refreshes
    assert browser.run_panel.choice.value == "group:demo"
    seen, said = [], []
    browser.run_panel.progress.observe(lambda change: seen.append(change.new), "value")
    browser.run_panel.job.observe(lambda change: said.append(change.new), "message")
    browser.run_panel.run_button.click()
    assert browser.run_panel.job.wait(DEADLINE)
    assert browser.run_panel.job.state == "done", browser.run_panel.status.text
    assert seen and seen[-1] == 1.0 and any(0 < value < 1 for value in seen)
    assert seen == sorted(seen)  # never back, not when each analyzer's figures are counted
    status = browser.run_panel.status.text
    assert "UC_TopView: done" in status and "BeamChargeCorrelation: done" in status
    # while drawing, the shots are said done (the corrupt one too), not all analysed: the
    # outcome then says "15 of 19 shots analysed, 1 unreadable"
    files = len(list((day.day_dir / "scans" / "Scan002" / "UC_TopView").iterdir()))
    drawing = [text for text in said if text.startswith("UC_TopView: ") and "figures" in text]
    assert drawing, said
    assert all(text.startswith(f"UC_TopView: {files} shots done, drawing") for text in drawing)
    assert "1 unreadable" in status and "no data" not in status
    figures_on_disk = sorted((day.day_dir / "analysis" / "Scan002").rglob("*.png"))
    assert figures_on_disk and browser.gallery.paths == figures_on_disk
    images = [w for w in with_class(browser, "sa-figures")[0].children]
    assert len(images) == len(figures_on_disk)
    assert png_size(images[0].children[0].value)  # the figure's bytes, as a PNG
    # the table now shows the scalars the run merged into the s-file
    assert "UC_TopView_x_CoM" in browser.table.tabulator.value.columns
    assert browser.scan == 2


def test_run_offers_a_group_with_data_in_the_scan_and_keeps_the_users_choice(fresh_demo_day):
    day = fresh_demo_day
    browser = browser_for(day, experiment="Undulator", date="2026-05-08", scan="6")
    values = [value for _, value in browser.run_panel.choice.options]
    assert values[0] == "group:HTU/baseline"  # first, but none of its devices saved that day
    assert browser.run_panel.choice.value == "group:demo"  # the spectrometer's folder is there
    browser.run_panel.choice.value = "analyzer:UC_Spectrometer"  # a choice of the user's
    browser.show_scan(2)
    assert browser.run_panel.choice.value == "analyzer:UC_Spectrometer"  # kept

    # a scan whose devices saved nothing: no group has data, the first is offered
    for folder in (day.day_dir / "scans" / "Scan001").iterdir():
        if folder.is_dir():
            shutil.rmtree(folder)
    browser = browser_for(day, experiment="Undulator", date="2026-05-08", scan="1")
    assert browser.run_panel.choice.value == "group:HTU/baseline"
    browser.show_scan(3)  # offered again for the next scan: not the user's choice
    assert browser.run_panel.choice.value == "group:demo"


def test_the_plots_parameter_unit_comes_from_the_experiments_unit_table(demo_day, tmp_path):
    """The unit table the library's figures read (units/Undulator.yaml) labels the plot too."""
    configs = tmp_path / "configs"
    shutil.copytree(REPO_CONFIGS, configs)
    (configs / "units" / "Undulator.yaml").write_text('"U_ESP_JetXYZ:Position.Axis 1": um\n')
    browser = browser_for(demo_day, experiment="Undulator", date="2026-05-08", scan=2,
                          config_dir=configs)  # fmt: skip
    assert browser.plot.figure.axes[0].get_xlabel() == "JetX = U_ESP_JetXYZ Position.Axis 1 (um)"
    (configs / "units" / "Undulator.yaml").unlink()  # no table: the parameter without a unit
    browser.show_scan(3)
    browser.show_scan(2)
    assert browser.plot.figure.axes[0].get_xlabel() == "JetX = U_ESP_JetXYZ Position.Axis 1"


def test_plot_two_columns_with_bin_means_and_units(demo_day):
    browser = browser_for(demo_day, experiment="Undulator", date="2026-05-08", scan=2)
    plot = browser.plot
    parameter = "U_ESP_JetXYZ Position.Axis 1 Alias:JetX"
    assert plot.x_column.value == parameter  # the scan parameter first
    first = plot.image.value
    axes = plot.figure.axes[0]
    assert axes.get_xlabel() == "JetX = U_ESP_JetXYZ Position.Axis 1 (mm)"  # the figures' unit
    assert axes.get_ylabel() == "U_BCaveICT Charge pC"
    assert png_size(first) == (720, 460)
    means = axes.containers[0].lines[0].get_xdata()  # one point per bin
    assert len(means) == len(demo_day.scans[2].bins)

    plot.x_column.value = "Shotnumber"
    plot.y_column.value = LASER_ENERGY_COLUMN
    assert plot.image.value != first
    assert plot.figure.axes[0].get_xlabel() == "Shotnumber"
    assert plot.figure.axes[0].get_ylabel() == LASER_ENERGY_COLUMN
    plot.binned.value = False
    assert plot.figure.axes[0].containers[0].lines[0].get_xdata().size == 1  # overall mean only
    assert plot.message.text == ""


def test_step_the_shot_slider_raw_and_processed(demo_day):
    browser = browser_for(demo_day, experiment="Undulator", date="2026-05-08", scan=2)
    viewer = browser.viewer
    viewer.device.value = "UC_TopView"
    truth = demo_day.scans[2]
    shots = list(viewer.shot.options)
    assert not set(truth.missing_files) & set(shots)  # shots without files are not offered
    first = viewer.image.value
    assert png_size(first)
    viewer.shot.value = shots[-1]  # step the slider
    assert viewer.image.value != first and viewer.message.text == ""

    viewer.analyzer.value = "UC_TopView"  # processed through the analyzer config
    assert "x CoM (px)" in viewer.scalars.value
    assert "image total (counts)" in viewer.scalars.value
    corrupt = truth.corrupt_files[0]
    bad_shot = next(s for s in shots if viewer.files[s] == corrupt)
    viewer.show_shot(bad_shot)
    assert viewer.message.kind == "error"
    assert corrupt.name in viewer.message.text and "Traceback" not in page_text(browser)
    viewer.show_shot(shots[0])
    assert viewer.message.text == "" and viewer.scalars.value

    viewer.device.value = "UC_Spectrometer-interpSpec"
    assert viewer.analyzer.options == ("raw", "UC_Spectrometer")
    viewer.analyzer.value = "UC_Spectrometer"
    assert "fwhm (nm)" in viewer.scalars.value  # trace scalars in the trace's x unit


def test_a_data_root_that_does_not_exist_gets_a_message_not_a_traceback(tmp_path):
    missing = tmp_path / "nowhere"
    browser = ScanBrowser(missing, experiment="Undulator", date="2026-05-08", scan="2")
    assert browser.message.kind == "error"
    assert str(missing) in browser.message.text and "does not exist" in browser.message.text
    assert browser.scan == 0 and "Traceback" not in page_text(browser)


def test_a_day_with_no_scans_says_so(fresh_demo_day):
    empty_day = fresh_demo_day.day_dir.parent / "26_0509"
    (empty_day / "scans").mkdir(parents=True)
    browser = browser_for(fresh_demo_day, experiment="Undulator", date="2026-05-09")
    assert browser.date == "2026-05-09" and browser.scans == []
    assert "has no scans yet" in browser.message.text
    assert browser.scan == 0 and browser.scan_list.options == ()


def test_a_corrupt_sfile_is_reported_and_the_rest_still_shows(fresh_demo_day):
    sfile = fresh_demo_day.day_dir / "analysis" / "s2.txt"
    sfile.write_bytes(b"\x00\x13garbage without a header\n")
    browser = browser_for(fresh_demo_day, experiment="Undulator", date="2026-05-08", scan=2)
    assert browser.scan == 2
    assert browser.message.kind == "error" and "s2.txt" in browser.message.text
    assert "jet position scan" in browser.header.value  # the ini still shows
    assert browser.table.tabulator.value.empty
    assert "Traceback" not in page_text(browser)
    assert "⚠" in browser.scan_list.options[1][0]  # the list marks the bad scan
    browser.show_scan(3)  # other scans are fine
    assert browser.message.text == "" and not browser.table.tabulator.value.empty


def test_unknown_scan_date_or_experiment_from_a_link_are_explained(demo_day):
    browser = browser_for(demo_day, experiment="Undulator", date="2026-05-08", scan="99")
    assert "has no scan 99" in browser.message.text and browser.scan == 6
    browser = browser_for(demo_day, experiment="Thomson", date="2026-13-01", scan="x")
    text = browser.message.text
    assert "no experiment 'Thomson'" in text and "Undulator" in text
    assert "YYYY-MM-DD" in text and "cannot read 'x' as a scan number" in text
    with pytest.raises(ValueError, match="has no scan 42; its scans: 1, 2, 3, 4, 5, 6"):
        browser.show_scan(42)


def test_the_scan_list_shows_each_analyzers_live_state(fresh_demo_day):
    queue = TaskQueue(fresh_demo_day.day_dir / "analysis", runner_id="control-room-1")
    queue.complete(queue.try_claim(2, "UC_TopView"), TaskState.DONE)
    queue.fail_attempt(queue.try_claim(2, "UC_Spectrometer"), "no spectrum")
    browser = browser_for(fresh_demo_day, experiment="Undulator", date="2026-05-08", scan=2)
    label = dict((number, text) for text, number in browser.scan_list.options)[2]
    assert "UC_Spectrometer pending" in label and "UC_TopView done" in label
    assert "sa-state-done" in browser.header.value and "UC_TopView: done" in browser.header.value
    queue.complete(queue.try_claim(3, "UC_TopView"), TaskState.NO_DATA)
    browser.refresh()  # the Refresh button
    browser.show_scan(3)
    assert "UC_TopView: no data" in browser.header.value
    assert "no_data" not in browser.header.value.replace("sa-state-no_data", "")
