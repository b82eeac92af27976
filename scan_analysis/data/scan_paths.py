"""Where a scan's files live: data-root resolution and the GEECS folder layout."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import stat
from pathlib import Path

from scan_analysis.data.lab_config import LAB_CONFIG_ENV, read_lab_config
from scan_analysis.data.scan_tag import ScanTag, parse_date
from scan_analysis.errors import GIVEN, DataRootError, ReadOnlyFolderError, Setting
from scan_analysis.suggestions import did_you_mean, valid_choices

logger = logging.getLogger(__name__)

DATA_ROOT_ENV = "SCAN_ANALYSIS_DATA_ROOT"
CONFIG_DIR_ENV = "SCAN_ANALYSIS_CONFIG_DIR"
MONTH_ABBREVIATIONS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip
#: The default config folder of a source checkout: ``scan_analysis_configs/`` at the repo root.
SOURCE_CONFIG_DIR = Path(__file__).resolve().parents[2] / "scan_analysis_configs"
#: The copy of that folder an installed wheel carries inside the package (see pyproject.toml).
PACKAGED_CONFIG_DIR = Path(__file__).resolve().parents[1] / "default_configs"
_SCAN_FOLDER = re.compile(r"^Scan(\d+)$")
_SFILE = re.compile(r"^s(\d+)\.txt$")

DATA_ROOT_SETTING = Setting(
    "data_root",
    "--data-root",
    DATA_ROOT_ENV,
    "[Paths] GEECS_DATA_LOCAL_BASE_PATH in ~/.config/geecs_python_api/config.ini",
)
CONFIG_DIR_SETTING = Setting(
    "config_dir",
    "--config-dir",
    CONFIG_DIR_ENV,
    "[Paths] scan_analysis_configs_path in the lab config.ini "
    f"(${LAB_CONFIG_ENV} names another one)",
)


def resolve_data_root(explicit: str | os.PathLike | None = None) -> Path:
    """Find the data root: argument, env ``SCAN_ANALYSIS_DATA_ROOT``, lab config.ini.

    The lab config.ini is ``~/.config/geecs_python_api/config.ini`` (key
    ``[Paths] GEECS_DATA_LOCAL_BASE_PATH``), or the file named by env
    ``SCAN_ANALYSIS_LAB_CONFIG``.

    Raises
    ------
    DataRootError
        When none is set, or the one found does not exist; the message says
        which source gave it and how to set it.
    """
    if explicit is not None:
        source, root = GIVEN, Path(explicit)
    elif os.environ.get(DATA_ROOT_ENV):
        source, root = f"${DATA_ROOT_ENV}", Path(os.environ[DATA_ROOT_ENV])
    else:
        lab = read_lab_config()
        if lab.data_root is None:
            raise DataRootError(
                f"no data root is set (looked at {GIVEN}, ${DATA_ROOT_ENV} and {lab.path})",
                DATA_ROOT_SETTING,
            )
        source, root = f"GEECS_DATA_LOCAL_BASE_PATH in {lab.path}", lab.data_root
    root = root.expanduser()
    if not root.is_dir():
        raise DataRootError(f"data root {root} (from {source}) does not exist", DATA_ROOT_SETTING)
    return root


def default_config_dir() -> Path:
    """The config folder used when none is set: the installed package's copy, else the checkout's.

    A wheel ships the repository's ``scan_analysis_configs/`` inside the
    package as ``scan_analysis/default_configs/``; a source checkout (or an
    editable install of it) uses ``scan_analysis_configs/`` itself.
    """
    return PACKAGED_CONFIG_DIR if PACKAGED_CONFIG_DIR.is_dir() else SOURCE_CONFIG_DIR


def resolve_config_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Find the config root: argument, env ``SCAN_ANALYSIS_CONFIG_DIR``, lab ini, the default.

    The default is :func:`default_config_dir`: the configs shipped with the
    package (``scan_analysis_configs/`` of the repository).

    Raises
    ------
    DataRootError
        When the folder found does not exist; names it, its source and how to set it.
    """
    if explicit is not None:
        source, path = GIVEN, Path(explicit)
    elif os.environ.get(CONFIG_DIR_ENV):
        source, path = f"${CONFIG_DIR_ENV}", Path(os.environ[CONFIG_DIR_ENV])
    else:
        lab = read_lab_config()
        if lab.config_dir is not None:
            source, path = f"scan_analysis_configs_path in {lab.path}", lab.config_dir
        else:
            source, path = "the default shipped with scan_analysis", default_config_dir()
    path = path.expanduser()
    if not path.is_dir():
        raise DataRootError(
            f"config folder {path} (from {source}) does not exist", CONFIG_DIR_SETTING
        )
    return path


