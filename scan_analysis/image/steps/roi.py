"""Regions of interest."""

from __future__ import annotations

import numpy as np


def _bounds(low: float | None, high: float | None, size: int) -> tuple[int, int]:
    start = 0 if low is None else int(np.clip(round(low), 0, size))
    stop = size if high is None else int(np.clip(round(high), 0, size))
    return start, max(stop, start)


def crop_to_roi(
    image: np.ndarray,
    *,
    x_min: float | None = None,
    x_max: float | None = None,
    y_min: float | None = None,
    y_max: float | None = None,
) -> tuple[np.ndarray, tuple[int, int]]:
    """Crop an image to ``[y_min:y_max, x_min:x_max]`` (clipped to the image).

    Returns the view and its ``(x, y)`` offset in the original image.

    Examples
    --------
    >>> crop, offset = crop_to_roi(np.arange(16).reshape(4, 4), x_min=1, x_max=3, y_min=2)
    >>> crop, offset
    (array([[ 9, 10],
           [13, 14]]), (1, 2))
    """
    x0, x1 = _bounds(x_min, x_max, image.shape[1])
    y0, y1 = _bounds(y_min, y_max, image.shape[0])
    if x1 <= x0 or y1 <= y0:
        raise ValueError(
            f"ROI x {x_min}..{x_max}, y {y_min}..{y_max} leaves nothing of a "
            f"{image.shape[1]}x{image.shape[0]} image; fix the roi section of the config"
        )
    return image[y0:y1, x0:x1], (x0, y0)


def crop_line(
    trace: np.ndarray, *, x_min: float | None = None, x_max: float | None = None
) -> np.ndarray:
    """Keep the samples of a trace ``[x, y...]`` with ``x_min <= x <= x_max`` (x units).

    Examples
    --------
    >>> crop_line(np.array([[1.0, 2.0, 3.0], [5.0, 6.0, 7.0]]), x_min=1.5)
    array([[2., 3.],
           [6., 7.]])
    """
    keep = np.ones(trace.shape[1], dtype=bool)
    if x_min is not None:
        keep &= trace[0] >= x_min
    if x_max is not None:
        keep &= trace[0] <= x_max
    if not keep.any():
        raise ValueError(
            f"ROI x {x_min}..{x_max} holds no sample of a trace spanning "
            f"{trace[0].min():g}..{trace[0].max():g}; fix the roi section of the config"
        )
    return trace[:, keep]
