"""ElogView: the day's e-log page, shown inside the app on request.

The page lives under the data root, which the app server does not serve, so
it is shown inline (an ``<iframe srcdoc>``: its styles stay its own) rather
than linked. It is read when asked for, not on every status refresh: a day's
page can be megabytes.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

import ipywidgets

from scan_analysis_widgets.message_area import describe_error

logger = logging.getLogger(__name__)

FRAME_HEIGHT_PX = 900


class ElogView(ipywidgets.VBox):
    """A "show the day's e-log" toggle over an inline view of the page.

    Attributes
    ----------
    page : Path or None
        The e-log page of the day on show (None: no e-log for this day yet).
    """

    def __init__(self, **kwargs) -> None:
        self.page: Path | None = None
        self.button = ipywidgets.ToggleButton(
            value=False,
            description="Show the day's e-log",
            tooltip="show the e-log page of this day below (read when shown)",
            layout={"width": "220px"},
        )
        self.note = ipywidgets.HTML()
        self.frame = ipywidgets.HTML(layout={"width": "100%"})
        self.button.add_class("sa-elog-show")
        self.note.add_class("sa-elog-note")
        self.frame.add_class("sa-elog-frame")
        super().__init__([ipywidgets.HBox([self.button, self.note]), self.frame], **kwargs)
        self.add_class("sa-elog")
        self.button.observe(lambda _change: self.render(), names="value")

    def show_page(self, page: str | Path | None) -> None:
        """Point the view at a day's page (None: none yet); redraws only if it changed."""
        page = Path(page) if page else None
        if page != self.page:
            self.page = page
            self.render()
        elif page is None:
            self.note.value = "<i>no e-log for this day yet</i>"

    def render(self) -> None:
        """Show or hide the page as the toggle says (reads the page when shown)."""
        if self.page is None:
            self.note.value = "<i>no e-log for this day yet</i>"
            self.frame.value = ""
            return
        self.note.value = f"<span title='{html.escape(str(self.page))}'>{self.page.name}</span>"
        if not self.button.value:
            self.button.description = "Show the day's e-log"
            self.frame.value = ""
            return
        self.button.description = "Hide the e-log"
        try:
            text = self.page.read_text(encoding="utf-8")
        except OSError as error:
            logger.warning("e-log page %s not shown: %s", self.page, error)
            self.frame.value = (
                f"<div class='sa-message-error'>cannot read {html.escape(str(self.page))}: "
                f"{html.escape(describe_error(error))}</div>"
            )
            return
        self.frame.value = (
            f'<iframe title="e-log" srcdoc="{html.escape(text, quote=True)}" '
            f'style="width:100%;height:{FRAME_HEIGHT_PX}px;border:1px solid #ccc"></iframe>'
        )
