"""Background estimates and subtraction."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def subtract_background(
    image: np.ndarray, background: float | np.ndarray, *, additional_constant: float = 0.0
) -> np.ndarray:
    """Subtract a constant or per-pixel background (and an extra constant).

    Examples
    --------
    >>> subtract_background(np.array([[10.0, 20.0]]), 5.0, additional_constant=1.0)
    array([[ 4., 14.]])
    """
    result = np.subtract(image, background, dtype=image.dtype if image.dtype.kind == "f" else None)
    if additional_constant:
        result -= additional_constant
    return result


def edge_background(image: np.ndarray, *, width: int | None = None) -> float:
    """The median of a band along the image edges (or both ends of a trace).

    Examples
    --------
    >>> image = np.full((20, 20), 7.0); image[8:12, 8:12] = 100.0
    >>> edge_background(image, width=2)
    7.0
    """
    if image.ndim == 1:
        band = width or max(image.size // 20, 1)
        return float(np.median(np.concatenate([image[:band], image[-band:]])))
    band = width or max(min(image.shape) // 20, 1)
    edges = np.concatenate(
        [
            image[:band].ravel(),
            image[-band:].ravel(),
            image[band:-band, :band].ravel(),
            image[band:-band, -band:].ravel(),
        ]
    )
    return float(np.median(edges))


def percentile_background(images: Iterable[np.ndarray], *, percentile: float = 5.0) -> np.ndarray:
    """Per-pixel percentile over a set of shots (a background from the scan itself).

    The shots are held in their stored dtype and the percentile is taken a band
    of rows at a time, so memory stays near the size of the shots themselves.

    Examples
    --------
    >>> shots = [np.full((2, 2), v, dtype=float) for v in (1, 2, 3, 4, 5)]
    >>> percentile_background(shots, percentile=50)
    array([[3., 3.],
           [3., 3.]], dtype=float32)
    """
    shots = [np.asarray(image) for image in images]
    if not shots:
        raise ValueError("a percentile background needs at least one shot")
    stack = np.stack(shots)  # stored dtype: uint16 shots stay 2 bytes per pixel
    result = np.empty(stack.shape[1:], dtype=np.float32)
    rows_per_chunk = max(1, (1 << 22) // max(1, stack[0, 0].size * len(shots)))
    for start in range(0, stack.shape[1], rows_per_chunk):  # bounds the float temporaries
        chunk = slice(start, start + rows_per_chunk)
        result[chunk] = np.percentile(stack[:, chunk], percentile, axis=0)
    return result


def mean_background(images: Iterable[np.ndarray]) -> np.ndarray:
    """Per-pixel mean over a set of shots (the averaged image of a background scan).

    Summed one shot at a time, so memory stays at one float64 frame.

    Examples
    --------
    >>> mean_background([np.full((1, 2), v, dtype=np.uint16) for v in (1, 2, 6)])
    array([[3., 3.]], dtype=float32)
    """
    total: np.ndarray | None = None
    count = 0
    for image in images:
        array = np.asarray(image, dtype=np.float64)
        if total is None:
            total = array.copy()
        elif array.shape != total.shape:
            raise ValueError(f"shots of shapes {total.shape} and {array.shape} cannot be averaged")
        else:
            total += array
        count += 1
    if total is None:
        raise ValueError("an averaged background needs at least one shot")
    return (total / count).astype(np.float32)
