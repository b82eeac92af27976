"""Smoothing filters for images and traces."""

from __future__ import annotations

import numpy as np
from scipy import ndimage, signal


def filter_image(
    image: np.ndarray, *, gaussian_sigma: float | None = None, median_kernel_size: int | None = None
) -> np.ndarray:
    """Median filter (removes hot pixels), then Gaussian smoothing; each only when set.

    Examples
    --------
    >>> image = np.zeros((5, 5)); image[2, 2] = 100.0
    >>> float(filter_image(image, median_kernel_size=3).max())
    0.0
    """
    result = image
    if median_kernel_size and median_kernel_size > 1:
        result = ndimage.median_filter(result, size=int(median_kernel_size))
    if gaussian_sigma:
        result = ndimage.gaussian_filter(result, sigma=float(gaussian_sigma))
    return result


def filter_line(
    y: np.ndarray,
    *,
    method: str | None = None,
    sigma: float | None = None,
    kernel_size: int | None = None,
) -> np.ndarray:
    """Smooth a trace's y values: ``gaussian`` (sigma), ``median`` or ``savgol`` (kernel_size).

    Examples
    --------
    >>> filter_line(np.array([0.0, 0.0, 9.0, 0.0, 0.0]), method="median", kernel_size=3)
    array([0., 0., 0., 0., 0.])
    """
    if method in (None, "none"):
        return y
    if method == "gaussian":
        return ndimage.gaussian_filter1d(y, sigma=float(sigma or 1.0))
    if method == "median":
        return ndimage.median_filter(y, size=int(kernel_size or 3))
    if method == "savgol":
        window = int(kernel_size or 5) | 1  # odd
        return signal.savgol_filter(y, window_length=window, polyorder=min(2, window - 1))
    raise ValueError(f"unknown line filter method {method!r}")
