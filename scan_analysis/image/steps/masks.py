"""Circular aperture masks and vignetting models."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def circular_mask(
    shape: tuple[int, int], *, center: tuple[float, float], radius: float
) -> np.ndarray:
    """Boolean mask, True inside the circle.

    Examples
    --------
    >>> circular_mask((3, 3), center=(1, 1), radius=1).astype(int)
    array([[0, 1, 0],
           [1, 1, 1],
           [0, 1, 0]])
    """
    ys, xs = np.ogrid[: shape[0], : shape[1]]
    return (xs - center[0]) ** 2 + (ys - center[1]) ** 2 <= radius**2


def apply_circular_mask(
    image: np.ndarray,
    *,
    center: tuple[float, float],
    radius: float,
    mask_outside: bool = True,
    mask_value: float = 0.0,
) -> np.ndarray:
    """Set pixels outside (or inside) a circle to ``mask_value``; returns a new array."""
    inside = circular_mask(image.shape, center=center, radius=radius)
    result = np.array(image, copy=True)
    result[~inside if mask_outside else inside] = mask_value
    return result


def vignette_model(
    shape: tuple[int, int],
    *,
    coefficients: Sequence[float] = (1.0, 0.0, -0.3),
    full_width: float | None = None,
    full_height: float | None = None,
    x_offset: float = 0.0,
    y_offset: float = 0.0,
    min_model_value: float = 0.1,
) -> np.ndarray:
    """Relative illumination ``c0 + c1 r + c2 r^2 + ...`` normalised to 1 at the sensor centre.

    ``r`` is the distance from the full sensor's centre divided by its
    half-diagonal; ``x_offset``/``y_offset`` place this image on the sensor.

    Examples
    --------
    >>> model = vignette_model((3, 3), coefficients=(1.0, 0.0, -0.5))
    >>> float(model[1, 1]), float(model[0, 0])
    (1.0, 0.5)
    """
    height, width = shape
    full_width = full_width or width
    full_height = full_height or height
    ys, xs = np.ogrid[:height, :width]
    cx, cy = (full_width - 1) / 2, (full_height - 1) / 2
    half_diagonal = np.hypot(cx, cy) or 1.0
    r = np.hypot(xs + x_offset - cx, ys + y_offset - cy) / half_diagonal
    model = np.polynomial.polynomial.polyval(r, list(coefficients))
    model = model / coefficients[0] if coefficients[0] else model
    return np.maximum(model, min_model_value).astype(np.float32)
