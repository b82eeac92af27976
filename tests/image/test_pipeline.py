"""The pipeline: steps in config order, ROI bookkeeping, backgrounds from files, errors."""

import logging

import numpy as np
import pytest

from scan_analysis.errors import ConfigError
from scan_analysis.image.config import LineConfig, load_image_config
from scan_analysis.image.pipeline import (
    PipelineContext,
    process_image,
    process_line,
    process_shot,
    run_pipeline,
)
from scan_analysis.image.steps import crop_to_roi, mask_crosshairs


def test_steps_run_in_pipeline_order():
    image = np.array([[10.0, 30.0]])
    sections = {
        "background": {"constant_level": 15},
        "thresholding": {"value": 12, "mode": "to_zero"},
    }
    subtract_first = load_image_config(
        {**sections, "pipeline": {"steps": ["background", "thresholding"]}}
    )
    threshold_first = load_image_config(
        {**sections, "pipeline": {"steps": ["thresholding", "background"]}}
    )
    np.testing.assert_array_equal(process_image(image, subtract_first), [[0, 15]])
    np.testing.assert_array_equal(process_image(image, threshold_first), [[-15, 15]])


def test_steps_left_out_of_pipeline_do_not_run():
    config = load_image_config(
        {
            "background": {"constant_level": 5},
            "transforms": {"flip_horizontal": True},
            "pipeline": {"steps": ["transforms"]},
        }
    )
    np.testing.assert_array_equal(process_image(np.array([[1, 2]]), config), [[2, 1]])


def test_default_order_subtracts_before_threshold_and_flips_last():
    config = load_image_config(
        {
            "transforms": {"flip_horizontal": True},
            "thresholding": {"value": 5},
            "background": {"constant_level": 10},
        }
    )
    np.testing.assert_array_equal(process_image(np.array([[12.0, 20.0]]), config), [[10, 0]])


def test_disabled_sections_and_none_methods_are_skipped():
    config = load_image_config(
        {
            "background": {"enabled": False, "constant_level": 5},
            "thresholding": {"method": "none", "value": 100},
            "filtering": {"enabled": False, "median_kernel_size": 3},
        }
    )
    np.testing.assert_array_equal(process_image(np.array([[1.0, 2.0]]), config), [[1, 2]])


def test_processing_dtype_and_input_left_untouched():
    raw = np.array([[100, 200]], dtype=np.uint16)
    assert process_image(raw, load_image_config({})).dtype == np.float32
    config = load_image_config({"processing_dtype": "float64", "background": {"level": 150}})
    result = process_image(raw, config)
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, [[-50, 50]])  # no unsigned wrap-around
    np.testing.assert_array_equal(raw, [[100, 200]])


def test_roi_after_pixel_steps_matches_doing_them_on_the_full_frame(tmp_path, make_spot):
    frame = make_spot()
    dark = np.full(frame.shape, 100, dtype=np.float32)
    dark[:, ::2] += 3.0  # structured: a wrong crop would show
    np.save(tmp_path / "dark.npy", dark)
    crosshair = {"center": [120, 80], "width": 30, "height": 30, "thickness": 3, "angle": 10}
    config = load_image_config(
        {
            "background": {"method": "from_file", "file_path": "{scan_dir}/dark.npy"},
            "crosshair_masking": {"crosshairs": [crosshair]},
            "roi": {"x_min": 61, "x_max": 201, "y_min": 40, "y_max": 150},
            "circular_mask": {"center": [130, 90], "radius": 40},
        }
    )
    context = PipelineContext(scan_dir=tmp_path)
    shot = process_shot(frame, config, context=context)
    result = shot.data

    expected = frame.astype(np.float32) - dark
    expected = mask_crosshairs(expected, [{**crosshair, "center": (120, 80)}])
    expected, _ = crop_to_roi(expected, x_min=61, x_max=201, y_min=40, y_max=150)
    y, x = np.indices(expected.shape)
    expected = np.where((x + 61 - 130) ** 2 + (y + 40 - 90) ** 2 <= 40**2, expected, 0)
    np.testing.assert_array_equal(result, expected)
    assert shot.offset == (61, 40)
    np.testing.assert_array_equal(process_image(frame, config, context=context), result)


