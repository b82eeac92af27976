"""Where an e-log entry goes in a Google Doc: the ``batchUpdate`` requests and their indices.

Pure functions, no Google client: they build the requests that insert one
scan's entry at one index, and say how many indices the entry takes, so the
backend can mark it with a named range and later replace exactly it.

The entry is built bottom-up at a single index, so no index has to be
recomputed: the key-scalar table, the figures without a slot, the figure
grid (a table of two columns holding the slotted figures in ``gdoc_slot``
order, empty slots closed), then the heading (``HEADING_2``)
and the text lines (operator description, parameter and range, end info,
analyzer outcomes). Index rules, from the Docs API guide "Work with tables":
``insertTable`` inserts a newline before the table; an empty table of ``r``
rows and ``c`` columns spans ``2 + r * (1 + 2 c)`` indices (a 2x2 table:
12); an inline image takes one index; text takes its UTF-16 length.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scan_analysis.elog.entry import ElogEntry, ElogFigure

GRID_IMAGE_WIDTH_PT = 230.0
WIDE_IMAGE_WIDTH_PT = 460.0


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Docs API indices.

    Examples
    --------
    >>> utf16_length("µ-beam"), utf16_length("\\U0001F600")
    (6, 2)
    """
    return len(text.encode("utf-16-le")) // 2


def table_cell_index(table_location: int, row: int, column: int, *, columns: int) -> int:
    """Where text goes in a cell of a table inserted by ``insertTable`` at ``table_location``.

    ``insertTable`` puts a newline at the location, so the table starts one
    index later; each row opens with one index, each cell with one, and an
    empty cell holds a one-index paragraph.

    Examples
    --------
    >>> table_cell_index(10, 0, 0, columns=3), table_cell_index(10, 1, 2, columns=3)
    (14, 25)
    """
    return table_location + 4 + row * (1 + 2 * columns) + 2 * column


def table_length(rows: int, columns: int) -> int:
    """Indices an empty table takes (without the newline ``insertTable`` puts before it).

    Examples
    --------
    >>> table_length(2, 2)
    12
    """
    return 2 + rows * (1 + 2 * columns)


LINK_TEXT = "open this scan in the scan browser"
SATURATION_PREFIX = "SATURATED "
"""Starts each saturation line of an entry (shown bold, in red)."""
SATURATION_RED = {"red": 0.78, "green": 0.0, "blue": 0.04}


def entry_text(entry: ElogEntry) -> tuple[str, str]:
    """The heading line and the body lines of an entry (both ending in a newline).

    With a link, the body's first line is :data:`LINK_TEXT` (linked by :func:`entry_layout`).
    """
    heading = f"{entry.experiment} {entry.date}: {entry.title}\n"
    lines = [LINK_TEXT] if entry.link else []
    lines.append(entry.range_text())
    if entry.end_info:
        lines.append(f"end: {entry.end_info}")
    lines += [f"{analyzer}: {words}" for analyzer, words in sorted(entry.outcome_words().items())]
    lines += [SATURATION_PREFIX + line for line in entry.saturation_lines()]
    return heading, "\n".join(lines) + "\n"


def scalar_rows(entry: ElogEntry, *, max_scalars: int = 8) -> list[tuple[str, str, str]]:
    """Rows of the key-scalar table: header, then (analyzer, scalar with unit, value).

    The value is the scan mean for a no-scan, the per-bin means (first value,
    sparkline, last value) for a scan over bins; the header says which.
    ``max_scalars`` limits an analyzer that listed raw scalars only.
    """
    tables = entry.key_scalars()
    if not tables:
        return []
    rows = [("analyzer", "scalar", next(iter(tables.values())).value_heading())]
    for analyzer, table in tables.items():
        limit = None if analyzer in entry.scalar_tables else max_scalars
        rows += [(analyzer, *table.cells(row)) for row in table.rows[:limit]]
    return rows


@dataclass
class EntryLayout:
    """The requests that insert an entry, and the indices the entry then spans."""

    requests: list[dict[str, Any]]
    start: int
    """First index of the entry (its heading)."""
    length: int
    """Indices from its heading to the end of its last table or paragraph."""

    @property
    def end(self) -> int:
        """One past the entry's last index."""
        return self.start + self.length


