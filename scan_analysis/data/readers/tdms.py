"""NI ``.tdms`` scope traces, read with nptdms."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from scan_analysis.errors import ShotReadError

EXTENSIONS = (".tdms",)


class _NptdmsWarnings(logging.Handler):
    """Collects nptdms's log warnings while a file is read (it reads truncated files silently)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self) -> _NptdmsWarnings:
        logging.getLogger("nptdms").addHandler(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        logging.getLogger("nptdms").removeHandler(self)


def read_tdms(path: Path, *, trace_index: int = 0, **options: object) -> np.ndarray:
    """Read channel ``trace_index`` (over all groups, in file order) as ``[time, y]``.

    The time axis comes from the channel's waveform properties
    (``wf_increment``/``wf_start_offset``) when present, else the sample index.
    """
    from nptdms import TdmsFile  # imported on the first TDMS shot: the library imports light

    with _NptdmsWarnings() as warnings:
        tdms = TdmsFile.read(path)
    truncated = [message for message in warnings.messages if "less data than expected" in message]
    if truncated:
        raise ShotReadError(f"{path} is truncated: {truncated[0]}", path)
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
