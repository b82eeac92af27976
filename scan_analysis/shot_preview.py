"""One shot through a diagnostic config, as a scan run would process it, writing nothing.

    config = ConfigTree().load_analyzer("UC_TopView")
    preview = preview_shot(config, ScanTag.from_date("2026-05-08", number=2), shot=12)
    preview.raw, preview.processed, preview.scalars

Used by the config editor's "preview on a shot" (the config being edited,
before it is saved) and any script that wants to try a config on real data.
The shot's file is found as the scan layer finds it (s-file timestamps or
legacy names), the per-scan preparation runs (a dynamic background from the
scan's shots), and nothing is written anywhere: the config's paths for saving
a computed background are cleared for the preview.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scan_analysis.analyzers.common.background_source import resolve_background_source
from scan_analysis.config.diagnostic_factory import create_image_analyzer
from scan_analysis.config.diagnostic_models import DiagnosticAnalysisConfig
from scan_analysis.data.scan_paths import ScanPaths
from scan_analysis.data.scan_tag import ScanTag
from scan_analysis.data.sfile import read_sfile
from scan_analysis.data.shot_files import map_shots_to_files
from scan_analysis.errors import ScanAnalysisError
from scan_analysis.image.config.models import CameraConfig, LineConfig

logger = logging.getLogger(__name__)


class ShotNotFoundError(ScanAnalysisError):
    """The scan has no file of the diagnostic's device (for that shot)."""


@dataclass
class ShotPreview:
    """A shot before and after the config's processing, with its scalars.

    Attributes
    ----------
    shot : int
        Shot number (1-based, the s-file's ``Shotnumber``).
    path : Path
        The shot's file.
    raw : ndarray
        As read (image, or ``[x, y]`` trace).
    processed : ndarray
        After the pipeline (cropped by an ROI: see ``offset``).
    scalars : dict of str to float
        What the analyzer computed (s-file columns get the analyzer's prefix).
    kind : {"2d", "1d"}
        Image or trace.
    offset : (int, int)
        Full-sensor pixel of the processed image's corner (the ROI origin).
    image_config : CameraConfig or LineConfig or None
        The ``image:`` block used (units and calibration for display).
    """

    shot: int
    path: Path
    raw: np.ndarray
    processed: np.ndarray
    scalars: dict[str, float]
    kind: str
    offset: tuple[int, int]
    image_config: CameraConfig | LineConfig | None


def _without_saving(config: DiagnosticAnalysisConfig) -> DiagnosticAnalysisConfig:
    """The config with its background save paths cleared: a preview writes nothing."""
    image = config.image
    background = image.background if image is not None else None
    if background is None:
        return config
    copy = config.model_copy(deep=True)
    copy.image.background.auto_save_path = None
    if copy.image.background.dynamic_computation is not None:
        copy.image.background.dynamic_computation.auto_save_path = None
    return copy


def shot_files(
    config: DiagnosticAnalysisConfig, tag: ScanTag, *, data_root: str | os.PathLike | None = None
) -> dict[int, Path]:
    """The diagnostic's file for each shot of a scan that has one (shot number → path).

    Raises
    ------
    DataRootError, SFileError
        No such scan, or its s-file is missing or unreadable.
    """
    paths = ScanPaths(tag, data_root)
    paths.require_scan()
    sfile = read_sfile(paths.sfile)
    return map_shots_to_files(
        sfile,
        paths.scan_dir,
        config.device,
        directory_suffix=config.scan.directory_suffix,
        file_tail=config.scan.file_tail,
        scan_number=tag.number,
    )


def preview_shot(
    config: DiagnosticAnalysisConfig,
    tag: ScanTag,
    shot: int | None = None,
    *,
    data_root: str | os.PathLike | None = None,
    source: str | os.PathLike | None = None,
) -> ShotPreview:
    """Analyse one shot of a scan with a diagnostic config (nothing is written).

    Parameters
    ----------
    config : DiagnosticAnalysisConfig
        The (possibly unsaved) diagnostic config.
    tag : ScanTag
        The scan.
    shot : int, optional
        Shot number; default the first shot that has a file.
    data_root : path, optional
        Overrides the data root resolution.
    source : path, optional
        The config's file, named in errors.

    Returns
    -------
    ShotPreview

    Raises
    ------
    ConfigError
        The config has no per-shot analysis (a ``scan_analyzer`` only) or its
        class cannot be built.
    ShotNotFoundError
        No file of the device in the scan, or none for ``shot`` (the message
        lists the shots that have one).
    ShotReadError
        The shot's file cannot be read.
    """
    analyzer = create_image_analyzer(_without_saving(config), source=source)
    files = shot_files(config, tag, data_root=data_root)
    stem = f"{config.device}{config.scan.directory_suffix}"
    if not files:
        folder = ScanPaths(tag, data_root).device_dir(stem)
        raise ShotNotFoundError(
            f"no {stem} files for the shots of {tag} ({folder}"
            f"{' does not exist' if not folder.is_dir() else ' has none matching the s-file'}); "
            "check scan.device, scan.directory_suffix and scan.file_tail, or pick another scan"
        )
    if shot is None:
        shot = min(files)
    if shot not in files:
        raise ShotNotFoundError(
            f"shot {shot} of {tag} has no {stem} file (a missed shot); shots with a file: "
            f"{_ranges(sorted(files))}"
        )
    paths = ScanPaths(tag, data_root)
    analyzer.prepare_scan(  # reads only: the config's save paths were cleared
        [files[number] for number in sorted(files)],
        scan_dir=paths.scan_dir,
        analysis_dir=paths.output_dir(config.name),
    )
    if config.scan.background_source is not None:  # as the scan run subtracts it
        analyzer.context.background = resolve_background_source(
            config.scan.background_source,
            analyzer,
            paths=paths,
            scan_number=tag.number,
            device=config.device,
            directory_suffix=config.scan.directory_suffix,
            file_tail=config.scan.file_tail,
            shot_files=[files[number] for number in sorted(files)],
        )
    raw = analyzer.load(files[shot])
    result = analyzer.analyze_shot(raw)
    logger.info("previewed %s shot %d of %s with %s", stem, shot, tag, config.name)
    return ShotPreview(
        shot=shot,
        path=files[shot],
        raw=raw,
        processed=np.asarray(result.processed),
        scalars={name: float(value) for name, value in result.scalars.items()},
        kind=analyzer.kind,
        offset=tuple(int(v) for v in result.offset or (0, 0)),  # type: ignore[arg-type]
        image_config=analyzer.config,
    )


def _ranges(numbers: list[int]) -> str:
    """``1-3, 5, 7-9`` for a sorted list of shot numbers.

    Examples
    --------
    >>> _ranges([1, 2, 3, 5, 7, 8, 9])
    '1-3, 5, 7-9'
    """
    parts: list[str] = []
    start = previous = None
    for number in [*numbers, None]:
        if start is not None and number == previous + 1:
            previous = number
            continue
        if start is not None:
            parts.append(f"{start}" if start == previous else f"{start}-{previous}")
        start = previous = number
    return ", ".join(parts)
