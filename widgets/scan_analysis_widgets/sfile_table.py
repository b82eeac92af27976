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


def plain_number_formatters(frame: pd.DataFrame) -> dict:
    """Float columns without thousands separators (``3861020000.802``, not ``3,861,020,000.8``).

    Timestamps and device readings are identifiers as much as quantities;
    digits are kept up to six decimals, as the DAQ writes them.
    """
    from bokeh.models.widgets.tables import NumberFormatter

    return {
        column: NumberFormatter(format="0.[000000]", nan_format="nan", text_align="right")
        for column in frame.columns
        if pd.api.types.is_float_dtype(frame[column])
    }


class SFileTable(ipywidgets.VBox):
    """A scan's s-file, one row per shot; click a header to sort, type in it to filter.

    Parameters
    ----------
    height : int
        Height of the table in pixels (rows scroll inside it).

    Attributes
    ----------
    frame : pandas.DataFrame
        What the table shows (set with :meth:`show`).
    tabulator : panel.widgets.Tabulator
        The Panel widget (for scripts: ``table.tabulator.current_view`` is the
        filtered, sorted view).

    Notes
    -----
    Each :meth:`show` builds a new Tabulator holding its data from the start
    (the previous one closes when garbage-collected; closing it by hand makes
    jupyter_bokeh close it twice): Bokeh document events sent before a page
    has rendered the table are lost, so a table filled after it was created
    could show empty in Voila. The widget carries the CSS class ``sa-sfile-table``.
    """

    def __init__(self, *, height: int = 300, **kwargs) -> None:
        super().__init__(**kwargs)
        self.height = height
        self.frame = pd.DataFrame()
        self.tabulator = None
        self.view: ipywidgets.Widget | None = None
        self.add_class("sa-sfile-table")
        self.show(None)

    def show(self, frame: pd.DataFrame | None) -> None:
        """Show a table (None or an empty frame clears it)."""
        pn = load_panel_extension()
        self.frame = frame if frame is not None else pd.DataFrame()
        tabulator = pn.widgets.Tabulator(
            self.frame,
            formatters=plain_number_formatters(self.frame),
            header_filters=True,
            disabled=True,  # a view: the s-file belongs to the DAQ
            show_index=False,
            pagination=None,
            frozen_columns=["Shotnumber"] if "Shotnumber" in self.frame.columns else [],
            height=self.height,
            sizing_mode="stretch_width",
            layout="fit_data_table",
        )
        view = pn.ipywidget(tabulator)
        view.layout = ipywidgets.Layout(width="100%", height=f"{self.height + 10}px")
        self.tabulator, self.view = tabulator, view
        self.children = [view]  # the previous view closes itself when collected
