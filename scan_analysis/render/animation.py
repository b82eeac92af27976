"""Animated GIF of a no-scan's shots, cheap enough to write for every scan.

The frames come out of the analysis itself: the worker that analyses a shot
shrinks its processed image to the frame size
(:func:`scan_analysis.image.animation_frames.shrink_to_frame`), so no shot is
read twice. Here each frame is mapped through the colour map's 256-entry table
straight to palette indices (:func:`palette_indices`, on the colour scale
shared by all frames): no matplotlib figure per frame and no colour
quantisation. :func:`save_gif` writes them in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from PIL import Image, ImageDraw

from scan_analysis.data.atomic_files import atomic_output
from scan_analysis.image.animation_frames import frame_shape, shrink_to_frame

__all__ = [
    "DEFAULT_FRAME_INCHES",
    "colour_table",
    "frame_shape",
    "palette_indices",
    "save_gif",
    "shrink_to_frame",
]

DEFAULT_FRAME_INCHES = 4.0
"""Side of a frame when ``figsize_inches`` is not set (at the figure ``dpi``)."""


def palette_indices(image: np.ndarray, *, vmin: float, vmax: float) -> np.ndarray:
    """``image`` scaled to colour-table indices 0-255 (NaN → 0) on the shared colour scale.

    Examples
    --------
    >>> palette_indices(np.array([[0.0, 5.0, 10.0, np.nan]]), vmin=0, vmax=10)
    array([[  0, 128, 255,   0]], dtype=uint8)
    """
    scaled = (np.asarray(image, dtype=np.float32) - vmin) * (255.0 / (vmax - vmin))
    scaled = np.nan_to_num(scaled, nan=0.0, posinf=255.0, neginf=0.0)
    return np.clip(scaled + 0.5, 0, 255).astype(np.uint8)


def colour_table(cmap: str) -> list[int]:
    """The colour map as a GIF palette: 256 RGB triples, flattened."""
    rgb = colormaps[cmap](np.linspace(0.0, 1.0, 256))[:, :3]
    return (rgb * 255 + 0.5).astype(np.uint8).ravel().tolist()


def save_gif(
    frames: Sequence[np.ndarray],
    path: Path,
    *,
    cmap: str,
    duration: float,
    labels: Sequence[str] | None = None,
) -> Path:
    """Write palette-index frames as a looping GIF, atomically.

    Parameters
    ----------
    frames : sequence of 2-D uint8 arrays
        Palette indices (:func:`palette_indices` of the frames), all the same shape.
    path : Path
        The ``.gif`` to write.
    cmap : str
        Colour map of the palette.
    duration : float
        Milliseconds per frame.
    labels : sequence of str, optional
        Text drawn in each frame's corner (e.g. the shot number).
    """
    if not frames:
        raise ValueError(f"no frames to write to {path}")
    palette = colour_table(cmap)
    images = []
    for number, frame in enumerate(frames):
        frame = np.ascontiguousarray(frame, dtype=np.uint8)
        image = Image.frombytes("P", (frame.shape[1], frame.shape[0]), frame.tobytes())
        image.putpalette(palette)
        if labels is not None:
            ImageDraw.Draw(image).text((4, 2), labels[number], fill=255)
        images.append(image)
    with atomic_output(path) as stream:
        images[0].save(
            stream,
            format="GIF",
            save_all=True,
            append_images=images[1:],
            duration=duration,
            loop=0,
            optimize=False,
        )
    return path
