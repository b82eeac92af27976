"""ScanAnalyzer: everything one analysis of one scan needs, around a subclass's core.

``run_analysis(tag)`` resolves the scan's folders, reads the ini and the
s-file, decides no-scan / 1-D / optimization, bins the shots, calls the
subclass's ``_run_analysis_core()``, merges the scalars it appended into the
s-file and returns the display files. Subclasses implement
``_run_analysis_core()`` (return the figures written) and ``cleanup()``
(release per-scan state; a subclass without one is refused when it is
defined, and ``super().cleanup()`` releases what the base holds). Inside the
core, as in the original toolkit, ``self.auxiliary_data`` is the s-file as a
DataFrame (also ``self.sfile``) and ``self.scan_data`` the scan's paths
(:class:`~scan_analysis.data.scan_data.ScanData`)::

    class ChargeCorrelation(ScanAnalyzer):
        def _run_analysis_core(self):
            frame = self.sfile[["Shotnumber"]].copy()
            frame["charge_per_count"] = ...
            self.append_scalars(frame)
            return [self.save_figure(figure, "correlation.png")]

        def cleanup(self):
            super().cleanup()
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from scan_analysis.data.atomic_files import atomic_output
from scan_analysis.data.scalar_sidecar import (
    SIDECAR_NAME,
    read_scalar_sidecar,
    write_scalar_sidecar,
)
from scan_analysis.data.scan_data import ScanData
from scan_analysis.data.scan_info import ScanInfo, ScanKind
from scan_analysis.data.scan_paths import ScanPaths
from scan_analysis.data.scan_tag import ScanTag
from scan_analysis.data.sfile import BIN_COLUMN, SHOT_COLUMN, merge_columns, read_sfile
from scan_analysis.errors import ScanAnalysisError, SFileReadOnlyError
from scan_analysis.scalar_table import ScalarTable

logger = logging.getLogger(__name__)

Status = Literal["done", "no_data", "failed"]
ProgressCallback = Callable[[int, int], None]
"""Called as ``callback(done, total)`` while a scan is analysed (from the thread running it)."""


class NoDataError(ScanAnalysisError):
    """The scan has no data for this analyzer (a clean outcome, not a failure)."""


@dataclass
class ScanOutcome:
    """How one analysis of one scan ended.

    ``shots_left_out`` counts analysed shots whose array had another shape than
    the scan's majority, so they are not in the bin averages (their scalars are
    kept). ``scalars_written`` is False when the scalars could not be merged
    into the s-file (it is read-only); the message then says so. ``warnings``
    are the per-shot analyzer's own (``ImageAnalyzerResult.warnings``), also
    in the message.
    """

    status: Status
    message: str = ""
    display_files: list[Path] = field(default_factory=list)
    scalars: dict[str, float] = field(default_factory=dict)
    shots_total: int = 0
    shots_analysed: int = 0
    shots_failed: int = 0
    elapsed: float = 0.0
    shots_left_out: int = 0
    scalars_written: bool = True
    scalar_table: ScalarTable | None = None
    """The key scalars as the e-log shows them (labels, units, per-bin means), if any."""
    warnings: list[str] = field(default_factory=list)
    """The per-shot analyzer's warnings, one line per message with the shots it concerned."""
    shot_metadata: dict[int, dict] = field(default_factory=dict)
    """The per-shot analyzer's ``ImageAnalyzerResult.metadata`` by shot (``per_bin``: by bin)."""


@dataclass
class ScanBins:
    """How the shots of a scan are grouped."""

    kind: ScanKind
    parameter_column: str | None
    bin_of_shot: dict[int, int]
    values: dict[int, float]
    expected_bins: int | None = None
    """Bins the scan was set to take (a 1-D scan's range in the ini), when known."""

    @property
    def numbers(self) -> list[int]:
        """Bin numbers in order."""
        return sorted(self.values)

    @property
    def partial(self) -> str | None:
        """``"partial: 4 of 10 bins"`` when the s-file holds fewer bins than the scan was set to.

        The DAQ still writing it, or stopped early: figures of such a scan
        say so. None for a complete scan, or when the ini gives no range.
        """
        found = sum(1 for number in self.values if number > 0)
        if self.expected_bins is None or found >= self.expected_bins:
            return None
        return f"partial: {found} of {self.expected_bins} bins"

    def label(self, number: int) -> str:
        """Panel title of a bin: the parameter value (or the bin number)."""
        if self.kind is ScanKind.ONE_D and self.parameter_column:
            return f"{self.values[number]:.4g}"
        return f"bin {number}"


