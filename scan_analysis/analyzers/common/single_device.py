"""SingleDeviceScanAnalyzer: one device's shots through an ImageAnalyzer, per bin."""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from scan_analysis.accumulators import RunningStats, ScanAccumulator, Shape
from scan_analysis.analyzers.common.background_source import (
    BackgroundSourceError,
    resolve_background_source,
)
from scan_analysis.analyzers.common.saturation_summary import (
    saturated_shots,
    saturation_by_bin,
    saturation_clause,
)
from scan_analysis.analyzers.common.shot_work import (
    ChunkResult,
    ShotChunk,
    ShotFailure,
    analyze_chunk,
)
from scan_analysis.base import NoDataError, ScanAnalyzer, ScanOutcome
from scan_analysis.config.device_configs import KIND_WORDS, DeviceConfigSearch, choose_device_config
from scan_analysis.config.diagnostic_factory import create_image_analyzer
from scan_analysis.config.diagnostic_models import (
    BackgroundSource,
    ResolvedDiagnosticConfig,
    ScanRuntimeConfig,
)
from scan_analysis.config.parameter_units import resolve_parameter_unit
from scan_analysis.config.renderer_options import RendererOptions
from scan_analysis.data.scan_info import ScanKind
from scan_analysis.data.scan_paths import resolve_config_dir
from scan_analysis.data.sfile import SHOT_COLUMN
from scan_analysis.data.shot_files import map_shots_to_files
from scan_analysis.errors import ConfigError
from scan_analysis.executors import (
    ProcessPoolShotExecutor,
    SerialExecutor,
    ShotExecutor,
    is_picklable,
    make_executor,
)
from scan_analysis.image.base import ImageAnalyzer
from scan_analysis.image.saturation import SATURATION_CONSEQUENCE, SATURATION_SCALAR
from scan_analysis.progress_display import ProgressDisplay
from scan_analysis.render import deferred
from scan_analysis.render.jobs import FigureJob, run_figure_job
from scan_analysis.render.style import (
    RenderOptions,
    parameter_title,
    save_arrays,
    scalar_label,
    short_parameter_name,
    split_unit,
    with_unit,
)
from scan_analysis.scalar_table import KeyScalar, ScalarTable
from scan_analysis.shared_sums import scan_sums_folder

logger = logging.getLogger(__name__)

CHUNK_SIZE = 8
MAX_WATERFALL_LINES = 2000
MAX_LISTED_FAILURES = 5
"""Failed shots named one by one in the scan's summary log line; the rest are counted."""
Mode = Literal["per_shot", "per_bin"]
OUTPUT_SETTINGS = ("directory_suffix", "file_tail", "mode", "renderer_kwargs")
"""Settings that change what is written: overriding a config's gives the run its own id."""
BASIC_SUFFIX = "_basic"
CUSTOM_SUFFIX = "_custom"


