"""ScatterPlotterAnalysis: two (or more) s-file columns against each other, coloured by bin."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from scan_analysis.base import NoDataError, ScanAnalyzer, ScanOutcome
from scan_analysis.config.parameter_units import resolve_parameter_unit
from scan_analysis.data.scan_paths import resolve_config_dir
from scan_analysis.data.sfile import BIN_COLUMN, SHOT_COLUMN
from scan_analysis.render import RenderOptions, save_scatter
from scan_analysis.render.style import parameter_title


class ScatterPlotterAnalysis(ScanAnalyzer):
    """Scatter of s-file columns: ``y_columns`` (from one or several devices) against ``x_column``.

    Each shot is a point coloured by its bin; black squares are bin means (or
    medians) with standard deviations in x and y. Writes no scalars.

    Parameters
    ----------
    x_column : str, optional
        s-file column on the x axis (e.g. ``"U_BCaveICT Charge pC"``). Default,
        as in the original: the scan parameter's column, or ``Shotnumber`` for
        a no-scan (and a scan whose parameter has no column).
    y_columns : str or list of str
        Columns on the y axes, one panel each (e.g. ``UC_TopView_image_total``).
    use_median : bool
        Mark each bin's median instead of its mean (error bars stay ± std).
    filename : str, optional
        Stem of the figure's file, ``{filename}.png`` in the output folder
        (default ``{analyzer_id}_scatter``).
    title : str, optional
        Figure title (default ``{analyzer_id}: {scan}``).
    priority, gdoc_slot : optional
        Accepted as the original's constructor takes them, and not used here:
        set ``scan.priority`` and ``scan.gdoc_slot`` in the analyzer's config.
    """

    def __init__(
        self,
        x_column: str | None = None,
        y_columns: str | list[str] | None = None,
        *,
        use_median: bool = False,
        filename: str | None = None,
        title: str | None = None,
        analyzer_id: str | None = None,
        renderer_kwargs: dict | None = None,
        priority: int = 100,
        gdoc_slot: int | None = None,
        raise_errors: bool = False,
    ) -> None:
        super().__init__(analyzer_id=analyzer_id or "ScatterPlotter", raise_errors=raise_errors)
        if not y_columns:
            raise ValueError(
                "ScatterPlotterAnalysis needs y_columns: the s-file columns to plot, e.g. "
                "y_columns=['UC_TopView_image_total']"
            )
        if filename is not None and (not filename or any(s in filename for s in "/\\")):
            raise ValueError(f"filename {filename!r} must be a plain file stem, e.g. 'charge'")
        self.x_column = x_column
        self.y_columns = [y_columns] if isinstance(y_columns, str) else list(y_columns)
        self.use_median = use_median
        self.filename = filename
        self.title = title
        self.render_options = RenderOptions.from_kwargs(renderer_kwargs)
        #: the column the last run put on the x axis
        self.plotted_x_column: str | None = None
        # priority and gdoc_slot are taken for the original's constructor calls; what is
        # scheduled when, and where its figure goes in the e-log, comes from the config's
        # scan block (scan.priority, scan.gdoc_slot), which the live runner reads
        del priority, gdoc_slot

    def input_analyzers(self, analyzer_ids: Iterable[str] | Mapping[str, str]) -> set[str]:
        """The analyzers among ``analyzer_ids`` whose s-file columns this scatter plots.

        ``analyzer_ids`` may map each id to the prefix of its columns
        (``{prefix}_{scalar}``); the live runner starts this analyzer on a scan
        only once those analyzers have finished it.
        """
        columns = [c for c in (self.x_column, *self.y_columns) if c]
        prefixes = {  # a mapping's str values are column prefixes; anything else: the ids
            a: analyzer_ids[a]
            if isinstance(analyzer_ids, Mapping) and isinstance(analyzer_ids[a], str)
            else a
            for a in analyzer_ids
        }
        return {
            a for a, prefix in prefixes.items() if any(c.startswith(f"{prefix}_") for c in columns)
        }

    def _x_axis(self) -> tuple[str, str]:
        """The x column and its label: the one given, else the scan parameter, else shots."""
        if self.x_column is not None:
            return self.x_column, self.x_column
        parameter = self.bins.parameter_column
        if parameter is not None:
            return parameter, parameter
        return SHOT_COLUMN, "shot number"

    def _run_analysis_core(self) -> list[Path]:
        x_column, x_label = self._x_axis()
        self.plotted_x_column = x_column
        wanted = [x_column, *self.y_columns]
        missing = [c for c in wanted if c not in self.sfile.columns]
        if missing:
            raise NoDataError(
                f"s-file {self.paths.sfile} has no column(s) {missing}; run the analyzers that "
                "write them first, or check the names"
            )
        label = self._column_labeller()
        x = self.sfile[x_column].to_numpy(dtype=float)
        ys = {label(c): self.sfile[c].to_numpy(dtype=float) for c in self.y_columns}
        bins = (
            self.sfile[BIN_COLUMN].to_numpy(dtype=float)
            if BIN_COLUMN in self.sfile.columns
            else np.ones(len(self.sfile))
        )
        path = save_scatter(
            x,
            ys,
            bins,
            self.output_dir / f"{self.filename or f'{self.analyzer_id}_scatter'}.png",
            x_label=x_label if x_column == SHOT_COLUMN else label(x_column),
            title=self.title or f"{self.analyzer_id}: {self.tag}",
            options=self.render_options,
            partial=self.bins.partial,
            statistic="median" if self.use_median else "mean",
        )
        self.last_outcome = ScanOutcome("done", f"{len(x)} shots plotted", shots_total=len(x))
        return [path]

    def _column_labeller(self):
        """Axis labels: columns as they are, the scan parameter's with its unit."""
        parameter = self.bins.parameter_column
        if parameter is None:
            return lambda column: column
        unit = resolve_parameter_unit(
            parameter,
            experiment=self.tag.experiment,
            config_dir=resolve_config_dir(self.config_dir),
        )
        return lambda column: parameter_title(column, unit) if column == parameter else column

    def cleanup(self) -> None:
        """Nothing is kept between scans."""
        super().cleanup()
