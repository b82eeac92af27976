import numpy as np
import pytest

from scan_analysis.image.steps import (
    apply_circular_mask,
    apply_threshold,
    crop_line,
    crop_to_roi,
    crosshair_mask,
    edge_background,
    filter_image,
    filter_line,
    mask_crosshairs,
    normalize,
    percentile_background,
    subtract_background,
    threshold_level,
    transform_image,
    vignette_model,
)


def test_background_constant_and_array():
    image = np.array([[5.0, 7.0]], dtype=np.float32)
    assert subtract_background(image, 2.0).tolist() == [[3.0, 5.0]]
    assert subtract_background(image, np.array([[1.0, 2.0]]), additional_constant=1).tolist() == [
        [3.0, 4.0]
    ]
    assert subtract_background(image, 2.0).dtype == np.float32


def test_edge_background_ignores_the_centre():
    image = np.full((40, 40), 10.0)
    image[10:30, 10:30] = 1000
    assert edge_background(image) == 10.0
    assert edge_background(np.array([1.0, 1.0, 50.0, 1.0, 1.0]), width=1) == 1.0


def test_percentile_background_per_pixel():
    shots = [np.array([[v, 10 * v]]) for v in range(1, 11)]
    assert percentile_background(shots, percentile=0).tolist() == [[1.0, 10.0]]
    assert percentile_background(shots, percentile=100).tolist() == [[10.0, 100.0]]


def test_roi_crop_and_offset():
    image = np.arange(30).reshape(5, 6)
    crop, offset = crop_to_roi(image, x_min=2, x_max=4, y_min=1, y_max=3)
    assert crop.tolist() == [[8, 9], [14, 15]] and offset == (2, 1)
    assert crop_to_roi(image, x_max=100)[0].shape == (5, 6)  # clipped to the image
    with pytest.raises(ValueError, match="leaves nothing"):
        crop_to_roi(image, x_min=10)


def test_line_roi_in_x_units():
    trace = np.array([[700.0, 750.0, 800.0], [1.0, 2.0, 3.0]])
    assert crop_line(trace, x_min=740, x_max=800).tolist() == [[750.0, 800.0], [2.0, 3.0]]


def test_crosshair_rotated_45_degrees():
    mask = crosshair_mask((9, 9), center=(4, 4), width=13, height=13, thickness=1, angle=45)
    assert mask[0, 0] and mask[8, 8] and mask[0, 8] and mask[4, 4]
    assert not mask[4, 0] and not mask[0, 4]
    image = np.ones((9, 9))
    masked = mask_crosshairs(image, [{"center": (4, 4), "width": 3, "height": 3, "thickness": 1}])
    assert masked.sum() == 81 - 5 and image.sum() == 81  # input untouched


@pytest.mark.parametrize(
    ("mode", "invert", "expected"),
    [
        ("to_zero", False, [0, 0, 5, 9]),
        ("binary", False, [0, 0, 1, 1]),
        ("truncate", False, [1, 4, 4, 4]),
        ("to_zero_inv", False, [1, 4, 0, 0]),
        ("truncate_inv", False, [4, 4, 5, 9]),
        ("to_zero", True, [1, 4, 0, 0]),
    ],
)
def test_threshold_modes(mode, invert, expected):
    image = np.array([1.0, 4.0, 5.0, 9.0])
    assert apply_threshold(image, level=4, mode=mode, invert=invert).tolist() == expected


def test_threshold_levels_and_clip_below():
    image = np.array([-3.0, 0.0, 50.0, 100.0])
    assert threshold_level(image, method="absolute", value=7) == 7
    assert threshold_level(image, method="percentage_max", value=10) == 10
    assert threshold_level(image, method="percentile", value=50) == 25
    assert apply_threshold(image, level=-10, clip_below=True).tolist() == [0, 0, 50, 100]


def test_filters():
    image = np.zeros((7, 7))
    image[3, 3] = 49.0
    assert filter_image(image, median_kernel_size=3).max() == 0  # hot pixel gone
    smoothed = filter_image(image, gaussian_sigma=1.0)
    assert smoothed.sum() == pytest.approx(49.0) and smoothed.max() < 49
    assert filter_image(image) is image
    y = np.array([0.0, 0, 10, 0, 0])
    assert filter_line(y, method="median", kernel_size=3).tolist() == [0, 0, 0, 0, 0]
    assert filter_line(y, method="gaussian", sigma=1).sum() == pytest.approx(10)
    assert filter_line(np.arange(9.0), method="savgol", kernel_size=5) == pytest.approx(
        np.arange(9.0)
    )


def test_transforms():
    image = np.array([[1, 2], [3, 4]])
    assert transform_image(image, rotation_angle=90).tolist() == [[2, 4], [1, 3]]
    assert transform_image(image, flip_vertical=True).tolist() == [[3, 4], [1, 2]]
    assert transform_image(image, flip_horizontal=True, flip_vertical=True).tolist() == [
        [4, 3],
        [2, 1],
    ]
    spot = np.zeros((21, 21))
    spot[10, 15] = 1.0
    rotated = transform_image(spot, rotation_angle=180.0)
    assert np.unravel_index(rotated.argmax(), rotated.shape) == (10, 5)


def test_masks_and_vignette():
    image = np.ones((5, 5))
    outside = apply_circular_mask(image, center=(2, 2), radius=1)
    assert outside.sum() == 5
    inside = apply_circular_mask(image, center=(2, 2), radius=1, mask_outside=False, mask_value=-1)
    assert inside.sum() == 25 - 5 - 5
    model = vignette_model((11, 11), coefficients=(1.0, 0.0, -0.5), min_model_value=0.6)
    assert model[5, 5] == 1.0 and model[0, 0] == pytest.approx(0.6)


def test_normalization():
    assert normalize(np.array([1.0, 3.0]), method="image_max").tolist() == [1 / 3, 1.0]
    assert normalize(np.array([2.0, 4.0]), method="constant", constant_value=2).tolist() == [
        1.0,
        2.0,
    ]
    assert normalize(np.zeros(2), method="image_total").tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="constant_value"):
        normalize(np.ones(2), method="constant")
