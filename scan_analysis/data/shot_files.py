"""Which file belongs to which shot.

Native names render the device's ``acq_timestamp`` (from the s-file) with
``%.3f``: ``{stem}_{timestamp:.3f}{tail}``. Timestamps are compared as integer
milliseconds; because the s-file value went through text, the keys one
millisecond either side are tried as well (float formatting, not a tolerance).
Legacy names carry the shot number: ``Scan{NNN}_{stem}_{shot:03d}{tail}``.
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path

import pandas as pd

from scan_analysis.data.sfile import SHOT_COLUMN

logger = logging.getLogger(__name__)

_SCAN_FOLDER = re.compile(r"^Scan(\d+)$")


def timestamp_key(seconds: float) -> int:
    """A timestamp in integer milliseconds, exactly as a ``%.3f`` file name renders it.

    Examples
    --------
    >>> timestamp_key(3921456789.123)
    3921456789123
    >>> timestamp_key(1.0025)  # the binary value is just below 1.0025, as %.3f sees it
    1002
    """
    return int(f"{seconds:.3f}".replace(".", ""))


def list_device_files(scan_dir: Path, device: str, *, directory_suffix: str = "") -> list[Path]:
    """The files in a device's folder of a scan (empty when the folder is missing)."""
    folder = Path(scan_dir) / f"{device}{directory_suffix}"
    if not folder.is_dir():
        return []
    return sorted(
        path for path in folder.iterdir() if path.is_file() and not path.name.startswith(".")
    )


def _parse_native(name: str, stem: str) -> tuple[int, str] | None:
    prefix = stem + "_"
    if not name.startswith(prefix):
        return None
    rest = name[len(prefix) :]
    match = re.match(r"^(\d+)\.(\d{3})(.*)$", rest)
    if not match:
        return None
    return int(match.group(1)) * 1000 + int(match.group(2)), match.group(3)


def _parse_legacy(name: str, stem: str, scan_number: int | None) -> tuple[int, int, str] | None:
    match = re.match(rf"^Scan(\d+)_{re.escape(stem)}_(\d+)(.*)$", name)
    if not match:
        return None
    number = int(match.group(1))
    if scan_number is not None and number != scan_number:
        return None
    return number, int(match.group(2)), match.group(3)


def _tail_accepted(tail: str, file_tail: str | None) -> bool:
    if file_tail is None:
        return tail.startswith(".") and tail.count(".") == 1  # plain extension by default
    return tail == file_tail


def map_shots_to_files(
    sfile: pd.DataFrame,
    scan_dir: Path,
    device: str,
    *,
    directory_suffix: str = "",
    file_tail: str | None = None,
    scan_number: int | None = None,
) -> dict[int, Path]:
    """Map each shot of the s-file to the device's file for it.

    Parameters
    ----------
    sfile : DataFrame
        The scan's s-file (:func:`~scan_analysis.data.sfile.read_sfile`).
    scan_dir : Path
        ``scans/Scan{NNN}``.
    device : str
        Device name (the s-file column ``"{device} acq_timestamp"``).
    directory_suffix : str
        Suffix of folder and file stem (``"-interpSpec"``).
    file_tail : str, optional
        Which tail to accept (``".png"``, ``"_postprocessed.png"``); default:
        any plain extension (a compound tail must be asked for). When no file
        has an accepted tail, a warning lists the tails that were found.
    scan_number : int, optional
        For legacy names; default from the folder name.

    Returns
    -------
    dict
        Shot number → file path; shots without a file are absent.
    """
    scan_dir = Path(scan_dir)
    stem = f"{device}{directory_suffix}"
    files = list_device_files(scan_dir, device, directory_suffix=directory_suffix)
    if not files:
        return {}
    if scan_number is None:
        folder = _SCAN_FOLDER.match(scan_dir.name)
        scan_number = int(folder.group(1)) if folder else None

    native: dict[int, Path] = {}
    legacy: dict[int, Path] = {}
    rejected_tails: set[str] = set()
    for path in files:
        parsed = _parse_legacy(path.name, stem, scan_number)
        if parsed is not None:
            _, shot, tail = parsed
            if _tail_accepted(tail, file_tail):
                legacy[shot] = path
            else:
                rejected_tails.add(tail)
            continue
        parsed_native = _parse_native(path.name, stem)
        if parsed_native is None:
            continue
        key, tail = parsed_native
        if _tail_accepted(tail, file_tail):
            native[key] = path
        else:
            rejected_tails.add(tail)

    timestamp_column = f"{device} acq_timestamp"
    shots = sfile[SHOT_COLUMN].astype(int).tolist()
    mapping: dict[int, Path] = {}
    if native and timestamp_column in sfile.columns:
        keys = _timestamp_keys(shots, sfile[timestamp_column].tolist())
        mapping = _join_by_timestamp(keys, native)
    elif native:
        logger.warning(
            "%s: files in %s use timestamp names but the s-file has no %r column; "
            "cannot map them to shots",
            scan_dir,
            stem,
            timestamp_column,
        )
    for shot in shots:
        if shot not in mapping and shot in legacy:
            mapping[shot] = legacy[shot]
    mapping = dict(sorted(mapping.items()))
    if not mapping and rejected_tails:
        logger.warning(
            "%s: none of the %s files has the tail %s (found %s); set the file_tail "
            "option (scan.file_tail in the analyzer config) to the one you want",
            scan_dir,
            stem,
            repr(file_tail) if file_tail else "of a plain extension",
            ", ".join(repr(tail) for tail in sorted(rejected_tails)),
        )
    missing = [shot for shot in shots if shot not in mapping]
    if missing:
        logger.info("%s: no %s file for shots %s", scan_dir.name, stem, missing)
    return mapping


def _timestamp_keys(shots: list[int], values: list[object]) -> dict[int, int]:
    """Shot → timestamp in integer ms; blank, ``nan`` or non-numeric cells are skipped."""
    keys: dict[int, int] = {}
    for shot, value in zip(shots, values, strict=True):
        try:
            seconds = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            logger.debug("shot %s: acq_timestamp %r is not a number", shot, value)
            continue
        if math.isfinite(seconds):
            keys[shot] = timestamp_key(seconds)
    return keys


def _join_by_timestamp(keys: dict[int, int], files: dict[int, Path]) -> dict[int, Path]:
    """Exact millisecond matches first, then ±1 ms among the files still unclaimed.

    The ±1 ms pass covers float formatting of the s-file value (``%.3f`` of a
    value that went through text can land one millisecond off); it never lets
    a shot take a file another shot matches exactly.
    """
    mapping = {shot: files[key] for shot, key in keys.items() if key in files}
    claimed = {keys[shot] for shot in mapping}
    for shot, key in keys.items():
        if shot in mapping:
            continue
        for candidate in (key - 1, key + 1):
            if candidate in files and candidate not in claimed:
                mapping[shot] = files[candidate]
                claimed.add(candidate)
                break
    return mapping
