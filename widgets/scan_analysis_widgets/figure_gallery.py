"""Figures already on disk (what analysis wrote), shown as images with their file names.

gallery = FigureGallery()
gallery.show(list_figures(day_dir, 2), relative_to=day_dir / "analysis")
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from pathlib import Path

import ipywidgets

logger = logging.getLogger(__name__)

FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif", ".svg": "svg+xml"}
MAX_FIGURES = 48


def _version(path: Path) -> tuple:
    """Path, modification time and size: a re-written figure counts as new."""
    try:
        stat = path.stat()
    except OSError:
        return (path, None, None)
    return (path, stat.st_mtime_ns, stat.st_size)


class FigureGallery(ipywidgets.VBox):
    """A wrapping grid of figures, each with its path as caption (class ``sa-figures``).

    Parameters
    ----------
    width_px : int
        Width of each figure.
    css_class : str
        Class of the box holding the ``<img>`` elements.

    Attributes
    ----------
    paths : list of Path
        The figures shown, in order.
    """

    def __init__(self, *, width_px: int = 380, css_class: str = "sa-figures", **kwargs) -> None:
        self.width_px = width_px
        self.caption = ipywidgets.HTML()
        self.grid = ipywidgets.Box(
            layout=ipywidgets.Layout(display="flex", flex_flow="row wrap", align_items="flex-start")
        )
        self.grid.add_class(css_class)
        super().__init__([self.caption, self.grid], **kwargs)
        self.paths: list[Path] = []
        self._signature: list[tuple] = []

    def show(
        self,
        paths: Sequence[str | Path],
        *,
        relative_to: Path | None = None,
        empty_text: str = "no figures yet",
        title: str = "",
    ) -> None:
        """Show these figure files (unreadable ones are listed as such, not raised)."""
        paths = [Path(p) for p in paths]
        signature = [_version(path) for path in paths]
        if signature == self._signature and self.grid.children:
            return  # nothing new: do not send the same images to the page again
        self._signature = signature
        shown = paths[:MAX_FIGURES]
        cards = [self._card(path, relative_to) for path in shown]
        self.grid.children = cards
        self.paths = paths
        if not paths:
            self.caption.value = f"<i>{html.escape(empty_text)}</i>"
            return
        if len(paths) > len(shown):
            count = f"first {len(shown)} of {len(paths)} figures"
        else:
            count = f"{len(paths)} figure{'s' if len(paths) != 1 else ''}"
        self.caption.value = html.escape(f"{title}: {count}" if title else count)

    def _card(self, path: Path, relative_to: Path | None) -> ipywidgets.Widget:
        try:
            name = path.relative_to(relative_to).as_posix() if relative_to else path.name
        except ValueError:
            name = path.name
        label = ipywidgets.HTML(
            f"<div style='font-size:12px; word-break:break-all'>{html.escape(name)}</div>",
            layout={"width": f"{self.width_px}px"},
        )
        try:
            data = path.read_bytes()
        except OSError as error:
            logger.warning("figure %s not shown: %s", path, error)
            problem = ipywidgets.HTML(
                f"<div style='color:#a00020'>cannot read {html.escape(str(path))}: "
                f"{html.escape(error.strerror or str(error))}</div>"
            )
            return ipywidgets.VBox([label, problem], layout={"margin": "4px"})
        image = ipywidgets.Image(
            value=data,
            format=FORMATS.get(path.suffix.lower(), "png"),
            layout={"width": f"{self.width_px}px"},
        )
        return ipywidgets.VBox([image, label], layout={"margin": "4px"})
