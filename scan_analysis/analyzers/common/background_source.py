"""``scan.background_source``: find the background a scan's context names, or say why not.

Three sources, as the original toolkit has them:

- ``{scan_number: N}``: the per-pixel mean of scan N's shots of the same
  device (same day), e.g. a dark scan taken with the beam blocked;
- ``{from_current_scan: {method: median | percentile, percentile: P}}``: the
  per-pixel median or percentile over this scan's own shots;
- ``{autodetect: {}}``: the file ``analysis/Scan{NNN}{device}_averaged.<ext>``
  for this scan in the day's ``analysis/`` folder.

The result replaces the image config's background for every shot of the scan.
Nothing is written: the DAQ's scan folders are only read.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np

from scan_analysis.config.diagnostic_models import BackgroundSource
from scan_analysis.data.scan_paths import ScanPaths
from scan_analysis.data.sfile import read_sfile
from scan_analysis.data.shot_files import list_device_files, map_shots_to_files
from scan_analysis.errors import ConfigError, ScanAnalysisError
from scan_analysis.image.base import ImageAnalyzer

logger = logging.getLogger(__name__)


class BackgroundSourceError(ConfigError):
    """The background a config's ``scan.background_source`` names cannot be found or used."""


def resolve_background_source(
    source: BackgroundSource,
    image_analyzer: ImageAnalyzer,
    *,
    paths: ScanPaths,
    scan_number: int,
    device: str,
    directory_suffix: str = "",
    file_tail: str | None = None,
    shot_files: list[Path],
) -> np.ndarray:
    """The background array ``source`` names for this scan.

    Parameters
    ----------
    source : BackgroundSource
        The config's ``scan.background_source``.
    image_analyzer : ImageAnalyzer
        Reads the shots (its ``bit_depth`` and ``data_loading`` apply).
    paths : ScanPaths
        The scan being analysed (its day gives the other scans' folders).
    scan_number : int
        This scan's number.
    device, directory_suffix, file_tail
        Which files are this device's shots.
    shot_files : list of Path
        This scan's shot files, in shot order.

    Returns
    -------
    ndarray
        A full-frame background (for traces, the y values).

    Raises
    ------
    BackgroundSourceError
        Naming what was looked for and where, and how to fix the config.
    """
    where = f"scan.background_source ({source.describe()})"
    if source.scan_number is not None:
        files = _scan_files(
            paths, source.scan_number, device, directory_suffix, file_tail, where=where
        )
        background = _statistic(image_analyzer, files, None, where=where)
    elif source.from_current_scan is not None:
        background = _statistic(
            image_analyzer, shot_files, source.from_current_scan.level, where=where
        )
    else:
        background = _autodetected(image_analyzer, paths, scan_number, device, where=where)
    _check_shape(image_analyzer, background, shot_files, where=where)
    logger.info("%s: subtracting %s from every %s shot", device, source.describe(), device)
    return background


def _scan_files(
    paths: ScanPaths,
    number: int,
    device: str,
    directory_suffix: str,
    file_tail: str | None,
    *,
    where: str,
) -> list[Path]:
    stem = f"{device}{directory_suffix}"
    scan_dir = paths.scans_dir / f"Scan{number:03d}"
    folder = scan_dir / stem
    if not folder.is_dir():
        reason = "that scan does not exist" if not scan_dir.is_dir() else f"no {stem} folder in it"
        raise BackgroundSourceError(
            f"{where}: {folder} not found ({reason}); set scan_number to a scan of "
            f"{paths.day_dir.name} in which {device} saved images",
            folder,
        )
    sfile = paths.analysis_dir / f"s{number}.txt"
    files: list[Path] = []
    if sfile.is_file():
        try:
            mapped = map_shots_to_files(
                read_sfile(sfile),
                scan_dir,
                device,
                directory_suffix=directory_suffix,
                file_tail=file_tail,
                scan_number=number,
            )
            files = [mapped[shot] for shot in sorted(mapped)]
        except ScanAnalysisError as error:  # an unreadable s-file: take the folder's files
            logger.warning("%s: %s; using every file in %s", where, error, folder)
    if not files:
        files = [
            path
            for path in list_device_files(scan_dir, device, directory_suffix=directory_suffix)
            if file_tail is None or path.name.endswith(file_tail)
        ]
    if not files:
        raise BackgroundSourceError(
            f"{where}: {folder} holds no {device} shots"
            + (f" ending {file_tail!r}" if file_tail else "")
            + "; set scan_number to a scan in which the device saved images",
            folder,
        )
    return files


def _statistic(
    analyzer: ImageAnalyzer, files: list[Path], percentile: float | None, *, where: str
) -> np.ndarray:
    try:
        return analyzer.scan_background(files, percentile=percentile)
    except ValueError as error:
        folder = files[0].parent if files else None
        raise BackgroundSourceError(f"{where}: {error} in {folder}", folder) from error


def _autodetected(
    analyzer: ImageAnalyzer, paths: ScanPaths, number: int, device: str, *, where: str
) -> np.ndarray:
    folder = paths.analysis_dir
    pattern = f"Scan{number:03d}{device}_averaged.<ext>"
    wanted = re.compile(rf"Scan{number:03d}{re.escape(device)}_averaged\.[^.]+")
    found = (
        sorted(p for p in folder.iterdir() if p.is_file() and wanted.fullmatch(p.name))
        if folder.is_dir()
        else []
    )
    if not found:
        raise BackgroundSourceError(
            f"{where}: no file {pattern} in {folder}; write the averaged background there, or "
            "use scan_number / from_current_scan instead of autodetect",
            folder,
        )
    if len(found) > 1:
        raise BackgroundSourceError(
            f"{where}: several files match {pattern} in {folder} "
            f"({', '.join(p.name for p in found)}); keep one",
            folder,
        )
    try:
        image = analyzer.load(found[0])
    except ScanAnalysisError as error:
        raise BackgroundSourceError(f"{where}: {error}", found[0]) from error
    logger.info("%s: autodetected background file %s", device, found[0])
    return np.asarray(image[1] if analyzer.kind == "1d" else image, dtype=np.float32)


def _check_shape(
    analyzer: ImageAnalyzer, background: np.ndarray, shot_files: list[Path], *, where: str
) -> None:
    """A background of another shape than the shots would fail every shot: say so once."""
    for path in shot_files:
        try:
            shot = analyzer.load(path)
        except ScanAnalysisError:
            continue
        shape = (shot[1] if analyzer.kind == "1d" else shot).shape
        if background.shape != shape:
            raise BackgroundSourceError(
                f"{where}: the background has shape {background.shape} but the shots "
                f"(e.g. {path.name}) have shape {shape}; use a background taken with the "
                "same camera settings",
                path,
            )
        return
