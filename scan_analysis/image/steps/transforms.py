"""Rotation and flips."""

from __future__ import annotations

import numpy as np


def transform_image(
    image: np.ndarray,
    *,
    rotation_angle: float | None = None,
    flip_horizontal: bool = False,
    flip_vertical: bool = False,
) -> np.ndarray:
    """Rotate (degrees, counter-clockwise, same shape, linear interpolation), then flip.

    Multiples of 180 degrees (and of 90 for square images) rotate exactly.

    Examples
    --------
    >>> transform_image(np.array([[1, 2], [3, 4]]), flip_horizontal=True)
    array([[2, 1],
           [4, 3]])
    """
    result = image
    if rotation_angle:
        quarter_turns = rotation_angle / 90.0
        exact = quarter_turns == int(quarter_turns)
        if exact and (int(quarter_turns) % 2 == 0 or image.shape[0] == image.shape[1]):
            result = np.rot90(result, k=int(quarter_turns))  # same shape: exact
        else:
            from scipy import ndimage  # on demand: workers that never rotate skip its import

            result = ndimage.rotate(result, rotation_angle, reshape=False, order=1, mode="constant")
    if flip_horizontal:
        result = result[:, ::-1]
    if flip_vertical:
        result = result[::-1, :]
    return np.ascontiguousarray(result)
