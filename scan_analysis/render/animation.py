"""Animated GIF of a no-scan's shots, cheap enough to write for every scan.

Each frame is a processed shot mapped through the colour map's 256-entry
table straight to palette indices: no matplotlib figure per frame and no colour
quantisation, so a frame costs about a millisecond. Frames are made where the
shots are analysed (worker processes, :func:`encode_frames`) and written by
:func:`save_gif` in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import colormaps
from PIL import Image, ImageDraw

from scan_analysis.data.atomic_files import atomic_output

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


def frame_shape(shape: Sequence[int], side: int) -> tuple[int, int]:
    """(width, height) of a frame whose longer side is ``side`` pixels, aspect kept."""
    height, width = int(shape[0]), int(shape[1])
    scale = side / max(height, width)
    return max(1, round(width * scale)), max(1, round(height * scale))


@dataclass
class FrameJob:
    """Shots to turn into frames in one worker call (sent with the analyzer that processes them).

    Attributes
    ----------
    analyzer : ImageAnalyzer
        Loads and processes each shot as the analysis did (its scan context included).
    shots : list of (int, Path)
        Frame index and shot file.
    vmin, vmax : float
        The shared colour scale.
    side : int
        Longer side of a frame, in pixels.
    """

    analyzer: Any
    shots: list[tuple[int, Path]]
    vmin: float
    vmax: float
    side: int


def encode_frames(job: FrameJob) -> list[tuple[int, np.ndarray | None]]:
    """Load, process and index every shot of ``job`` (None for a shot that fails)."""
    frames: list[tuple[int, np.ndarray | None]] = []
    for index, path in job.shots:
        try:
            processed = job.analyzer.process(job.analyzer.load(path)).data
        except Exception:  # that shot failed in the analysis too: it is left out
            frames.append((index, None))
            continue
        indices = palette_indices(processed, vmin=job.vmin, vmax=job.vmax)
        size = frame_shape(indices.shape, job.side)
        if size != (indices.shape[1], indices.shape[0]):
            indices = np.asarray(Image.fromarray(indices).resize(size, Image.Resampling.NEAREST))
        frames.append((index, indices))
    return frames


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
        From :func:`encode_frames` (all the same shape).
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
