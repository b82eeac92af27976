"""ImageAnalyzer: the per-shot analysis a diagnostic config configures.

A user's analyzer is one small subclass::

    class SpotCounter(ImageAnalyzer):
        def analyze_image(self, image, auxiliary=None):
            processed = self.preprocess(image)
            return ImageAnalyzerResult(processed, {"bright_pixels": float((processed > 100).sum())})

referenced from YAML as ``image_analyzer: {class: my_lab.analyzers.SpotCounter}``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from scan_analysis.data.readers import read_shot
from scan_analysis.image.config.models import CameraConfig, LineConfig, load_image_config
from scan_analysis.image.pipeline import PipelineContext, expand_path, process_image, process_line
from scan_analysis.image.result import ImageAnalyzerResult
from scan_analysis.image.steps import percentile_background

logger = logging.getLogger(__name__)

MAX_BACKGROUND_SHOTS = 200


class ImageAnalyzer:
    """Base of per-shot analyzers.

    Parameters
    ----------
    config : CameraConfig, LineConfig or dict, optional
        The ``image:`` block; a dict is validated. None means no processing.
    **kwargs
        Analyzer options (subclasses declare what they accept).

    Notes
    -----
    Subclasses implement :meth:`analyze_image`. The scan layer calls
    :meth:`prepare_scan` once per scan (in the parent process) before shots
    are analysed, then :meth:`analyze_image_file` per shot, possibly in worker
    processes, so analyzers must be picklable.
    """

    kind: ClassVar[str] = "2d"
    config_class: ClassVar[type] = CameraConfig

    def __init__(
        self, config: CameraConfig | LineConfig | dict | None = None, **kwargs: Any
    ) -> None:
        if isinstance(config, dict):
            config = load_image_config(config)
        if config is None:
            config = self.config_class()
        self.config = config
        self.kind = config.kind
        self.options = kwargs
        self.context = PipelineContext()

    # --- per scan ---------------------------------------------------------------------------
    def prepare_scan(
        self,
        shot_paths: Sequence[Path],
        *,
        scan_dir: Path | None = None,
        analysis_dir: Path | None = None,
    ) -> None:
        """Get ready for a scan: folders for ``{scan_dir}`` paths, a dynamic background.

        When ``background.dynamic_computation`` is enabled, the per-pixel
        percentile over the scan's shots (at most ``MAX_BACKGROUND_SHOTS``,
        evenly spaced) becomes the background, and is saved to
        ``auto_save_path`` if set, never inside the raw scan folder.
        """
        self.context = PipelineContext(scan_dir=scan_dir, analysis_dir=analysis_dir)
        background = self.config.background
        dynamic = background.dynamic_computation if background else None
        if not (background and background.enabled and dynamic and dynamic.enabled):
            return
        paths = list(shot_paths)
        if len(paths) > MAX_BACKGROUND_SHOTS:
            keep = np.linspace(0, len(paths) - 1, MAX_BACKGROUND_SHOTS).round().astype(int)
            paths = [paths[i] for i in keep]
        shots = []
        for path in paths:
            try:
                shots.append(self.load(path))
            except Exception as error:  # a bad shot does not spoil the background
                logger.warning("skipping %s for the background: %s", path, error)
        if not shots:
            logger.warning("no readable shots for a dynamic background; none subtracted")
            return
        if self.kind == "1d":
            self.context.background = percentile_background(
                [shot[1] for shot in shots], percentile=dynamic.percentile
            )
        else:
            self.context.background = percentile_background(shots, percentile=dynamic.percentile)
        save_to = dynamic.auto_save_path or background.auto_save_path
        if save_to:
            self._save_background(expand_path(save_to, self.context))

    def _save_background(self, path: Path) -> None:
        scan_dir = self.context.scan_dir
        if scan_dir is not None and Path(os.path.abspath(path)).is_relative_to(
            os.path.abspath(scan_dir)
        ):
            logger.error(
                "not saving the background to %s: it is inside the raw scan folder, which belongs "
                "to the DAQ; point auto_save_path at {analysis_dir} instead",
                path,
            )
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(
            path if path.suffix == ".npy" else path.with_suffix(".npy"), self.context.background
        )
        logger.info("saved the scan background to %s", path)

    # --- per shot ---------------------------------------------------------------------------
    def load(self, path: str | os.PathLike) -> np.ndarray:
        """Read one shot's file with this config's bit depth / data-loading options."""
        options: dict[str, Any] = {}
        loading = getattr(self.config, "data_loading", None)
        if loading is not None:
            options = {
                key: value
                for key, value in loading.model_dump(exclude={"data_type"}).items()
                if value is not None
            }
        return read_shot(path, bit_depth=self.config.bit_depth, **options)

    def preprocess(self, image: np.ndarray) -> np.ndarray:
        """Run the config's processing pipeline on a shot."""
        if self.kind == "1d":
            return process_line(image, self.config, context=self.context)
        return process_image(image, self.config, context=self.context)

    def analyze_image(
        self, image: np.ndarray, auxiliary: dict | None = None
    ) -> ImageAnalyzerResult:
        """Analyse one shot (a 2-D image or a ``[x, y]`` trace)."""
        raise NotImplementedError(f"{type(self).__name__} must implement analyze_image()")

    def analyze_image_file(
        self, path: str | os.PathLike, auxiliary: dict | None = None
    ) -> ImageAnalyzerResult:
        """Read a shot's file and analyse it."""
        return self.analyze_image(self.load(path), auxiliary)

    @property
    def calibration(self) -> float | None:
        """Metres per pixel from ``metadata.spatial_calibration``, if set."""
        metadata = self.config.metadata
        return metadata.spatial_calibration if metadata else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(config={self.config.name or 'unnamed'!r})"
