"""NI ``.tdms`` scope traces, read with nptdms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from nptdms import TdmsFile

from scan_analysis.errors import ShotReadError

EXTENSIONS = (".tdms",)


def read_tdms(path: Path, *, trace_index: int = 0, **options: object) -> np.ndarray:
    """Read channel ``trace_index`` (over all groups, in file order) as ``[time, y]``.

    The time axis comes from the channel's waveform properties
    (``wf_increment``/``wf_start_offset``) when present, else the sample index.
    """
    tdms = TdmsFile.read(path)
    channels = [channel for group in tdms.groups() for channel in group.channels()]
    if not channels:
        raise ShotReadError(f"{path} holds no TDMS channels", path)
    if not 0 <= trace_index < len(channels):
        raise ShotReadError(
            f"{path} has {len(channels)} channels; trace_index {trace_index} is out of range", path
        )
    channel = channels[trace_index]
    y = np.asarray(channel[:], dtype=float)
    try:
        x = np.asarray(channel.time_track(), dtype=float)
    except (KeyError, ValueError):
        x = np.arange(y.size, dtype=float)
    return np.vstack([x, y])
