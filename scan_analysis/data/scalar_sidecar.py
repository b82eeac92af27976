"""The scalar sidecar: an analyzer's per-shot scalars beside its figures.

``analysis/Scan{NNN}/{analyzer}/scalars.csv`` holds the columns the analyzer
merged into the s-file (``Shotnumber`` plus its s-file column names), so the
derived values survive an s-file the DAQ writes again, and can be merged back
(:meth:`scan_analysis.base.ScanAnalyzer.run_analysis` with ``restore_scalars``).
Floats are written exactly (``repr``), NaN as ``nan``; the file is replaced
atomically, so a reader never sees half of it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from scan_analysis.data.atomic_files import write_atomically
from scan_analysis.data.sfile import SHOT_COLUMN
from scan_analysis.errors import SFileError

SIDECAR_NAME = "scalars.csv"


def write_scalar_sidecar(path: str | os.PathLike, columns: pd.DataFrame) -> Path:
    """Write ``Shotnumber`` + scalar columns to ``path`` as CSV, atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / SIDECAR_NAME
    >>> frame = pd.DataFrame({"Shotnumber": [1, 2], "cam_total": [0.1, float("nan")]})
    >>> _ = write_scalar_sidecar(target, frame)
    >>> print(target.read_text().strip())
    Shotnumber,cam_total
    1,0.1
    2,nan
    """
    if SHOT_COLUMN not in columns.columns:
        raise ValueError(f"scalars need a {SHOT_COLUMN!r} column")
    path = Path(path)
    ordered = columns[[SHOT_COLUMN, *(c for c in columns.columns if c != SHOT_COLUMN)]]
    ordered = ordered.sort_values(SHOT_COLUMN)
    write_atomically(path, ordered.to_csv(index=False, na_rep="nan", lineterminator="\n"))
    return path


def read_scalar_sidecar(path: str | os.PathLike) -> pd.DataFrame:
    """Read a sidecar written by :func:`write_scalar_sidecar` (values exactly as written).

    Raises
    ------
    SFileError
        The file is missing, unreadable or has no ``Shotnumber`` column,
        naming the file and what to do.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path, na_values=["nan"])
    except FileNotFoundError:
        raise SFileError(
            f"no saved scalars at {path}; run the analysis of this scan (without "
            "restore_scalars) to compute them"
        ) from None
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise SFileError(
            f"cannot read the saved scalars {path}: {error}; run the analysis again to rewrite it"
        ) from error
    if SHOT_COLUMN not in frame.columns:
        raise SFileError(
            f"{path} has no {SHOT_COLUMN!r} column, so it is not a scalar sidecar; run the "
            "analysis again to rewrite it"
        )
    frame[SHOT_COLUMN] = frame[SHOT_COLUMN].astype(int)
    return frame
