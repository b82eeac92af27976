"""Filtering: median removes hot pixels, Gaussian smooths, line methods."""

import numpy as np
import pytest
from scipy import ndimage

from scan_analysis.image.steps import filter_image, filter_line, gaussian_smooth, median_smooth


def test_median_removes_a_hot_pixel_and_keeps_a_plateau():
    image = np.full((9, 9), 10.0, dtype=np.float32)
    image[4, 4] = 5000.0
    np.testing.assert_array_equal(filter_image(image, median_kernel_size=3), 10.0)


def test_gaussian_conserves_total_and_spreads_a_point():
    image = np.zeros((21, 21), dtype=np.float32)
    image[10, 10] = 1.0
    result = filter_image(image, gaussian_sigma=2.0)
    assert result.dtype == np.float32
    assert result.sum() == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(result, ndimage.gaussian_filter(image, 2.0), atol=1e-7)
    y, x = np.indices(result.shape)
    assert np.sqrt((result * (x - 10) ** 2).sum()) == pytest.approx(2.0, rel=0.02)


@pytest.mark.parametrize("sigma", [0.5, 1.0, 3.0, 6.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(23, 37), (70, 1100), (300, 14)])  # 70 rows: several bands
def test_gaussian_smooth_matches_scipy_including_edges(sigma, dtype, shape):
    image = np.random.default_rng(3).normal(100.0, 10.0, shape).astype(dtype)
    image[0, :] += 500.0  # bright edges show any edge-mode difference
    image[:, -1] += 300.0
    expected = ndimage.gaussian_filter(image, sigma)
    result = gaussian_smooth(image, sigma=sigma)
    assert result.dtype == dtype and result.shape == image.shape
    np.testing.assert_allclose(result, expected, rtol=2e-6)


@pytest.mark.parametrize("shape", [(2, 5), (7, 3), (70, 1100)])  # 70 rows: several bands
@pytest.mark.parametrize("dtype", [np.float32, np.uint16])
@pytest.mark.parametrize("size", [3, 5])
def test_median_smooth_matches_scipy_including_edges(shape, dtype, size):
    image = np.random.default_rng(4).normal(100.0, 30.0, shape).clip(0).astype(dtype)
    result = median_smooth(image, size=size)
    assert result.dtype == dtype
    np.testing.assert_array_equal(result, ndimage.median_filter(image, size=size))


def test_no_options_returns_the_image_unchanged():
    image = np.arange(9.0).reshape(3, 3)
    assert filter_image(image) is image


@pytest.mark.parametrize(
    ("method", "options", "expected"),
    [
        ("median", {"kernel_size": 3}, [1, 1, 1, 1, 1, 1]),
        ("none", {}, [1, 1, 9, 1, 1, 1]),
    ],
)
def test_line_methods(method, options, expected):
    y = np.array([1.0, 1.0, 9.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(filter_line(y, method=method, **options), expected)


def test_line_gaussian_and_savgol_keep_a_straight_line():
    y = np.linspace(0.0, 10.0, 50)
    np.testing.assert_allclose(filter_line(y, method="savgol", kernel_size=7), y, atol=1e-9)
    smoothed = filter_line(y, method="gaussian", sigma=2)
    np.testing.assert_allclose(smoothed[10:-10], y[10:-10], atol=1e-9)


def test_line_unknown_method():
    with pytest.raises(ValueError, match="unknown line filter method 'boxcar'"):
        filter_line(np.zeros(5), method="boxcar")


@pytest.mark.parametrize(
    "smooth",
    [
        lambda: filter_image(np.zeros((5, 5)), median_kernel_size=4),
        lambda: filter_line(np.zeros(9), method="median", kernel_size=4),
        lambda: filter_line(np.zeros(9), method="savgol", kernel_size=6),
    ],
)
def test_an_even_window_is_refused_not_rounded(smooth):
    with pytest.raises(ValueError, match="even"):
        smooth()


@pytest.mark.parametrize("shape", [(2, 2), (3, 2), (2, 9), (5, 5), (64, 33), (130, 1030)])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_fast_median_3x3_equals_scipy_on_random_frames_with_ties(shape, dtype):
    """Issue 18: the column-sort median is scipy's median, ties and edges included."""
    rng = np.random.default_rng(sum(shape))
    few_levels = rng.integers(0, 4, shape).astype(dtype)  # mostly ties
    noise = (rng.normal(100.0, 30.0, shape).clip(0)).astype(dtype)
    hot = noise.copy()
    hot.flat[rng.choice(hot.size, size=max(1, hot.size // 50), replace=False)] = 250
    for image in (few_levels, noise, hot):
        np.testing.assert_array_equal(median_smooth(image, size=3), ndimage.median_filter(image, 3))


def test_fast_median_3x3_equals_scipy_on_a_full_camera_frame():
    image = np.random.default_rng(7).normal(300.0, 40.0, (1024, 1024)).astype(np.float32)
    np.testing.assert_array_equal(median_smooth(image, size=3), ndimage.median_filter(image, 3))
