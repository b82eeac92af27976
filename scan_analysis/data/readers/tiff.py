"""TIFF shots, read with tifffile (imported by the first TIFF read, not by a new worker)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

EXTENSIONS = (".tif", ".tiff")


def read_tiff(path: Path, **options: object) -> np.ndarray:
    """Read the first page of a TIFF as an array (2-D for greyscale frames)."""
    import tifffile

    array = tifffile.imread(path, key=0)
    if array.ndim == 3 and array.shape[-1] in (3, 4):
        array = array[..., :3].mean(axis=-1).astype(array.dtype)
    return np.asarray(array)
