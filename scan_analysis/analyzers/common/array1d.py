"""Array1DScanAnalyzer: traces (spectra, scope signals) of a scan, as waterfall and overlay."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scan_analysis.analyzers.common.single_device import SingleDeviceScanAnalyzer
from scan_analysis.data.scan_info import ScanKind
from scan_analysis.image.basic_analyzers import BasicLineAnalyzer
from scan_analysis.render import deferred
from scan_analysis.render.jobs import FigureJob


class Array1DScanAnalyzer(SingleDeviceScanAnalyzer):
    """Analyse a trace device over a scan.

    1-D scan: waterfall of per-bin average traces against the parameter, the
    overlay of those averages (``renderer_kwargs`` ``mode``: ``waterfall`` or
    ``overlay`` alone, or ``grid``, a panel per bin), and scalars against the
    parameter. No-scan:
    waterfall of every shot's trace, the average, and scalar histories.

    Without ``image_analyzer`` the device's line config is used (its
    ``directory_suffix`` too; see :class:`SingleDeviceScanAnalyzer`), else
    :class:`BasicLineAnalyzer`.
    """

    default_image_analyzer = BasicLineAnalyzer
    config_kind = "1d"

    def _x_label(self) -> str:
        metadata = self.image_analyzer.config.metadata
        unit = metadata.x_units if metadata and metadata.x_units else None
        return f"x ({unit})" if unit else "x"

    def _scalar_position_unit(self) -> str:
        """Positions and widths of a trace are in its x unit."""
        metadata = self.image_analyzer.config.metadata
        return metadata.x_units if metadata and metadata.x_units else "x units"

    def _render(self) -> list[Path]:
        metadata = self.image_analyzer.config.metadata
        unit = metadata.x_units if metadata and metadata.x_units else "x units"
        options = self.render_options.replace(position_unit=unit)
        numbers, values, label = self._parameter_axis()
        out = self.output_dir
        jobs: list[FigureJob] = []
        x = self.line_x
        if x is None:
            return []
        averages = {
            n: self.accumulator.bins[n].image.average for n in numbers if n in self.accumulator.bins
        }
        present = [n for n in numbers if averages.get(n) is not None]
        x_label = self._x_label()
        if self.bins.kind is ScanKind.NOSCAN and self.shot_lines:
            shots = sorted(self.shot_lines)
            lines = np.vstack([self.shot_lines[s] for s in shots])
            jobs.append(
                FigureJob(
                    deferred.save_waterfall,
                    (x, lines, shots, out / f"{self.analyzer_id}_waterfall.png"),
                    {
                        "x_label": x_label,
                        "row_label": "shot number",
                        "colour_label": "intensity (one shot per row)",
                        "title": self._figure_title("every shot"),
                        "options": options,
                    },
                )
            )
            analysed = sorted(self.shot_scalars)
            histories = {
                n: [self.shot_scalars[s].get(n, np.nan) for s in analysed]
                for n in self._plotted_scalars()
            }
            jobs.append(
                FigureJob(
                    deferred.save_scalar_histories,
                    (analysed, histories, out / f"{self.analyzer_id}_scalars.png"),
                    {"title": self._figure_title("scalars per shot"), "options": options},
                )
            )
        elif present:
            rows = np.array([values[numbers.index(n)] for n in present])
            lines = np.vstack([averages[n] for n in present])
            common = {"x_label": x_label, "row_label": label, "options": options}
            mode = options.mode  # unset: waterfall and overlay
            if mode in (None, "waterfall"):
                jobs.append(
                    FigureJob(
                        deferred.save_waterfall,
                        (x, lines, rows, out / f"{self.analyzer_id}_waterfall.png"),
                        {**common, "title": self._figure_title(f"bin averages vs {label}")},
                    )
                )
            if mode in (None, "overlay"):
                jobs.append(
                    FigureJob(
                        deferred.save_line_overlay,
                        (x, lines, rows, out / f"{self.analyzer_id}_overlay.png"),
                        {**common, "title": self._figure_title("bin averages")},
                    )
                )
            if mode == "grid":
                jobs.append(
                    FigureJob(
                        deferred.save_line_grid,
                        (x, lines, rows, out / f"{self.analyzer_id}_grid.png"),
                        {**common, "title": self._figure_title("bin averages")},
                    )
                )
            jobs += self._scalars_vs_parameter_jobs(numbers, values, label, options)
        # the parent writes the per-bin arrays while the workers draw
        return self._draw(jobs, meanwhile=lambda: self._save_bin_arrays(numbers, values))
