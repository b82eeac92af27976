"""SingleDeviceScanAnalyzer: one device's shots through an ImageAnalyzer, per bin."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from scan_analysis.accumulators import ScanAccumulator
from scan_analysis.analyzers.common.shot_work import ChunkResult, ShotChunk, analyze_chunk
from scan_analysis.base import NoDataError, ScanAnalyzer, ScanOutcome
from scan_analysis.data.scan_info import ScanKind
from scan_analysis.data.sfile import SHOT_COLUMN
from scan_analysis.data.shot_files import map_shots_to_files
from scan_analysis.executors import SerialExecutor, ShotExecutor, is_picklable, make_executor
from scan_analysis.image.base import ImageAnalyzer
from scan_analysis.render import FigureJob, run_figure_job, save_scalars_vs_parameter
from scan_analysis.render.style import RenderOptions, parameter_label

logger = logging.getLogger(__name__)

CHUNK_SIZE = 8
MAX_WATERFALL_LINES = 2000
Mode = Literal["per_shot", "per_bin"]


class SingleDeviceScanAnalyzer(ScanAnalyzer):
    """Shared logic of analyzers that read one device's per-shot files.

    Parameters
    ----------
    device_name : str
        The device (s-file columns ``"{device} ..."``, folder ``{device}{suffix}``).
    image_analyzer : ImageAnalyzer, optional
        Per-shot analysis; default the class's basic analyzer.
    analyzer_id : str, optional
        Output folder and s-file column prefix; default ``device_name``.
    directory_suffix : str
        Folder/file stem suffix (``"-interpSpec"``).
    file_tail : str, optional
        Which files to take when a device writes several (``"_postprocessed.png"``).
    mode : ``"per_shot"`` or ``"per_bin"``
        Analyse every shot then aggregate per bin, or average each bin's raw
        shots and analyse the average once (its scalars go to every shot of the bin).
    renderer_kwargs : dict, optional
        ``cmap``, ``vmin``, ``vmax``, ``dpi``, ``figsize``, ``max_scalars``.
    save : bool
        Write figures and per-bin arrays (scalars are always merged).
    background_source : str, optional
        Recorded for the config system; the image config's background block decides.
    priority, gdoc_slot :
        Scheduling and e-log placement, used by the live runner.
    executor : str or executor, optional
        ``"processes"`` (default), ``"threads"``, ``"serial"`` or an executor object.
    progress : bool
        Show a progress bar over shots.
    """

    default_image_analyzer: type[ImageAnalyzer] = ImageAnalyzer

    def __init__(
        self,
        device_name: str,
        *,
        image_analyzer: ImageAnalyzer | None = None,
        analyzer_id: str | None = None,
        directory_suffix: str = "",
        file_tail: str | None = None,
        mode: Mode = "per_shot",
        renderer_kwargs: dict[str, Any] | None = None,
        save: bool = True,
        background_source: str | None = None,
        priority: int = 100,
        gdoc_slot: int | None = None,
        executor: str | ShotExecutor | None = None,
        progress: bool = True,
        raise_errors: bool = False,
    ) -> None:
        super().__init__(analyzer_id=analyzer_id or device_name, raise_errors=raise_errors)
        if mode not in ("per_shot", "per_bin"):
            raise ValueError(f"mode must be 'per_shot' or 'per_bin', not {mode!r}")
        self.device_name = device_name
        self.image_analyzer = image_analyzer or self.default_image_analyzer()
        self.directory_suffix = directory_suffix
        self.file_tail = file_tail
        self.mode = mode
        self.render_options = RenderOptions.from_kwargs(renderer_kwargs)
        self.save = save
        self.background_source = background_source
        self.priority = priority
        self.gdoc_slot = gdoc_slot
        self.progress = progress
        self._executor_choice = executor
        self._executor: ShotExecutor | None = None
        self._owns_executor = executor is None or isinstance(executor, str)
        self._reset_scan_state()

    # --- executor ---------------------------------------------------------------------------
    @property
    def executor(self) -> ShotExecutor:
        """The executor (created on first use, kept across scans until :meth:`close`)."""
        if self._executor is None:
            choice = self._executor_choice
            if choice in (None, "processes") and not is_picklable(self.image_analyzer):
                logger.warning(
                    "%s cannot be sent to worker processes (not picklable); using threads",
                    type(self.image_analyzer).__name__,
                )
                choice = "threads"
            self._executor = make_executor(choice)
        return self._executor

    def close(self) -> None:
        """Shut down the worker pool (one passed in by the caller is left to the caller)."""
        if self._executor is not None and self._owns_executor:
            self._executor.close()
        self._executor = None

    # --- per-scan state ---------------------------------------------------------------------
    def _reset_scan_state(self) -> None:
        self.accumulator = ScanAccumulator()
        self.shot_scalars: dict[int, dict[str, float]] = {}
        self.shot_errors: dict[int, str] = {}
        self.shot_lines: dict[int, np.ndarray] = {}
        self.line_x: np.ndarray | None = None
        self.offset: tuple[int, int] = (0, 0)
        self.bin_results: dict[int, Any] = {}

    def cleanup(self) -> None:
        """Drop the scan's accumulators, keep the executor for the next scan."""
        self._reset_scan_state()

    @property
    def stem(self) -> str:
        """Folder and file stem: device name + directory suffix."""
        return f"{self.device_name}{self.directory_suffix}"

    # --- the core ---------------------------------------------------------------------------
    def _run_analysis_core(self) -> list[Path]:
        files = map_shots_to_files(
            self.sfile,
            self.paths.scan_dir,
            self.device_name,
            directory_suffix=self.directory_suffix,
            file_tail=self.file_tail,
            scan_number=self.tag.number,
        )
        if not files:
            folder = self.paths.device_dir(self.stem)
            reason = (
                "does not exist"
                if not folder.is_dir()
                else "has no files matching the s-file's shots"
            )
            raise NoDataError(
                f"no {self.stem} data in {self.tag}: {folder} {reason}; "
                "check device_name/directory_suffix or whether the device saved in this scan"
            )
        shots_total = len(self.sfile)
        self.image_analyzer.prepare_scan(
            [files[s] for s in sorted(files)],
            scan_dir=self.paths.scan_dir,
            analysis_dir=self.output_dir,
        )
        self._analyse_shots(files)
        if self.mode == "per_bin":
            self._analyse_bin_averages()
        analysed = (
            len(self.shot_scalars)
            if self.mode == "per_shot"
            else len(files) - len(self.shot_errors)
        )
        for shot, message in sorted(self.shot_errors.items()):
            logger.warning(
                "%s %s shot %d: %s (recorded as NaN)", self.analyzer_id, self.tag, shot, message
            )
        if analysed == 0:
            first = next(iter(self.shot_errors.values()), "no shots")
            raise RuntimeError(f"every one of {len(files)} shots failed; first error: {first}")
        self.append_scalars(self._scalar_frame())
        display = self._render() if self.save else []
        self.last_outcome = ScanOutcome(
            "done",
            f"{analysed} of {shots_total} shots analysed"
            + (f", {len(self.shot_errors)} unreadable" if self.shot_errors else "")
            + (f", {shots_total - len(files)} without files" if shots_total > len(files) else ""),
            scalars=self._scalar_summary(),
            shots_total=shots_total,
            shots_analysed=analysed,
            shots_failed=len(self.shot_errors),
        )
        return display

    def _chunks(self, files: dict[int, Path]) -> list[ShotChunk]:
        by_bin: dict[int, list[tuple[int, Path]]] = {}
        for shot in sorted(files):
            by_bin.setdefault(self.bins.bin_of_shot.get(shot, 1), []).append((shot, files[shot]))
        keep_lines = self.bins.kind is ScanKind.NOSCAN and len(files) <= MAX_WATERFALL_LINES
        return [
            ShotChunk(
                self.image_analyzer,
                number,
                shots[start : start + CHUNK_SIZE],
                self.mode,
                keep_lines,
            )
            for number, shots in sorted(by_bin.items())
            for start in range(0, len(shots), CHUNK_SIZE)
        ]

    def _analyse_shots(self, files: dict[int, Path]) -> None:
        chunks = self._chunks(files)
        with tqdm(
            total=len(files),
            desc=f"{self.analyzer_id} Scan{self.tag.number:03d}",
            unit="shot",
            disable=not self.progress,
            leave=False,
        ) as bar:
            done = 0
            self.report_progress(done, len(files))
            for result in self.executor.map_unordered(analyze_chunk, chunks):
                self._collect(result)
                finished = (
                    len(result.scalars) + len(result.errors)
                    if self.mode == "per_shot"
                    else result.count + len(result.errors)
                )
                bar.update(finished)
                done += finished
                self.report_progress(done, len(files))

    def _collect(self, result: ChunkResult) -> None:
        accumulator = self.accumulator.bin(result.bin)
        for shot, scalars in result.scalars.items():
            self.shot_scalars[shot] = scalars
            accumulator.add_scalars(scalars)
        self.shot_errors.update(result.errors)
        accumulator.failed += len(result.errors)
        if result.array_sum is not None:
            accumulator.image.add(result.array_sum, result.count)
            self.offset = result.offset
            if result.x is not None:
                self.line_x = result.x
        self.shot_lines.update(result.lines)

    def _analyse_bin_averages(self) -> None:
        """per_bin mode: analyse each bin's average of raw shots once."""
        for number, accumulator in sorted(self.accumulator.bins.items()):
            average = accumulator.image.average
            if average is None:
                continue
            data = (
                np.vstack([self.line_x, average]) if self.image_analyzer.kind == "1d" else average
            )
            result = self.image_analyzer.analyze_image(data)
            self.bin_results[number] = result
            accumulator.add_scalars(result.scalars)
            self.offset = tuple(self.image_analyzer.context.offset)  # type: ignore[assignment]
            processed = (
                result.processed[1] if self.image_analyzer.kind == "1d" else result.processed
            )
            accumulator.image = type(accumulator.image)()
            accumulator.image.add(processed)
            for shot, bin_number in self.bins.bin_of_shot.items():
                if bin_number == number and shot not in self.shot_errors:
                    self.shot_scalars[shot] = dict(result.scalars)

    def _scalar_frame(self) -> pd.DataFrame:
        names = self.accumulator.scalar_names()
        shots = self.sfile[SHOT_COLUMN].astype(int).tolist()
        data = {SHOT_COLUMN: shots}
        for name in names:
            data[name] = [self.shot_scalars.get(shot, {}).get(name, np.nan) for shot in shots]
        return pd.DataFrame(data)

    def _scalar_summary(self) -> dict[str, float]:
        summary = {}
        for name in self.accumulator.scalar_names():
            values = [s[name] for s in self.shot_scalars.values() if name in s]
            finite = np.asarray(values, dtype=float)
            finite = finite[np.isfinite(finite)]
            summary[name] = float(finite.mean()) if finite.size else float("nan")
        return summary

    # --- figures --------------------------------------------------------------------------
    def _render(self) -> list[Path]:
        """Figures of the scan; the Array1D/Array2D subclasses draw theirs, this base draws none."""
        return []

    def _scalars_vs_parameter_jobs(
        self, numbers: list[int], values: np.ndarray, label: str, options: RenderOptions
    ) -> list[FigureJob]:
        """The bin-statistics-vs-parameter figure, when there are scalars to plot."""
        statistics = self._bin_statistics(numbers)
        if not statistics:
            return []
        return [
            FigureJob(
                save_scalars_vs_parameter,
                (
                    values,
                    statistics,
                    self.output_dir / f"{self.analyzer_id}_scalars_vs_parameter.png",
                ),
                {
                    "parameter_label": label,
                    "title": self._figure_title(f"scalars vs {label}"),
                    "options": options,
                },
            )
        ]

    def _draw(self, jobs: list[FigureJob]) -> list[Path]:
        """Draw figure jobs, in parallel on the workers when there are several; paths in order."""
        if len(jobs) < 2 or isinstance(self.executor, SerialExecutor):
            return [run_figure_job((index, job))[1] for index, job in enumerate(jobs)]
        drawn = dict(self.executor.map_unordered(run_figure_job, list(enumerate(jobs))))
        return [drawn[index] for index in range(len(jobs))]

    def _figure_title(self, what: str) -> str:
        info = self.scan_info
        return f"{self.analyzer_id}: {what}\n{self.tag}" + (
            f", {info.description}" if info.description else ""
        )

    def _parameter_axis(self) -> tuple[list[int], np.ndarray, str]:
        numbers = self.bins.numbers
        if self.bins.kind is ScanKind.ONE_D and self.bins.parameter_column:
            return (
                numbers,
                np.array([self.bins.values[n] for n in numbers]),
                parameter_label(self.bins.parameter_column),
            )
        return numbers, np.array(numbers, dtype=float), "bin number"

    def _bin_statistics(
        self, numbers: list[int]
    ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        statistics = {}
        for name in self._plotted_scalars():
            bins, means, stds, counts = self.accumulator.summary(name)
            index = {b: i for i, b in enumerate(bins)}
            pick = [index.get(n) for n in numbers]
            statistics[name] = tuple(
                np.array([array[i] if i is not None else np.nan for i in pick])
                for array in (means, stds, counts)
            )
        return statistics

    def _plotted_scalars(self) -> list[str]:
        names = self.accumulator.scalar_names()
        calibrated = [n for n in names if n.endswith("_m")]
        preferred = calibrated + [
            n for n in names if not n.endswith("_m") and f"{n}_m" not in names
        ]
        return preferred[: self.render_options.max_scalars]

    def _save_bin_arrays(self, numbers: list[int], values: np.ndarray) -> Path | None:
        averages = [
            self.accumulator.bins[n].image.average for n in numbers if n in self.accumulator.bins
        ]
        averages = [a for a in averages if a is not None]
        if not averages or len({a.shape for a in averages}) != 1:
            return None
        path = self.output_dir / f"{self.analyzer_id}_bin_averages.npz"
        extra = {"x": self.line_x} if self.line_x is not None else {}
        np.savez(
            path, bins=np.array(numbers), parameter=values, averages=np.stack(averages), **extra
        )
        return path
