"""The s-file ``analysis/s{N}.txt``: read it, and merge new columns into it crash-safely.

The DAQ writes one tab-separated row per shot. Analysis appends one column per
derived scalar. :func:`merge_columns` keeps every existing cell byte-for-byte
(it edits the text, not a re-rendered table), matches rows by ``Shotnumber``,
replaces columns of the same name (a re-run never duplicates), takes a
:class:`~scan_analysis.data.file_lock.FileLock` that other processes and
machines respect, and replaces the file atomically so a concurrent reader sees
the old or the new file, never a half-written one.
"""

from __future__ import annotations

import io
import logging
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from scan_analysis.data.atomic_files import write_atomically
from scan_analysis.data.file_lock import FileLock
from scan_analysis.errors import SFileError

logger = logging.getLogger(__name__)

SHOT_COLUMN = "Shotnumber"
BIN_COLUMN = "Bin #"
MISSING_VALUE = "nan"


def format_value(value: object) -> str:
    """Render one new cell: floats round-trip exactly (``repr``), NaN/None as ``nan``.

    Examples
    --------
    >>> format_value(0.1), format_value(float("nan")), format_value(3), format_value(None)
    ('0.1', 'nan', '3', 'nan')
    """
    if value is None:
        return MISSING_VALUE
    if isinstance(value, bool | np.bool_):
        return str(int(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        text = str(value)
        if any(ch in text for ch in "\t\r\n"):
            raise ValueError(f"s-file cells cannot hold tabs or newlines: {text!r}") from None
        return text
    if math.isnan(number):
        return MISSING_VALUE
    return repr(number)


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        raise SFileError(
            f"s-file {path} does not exist; the DAQ writes it when a scan ends: "
            "check the scan number, or wait for the scan to finish"
        ) from None
    except OSError as error:
        raise SFileError(f"cannot read s-file {path}: {error}") from error


class _Table:
    """The s-file as raw text cells, so untouched cells are written back unchanged."""

    def __init__(self, text: str, path: Path) -> None:
        self.path = path
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.trailing_newline = text.endswith(("\n", "\r"))
        lines = text.lstrip("\ufeff").splitlines()
        self.bom = text.startswith("\ufeff")
        while lines and not lines[-1].strip():
            lines.pop()
        if not lines or not lines[0].strip():
            raise SFileError(
                f"s-file {path} is empty or has no header row; it may still be being written "
                "by the DAQ (wait for the scan to end) or be damaged (restore it from the DAQ copy)"
            )
        self.header = lines[0].split("\t")
        if SHOT_COLUMN not in self.header:
            raise SFileError(
                f"s-file {path} has no {SHOT_COLUMN!r} column (columns: "
                f"{', '.join(self.header[:8])}{', ...' if len(self.header) > 8 else ''}); "
                "is this an s-file written by the DAQ?"
            )
        self.rows: list[list[str]] = []
        self.dropped: list[int] = []
        for number, line in enumerate(lines[1:], start=2):
            cells = line.split("\t")
            if len(cells) < len(self.header):
                if number == len(lines):
                    logger.warning(
                        "s-file %s: last line %d has %d of %d cells (cut short while being "
                        "written?); ignoring it",
                        path,
                        number,
                        len(cells),
                        len(self.header),
                    )
                    self.dropped.append(number)
                    continue
                cells = cells + [""] * (len(self.header) - len(cells))
            self.rows.append(cells)

    def shot_numbers(self) -> list[int | None]:
        index = self.header.index(SHOT_COLUMN)
        shots: list[int | None] = []
        for cells in self.rows:
            try:
                shots.append(int(float(cells[index])))
            except ValueError:
                shots.append(None)
        return shots

    def render(self) -> str:
        body = self.newline.join("\t".join(cells) for cells in [self.header, *self.rows])
        return (
            ("\ufeff" if self.bom else "") + body + (self.newline if self.trailing_newline else "")
        )


def read_sfile(path: str | os.PathLike) -> pd.DataFrame:
    """Read an s-file into a DataFrame.

    Blank and ``nan`` cells become NaN; ``Shotnumber`` (and ``Bin #``) are
    integers; a truncated last line is dropped with a warning. Column names are
    kept exactly as written (including ``Alias:`` suffixes).

    Raises
    ------
    SFileError
        When the file is missing, empty, or has no ``Shotnumber`` column.
    """
    path = Path(path)
    table = _Table(_read_text(path), path)
    frame = pd.read_csv(
        io.StringIO(
            "\n".join(
                "\t".join(cells[: len(table.header)]) for cells in [table.header, *table.rows]
            )
        ),
        sep="\t",
        na_values=["", "nan", "NaN", "NAN"],
        keep_default_na=True,
        dtype=str,
    )
    frame.columns = table.header  # keep duplicate/odd names exactly as written
    for column in frame.columns:
        converted = pd.to_numeric(frame[column], errors="coerce")
        # keep text columns (e.g. comments) as text; numbers as floats
        if converted.notna().sum() >= frame[column].notna().sum():
            frame[column] = converted
    shots = pd.to_numeric(frame[SHOT_COLUMN], errors="coerce")
    if shots.isna().any():
        logger.warning("s-file %s: %d rows without a shot number dropped", path, shots.isna().sum())
        frame = frame[shots.notna()].copy()
        shots = shots[shots.notna()]
    frame[SHOT_COLUMN] = shots.astype(int)
    if BIN_COLUMN in frame.columns and frame[BIN_COLUMN].notna().all():
        frame[BIN_COLUMN] = frame[BIN_COLUMN].astype(int)
    return frame.reset_index(drop=True)


def merge_columns(
    path: str | os.PathLike,
    columns: pd.DataFrame,
    *,
    lock_timeout: float = 60.0,
    stale_after: float = 30.0,
) -> list[str]:
    """Merge new columns into an s-file by ``Shotnumber``, crash-safely.

    Parameters
    ----------
    path : path
        The s-file.
    columns : DataFrame
        A ``Shotnumber`` column plus one column per new scalar. Shots of the
        s-file missing here get ``nan``; shots here missing from the s-file are
        ignored (logged).
    lock_timeout, stale_after : float
        See :class:`~scan_analysis.data.file_lock.FileLock`.

    Returns
    -------
    list of str
        The names of the merged columns.

    Notes
    -----
    Columns already in the file with the same name are replaced in place (a
    re-run keeps the column order); all other cells are written back exactly as
    they were. The file is replaced atomically under a lock at ``<path>.lock``.
    """
    path = Path(path)
    if SHOT_COLUMN not in columns.columns:
        raise ValueError(f"columns to merge into {path} need a {SHOT_COLUMN!r} column")
    new_names = [str(name) for name in columns.columns if name != SHOT_COLUMN]
    if len(set(new_names)) != len(new_names):
        raise ValueError(f"duplicate column names to merge into {path}: {new_names}")
    for name in new_names:
        if not name or any(ch in name for ch in "\t\r\n"):
            raise ValueError(f"column name {name!r} cannot be written to an s-file")
    shots = pd.to_numeric(columns[SHOT_COLUMN], errors="raise").astype(int).tolist()
    if len(set(shots)) != len(shots):
        raise ValueError(f"duplicate shot numbers in the columns to merge into {path}")
    values_by_shot = {
        shot: [format_value(value) for value in row]
        for shot, row in zip(
            shots, columns[new_names].itertuples(index=False, name=None), strict=True
        )
    }
    with FileLock(
        path.with_name(path.name + ".lock"), timeout=lock_timeout, stale_after=stale_after
    ):
        table = _Table(_read_text(path), path)
        if table.dropped:
            raise SFileError(
                f"s-file {path} ends with a cut-short line {table.dropped}; not merging into a "
                "file that may still be being written (re-run once the DAQ has finished the scan)"
            )
        positions = []
        for name in new_names:
            if name in table.header:
                positions.append(table.header.index(name))
            else:
                table.header.append(name)
                for cells in table.rows:
                    cells.append(MISSING_VALUE)
                positions.append(len(table.header) - 1)
        blank = [MISSING_VALUE] * len(new_names)
        file_shots = table.shot_numbers()
        for cells, shot in zip(table.rows, file_shots, strict=True):
            values = values_by_shot.get(shot, blank) if shot is not None else blank
            for position, value in zip(positions, values, strict=True):
                cells[position] = value
        unknown = set(values_by_shot) - {shot for shot in file_shots if shot is not None}
        if unknown:
            logger.info(
                "s-file %s has no rows for shots %s; their values are not written",
                path,
                sorted(unknown),
            )
        write_atomically(path, table.render())
    return new_names
