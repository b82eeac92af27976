"""The s-file ``analysis/s{N}.txt``: read it, and merge new columns into it crash-safely.

The DAQ writes one tab-separated row per shot. Analysis appends one column per
derived scalar. :func:`merge_columns` keeps every existing cell byte-for-byte
(it edits the raw text, not a re-rendered table: line endings, blank lines,
number formats and non-UTF-8 bytes all survive), matches rows by
``Shotnumber``, replaces columns of the same name (a re-run never duplicates),
takes a :class:`~scan_analysis.data.file_lock.FileLock` that other processes and
machines respect, checks that lease is still held (and any task claim guarding
the merge) right before writing, and replaces the file atomically so a
concurrent reader sees the old or the new file, never a half-written one.

Missing values written by the merge are ``nan`` (for shots the new columns do
not cover, and for NaN/None values), never blank: ``nan`` is what the DAQ
itself writes for a missed value, and every reader (ours, pandas, LabVIEW,
spreadsheets) reads it as not-a-number.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scan_analysis.data.atomic_files import write_atomically
from scan_analysis.data.file_lock import FileLock, ensure_guards_held
from scan_analysis.data.scan_paths import is_read_only
from scan_analysis.errors import SFileError, SFileReadOnlyError

logger = logging.getLogger(__name__)

SHOT_COLUMN = "Shotnumber"
BIN_COLUMN = "Bin #"
TIMESTAMP_VARIABLE = "acq_timestamp"  # a device's column is "{device} acq_timestamp"
MISSING_VALUE = "nan"
LOCK_SUFFIX = ".lock"
_MISSING_CELLS = frozenset({"", "nan", "NaN", "NAN", "Nan", "-nan", "-NaN", "+nan", "+NaN"})
_LINE_BREAK = re.compile(r"(\r\n|\n|\r)")
_BOM = "\ufeff"


def format_value(value: object) -> str:
    """Render one new s-file cell.

    Floats are written with ``repr`` so they read back exactly; integers as
    integers; NaN and None as ``nan``.

    Raises
    ------
    ValueError
        For text holding a tab or line break (it would break the table).

    Examples
    --------
    >>> format_value(0.1), format_value(float("nan")), format_value(3), format_value(None)
    ('0.1', 'nan', '3', 'nan')
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return MISSING_VALUE
    if isinstance(value, bool | np.bool_):
        return str(int(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        return MISSING_VALUE if math.isnan(number) else repr(number)
    text = str(value)
    if any(character in text for character in "\t\r\n"):
        raise ValueError(f"s-file cells cannot hold tabs or line breaks: {text!r}")
    return text


@dataclass
class _Line:
    """One line of the file: its cells (None for a blank line) and its own line ending."""

    content: str
    ending: str
    cells: list[str] | None = None
    number: int = 0  # 1-based line number, for messages


@dataclass
class _SFileText:
    """The s-file as raw text cells, so untouched cells are written back unchanged."""

    path: Path
    bom: bool
    header: _Line
    lines: list[_Line]  # every line after the header, blank ones included
    cell_terminated: bool  # every line ends with a tab (the header did)
    truncated: _Line | None = None  # a cut-short last row (not in ``rows``)
    rows: list[_Line] = field(default_factory=list)
    key_names: list[str] = field(default_factory=list)  # header with key columns' canonical case

    @property
    def columns(self) -> list[str]:
        assert self.header.cells is not None
        return self.header.cells

    @property
    def shot_position(self) -> int:
        return self.key_names.index(SHOT_COLUMN)

    def render(self) -> str:
        parts = [_BOM] if self.bom else []
        for line in [self.header, *self.lines]:
            if line.cells is None:
                parts.append(line.content)
            else:
                parts.append("\t".join(line.cells) + ("\t" if self.cell_terminated else ""))
            parts.append(line.ending)
        return "".join(parts)


def _canonical_key_name(name: str) -> str | None:
    """The spelling the toolkit uses for a key column written in any case, else None."""
    folded = name.strip().casefold()
    if folded == SHOT_COLUMN.casefold():
        return SHOT_COLUMN
    if folded == BIN_COLUMN.casefold():
        return BIN_COLUMN
    suffix = " " + TIMESTAMP_VARIABLE
    if folded.endswith(suffix):
        return name.strip()[: -len(suffix)] + suffix
    return None


def key_column_names(columns: list[str], path: Path) -> list[str]:
    """The header with the key columns spelled as the toolkit looks them up.

    The DAQ writes ``Shotnumber``, ``Bin #`` and ``"{device} acq_timestamp"``,
    but files edited by hand or written by other programs may use another case
    (``shotnumber``, ``BIN #``, ``... Acq_Timestamp``). Such a column is named
    canonically here; every other name, and a key column already spelled
    exactly, is kept. The file itself is never changed.

    Raises
    ------
    SFileError
        When two columns differ only in case and neither is spelled exactly
        (which one is meant would be a guess).

    Examples
    --------
    >>> key_column_names(["bin #", "shotnumber", "Cam ACQ_Timestamp", "x"], Path("s1.txt"))
    ['Bin #', 'Shotnumber', 'Cam acq_timestamp', 'x']
    """
    exact = set(columns)
    renamed = list(columns)
    claimed: dict[str, str] = {}
    for position, name in enumerate(columns):
        canonical = _canonical_key_name(name)
        if canonical is None or canonical == name or canonical in exact:
            continue
        if canonical in claimed:
            raise SFileError(
                f"s-file {path}: columns {claimed[canonical]!r} and {name!r} both read as "
                f"{canonical!r} (they differ only in case); rename one in the header"
            )
        claimed[canonical] = name
        renamed[position] = canonical
    return renamed


def _split_lines(text: str) -> list[_Line]:
    pieces = _LINE_BREAK.split(text)
    lines = [
        _Line(content=pieces[i], ending=pieces[i + 1] if i + 1 < len(pieces) else "", number=n)
        for n, i in enumerate(range(0, len(pieces), 2), start=1)
    ]
    if lines and lines[-1].content == "" and lines[-1].ending == "":
        lines.pop()  # the empty remainder after a final line break
    return lines


def _parse(text: str, path: Path) -> _SFileText:
    bom = text.startswith(_BOM)
    lines = _split_lines(text[1:] if bom else text)
    if not lines or not lines[0].content.strip():
        raise SFileError(
            f"s-file {path} is empty or has no header row; it may still be being written "
            "by the DAQ (wait for the scan to end) or be damaged (restore it from the DAQ copy)"
        )
    header, body = lines[0], lines[1:]
    cell_terminated = header.content.endswith("\t") and header.content.strip("\t") != ""
    header.cells = _cells(header.content, cell_terminated)
    key_names = key_column_names(header.cells, path)
    if SHOT_COLUMN not in key_names:
        shown = ", ".join(header.cells[:8]) + (", ..." if len(header.cells) > 8 else "")
        raise SFileError(
            f"s-file {path} has no {SHOT_COLUMN!r} column in its header (columns: {shown}); "
            "is this an s-file written by the DAQ?"
        )
    table = _SFileText(path, bom, header, body, cell_terminated, key_names=key_names)
    width = len(header.cells)
    filled = [line for line in body if line.content.strip()]
    for line in filled:
        line.cells = _cells(line.content, cell_terminated)
    if filled and len(filled[-1].cells or []) < width:
        table.truncated = filled.pop()
        logger.warning(
            "s-file %s: last row (line %d) has %d of %d cells, cut short while being written?; "
            "ignoring it",
            path,
            table.truncated.number,
            len(table.truncated.cells or []),
            width,
        )
    table.rows = filled
    return table


def _cells(content: str, cell_terminated: bool) -> list[str]:
    if cell_terminated and content.endswith("\t"):
        content = content[:-1]
    return content.split("\t")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SFileError(
            f"s-file {path} does not exist; the DAQ writes it when a scan ends: "
            "check the scan number, or wait for the scan to finish"
        ) from None
    except OSError as error:
        raise SFileError(f"cannot read s-file {path}: {error}; check the share") from error


def _decode_for_reading(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        logger.info("s-file %s is not UTF-8; reading it as Windows-1252", path)
        return raw.decode("cp1252", errors="replace")


def _parse_cells(grid: list[list[str]], width: int) -> pd.DataFrame:
    """Numbers as numbers (blank/``nan`` → NaN); a column with any non-number stays text."""
    if not grid:
        return pd.DataFrame({i: pd.Series(dtype=float) for i in range(width)})
    return pd.read_csv(
        io.StringIO("\n".join("\t".join(cells) for cells in grid)),
        sep="\t",
        header=None,
        names=list(range(width)),
        na_values=sorted(_MISSING_CELLS),
        keep_default_na=False,
        quoting=csv.QUOTE_NONE,
        skip_blank_lines=False,
        true_values=[],
        false_values=[],
        low_memory=False,
    )


def read_sfile(path: str | os.PathLike) -> pd.DataFrame:
    """Read an s-file into a DataFrame.

    Parameters
    ----------
    path : path
        The s-file (``analysis/s{N}.txt``).

    Returns
    -------
    pandas.DataFrame
        One row per shot in file order, columns named exactly as in the header
        (including ``Alias:`` suffixes), except that the key columns
        ``Shotnumber``, ``Bin #`` and ``"{device} acq_timestamp"`` get that
        spelling whatever their case in the file (see :func:`key_column_names`).
        Blank and ``nan`` cells are NaN;
        ``Shotnumber`` (and ``Bin #`` when complete) are integers; shots
        missing from the file are simply absent. A cut-short last row (the
        DAQ still writing) is dropped with a logged warning.

    Raises
    ------
    SFileError
        When the file is missing, empty, or has no ``Shotnumber`` column (in
        any case), or two key columns that differ only in case.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s1.txt"
    >>> _ = path.write_text("Bin #\\tShotnumber\\tCharge\\n1\\t1\\t2.5\\n1\\t2\\tnan\\n")
    >>> read_sfile(path)["Charge"].tolist()
    [2.5, nan]
    """
    path = Path(path)
    table = _parse(_decode_for_reading(_read_bytes(path), path), path)
    width = len(table.columns)
    for row in table.rows:
        if len(row.cells or []) > width:
            logger.warning(
                "s-file %s: line %d has %d cells for %d columns; ignoring the extra cells",
                path,
                row.number,
                len(row.cells or []),
                width,
            )
    grid = [(row.cells or [])[:width] + [""] * (width - len(row.cells or [])) for row in table.rows]
    frame = _parse_cells(grid, width)
    frame.columns = list(table.key_names)  # keeps duplicate or odd names exactly as written
    position = table.shot_position
    shots = pd.to_numeric(frame.iloc[:, position], errors="coerce")
    if shots.isna().any():
        logger.warning(
            "s-file %s: %d rows without a shot number ignored", path, int(shots.isna().sum())
        )
        frame, shots = frame[shots.notna()], shots[shots.notna()]
    frame = frame.reset_index(drop=True)
    frame.isetitem(position, shots.astype(np.int64).to_numpy())
    if BIN_COLUMN in table.key_names:
        position = table.key_names.index(BIN_COLUMN)
        bins = frame.iloc[:, position]
        if pd.api.types.is_numeric_dtype(bins) and bins.notna().all() and _whole(bins):
            frame.isetitem(position, bins.astype(np.int64).to_numpy())
    return frame


def _whole(values: pd.Series) -> bool:
    return bool(len(values)) and bool((values == values.round()).all())


def _shot_of(cells: list[str], position: int) -> int | None:
    try:
        number = float(cells[position])
    except (IndexError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number == int(number) else None


def _validated_new_columns(path: Path, columns: pd.DataFrame) -> tuple[list[str], dict]:
    if SHOT_COLUMN not in columns.columns:
        raise ValueError(
            f"the columns to merge into {path} need a {SHOT_COLUMN!r} column to match rows by; "
            f"got {list(columns.columns)}"
        )
    names = [str(name) for name in columns.columns if name != SHOT_COLUMN]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate column names to merge into {path}: {names}")
    for name in names:
        if not name.strip() or any(character in name for character in "\t\r\n"):
            raise ValueError(
                f"column name {name!r} cannot be written to the s-file {path}: use a non-empty "
                "name without tabs or line breaks"
            )
        if _canonical_key_name(name) in (BIN_COLUMN, SHOT_COLUMN):
            raise ValueError(f"{name!r} is the DAQ's column in {path}; choose another name")
    shots = pd.to_numeric(columns[SHOT_COLUMN], errors="coerce")
    if shots.isna().any() or not (shots == shots.round()).all():
        raise ValueError(
            f"{SHOT_COLUMN} values to merge into {path} must be whole numbers, got "
            f"{columns[SHOT_COLUMN].tolist()[:10]}"
        )
    shot_list = shots.astype(np.int64).tolist()
    if len(set(shot_list)) != len(shot_list):
        raise ValueError(f"duplicate shot numbers in the columns to merge into {path}")
    values_by_shot = {
        shot: [format_value(value) for value in row]
        for shot, row in zip(
            shot_list, columns[names].itertuples(index=False, name=None), strict=True
        )
    }
    return names, values_by_shot


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
    columns : pandas.DataFrame
        A ``Shotnumber`` column plus one column per new scalar. Shots of the
        s-file missing here get ``nan``; shots here missing from the s-file
        are ignored (logged).
    lock_timeout : float
        Seconds to wait for ``<path>.lock`` held by another writer.
    stale_after : float
        See :class:`~scan_analysis.data.file_lock.FileLock`.

    Returns
    -------
    list of str
        The names of the merged columns.

    Raises
    ------
    SFileError
        When the s-file is missing or unreadable, ends with a cut-short row
        (still being written), or has a row wider than its header.
    SFileReadOnlyError
        When the s-file is read-only (no write permission bit, or not writable
        by this user): it is left untouched rather than replaced through the
        rename, which the folder's permissions would allow.
    LockTimeoutError
        When another writer holds the lock for longer than ``lock_timeout``.
    LockLostError
        When the lock (or the task claim guarding this merge, see
        :func:`~scan_analysis.data.file_lock.lease_guard`) was taken over by
        another process before the write: the file is left untouched.

    Notes
    -----
    A column already in the file with the same name is replaced in place (a
    re-run keeps the column order); new ones are appended at the right. All
    other cells, line endings and blank lines are written back exactly as they
    were. The file is replaced atomically (and keeps its permissions) under a
    lock at ``<path>.lock``, so the DAQ's other readers never see half a file.
    """
    path = Path(path)
    names, values_by_shot = _validated_new_columns(path, columns)
    if not names:
        return []
    if not path.is_file():
        _read_bytes(path)  # raises the "does not exist" SFileError before any lock is made
    _refuse_read_only(path)
    lock_path = path.with_name(path.name + LOCK_SUFFIX)
    with FileLock(lock_path, timeout=lock_timeout, stale_after=stale_after) as lock:
        # surrogateescape: bytes that are not UTF-8 come back out unchanged
        table = _parse(_read_bytes(path).decode("utf-8", "surrogateescape"), path)
        _check_mergeable(table)
        _set_columns(table, names, values_by_shot)
        payload = table.render().encode("utf-8", "surrogateescape")
        _refuse_read_only(path)  # made read-only while we waited for the lock
        ensure_guards_held(lock)  # a writer that lost its lease (or its task claim) writes nothing
        write_atomically(path, payload)
    return names


def _refuse_read_only(path: Path) -> None:
    """Raise when the s-file's permissions forbid changing it (even to root, who could)."""
    if not is_read_only(path):
        return
    raise SFileReadOnlyError(
        f"s-file {path} is read-only, so the new columns were not written and the file is left "
        "untouched; if the scalars should go in, make it writable (chmod u+w) and re-run the "
        "analysis",
        path,
    )


def _check_mergeable(table: _SFileText) -> None:
    if table.truncated is not None:
        raise SFileError(
            f"s-file {table.path} ends with a cut-short row (line {table.truncated.number}); not "
            "merging into a file the DAQ may still be writing: re-run once the scan has ended"
        )
    width = len(table.columns)
    for row in table.rows:
        if len(row.cells or []) > width:
            raise SFileError(
                f"s-file {table.path}: line {row.number} has {len(row.cells or [])} cells but the "
                f"header names {width} columns, so new columns cannot be placed; fix that line "
                "(or its header) by hand first"
            )


def _set_columns(table: _SFileText, names: list[str], values_by_shot: dict) -> None:
    width = len(table.columns)
    for row in table.rows:  # short rows in the middle: pad so new cells line up
        assert row.cells is not None
        row.cells.extend([""] * (width - len(row.cells)))
    positions = []
    for name in names:
        if name in table.columns:
            positions.append(table.columns.index(name))
        else:
            table.columns.append(name)
            for row in table.rows:
                assert row.cells is not None
                row.cells.append(MISSING_VALUE)
            positions.append(len(table.columns) - 1)
    missing = [MISSING_VALUE] * len(names)
    shot_position = table.shot_position
    seen: set[int] = set()
    for row in table.rows:
        assert row.cells is not None
        shot = _shot_of(row.cells, shot_position)
        values = values_by_shot.get(shot, missing) if shot is not None else missing
        if shot is not None:
            seen.add(shot)
        for position, value in zip(positions, values, strict=True):
            row.cells[position] = value
    unknown = sorted(set(values_by_shot) - seen)
    if unknown:
        logger.info(
            "s-file %s has no rows for shots %s; their values are not written", table.path, unknown
        )
