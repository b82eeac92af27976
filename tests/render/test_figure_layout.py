"""Every figure type, drawn from real demo scans and the held-back cases, checked for layout.

Issue 15 item 7: the figures the control room reads between shots. Each case
runs the real analyzer on a real demo scan (the demo day, plus scans the demo
day holds back: many bins, one bin, a partial scan), takes the figures it
draws, and checks them mechanically (``support/figure_layout.py``): no text
overlaps another, nothing is cut by the canvas, every axis with numbers has a
label, every colour mapping has a colour bar or legend. Each figure is also
saved under ``tests/artifacts/`` for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from figure_layout import layout_problems, save_artifact
from partial_scans import cut_sfile_after_bin

from scan_analysis.analyzers.common import Array1DScanAnalyzer, Array2DScanAnalyzer
from scan_analysis.data.demo import CHARGE_COLUMN, build_demo_day, write_demo_scan
from scan_analysis.data.sfile import read_sfile
from scan_analysis.render import (
    deferred,
    draw_average_image,
    draw_montage,
    draw_scalar_histories,
    draw_scalars_vs_parameter,
)
from scan_analysis.render.lines import draw_line_overlay, draw_waterfall
from scan_analysis.render.scatter import draw_scatter
from scan_analysis.render.style import PARTIAL_TITLE_GID

DRAWING_OF = {  # the analyzers' jobs name their render functions by reference
    deferred.save_montage: draw_montage,
    deferred.save_average_image: draw_average_image,
    deferred.save_scalar_histories: draw_scalar_histories,
    deferred.save_scalars_vs_parameter: draw_scalars_vs_parameter,
    deferred.save_waterfall: draw_waterfall,
    deferred.save_line_overlay: draw_line_overlay,
}
MANY_BINS, ONE_BIN, PARTIAL = 7, 8, 9


class FigureRecorder:
    """Keeps the figure jobs an analyzer draws, so the test can draw them again as Figures."""

    def _draw(self, jobs, **drawing):
        self.recorded_jobs = list(jobs)
        return super()._draw(jobs, **drawing)


class RecordingArray2D(FigureRecorder, Array2DScanAnalyzer):
    pass


class RecordingArray1D(FigureRecorder, Array1DScanAnalyzer):
    pass


def _set_ini_value(day_dir: Path, scan: int, key: str, value: str) -> None:
    ini = day_dir / "scans" / f"Scan{scan:03d}" / f"ScanInfoScan{scan:03d}.ini"
    text = re.sub(rf"(?m)^{key} = .*$", f'{key} = "{value}"', ini.read_text())
    ini.write_text(text)


@pytest.fixture(scope="module")
def figure_day(tmp_path_factory):
    """The demo day plus the held-back scans: 25 bins, one bin, a partial scan (4 of 10 bins)."""
    day = build_demo_day(
        tmp_path_factory.mktemp("figure_day"), image_shape=(128, 128), n_bins=10, shots_per_bin=4
    )
    write_demo_scan(day.day_dir, MANY_BINS, "jet_scan", n_bins=25, shots_per_bin=2, defects=False)
    write_demo_scan(day.day_dir, ONE_BIN, "jet_scan", n_bins=1, shots_per_bin=6, defects=False)
    _set_ini_value(day.day_dir, ONE_BIN, "End", "4")
    _set_ini_value(day.day_dir, ONE_BIN, "Step size", "0.2")
    write_demo_scan(day.day_dir, PARTIAL, "jet_scan", n_bins=10, shots_per_bin=3, defects=False)
    cut_sfile_after_bin(day.day_dir, PARTIAL, 4)
    return day


def _figures(analyzer, day, scan):
    analyzer.run_analysis(day.tag(scan), data_root=day.data_root)
    assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
    figures = {}
    for job in analyzer.recorded_jobs:
        *data, path = job.args
        figures[Path(path).stem] = DRAWING_OF[job.function](*data, **job.kwargs)
    return figures


def _check(figures, case):
    assert figures, f"{case}: no figures drawn"
    problems = []
    for name, figure in figures.items():
        save_artifact(figure, f"{case}__{name}")
        problems += [f"{name}: {problem}" for problem in layout_problems(figure)]
    assert not problems, "\n".join(problems)


CAMERA_CASES = {
    "noscan": 1,
    "jet_scan": 2,
    "optimization": 4,
    "legacy_long_parameter": 5,
    "many_bins": MANY_BINS,
    "one_bin": ONE_BIN,
    "partial": PARTIAL,
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CAMERA_CASES))
def test_camera_figures_lay_out_cleanly(figure_day, case):
    analyzer = RecordingArray2D("UC_TopView", executor="serial", progress=False)
    figures = _figures(analyzer, figure_day, CAMERA_CASES[case])
    expected = {"noscan": {"average", "scalars"}}.get(case, {"montage", "scalars_vs_parameter"})
    assert {name.removeprefix("UC_TopView_") for name in figures} == expected
    _check(figures, f"camera_{case}")


TRACE_CASES = {"noscan": 1, "grating_scan": 3, "jet_scan": 2, "partial": PARTIAL}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(TRACE_CASES))
def test_trace_figures_lay_out_cleanly(figure_day, case):
    analyzer = RecordingArray1D(
        "UC_Spectrometer", directory_suffix="-interpSpec", executor="serial", progress=False
    )
    figures = _figures(analyzer, figure_day, TRACE_CASES[case])
    expected = (
        {"waterfall", "scalars"}
        if case == "noscan"
        else {"waterfall", "overlay", "scalars_vs_parameter"}
    )
    assert {name.removeprefix("UC_Spectrometer_") for name in figures} == expected
    _check(figures, f"trace_{case}")


@pytest.mark.parametrize("scan", [2, 1])
def test_correlation_scatter_lays_out_cleanly(figure_day, scan):
    frame = read_sfile(figure_day.day_dir / "analysis" / f"s{scan}.txt")
    x = frame[CHARGE_COLUMN].to_numpy(dtype=float)
    parameter = "U_ESP_JetXYZ Position.Axis 1 Alias:JetX"
    y_column = parameter if scan == 2 else "Shotnumber"
    ys = {
        y_column: frame[y_column].to_numpy(dtype=float),
        "charge squared (pC²)": x**2,
    }
    bins = frame["Bin #"].to_numpy(dtype=float) if "Bin #" in frame else None
    figure = draw_scatter(x, ys, bins, x_label=CHARGE_COLUMN, title=f"ScatterPlotter: scan {scan}")
    _check({"scatter": figure}, f"scatter_scan{scan}")


def test_a_partial_scan_says_so_on_every_figure(figure_day):
    analyzer = RecordingArray2D("UC_TopView", executor="serial", progress=False)
    figures = _figures(analyzer, figure_day, PARTIAL)
    for name, figure in figures.items():
        marked = [t for t in figure.texts if t.get_gid() == PARTIAL_TITLE_GID]
        assert marked and "PARTIAL: 4 OF 10 BINS" in marked[0].get_text(), name
    assert "partial: 4 of 10 bins" in analyzer.last_outcome.message


def test_montage_panels_are_short_and_the_parameter_is_named_once_with_its_unit(figure_day):
    analyzer = RecordingArray2D("UC_TopView", executor="serial", progress=False)
    montage = _figures(analyzer, figure_day, 5)["UC_TopView_montage"]
    titles = [a.get_title() for a in montage.axes if a.get_visible() and a.get_title()]
    assert titles and all("U_ESP_JetXYZ" not in t and " mm (" in t for t in titles), titles
    title = " ".join(montage._suptitle.get_text().split())
    assert title.count("U_ESP_JetXYZ Position.Axis 1") == 1
    assert "Position.Axis 1 (mm)" in title


def test_the_waterfall_of_every_shot_does_not_call_itself_an_average(figure_day):
    analyzer = RecordingArray1D(
        "UC_Spectrometer", directory_suffix="-interpSpec", executor="serial", progress=False
    )
    waterfall = _figures(analyzer, figure_day, 1)["UC_Spectrometer_waterfall"]
    colour_bar_labels = [a.get_ylabel() for a in waterfall.axes[1:]]
    assert colour_bar_labels and not any("average" in label for label in colour_bar_labels)


def test_the_layout_check_finds_what_it_is_for():
    """The checker itself: an overlap, a clipped title, an unlabelled axis, a bare colour map."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(3, 2))
    axes = figure.add_subplot()
    axes.imshow(np.arange(4.0).reshape(2, 2))
    axes.text(0.5, 0.5, "one", transform=axes.transAxes)
    axes.text(0.5, 0.5, "two", transform=axes.transAxes)
    figure.suptitle("a title much too long to fit on a figure only three inches wide at all")
    problems = "\n".join(layout_problems(figure))
    assert "'one' and 'two' overlap" in problems
    assert "cut by the canvas" in problems
    assert "x axis has tick labels but no label" in problems
    assert "no colour bar or legend" in problems