def bin_shots(sfile: pd.DataFrame, info: ScanInfo) -> ScanBins:
    """Group shots: one bin for a no-scan, ``Bin #`` otherwise, parameter mean per bin."""
    shots = sfile[SHOT_COLUMN].astype(int).tolist()
    kind = info.kind
    column = info.parameter_column(sfile.columns) if kind is ScanKind.ONE_D else None
    if kind is ScanKind.ONE_D and column is None:
        logger.warning(
            "scan parameter %r has no column in the s-file; binning by %r only",
            info.parameter,
            BIN_COLUMN,
        )
    expected = info.expected_steps
    if kind is ScanKind.NOSCAN or BIN_COLUMN not in sfile.columns:
        return ScanBins(kind, None, dict.fromkeys(shots, 1), {1: 1.0})
    bin_numbers = sfile[BIN_COLUMN].fillna(-1).astype(int).tolist()
    bin_of_shot = dict(zip(shots, bin_numbers, strict=True))
    values: dict[int, float] = {}
    for number in sorted(set(bin_numbers)):
        if column is not None:
            chosen = sfile.loc[sfile[BIN_COLUMN] == number, column]
            values[number] = float(np.nanmean(chosen)) if chosen.notna().any() else float("nan")
        else:
            values[number] = float(number)
    return ScanBins(kind, column, bin_of_shot, values, expected)


