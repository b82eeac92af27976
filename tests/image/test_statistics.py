"""Moments, peaks and FWHM of beams and traces."""

import numpy as np
import pytest

from scan_analysis.image.statistics import (
    beam_statistics,
    diagonal_projections,
    fwhm,
    line_statistics,
)

FWHM_PER_SIGMA = 2 * np.sqrt(2 * np.log(2))


def test_fwhm_of_gaussian_and_of_a_box():
    x = np.linspace(-30, 30, 601)
    assert fwhm(x, np.exp(-0.5 * (x / 4) ** 2)) == pytest.approx(4 * FWHM_PER_SIGMA, rel=1e-4)
    box = np.zeros(11)
    box[3:7] = 1.0  # half level crossed halfway between samples: 2.5 to 6.5
    assert fwhm(np.arange(11.0), box) == pytest.approx(4.0)


def test_fwhm_is_nan_when_undefined():
    assert np.isnan(fwhm(np.arange(5.0), np.zeros(5)))
    assert np.isnan(fwhm(np.arange(5.0), np.array([5.0, 4, 3, 2, 1])))  # never falls on the left


def test_beam_statistics_of_an_exact_gaussian_with_offset_and_calibration():
    y, x = np.indices((120, 160), dtype=np.float64)
    image = 500 * np.exp(-0.5 * (((x - 70.5) / 7) ** 2 + ((y - 50) / 4) ** 2))
    scalars, lineouts = beam_statistics(image, offset=(100, 20), calibration=1e-5)
    assert scalars["x_CoM"] == pytest.approx(170.5)
    assert scalars["y_CoM"] == pytest.approx(70.0)
    assert scalars["x_rms"] == pytest.approx(7.0, rel=1e-4)
    assert scalars["y_rms"] == pytest.approx(4.0, rel=1e-4)
    assert scalars["x_fwhm"] == pytest.approx(7 * FWHM_PER_SIGMA, rel=5e-3)
    assert scalars["y_fwhm"] == pytest.approx(4 * FWHM_PER_SIGMA, rel=1e-2)
    assert (scalars["x_peak_location"], scalars["y_peak_location"]) == (170.0, 70.0)
    assert scalars["image_total"] == pytest.approx(image.sum())
    assert scalars["x_rms_m"] == pytest.approx(7.0e-5, rel=1e-4)
    assert scalars["y_CoM_m"] == pytest.approx(70e-5)
    np.testing.assert_array_equal(lineouts["projection_x"][0], np.arange(100, 260))
    np.testing.assert_allclose(lineouts["projection_y"][1], image.sum(axis=1))


def test_empty_beam_gives_nan_moments_not_an_error():
    scalars, _ = beam_statistics(np.zeros((10, 10), dtype=np.float32))
    assert scalars["image_total"] == 0.0
    assert np.isnan(scalars["x_CoM"]) and np.isnan(scalars["y_rms"])


def test_line_statistics_in_x_units():
    x = np.linspace(0.0, 20.0, 2001)
    y = 3.0 * np.exp(-0.5 * ((x - 8.0) / 1.5) ** 2)
    stats = line_statistics(x, y)
    assert stats["CoM"] == pytest.approx(8.0)
    assert stats["rms"] == pytest.approx(1.5, rel=1e-4)
    assert stats["fwhm"] == pytest.approx(1.5 * FWHM_PER_SIGMA, rel=1e-3)
    assert stats["peak_value"] == pytest.approx(3.0) and stats["peak_location"] == 8.0
    assert stats["integrated_intensity"] == pytest.approx(3.0 * 1.5 * np.sqrt(2 * np.pi), rel=1e-4)


@pytest.mark.parametrize(
    "shape", [(1, 1), (1, 9), (9, 1), (5, 7), (63, 3), (64, 3), (65, 130), (300, 17), (257, 1024)]
)
@pytest.mark.parametrize("dtype", [np.uint16, np.float32, np.float64])
def test_diagonal_sums_equal_summing_each_pixel_at_its_diagonal(shape, dtype):
    # the definition, pixel by pixel: x_45 at x - y, y_45 at x + y (full-sensor, offset added)
    image = (np.random.default_rng(7).random(shape) * 4000).astype(dtype)
    offset = (30, 12)
    height, width = shape
    size = height + width - 1
    expected_x45, expected_y45 = np.zeros(size), np.zeros(size)
    rows, columns = np.indices(shape)
    np.add.at(expected_x45, (columns - rows + height - 1).ravel(), image.ravel().astype(float))
    np.add.at(expected_y45, (columns + rows).ravel(), image.ravel().astype(float))

    projections = diagonal_projections(image, offset=offset)

    x_45, y_45 = projections["x_45"], projections["y_45"]
    assert x_45[0].tolist() == [offset[0] - offset[1] - (height - 1) + k for k in range(size)]
    assert y_45[0].tolist() == [offset[0] + offset[1] + k for k in range(size)]
    np.testing.assert_allclose(x_45[1], expected_x45, rtol=1e-12)
    np.testing.assert_allclose(y_45[1], expected_y45, rtol=1e-12)
    # the column and row sums come out of the same pass
    scalars, lineouts = beam_statistics(image, offset=offset)
    np.testing.assert_allclose(lineouts["projection_x"][1], image.sum(axis=0, dtype=float))
    np.testing.assert_allclose(lineouts["projection_y"][1], image.sum(axis=1, dtype=float))
    assert scalars["image_total"] == pytest.approx(image.sum(dtype=float), rel=1e-12)
