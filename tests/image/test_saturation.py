"""Saturated pixels per camera shot (issue 19 part 2): counted on the raw frame, hot pixels not."""

import numpy as np
import pytest

from scan_analysis.errors import ConfigError
from scan_analysis.image import BeamAnalyzer, ImageAnalyzer, ImageAnalyzerResult, LineAnalyzer
from scan_analysis.image.config.models import load_image_config
from scan_analysis.image.saturation import (
    SATURATION_SCALAR,
    count_saturated_pixels,
    describe_saturation,
    saturation_level,
    saturation_note,
)
from scan_analysis.image.steps.filtering import median_smooth


def frame(shape=(64, 64), dtype=np.uint16, background=200):
    return np.full(shape, background, dtype=dtype)


def test_a_saturated_spot_is_counted_pixel_for_pixel_and_hot_pixels_are_not():
    image = frame()
    image[20:26, 30:35] = 4095  # 30 pixels, corners included
    image[5, 5] = 4095  # a lone hot pixel
    image[50:52, 50:52] = 4095  # a 2x2 cluster: a 3x3 median removes it too
    image[40, 10:20] = 4095  # a one-pixel line: likewise
    assert count_saturated_pixels(image, level=4095) == 30
    # what is not counted is exactly what the pipeline's 3x3 median leaves below the level
    kept = median_smooth(image.astype(np.float32), size=3) >= 4095
    assert not kept[5, 5] and not kept[50:52, 50:52].any() and not kept[40].any()
    assert kept[20:26, 30:35].any()


def test_the_count_is_the_saturated_pixels_next_to_what_a_3x3_median_keeps():
    """The definition, with scipy's own filters, on random frames of every density and shape."""
    from scipy import ndimage

    rng = np.random.default_rng(19)
    for _ in range(300):
        shape = tuple(rng.integers(1, 40, size=2))
        saturated = rng.random(shape) < rng.uniform(0.02, 0.8)
        image = np.where(saturated, 4095, rng.integers(0, 4095, shape)).astype(np.uint16)
        kept = ndimage.median_filter(image, size=3, mode="reflect") >= 4095
        near_kept = ndimage.maximum_filter(kept, size=3, mode="reflect")
        assert count_saturated_pixels(image, level=4095) == np.count_nonzero(saturated & near_kept)


def test_a_spot_on_the_frame_edge_and_pixels_above_the_level_count():
    image = frame(dtype=np.uint8, background=3)
    image[0:4, 0:3] = 255  # in the corner of the sensor
    assert count_saturated_pixels(image, level=255) == 12
    image = frame()
    image[10:13, 10:13] = [[4000, 4100, 4000], [4000, 4000, 4095], [4001, 4000, 4000]]
    assert count_saturated_pixels(image, level=4000) == 9  # "at or above" the level
    assert (
        count_saturated_pixels(image, level=4000.5) == 0
    )  # three left, apart: a median removes them


def test_nothing_saturated_and_levels_the_type_cannot_reach_are_zero():
    assert count_saturated_pixels(frame(), level=65535) == 0
    assert count_saturated_pixels(frame(dtype=np.uint8), level=4095) == 0
    full = np.full((8, 8), 1.0, dtype=np.float32)
    assert count_saturated_pixels(full, level=1.0) == 64
    with pytest.raises(ValueError, match="2-D frame"):
        count_saturated_pixels(np.zeros(5), level=1)


def test_the_level_is_the_config_then_the_bit_depth_then_the_file_type():
    camera = load_image_config({"bit_depth": 12, "saturation_level": 3900})
    assert saturation_level(camera, np.uint16) == 3900
    assert saturation_level(load_image_config({"bit_depth": 14}), np.uint16) == 16383
    assert saturation_level(load_image_config({}), np.uint16) == 65535
    assert saturation_level(load_image_config({}), np.uint8) == 255
    assert saturation_level(load_image_config({}), np.float64) is None


def test_saturation_level_is_validated_naming_the_key():
    with pytest.raises(ConfigError) as caught:
        load_image_config(
            {"bit_depth": 12, "saturation_level": 5000}, source="Cam.yaml", key_prefix="image."
        )
    assert "Cam.yaml: 'image.saturation_level': 5000 is above what a 12-bit camera" in str(
        caught.value
    )
    with pytest.raises(ConfigError, match="'saturation_level': Input should be greater than 0"):
        load_image_config({"saturation_level": 0})
    camera = load_image_config({"bit_depth": 16, "saturation_level": 5000})
    with pytest.raises(ValueError, match="lower saturation_level, or fix bit_depth"):
        camera.bit_depth = 12  # as the config editor assigns a field


def test_every_camera_shot_gets_the_count_of_its_raw_frame():
    """Counted before background, ROI, threshold and median: a spot outside the ROI counts too."""
    config = {
        "bit_depth": 12,
        "background": {"method": "constant", "constant_level": 200},
        "roi": {"x_min": 0, "x_max": 32, "y_min": 0, "y_max": 32},
        "thresholding": {"method": "absolute", "value": 30},
        "filtering": {"median_kernel_size": 3},
    }
    image = frame()
    image[40:44, 40:44] = 4095  # outside the ROI
    image[3, 3] = 4095
    result = BeamAnalyzer(config).analyze_shot(image)
    assert result.scalars[SATURATION_SCALAR] == 16.0
    assert result.processed.shape == (32, 32)
    clean = BeamAnalyzer(config).analyze_shot(frame())
    assert clean.scalars[SATURATION_SCALAR] == 0.0


def test_traces_get_no_count_and_an_analyzer_may_set_its_own():
    x = np.linspace(0, 1, 50)
    trace = np.vstack([x, np.full(50, 65535.0)])
    assert SATURATION_SCALAR not in LineAnalyzer().analyze_shot(trace).scalars

    class OwnCount(ImageAnalyzer):
        def analyze_image(self, image, auxiliary=None):
            return ImageAnalyzerResult(image, {SATURATION_SCALAR: -1.0})

    assert OwnCount().analyze_shot(frame()).scalars[SATURATION_SCALAR] == -1.0


def test_analysis_scalars_may_name_it():
    analyzer = BeamAnalyzer({"analysis": {"scalars": ["x_CoM", SATURATION_SCALAR]}})
    image = frame()
    image[10:14, 10:14] = 65535
    assert analyzer.analyze_shot(image).scalars.keys() == {"x_CoM", SATURATION_SCALAR}


def test_the_clause_survives_a_message_and_parameter_labels_with_parentheses():
    clause = describe_saturation(2, 40, where="JetX (mm) = 5.2, 5.4", most=31)
    assert clause == "saturated pixels in 2 of 40 shots (JetX [mm] = 5.2, 5.4; up to 31 per shot)"
    message = f"38 of 40 shots analysed, 2 unreadable, {clause}; scalars NOT written: x"
    assert saturation_note(message) == clause
    assert saturation_note("40 of 40 shots analysed") is None
