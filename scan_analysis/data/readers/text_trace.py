"""Text traces (``.tsv``, ``.csv``, ``.txt``): an x column and one or more y columns."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from scan_analysis.errors import ShotReadError

EXTENSIONS = (".tsv", ".csv", ".txt")


def _sniff_delimiter(line: str) -> str | None:
    for delimiter in ("\t", ",", ";"):
        if delimiter in line:
            return delimiter
    return None  # whitespace


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_text_trace(
    path: Path,
    *,
    delimiter: str | None = None,
    x_column: int | str = 0,
    y_column: int | str | list | None = None,
    **options: object,
) -> np.ndarray:
    """Read a trace; returns rows ``[x, y1, y2, ...]``.

    A header row is optional (detected by non-numeric cells); columns may be
    chosen by index or by header name.
    """
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise ShotReadError(f"trace file {path} is empty", path)
    if delimiter is None:
        delimiter = _sniff_delimiter(lines[0]) or _sniff_delimiter(lines[-1])
    first = [cell.strip() for cell in lines[0].split(delimiter)]
    header = None if all(_is_number(cell) for cell in first if cell) else first
    body = lines[1:] if header else lines
    if not body:
        raise ShotReadError(f"trace file {path} has a header but no data rows", path)
    try:
        table = np.loadtxt(io.StringIO("\n".join(body)), delimiter=delimiter, ndmin=2)
    except ValueError as error:
        raise ShotReadError(
            f"trace file {path} has a row that is not numbers: {error}", path
        ) from None

    def index_of(column: int | str) -> int:
        if isinstance(column, int):
            if not -table.shape[1] <= column < table.shape[1]:
                raise ShotReadError(
                    f"{path} has {table.shape[1]} columns; column {column} does not exist "
                    f"(choose x_column/y_column from 0 to {table.shape[1] - 1})",
                    path,
                )
            return column
        if header is None or column not in header:
            raise ShotReadError(
                f"{path} has no column named {column!r} (header: {header}); "
                "name one of the header's columns or give the column's index",
                path,
            )
        return header.index(column)

    if table.shape[1] == 1:
        y = table[:, 0]
        return np.vstack([np.arange(y.size, dtype=float), y])
    x_index = index_of(x_column)
    if y_column is None:
        y_indices = [i for i in range(table.shape[1]) if i != x_index % table.shape[1]]
    elif isinstance(y_column, list | tuple):
        y_indices = [index_of(column) for column in y_column]
    else:
        y_indices = [index_of(y_column)]
    return np.vstack([table[:, x_index], *(table[:, i] for i in y_indices)])
