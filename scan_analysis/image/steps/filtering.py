"""Smoothing filters for images and traces.

Images are smoothed with OpenCV (``cv2``, a dependency): its 3x3 median and
separable correlation are compiled loops, 10x and 4-5x faster on a camera
frame than the best numpy can do in passes over the image, with the same
results as ``scipy.ndimage`` (the median exactly, the Gaussian to float
rounding). OpenCV is imported when a filter first needs it (about 25 ms),
scipy (about 1 s of imports in a new worker process, most of it
``scipy.signal``) only for what OpenCV does not cover.
"""

from __future__ import annotations

import numpy as np

_OPENCV_MEDIAN_DTYPES = (np.uint8, np.uint16, np.float32)
"""The dtypes OpenCV's 3x3 median takes; others go through the numpy version."""


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
    _require_odd(median_kernel_size)
    if median_kernel_size and median_kernel_size > 1:
        result = median_smooth(result, size=int(median_kernel_size))
    if gaussian_sigma:
        result = gaussian_smooth(result, sigma=float(gaussian_sigma))
    return result


def gaussian_smooth(image: np.ndarray, *, sigma: float, truncate: float = 4.0) -> np.ndarray:
    """Gaussian smoothing, the same as ``scipy.ndimage.gaussian_filter`` (mode ``reflect``).

    A 2-D float image is correlated with scipy's kernel (the same weights,
    radius ``int(truncate * sigma + 0.5)``) along columns and rows by OpenCV
    with its ``BORDER_REFLECT`` edges (scipy's ``reflect``), in the image's
    precision (float32 for camera frames): results agree with scipy's to about
    1e-6 relative, in about 1 ms for a 1024x1024 frame. Other images, and
    images not wider and taller than the kernel's radius, go to scipy.

    Examples
    --------
    >>> image = np.zeros((5, 5), dtype=np.float32); image[2, 2] = 1.0
    >>> smoothed = gaussian_smooth(image, sigma=1.0)
    >>> from scipy import ndimage
    >>> bool(np.allclose(smoothed, ndimage.gaussian_filter(image, 1.0), atol=1e-7))
    True
    """
    radius = int(truncate * sigma + 0.5)
    if image.ndim != 2 or image.dtype not in (np.float32, np.float64) or min(image.shape) <= radius:
        from scipy import ndimage

        return ndimage.gaussian_filter(image, sigma=sigma, truncate=truncate)
    import cv2

    offsets = np.arange(-radius, radius + 1)
    weights = np.exp(-0.5 * (offsets / sigma) ** 2)
    weights = (weights / weights.sum()).astype(image.dtype)
    return cv2.sepFilter2D(
        np.ascontiguousarray(image), -1, weights, weights, borderType=cv2.BORDER_REFLECT
    )


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
    from scipy import ndimage, signal

    if method == "gaussian":
        return ndimage.gaussian_filter1d(y, sigma=float(sigma or 1.0))
    if method == "median":
        return ndimage.median_filter(y, size=_require_odd(int(kernel_size or 3)))
    if method == "savgol":
        window = _require_odd(int(kernel_size or 5))
        return signal.savgol_filter(y, window_length=window, polyorder=min(2, window - 1))
    raise ValueError(f"unknown line filter method {method!r}")


def _require_odd(size: int | None) -> int | None:
    if size is not None and size % 2 == 0:
        raise ValueError(
            f"filter window {size} is even; use an odd size ({size - 1} or {size + 1})"
        )
    return size


