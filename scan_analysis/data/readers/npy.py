"""NumPy ``.npy`` shots (images or traces)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

EXTENSIONS = (".npy",)


def read_npy(path: Path, **options: object) -> np.ndarray:
    """Load a ``.npy`` array (no pickles); a 1-D array is a trace with index x."""
    array = np.load(path, allow_pickle=False)
    if array.ndim == 1:
        return np.vstack([np.arange(array.size, dtype=float), array.astype(float)])
    return array
