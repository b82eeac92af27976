import numpy as np
import pytest
from PIL import Image

from scan_analysis.render import (
    RenderOptions,
    save_average_image,
    save_line_overlay,
    save_montage,
    save_scalars_vs_parameter,
    save_scatter,
    save_waterfall,
)
from scan_analysis.render.style import downsample_for_display, parameter_label, scalar_label


def test_options_from_renderer_kwargs():
    options = RenderOptions.from_kwargs(
        {"colormap": "magma", "vmin": 0, "figsize": [4, 3], "dpi": 50}
    )
    assert (options.cmap, options.vmin, options.figsize, options.dpi) == ("magma", 0, (4, 3), 50)
    with pytest.raises(ValueError, match="unknown renderer_kwargs.*valid"):
        RenderOptions.from_kwargs({"colour": "red"})


def test_labels_carry_units():
    assert scalar_label("centroid_x_m") == ("centroid x (mm)", 1e3)
    assert scalar_label("rms_y") == ("rms y (px)", 1.0)
    assert scalar_label("fwhm", position_unit="nm") == ("fwhm (nm)", 1.0)
    assert scalar_label("total_counts")[0] == "total counts (counts)"
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


def test_every_figure_writes_a_png_at_the_asked_dpi(tmp_path):
    options = RenderOptions(dpi=40)
    images = {n: np.random.default_rng(n).random((32, 32)) for n in (1, 2, 3)}
    x = np.linspace(700, 900, 50)
    lines = np.vstack([np.exp(-0.5 * ((x - c) / 10) ** 2) for c in (780, 800, 820)])
    stats = {
        "centroid_x": (np.array([1.0, 2.0, 3.0]), np.array([0.1, 0.2, 0.1]), np.array([5, 5, 5]))
    }
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
    assert column_label("UC_TopView_centroid_x", position_units=units) == (
        "UC_TopView centroid x (px)",
        1.0,
    )
    assert column_label("UC_TopView_rms_x_m", position_units=units) == (
        "UC_TopView rms x (mm)",
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
