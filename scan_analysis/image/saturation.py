"""Saturated pixels: how many pixels of a raw camera frame sit at the sensor's ceiling.

Beam sizes, peaks and charges measured on a saturated frame are wrong, and in
a scan that steps focus or charge the saturated bins are often the
interesting ones, so every camera shot is checked before any processing:
:func:`count_saturated_pixels` counts the pixels at or above the saturation
level on the raw frame (before background, masks and filters), leaving out
isolated hot pixels, which a 3x3 median removes. The level is
``saturation_level`` from the ``image:`` block, else ``2**bit_depth - 1``,
else the ceiling of the frame's integer type (:func:`saturation_level`).

The check costs one pass over the frame (its maximum) when nothing is
saturated, which is almost always; only frames with pixels at the level pay
for the neighbourhood test, and only over the box around those pixels.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

SATURATION_SCALAR = "saturated_pixels"
"""Name of the per-shot scalar (s-file column ``{device}_saturated_pixels``)."""

_KEPT_BY_MEDIAN = 5
"""A 3x3 median keeps a pixel at the level when at least 5 of its 9 pixels are there."""


def saturation_level(config: Any, dtype: np.dtype | type | None = None) -> float | None:
    """The value at and above which a raw pixel counts as saturated, or None when unknown.

    Parameters
    ----------
    config : CameraConfig or None
        ``saturation_level`` wins, then ``2**bit_depth - 1``.
    dtype : numpy dtype, optional
        The raw frame's type: without a config value, an integer type's
        maximum (255 for 8-bit, 65535 for 16-bit frames). Float frames with
        no config value have no known ceiling.

    Examples
    --------
    >>> from scan_analysis.image.config.models import CameraConfig
    >>> saturation_level(CameraConfig(bit_depth=12)), saturation_level(None, np.uint8)
    (4095, 255)
    >>> saturation_level(CameraConfig(bit_depth=12, saturation_level=4000), np.uint16)
    4000.0
    >>> saturation_level(None, np.float32) is None
    True
    """
    level = getattr(config, "saturation_level", None)
    if level is not None:
        return level
    bit_depth = getattr(config, "bit_depth", None)
    if bit_depth:
        return 2**bit_depth - 1
    if dtype is not None and np.dtype(dtype).kind in "ui":
        return int(np.iinfo(dtype).max)
    return None


def count_saturated_pixels(image: np.ndarray, *, level: float) -> int:
    """Pixels at or above ``level``, leaving out isolated ones that a 3x3 median removes.

    A pixel at the level counts when it belongs to a saturated patch a 3x3
    median keeps: it, or one of its eight neighbours, has at least 5 of the 9
    pixels of its 3x3 neighbourhood at the level. So every pixel of a
    saturated spot counts (its corners too), while a lone hot pixel, or a
    pair or 2x2 cluster of them, does not. At the frame's edges the edge
    pixels are repeated (mode ``reflect``), as the pipeline's median filter does.

    Parameters
    ----------
    image : ndarray
        The raw 2-D frame, as read (before background and filters).
    level : float
        The saturation level (see :func:`saturation_level`).

    Examples
    --------
    >>> frame = np.zeros((32, 32), dtype=np.uint16)
    >>> frame[10:14, 20:25] = 4095          # a saturated spot of 4 x 5 pixels
    >>> frame[3, 3] = frame[28, 9] = 4095   # two hot pixels
    >>> count_saturated_pixels(frame, level=4095)
    20
    >>> count_saturated_pixels(frame[:8, :8], level=4095)
    0
    """
    image = np.asarray(image)
    if image.ndim != 2 or image.size == 0:
        raise ValueError(f"saturation is counted on a 2-D frame, not shape {image.shape}")
    if image.dtype.kind in "ui":
        if level > np.iinfo(image.dtype).max:
            return 0  # the type cannot reach the level
        level = math.ceil(level)  # compare in the frame's own integer type, not float64
    if not image.max() >= level:  # one pass, no temporary: the usual, unsaturated frame
        return 0
    at_level = image >= level
    rows = np.flatnonzero(at_level.any(axis=1))
    columns = np.flatnonzero(at_level.any(axis=0))
    # the box around the saturated pixels, one pixel wider where the frame allows: outside it
    # nothing is saturated, so the neighbourhood test gives the same answer as on the frame
    top, bottom = max(rows[0] - 1, 0), min(rows[-1] + 2, image.shape[0])
    left, right = max(columns[0] - 1, 0), min(columns[-1] + 2, image.shape[1])
    box = at_level[top:bottom, left:right]
    # 3x3 sums and maxima as sums of shifted slices (separable): several times faster than
    # scipy.ndimage's generic filters; "edge" padding repeats the edge, as mode "reflect" does
    padded = np.pad(box.view(np.uint8), 1, mode="edge")
    across = padded[:, :-2] + padded[:, 1:-1] + padded[:, 2:]
    kept = np.pad(across[:-2] + across[1:-1] + across[2:] >= _KEPT_BY_MEDIAN, 1, mode="edge")
    across_kept = kept[:, :-2] | kept[:, 1:-1] | kept[:, 2:]
    near_kept = across_kept[:-2] | across_kept[1:-1] | across_kept[2:]
    return int(np.count_nonzero(box & near_kept))


SATURATION_CONSEQUENCE = "peaks, sizes and charges of those shots are unreliable"
"""What saturation means for the scalars, said wherever a scan's saturation is reported."""
SATURATION_NOTE_START = "saturated pixels in "
"""How the scan's saturation clause starts (in the outcome message, found again by the e-log)."""
_SATURATION_NOTE = re.compile(
    re.escape(SATURATION_NOTE_START) + r"\d+ of \d+ shots(?: \([^()]*\))?"
)


def describe_saturation(
    saturated_shots: int, shots: int, *, where: str = "", most: float | None = None
) -> str:
    """The scan's saturation clause: ``saturated pixels in 4 of 50 shots (JetX = 5.2, 5.4; ...)``.

    Parameters
    ----------
    saturated_shots, shots : int
        Shots with saturated pixels, and shots checked.
    where : str
        Which bins (or shots) they are in; no parentheses.
    most : float, optional
        The largest count in one shot.

    Examples
    --------
    >>> describe_saturation(4, 50, where="JetX = 5.2, 5.4", most=230)
    'saturated pixels in 4 of 50 shots (JetX = 5.2, 5.4; up to 230 per shot)'
    >>> saturation_note("12 of 12 shots analysed, " + describe_saturation(1, 12))
    'saturated pixels in 1 of 12 shots'
    """
    where = where.replace("(", "[").replace(")", "]")  # the clause's own parentheses end it
    details = [part for part in (where, f"up to {most:.0f} per shot" if most else "") if part]
    text = f"{SATURATION_NOTE_START}{saturated_shots} of {shots} shots"
    return text + (f" ({'; '.join(details)})" if details else "")


def saturation_note(message: str | None) -> str | None:
    """The saturation clause of an outcome message (see :func:`describe_saturation`), if any."""
    found = _SATURATION_NOTE.search(message or "")
    return found.group(0) if found else None
