"""Small frames of processed shots, for a no-scan's animation, made where the shot is analysed.

The worker that analyses a shot shrinks its processed image to the animation's
frame size right away (nearest neighbour, values kept as float32), so the GIF
needs no second read of the shot. The frame stays in data units: the shared
colour scale is only known once every shot is in, and the frames are mapped to
colours when the GIF is written (:mod:`scan_analysis.render.animation`). This
module needs numpy and Pillow only (no matplotlib in the workers).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image


def frame_shape(shape: Sequence[int], side: int) -> tuple[int, int]:
    """(width, height) of a frame whose longer side is ``side`` pixels, aspect kept.

    Examples
    --------
    >>> frame_shape((64, 80), 120)
    (120, 96)
    """
    height, width = int(shape[0]), int(shape[1])
    scale = side / max(height, width)
    return max(1, round(width * scale)), max(1, round(height * scale))


def shrink_to_frame(image: np.ndarray, side: int) -> np.ndarray:
    """``image`` as a float32 frame whose longer side is ``side`` (nearest neighbour).

    Nearest neighbour picks pixels, so mapping this frame to colours gives the
    same pixels as mapping the full image and then resizing (NaN stays NaN).

    Examples
    --------
    >>> shrink_to_frame(np.arange(4.0).reshape(2, 2), 4).shape
    (4, 4)
    """
    frame = np.ascontiguousarray(image, dtype=np.float32)
    size = frame_shape(frame.shape, side)
    if size == (frame.shape[1], frame.shape[0]):
        return frame
    return np.asarray(Image.fromarray(frame).resize(size, Image.Resampling.NEAREST))
