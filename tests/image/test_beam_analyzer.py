"""BeamAnalyzer recovers a known spot's centre and size through the pipeline."""

import numpy as np
import pytest

from scan_analysis.errors import ConfigError
from scan_analysis.image import BeamAnalyzer, LineConfig

FWHM_PER_SIGMA = 2 * np.sqrt(2 * np.log(2))
TRUTH = {"center": (130.0, 90.0), "sigma": (9.0, 6.0)}


def lab_config(**extra):
    """Background subtraction, crosshair mask, ROI of +-5 sigma around the spot, median filter."""
    return {
        "background": {"method": "constant", "constant_level": 100},
        "crosshair_masking": {"crosshairs": [{"center": [30, 30], "width": 20, "height": 20}]},
        "roi": {"x_min": 85, "x_max": 176, "y_min": 60, "y_max": 121},
        **extra,
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_centroid_and_rms_within_one_percent_of_truth(make_spot, seed):
    frame = make_spot(seed=seed, **TRUTH)
    frame[30, 10:51] = 4000  # a crosshair burned in far from the spot
    frame[30, 30] = frame[20, 200] = 65000  # and hot pixels
    result = BeamAnalyzer(lab_config()).analyze_image(frame)
    scalars = result.scalars
    assert scalars["x_CoM"] == pytest.approx(130.0, rel=0.01)
    assert scalars["y_CoM"] == pytest.approx(90.0, rel=0.01)
    assert scalars["x_rms"] == pytest.approx(9.0, rel=0.01)
    assert scalars["y_rms"] == pytest.approx(6.0, rel=0.01)
    assert scalars["x_fwhm"] == pytest.approx(9.0 * FWHM_PER_SIGMA, rel=0.02)
    assert scalars["y_fwhm"] == pytest.approx(6.0 * FWHM_PER_SIGMA, rel=0.02)
    assert (scalars["x_peak_location"], scalars["y_peak_location"]) == pytest.approx(
        (130, 90), abs=1
    )
    assert scalars["image_peak_value"] == pytest.approx(2000, rel=0.02)
    total = 2000 * 2 * np.pi * 9 * 6
    assert scalars["image_total"] == pytest.approx(total, rel=0.01)


@pytest.mark.parametrize(
    ("center", "sigma", "amplitude"),
    [
        ((120.3, 90.7), (8.0, 5.5), 3000),
        ((60.0, 150.2), (14.0, 10.0), 900),
        ((200.5, 60.5), (4.0, 4.0), 20000),
    ],
)
def test_spots_of_other_positions_sizes_and_brightness(make_spot, center, sigma, amplitude):
    frame = make_spot((256, 256), center=center, sigma=sigma, amplitude=amplitude, noise=3.0)
    (cx, cy), (sx, sy) = center, sigma
    config = {
        "background": {"constant_level": 100},
        "roi": {
            "x_min": cx - 6 * sx,
            "x_max": cx + 6 * sx,
            "y_min": cy - 6 * sy,
            "y_max": cy + 6 * sy,
        },
    }
    scalars = BeamAnalyzer(config).analyze_image(frame).scalars
    assert (scalars["x_CoM"], scalars["y_CoM"]) == pytest.approx(center, rel=0.01)
    assert (scalars["x_rms"], scalars["y_rms"]) == pytest.approx(sigma, rel=0.01)
    assert scalars["image_peak_value"] == pytest.approx(amplitude, rel=0.05)


def test_edge_background_and_median_filter_recover_the_spot(make_spot):
    frame = make_spot(pedestal=300.0, noise=3.0, **TRUTH)
    frame[95, 140] = 60000  # a hot pixel inside the spot
    config = {
        "background": {"method": "edge", "edge_width": 5},
        "roi": {"x_min": 85, "x_max": 176, "y_min": 60, "y_max": 121},
        "filtering": {"median_kernel_size": 3},
    }
    scalars = BeamAnalyzer(config).analyze_image(frame).scalars
    assert scalars["x_CoM"] == pytest.approx(130.0, rel=0.01)
    assert scalars["y_CoM"] == pytest.approx(90.0, rel=0.01)
    assert scalars["x_rms"] == pytest.approx(9.0, rel=0.01)
    assert scalars["y_rms"] == pytest.approx(6.0, rel=0.01)


def test_threshold_isolates_the_spot_but_cuts_its_tails(make_spot):
    """A threshold at 1 % of the peak (above the noise) keeps the centroid; rms loses ~2.5 %."""
    frame = make_spot(noise=3.0, **TRUTH)
    config = {
        "background": {"constant_level": 100},
        "thresholding": {"method": "percentage_max", "value": 1.0, "clip_below": True},
    }
    scalars = BeamAnalyzer(config).analyze_image(frame).scalars
    assert scalars["x_CoM"] == pytest.approx(130.0, rel=0.01)
    assert scalars["y_CoM"] == pytest.approx(90.0, rel=0.01)
    assert 0.965 * 9.0 < scalars["x_rms"] < 0.985 * 9.0  # the tails below 1 % are gone
    assert 0.965 * 6.0 < scalars["y_rms"] < 0.985 * 6.0


def test_calibrated_units_lineouts_and_overlays(make_spot):
    config = lab_config(metadata={"spatial_calibration": 2.5e-5})
    result = BeamAnalyzer(config).analyze_image(make_spot(**TRUTH))
    scalars = result.scalars
    for name in ("x_CoM", "y_CoM", "x_rms", "y_rms", "x_fwhm", "y_fwhm"):
        assert scalars[f"{name}_m"] == pytest.approx(scalars[name] * 2.5e-5)
    assert result.processed.shape == (61, 91)
    assert result.lineouts["projection_x"].shape == (2, 91)
    assert result.lineouts["projection_x"][0, 0] == 85  # camera pixels
    np.testing.assert_allclose(result.lineouts["projection_y"][1], result.processed.sum(axis=1))
    cx, cy = result.overlays["centroid"]
    assert (cx + 85, cy + 60) == pytest.approx((scalars["x_CoM"], scalars["y_CoM"]))
    assert result.overlays["rms"] == (scalars["x_rms"], scalars["y_rms"])
    assert result.overlays["offset"] == (85, 60)


def test_analysis_scalars_limits_the_columns(make_spot):
    analyzer = BeamAnalyzer(lab_config(analysis={"scalars": ["x_CoM", "x_rms"]}))
    assert set(analyzer.analyze_image(make_spot()).scalars) == {"x_CoM", "x_rms"}


def test_unknown_scalar_name_lists_the_choices():
    with pytest.raises(ConfigError, match=r"'centroid_z'.*choose from image_total"):
        BeamAnalyzer({"name": "UC_Cam", "analysis": {"scalars": ["centroid_z"]}})


def test_a_line_config_is_refused():
    with pytest.raises(ConfigError, match="BeamAnalyzer analyses camera .* use LineAnalyzer"):
        BeamAnalyzer(LineConfig())


def test_threads_sharing_one_analyzer_each_get_their_own_roi_offset(make_spot):
    """Issue 10 item 1: 8 threads on one analyzer; every centroid is in camera pixels.

    The filter runs before the ROI (a step that is not pixel-local), so each
    shot spends most of its time between the start of the pipeline and the
    ROI: with the offset on the shared analyzer, other threads read it there.
    """
    from concurrent.futures import ThreadPoolExecutor

    config = lab_config(
        filtering={"gaussian_sigma": 1.5},
        pipeline={"steps": ["background", "filtering", "crosshair_masking", "roi"]},
    )
    analyzer = BeamAnalyzer(config)
    frames = [make_spot(seed=seed, **TRUTH) for seed in range(8)]
    shots = [frames[i % len(frames)] for i in range(400)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(analyzer.analyze_image, shots))
    centroids = np.array([(r.scalars["x_CoM"], r.scalars["y_CoM"]) for r in results])
    wrong = np.flatnonzero(np.abs(centroids - TRUTH["center"]).max(axis=1) > 1.0)
    assert wrong.size == 0, f"{wrong.size} of 400 centroids wrong, e.g. {centroids[wrong[:3]]}"
    assert {r.overlays["offset"] for r in results} == {(85, 60)}
    assert {r.offset for r in results} == {(85, 60)}


ORIGINAL_NAMES = {"image_total", "image_peak_value"} | {
    f"{p}_{s}" for p in ("x", "y", "x_45", "y_45") for s in ("CoM", "rms", "fwhm", "peak_location")
}


def test_the_original_18_names_in_full_sensor_pixels(make_spot):
    """Issue 14 item 3: the original's names; the ROI origin is added to every position."""
    frame = make_spot(**TRUTH)
    cropped = BeamAnalyzer(lab_config()).analyze_image(frame).scalars
    assert set(cropped) == ORIGINAL_NAMES
    whole = BeamAnalyzer({"background": {"constant_level": 100}}).analyze_image(frame).scalars
    for name in ("x_CoM", "y_CoM", "x_45_CoM", "y_45_CoM"):  # same spot, same sensor position
        assert cropped[name] == pytest.approx(whole[name], abs=0.2)
    # the diagonal coordinates are x - y and x + y of the sensor
    assert cropped["x_45_CoM"] == pytest.approx(130.0 - 90.0, abs=0.5)
    assert cropped["y_45_CoM"] == pytest.approx(130.0 + 90.0, abs=0.5)
    # a round-ish spot's diagonal width: sqrt(sx^2 + sy^2) in diagonal-index steps
    assert cropped["x_45_rms"] == pytest.approx(np.hypot(9.0, 6.0), rel=0.02)
    assert cropped["y_45_fwhm"] == pytest.approx(np.hypot(9.0, 6.0) * FWHM_PER_SIGMA, rel=0.03)


def test_enabled_stats_and_compute_slopes_as_the_original_spells_them(make_spot):
    y, x = np.indices((120, 160), dtype=np.float64)
    tilted = 1000 * np.exp(-0.5 * ((y - 30 - 0.25 * x) / 3.0) ** 2) * (x > 20) * (x < 140)
    config = {
        "metadata": {"spatial_calibration": 1e-5},
        "analysis": {"enabled_stats": ["image_total", "x_CoM"], "compute_slopes": True},
    }
    scalars = BeamAnalyzer(config).analyze_image(tilted).scalars
    assert set(scalars) == {
        "image_total",
        "x_CoM",
        "x_CoM_m",  # a calibrated twin follows its name
        "image_com_slope_x",
        "image_com_slope_y",
        "image_peak_slope_x",
        "image_peak_slope_y",
    }
    assert scalars["image_com_slope_x"] == pytest.approx(0.25, abs=1e-3)
    assert scalars["image_peak_slope_x"] == pytest.approx(0.25, abs=0.02)
    every = BeamAnalyzer({"analysis": {"compute_slopes": False}}).analyze_image(tilted).scalars
    assert set(every) == ORIGINAL_NAMES


def test_an_unknown_analysis_key_names_it():
    with pytest.raises(ConfigError, match=r"analysis\.compute_slope: Extra inputs"):
        BeamAnalyzer({"name": "UC_Cam", "analysis": {"compute_slope": True}})


def original_diagonal_statistics(cropped: np.ndarray) -> dict[str, float]:
    """The original's x_45 / y_45 statistics, written from its documentation (not imported).

    ImageAnalysis ``basic_beam_stats``: ``x_45`` is the projection on the NW-SE
    diagonals of the cropped image, ``np.diag(image, k)`` for ``k = -(h-1) .. w-1``,
    ``y_45`` the same on the left-right flipped image (the NE-SW anti-diagonals);
    each is indexed 0, 1, 2, ... (no ROI offset). On that index: CoM = sum(i p) /
    sum(p), rms about it, FWHM after subtracting the profile's minimum (first and
    last samples at or above half, edges linearly interpolated), peak = argmax.
    """
    height, width = cropped.shape

    def projection(image):
        return np.array([np.diag(image, k=k).sum() for k in range(-(height - 1), width)])

    def fwhm(profile):
        profile = profile - profile.min()
        half = profile.max() / 2
        above = np.nonzero(profile >= half)[0]
        left, right = above[0], above[-1]

        def edge(i, j):
            return i + (half - profile[i]) / (profile[j] - profile[i])

        return edge(right, right + 1) - edge(left - 1, left)

    statistics = {}
    for name, image in (("x_45", cropped), ("y_45", np.fliplr(cropped))):
        profile = projection(image)
        index = np.arange(profile.size)
        com = (index * profile).sum() / profile.sum()
        statistics[f"{name}_CoM"] = com
        statistics[f"{name}_rms"] = np.sqrt(((index - com) ** 2 * profile).sum() / profile.sum())
        statistics[f"{name}_fwhm"] = fwhm(profile)
        statistics[f"{name}_peak_location"] = float(np.argmax(profile))
    return statistics


def test_diagonal_positions_convert_to_the_originals_as_migrating_says():
    """docs/MIGRATING.md's one-line conversions of x_45 / y_45 to the original's columns."""
    y, x = np.indices((120, 160), dtype=np.float64)
    # an elongated, tilted spot (the two diagonals differ), no background: moments agree
    u, v = (x - 95) * 0.8 + (y - 52) * 0.6, -(x - 95) * 0.6 + (y - 52) * 0.8
    frame = 3000 * np.exp(-0.5 * ((u / 11.0) ** 2 + (v / 4.0) ** 2))
    x_min, x_max, y_min, y_max = 41, 141, 17, 93  # the ROI: width 100, height 76
    roi_width, roi_height = x_max - x_min, y_max - y_min
    ours = (
        BeamAnalyzer({"roi": {"x_min": x_min, "x_max": x_max, "y_min": y_min, "y_max": y_max}})
        .analyze_image(frame)
        .scalars
    )
    original = original_diagonal_statistics(frame[y_min:y_max, x_min:x_max])

    for stat in ("CoM", "peak_location"):
        # original x_45 = x_45 - x_min + y_min + roi_height - 1
        assert ours[f"x_45_{stat}"] - x_min + y_min + roi_height - 1 == pytest.approx(
            original[f"x_45_{stat}"], abs=1e-9
        )
        # original y_45 = roi_width + roi_height - 2 - (y_45 - x_min - y_min)  (reversed axis)
        assert roi_width + roi_height - 2 - (ours[f"y_45_{stat}"] - x_min - y_min) == (
            pytest.approx(original[f"y_45_{stat}"], abs=1e-9)
        )
    # widths: the same numbers, no sqrt(2) between them (the original's FWHM subtracts the
    # profile's tiny minimum first, hence not to the last digit)
    for stat in ("rms", "fwhm"):
        assert ours[f"x_45_{stat}"] == pytest.approx(original[f"x_45_{stat}"], rel=1e-6)
        assert ours[f"y_45_{stat}"] == pytest.approx(original[f"y_45_{stat}"], rel=1e-6)
    assert ours["x_45_rms"] != pytest.approx(ours["y_45_rms"], rel=0.1)  # a real test: they differ
