"""array_view: shots drawn as PNGs with labelled axes and units."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from scan_analysis_widgets.array_view import (
    array_figure,
    array_to_png,
    display_options,
    guess_kind,
)

from scan_analysis.data.readers import read_shot
from scan_analysis.image.config.models import load_image_config


def _png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return image.size


def test_an_image_has_a_colour_bar_and_pixel_axes():
    image = np.random.default_rng(0).integers(0, 4000, size=(64, 80)).astype(np.uint16)
    figure = array_figure(image, title="UC_TopView shot 3")
    main, colour_bar = figure.axes
    assert main.get_xlabel() == "x (px)" and main.get_ylabel() == "y (px)"
    assert colour_bar.get_ylabel() == "counts"
    assert main.get_title() == "UC_TopView shot 3"


def test_a_calibrated_image_is_drawn_in_millimetres_from_its_roi_corner():
    figure = array_figure(np.ones((10, 20)), calibration=2.5e-5, offset=(8, 4))
    main = figure.axes[0]
    assert main.get_xlabel() == "x (mm)"
    left, right = main.get_xlim()
    assert left == pytest.approx(8 * 0.025) and right == pytest.approx(28 * 0.025)


def test_a_trace_shows_its_units_from_the_config(demo_day):
    path = next((demo_day.day_dir / "scans/Scan003/UC_Spectrometer-interpSpec").iterdir())
    trace = read_shot(path)
    config = load_image_config({"type": "line", "metadata": {"x_units": "nm", "y_units": "counts"}})
    options = display_options(config)
    axes = array_figure(trace, **options).axes[0]
    assert axes.get_xlabel() == "x (nm)" and axes.get_ylabel() == "signal (counts)"
    assert len(axes.lines) == trace.shape[0] - 1


def test_png_size_follows_figsize_and_dpi():
    data = array_to_png(np.zeros((32, 32)), figsize=(4.0, 3.0), dpi=50)
    assert _png_size(data) == (200, 150)


def test_constant_and_all_nan_images_still_draw():
    assert _png_size(array_to_png(np.full((8, 8), 7.0)))
    assert _png_size(array_to_png(np.full((8, 8), np.nan)))


def test_empty_or_3d_arrays_get_a_clear_error():
    with pytest.raises(ValueError, match="expected a 2-D image or a trace"):
        array_to_png(np.zeros((0, 5)))
    with pytest.raises(ValueError, match=r"shape \(2, 3, 4\)"):
        array_to_png(np.zeros((2, 3, 4)))


def test_kind_is_guessed_from_the_shape_and_given_by_the_config():
    assert guess_kind(np.zeros(100)) == "1d"
    assert guess_kind(np.zeros((3, 400))) == "1d"
    assert guess_kind(np.zeros((256, 256))) == "2d"
    camera = load_image_config({"metadata": {"spatial_calibration": 1e-5}})
    assert display_options(camera) == {"kind": "2d", "calibration": 1e-5}
    assert display_options(None) == {}