class ScanAnalyzer:
    """Base of scan-level analyzers.

    Parameters
    ----------
    analyzer_id : str
        Names the output folder ``analysis/Scan{NNN}/{analyzer_id}`` and
        prefixes s-file columns ``{column_prefix}_{scalar}{metric_suffix}``
        (the prefix is the id unless a subclass says otherwise).
    raise_errors : bool
        Re-raise a failure after recording it (default: log it and return []).
    """

    def __init__(self, *, analyzer_id: str | None = None, raise_errors: bool = False) -> None:
        self.analyzer_id = analyzer_id or type(self).__name__
        #: appended to every s-file column this analyzer writes (the original's ``metric_suffix``)
        self.metric_suffix = ""
        self.raise_errors = raise_errors
        self.last_outcome: ScanOutcome | None = None
        self._pending_scalars: list[pd.DataFrame] = []
        #: the scan's s-file while it is analysed (``auxiliary_data`` is the original's name)
        self.sfile: pd.DataFrame | None = None
        #: the scan's paths while it is analysed (the original's ``scan_data``)
        self.scan_data: ScanData | None = None
        self._restored: pd.DataFrame | None = None
        #: ``callback(done, total)`` told of progress through the scan (e.g. by a widget)
        self.progress_callback: ProgressCallback | None = None
        #: what the last progress counted: ``"shots"``, then ``"figures"`` while they are drawn
        self.progress_stage = "shots"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Refuse a subclass without its own ``cleanup()`` when it is defined."""
        super().__init_subclass__(**kwargs)
        if cls.cleanup is ScanAnalyzer.cleanup:
            raise TypeError(
                f"{cls.__qualname__} subclasses ScanAnalyzer but does not define cleanup(); "
                "add one that releases what the analyzer keeps per scan (it runs after every "
                "scan): def cleanup(self): super().cleanup()"
            )

    # --- what subclasses implement ---------------------------------------------------------
    def _run_analysis_core(self) -> list[Path]:
        """Analyse the scan set up by :meth:`run_analysis`; return display files."""
        raise NotImplementedError(f"{type(self).__name__} must implement _run_analysis_core()")

    def cleanup(self) -> None:
        """Release per-scan state; called after every scan, success or not.

        Subclasses must define it (checked when the class is defined); this
        base version drops what the base holds for the scan (the s-file frame,
        ``scan_data``, unwritten scalars), so ``super().cleanup()`` is safe.
        """
        self.sfile = None
        self.scan_data = None
        self._pending_scalars = []

    @property
    def auxiliary_data(self) -> pd.DataFrame | None:
        """The scan's s-file as a DataFrame (the original's name for :attr:`sfile`)."""
        return self.sfile

    @auxiliary_data.setter
    def auxiliary_data(self, frame: pd.DataFrame | None) -> None:
        self.sfile = frame

    # --- the run -------------------------------------------------------------------------------
    def run_analysis(
        self,
        tag: ScanTag,
        *,
        data_root: str | os.PathLike | None = None,
        config_dir: str | os.PathLike | None = None,
        restore_scalars: bool = False,
    ) -> list[Path]:
        """Analyse one scan; returns the display files (figures) written.

        Parameters
        ----------
        tag : ScanTag
            Which scan: this project's ``ScanTag`` or any object with ``year,
            month, day, number, experiment`` (the original's ScanTag).
        data_root, config_dir : path, optional
            Override the resolution order of docs/DATA_FORMAT.md.
        restore_scalars : bool
            Do not analyse: merge the scalars an earlier run saved in
            ``analysis/Scan{NNN}/{analyzer_id}/scalars.csv`` into the s-file
            (e.g. after the DAQ wrote the s-file again) and return that run's
            figures. No saved scalars is a failure naming the file.

        Notes
        -----
        The outcome (``done``/``no_data``/``failed``, message, files, scalars)
        is kept in :attr:`last_outcome`. A failure is logged, not raised,
        unless ``raise_errors`` is set. Every run that appends scalars also
        writes them to ``scalars.csv`` in its output folder (atomically).
        """
        started = time.perf_counter()
        tag = ScanTag.coerce(tag)  # any ScanTag-like object, the original's included
        self.tag = tag
        self.config_dir = config_dir
        self._pending_scalars = []
        self._restored = None
        self.last_outcome = None
        display_files: list[Path] = []
        try:
            self.paths = ScanPaths(tag, data_root=data_root)
            self.scan_data = ScanData(self.paths)
            self.paths.require_scan()
            self.paths.require_writable_output(self.analyzer_id)
            self.scan_info = ScanInfo.for_scan(self.paths)
            self.sfile = read_sfile(self.paths.sfile)
            self.bins = bin_shots(self.sfile, self.scan_info)
            if self.bins.partial:
                logger.warning(
                    "%s %s: %s in %s (the DAQ still writing it, or stopped early); its "
                    "figures are marked partial",
                    self.analyzer_id,
                    tag,
                    self.bins.partial,
                    self.paths.sfile,
                )
            if restore_scalars:
                display_files = self._restore_saved_scalars()
            else:
                display_files = list(self._run_analysis_core() or [])
            not_written = self._write_scalars()
            outcome = self.last_outcome or ScanOutcome("done")
            outcome.display_files = display_files
            if self.bins.partial and self.bins.partial not in outcome.message:
                outcome.message = ", ".join(p for p in (self.bins.partial, outcome.message) if p)
            if not_written:
                outcome.scalars_written = False
                outcome.message = "; ".join(
                    part
                    for part in (outcome.message, f"scalars NOT written: {not_written}")
                    if part
                )
            self.last_outcome = outcome
            logger.info(
                "%s %s: %s, %d display files",
                self.analyzer_id,
                tag,
                outcome.status,
                len(display_files),
            )
        except NoDataError as error:
            self.last_outcome = ScanOutcome("no_data", str(error))
            logger.warning("%s %s: no data: %s", self.analyzer_id, tag, error)
        except Exception as error:
            message = (
                str(error)
                if isinstance(error, ScanAnalysisError)
                else f"{type(error).__name__}: {error}"
            )
            self.last_outcome = ScanOutcome("failed", message)
            # a ScanAnalysisError's message says what to do; anything else needs its traceback
            logger.error(
                "%s %s failed: %s",
                self.analyzer_id,
                tag,
                message,
                exc_info=None if isinstance(error, ScanAnalysisError) else error,
            )
            if self.raise_errors:
                raise
        finally:
            try:
                self.cleanup()
            except Exception as error:
                logger.warning("%s cleanup failed: %s", self.analyzer_id, error)
            self.last_outcome = self.last_outcome or ScanOutcome("failed", "no outcome")
            self.last_outcome.elapsed = time.perf_counter() - started
        return display_files if self.last_outcome.status == "done" else []

    # --- helpers for subclasses ----------------------------------------------------------------
    def report_progress(self, done: int, total: int, *, stage: str = "shots") -> None:
        """Tell :attr:`progress_callback` (if any) how far the scan is; never raises.

        ``stage`` (``"shots"``, ``"figures"``) is kept as :attr:`progress_stage`:
        what the steps counted are while the scan's work goes on.
        """
        self.progress_stage = stage
        if self.progress_callback is None:
            return
        try:
            self.progress_callback(done, total)
        except Exception as error:  # a broken display never stops an analysis
            logger.warning("%s: progress callback failed: %s", self.analyzer_id, error)

    @property
    def output_dir(self) -> Path:
        """``analysis/Scan{NNN}/{analyzer_id}`` (created on first use)."""
        path = self.paths.output_dir(self.analyzer_id)
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def column_prefix(self) -> str:
        """What this analyzer's s-file columns start with (here: its id)."""
        return self.analyzer_id

    def append_scalars(self, frame: pd.DataFrame) -> None:
        """Queue per-shot scalars (``Shotnumber`` + columns) for the s-file.

        Columns are written as ``{column_prefix}_{name}{metric_suffix}`` after
        the core returns.
        """
        if SHOT_COLUMN not in frame.columns:
            raise ValueError(f"scalars need a {SHOT_COLUMN!r} column")
        self._pending_scalars.append(frame)

    def _write_scalars(self) -> str | None:
        """Merge the queued scalars into the s-file; returns why they were not written, if so."""
        restored, self._restored = self._restored, None
        if restored is not None:
            return self._merge_into_sfile(restored)
        if not self._pending_scalars:
            return None
        merged = self._pending_scalars[0]
        for frame in self._pending_scalars[1:]:
            merged = merged.merge(frame, on=SHOT_COLUMN, how="outer")
        renamed = merged.rename(
            columns={
                c: f"{self.column_prefix}_{c}{self.metric_suffix}"
                for c in merged.columns
                if c != SHOT_COLUMN
            }
        )
        self._pending_scalars = []
        self._save_sidecar(renamed)
        return self._merge_into_sfile(renamed)

    @property
    def sidecar_path(self) -> Path:
        """``analysis/Scan{NNN}/{analyzer_id}/scalars.csv`` of the scan being analysed."""
        return self.paths.output_dir(self.analyzer_id) / SIDECAR_NAME

    def _save_sidecar(self, columns: pd.DataFrame) -> None:
        """Keep the s-file columns beside the figures, so they outlive a rewritten s-file."""
        try:
            self.output_dir  # noqa: B018 (creates the folder)
            write_scalar_sidecar(self.sidecar_path, columns)
        except OSError as error:  # the s-file merge still happens
            logger.error(
                "%s %s: could not save the scalars to %s: %s",
                self.analyzer_id,
                self.tag,
                self.sidecar_path,
                error,
            )

    def _prepare_restore(self) -> None:
        """Settle what names the output folder before restoring (subclasses that look it up)."""

    def _restore_saved_scalars(self) -> list[Path]:
        """Queue the saved sidecar for the s-file merge; the figures of that run are returned."""
        self._prepare_restore()
        path = self.sidecar_path
        frame = read_scalar_sidecar(path)
        self._restored = frame
        figures = sorted(
            p for p in path.parent.iterdir() if p.suffix.lower() in (".png", ".gif", ".svg")
        )
        self.last_outcome = ScanOutcome(
            "done",
            f"restored {len(frame.columns) - 1} scalar columns of {len(frame)} shots from {path}",
            shots_total=len(self.sfile),
        )
        return figures

    def _merge_into_sfile(self, renamed: pd.DataFrame) -> str | None:
        """Merge s-file columns; returns why they were not written, if so."""
        try:
            columns = merge_columns(self.paths.sfile, renamed)
        except SFileReadOnlyError as error:  # the figures stand; the file is respected
            logger.error("%s %s: %s", self.analyzer_id, self.tag, error)
            return f"{error.path} is read-only"
        logger.info(
            "%s: wrote %d column%s to %s",
            self.analyzer_id,
            len(columns),
            "" if len(columns) == 1 else "s",
            self.paths.sfile,
        )
        return None

    def save_figure(self, figure: Any, name: str, *, dpi: int = 110) -> Path:
        """Save a matplotlib figure under the output folder; returns its path.

        The format follows the name's extension (PNG when it has none). The file
        appears complete or not at all: an interrupted save leaves nothing behind.
        """
        path = self.output_dir / name
        with atomic_output(path) as stream:
            figure.savefig(
                stream, format=path.suffix.lstrip(".") or "png", dpi=dpi, bbox_inches="tight"
            )
        return path

    def __repr__(self) -> str:
        return f"{type(self).__name__}(analyzer_id={self.analyzer_id!r})"
