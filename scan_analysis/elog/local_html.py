"""The default e-log: one self-contained HTML page per day, updated atomically.

Entries are kept in a sidecar JSON beside the page; each update (under a
cross-machine :class:`~scan_analysis.data.file_lock.FileLock`) replaces the
scan's entry, rewrites the JSON and regenerates the page with figures embedded
as data URIs, so the page still works when copied or mailed.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import os
from pathlib import Path

from scan_analysis.data.atomic_files import write_atomically
from scan_analysis.data.file_lock import FileLock
from scan_analysis.elog.entry import ElogEntry, ElogFigure

logger = logging.getLogger(__name__)

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; max-width: 1400px; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ccc; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.grid img, .more img { width: 100%; border: 1px solid #ddd; }
.empty { min-height: 40px; background: #fafafa; border: 1px dashed #ddd; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
td, th { border: 1px solid #ddd; padding: 2px 8px; text-align: right; }
th { background: #f2f2f2; } td:first-child, th:first-child { text-align: left; }
.meta { color: #555; } .failed { color: #b00; } .no_data { color: #a60; }
"""


def _image_tag(figure: ElogFigure) -> str:
    path = Path(figure.path)
    try:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError as error:
        logger.warning("e-log: figure %s cannot be read (%s); leaving it out", path, error)
        return f'<div class="empty">missing figure {html.escape(path.name)}</div>'
    alt = html.escape(f"{figure.analyzer}: {path.name}")
    return f'<img alt="{alt}" title="{alt}" src="data:image/png;base64,{data}">'


def render_entry(entry: ElogEntry, *, max_scalars: int = 8) -> str:
    """One scan's section of the page."""
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
    for analyzer, outcome in sorted(entry.outcomes.items()):
        state = outcome.split(":", 1)[0]
        parts.append(
            f'<li class="{html.escape(state)}"><b>{html.escape(analyzer)}</b> '
            f"{html.escape(outcome)}</li>"
        )
    parts.append("</ul>")
    slots, rest = entry.grid()
    if any(slots):
        parts.append('<div class="grid">')
        parts += [_image_tag(f) if f else '<div class="empty"></div>' for f in slots]
        parts.append("</div>")
    if rest:
        parts.append('<div class="more">' + "".join(_image_tag(f) for f in rest) + "</div>")
    for analyzer, scalars in sorted(entry.scalars.items()):
        shown = list(scalars.items())[:max_scalars]
        if not shown:
            continue
        parts.append(f"<table><tr><th>{html.escape(analyzer)}</th><th>scan mean</th></tr>")
        parts += [f"<tr><td>{html.escape(k)}</td><td>{v:.5g}</td></tr>" for k, v in shown]
        parts.append("</table>")
    parts.append("</section>")
    return "\n".join(parts)


class LocalElog:
    """The day's HTML log.

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
        self.store = self.folder / f".{experiment}_{date}.entries.json"

    def read_entries(self) -> dict[int, ElogEntry]:
        """The entries written so far (a damaged store is reported and started afresh)."""
        try:
            raw = json.loads(self.store.read_text(encoding="utf-8"))
            return {int(k): ElogEntry.from_dict(v) for k, v in raw.items()}
        except FileNotFoundError:
            return {}
        except (ValueError, TypeError, KeyError) as error:
            logger.warning(
                "e-log store %s is damaged (%s); rebuilding from new entries", self.store, error
            )
            return {}

    def write_entry(self, entry: ElogEntry) -> Path:
        """Add or replace a scan's entry and regenerate the page; returns the page path."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with FileLock(
            self.folder / f".{self.experiment}_{self.date}.lock", timeout=60, stale_after=30
        ):
            entries = self.read_entries()
            entries[entry.scan] = entry
            write_atomically(
                self.store,
                json.dumps({str(k): v.to_dict() for k, v in sorted(entries.items())}, indent=1),
            )
            write_atomically(self.page, self.render(entries))
        return self.page

    def render(self, entries: dict[int, ElogEntry]) -> str:
        """The whole page, newest scan first."""
        title = html.escape(f"{self.experiment} scan log {self.date}")
        body = "\n".join(render_entry(entries[n]) for n in sorted(entries, reverse=True))
        return (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
            f"<style>{STYLE}</style></head><body><h1>{title}</h1>\n{body}\n</body></html>\n"
        )
