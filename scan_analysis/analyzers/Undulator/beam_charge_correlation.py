"""BeamChargeCorrelation: how the top-view camera's signal follows the ICT charge.

Written as a lab user would subclass :class:`~scan_analysis.base.ScanAnalyzer`:
it reads two devices (camera images and the ICT charge column of the s-file),
writes one scalar per shot (camera counts per pC) and a correlation figure.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from scan_analysis.base import NoDataError, ScanAnalyzer, ScanOutcome
from scan_analysis.data.readers import read_shot
from scan_analysis.data.shot_files import map_shots_to_files
from scan_analysis.errors import ShotReadError
from scan_analysis.render.style import plain_tick_labels, power_of_ten_label


class BeamChargeCorrelation(ScanAnalyzer):
    """Correlate a camera's background-subtracted total counts with the ICT charge.

    Parameters
    ----------
    camera : str
        Camera device (default ``UC_TopView``).
    charge_column : str
        s-file column of the charge (default ``U_BCaveICT Charge pC``).
    pedestal : float
        Camera counts per pixel subtracted before summing.
    """

    def __init__(
        self,
        camera: str = "UC_TopView",
        charge_column: str = "U_BCaveICT Charge pC",
        *,
        pedestal: float = 100.0,
        analyzer_id: str | None = None,
        raise_errors: bool = False,
    ) -> None:
        super().__init__(
            analyzer_id=analyzer_id or "BeamChargeCorrelation", raise_errors=raise_errors
        )
        self.camera = camera
        self.charge_column = charge_column
        self.pedestal = pedestal
        self.counts: dict[int, float] = {}

    def _run_analysis_core(self) -> list[Path]:
        if self.charge_column not in self.sfile.columns:
            raise NoDataError(f"{self.paths.sfile} has no column {self.charge_column!r}")
        files = map_shots_to_files(self.sfile, self.paths.scan_dir, self.camera)
        if not files:
            raise NoDataError(f"no {self.camera} images in {self.paths.scan_dir}")
        for shot, path in files.items():
            try:
                image = read_shot(path).astype(np.float64)
            except ShotReadError:
                continue  # the camera analyzer reports unreadable shots
            self.counts[shot] = float(np.clip(image - self.pedestal, 0, None).sum())
        shots = self.sfile["Shotnumber"].astype(int)
        charge = self.sfile[self.charge_column].to_numpy(dtype=float)
        counts = np.array([self.counts.get(s, np.nan) for s in shots])
        with np.errstate(divide="ignore", invalid="ignore"):
            per_pc = np.where(charge > 0, counts / charge, np.nan)
        self.append_scalars(pd.DataFrame({"Shotnumber": shots, "counts_per_pC": per_pc}))
        valid = np.isfinite(counts) & np.isfinite(charge)
        r = (
            float(np.corrcoef(charge[valid], counts[valid])[0, 1])
            if valid.sum() > 2
            else float("nan")
        )

        figure = Figure(figsize=(5.5, 4.2), layout="constrained")
        axes = figure.add_subplot()
        bins = self.sfile["Bin #"].to_numpy()[valid] if "Bin #" in self.sfile.columns else None
        several_bins = bins is not None and np.unique(bins).size > 1
        # the power of ten in the label, not a "1e6" above the axis that is easily missed
        y_label, y_power = power_of_ten_label(
            f"{self.camera} total above pedestal (counts)", counts[valid]
        )
        colours = {"c": bins, "cmap": "viridis"} if several_bins else {}  # one bin: one colour
        points = axes.scatter(charge[valid], counts[valid] * y_power, s=14, **colours)
        if several_bins:
            colour_bar = figure.colorbar(points, ax=axes, label="bin number")
            colour_bar.locator = MaxNLocator(integer=True)
            colour_bar.update_ticks()
        axes.set_xlabel(f"{self.charge_column}")
        axes.set_ylabel(y_label)
        plain_tick_labels(axes, "both")
        axes.set_title(f"{self.tag}\ncorrelation r = {r:.3f} ({int(valid.sum())} shots)")
        axes.grid(alpha=0.3)
        path = self.save_figure(figure, f"{self.analyzer_id}_correlation.png")
        self.last_outcome = ScanOutcome("done", f"r = {r:.3f}", scalars={"correlation": r})
        return [path]

    def cleanup(self) -> None:
        """Forget the scan's per-shot counts."""
        self.counts = {}
        super().cleanup()
