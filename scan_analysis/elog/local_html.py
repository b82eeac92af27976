"""The default e-log: a day's page assembled from one small fragment per scan.

Layout in the e-log folder (the live runner's is ``{day}/analysis/elog``)::

    {experiment}_{date}.html          # the day's page: open it in any browser
    {experiment}_{date}/Scan012.js    # scan 12's section; figures linked, relative to the page
    {experiment}_{date}/Scan012.json  # scan 12's entry (what the self-contained export reads)

Adding or replacing a scan's entry writes that scan's two files, plus the
page itself when the scan is new to it (the page is a list of script tags,
one per scan), all under a cross-machine
:class:`~scan_analysis.data.file_lock.FileLock`. No other scan's entry or
figure is read or written, so an entry costs the same on the day's first scan
and on its 500th. The page puts the sections together with a few lines of
JavaScript (plain ``<script src>`` tags, which browsers load from ``file://``
as well as from a web server); figures are linked as files relative to the
page, so it works where it is and in a copy of the whole day folder.

A single self-contained file (figures embedded as data URIs, no script) is
made on request: :meth:`LocalElog.export`, :func:`standalone_page` (what the
control room shows inline) and ``scan-analysis elog export``.

A day written by an earlier version (one self-contained page, its entries in
a hidden ``.{experiment}_{date}.entries.json`` beside it) is carried over at
the first new entry: its entries become fragments, then the page is written anew.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import mimetypes
import os
import re
import urllib.parse
from collections.abc import Callable, Iterable
from pathlib import Path

from scan_analysis.data.atomic_files import write_atomically
from scan_analysis.data.file_lock import FileLock
from scan_analysis.elog.entry import ElogEntry, ElogFigure
from scan_analysis.scalar_table import ScalarTable

logger = logging.getLogger(__name__)

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; max-width: 1400px; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ccc; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.grid img, .more img { width: 100%; border: 1px solid #ddd; }
.empty { min-height: 40px; background: #fafafa; border: 1px dashed #ddd; }
.spark { font-family: ui-monospace, monospace; white-space: nowrap; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
td, th { border: 1px solid #ddd; padding: 2px 8px; text-align: right; }
th { background: #f2f2f2; } td:first-child, th:first-child { text-align: left; }
.meta { color: #555; } .failed { color: #b00; } .no_data { color: #a60; }
.saturated { color: #fff; background: #c8000a; padding: 3px 8px; font-weight: 600; }
"""
ASSEMBLE = (
    "function scanLog(scan, section) {"
    ' document.getElementById("log").insertAdjacentHTML("beforeend", section); }'
)
_FRAGMENT = re.compile(r"^Scan(\d+)\.js$")

FigureSource = Callable[[ElogFigure], str | None]
"""Gives a figure's ``src`` (a data URI or a link), or None when the figure cannot be had."""


def embedded_source(figure: ElogFigure) -> str | None:
    """The figure's bytes as a data URI (None, logged, when it cannot be read)."""
    path = Path(figure.path)
    try:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError as error:
        logger.warning("e-log: figure %s cannot be read (%s); leaving it out", path, error)
        return None
    kind = mimetypes.guess_type(path.name)[0] or "image/png"
    return f"data:{kind};base64,{data}"


def linked_source(page_folder: Path) -> FigureSource:
    """Figures as links relative to a page in ``page_folder`` (None for a missing file)."""

    def source(figure: ElogFigure) -> str | None:
        path = os.path.abspath(figure.path)
        if not os.path.isfile(path):
            logger.warning("e-log: figure %s does not exist; leaving it out", path)
            return None
        try:
            relative = os.path.relpath(path, os.path.abspath(page_folder))
        except ValueError:  # another drive (Windows): no relative path
            return Path(path).as_uri()
        return urllib.parse.quote(relative.replace(os.sep, "/"))

    return source