def test_background_file_missing_uses_fallback_and_says_so(tmp_path, caplog):
    config = load_image_config(
        {
            "background": {
                "method": "from_file",
                "file_path": "{scan_dir}/../bg.png",
                "fallback": {"method": "constant", "level": 7},
            }
        }
    )
    with caplog.at_level(logging.WARNING):
        result = process_image(
            np.full((2, 2), 10.0), config, context=PipelineContext(scan_dir=tmp_path / "Scan001")
        )
    np.testing.assert_array_equal(result, 3.0)
    assert "bg.png not found; using the fallback level 7" in caplog.text


def test_background_file_of_wrong_shape_is_a_config_error(tmp_path):
    np.save(tmp_path / "bg.npy", np.zeros((3, 3)))
    config = load_image_config(
        {"background": {"method": "from_file", "file_path": str(tmp_path / "bg.npy")}}
    )
    with pytest.raises(ConfigError, match=r"bg.npy has shape \(3, 3\) but the shots have shape"):
        process_image(np.zeros((4, 5)), config)


def test_precomputed_background_in_context_wins():
    config = load_image_config({"background": {"constant_level": 1}, "roi": {"x_min": 1}})
    context = PipelineContext(background=np.array([[1.0, 2.0, 3.0]], dtype=np.float32))
    result = process_image(np.array([[5.0, 5.0, 5.0]]), config, context=context)
    np.testing.assert_array_equal(result, [[3, 2]])  # cut to the ROI too


def test_roi_outside_the_frame_names_config_and_section():
    config = load_image_config({"name": "UC_Cam", "roi": {"x_min": 500, "x_max": 600}})
    with pytest.raises(ConfigError, match="config UC_Cam, section roi: ROI x 500.0..600.0"):
        process_image(np.zeros((10, 10)), config)


def test_vignette_correction_flattens_a_vignetted_field():
    from scan_analysis.image.steps import vignette_model

    model = vignette_model((30, 40), coefficients=(1.0, 0.0, -0.4))
    config = load_image_config({"vignette": {"coefficients": [1.0, 0.0, -0.4]}})
    np.testing.assert_allclose(process_image(200 * model, config), 200, rtol=1e-5)


def test_line_pipeline_background_roi_filter_normalize():
    x = np.arange(10.0)
    trace = np.vstack([x, np.r_[2, 2, 2, 2, 12, 2, 2, 2, 2, 2.0]])
    config = LineConfig.model_validate(
        {
            "background": {"method": "edge", "edge_width": 2},
            "roi": {"x_min": 2, "x_max": 7},
            "filtering": {"method": "median", "kernel_size": 1},
            "normalization": {"method": "image_max"},
        }
    )
    result = process_line(trace, config)
    np.testing.assert_array_equal(result, [[2, 3, 4, 5, 6, 7], [0, 0, 1, 0, 0, 0]])
    np.testing.assert_array_equal(trace[1, 4], 12)  # input untouched


def test_line_filter_old_spelling_and_one_dimensional_input():
    config = LineConfig.model_validate({"filtering": {"median_kernel_size": 3}})
    result = run_pipeline(np.array([1.0, 1.0, 9.0, 1.0, 1.0]), config)
    np.testing.assert_array_equal(result, [[0, 1, 2, 3, 4], [1, 1, 1, 1, 1]])


def test_image_given_to_a_line_config_is_explained():
    with pytest.raises(ConfigError, match=r"is a line config but an array of shape \(4, 4, 4\)"):
        process_line(np.zeros((4, 4, 4)), LineConfig())


def test_the_scan_context_holds_no_offset_and_says_where_it_went():
    """Issue 10 item 1: code that read the shared context.offset gets directions, not (0, 0)."""
    with pytest.raises(AttributeError, match=r"analyze_shot\(image\)\.offset"):
        _ = PipelineContext().offset
    assert PipelineContext().for_shot().offset == (0, 0)
