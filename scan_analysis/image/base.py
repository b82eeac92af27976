"""ImageAnalyzer: the per-shot analysis a diagnostic config configures.

A user's analyzer is one small subclass::

    class SpotCounter(ImageAnalyzer):
        def analyze_image(self, image, auxiliary=None):
            processed = self.preprocess(image)
            return ImageAnalyzerResult(processed, {"bright_pixels": float((processed > 100).sum())})

referenced from YAML as ``image_analyzer: {class: my_lab.analyzers.SpotCounter}``.

One analyzer object serves every shot of a scan, from several threads at once
with the ``threads`` executor, so nothing about one shot is kept on it: the
pipeline's per-shot findings (the ROI offset) come back with the processed
data (:meth:`ImageAnalyzer.process`) and with the result
(:meth:`ImageAnalyzer.analyze_shot`).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from scan_analysis.data.atomic_files import atomic_output
from scan_analysis.data.readers import read_shot
from scan_analysis.errors import ConfigError, ScanAnalysisError, ShotReadError
from scan_analysis.image.config.models import CameraConfig, LineConfig, load_image_config
from scan_analysis.image.pipeline import PipelineContext, ProcessedShot, expand_path, process_shot
from scan_analysis.image.result import ImageAnalyzerResult
from scan_analysis.image.saturation import (
    SATURATION_SCALAR,
    count_saturated_pixels,
    saturation_level,
)
from scan_analysis.image.steps import mean_background, percentile_background
from scan_analysis.image.trace_layout import as_trace_rows

logger = logging.getLogger(__name__)

MAX_BACKGROUND_SHOTS = 100
"""At most this many shots (evenly spaced over the scan) feed a per-pixel percentile background."""

_RAW_SCAN_FOLDER = re.compile(r"^Scan\d+$")

# The offsets found by the pipeline during the analyze_shot() call running in this thread
# (or task): per-call state, so threads sharing one analyzer never see each other's.
_SHOT_OFFSETS: ContextVar[list[tuple[int, int]] | None] = ContextVar(
    "scan_analysis_shot_offsets", default=None
)


def is_inside_raw_scan(path: Path, scan_dir: Path | None = None) -> bool:
    """Whether ``path`` lies in a raw scan folder (``scans/ScanNNN/``), which belongs to the DAQ.

    Examples
    --------
    >>> is_inside_raw_scan(Path("/data/Y2026/05-May/26_0508/scans/Scan007/bg.npy"))
    True
    >>> is_inside_raw_scan(Path("/data/Y2026/05-May/26_0508/analysis/Scan007/bg.npy"))
    False
    """
    absolute = Path(os.path.abspath(path))
    if scan_dir is not None and absolute.is_relative_to(os.path.abspath(scan_dir)):
        return True
    parts = absolute.parts
    return any(
        parent == "scans" and _RAW_SCAN_FOLDER.match(child)
        for parent, child in zip(parts, parts[1:], strict=False)
    )


class ImageAnalyzer:
    """Base of per-shot analyzers.

    Parameters
    ----------
    config : CameraConfig, LineConfig or dict, optional
        The ``image:`` block; a dict is validated (as ``config_class`` unless it
        says ``type:`` or has ``data_loading``). None means no processing.
    **kwargs
        Analyzer options (the YAML's ``image_analyzer.kwargs``), kept in
        ``self.options``; subclasses declare what they accept.

    Attributes
    ----------
    kind : {"2d", "1d"}
        Images or traces (from the config).
    config : CameraConfig or LineConfig
    context : PipelineContext
        The current scan's folders and precomputed background (read-only while
        shots are analysed).

    Notes
    -----
    Subclasses implement :meth:`analyze_image`. The scan layer calls
    :meth:`prepare_scan` once per scan (in the parent process) before shots are
    analysed, then :meth:`analyze_shot` per shot, in worker processes (the
    analyzer is sent there with ``cloudpickle``, so a class defined in a
    notebook cell or a script works) or in threads sharing this one object.
    Keep per-shot values in local variables, never on ``self``.
    """

    kind: ClassVar[str] = "2d"
    config_class: ClassVar[type[CameraConfig] | type[LineConfig]] = CameraConfig
    accepted_kinds: ClassVar[tuple[str, ...]] = ("2d", "1d")
    #: the scalars the analyzer can emit; when declared, ``analysis: {scalars}`` is checked
    scalar_names: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self, config: CameraConfig | LineConfig | dict | None = None, **kwargs: Any
    ) -> None:
        if config is None:
            config = self.config_class()
        elif isinstance(config, dict):
            config = load_image_config(config, default=self.config_class)
        elif not isinstance(config, CameraConfig | LineConfig):
            raise ConfigError(
                f"{type(self).__name__} got a {type(config).__name__} as config; pass a "
                "CameraConfig, a LineConfig, the image: mapping as a dict, or None",
                None,
            )
        if config.kind not in self.accepted_kinds:
            wanted = "camera (2-D)" if "2d" in self.accepted_kinds else "line (1-D)"
            raise ConfigError(
                f"{type(self).__name__} analyses {wanted} shots but config "
                f"{config.name or '(unnamed)'} is a {type(config).__name__}; use "
                f"{'BeamAnalyzer' if config.kind == '2d' else 'LineAnalyzer'} or fix the "
                "config's type / data_loading",
                None,
            )
        self.config = config
        self.kind = config.kind
        self.options = kwargs
        self.context = PipelineContext()
        if self.scalar_names:
            self._check_scalar_names(self.scalar_names)

    # --- per scan ---------------------------------------------------------------------------
    def prepare_scan(
        self,
        shot_paths: Sequence[str | os.PathLike],
        *,
        scan_dir: Path | None = None,
        analysis_dir: Path | None = None,
    ) -> None:
        """Get ready for a scan: folders for ``{scan_dir}`` paths, a dynamic background.

        Parameters
        ----------
        shot_paths : sequence of paths
            The scan's shot files for this device.
        scan_dir : Path, optional
            The raw scan folder (``{scan_dir}`` in config paths).
        analysis_dir : Path, optional
            The scan's analysis folder (``{analysis_dir}`` in config paths).

        Notes
        -----
        When ``background.dynamic_computation`` is enabled, the per-pixel
        percentile over the scan's shots becomes the background for every shot
        of the scan (replacing the constant / file background). At most
        ``MAX_BACKGROUND_SHOTS`` shots, evenly spaced over the scan, are read
        (in their stored dtype, so 100 shots of 1024x1024 uint16 hold 200 MB);
        unreadable shots are skipped. The result is saved as ``.npy`` to
        ``auto_save_path`` when set, never inside a raw ``scans/ScanNNN``
        folder (logged and skipped instead).
        """
        self.context = PipelineContext(scan_dir=scan_dir, analysis_dir=analysis_dir)
        background = self.config.background
        dynamic = background.dynamic_computation if background else None
        if not (background and background.enabled and dynamic and dynamic.enabled):
            return
        try:
            self.context.background = self.scan_background(
                shot_paths, percentile=dynamic.percentile
            )
        except ValueError as error:
            logger.warning(
                "%s; no dynamic background subtracted for %s",
                error,
                self.config.name or type(self).__name__,
            )
            return
        save_to = dynamic.auto_save_path or background.auto_save_path
        if save_to:
            self._save_background(expand_path(save_to, self.context))

    def scan_background(
        self, shot_paths: Sequence[str | os.PathLike], *, percentile: float | None = None
    ) -> np.ndarray:
        """A background from a set of shots: the per-pixel percentile, or the mean.

        At most ``MAX_BACKGROUND_SHOTS`` shots, evenly spaced, are read with
        :meth:`load` (for traces, the y row); unreadable ones are skipped with a
        WARNING.

        Parameters
        ----------
        shot_paths : sequence of paths
            The shots.
        percentile : float, optional
            Per-pixel percentile (50: median); None for the per-pixel mean.

        Raises
        ------
        ValueError
            No readable shot, or shots of different shapes (the message says which).
        """
        paths = list(shot_paths)
        if len(paths) > MAX_BACKGROUND_SHOTS:
            keep = np.linspace(0, len(paths) - 1, MAX_BACKGROUND_SHOTS).round().astype(int)
            paths = [paths[i] for i in keep]
        shots = []
        for path in paths:
            try:
                shot = self.load(path)
            except ScanAnalysisError as error:  # a bad shot does not spoil the background
                logger.warning("skipping %s for the background: %s", path, error)
                continue
            shots.append(shot[1] if self.kind == "1d" else shot)
        if not shots:
            raise ValueError(f"no readable shots among {len(paths)} for the background")
        shapes = sorted({shot.shape for shot in shots})
        if len(shapes) > 1:
            raise ValueError(f"shots of different shapes {shapes} for the background")
        if percentile is None:
            return mean_background(shots)
        return percentile_background(shots, percentile=percentile)

    def _save_background(self, path: Path) -> None:
        if path.suffix != ".npy":
            path = path.with_name(path.name + ".npy")
        if is_inside_raw_scan(path, self.context.scan_dir):
            logger.error(
                "not saving the background to %s: it is inside a raw scan folder, which belongs "
                "to the DAQ; point auto_save_path at {analysis_dir}/... instead",
                path,
            )
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(path) as stream:  # never a half-written .npy for the next scan
            np.save(stream, self.context.background)
        logger.info("saved the scan background to %s", path)

    # --- per shot ---------------------------------------------------------------------------
    def load(self, path: str | os.PathLike) -> np.ndarray:
        """Read one shot's file with this config's ``bit_depth`` and ``data_loading`` options."""
        options: dict[str, Any] = {}
        loading = getattr(self.config, "data_loading", None)
        if loading is not None:
            options = {
                key: value
                for key, value in loading.model_dump(exclude={"data_type"}).items()
                if value is not None
            }
        data = read_shot(path, bit_depth=self.config.bit_depth, **options)
        if self.kind != "1d":
            return data
        try:
            return as_trace_rows(data)
        except ValueError as error:
            raise ShotReadError(f"{path}: {error}", path) from None

    def process(
        self, image: np.ndarray, *, context: PipelineContext | None = None
    ) -> ProcessedShot:
        """Run the config's pipeline on a shot: the processed data and its offset in the frame.

        ``context`` defaults to this scan's. Safe to call from several threads at once.
        """
        shot = process_shot(image, self.config, context=context or self.context)
        offsets = _SHOT_OFFSETS.get()
        if offsets is not None:
            offsets.append(shot.offset)
        return shot

    def preprocess(
        self, image: np.ndarray, *, context: PipelineContext | None = None
    ) -> np.ndarray:
        """Run the config's processing pipeline on a shot (``context`` default: this scan's).

        The processed image's offset in the raw frame (after an ROI) reaches the
        scan layer through :meth:`analyze_shot`; :meth:`process` gives it directly.
        """
        return self.process(image, context=context).data

    def analyze_image(
        self, image: np.ndarray, auxiliary: dict | None = None
    ) -> ImageAnalyzerResult:
        """Analyse one shot (a 2-D image or a ``[x, y]`` trace).

        Parameters
        ----------
        image : ndarray
            The raw shot as :func:`~scan_analysis.data.readers.read_shot` gives it.
        auxiliary : dict, optional
            Extra per-shot data (e.g. the shot's s-file row) for analyzers that need it.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement analyze_image()")

    def analyze_shot(self, image: np.ndarray, auxiliary: dict | None = None) -> ImageAnalyzerResult:
        """:meth:`analyze_image`, with the offset and the saturated-pixel count filled in.

        When the analyzer leaves ``offset`` unset, it becomes the offset of the
        last :meth:`preprocess`/:meth:`process` call made while analysing this
        shot (``(0, 0)`` when there was none). For camera frames the scalar
        ``saturated_pixels`` (:meth:`saturated_pixels` of the raw frame) is
        added, unless the analyzer set it itself. The scan layer calls this.
        """
        token = _SHOT_OFFSETS.set([])
        try:
            result = self.analyze_image(image, auxiliary)
            offsets = _SHOT_OFFSETS.get() or [(0, 0)]
        finally:
            _SHOT_OFFSETS.reset(token)
        if result.offset is None:
            result.offset = tuple(offsets[-1])  # type: ignore[assignment]
        if SATURATION_SCALAR not in result.scalars:
            saturated = self.saturated_pixels(image)
            if saturated is not None:
                result.scalars = {**result.scalars, SATURATION_SCALAR: float(saturated)}
        return result

    def saturated_pixels(self, image: np.ndarray) -> int | None:
        """Pixels of a raw camera frame at the saturation level, hot pixels left out.

        The level is the config's ``saturation_level``, else ``2**bit_depth - 1``,
        else the maximum of the frame's integer type (see
        :func:`~scan_analysis.image.saturation.count_saturated_pixels`). None for
        traces and for float frames with no level configured.

        Examples
        --------
        >>> frame = np.zeros((16, 16), dtype=np.uint8); frame[4:8, 4:8] = 255
        >>> frame[12, 2] = 255  # a hot pixel
        >>> ImageAnalyzer().saturated_pixels(frame)
        16
        """
        if self.kind != "2d" or np.ndim(image) != 2:
            return None
        level = saturation_level(self.config, np.asarray(image).dtype)
        if level is None:
            return None
        return count_saturated_pixels(image, level=level)

    def analyze_image_file(
        self, path: str | os.PathLike, auxiliary: dict | None = None
    ) -> ImageAnalyzerResult:
        """Read a shot's file (see :meth:`load`) and analyse it (see :meth:`analyze_shot`)."""
        return self.analyze_shot(self.load(path), auxiliary)

    @property
    def calibration(self) -> float | None:
        """Metres per pixel from ``metadata.spatial_calibration``, if set."""
        metadata = self.config.metadata
        return metadata.spatial_calibration if metadata else None

    def selected(self, scalars: dict[str, float]) -> dict[str, float]:
        """The scalars the config's ``analysis: {scalars: [...]}`` asks for (all when absent)."""
        wanted = self._wanted_scalars()
        if not wanted:
            return scalars
        return {name: value for name, value in scalars.items() if name in set(wanted)}

    def _wanted_scalars(self) -> list[str]:
        wanted = (self.config.analysis or {}).get("scalars") or []
        return [wanted] if isinstance(wanted, str) else list(wanted)

    def _check_scalar_names(self, available: Sequence[str]) -> None:
        wanted = self._wanted_scalars()
        if self.kind == "2d":  # added to every camera shot's scalars by analyze_shot
            available = [*available, SATURATION_SCALAR]
        unknown = [name for name in wanted if name not in available]
        if unknown:
            raise ConfigError(
                f"config {self.config.name or '(unnamed)'}: analysis.scalars names "
                f"{', '.join(map(repr, unknown))}, which {type(self).__name__} does not compute; "
                f"choose from {', '.join(available)}",
                None,
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(config={self.config.name or 'unnamed'!r})"
