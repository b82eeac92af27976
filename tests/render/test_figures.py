import re
from pathlib import Path

import numpy as np
import pytest
from constant_analyzer import ConstantRatio
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from scan_analysis.analyzers.common import Array2DScanAnalyzer
from scan_analysis.image.beam_analyzer import BeamAnalyzer
from scan_analysis.render import (
    RenderOptions,
    deferred,
    draw_average_image,
    draw_montage,
    draw_scalar_histories,
    draw_scalars_vs_parameter,
    save_average_image,
    save_line_overlay,
    save_montage,
    save_scalars_vs_parameter,
    save_scatter,
    save_waterfall,
)
from scan_analysis.render.style import (
    downsample_for_display,
    parameter_label,
    power_of_ten_label,
    save,
    scalar_label,
)


def test_options_from_renderer_kwargs():
    options = RenderOptions.from_kwargs(
        {"colormap": "magma", "vmin": 0, "figsize": [4, 3], "dpi": 50}
    )
    assert (options.cmap, options.vmin, options.figsize, options.dpi) == ("magma", 0, (4, 3), 50)
    with pytest.raises(ValueError, match="unknown key 'renderer_kwargs.*valid keys"):
        RenderOptions.from_kwargs({"colour": "red"})


def test_labels_carry_units():
    assert scalar_label("x_CoM_m") == ("x CoM (mm)", 1e3)
    assert scalar_label("y_rms") == ("y rms (px)", 1.0)
    assert scalar_label("fwhm", position_unit="nm") == ("fwhm (nm)", 1.0)
    assert scalar_label("image_total")[0] == "image total (counts)"
    assert (
        parameter_label("U_ESP_JetXYZ Position.Axis 1 Alias:JetX")
        == "JetX (U_ESP_JetXYZ Position.Axis 1)"
    )
    assert parameter_label(None) == "bin"


def test_downsample_keeps_the_mean():
    image = np.arange(1024 * 1024, dtype=np.float32).reshape(1024, 1024)
    small, factor = downsample_for_display(image)
    assert factor == 4 and small.shape == (256, 256)
    assert small.mean() == pytest.approx(image.mean(), rel=1e-6)


def test_a_laid_out_figure_is_saved_as_matplotlib_draws_it(tmp_path):
    """save() lays a constrained figure out once: the same PNG, the figure left as it was."""
    stats = {
        name: (np.array([1.0, 2.0, 3.0]) * scale, np.array([0.1, 0.2, 0.1]), np.array([5, 5, 5]))
        for name, scale in (("x_CoM", 1.0), ("image_total", 1e8), ("y_rms_m", 1e-5))
    }
    drawing = {"parameter_label": "JetX (mm)", "title": "a title\nof two lines"}
    figure = draw_scalars_vs_parameter([4.0, 5.0, 6.0], stats, **drawing)
    engine, dpi = figure.get_layout_engine(), figure.dpi
    save(figure, tmp_path / "once.png", dpi=80)
    assert figure.get_layout_engine() is engine and figure.dpi == dpi
    plain = draw_scalars_vs_parameter([4.0, 5.0, 6.0], stats, **drawing)
    plain.savefig(tmp_path / "matplotlib.png", dpi=80)  # lays out, then draws (twice)
    ours, theirs = (np.asarray(Image.open(tmp_path / n)) for n in ("once.png", "matplotlib.png"))
    assert ours.shape == theirs.shape and np.array_equal(ours, theirs)


