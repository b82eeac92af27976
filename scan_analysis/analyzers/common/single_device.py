"""SingleDeviceScanAnalyzer: one device's shots through an ImageAnalyzer, per bin."""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from scan_analysis.accumulators import ScanAccumulator, Shape
from scan_analysis.analyzers.common.shot_work import (
    ChunkResult,
    ShotChunk,
    ShotFailure,
    analyze_chunk,
)
from scan_analysis.base import NoDataError, ScanAnalyzer, ScanOutcome
from scan_analysis.data.scan_info import ScanKind
from scan_analysis.data.sfile import SHOT_COLUMN
from scan_analysis.data.shot_files import map_shots_to_files
from scan_analysis.executors import SerialExecutor, ShotExecutor, is_picklable, make_executor
from scan_analysis.image.base import ImageAnalyzer
from scan_analysis.render import FigureJob, run_figure_job, save_scalars_vs_parameter
from scan_analysis.render.style import RenderOptions, parameter_label, save_arrays

logger = logging.getLogger(__name__)

CHUNK_SIZE = 8
MAX_WATERFALL_LINES = 2000
MAX_LISTED_FAILURES = 5
"""Failed shots named one by one in the scan's summary log line; the rest are counted."""
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
        Worker processes are kept for the next scan until :meth:`close` (or
        the end of a ``with`` block, or exit); when one dies mid-scan, the
        scan is analysed once more on new workers.
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
        """Shut down the worker pool (one passed in by the caller is left to the caller).

        Optional: a pool left open is shut down when the analyzer is garbage
        collected or the interpreter exits. ``with Array2DScanAnalyzer(...) as
        analyzer:`` closes it at the end of the block.
        """
        if self._executor is not None and self._owns_executor:
            self._executor.close()
        self._executor = None

    def __enter__(self) -> SingleDeviceScanAnalyzer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- per-scan state ---------------------------------------------------------------------
    def _reset_scan_state(self) -> None:
        self.accumulator = ScanAccumulator()
        self.shot_scalars: dict[int, dict[str, float]] = {}
        self.shot_failures: dict[int, ShotFailure] = {}
        self.shot_shapes: dict[int, Shape] = {}
        self.shot_lines: dict[int, np.ndarray] = {}
        self.line_x: np.ndarray | None = None
        self.offset: tuple[int, int] = (0, 0)
        self.averaged_shape: Shape | None = None
        #: shots analysed but left out of the bin averages (not of the scan's majority shape)
        self.left_out: list[int] = []
        self.bin_results: dict[int, Any] = {}
        self._x_by_shape: dict[Shape, np.ndarray] = {}
        self._offset_by_shape: dict[Shape, tuple[int, int]] = {}

    @property
    def shot_errors(self) -> dict[int, str]:
        """Why each failed shot gave no result (message naming its file), by shot number."""
        return {shot: failure.message for shot, failure in self.shot_failures.items()}

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
        restarted = self._analyse_shots_with_one_retry(files)
        self._keep_majority_shape()
        if self.mode == "per_bin":
            self._analyse_bin_averages()
        analysed = len(self.shot_scalars) if self.mode == "per_shot" else len(self.shot_shapes)
        self._log_failures(len(files))
        if analysed == 0:
            first = next(iter(self.shot_errors.values()), "no shots")
            raise RuntimeError(f"every one of {len(files)} shots failed; first error: {first}")
        self.append_scalars(self._scalar_frame())
        display = self._render() if self.save else []
        self.last_outcome = ScanOutcome(
            "done",
            self._outcome_message(analysed, shots_total, len(files), restarted),
            scalars=self._scalar_summary(),
            shots_total=shots_total,
            shots_analysed=analysed,
            shots_failed=len(self.shot_failures),
            shots_left_out=len(self.left_out),
        )
        return display

    def _outcome_message(
        self, analysed: int, shots_total: int, with_files: int, restarted: bool
    ) -> str:
        unreadable = sum(failure.unreadable for failure in self.shot_failures.values())
        failed = len(self.shot_failures) - unreadable
        parts = [f"{analysed} of {shots_total} shots analysed"]
        if unreadable:
            parts.append(f"{unreadable} unreadable")
        if failed:
            parts.append(f"{failed} failed in {type(self.image_analyzer).__name__}")
        if shots_total > with_files:
            parts.append(f"{shots_total - with_files} without files")
        if self.left_out:
            parts.append(
                f"{len(self.left_out)} left out of the bin averages (shape differs from "
                f"{self.averaged_shape})"
            )
        if restarted:
            parts.append("worker processes restarted once after a crash")
        return ", ".join(parts)

    def _log_failures(self, with_files: int) -> None:
        """One WARNING for all the scan's failed shots (the first traceback included)."""
        if not self.shot_failures:
            return
        listed = sorted(self.shot_failures.items())
        named = "; ".join(
            f"shot {shot}: {failure.message}" for shot, failure in listed[:MAX_LISTED_FAILURES]
        )
        more = (
            f"; and {len(listed) - MAX_LISTED_FAILURES} more (see last_outcome / DEBUG log)"
            if len(listed) > MAX_LISTED_FAILURES
            else ""
        )
        traced = next(((shot, f) for shot, f in listed if f.traceback), None)
        trace = (
            f"\nTraceback of shot {traced[0]} ({type(self.image_analyzer).__name__}):\n"
            + traced[1].traceback.rstrip()  # type: ignore[union-attr]
            if traced
            else ""
        )
        logger.warning(
            "%s %s: %d of %d shots recorded as NaN: %s%s%s",
            self.analyzer_id,
            self.tag,
            len(listed),
            with_files,
            named,
            more,
            trace,
        )
        for shot, failure in listed:
            logger.debug(
                "%s %s shot %d: %s\n%s",
                self.analyzer_id,
                self.tag,
                shot,
                failure.message,
                failure.traceback or "",
            )

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

    def _analyse_shots_with_one_retry(self, files: dict[int, Path]) -> bool:
        """Analyse the shots; when a worker process dies, once more on fresh workers.

        Returns whether the scan had to be started again. A second crash fails
        the scan; the executor starts fresh workers for the next one either way.
        """
        try:
            self._analyse_shots(files)
            return False
        except BrokenProcessPool as error:
            logger.warning(
                "%s %s: a worker process died (%s); analysing the scan again on new workers",
                self.analyzer_id,
                self.tag,
                str(error).splitlines()[0] if str(error) else type(error).__name__,
            )
        self._reset_scan_state()
        try:
            self._analyse_shots(files)
        except BrokenProcessPool as error:
            raise RuntimeError(
                f"a worker process died twice while analysing the {self.stem} shots of "
                f"{self.tag} ({type(error).__name__}); the next scan gets new workers. If it "
                "repeats, a shot may crash its reader or analyzer (look for a segmentation "
                "fault) or the machine may be out of memory"
            ) from error
        return True

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
                bar.update(result.finished)
                done += result.finished
                self.report_progress(done, len(files))

    def _collect(self, result: ChunkResult) -> None:
        accumulator = self.accumulator.bin(result.bin)
        for shot, scalars in result.scalars.items():
            self.shot_scalars[shot] = scalars
            accumulator.add_scalars(scalars)
        self.shot_failures.update(result.failures)
        accumulator.failed += len(result.failures)
        self.shot_shapes.update(result.shapes)
        lines = dict(result.lines)
        for shape, partial in result.sums.items():
            total = partial.total
            x = result.x.get(shape)
            if x is not None:  # traces: one x per length for the whole scan
                reference = self._x_by_shape.setdefault(shape, x)
                if reference is not x and not np.allclose(x, reference):
                    total = np.interp(reference, x, total)
                    for shot in lines:
                        if result.shapes.get(shot) == shape:
                            lines[shot] = np.interp(reference, x, lines[shot]).astype(np.float32)
            self._offset_by_shape.setdefault(shape, result.offsets.get(shape, (0, 0)))
            accumulator.image.add(total, partial.count)
        self.shot_lines.update(lines)

    def _keep_majority_shape(self) -> None:
        """Average the bins over the shots of the scan's most common shape only.

        One shape per scan (not per bin), so the montage, the waterfall and the
        saved averages line up; a tie goes to the shape of the lowest shot
        number. Shots of other shapes keep their scalars and are counted in
        :attr:`left_out`.
        """
        counts = self.accumulator.shape_counts()
        if not counts:
            return
        first_shot: dict[Shape, int] = {}
        for shot, shape in sorted(self.shot_shapes.items(), reverse=True):
            first_shot[shape] = shot
        majority = max(counts, key=lambda shape: (counts[shape], -first_shot.get(shape, 0)))
        self.accumulator.keep_shape(majority)
        self.averaged_shape = majority
        self.line_x = self._x_by_shape.get(majority)
        self.offset = self._offset_by_shape.get(majority, (0, 0))
        self.left_out = sorted(s for s, shape in self.shot_shapes.items() if shape != majority)
        if not self.left_out:
            return
        others = Counter(self.shot_shapes[s] for s in self.left_out)
        logger.warning(
            "%s %s: %d of %d shots left out of the bin averages: shape %s, not the scan's %s "
            "(%d shots); their scalars are kept. Shots left out: %s",
            self.analyzer_id,
            self.tag,
            len(self.left_out),
            len(self.shot_shapes),
            ", ".join(f"{shape} x{count}" for shape, count in others.most_common()),
            majority,
            counts[majority],
            _shot_list(self.left_out),
        )
        left_out = set(self.left_out)
        self.shot_lines = {s: line for s, line in self.shot_lines.items() if s not in left_out}

    def _analyse_bin_averages(self) -> None:
        """per_bin mode: analyse each bin's average of raw shots once.

        Its scalars go to every shot that went into the average.
        """
        for number, accumulator in sorted(self.accumulator.bins.items()):
            average = accumulator.image.average
            if average is None:
                continue
            data = (
                np.vstack([self.line_x, average]) if self.image_analyzer.kind == "1d" else average
            )
            result = self.image_analyzer.analyze_shot(data)
            self.bin_results[number] = result
            accumulator.add_scalars(result.scalars)
            self.offset = tuple(result.offset or (0, 0))  # type: ignore[assignment]
            processed = (
                result.processed[1] if self.image_analyzer.kind == "1d" else result.processed
            )
            accumulator.image = type(accumulator.image)()
            accumulator.image.add(processed)
            for shot, shape in self.shot_shapes.items():
                if self.bins.bin_of_shot.get(shot) == number and shape == self.averaged_shape:
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
        try:
            drawn = dict(self.executor.map_unordered(run_figure_job, list(enumerate(jobs))))
        except BrokenProcessPool as error:
            logger.warning(
                "%s %s: a worker process died while drawing (%s); drawing here instead",
                self.analyzer_id,
                self.tag,
                type(error).__name__,
            )
            drawn = dict(run_figure_job((index, job)) for index, job in enumerate(jobs))
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
        extra = {"x": self.line_x} if self.line_x is not None else {}
        return save_arrays(
            self.output_dir / f"{self.analyzer_id}_bin_averages.npz",
            bins=np.array(numbers),
            parameter=values,
            averages=np.stack(averages),
            **extra,
        )


def _shot_list(shots: list[int], *, limit: int = 20) -> str:
    """Shot numbers for a log line, cut after ``limit``."""
    shown = ", ".join(str(shot) for shot in shots[:limit])
    return shown + (f" ... ({len(shots) - limit} more)" if len(shots) > limit else "")
