"""What data a data root holds: experiments, days with scans, and a summary of each scan.

    list_experiments(root)                        # ['Undulator']
    list_days(root, "Undulator")                  # [datetime.date(2026, 5, 8)]
    summarize_day(day_dir)                        # [ScanSummary(number=1, ...), ...]
    list_figures(day_dir, 2)                      # PNGs under analysis/Scan002/
    device_folders(scan_dir, sfile.columns)       # [DeviceFolder('UC_TopView', ...), ...]

Everything here only reads; a scan whose ini or s-file cannot be read gets a
summary naming the problem instead of raising, so one bad scan never hides a
day. Used by the ScanBrowser and LiveWatch components; Jupyter-free.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scan_analysis.data.scan_info import ScanInfo, ScanKind
from scan_analysis.data.scan_paths import MONTH_ABBREVIATIONS, list_scans
from scan_analysis.data.sfile import read_sfile
from scan_analysis.errors import ScanAnalysisError
from scan_analysis.state_words import state_words
from scan_analysis.task_queue import TaskQueue

logger = logging.getLogger(__name__)

FIGURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg")
_YEAR = re.compile(r"^Y(\d{4})$")
_MONTH = re.compile(r"^(\d{2})-([A-Za-z]{3})$")
_DAY = re.compile(r"^(\d{2})_(\d{2})(\d{2})$")
_TIMESTAMP_SUFFIX = " acq_timestamp"


def _subfolders(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []


def list_days(data_root: str | os.PathLike, experiment: str) -> list[dt.date]:
    """The days of an experiment that have a day folder, oldest first.

    Folders follow ``{experiment}/Y{YYYY}/{MM}-{Mon}/{YY}_{MMDD}``; anything
    else (notes, stray folders, impossible dates) is ignored.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "Undulator/Y2026/05-May/26_0508").mkdir(parents=True)
    >>> (root / "Undulator/Y2026/05-May/notes").mkdir()
    >>> list_days(root, "Undulator")
    [datetime.date(2026, 5, 8)]
    """
    days: list[dt.date] = []
    for year_dir in _subfolders(Path(data_root) / experiment):
        year = _YEAR.match(year_dir.name)
        if not year:
            continue
        for month_dir in _subfolders(year_dir):
            month = _MONTH.match(month_dir.name)
            if not month:
                continue
            for day_dir in _subfolders(month_dir):
                day = _DAY.match(day_dir.name)
                if not day or day.group(2) != month.group(1):
                    continue
                try:
                    date = dt.date(int(year.group(1)), int(day.group(2)), int(day.group(3)))
                except ValueError:
                    continue
                if date.year % 100 == int(day.group(1)):
                    days.append(date)
    return sorted(days)


def list_experiments(data_root: str | os.PathLike) -> list[str]:
    """Folders of the data root that hold at least one ``Y{YYYY}`` year folder."""
    return [
        folder.name
        for folder in _subfolders(Path(data_root))
        if any(_YEAR.match(year.name) for year in _subfolders(folder))
    ]


def month_folder_name(date: dt.date) -> str:
    """``05-May`` for a day in May (the GEECS month folder)."""
    return f"{date.month:02d}-{MONTH_ABBREVIATIONS[date.month - 1]}"


@dataclass
class ScanSummary:
    """One line of a scan list: what the scan was and how far its analysis is.

    Attributes
    ----------
    number : int
        Scan number.
    description : str
        The operator's ``ScanStartInfo``.
    parameter : str or None
        The scan parameter (None for a no-scan).
    start, end : float or None
        Range of the parameter.
    kind : str or None
        ``noscan``, ``1D`` or ``optimization`` (None when the ini is unreadable).
    shots : int or None
        Rows of the s-file (None while the scan runs or when it is unreadable).
    complete : bool
        The s-file exists (the DAQ writes it when the scan ends).
    analysis : dict of str to str
        Analyzer → task state (``queued``, ``claimed``, ``done``, ``no_data``, ``failed``).
    problems : list of str
        What could not be read, each naming the file and the fix.
    """

    number: int
    description: str = ""
    parameter: str | None = None
    start: float | None = None
    end: float | None = None
    kind: str | None = None
    shots: int | None = None
    complete: bool = False
    analysis: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def parameter_range(self) -> str:
        """``"U_ESP_JetXYZ:Position.Axis 1 from 4 to 6"``, or ``"no scan"``."""
        if self.kind in (None, ScanKind.NOSCAN.value) or not self.parameter:
            return "no scan" if self.kind == ScanKind.NOSCAN.value else ""
        if self.kind == ScanKind.OPTIMIZATION.value:
            return f"optimization ({self.parameter})"
        if self.start is None or self.end is None:
            return self.parameter
        # "from ... to": a parameter's name may end in a number ("Axis 1"), as the e-log says it
        return f"{self.parameter} from {self.start:g} to {self.end:g}"

    def label(self) -> str:
        """One line for a scan list: number, description, parameter, shots, analysis."""
        parts = [f"Scan {self.number:03d}"]
        parts.append(self.description or "(no description)")
        if self.parameter_range:
            parts.append(self.parameter_range)
        if self.shots is not None:
            parts.append(f"{self.shots} shots")
        elif not self.complete:
            parts.append("running (no s-file yet)")
        if self.analysis:
            parts.append(
                ", ".join(f"{name} {state_words(state)}" for name, state in self.analysis.items())
            )
        if self.problems:
            parts.append("⚠ " + self.problems[0].split(":")[0])
        return " · ".join(parts)


def _task_states(day_dir: Path) -> dict[int, dict[str, str]]:
    analysis_dir = day_dir / "analysis"
    states: dict[int, dict[str, str]] = {}
    if not analysis_dir.is_dir():
        return states
    for status in TaskQueue(analysis_dir).snapshot():  # reads only
        states.setdefault(status.scan, {})[status.analyzer] = status.state.value
    return states


def summarize_scan(
    day_dir: str | os.PathLike, number: int, *, analysis: dict[str, str] | None = None
) -> ScanSummary:
    """Summarise one scan from its ini, its s-file and (given) task states; never raises."""
    day_dir = Path(day_dir)
    summary = ScanSummary(number=number, analysis=dict(analysis or {}))
    ini = day_dir / "scans" / f"Scan{number:03d}" / f"ScanInfoScan{number:03d}.ini"
    try:
        info = ScanInfo.from_file(ini)
    except ScanAnalysisError as error:
        summary.problems.append(str(error))
    else:
        summary.description = info.description
        summary.parameter = None if info.is_noscan_parameter else info.parameter
        summary.start, summary.end = info.start, info.end
        summary.kind = info.kind.value
    sfile = day_dir / "analysis" / f"s{number}.txt"
    summary.complete = sfile.is_file()
    if summary.complete:
        try:
            summary.shots = len(read_sfile(sfile))
        except ScanAnalysisError as error:
            summary.problems.append(str(error))
    return summary


def summarize_day(day_dir: str | os.PathLike) -> list[ScanSummary]:
    """A summary of every scan of a day, by scan number (empty for a day without scans)."""
    day_dir = Path(day_dir)
    states = _task_states(day_dir)
    return [summarize_scan(day_dir, n, analysis=states.get(n)) for n in list_scans(day_dir)]


def list_figures(day_dir: str | os.PathLike, number: int) -> list[Path]:
    """Figures analysis wrote for a scan (images under ``analysis/Scan{NNN}/``), sorted by path."""
    folder = Path(day_dir) / "analysis" / f"Scan{number:03d}"
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.rglob("*")
        if path.suffix.lower() in FIGURE_SUFFIXES
        and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


@dataclass(frozen=True)
class DeviceFolder:
    """A device's output folder in a scan: ``stem = device + directory_suffix``."""

    stem: str
    device: str
    directory_suffix: str = ""


def device_folders(scan_dir: str | os.PathLike, columns: Iterable[str] = ()) -> list[DeviceFolder]:
    """The device folders of a scan, with the device name split from the folder suffix.

    The device is the longest prefix of the folder name that has an
    ``"{device} acq_timestamp"`` s-file column (``UC_Spectrometer`` for
    ``UC_Spectrometer-interpSpec``); without one (legacy scans) the folder
    name is the device.

    Examples
    --------
    >>> import tempfile
    >>> scan = Path(tempfile.mkdtemp())
    >>> (scan / "UC_Spectrometer-interpSpec").mkdir()
    >>> [(f.device, f.directory_suffix) for f in device_folders(
    ...     scan, ["Shotnumber", "UC_Spectrometer acq_timestamp"])]
    [('UC_Spectrometer', '-interpSpec')]
    """
    devices = [c[: -len(_TIMESTAMP_SUFFIX)] for c in columns if c.endswith(_TIMESTAMP_SUFFIX)]
    found = []
    for folder in _subfolders(Path(scan_dir)):
        matches = [d for d in devices if folder.name.startswith(d)]
        device = max(matches, key=len) if matches else folder.name
        found.append(DeviceFolder(folder.name, device, folder.name[len(device) :]))
    return found
