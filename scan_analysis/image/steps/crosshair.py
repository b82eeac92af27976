"""Masking of crosshairs (reticles) burned into camera images."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np


def crosshair_mask(
    shape: tuple[int, int],
    *,
    center: tuple[float, float],
    width: float,
    height: float,
    thickness: float,
    angle: float = 0.0,
) -> np.ndarray:
    """Boolean mask of one crosshair: a horizontal and a vertical bar, rotated by ``angle``.

    Examples
    --------
    >>> crosshair_mask((5, 5), center=(2, 2), width=5, height=3, thickness=1).astype(int)
    array([[0, 0, 0, 0, 0],
           [0, 0, 1, 0, 0],
           [1, 1, 1, 1, 1],
           [0, 0, 1, 0, 0],
           [0, 0, 0, 0, 0]])
    """
    ys, xs = np.indices(shape, dtype=np.float32)
    dx, dy = xs - center[0], ys - center[1]
    theta = np.deg2rad(angle)
    # coordinates along the crosshair's own arms (counter-clockwise rotation, y down)
    u = dx * np.cos(theta) - dy * np.sin(theta)
    v = dx * np.sin(theta) + dy * np.cos(theta)
    half = thickness / 2
    horizontal = (np.abs(v) <= half) & (np.abs(u) <= width / 2)
    vertical = (np.abs(u) <= half) & (np.abs(v) <= height / 2)
    return horizontal | vertical


def mask_crosshairs(
    image: np.ndarray, crosshairs: Iterable[Mapping[str, object]], *, fill: float = 0.0
) -> np.ndarray:
    """Set the pixels under each crosshair to ``fill``; returns a new array."""
    result = np.array(image, copy=True)
    for crosshair in crosshairs:
        result[crosshair_mask(image.shape, **crosshair)] = fill  # type: ignore[arg-type]
    return result
