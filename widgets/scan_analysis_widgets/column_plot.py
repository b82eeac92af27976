"""Plot any s-file column against any other, with bin means ± std when the scan has bins.

plot = ColumnPlot()
plot.show_scan(sfile, info, position_units={"UC_TopView": "px"}, parameter_unit="mm",
               title="Scan002")
plot.x_column.value, plot.y_column.value = "Shotnumber", "U_BCaveICT Charge pC"
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import ipywidgets
import numpy as np
import pandas as pd

from scan_analysis.base import bin_shots
from scan_analysis.data.scan_info import ScanInfo, ScanKind
from scan_analysis.data.sfile import BIN_COLUMN, SHOT_COLUMN
from scan_analysis.render.scatter import draw_scatter
from scan_analysis.render.style import column_label
from scan_analysis_widgets.array_view import figure_to_png
from scan_analysis_widgets.message_area import MessageArea

logger = logging.getLogger(__name__)

PLOT_WIDTH_PX = 720
_BOOKKEEPING = ("Elapsed Time", " acq_timestamp")


def numeric_columns(frame: pd.DataFrame) -> list[str]:
    """Columns with at least one number (text columns cannot be plotted)."""
    return [
        column
        for column in frame.columns
        if pd.to_numeric(frame[column], errors="coerce").notna().any()
    ]


def default_axes(
    columns: list[str], parameter_column: str | None, analysis_prefixes: list[str]
) -> tuple[str, str]:
    """A useful first plot: the scan parameter (or shot number) against a measured quantity.

    Examples
    --------
    >>> default_axes(["Bin #", "Shotnumber", "JetX", "Charge pC", "UC_TopView_x_rms"], "JetX",
    ...              ["UC_TopView_"])
    ('JetX', 'UC_TopView_x_rms')
    """
    x = parameter_column if parameter_column in columns else SHOT_COLUMN
    analysed = [c for c in columns if any(c.startswith(p) for p in analysis_prefixes)]
    measured = [
        c
        for c in columns
        if c not in (BIN_COLUMN, SHOT_COLUMN, x) and not any(b in c for b in _BOOKKEEPING)
    ]
    candidates = analysed or measured or [c for c in columns if c != x] or [x]
    return x, candidates[0]


class ColumnPlot(ipywidgets.VBox):
    """Two column pickers, a "bin means" switch and the figure (CSS class ``sa-plot``).

    Attributes
    ----------
    x_column, y_column : ipywidgets.Dropdown
        The axes (classes ``sa-plot-x``, ``sa-plot-y``).
    binned : ipywidgets.Checkbox
        Show bin means ± std (class ``sa-plot-binned``); off for a no-scan.
    image : ipywidgets.Image
        The figure (class ``sa-plot``).
    """

    def __init__(self, **kwargs) -> None:
        narrow = {"description_width": "20px"}
        self.x_column = ipywidgets.Dropdown(
            description="x", layout={"width": "370px"}, style=narrow
        )
        self.y_column = ipywidgets.Dropdown(
            description="y", layout={"width": "370px"}, style=narrow
        )
        self.binned = ipywidgets.Checkbox(value=True, description="bin means ± std", indent=False)
        self.x_column.add_class("sa-plot-x")
        self.y_column.add_class("sa-plot-y")
        self.binned.add_class("sa-plot-binned")
        self.image = ipywidgets.Image(format="png", layout={"width": f"{PLOT_WIDTH_PX}px"})
        self.image.add_class("sa-plot")
        self.message = MessageArea()
        controls = ipywidgets.HBox([self.x_column, self.y_column])
        super().__init__([controls, self.binned, self.image, self.message], **kwargs)
        self.sfile: pd.DataFrame | None = None
        self.info: ScanInfo | None = None
        self.position_units: Mapping[str, str] = {}
        self.parameter_unit: str | None = None
        self.title = ""
        self._bins_of_shots: np.ndarray | None = None
        self._parameter_column: str | None = None
        self._holding = False
        self.figure = None
        for control in (self.x_column, self.y_column, self.binned):
            control.observe(self._redraw, names="value")

    def show_scan(
        self,
        sfile: pd.DataFrame | None,
        info: ScanInfo | None,
        *,
        position_units: Mapping[str, str] | None = None,
        parameter_unit: str | None = None,
        title: str = "",
    ) -> None:
        """Offer a scan's columns and draw the default plot (None clears it).

        ``position_units`` (analyzer column prefix → unit of its positions) and
        ``parameter_unit`` (the scan parameter's) label the axes as the
        library's figures do.
        """
        self.sfile, self.info, self.title = sfile, info, title
        self.position_units = dict(position_units or {})
        self.parameter_unit = parameter_unit
        self.message.clear()
        self._bins_of_shots, self._parameter_column = None, None
        if sfile is None or sfile.empty:
            self._set_options([], None, None)
            self.image.value = b""
            return
        if info is not None:
            try:
                bins = bin_shots(sfile, info)
            except Exception as error:  # odd Bin # values: plot without bins
                self.message.show_error(error, action="grouping shots into bins")
            else:
                self._parameter_column = bins.parameter_column
                if bins.kind is not ScanKind.NOSCAN and len(bins.values) > 1:
                    self._bins_of_shots = np.array(
                        [bins.bin_of_shot[int(s)] for s in sfile[SHOT_COLUMN]], dtype=float
                    )
        columns = numeric_columns(sfile)
        x, y = default_axes(columns, self._parameter_column, [f"{a}_" for a in self.position_units])
        self.binned.disabled = self._bins_of_shots is None
        self._set_options(columns, x, y)
        self.draw()

    def _set_options(self, columns: list[str], x: str | None, y: str | None) -> None:
        self._holding = True  # one draw after both axes are set, not one per change
        try:
            self.x_column.options = columns
            self.y_column.options = columns
            self.x_column.value, self.y_column.value = x, y
        finally:
            self._holding = False

    def _redraw(self, _change) -> None:
        if not self._holding:
            self.draw()

    def draw(self) -> None:
        """Draw the chosen columns (a problem becomes a message, the old figure is cleared)."""
        x, y = self.x_column.value, self.y_column.value
        if self.sfile is None or x is None or y is None:
            return
        try:
            x_label, x_factor = self._label(x)
            y_label, y_factor = self._label(y)
            x_values = pd.to_numeric(self.sfile[x], errors="coerce").to_numpy(float) * x_factor
            y_values = pd.to_numeric(self.sfile[y], errors="coerce").to_numpy(float) * y_factor
            bins = self._bins_of_shots if self.binned.value else None
            figure = draw_scatter(
                x_values,
                {y_label: y_values},
                bins,
                x_label=x_label,
                title=self.title,
            )
            figure.set_size_inches(7.2, 4.6)
            self.figure = figure  # kept for scripts and tests: labels, data
            self.image.value = figure_to_png(figure)
            self.message.clear()
        except Exception as error:
            self.image.value = b""
            self.message.show_error(error, action=f"plotting {y} against {x}")

    def _label(self, column: str) -> tuple[str, float]:
        return column_label(
            column,
            parameter_column=self._parameter_column,
            parameter_unit=self.parameter_unit,
            position_units=self.position_units,
        )