def is_read_only(path: Path) -> bool:
    """Whether permissions forbid writing ``path``: no write bit (even for root), or none for us."""
    mode = path.stat().st_mode
    return not (os.access(path, os.W_OK) and mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def read_only_folder_error(folder: Path, *, what: str) -> ReadOnlyFolderError:
    """The error for a read-only folder analysis writes into: which one, and what to do."""
    return ReadOnlyFolderError(
        f"the analysis folder {folder} is read-only, so {what} cannot be written there; nothing "
        f"was analysed or changed. Make it writable (chmod u+w {folder}, or ask the account that "
        "owns it), or analyse a copy of the day under a data root you can write to",
        folder,
    )


def day_dir_for(data_root: Path, experiment: str, date: dt.date | str) -> Path:
    """The day folder ``{root}/{experiment}/Y{YYYY}/{MM}-{Mon}/{YY}_{MMDD}``."""
    day = parse_date(date)
    return (
        Path(data_root)
        / experiment
        / f"Y{day.year:04d}"
        / f"{day.month:02d}-{MONTH_ABBREVIATIONS[day.month - 1]}"
        / f"{day.year % 100:02d}_{day.month:02d}{day.day:02d}"
    )


def list_scans(day_dir: Path) -> list[int]:
    """Scan numbers of a day: ``scans/ScanNNN`` folders and ``analysis/sN.txt`` files.

    A day folder that does not exist (yet) has no scans: this returns an empty
    list, so a live watcher can start before the first scan; use
    :meth:`ScanPaths.require_day` for a clear error instead.
    """
    numbers: set[int] = set()
    scans_dir = Path(day_dir) / "scans"
    if scans_dir.is_dir():
        for entry in scans_dir.iterdir():
            match = _SCAN_FOLDER.match(entry.name)
            if match and entry.is_dir():
                numbers.add(int(match.group(1)))
    analysis_dir = Path(day_dir) / "analysis"
    if analysis_dir.is_dir():
        for entry in analysis_dir.iterdir():
            match = _SFILE.match(entry.name)
            if match and entry.is_file():
                numbers.add(int(match.group(1)))
    return sorted(n for n in numbers if n >= 1)


def list_completed_scans(day_dir: Path) -> list[int]:
    """Scan numbers whose s-file exists (the DAQ writes it when the scan ends)."""
    analysis_dir = Path(day_dir) / "analysis"
    if not analysis_dir.is_dir():
        return []
    found = (_SFILE.match(entry.name) for entry in analysis_dir.iterdir())
    return sorted(int(m.group(1)) for m in found if m and int(m.group(1)) >= 1)


def latest_scan(day_dir: Path) -> int | None:
    """The highest scan number of a day, or None for a day without scans."""
    numbers = list_scans(day_dir)
    return numbers[-1] if numbers else None


class ScanPaths:
    """The folders and files of one scan.

    Parameters
    ----------
    tag : ScanTag
        Which scan.
    data_root : path, optional
        Overrides the resolution order of :func:`resolve_data_root`.

    Examples
    --------
    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> tag = ScanTag(year=2026, month=5, day=8, number=42, experiment="Undulator")
    >>> paths = ScanPaths(tag, data_root=root)
    >>> paths.scan_dir.relative_to(root).as_posix()
    'Undulator/Y2026/05-May/26_0508/scans/Scan042'
    >>> paths.sfile.name
    's42.txt'
    """

    def __init__(self, tag: ScanTag, data_root: str | os.PathLike | None = None) -> None:
        self.tag = tag
        self.data_root = resolve_data_root(data_root)
        self.day_dir = day_dir_for(self.data_root, tag.experiment, tag.date)

    @property
    def scans_dir(self) -> Path:
        """``{day}/scans``."""
        return self.day_dir / "scans"

    @property
    def scan_dir(self) -> Path:
        """``{day}/scans/Scan{NNN}`` (raw data, read-only)."""
        return self.scans_dir / f"Scan{self.tag.number:03d}"

    @property
    def analysis_dir(self) -> Path:
        """``{day}/analysis``: s-files and everything analysis writes."""
        return self.day_dir / "analysis"

    @property
    def scan_analysis_dir(self) -> Path:
        """``{day}/analysis/Scan{NNN}``."""
        return self.analysis_dir / f"Scan{self.tag.number:03d}"

    @property
    def sfile(self) -> Path:
        """``{day}/analysis/s{N}.txt``."""
        return self.analysis_dir / f"s{self.tag.number}.txt"

    @property
    def ini_file(self) -> Path:
        """``{scan}/ScanInfoScan{NNN}.ini``."""
        return self.scan_dir / f"ScanInfoScan{self.tag.number:03d}.ini"

    def device_dir(self, stem: str) -> Path:
        """The folder of one device output (``stem = device + directory_suffix``)."""
        return self.scan_dir / stem

    def output_dir(self, analyzer_id: str) -> Path:
        """Where an analyzer writes for this scan: ``analysis/Scan{NNN}/{analyzer_id}``.

        Raises
        ------
        ValueError
            When ``analyzer_id`` is not a plain folder name (it could escape
            ``analysis/`` and write into the DAQ's ``scans/``).
        """
        path_like = any(separator in analyzer_id for separator in ("/", "\\"))
        if not analyzer_id.strip() or path_like or analyzer_id in {".", ".."}:
            raise ValueError(
                f"analyzer id {analyzer_id!r} must be a plain folder name such as 'UC_TopView'"
            )
        return self.scan_analysis_dir / analyzer_id

    def require_day(self) -> Path:
        """The day folder, or a DataRootError that says what was looked for."""
        if not self.day_dir.is_dir():
            raise DataRootError(
                f"no day folder for {self.tag.experiment} {self.tag.date.isoformat()}: looked for "
                f"{self.day_dir}; {self._experiment_hint()}check the date and experiment, or "
                f"point at another data root (now {self.data_root})",
                DATA_ROOT_SETTING,
            )
        return self.day_dir

    def _experiment_hint(self) -> str:
        """``"no experiment folder 'x' (did you mean 'X'?; experiments there: ...); "``, or ""."""
        experiment = self.tag.experiment
        if (self.data_root / experiment).is_dir() or not self.data_root.is_dir():
            return ""
        present = sorted(
            folder.name
            for folder in self.data_root.iterdir()
            if folder.is_dir() and not folder.name.startswith(".")
        )
        hint = did_you_mean(experiment, present).strip(" ()")
        return (
            f"no experiment folder {experiment!r} in the data root ({hint + '; ' if hint else ''}"
            f"experiments there: {valid_choices(present)}); "
        )

    def require_scan(self) -> Path:
        """The scan folder, or a DataRootError listing the scans the day has."""
        self.require_day()
        if not self.scan_dir.is_dir():
            present = list_scans(self.day_dir)
            raise DataRootError(
                f"{self.tag}: no scan folder {self.scan_dir}; the day has scans "
                f"{', '.join(str(n) for n in present) or 'none'}"
            )
        return self.scan_dir

    def require_writable_output(self, analyzer_id: str | None = None) -> Path:
        """The day's ``analysis/`` folder, checked writable with what exists of the scan's outputs.

        Checks ``analysis/``, ``analysis/Scan{NNN}`` and, with ``analyzer_id``,
        ``analysis/Scan{NNN}/{analyzer_id}`` (those that exist), before any work.

        Raises
        ------
        ReadOnlyFolderError
            Naming the read-only folder and what to do.
        """
        folders = [self.analysis_dir, self.scan_analysis_dir]
        if analyzer_id is not None:
            folders.append(self.output_dir(analyzer_id))
        for folder in folders:
            if folder.is_dir() and is_read_only(folder):
                raise read_only_folder_error(
                    folder, what=f"the figures and s-file columns of {self.tag}"
                )
        return self.analysis_dir

    def __repr__(self) -> str:
        return f"ScanPaths({self.tag!s}, scan_dir={self.scan_dir})"
