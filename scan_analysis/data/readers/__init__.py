"""Per-shot file readers, chosen by extension.

Each format is a plug-in in its own module (``png``, ``tiff``, ``npy``,
``hdf5``, ``text_trace``, ``tdms``) that registers a reader for its
extensions; :func:`read_shot` is the one entry point and never branches on
format itself. Images come back as 2-D arrays in their stored dtype; traces as
a 2-D array whose row 0 is x and rows 1.. are y.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

import numpy as np

from scan_analysis.errors import ShotReadError, UnsupportedFormatError

logger = logging.getLogger(__name__)


class ShotReader(Protocol):
    """A reader: ``reader(path, **options) -> ndarray``; raises ShotReadError when corrupt."""

    def __call__(self, path: Path, **options: object) -> np.ndarray: ...


_READERS: dict[str, ShotReader] = {}


def register_reader(extensions: Iterable[str], reader: ShotReader) -> None:
    """Make ``reader`` handle files ending in any of ``extensions`` (``".png"``)."""
    for extension in extensions:
        _READERS[extension.lower()] = reader


def supported_extensions() -> list[str]:
    """The extensions a reader is registered for."""
    return sorted(_READERS)


def reader_for(path: str | os.PathLike) -> ShotReader:
    """The reader registered for a file's extension."""
    suffix = Path(path).suffix.lower()
    try:
        return _READERS[suffix]
    except KeyError:
        raise UnsupportedFormatError(
            f"no reader for {path} (extension {suffix or 'none'!r}); supported: "
            f"{', '.join(supported_extensions())}. Point the analyzer at files of a "
            "supported type (scan.file_tail) or add a reader with register_reader().",
            path,
        ) from None


def shift_to_bit_depth(image: np.ndarray, bit_depth: int | None) -> np.ndarray:
    """Undo LabVIEW's habit of storing 12/14-bit data shifted up into 16 bits.

    When ``bit_depth`` is less than the storage depth and every value is a
    multiple of ``2**(storage - bit_depth)`` (the low bits are all zero), the
    data is shifted down; otherwise it is returned unchanged (it was stored
    unshifted).

    Examples
    --------
    >>> shift_to_bit_depth(np.array([[16, 4096]], dtype=np.uint16), 12)
    array([[  1, 256]], dtype=uint16)
    >>> shift_to_bit_depth(np.array([[17, 4096]], dtype=np.uint16), 12)
    array([[  17, 4096]], dtype=uint16)
    """
    if bit_depth is None or image.dtype.kind != "u":
        return image
    storage = image.dtype.itemsize * 8
    if bit_depth >= storage:
        return image
    shift = storage - bit_depth
    if not np.any(image & ((1 << shift) - 1)):
        return image >> shift
    return image


def read_shot(
    path: str | os.PathLike, *, bit_depth: int | None = None, **options: object
) -> np.ndarray:
    """Read one shot's file.

    Parameters
    ----------
    path : path
        The per-shot file; its extension picks the reader.
    bit_depth : int, optional
        The camera's real bit depth (12, 14...); data stored shifted up into
        16 bits is shifted back (see :func:`shift_to_bit_depth`).
    **options
        Reader options: ``dataset`` (h5), ``delimiter``, ``x_column``,
        ``y_column`` (text traces), ``trace_index`` (tdms, h5 scopes).

    Raises
    ------
    ShotReadError
        The file is missing, truncated or corrupt (the message names it).
    UnsupportedFormatError
        No reader handles the extension.
    """
    path = Path(path)
    reader = reader_for(path)
    if not path.is_file():
        raise ShotReadError(
            f"shot file {path} does not exist; check the scan folder and the device name", path
        )
    try:
        data = reader(path, **options)
    except ShotReadError:
        raise
    except Exception as error:  # every decoder has its own error types
        raise ShotReadError(
            f"cannot read {path}: {type(error).__name__}: {error}. The file looks corrupt or "
            "truncated: treat the shot as missing, or replace the file from a backup.",
            path,
        ) from error
    return shift_to_bit_depth(data, bit_depth) if data.ndim == 2 and bit_depth else data


def _register_builtin() -> None:
    from scan_analysis.data.readers import hdf5, npy, png, tdms, text_trace, tiff

    modules: list[tuple[Iterable[str], Callable]] = [
        (png.EXTENSIONS, png.read_png),
        (tiff.EXTENSIONS, tiff.read_tiff),
        (npy.EXTENSIONS, npy.read_npy),
        (hdf5.EXTENSIONS, hdf5.read_hdf5),
        (text_trace.EXTENSIONS, text_trace.read_text_trace),
        (tdms.EXTENSIONS, tdms.read_tdms),
    ]
    for extensions, reader in modules:
        register_reader(extensions, reader)


_register_builtin()

__all__ = [
    "read_shot",
    "register_reader",
    "reader_for",
    "supported_extensions",
    "shift_to_bit_depth",
    "ShotReader",
]