def _image_tag(figure: ElogFigure, figure_source: FigureSource) -> str:
    name = Path(figure.path).name
    source = figure_source(figure)
    if source is None:
        return f'<div class="empty">missing figure {html.escape(name)}</div>'
    alt = html.escape(f"{figure.analyzer}: {name}")
    return f'<img alt="{alt}" title="{alt}" src="{html.escape(source)}">'


def render_entry(
    entry: ElogEntry, *, max_scalars: int = 8, figure_source: FigureSource = embedded_source
) -> str:
    """One scan's section of the page (figures embedded unless ``figure_source`` links them).

    The grid holds the slotted figures in slot order with no empty cells; the
    analyzers that found no data are named once. Each analyzer's key scalars
    are a table: scan means for a no-scan, per-bin means (first value,
    sparkline, last value; every value on hover) for a scan over bins.
    ``max_scalars`` limits an analyzer that listed raw scalars only.
    """
    parts = [f'<section id="scan{entry.scan}"><h2>{html.escape(entry.title)}</h2>']
    if entry.link:
        parts.append(
            f'<p><a class="app-link" href="{html.escape(entry.link)}" target="_top">'
            "open this scan in the scan browser</a></p>"
        )
    parts.append(f'<p class="meta">{html.escape(entry.range_text())}')
    if entry.end_info:
        parts.append(f"<br>end: {html.escape(entry.end_info)}")
    parts.append("</p><ul>")
    words = entry.outcome_words()
    for analyzer, outcome in sorted(entry.outcomes.items()):
        state = outcome.split(":", 1)[0]
        parts.append(
            f'<li class="{html.escape(state)}"><b>{html.escape(analyzer)}</b> '
            f"{html.escape(words[analyzer])}</li>"
        )
    parts.append("</ul>")
    parts += [
        f'<p class="saturated">&#9888; {html.escape(line)}</p>' for line in entry.saturation_lines()
    ]
    missing = entry.no_data()
    if missing:
        parts.append(f'<p class="no_data">no data: {html.escape(", ".join(missing))}</p>')
    placed = entry.grid_figures()
    if placed:
        parts.append('<div class="grid">')
        parts += [_image_tag(f, figure_source) for f in placed]
        parts.append("</div>")
    rest = entry.grid()[1]
    if rest:
        tags = "".join(_image_tag(f, figure_source) for f in rest)
        parts.append(f'<div class="more">{tags}</div>')
    for analyzer, table in entry.key_scalars().items():
        limit = None if analyzer in entry.scalar_tables else max_scalars
        parts.append(_scalar_table_html(analyzer, table, limit=limit))
    parts.append("</section>")
    return "\n".join(parts)


def _scalar_table_html(analyzer: str, table: ScalarTable, *, limit: int | None) -> str:
    """One analyzer's key scalars (the first ``limit`` rows when not None)."""
    rows = table.rows[:limit]
    lines = [
        f'<table class="scalars"><tr><th>{html.escape(analyzer)}</th>'
        f"<th>{html.escape(table.value_heading())}</th></tr>"
    ]
    for row in rows:
        heading, value = table.cells(row)
        if table.per_bin:
            every = table.every_bin_text(row)
            cell = f'<td class="spark" title="{html.escape(every)}">{html.escape(value)}</td>'
        else:
            cell = f"<td>{html.escape(value)}</td>"
        lines.append(f"<tr><td>{html.escape(heading)}</td>{cell}</tr>")
    lines.append("</table>")
    return "".join(lines)


def _page(title: str, body: str, *, head: str = "") -> str:
    title = html.escape(title)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{STYLE}</style>{head}</head><body><h1>{title}</h1>\n{body}\n</body></html>\n"
    )


