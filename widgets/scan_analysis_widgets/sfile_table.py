"""The s-file as a sortable, filterable table (Panel's Tabulator inside the ipywidgets tree).

Panel is imported here only, when the first table is built, and its
extension is loaded once per kernel with the JavaScript inlined (control-room
networks are often offline: no CDN) and ``comms="ipywidgets"`` (so the table
updates inside Voila). See ``JUPYTER_NOTES.md`` of the design notes.
"""

from __future__ import annotations

import logging
import threading

import ipywidgets
import pandas as pd

logger = logging.getLogger(__name__)

_extension_lock = threading.Lock()
_extension_loaded = False


def load_panel_extension():
    """Import Panel and load its Tabulator extension once (inline JS, ipywidgets comms)."""
    global _extension_loaded
    import panel as pn

    with _extension_lock:
        if not _extension_loaded:
            pn.extension("tabulator", comms="ipywidgets", inline=True)
            _extension_loaded = True
    return pn


class SFileTable(ipywidgets.VBox):
    """A scan's s-file, one row per shot; click a header to sort, type in it to filter.

    Attributes
    ----------
    frame : pandas.DataFrame
        What the table shows (set with :meth:`show`).
    tabulator : panel.widgets.Tabulator
        The Panel widget (for scripts: ``table.tabulator.current_view`` is the
        filtered, sorted view).

    Notes
    -----
    The widget carries the CSS class ``sa-sfile-table``.
    """

    def __init__(self, *, height: int = 300, **kwargs) -> None:
        pn = load_panel_extension()
        self.frame = pd.DataFrame()
        self.tabulator = pn.widgets.Tabulator(
            self.frame,
            header_filters=True,
            disabled=True,  # a view: the s-file belongs to the DAQ
            show_index=False,
            pagination=None,
            frozen_columns=["Shotnumber"],
            height=height,
            sizing_mode="stretch_width",
            layout="fit_data_table",
        )
        view = pn.ipywidget(self.tabulator)
        view.layout = ipywidgets.Layout(width="100%", height=f"{height + 10}px")
        super().__init__([view], **kwargs)
        self.view = view
        self.add_class("sa-sfile-table")

    def show(self, frame: pd.DataFrame | None) -> None:
        """Show a table (None or an empty frame clears it)."""
        self.frame = frame if frame is not None else pd.DataFrame()
        self.tabulator.frozen_columns = ["Shotnumber"] if "Shotnumber" in self.frame.columns else []
        self.tabulator.value = self.frame