class SingleDeviceScanAnalyzer(ScanAnalyzer):
    """Shared logic of analyzers that read one device's per-shot files.

    With no ``image_analyzer``, :meth:`run_analysis` looks the device up in the
    config root (``config_dir=``, env, lab ini, the shipped configs): the one
    analyzer config of this kind (camera for Array2D, line for Array1D) whose
    ``scan.device``, or name, is the device. Its ``image:`` block and
    ``image_analyzer`` analyse the shots, its ``scan:`` block gives the
    settings no keyword set, and the log names the file. Without one, the
    basic analyzer runs (the log says where it looked); with several, the run
    fails asking for ``config=`` or ``image_analyzer=``.

    Parameters
    ----------
    device_name : str
        The device (s-file columns ``"{device} ..."``, folder ``{device}{suffix}``).
    image_analyzer : ImageAnalyzer, optional
        Per-shot analysis; wins over any config (no lookup is made). Default:
        the device's config's, else the class's basic analyzer.
    config : str, path or ResolvedDiagnosticConfig, optional
        The analyzer config to use, by name (``"UC_TopView"``) or YAML path,
        instead of looking the device up; it must be for this device and kind.
        A loaded config (``ConfigTree.resolve_analyzer(...)``, what the
        factory passes) is used as it is, from the constructor on.
    analyzer_id : str, optional
        Output folder ``analysis/ScanNNN/{analyzer_id}`` (and the s-file column
        prefix when no ``output_name`` applies). Default, so an ad-hoc run never
        overwrites a configured analyzer's results with others: the config's name when a config is
        used as it is (the same results the live runner writes); ``{config
        name}_custom`` when a keyword changes its output settings (directory
        suffix, file tail, mode, renderer options); ``{device}_basic`` with the
        basic analyzer (no config found); ``{device}_{ImageAnalyzer class}``
        with your own ``image_analyzer``. Until the first run finds the
        config, it reads ``device_name``.
    directory_suffix : str, optional
        Folder/file stem suffix (``"-interpSpec"``). Given, it also picks among
        the device's configs. Default: the config's, else ``""``.
    file_tail : str, optional
        Which files to take when a device writes several (``"_postprocessed.png"``).
    mode : ``"per_shot"`` or ``"per_bin"``, optional
        Analyse every shot then aggregate per bin, or average each bin's raw
        shots and analyse the average once (its scalars go to every shot of the
        bin). Default: the config's, else ``"per_shot"``.
    analysis_mode : ``"per_shot"`` or ``"per_bin"``, optional
        The original's name of ``mode`` (the same setting); giving both with
        different values is a ``ValueError``.
    renderer_kwargs : dict, optional
        Figure options (:class:`~scan_analysis.config.renderer_options.RendererOptions`:
        ``cmap``/``colormap``, ``vmin``, ``vmax``, ``colormap_mode``, ``dpi``,
        ``figsize``, ``xlabel``, ``ylabel``, ``colorbar_label``, ``mode``,
        ``animation``, ``duration``, ``figsize_inches``, ``max_frames``, ...);
        merged over the config's.
    save : bool, optional
        Write figures and per-bin arrays (scalars are always merged). Default True.
    background_source : BackgroundSource or dict, optional
        A background from the scan's context, subtracted from every shot instead
        of the image config's: ``{"scan_number": 3}`` (the average of scan 3's
        shots of this device), ``{"from_current_scan": {"method": "median"}}``
        (or ``"percentile"`` with ``"percentile": 5``) over this scan's shots,
        or ``{"autodetect": {}}`` (``analysis/Scan{NNN}{device}_averaged.<ext>``).
        A source that cannot be found fails the scan, saying what was looked for.
    parameter_unit : str, optional
        Unit of the scan parameter on the figures. Default: the config's,
        else the experiment's table (``units/{experiment}.yaml`` in the config root).
    elog_scalars : list of str, optional
        The key scalars of the e-log, by the names the image analyzer emits.
        Default: the config's, else the plotted ones (calibrated first).
    output_name, metric_suffix : str, optional
        s-file columns are ``{output_name}_{scalar}{metric_suffix}``, as the
        original names them. Default: a config used as it is gives its
        ``output_name``, else the device; otherwise the columns start with the
        ``analyzer_id`` (see :attr:`column_prefix`).
    executor : str or executor, optional
        ``"processes"`` (default), ``"threads"``, ``"serial"`` or an executor object.
        Worker processes are kept for the next scan until :meth:`close` (or
        the end of a ``with`` block, or exit); when one dies mid-scan, the
        scan is analysed once more on new workers.
    progress : bool
        Show a progress bar over shots.

    The scan settings in force are :attr:`scan_config`, one validated
    :class:`~scan_analysis.config.ScanRuntimeConfig`: the config's ``scan:``
    block (or the defaults) with the keywords given laid over it.
    """

    default_image_analyzer: type[ImageAnalyzer] = ImageAnalyzer
    #: which configs the device lookup takes ("2d" camera, "1d" line); None: no lookup
    config_kind: ClassVar[Literal["2d", "1d"] | None] = None

    def __init__(
        self,
        device_name: str,
        *,
        image_analyzer: ImageAnalyzer | None = None,
        config: str | os.PathLike | ResolvedDiagnosticConfig | None = None,
        analyzer_id: str | None = None,
        directory_suffix: str | None = None,
        file_tail: str | None = None,
        mode: Mode | None = None,
        analysis_mode: Mode | None = None,
        renderer_kwargs: dict[str, Any] | RendererOptions | None = None,
        save: bool | None = None,
        background_source: BackgroundSource | dict | None = None,
        parameter_unit: str | None = None,
        elog_scalars: list[str] | None = None,
        output_name: str | None = None,
        metric_suffix: str | None = None,
        executor: str | ShotExecutor | None = None,
        progress: bool = True,
        raise_errors: bool = False,
    ) -> None:
        # a wrong renderer key is an error here, not mid-run, with the valid keys listed
        options_given = RenderOptions.from_kwargs(renderer_kwargs).model_dump(exclude_unset=True)
        if analysis_mode is not None:  # the original's keyword
            if mode is not None and mode != analysis_mode:
                raise ValueError(
                    f"{type(self).__name__}(mode={mode!r}, analysis_mode={analysis_mode!r}): "
                    "the same setting given twice with different values; give one of them"
                )
            mode = analysis_mode
        given = {
            "directory_suffix": directory_suffix,
            "file_tail": file_tail,
            "mode": mode,
            "save": save,
            "background_source": background_source,
            "parameter_unit": parameter_unit,
            "elog_scalars": elog_scalars,
        }
        given = {name: value for name, value in given.items() if value is not None}
        validated = ScanRuntimeConfig.model_validate(given)  # a wrong value is an error here
        #: the settings passed as keywords (they win over the config's)
        self.given_settings: dict[str, Any] = {name: getattr(validated, name) for name in given}
        if renderer_kwargs is not None:
            self.given_settings["renderer_kwargs"] = options_given
        self._given_image_analyzer = image_analyzer
        self._given_analyzer_id = analyzer_id
        self._given_output_name = output_name
        self._given_metric_suffix = metric_suffix
        #: s-file column prefix and suffix (see :attr:`column_prefix`)
        self.output_name: str | None = output_name
        self.metric_suffix: str = metric_suffix or ""
        self._config_choice = config
        #: the config file the last run used (None: no config)
        self.config_source: Path | None = None
        default_id = (
            f"{device_name}_{type(image_analyzer).__name__}" if image_analyzer else device_name
        )
        super().__init__(analyzer_id=analyzer_id or default_id, raise_errors=raise_errors)
        self.device_name = device_name
        self.image_analyzer = image_analyzer or self.default_image_analyzer()
        self._apply_settings(ScanRuntimeConfig())
        if isinstance(config, ResolvedDiagnosticConfig):
            self._use_config(config, announce=False)  # settled now: no lookup at run time
        self.progress = progress
        self._shown: ProgressDisplay | None = None
        self._shots_counted = 0
        self._executor_choice = executor
        self._executor: ShotExecutor | None = None
        self._owns_executor = executor is None or isinstance(executor, str)
        self._reset_scan_state()

    # --- settings: keywords, the device's config, defaults ------------------------------------
    def _apply_settings(self, scan: ScanRuntimeConfig, *, source: Path | None = None) -> None:
        """Set :attr:`scan_config`: the keywords given over ``scan`` (a config's, or defaults)."""
        renderer_kwargs = {
            **scan.renderer_kwargs.model_dump(exclude_unset=True),
            **self.given_settings.get("renderer_kwargs", {}),
        }
        try:
            self.render_options = RenderOptions.from_kwargs(renderer_kwargs)
        except (TypeError, ValueError) as error:
            raise ConfigError(f"{source}: 'scan.renderer_kwargs': {error}", source) from error
        #: the scan settings in force (validated; the config's scan block with the keywords over it)
        self.scan_config: ScanRuntimeConfig = scan.model_copy(
            update={**self.given_settings, "renderer_kwargs": self.render_options}
        )

    @property
    def directory_suffix(self) -> str:
        """Folder/file stem suffix in force (``scan.directory_suffix``)."""
        return self.scan_config.directory_suffix

    @property
    def file_tail(self) -> str | None:
        """Which of the device's files are read (``scan.file_tail``)."""
        return self.scan_config.file_tail

    @property
    def mode(self) -> Mode:
        """``per_shot`` or ``per_bin`` (``scan.mode``)."""
        return self.scan_config.mode

    @property
    def analysis_mode(self) -> Mode:
        """:attr:`mode` by the original's name."""
        return self.mode

    @property
    def save(self) -> bool:
        """Whether figures and per-bin arrays are written (``scan.save``)."""
        return self.scan_config.save

    @property
    def background_source(self) -> BackgroundSource | None:
        """Where this scan's background comes from (``scan.background_source``), if set."""
        return self.scan_config.background_source

    @property
    def parameter_unit(self) -> str | None:
        """The scan parameter's unit set by keyword or config (``scan.parameter_unit``)."""
        return self.scan_config.parameter_unit

    @property
    def elog_scalars(self) -> list[str] | None:
        """The e-log's key scalars set by keyword or config (``scan.elog_scalars``)."""
        return self.scan_config.elog_scalars

    @property
    def column_prefix(self) -> str:
        """The s-file column prefix: ``output_name`` (keyword, else config), else the id.

        A config used as it is writes ``{device}_{scalar}{metric_suffix}`` as the
        original does; an ad-hoc variant (``_custom``, ``_basic``, your own
        ``image_analyzer``) keeps its own id so it never overwrites those columns.
        """
        return self.output_name or self.analyzer_id

    def _settle_config(self) -> None:
        """Find the config this run uses (see the class docstring) and take its settings.

        Called at the start of each run, with the run's ``config_dir``.
        """
        choice = self._config_choice
        if (
            self.config_kind is None
            or isinstance(choice, ResolvedDiagnosticConfig)
            or (self._given_image_analyzer is not None and choice is None)
        ):
            return  # nothing to look up: everything was settled by the constructor
        resolved, search = choose_device_config(
            self.device_name,
            kind=self.config_kind,
            choice=choice,
            config_dir=self.config_dir,
            directory_suffix=self.given_settings.get("directory_suffix"),
        )
        if resolved is None:
            self._use_basic_analyzer(search)
        else:
            self._use_config(resolved)

    def _use_config(self, resolved: ResolvedDiagnosticConfig, *, announce: bool = True) -> None:
        own = resolved.config.scan
        self._apply_settings(own, source=resolved.source)
        self.config_source = resolved.source
        if self._given_image_analyzer is None:
            self.image_analyzer = create_image_analyzer(resolved.config, source=resolved.source)
        changed = [
            name
            for name in OUTPUT_SETTINGS
            if name in self.given_settings and getattr(self.scan_config, name) != getattr(own, name)
        ]
        if self._given_analyzer_id:
            self.analyzer_id = self._given_analyzer_id
        elif self._given_image_analyzer is None:
            self.analyzer_id = resolved.name + (CUSTOM_SUFFIX if changed else "")
        own_columns = (
            changed
            or self._given_image_analyzer is not None
            or self._given_analyzer_id not in (None, resolved.name)
        )
        if self._given_output_name is None:
            # a variant of the config writes under its own id, unless the config names its columns
            config = resolved.config
            self.output_name = config.output_name if own_columns else config.column_prefix
        if self._given_metric_suffix is None:
            self.metric_suffix = resolved.config.metric_suffix or ""
        if not announce:
            return
        logger.info(
            "%s: %s config %s (%s%s)%s",
            self.analyzer_id,
            "using the chosen" if self._config_choice is not None else "using the device's",
            resolved.source,
            type(self.image_analyzer).__name__,
            ", your image_analyzer instead of its own" if self._given_image_analyzer else "",
            f"; {', '.join(changed)} changed by keyword, so its own id" if changed else "",
        )

    def _use_basic_analyzer(self, search: DeviceConfigSearch | None) -> None:
        self._apply_settings(ScanRuntimeConfig())
        self.config_source = None
        self.output_name = self._given_output_name
        self.metric_suffix = self._given_metric_suffix or ""
        self.image_analyzer = self.default_image_analyzer()
        self.analyzer_id = self._given_analyzer_id or f"{self.device_name}{BASIC_SUFFIX}"
        where = search.where() if search else "the config root"
        passed_over = search.passed_over if search else []
        passed = f"; not taken: {'; '.join(passed_over)}" if passed_over else ""
        logger.warning(
            "%s: no %s config found for %s in %s%s; analysing with %s as %r. Add one, or pass "
            "config= or image_analyzer=",
            self.analyzer_id,
            KIND_WORDS[self.config_kind or "2d"],
            self.device_name,
            where,
            passed,
            type(self.image_analyzer).__name__,
            self.analyzer_id,
        )

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

    def _start_workers(self) -> None:
        """Start the worker processes now; they import while this process maps the shots.

        Executors without a ``start`` (serial, threads, Dask, the caller's own)
        start on first use as before.
        """
        start = getattr(self.executor, "start", None)
        if callable(start):
            start()

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
        #: animation frames by shot, for the shots :meth:`_frame_request` asked for
        self.shot_frames: dict[int, np.ndarray] = {}
        #: the image analyzer's warnings, by shot (``per_bin``: the shots of the bin)
        self.shot_warnings: dict[int, list[str]] = {}
        #: the image analyzer's result metadata, by shot (``per_bin``: by bin number)
        self.shot_metadata: dict[int, dict] = {}
        #: ``per_bin`` mode: each camera shot's saturated-pixel count, until the bins are analysed
        self.shot_saturation: dict[int, float] = {}
        self.line_x: np.ndarray | None = None
        self.offset: tuple[int, int] = (0, 0)
        self.averaged_shape: Shape | None = None
        #: shots analysed but left out of the bin averages (not of the scan's majority shape)
        self.left_out: list[int] = []
        #: shots analysed whose share of the bin average a worker sent but that never arrived
        self.sums_lost: list[int] = []
        self.bin_results: dict[int, Any] = {}
        self._x_by_shape: dict[Shape, np.ndarray] = {}
        self._offset_by_shape: dict[Shape, tuple[int, int]] = {}

    @property
    def shot_errors(self) -> dict[int, str]:
        """Why each failed shot gave no result (message naming its file), by shot number."""
        return {shot: failure.message for shot, failure in self.shot_failures.items()}

    def cleanup(self) -> None:
        """Drop the scan's accumulators and s-file, keep the executor for the next scan."""
        self._reset_scan_state()
        super().cleanup()

    @property
    def stem(self) -> str:
        """Folder and file stem: device name + directory suffix."""
        return f"{self.device_name}{self.directory_suffix}"

    def _prepare_restore(self) -> None:
        """The output folder a restore reads follows the config, as a run's would."""
        self._settle_config()

    # --- the core ---------------------------------------------------------------------------
    def _run_analysis_core(self) -> list[Path]:
        self._settle_config()
        self._start_workers()
        files = map_shots_to_files(
            self.sfile,
            self.paths.scan_dir,
            self.device_name,
            directory_suffix=self.directory_suffix,
            file_tail=self.file_tail,
            scan_number=self.tag.number,
        )
        #: this scan's shot files by shot number
        self.shot_files: dict[int, Path] = files
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
        if self.background_source is not None:
            self._use_background_source(files)
        with ProgressDisplay(
            total=len(files),
            desc=f"{self.analyzer_id} Scan{self.tag.number:03d}",
            unit="shot",
            enabled=self.progress,
        ) as shown:
            self._shown = shown
            try:
                return self._analyse_and_draw(files, shots_total)
            finally:
                self._shown = None

    def _analyse_and_draw(self, files: dict[int, Path], shots_total: int) -> list[Path]:
        restarted = self._analyse_shots_with_one_retry(files)
        self._keep_majority_shape()
        if self.mode == "per_bin":
            self._analyse_bin_averages()
        analysed = self._shots_analysed
        self._log_failures(len(files))
        self._log_saturation()
        if analysed == 0:
            first = next(iter(self.shot_errors.values()), "no shots")
            raise RuntimeError(f"every one of {len(files)} shots failed; first error: {first}")
        self._log_analyzer_warnings()
        self.append_scalars(self._scalar_frame())
        display = self._render() if self.save else []
        self.last_outcome = ScanOutcome(
            "done",
            self._outcome_message(analysed, shots_total, len(files), restarted),
            scalars=self._scalar_summary(),
            scalar_table=self._scalar_table(),
            shots_total=shots_total,
            shots_analysed=analysed,
            shots_failed=len(self.shot_failures),
            shots_left_out=len(self.left_out) + len(self.sums_lost),
            warnings=self.analyzer_warnings(),
            shot_metadata=dict(self.shot_metadata),
        )
        return display

    def _use_background_source(self, files: dict[int, Path]) -> None:
        """Put the background ``scan.background_source`` names in place for this scan's shots."""
        config = getattr(self.image_analyzer, "config", None)
        if config is not None and "background" not in config.steps:
            raise BackgroundSourceError(
                f"{self.config_source or self.analyzer_id}: scan.background_source is set but "
                "image.pipeline.steps leaves out background; add background to the steps",
                self.config_source,
            )
        self.image_analyzer.context.background = resolve_background_source(
            self.background_source,  # type: ignore[arg-type]
            self.image_analyzer,
            paths=self.paths,
            scan_number=self.tag.number,
            device=self.device_name,
            directory_suffix=self.directory_suffix,
            file_tail=self.file_tail,
            shot_files=[files[shot] for shot in sorted(files)],
        )

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
        if self.sums_lost:
            parts.append(
                f"{len(self.sums_lost)} left out of the bin averages (their sum was lost in "
                "shared memory: analyse again)"
            )
        if restarted:
            parts.append("worker processes restarted once after a crash")
        saturation = self._saturation_clause()
        if saturation:
            parts.append(saturation)
        parts.extend(self.analyzer_warnings())
        return ", ".join(parts)

    # --- the image analyzer's own warnings ------------------------------------------------------
    def analyzer_warnings(self) -> list[str]:
        """The image analyzer's warnings of this scan, one line per message with its shots.

        ``"UC_TopView: fit did not converge (3 of 20 shots: 4, 7, 9)"``; the
        outcome message carries them and the log has one WARNING line each.
        """
        by_message: dict[str, list[int]] = {}
        for shot in sorted(self.shot_warnings):
            for message in dict.fromkeys(self.shot_warnings[shot]):
                by_message.setdefault(message, []).append(shot)
        total = len(self.sfile) if self.sfile is not None else len(self.shot_shapes)
        name = type(self.image_analyzer).__name__
        return [
            f"{name}: {message} ({len(shots)} of {total} shots: {_shot_list(shots)})"
            for message, shots in by_message.items()
        ]

    def _log_analyzer_warnings(self) -> None:
        for line in self.analyzer_warnings():
            logger.warning("%s %s: %s", self.analyzer_id, self.tag, line)

    # --- saturation ---------------------------------------------------------------------------
    def saturated_shots(self) -> dict[int, float]:
        """Shots with saturated pixels in this scan, with their counts (camera scans only)."""
        return saturated_shots(self.shot_scalars)

    def saturation_by_bin(self) -> dict[int, tuple[int, int]]:
        """Bins that had saturated shots: ``{bin: (saturated shots, shots checked)}``."""
        return saturation_by_bin(self.shot_scalars, self.bins.bin_of_shot)

    def _saturation_clause(self) -> str | None:
        return saturation_clause(self.shot_scalars, self.bins, self._parameter_axis()[2])

    def _log_saturation(self) -> None:
        """One line per scan: a WARNING naming where saturation was, or INFO when there was none."""
        clause = self._saturation_clause()
        if clause:
            logger.warning(
                "%s %s: %s; %s (marked red on the figures)",
                self.analyzer_id,
                self.tag,
                clause,
                SATURATION_CONSEQUENCE,
            )
        elif any(SATURATION_SCALAR in scalars for scalars in self.shot_scalars.values()):
            logger.info("%s %s: no saturated pixels", self.analyzer_id, self.tag)

    def _log_failures(self, with_files: int) -> None:
        """One WARNING for all the scan's failed shots (the first traceback included).

        Counted among the ``with_files`` shots read, and said so: the outcome
        counts every shot of the s-file ("15 of 19 shots analysed, 1 unreadable,
        3 without files"), this warning "1 of the 16 shots with files".
        """
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
            "%s %s: %d of the %d shots with files recorded as NaN: %s%s%s",
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
        frame_shots, frame_side = self._frame_request(files)
        return [
            ShotChunk(
                self.image_analyzer,
                number,
                shots[start : start + CHUNK_SIZE],
                self.mode,
                keep_lines,
                frozenset(s for s, _ in shots[start : start + CHUNK_SIZE] if s in frame_shots),
                frame_side,
            )
            for number, shots in sorted(by_bin.items())
            for start in range(0, len(shots), CHUNK_SIZE)
        ]

    def _frame_request(self, files: dict[int, Path]) -> tuple[frozenset[int], int]:
        """Shots whose animation frame the workers return, and the frame's side (none here)."""
        return frozenset(), 0

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
        self._shots_counted = len(files)
        done = 0
        self._show_progress(done, len(files))
        with self._sums_folder() as folder:
            for chunk in chunks:
                chunk.sums_folder = folder
            for result in self.executor.map_unordered(analyze_chunk, chunks):
                self._collect(result)
                done += result.finished
                self._show_progress(done, len(files))

    def _sums_folder(self) -> AbstractContextManager[Path | None]:
        """Where worker processes leave their partial sums (None: sent with the results).

        Worker processes on this machine write them to shared memory, which
        spares a megapixel scan's pipe a 4 MB pickle per chunk; threads and
        the serial executor share the parent's memory anyway.
        """
        if isinstance(self.executor, ProcessPoolShotExecutor) and not self.executor.on_threads:
            return scan_sums_folder()
        return nullcontext(None)

    @property
    def _shots_analysed(self) -> int:
        """Shots analysed so far (the count the outcome gives): failed ones left out."""
        return len(self.shot_scalars) if self.mode == "per_shot" else len(self.shot_shapes)

    def _show_progress(self, done: int, total: int, *, stage: str = "shots") -> None:
        """The scan's progress to the display (bar or log) and to :attr:`progress_callback`.

        The callback hears steps: one per shot, then one per figure. The bar
        counts the shot files and, once they are in, says the figures in its text
        ("drawing figures 1/2"): counted as steps, the figures would pull a full
        bar back when they are added. Its text then gives the outcome's count
        ("95 of 99 shots analysed": unreadable shots and shots without files are
        not analysed) and its count is every shot of the scan, all dealt with.
        """
        if self._shown is not None:
            label = f"{self.analyzer_id} Scan{self.tag.number:03d}"
            shown = (done, total)
            if stage == "figures":
                shots, scan_shots = self._shots_counted, len(self.sfile)
                drawn = f"{done - shots}/{total - shots}"
                label += (
                    f" ({self._shots_analysed} of {scan_shots} shots analysed, "
                    f"drawing figures {drawn})"
                )
                shown = (scan_shots, scan_shots)
            self._shown.update(done=shown[0], total=shown[1], desc=label, unit="shot")
        self.report_progress(done, total, stage=stage)

    def _collect(self, result: ChunkResult) -> None:
        try:
            result.take_sums()
        except OSError as error:
            lost = sorted(shot for shot, shape in result.shapes.items() if shape not in result.sums)
            self.sums_lost.extend(lost)
            logger.warning(
                "%s %s: shots %s are analysed, their scalars kept, but they are left out of the "
                "bin averages: the sum of their images was lost on its way back from the worker "
                "process (%s). Analyse the scan again for complete averages.",
                self.analyzer_id,
                self.tag,
                _shot_list(lost),
                error,
            )
        accumulator = self.accumulator.bin(result.bin)
        for shot, scalars in result.scalars.items():
            self.shot_scalars[shot] = scalars
            accumulator.add_scalars(scalars)
        self.shot_failures.update(result.failures)
        self.shot_saturation.update(result.saturated)
        self.shot_warnings.update(result.warnings)
        self.shot_metadata.update(result.metadata)
        self.shot_frames.update(result.frames)
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
        # a shot of another shape is left out for its shape, whatever became of its sum
        self.sums_lost = [s for s in self.sums_lost if self.shot_shapes.get(s) == majority]
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
            # the cached average is read-only; the analyzer gets its own array, as for a
            # shot, which it may change in place (``image -= pedestal``)
            data = (
                np.vstack([self.line_x, average])
                if self.image_analyzer.kind == "1d"
                else average.copy()
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
            if result.metadata:
                self.shot_metadata[number] = dict(result.metadata)
            for shot, shape in self.shot_shapes.items():
                if self.bins.bin_of_shot.get(shot) == number and shape == self.averaged_shape:
                    self.shot_scalars[shot] = dict(result.scalars)
                    if result.warnings:
                        self.shot_warnings[shot] = [str(w) for w in result.warnings]
        self._keep_per_shot_saturation()

    def _keep_per_shot_saturation(self) -> None:
        """per_bin mode: saturation stays a per-shot count, taken on each raw shot.

        (The bin average's own count would say only where every shot saturated.)
        """
        if not self.shot_saturation:
            return
        by_bin: dict[int, RunningStats] = {}
        for shot, count in self.shot_saturation.items():
            self.shot_scalars.setdefault(shot, {})[SATURATION_SCALAR] = count
            by_bin.setdefault(self.bins.bin_of_shot.get(shot, 1), RunningStats()).add(count)
        for number, accumulator in self.accumulator.bins.items():
            accumulator.scalars[SATURATION_SCALAR] = by_bin.get(number, RunningStats())

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

    # --- the e-log's key scalars ----------------------------------------------------------
    def _scalar_position_unit(self) -> str:
        """Unit of the analyzer's uncalibrated positions and sizes (camera pixels here)."""
        return self.render_options.position_unit

    def _key_scalar_names(self) -> list[str]:
        """``elog_scalars`` (calibrated versions when there are), else the plotted scalars.

        A listed name the analyzer did not emit is left out, said in the log.
        """
        emitted = self.accumulator.scalar_names()
        if not self.elog_scalars:
            return self._plotted_scalars()
        missing = [n for n in self.elog_scalars if n not in emitted and f"{n}_m" not in emitted]
        if missing:
            logger.warning(
                "%s %s: scan.elog_scalars names %s, which %s did not emit (it emits: %s)",
                self.analyzer_id,
                self.tag,
                ", ".join(missing),
                type(self.image_analyzer).__name__,
                ", ".join(emitted),
            )
        return [
            f"{n}_m" if f"{n}_m" in emitted else n
            for n in self.elog_scalars
            if n in emitted or f"{n}_m" in emitted
        ]

    def _scalar_table(self) -> ScalarTable | None:
        """The key scalars with labels, units (calibrated when possible) and per-bin means."""
        names = self._key_scalar_names()
        if not names:
            return None
        summary = self._scalar_summary()
        numbers, values, label = self._parameter_axis()
        per_bin = self.bins.kind is not ScanKind.NOSCAN
        rows = []
        for name in names:
            heading, factor = scalar_label(name, position_unit=self._scalar_position_unit())
            text, unit = split_unit(heading)
            bin_means: list[float] = []
            if per_bin:
                bins, means, _, _ = self.accumulator.summary(name)
                by_bin = dict(zip(bins, means, strict=True))
                bin_means = [float(by_bin.get(n, np.nan)) * factor for n in numbers]
            rows.append(KeyScalar(name, text, unit, summary.get(name, np.nan) * factor, bin_means))
        if not per_bin:
            return ScalarTable(rows)
        return ScalarTable(rows, parameter=label, bin_values=[float(v) for v in values])

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
        saturated = self.saturation_by_bin()
        return [
            FigureJob(
                deferred.save_scalars_vs_parameter,
                (
                    values,
                    statistics,
                    self.output_dir / f"{self.analyzer_id}_scalars_vs_parameter.png",
                ),
                {
                    "parameter_label": label,
                    "title": self._figure_title(f"scalars vs {label}"),
                    "options": options,
                    "saturated": [n in saturated for n in numbers] if saturated else None,
                },
            )
        ]

    def _draw(
        self, jobs: list[FigureJob], *, meanwhile: Callable[[], object] | None = None
    ) -> list[Path]:
        """Draw figure jobs, in parallel on the workers when there are several; paths in order.

        ``meanwhile`` (e.g. writing the per-bin arrays) runs in a thread of this
        process while the figures are drawn, and is finished when this returns
        (an error in it is raised here).
        """
        if meanwhile is None:
            return self._draw_jobs(jobs)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="meanwhile") as side:
            alongside = side.submit(meanwhile)
            try:
                files = self._draw_jobs(jobs)
            finally:
                error = alongside.exception()  # wait for it either way
            if error is not None:
                raise error
        return files

    def _draw_jobs(self, jobs: list[FigureJob]) -> list[Path]:
        """Draw the jobs (see :meth:`_draw`).

        The scan's progress goes on over the figures: after the shots, one step each.
        A partial scan's figures are all marked so (``partial=`` of each drawing).
        """
        if self.bins.partial:
            for job in jobs:
                job.kwargs["partial"] = self.bins.partial
        shots = self._shots_counted  # the steps before the figures: one per shot

        def counted(results):
            drawn = {}
            self._show_progress(shots, shots + len(jobs), stage="figures")
            for index, path in results:
                drawn[index] = path
                self._show_progress(shots + len(drawn), shots + len(jobs), stage="figures")
            return drawn

        if len(jobs) < 2 or isinstance(self.executor, SerialExecutor):
            drawn = counted(run_figure_job((index, job)) for index, job in enumerate(jobs))
            return [drawn[index] for index in range(len(jobs))]
        try:
            drawn = counted(self.executor.map_unordered(run_figure_job, list(enumerate(jobs))))
        except BrokenProcessPool as error:
            logger.warning(
                "%s %s: a worker process died while drawing (%s); drawing here instead",
                self.analyzer_id,
                self.tag,
                type(error).__name__,
            )
            drawn = counted(run_figure_job((index, job)) for index, job in enumerate(jobs))
        return [drawn[index] for index in range(len(jobs))]

    def _figure_title(self, what: str) -> str:
        """What the figure shows, the scan, and (1-D scans) the parameter's full name, once."""
        info = self.scan_info
        lines = [
            f"{self.analyzer_id}: {what}",
            f"{self.tag}" + (f": {info.description}" if info.description else ""),
        ]
        if self.bins.kind is ScanKind.ONE_D and self.bins.parameter_column:
            lines.append(
                "scan parameter "
                + parameter_title(self.bins.parameter_column, self.scan_parameter_unit())
            )
        return "\n".join(lines)

    def scan_parameter_unit(self) -> str | None:
        """The scan parameter's unit: ``parameter_unit``, else the experiment's unit table."""
        if not hasattr(self, "_unit_for"):
            self._unit_for: dict[tuple, str | None] = {}
        key = (self.scan_info.parameter, self.tag.experiment, self.config_dir)
        if key not in self._unit_for:
            self._unit_for[key] = resolve_parameter_unit(
                self.bins.parameter_column or self.scan_info.parameter,
                experiment=self.tag.experiment,
                config_dir=resolve_config_dir(self.config_dir),
                configured=self.parameter_unit,
            )
        return self._unit_for[key]

    def _parameter_axis(self) -> tuple[list[int], np.ndarray, str]:
        """Bin numbers, their parameter values, and the axis label (``JetX (mm)``)."""
        numbers = self.bins.numbers
        if self.bins.kind is ScanKind.ONE_D and self.bins.parameter_column:
            return (
                numbers,
                np.array([self.bins.values[n] for n in numbers]),
                with_unit(
                    short_parameter_name(self.bins.parameter_column), self.scan_parameter_unit()
                ),
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
        # saturation is shown as marks on the figures, not as a panel of its own
        names = [n for n in self.accumulator.scalar_names() if n != SATURATION_SCALAR]
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
            averages=averages,  # stored stacked, without stacking them here
            **extra,
        )


def _shot_list(shots: list[int], *, limit: int = 20) -> str:
    """Shot numbers for a log line, cut after ``limit``."""
    shown = ", ".join(str(shot) for shot in shots[:limit])
    return shown + (f" ... ({len(shots) - limit} more)" if len(shots) > limit else "")
