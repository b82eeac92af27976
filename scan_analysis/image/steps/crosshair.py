"""Masking of crosshairs (reticles) burned into camera images."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

CROSSHAIR_DEFAULTS = {"width": 20.0, "height": 20.0, "thickness": 2.0, "angle": 0.0}


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
    mask = np.zeros(shape, dtype=bool)
    window = _bounding_window(shape, center, width, height, thickness)
    if window is None:
        return mask
    (y0, y1), (x0, x1) = window
    ys, xs = np.ogrid[y0:y1, x0:x1]
    dx, dy = xs - center[0], ys - center[1]
    theta = np.deg2rad(angle)
    # coordinates along the crosshair's own arms (counter-clockwise rotation, y down)
    u = dx * np.cos(theta) - dy * np.sin(theta)
    v = dx * np.sin(theta) + dy * np.cos(theta)
    half = thickness / 2
    horizontal = (np.abs(v) <= half) & (np.abs(u) <= width / 2)
    vertical = (np.abs(u) <= half) & (np.abs(v) <= height / 2)
    mask[y0:y1, x0:x1] = horizontal | vertical
    return mask


def _bounding_window(shape, center, width, height, thickness):
    """Rows and columns that can hold the crosshair, whatever its angle (None if off-image)."""
    reach = int(np.ceil(np.hypot(max(width, height) / 2, thickness / 2))) + 1
    x0, x1 = int(center[0]) - reach, int(center[0]) + reach + 1
    y0, y1 = int(center[1]) - reach, int(center[1]) + reach + 1
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, shape[1]), min(y1, shape[0])
    if x1 <= x0 or y1 <= y0:
        return None
    return (y0, y1), (x0, x1)


def mask_crosshairs(
    image: np.ndarray, crosshairs: Iterable[Mapping[str, object]], *, fill: float = 0.0
) -> np.ndarray:
    """Set the pixels under each crosshair to ``fill``; returns a new array.

    Each crosshair is a mapping of :func:`crosshair_mask`'s options (``center``
    required; ``width``/``height`` default 20, ``thickness`` 2, ``angle`` 0).
    Only each crosshair's bounding box is evaluated, so the cost does not grow
    with the image size.

    Examples
    --------
    >>> mask_crosshairs(np.ones((3, 3)), [{"center": (1, 1), "width": 1, "height": 3,
    ...                                    "thickness": 1}])
    array([[1., 0., 1.],
           [1., 0., 1.],
           [1., 0., 1.]])
    """
    result = np.array(image, copy=True)
    for crosshair in crosshairs:
        options = {**CROSSHAIR_DEFAULTS, **crosshair}
        center = options.pop("center")
        window = _bounding_window(
            image.shape, center, options["width"], options["height"], options["thickness"]
        )
        if window is None:
            continue
        (y0, y1), (x0, x1) = window
        local_center = (center[0] - x0, center[1] - y0)
        mask = crosshair_mask((y1 - y0, x1 - x0), center=local_center, **options)
        result[y0:y1, x0:x1][mask] = fill
    return result