def entry_layout(
    entry: ElogEntry,
    *,
    index: int,
    image_urls: dict[str, str],
    max_scalars: int = 8,
    separate: bool = False,
) -> EntryLayout:
    """The ``batchUpdate`` requests that insert ``entry`` at ``index``, and where it lands.

    Parameters
    ----------
    entry : ElogEntry
        The scan's entry.
    index : int
        Where to insert: the start of a paragraph (where an old entry was), or
        the document's end index minus one to append.
    image_urls : dict
        ``{figure path: URL Google can fetch}``; figures without a URL are
        named in the text instead.
    max_scalars : int
        Key scalars per analyzer in the table.
    separate : bool
        Start with a newline, so the heading opens a paragraph of its own even
        when ``index`` is inside one (appending after a last line of text).

    Returns
    -------
    EntryLayout
        Requests in the order they must be applied, and the entry's indices.
    """
    requests: list[dict[str, Any]] = []
    length = 0
    rows = scalar_rows(entry, max_scalars=max_scalars)
    if rows:
        requests.append(
            {"insertTable": {"rows": len(rows), "columns": 3, "location": {"index": index}}}
        )
        length += 1 + table_length(len(rows), 3)
        for row in reversed(range(len(rows))):  # last cell first: earlier indices stay valid
            for column in reversed(range(3)):
                text = rows[row][column]
                cell = table_cell_index(index, row, column, columns=3)
                requests.append({"insertText": {"location": {"index": cell}, "text": text}})
                length += utf16_length(text)
    slots, rest = entry.grid()
    missing = [f for f in [*slots, *rest] if f is not None and f.path not in image_urls]
    no_gaps = [f for f in entry.grid_figures() if f.path in image_urls]
    for figure in reversed(rest):
        if figure.path in image_urls:
            requests.append(_image_request(image_urls[figure.path], index, WIDE_IMAGE_WIDTH_PT))
            length += 1
    placed = list(enumerate(no_gaps))  # slot order, empty slots closed
    if placed:
        grid_rows = (len(placed) + 1) // 2
        requests.append(
            {"insertTable": {"rows": grid_rows, "columns": 2, "location": {"index": index}}}
        )
        length += 1 + table_length(grid_rows, 2) + len(placed)
        for cell_number, figure in reversed(placed):
            cell = table_cell_index(index, cell_number // 2, cell_number % 2, columns=2)
            requests.append(_image_request(image_urls[figure.path], cell, GRID_IMAGE_WIDTH_PT))
    heading, body = entry_text(entry)
    if missing:
        body += "figures not uploaded: " + ", ".join(Path(f.path).name for f in missing) + "\n"
    separator = "\n" if separate else ""
    requests.append(
        {"insertText": {"location": {"index": index}, "text": separator + heading + body}}
    )
    start = index + len(separator)
    heading_end = start + utf16_length(heading)
    body_end = heading_end + utf16_length(body)
    requests.append(_paragraph_style(start, heading_end, "HEADING_2"))
    requests.append(_paragraph_style(heading_end, body_end, "NORMAL_TEXT"))
    offset = heading_end
    for line in body.splitlines(keepends=True):
        if line.startswith(SATURATION_PREFIX):
            requests.append(_saturation_style(offset, offset + utf16_length(line.rstrip("\n"))))
        offset += utf16_length(line)
    if entry.link:
        link_end = heading_end + utf16_length(LINK_TEXT)
        requests.append(
            {
                "updateTextStyle": {
                    "range": {"startIndex": heading_end, "endIndex": link_end},
                    "textStyle": {"link": {"url": entry.link}},
                    "fields": "link",
                }
            }
        )
    return EntryLayout(requests, start, length + body_end - start)


def figures_of(entry: ElogEntry) -> list[ElogFigure]:
    """The entry's figures in the order they are placed (grid slots, then the others)."""
    slots, rest = entry.grid()
    return [f for f in slots if f is not None] + rest


def _image_request(url: str, index: int, width_pt: float) -> dict[str, Any]:
    return {
        "insertInlineImage": {
            "uri": url,
            "location": {"index": index},
            "objectSize": {"width": {"magnitude": width_pt, "unit": "PT"}},
        }
    }


def _saturation_style(start: int, end: int) -> dict[str, Any]:
    """Bold red text for a saturation line."""
    return {
        "updateTextStyle": {
            "range": {"startIndex": start, "endIndex": end},
            "textStyle": {
                "bold": True,
                "foregroundColor": {"color": {"rgbColor": SATURATION_RED}},
            },
            "fields": "bold,foregroundColor",
        }
    }


def _paragraph_style(start: int, end: int, style: str) -> dict[str, Any]:
    return {
        "updateParagraphStyle": {
            "range": {"startIndex": start, "endIndex": end},
            "paragraphStyle": {"namedStyleType": style},
            "fields": "namedStyleType",
        }
    }