class LocalElog:
    """The day's HTML log: a page, and one fragment per scan beside it.

    Parameters
    ----------
    folder : Path
        Where the page lives (the live runner uses ``{day}/analysis/elog``).
    experiment, date : str
        Name the page ``{experiment}_{date}.html``.
    """

    name = "local"

    def __init__(self, folder: str | os.PathLike, *, experiment: str, date: str) -> None:
        self.folder = Path(folder)
        self.experiment = experiment
        self.date = date
        self.page = self.folder / f"{experiment}_{date}.html"
        self.fragments = self.folder / f"{experiment}_{date}"
        self.legacy_store = self.folder / f".{experiment}_{date}.entries.json"
        self.title = f"{experiment} scan log {date}"

    @classmethod
    def for_page(cls, page: str | os.PathLike) -> LocalElog:
        """The e-log whose page is ``page`` (``.../{experiment}_{date}.html``)."""
        page = Path(page)
        experiment, _, date = page.stem.rpartition("_")
        if not experiment or not date:
            raise ValueError(
                f"{page} is not named like an e-log page ({{experiment}}_{{date}}.html)"
            )
        return cls(page.parent, experiment=experiment, date=date)

    def _fragment(self, scan: int, suffix: str) -> Path:
        return self.fragments / f"Scan{scan:03d}{suffix}"

    # --- writing ------------------------------------------------------------------------------
    def write_entry(self, entry: ElogEntry) -> Path:
        """Add or replace a scan's entry; returns the page path.

        Writes the scan's fragment (and the page when the scan is new to it),
        never the other scans' entries.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        with FileLock(
            self.folder / f".{self.experiment}_{self.date}.lock", timeout=60, stale_after=30
        ):
            self._carry_over_legacy_store()
            self.fragments.mkdir(exist_ok=True)
            new_to_page = not self._fragment(entry.scan, ".js").exists()
            self._write_fragment(entry)
            if new_to_page or not self.page.exists():
                write_atomically(self.page, self.render_index())
        return self.page

    def _write_fragment(self, entry: ElogEntry) -> None:
        write_atomically(self._fragment(entry.scan, ".json"), json.dumps(entry.to_dict(), indent=1))
        section = render_entry(entry, figure_source=linked_source(self.folder))
        script = f"scanLog({entry.scan}, {json.dumps(section)});\n"
        write_atomically(self._fragment(entry.scan, ".js"), script)

    def _carry_over_legacy_store(self) -> None:
        """Turn an earlier version's entry store into fragments (once, under the lock)."""
        if not self.legacy_store.exists():
            return
        try:
            entries = _read_legacy_store(self.legacy_store)
        except (OSError, ValueError, TypeError, KeyError) as error:
            kept = self.legacy_store.with_name(self.legacy_store.name + ".damaged")
            logger.warning(
                "e-log store %s of an earlier version is damaged (%s); its entries are not "
                "carried over (kept as %s); the page shows the entries written from now on",
                self.legacy_store,
                error,
                kept.name,
            )
            os.replace(self.legacy_store, kept)
            return
        self.fragments.mkdir(exist_ok=True)
        for scan, entry in entries.items():
            if not self._fragment(scan, ".json").exists():
                self._write_fragment(entry)
        write_atomically(self.page, self.render_index())
        self.legacy_store.unlink()
        logger.info(
            "e-log: %d entries of %s carried over to %s", len(entries), self.page, self.fragments
        )

    def render_index(self) -> str:
        """The day's page: a script assembling the sections, one tag per scan, newest first."""
        folder = urllib.parse.quote(self.fragments.name)
        tags = [f'<script src="{folder}/{name}"></script>' for name in self._fragment_names()]
        export = f"scan-analysis elog export --experiment {self.experiment} --date {self.date}"
        body = (
            "<noscript><p class='meta'>This page puts each scan's entry together with JavaScript. "
            f"For a page that needs none: <code>{html.escape(export)}</code></p></noscript>\n"
            '<div id="log"></div>\n' + "\n".join(tags)
        )
        return _page(self.title, body, head=f"<script>{ASSEMBLE}</script>")

    def _fragment_names(self) -> list[str]:
        try:
            names = os.listdir(self.fragments)
        except FileNotFoundError:
            return []
        found = [(int(m.group(1)), name) for name in names if (m := _FRAGMENT.match(name))]
        return [name for _, name in sorted(found, reverse=True)]

    # --- reading and exporting ----------------------------------------------------------------
    def scans(self) -> list[int]:
        """The scans with an entry, newest first."""
        return sorted({*self._fragment_scans(), *self._legacy_entries()}, reverse=True)

    def read_entries(self, *, newest: int | None = None) -> dict[int, ElogEntry]:
        """The scans' entries written so far, or the ``newest`` ones (damaged ones left out).

        Only the entries asked for are read.
        """
        legacy = self._legacy_entries()
        fragments = set(self._fragment_scans())
        chosen = sorted(fragments | set(legacy), reverse=True)
        if newest is not None:
            chosen = chosen[: max(newest, 0)]
        entries = {}
        for scan in chosen:
            entry = self._read_fragment(scan) if scan in fragments else legacy[scan]
            if entry is not None:
                entries[scan] = entry
        return entries

    def _fragment_scans(self) -> list[int]:
        return [int(_FRAGMENT.match(name).group(1)) for name in self._fragment_names()]

    def _read_fragment(self, scan: int) -> ElogEntry | None:
        path = self._fragment(scan, ".json")
        try:
            return ElogEntry.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, KeyError) as error:
            logger.warning("e-log entry %s is damaged (%s); left out", path, error)
            return None

    def _legacy_entries(self) -> dict[int, ElogEntry]:
        """The entries of a day an earlier version wrote and no new entry carried over yet."""
        if not self.legacy_store.exists():
            return {}
        try:
            return _read_legacy_store(self.legacy_store)
        except (OSError, ValueError, TypeError, KeyError) as error:
            logger.warning("e-log store %s is damaged (%s); left out", self.legacy_store, error)
            return {}

    def standalone_html(self, *, newest: int | None = None) -> str:
        """The day as one self-contained page: figures embedded, no script, newest scan first.

        Parameters
        ----------
        newest : int, optional
            Only the newest scans' entries (a note says how many were left out);
            only those are read.

        Raises
        ------
        FileNotFoundError
            When the day has no e-log.
        """
        total = len(self.scans())
        if not total:
            if self.page.is_file() and not self.fragments.exists():
                return self.page.read_text(encoding="utf-8")  # an earlier version's page
            if not self.page.is_file():
                raise FileNotFoundError(
                    f"no e-log for {self.experiment} {self.date} in {self.folder}"
                )
        entries = self.read_entries(newest=newest).values()
        return render_page(self.title, entries, total=total if newest is not None else None)

    def export(self, output: str | os.PathLike, *, newest: int | None = None) -> Path:
        """Write :meth:`standalone_html` to ``output`` (atomically); returns its path."""
        output = Path(output)
        if output.resolve() == self.page.resolve():
            raise ValueError(f"{output} is the day's own page: export to another file")
        output.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(output, self.standalone_html(newest=newest))
        return output


def render_page(title: str, entries: Iterable[ElogEntry], *, total: int | None = None) -> str:
    """A self-contained page of ``entries`` (figures embedded), newest scan first.

    ``total``: the scans of the day, when only some are shown (a note says so).
    """
    shown = sorted(entries, key=lambda e: e.scan, reverse=True)
    body = "\n".join(render_entry(entry) for entry in shown)
    if total is not None and total > len(shown):
        body += (
            f"\n<p class='meta'>The {len(shown)} newest of {total} scans are shown; "
            "the whole day: <code>scan-analysis elog export</code>.</p>"
        )
    return _page(title, body)


def standalone_page(page: str | os.PathLike, *, newest: int | None = None) -> str:
    """The day of e-log ``page`` as one self-contained page (:meth:`LocalElog.standalone_html`).

    This is what an inline view shows (an ``<iframe srcdoc>`` has no address,
    so the page's relative figure links would not resolve there).
    """
    return LocalElog.for_page(page).standalone_html(newest=newest)


def _read_legacy_store(path: Path) -> dict[int, ElogEntry]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {int(k): ElogEntry.from_dict(v) for k, v in raw.items()}
