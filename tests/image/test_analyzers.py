"""Synthetic shots with known truth: centroid and rms recovered within 1 %."""

import numpy as np
import pytest

from scan_analysis.image import BasicImageAnalyzer, BasicLineAnalyzer, BeamAnalyzer, LineAnalyzer
from scan_analysis.image.statistics import fwhm

FWHM_PER_SIGMA = 2 * np.sqrt(2 * np.log(2))


def spot(shape, *, cx, cy, sx, sy, amplitude, background=0.0, noise=0.0, seed=0):
    y, x = np.indices(shape, dtype=np.float64)
    image = amplitude * np.exp(-0.5 * (((x - cx) / sx) ** 2 + ((y - cy) / sy) ** 2)) + background
    if noise:
        image += np.random.default_rng(seed).normal(0, noise, size=shape)
    return np.clip(np.rint(image), 0, 65535).astype(np.uint16)  # rint: no -0.5 pedestal


@pytest.mark.parametrize(
    ("cx", "cy", "sx", "sy", "amplitude"),
    [(120.3, 90.7, 8.0, 5.5, 3000), (60.0, 150.2, 14.0, 10.0, 900), (200.5, 60.5, 4.0, 4.0, 20000)],
)
def test_beam_truth_within_one_percent(cx, cy, sx, sy, amplitude):
    image = spot(
        (256, 256), cx=cx, cy=cy, sx=sx, sy=sy, amplitude=amplitude, background=100, noise=3
    )
    config = {
        "background": {"method": "constant", "constant_level": 100},
        "roi": {
            "x_min": cx - 6 * sx,
            "x_max": cx + 6 * sx,
            "y_min": cy - 6 * sy,
            "y_max": cy + 6 * sy,
        },
    }
    scalars = BeamAnalyzer(config).analyze_image(image).scalars
    assert scalars["centroid_x"] == pytest.approx(cx, rel=0.01)
    assert scalars["centroid_y"] == pytest.approx(cy, rel=0.01)
    assert scalars["rms_x"] == pytest.approx(sx, rel=0.01)
    assert scalars["rms_y"] == pytest.approx(sy, rel=0.01)
    assert scalars["fwhm_x"] == pytest.approx(FWHM_PER_SIGMA * sx, rel=0.02)
    assert scalars["peak_value"] == pytest.approx(amplitude, rel=0.05)
    assert scalars["total_counts"] == pytest.approx(2 * np.pi * sx * sy * amplitude, rel=0.01)


def test_calibrated_units_and_projections():
    image = spot((128, 128), cx=64, cy=64, sx=5, sy=5, amplitude=1000)
    config = {"metadata": {"spatial_calibration": 2e-5}}
    result = BeamAnalyzer(config).analyze_image(image)
    assert result.scalars["rms_x_m"] == pytest.approx(5 * 2e-5, rel=0.01)
    assert result.scalars["centroid_y_m"] == pytest.approx(64 * 2e-5, rel=0.01)
    assert result.lineouts["projection_x"].shape == (2, 128)
    assert result.overlays["centroid"] == pytest.approx((64, 64), abs=0.01)


def test_full_pipeline_on_a_camera_like_frame():
    image = spot((256, 256), cx=100, cy=120, sx=7, sy=6, amplitude=3000, background=100, noise=5)
    image[128, 200:240] = 2500  # crosshair
    image[10, 10] = 4000  # hot pixel
    config = {
        "background": {"method": "constant", "constant_level": 100},
        "crosshair_masking": {
            "crosshairs": [{"center": [220, 128], "width": 44, "height": 44, "thickness": 3}]
        },
        "roi": {"x_min": 40, "x_max": 160, "y_min": 60, "y_max": 180},
        "thresholding": {"method": "absolute", "value": 0, "mode": "to_zero"},
        "filtering": {"median_kernel_size": 3},
    }
    scalars = BeamAnalyzer(config).analyze_image(image).scalars
    assert scalars["centroid_x"] == pytest.approx(100, rel=0.01)
    assert scalars["centroid_y"] == pytest.approx(120, rel=0.01)
    assert scalars["peak_x"] == pytest.approx(100, abs=2)


def test_chosen_scalars_only():
    config = {"analysis": {"scalars": ["centroid_x", "rms_x"]}}
    scalars = BeamAnalyzer(config).analyze_image(np.ones((8, 8))).scalars
    assert set(scalars) == {"centroid_x", "rms_x"}


@pytest.mark.parametrize(("center", "sigma", "amplitude"), [(812.3, 9.0, 1000), (760.0, 4.0, 50)])
def test_line_truth_within_one_percent(center, sigma, amplitude):
    x = np.linspace(700, 900, 2001)
    rng = np.random.default_rng(1)
    y = (
        amplitude * np.exp(-0.5 * ((x - center) / sigma) ** 2)
        + 20
        + rng.normal(0, amplitude * 0.002, x.size)
    )
    config = {
        "type": "line",
        "background": {"method": "constant", "constant_value": 20},
        "roi": {"x_min": center - 6 * sigma, "x_max": center + 6 * sigma},
    }
    scalars = LineAnalyzer(config).analyze_image(np.vstack([x, y])).scalars
    assert scalars["centroid"] == pytest.approx(center, rel=0.01)
    assert scalars["rms_width"] == pytest.approx(sigma, rel=0.01)
    assert scalars["fwhm"] == pytest.approx(FWHM_PER_SIGMA * sigma, rel=0.01)
    assert scalars["peak_position"] == pytest.approx(center, abs=0.5)
    assert scalars["integral"] == pytest.approx(amplitude * sigma * np.sqrt(2 * np.pi), rel=0.01)


def test_fwhm_of_edge_cases():
    assert np.isnan(fwhm(np.arange(5.0), np.zeros(5)))
    assert np.isnan(
        fwhm(np.arange(5.0), np.array([5.0, 4, 3, 2, 1]))
    )  # never falls below half on the left


def test_basic_analyzers_pass_data_through():
    image = np.arange(12, dtype=np.uint16).reshape(3, 4)
    result = BasicImageAnalyzer().analyze_image(image)
    assert np.array_equal(result.processed, image)
    assert result.scalars == {
        "total_counts": 66.0,
        "mean": 5.5,
        "peak_value": 11.0,
        "min_value": 0.0,
    }
    trace = np.vstack([np.arange(5.0), np.array([0, 1, 4, 1, 0.0])])
    assert BasicLineAnalyzer().analyze_image(trace).scalars["peak_position"] == 2.0
