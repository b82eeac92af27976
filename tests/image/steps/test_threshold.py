"""Thresholding: levels by method, every mode, invert and clip_below."""

import numpy as np
import pytest

from scan_analysis.image.steps import apply_threshold, threshold_level

DATA = np.array([-2.0, 1.0, 5.0, 9.0])


@pytest.mark.parametrize(
    ("method", "value", "expected"),
    [
        ("constant", 4, 4.0),
        ("absolute", 4, 4.0),
        ("percentile", 50, 3.0),
        ("percentage_max", 50, 4.5),
    ],
)
def test_threshold_level(method, value, expected):
    assert threshold_level(DATA, method=method, value=value) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("mode", "invert", "expected"),
    [
        ("to_zero", False, [0, 0, 5, 9]),
        ("binary", False, [0, 0, 1, 1]),
        ("truncate", False, [-2, 1, 4, 4]),
        ("to_zero_inv", False, [-2, 1, 0, 0]),
        ("truncate_inv", False, [4, 4, 5, 9]),
        ("to_zero", True, [-2, 1, 0, 0]),
        ("binary", True, [1, 1, 0, 0]),
    ],
)
def test_modes(mode, invert, expected):
    result = apply_threshold(DATA, level=4, mode=mode, invert=invert)
    np.testing.assert_array_equal(result, expected)
    np.testing.assert_array_equal(DATA, [-2, 1, 5, 9])  # input untouched


def test_clip_below_before_threshold():
    np.testing.assert_array_equal(apply_threshold(DATA, level=-10, clip_below=True), [0, 1, 5, 9])
    np.testing.assert_array_equal(apply_threshold(DATA, level=-10, clip_below=2), [2, 2, 5, 9])


def test_unknown_method_and_mode():
    with pytest.raises(ValueError, match="unknown threshold method 'otsu'"):
        threshold_level(DATA, method="otsu", value=1)
    with pytest.raises(ValueError, match="unknown threshold mode"):
        apply_threshold(DATA, level=1, mode="sideways")


@pytest.mark.parametrize(
    ("mode", "invert", "expected"),
    [
        ("to_zero", False, [0, 4, 9]),
        ("binary", False, [0, 1, 1]),
        ("truncate", False, [1, 4, 4]),
        ("to_zero_inv", False, [1, 0, 0]),
        ("truncate_inv", False, [4, 4, 9]),
        ("to_zero", True, [1, 0, 0]),
        ("binary", True, [1, 0, 0]),
    ],
)
def test_a_value_at_the_threshold_counts_as_reaching_it(mode, invert, expected):
    """The original toolkit's convention: to_zero zeroes values below, keeps values equal."""
    result = apply_threshold(np.array([1.0, 4.0, 9.0]), level=4, mode=mode, invert=invert)
    np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["to_zero", "to_zero_inv"])
@pytest.mark.parametrize("invert", [False, True])
def test_zeroing_on_a_noisy_frame_matches_the_per_pixel_rule(dtype, mode, invert):
    # a ragged mask (noise around the level) with NaN, infinities and -0.0 in it
    image = (np.random.default_rng(5).normal(30.0, 10.0, (64, 96))).astype(dtype)
    image[::7, ::5] = np.nan
    image[1, 1], image[2, 2], image[3, 3] = np.inf, -np.inf, -0.0
    reached = image >= 30.0
    if invert:
        reached = ~reached
    zeroed = ~reached if mode == "to_zero" else reached
    expected = image.copy()
    expected[zeroed] = 0.0

    result = apply_threshold(image, level=30.0, mode=mode, invert=invert)

    assert result.dtype == dtype
    np.testing.assert_array_equal(result, expected)
    assert not np.signbit(result[zeroed]).any()  # zeroed pixels are +0.0
    assert np.isnan(image[::7, ::5]).all()  # the input is untouched
