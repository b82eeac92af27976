"""HDF5 shots: an image or a scope trace stored as a dataset."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from scan_analysis.errors import ShotReadError

if TYPE_CHECKING:
    import h5py

EXTENSIONS = (".h5", ".hdf5")


def _datasets(group: h5py.Group) -> list[h5py.Dataset]:
    import h5py

    found: list[h5py.Dataset] = []
    group.visititems(
        lambda name, item: found.append(item) if isinstance(item, h5py.Dataset) else None
    )
    return found


def read_hdf5(
    path: Path, *, dataset: str | None = None, trace_index: int = 0, **options: object
) -> np.ndarray:
    """Read a dataset from an HDF5 shot.

    Parameters
    ----------
    dataset : str, optional
        The dataset's path; default the first 1-D or 2-D numeric dataset in the
        file's name order (an image when there is one, else a trace).
    trace_index : int
        For scope files holding several 1-D traces (e.g. Tektronix ``tek_scope_hdf5``),
        which one (0-based) to return as y; x is taken from a dataset named like
        ``time``/``x`` when present, else the sample index.
    """
    import h5py  # imported on the first HDF5 shot: importing the library stays light

    with h5py.File(path, "r") as handle:
        if dataset is not None:
            if dataset not in handle:
                names = [d.name for d in _datasets(handle)]
                raise ShotReadError(
                    f"{path} has no dataset {dataset!r}; set dataset to one of {names}", path
                )
            data = np.asarray(handle[dataset])
            return data if data.ndim != 1 else np.vstack([np.arange(data.size), data])
        candidates = [d for d in _datasets(handle) if d.ndim in (1, 2) and d.dtype.kind in "uif"]
        if not candidates:
            raise ShotReadError(f"{path} holds no 1-D or 2-D numeric dataset", path)
        images = [d for d in candidates if d.ndim == 2 and min(d.shape) > 2]
        if images:
            return np.asarray(images[0])
        axes = [d for d in candidates if d.name.rsplit("/", 1)[-1].lower() in ("time", "x", "t")]
        traces = [d for d in candidates if d not in axes and d.ndim == 1]
        if not traces:
            return np.asarray(candidates[0])
        if trace_index >= len(traces):
            raise ShotReadError(
                f"{path} has {len(traces)} traces; trace_index {trace_index} is out of range", path
            )
        y = np.asarray(traces[trace_index], dtype=float)
        x = np.asarray(axes[0], dtype=float) if axes else np.arange(y.size, dtype=float)
        return np.vstack([x[: y.size], y])