def median_smooth(image: np.ndarray, *, size: int) -> np.ndarray:
    """Median filter, the same as ``scipy.ndimage.median_filter`` (mode ``reflect``).

    The common 3x3 case on a 2-D image is OpenCV's ``medianBlur`` for uint8,
    uint16 and float32 (its replicated edge is scipy's ``reflect`` for a 3x3
    window): identical to scipy, in about 0.5 ms for a 1024x1024 frame against
    scipy's 40 ms. Other dtypes (float64, int32...) take a numpy sorting
    network (about 7 ms for float64): each column's three values are sorted once, then the
    median of the nine is the median of (largest of the three minima, median of
    the three middles, smallest of the three maxima), 17 elementwise min/max
    passes over bands of rows that fit in the CPU cache, each band one flat run
    of the padded image's rows (numpy is several times slower on strided 2-D
    views); the two padding columns of each row give results that are dropped.
    Other sizes use scipy.

    Examples
    --------
    >>> image = np.zeros((4, 4), dtype=np.float32); image[1, 2] = 9.0
    >>> float(median_smooth(image, size=3).max())
    0.0
    """
    if size != 3 or image.ndim != 2 or min(image.shape) < 2:
        from scipy import ndimage

        return ndimage.median_filter(image, size=size)
    if image.dtype in _OPENCV_MEDIAN_DTYPES:
        import cv2

        return cv2.medianBlur(np.ascontiguousarray(image), 3)
    height, width = image.shape
    padded = np.pad(image, 1, mode="symmetric")  # "symmetric" repeats the edge, as "reflect"
    stride = width + 2
    flat = padded.ravel()
    result = np.empty_like(image)
    rows_per_band = max(1, (1 << 15) // stride)  # the band's nine buffers stay in cache
    scratch = np.empty((9, rows_per_band * stride), dtype=padded.dtype)
    for start in range(0, height, rows_per_band):
        rows = min(rows_per_band, height - start)
        length = rows * stride
        first = start * stride
        above = flat[first : first + length]
        middle = flat[first + stride : first + stride + length]
        below = flat[first + 2 * stride : first + 2 * stride + length]
        medians = _median_of_3x3_band(above, middle, below, scratch[:, :length])
        result[start : start + rows] = medians.reshape(rows, stride)[:, :width]
    return result


def _median_of_3x3_band(
    above: np.ndarray, middle: np.ndarray, below: np.ndarray, scratch: np.ndarray
) -> np.ndarray:
    """Medians of 3x3 neighbourhoods from three flat runs of padded rows (one row apart).

    Element ``k`` of the result is the median around element ``k + 1`` of
    ``middle``; it lives in ``scratch`` (nine buffers as long as the runs).
    """
    low, high, mid, swap, largest_low, smallest_high, middle_mid, first, second = scratch
    # sort each column's three values: low <= mid <= high
    np.minimum(above, middle, out=low)
    np.maximum(above, middle, out=high)
    np.minimum(high, below, out=mid)
    np.maximum(high, below, out=high)
    np.maximum(low, mid, out=swap)
    np.minimum(low, mid, out=low)
    mid = swap
    # across each pixel's three columns: largest low, middle mid, smallest high
    count = low.size - 2
    largest_low, smallest_high = largest_low[:count], smallest_high[:count]
    middle_mid, first, second = middle_mid[:count], first[:count], second[:count]
    np.maximum(low[:-2], low[1:-1], out=largest_low)
    np.maximum(largest_low, low[2:], out=largest_low)
    np.minimum(high[:-2], high[1:-1], out=smallest_high)
    np.minimum(smallest_high, high[2:], out=smallest_high)
    _median_of_three(mid[:-2], mid[1:-1], mid[2:], out=middle_mid, scratch=(first, second))
    medians = scratch[0]  # ``low`` is no longer needed
    _median_of_three(
        largest_low, middle_mid, smallest_high, out=medians[:count], scratch=(first, second)
    )
    return medians


def _median_of_three(
    a: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
    *,
    out: np.ndarray,
    scratch: tuple[np.ndarray, np.ndarray],
) -> None:
    """Elementwise median of three arrays, max(min(a, b), min(max(a, b), c)), into ``out``."""
    smaller, larger = scratch
    np.minimum(a, b, out=smaller)
    np.maximum(a, b, out=larger)
    np.minimum(larger, c, out=larger)
    np.maximum(smaller, larger, out=out)
