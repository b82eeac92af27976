"""ScatterPlotterAnalysis: two (or more) s-file columns against each other, coloured by bin."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from scan_analysis.base import NoDataError, ScanAnalyzer, ScanOutcome
from scan_analysis.data.sfile import BIN_COLUMN
from scan_analysis.render import RenderOptions, save_scatter


class ScatterPlotterAnalysis(ScanAnalyzer):
    """Scatter of s-file columns: ``y_columns`` (from one or several devices) against ``x_column``.

    Each shot is a point coloured by its bin; black squares are bin means with
    standard deviations in x and y. Writes no scalars.

    Parameters
    ----------
    x_column : str
        s-file column on the x axis (e.g. ``"U_BCaveICT Charge pC"``).
    y_columns : str or list of str
        Columns on the y axes, one panel each (e.g. ``UC_TopView_image_total``).
    """

    def __init__(
        self,
        x_column: str,
        y_columns: str | list[str],
        *,
        analyzer_id: str | None = None,
        renderer_kwargs: dict | None = None,
        priority: int = 100,
        gdoc_slot: int | None = None,
        raise_errors: bool = False,
    ) -> None:
        super().__init__(analyzer_id=analyzer_id or "ScatterPlotter", raise_errors=raise_errors)
        self.x_column = x_column
        self.y_columns = [y_columns] if isinstance(y_columns, str) else list(y_columns)
        self.render_options = RenderOptions.from_kwargs(renderer_kwargs)
        self.priority = priority
        self.gdoc_slot = gdoc_slot

    def input_analyzers(self, analyzer_ids: Iterable[str]) -> set[str]:
        """The analyzers among ``analyzer_ids`` whose s-file columns this scatter plots.

        Their columns are named ``{analyzer_id}_{scalar}``; the live runner
        starts this analyzer on a scan only once those analyzers have finished it.
        """
        columns = [self.x_column, *self.y_columns]
        return {a for a in analyzer_ids if any(c.startswith(f"{a}_") for c in columns)}

    def _run_analysis_core(self) -> list[Path]:
        wanted = [self.x_column, *self.y_columns]
        missing = [c for c in wanted if c not in self.sfile.columns]
        if missing:
            raise NoDataError(
                f"s-file {self.paths.sfile} has no column(s) {missing}; run the analyzers that "
                "write them first, or check the names"
            )
        x = self.sfile[self.x_column].to_numpy(dtype=float)
        ys = {c: self.sfile[c].to_numpy(dtype=float) for c in self.y_columns}
        bins = (
            self.sfile[BIN_COLUMN].to_numpy(dtype=float)
            if BIN_COLUMN in self.sfile.columns
            else np.ones(len(self.sfile))
        )
        path = save_scatter(
            x,
            ys,
            bins,
            self.output_dir / f"{self.analyzer_id}_scatter.png",
            x_label=self.x_column,
            title=f"{self.analyzer_id}: {self.tag}",
            options=self.render_options,
        )
        self.last_outcome = ScanOutcome("done", f"{len(x)} shots plotted", shots_total=len(x))
        return [path]

    def cleanup(self) -> None:
        """Nothing is kept between scans."""