@pytest.mark.parametrize(
    ("shape", "dtype", "max_pixels"),
    [((1024, 1024), np.float32, 640), ((1000, 1301), np.uint16, 320), ((90, 70), np.float64, 20)],
)
def test_downsample_is_the_mean_of_each_block(shape, dtype, max_pixels):
    image = (np.random.default_rng(3).random(shape) * 4000).astype(dtype)
    image.flat[777] = np.nan if image.dtype.kind == "f" else image.flat[777]
    small, factor = downsample_for_display(image, max_pixels=max_pixels)
    height, width = shape[0] // factor * factor, shape[1] // factor * factor
    blocks = image[:height, :width].reshape(height // factor, factor, width // factor, factor)
    expected = blocks.mean(axis=(1, 3))
    assert small.dtype == expected.dtype and small.shape == expected.shape
    np.testing.assert_allclose(small, expected, rtol=1e-6)  # NaN where the block has one


def test_every_figure_writes_a_png_at_the_asked_dpi(tmp_path):
    options = RenderOptions(dpi=40)
    images = {n: np.random.default_rng(n).random((32, 32)) for n in (1, 2, 3)}
    x = np.linspace(700, 900, 50)
    lines = np.vstack([np.exp(-0.5 * ((x - c) / 10) ** 2) for c in (780, 800, 820)])
    stats = {"x_CoM": (np.array([1.0, 2.0, 3.0]), np.array([0.1, 0.2, 0.1]), np.array([5, 5, 5]))}
    paths = [
        save_average_image(
            images[1], tmp_path / "a.png", title="t", options=options, centroid=(10, 12), rms=(2, 3)
        ),
        save_montage(
            images,
            tmp_path / "m.png",
            titles={1: "a", 2: "b", 3: "c"},
            suptitle="s",
            options=options,
        ),
        save_scalars_vs_parameter(
            [4.0, 5.0, 6.0],
            stats,
            tmp_path / "s.png",
            parameter_label="p",
            title="t",
            options=options,
        ),
        save_waterfall(
            x,
            lines,
            [1.0, 2.0, 3.0],
            tmp_path / "w.png",
            x_label="nm",
            row_label="p",
            title="t",
            options=options,
        ),
        save_line_overlay(
            x,
            lines,
            [1.0, 2.0, 3.0],
            tmp_path / "o.png",
            x_label="nm",
            row_label="p",
            title="t",
            options=options,
        ),
        save_scatter(
            np.arange(6.0),
            {"y": np.arange(6.0) ** 2},
            np.array([1, 1, 2, 2, 3, 3.0]),
            tmp_path / "c.png",
            x_label="x",
            title="t",
            options=options,
        ),
    ]
    for path in paths:
        with Image.open(path) as image:
            assert image.format == "PNG" and image.size[0] < 600  # 40 dpi keeps them small
    big = save_montage(
        images, tmp_path / "big.png", titles={}, suptitle="s", options=RenderOptions(dpi=120)
    )
    assert Image.open(big).size[0] > 2.5 * Image.open(paths[1]).size[0]


def test_column_labels_use_the_analyzers_units_and_leave_daq_columns_alone():
    from scan_analysis.render.style import column_label

    units = {"UC_TopView": "px", "UC_Spectrometer": "nm"}
    assert column_label("UC_TopView_x_CoM", position_units=units) == (
        "UC_TopView x CoM (px)",
        1.0,
    )
    assert column_label("UC_TopView_x_rms_m", position_units=units) == (
        "UC_TopView x rms (mm)",
        1e3,
    )
    assert column_label("UC_Spectrometer_fwhm", position_units=units)[0] == (
        "UC_Spectrometer fwhm (nm)"
    )
    assert column_label("U_BCaveICT Charge pC", position_units=units) == (
        "U_BCaveICT Charge pC",
        1.0,
    )


def test_scatter_of_a_noscan_shows_one_overall_mean_and_no_bin_colour_bar():
    from scan_analysis.render.scatter import draw_scatter

    x = np.array([1.0, 2.0, 3.0, 4.0])
    y = np.array([2.0, 4.0, np.nan, 8.0])
    figure = draw_scatter(x, {"charge (pC)": y}, None, x_label="shot", title="Scan001")
    (axes,) = figure.axes  # no colour bar
    assert axes.get_ylabel() == "charge (pC)" and axes.get_xlabel() == "shot"
    marker = axes.containers[0].lines[0]  # the errorbar's data line
    assert marker.get_xdata()[0] == pytest.approx(7 / 3) and marker.get_ydata()[0] == pytest.approx(
        14 / 3
    )
    binned = draw_scatter(x, {"y": y}, np.array([1, 1, 2, 2]), x_label="x", title="t")
    assert len(binned.axes) == 2  # panel and bin colour bar


def test_scatter_markers_at_the_bin_median_when_asked():
    from scan_analysis.render.scatter import draw_scatter

    x = np.array([1.0, 2.0, 30.0, 5.0, 6.0, 7.0])
    y = np.array([1.0, 2.0, 90.0, 5.0, 6.0, 7.0])
    bins = np.array([1, 1, 1, 2, 2, 2])
    figure = draw_scatter(x, {"y": y}, bins, x_label="x", title="t", statistic="median")
    marker = figure.axes[0].containers[0].lines[0]
    assert list(marker.get_xdata()) == [2.0, 6.0] and list(marker.get_ydata()) == [2.0, 6.0]
    assert figure.axes[0].get_legend_handles_labels()[1][-1] == "bin median ± std"


def artists_with_gid(figure, gid):
    return [artist for artist in figure.findobj() if artist.get_gid() == gid]


def test_saturated_bins_are_framed_and_labelled_on_the_montage():
    from matplotlib.patches import Rectangle

    from scan_analysis.render import draw_montage
    from scan_analysis.render.style import SATURATION_COLOUR

    images = {n: np.random.default_rng(n).random((16, 16)) for n in (1, 2, 3, 4)}
    figure = draw_montage(
        images,
        titles={n: f"JetX = {n}" for n in images},
        suptitle="s",
        saturated={3: "saturated: 2/5 shots"},
    )
    (frame,) = artists_with_gid(figure, "saturated-bin-3")
    assert isinstance(frame, Rectangle) and not frame.get_fill()
    assert frame.get_edgecolor()[:3] == pytest.approx((232 / 255, 0, 11 / 255))
    assert SATURATION_COLOUR == "#e8000b"
    (label,) = artists_with_gid(figure, "saturated-bin-3-label")
    assert label.get_text() == "saturated: 2/5 shots"
    panel = next(a for a in figure.axes if a.get_title() == "JetX = 3")
    assert frame.axes is panel and label.axes is panel  # on the saturated bin's own panel
    for other in (1, 2, 4):
        assert not artists_with_gid(figure, f"saturated-bin-{other}")
    clean = draw_montage(images, titles={}, suptitle="s")
    assert not [a for a in clean.findobj() if str(a.get_gid()).startswith("saturated")]


def test_saturated_bins_get_a_distinct_marker_on_every_scalar_panel():
    from scan_analysis.render import draw_scalars_vs_parameter

    stats = {
        name: (np.array([1.0, 2.0, 3.0]), np.array([0.1, 0.2, 0.1]), np.array([5, 5, 5]))
        for name in ("x_CoM", "x_rms", "image_total")
    }
    figure = draw_scalars_vs_parameter(
        [4.0, 5.0, 6.0], stats, parameter_label="p", title="t", saturated=[False, True, False]
    )
    marks = artists_with_gid(figure, "saturated-points")
    assert len(marks) == 3  # one per scalar panel
    for mark in marks:
        assert list(mark.get_xdata()) == [5.0] and list(mark.get_ydata()) == [2.0]
        assert mark.get_marker() == "s" and mark.get_label() == "bin with saturated shots"
    legend = figure.axes[0].get_legend()
    assert "bin with saturated shots" in [text.get_text() for text in legend.get_texts()]
    clean = draw_scalars_vs_parameter([4.0, 5.0, 6.0], stats, parameter_label="p", title="t")
    assert not artists_with_gid(clean, "saturated-points")


def test_a_noscan_marks_its_average_and_its_saturated_shots():
    from scan_analysis.render import draw_average_image, draw_scalar_histories

    average = draw_average_image(
        np.ones((16, 16)), title="t", saturation="saturated pixels in 2 of 20 shots"
    )
    assert artists_with_gid(average, "saturated-average")
    (label,) = artists_with_gid(average, "saturated-average-label")
    assert label.get_text() == "saturated pixels in 2 of 20 shots"
    assert not artists_with_gid(
        draw_average_image(np.ones((16, 16)), title="t"), "saturated-average"
    )
    histories = draw_scalar_histories(
        [1, 2, 3, 4], {"peak_value": [1.0, 9.0, 1.0, 9.0]}, title="t", saturated_shots=[2, 4]
    )
    (mark,) = artists_with_gid(histories, "saturated-points")
    assert list(mark.get_xdata()) == [2, 4] and mark.get_label() == "saturated shot"


class KeepsItsFigures(Array2DScanAnalyzer):
    """Draws its figures as a run does, keeping each as a matplotlib Figure (by file stem)."""

    def _draw(self, jobs, **drawing):
        self.figures = {
            Path(job.args[-1]).stem: DRAWING_OF[job.function](*job.args[:-1], **job.kwargs)
            for job in jobs
        }
        return super()._draw(jobs, **drawing)


DRAWING_OF = {  # the analyzers' jobs name their render functions by reference
    deferred.save_scalars_vs_parameter: draw_scalars_vs_parameter,
    deferred.save_scalar_histories: draw_scalar_histories,
    deferred.save_average_image: draw_average_image,
    deferred.save_montage: draw_montage,
}


def _scalar_panels(analyzer, day, scan):
    analyzer.run_analysis(day.tag(scan), data_root=day.data_root)
    assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
    (figure,) = [f for stem, f in analyzer.figures.items() if "scalars" in stem]
    FigureCanvasAgg(figure).draw()  # tick labels and offset texts are set when drawn
    return {axes.get_ylabel(): axes for axes in figure.axes if axes.get_visible()}


@pytest.mark.parametrize("scan", [1, 2], ids=["noscan", "jet_scan"])
def test_large_totals_carry_their_power_of_ten_in_the_axis_label(fresh_demo_day, scan):
    """A BeamAnalyzer's image total (~10^6 counts) reads "image total (10⁶ counts)", no "1e6"."""
    analyzer = KeepsItsFigures(
        "UC_TopView", image_analyzer=BeamAnalyzer(), executor="serial", progress=False
    )
    panels = _scalar_panels(analyzer, fresh_demo_day, scan)
    total = panels.get("image total (10⁶ counts)")
    assert total is not None, list(panels)
    ticks = [float(t.get_text().replace("−", "-")) for t in total.get_yticklabels() if t.get_text()]
    assert ticks and all(0.1 <= abs(t) < 1000 for t in ticks), ticks
    # no multiplier or offset above any axis; small numbers and units as they were
    assert all(not a.yaxis.get_offset_text().get_text() for a in panels.values())
    assert "x CoM (px)" in panels and "image peak value (counts)" in panels
    if scan == 1:  # the history's title is in the axis' units too
        title = r"image total \(10⁶ counts\): \d\.\d+ ± \S+"
        assert re.fullmatch(title, total.get_title()), total.get_title()


def test_a_constant_scalar_is_titled_with_a_spread_of_zero(fresh_demo_day):
    """Twenty shots of 1.275 have a floating-point std of 2.2e-16: the title says ± 0."""
    analyzer = KeepsItsFigures(
        "UC_TopView", image_analyzer=ConstantRatio(1.275), executor="serial", progress=False
    )
    panels = _scalar_panels(analyzer, fresh_demo_day, 1)
    assert panels["ratio"].get_title() == "ratio: 1.275 ± 0"


def test_a_history_title_writes_its_mean_as_the_axis_does():
    """30056 counts read "30056", not "3.006e+04"; a total of 10^6 and more is scaled first."""
    figure = draw_scalar_histories(
        [1, 2],
        {"integrated_intensity": [30010.0, 30102.0], "image_total": [7.2e6, 7.3e6]},
        title="t",
    )
    titles = [axes.get_title() for axes in figure.axes if axes.get_visible()]
    assert titles == [
        "integrated intensity: 30056 ± 46",
        "image total (10⁶ counts): 7.25 ± 0.05",
    ]


def test_a_spectrometer_centroid_steady_to_a_tenth_of_a_nm_reads_as_nm_on_its_axis():
    """A no-scan's CoM of 800 nm ± 0.03 read "+8e2" above the axis and ticks -0.05 ... 0.075;
    its title's spread of 115 counts read "± 1.1e+02"."""
    rng = np.random.default_rng(0)
    figure = draw_scalar_histories(
        list(range(1, 11)),
        {
            "CoM": 800.0 + rng.normal(0.0, 0.03, 10),
            "integrated_intensity": 30056.0 + np.linspace(-180.0, 180.0, 10),
        },
        title="t",
    )
    FigureCanvasAgg(figure).draw()
    centroid, intensity = [axes for axes in figure.axes if axes.get_visible()]
    assert not centroid.yaxis.get_offset_text().get_text()
    ticks = [float(t.get_text().replace("−", "-")) for t in centroid.get_yticklabels()]
    assert all(799.5 < tick < 800.5 for tick in ticks if tick), ticks
    assert intensity.get_title() == "integrated intensity: 30056 ± 110"
    assert re.fullmatch(r"CoM \(px\): 800\.\d{3} ± 0\.0\d\d?", centroid.get_title())


def test_power_of_ten_labels_leave_ordinary_numbers_alone():
    assert power_of_ten_label("x CoM (mm)", [2.5, -3.8]) == ("x CoM (mm)", 1.0)
    assert power_of_ten_label("peak (counts)", [4000.0, np.nan]) == ("peak (counts)", 1.0)
    assert power_of_ten_label("dose", [0.0, 0.0]) == ("dose", 1.0)
    label, factor = power_of_ten_label("delay (s)", [2e-5, 8e-5])
    assert label == "delay (10⁻⁶ s)" and factor * 8e-5 == pytest.approx(80.0)


def test_timestamps_keep_an_offset_so_their_tick_labels_stay_short_and_distinct():
    """Values that differ only far behind their leading digits (an acquisition timestamp
    against a beam position) read as offsets from a common value, "+1.7e9" by the axis:
    written whole, 1700000000.5 and 1700000001.0 ran into each other under the panel."""
    from scan_analysis.render.scatter import draw_scatter

    stamps = 1.7e9 + np.arange(40) * 0.5
    positions = {"UC_TopView_x_CoM (mm)": np.random.default_rng(0).normal(3.0, 0.1, 40)}
    figure = draw_scatter(
        stamps, positions, np.repeat(np.arange(1, 5), 10), x_label="acq_timestamp (s)", title="t"
    )
    FigureCanvasAgg(figure).draw()
    axes = figure.axes[0]
    ticks = [t.get_text() for t in axes.get_xticklabels() if t.get_text()]
    assert len(set(ticks)) == len(ticks) >= 3 and all(len(t) <= 5 for t in ticks), ticks
    assert axes.xaxis.get_offset_text().get_text() == "+1.7e9"
    assert axes.get_xlabel() == "acq_timestamp (s)"
    assert not axes.yaxis.get_offset_text().get_text()  # the position axis as it was
