"""The DAQ's ``ScanInfoScan{NNN}.ini``: what was scanned, how, and what kind of scan it is."""

from __future__ import annotations

import enum
import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scan_analysis.data.scan_tag import parse_scan_number
from scan_analysis.errors import ScanInfoError

if TYPE_CHECKING:
    from scan_analysis.data.scan_paths import ScanPaths

logger = logging.getLogger(__name__)

SECTION = "Scan Info"
_NOSCAN_PARAMETERS = {"noscan", "shotnumber"}
_LINE = re.compile(r"^\s*([^=]+?)\s*=\s*(.*?)\s*$")


class ScanKind(enum.Enum):
    """What kind of scan: how its shots are grouped for analysis.

    Also what the DAQ writes as ``ScanMode`` (absent on old scans):
    :attr:`ScanInfo.scan_mode` is that value, :attr:`ScanInfo.kind` the kind
    decided from it and the parameter.
    """

    NOSCAN = "noscan"
    ONE_D = "1D"
    OPTIMIZATION = "optimization"

    @classmethod
    def parse(cls, text: str | None) -> ScanKind | None:
        """Read a ``ScanMode`` value (any case); unknown values are logged and give None.

        ``standard`` (the GEECS scanner's name for a 1-D scan) reads as ``1D``.

        Examples
        --------
        >>> ScanKind.parse("Optimization"), ScanKind.parse("standard"), ScanKind.parse(None)
        (<ScanKind.OPTIMIZATION: 'optimization'>, <ScanKind.ONE_D: '1D'>, None)
        """
        if text is None or not text.strip():
            return None
        cleaned = text.strip().lower()
        if cleaned in _MODE_ALIASES:
            return _MODE_ALIASES[cleaned]
        for kind in cls:
            if kind.value.lower() == cleaned:
                return kind
        logger.warning("unknown ScanMode %r; deciding the scan kind from the parameter", text)
        return None


_MODE_ALIASES = {"standard": ScanKind.ONE_D, "1d scan": ScanKind.ONE_D, "no scan": ScanKind.NOSCAN}


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value.strip()


#: (file, key, value) already warned about: each is said once per process, not once per analyzer
_REPORTED_VALUES: set[tuple[str, str, str]] = set()


def _to_float(value: str | None, key: str = "", path: Path | None = None) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        reported = (str(path), key, value)
        if reported not in _REPORTED_VALUES:
            _REPORTED_VALUES.add(reported)
            logger.warning(
                "%s: '%s' = %r is not a number; treating it as missing",
                path or "scan info",
                key,
                value,
            )
        return None
    return number if math.isfinite(number) else None


def _to_int(value: str | None, key: str = "", path: Path | None = None) -> int | None:
    number = _to_float(value, key, path)
    return int(number) if number is not None and number.is_integer() else None


def _scan_number(value: str | None, path: Path | None) -> int | None:
    """``Scan No`` as the DAQ writes it: ``42`` or ``Scan042`` (both are fine)."""
    try:
        return parse_scan_number(value) if value and value.strip() else None
    except ValueError:
        return _to_int(value, "Scan No", path)


def parse_ini_text(text: str) -> dict[str, str]:
    """The key/value pairs of the ``[Scan Info]`` section.

    Lenient on purpose, since DAQ files are not strict ini: a BOM, ``%``
    characters, comment lines and duplicate keys (the later one wins) are all
    fine; values lose their surrounding double quotes. Lines before any
    section header count as ``[Scan Info]``.
    """
    values: dict[str, str] = {}
    in_section = None
    for raw_line in text.lstrip("\ufeff").splitlines():
        line = raw_line.strip()
        if not line or line.startswith((";", "#")):
            continue
        if line.startswith("[") and line.endswith("]"):
            in_section = line[1:-1].strip().lower() == SECTION.lower()
            continue
        if in_section is False:
            continue
        match = _LINE.match(line)
        if match:
            values[match.group(1).strip()] = _unquote(match.group(2))
    return values


@dataclass(frozen=True)
class ScanInfo:
    """What the DAQ recorded about a scan in its ini file.

    Build with :meth:`from_file` or :meth:`for_scan`. Missing keys are None
    (empty text for the two descriptions).

    Attributes
    ----------
    scan_number : int or None
        ``Scan No``.
    description : str
        ``ScanStartInfo``, the operator's description.
    parameter : str or None
        ``Scan Parameter`` as written (``"U_ESP_JetXYZ:Position.Axis 1"``).
    start, end, step_size : float or None
        ``Start``, ``End``, ``Step size``.
    shots_per_step : int or None
        ``Shots per step``.
    end_info : str
        ``ScanEndInfo``.
    background : bool
        ``Background`` is true.
    scan_mode : ScanKind or None
        ``ScanMode``; None on old scans that lack it.
    raw : dict
        Every key/value of ``[Scan Info]``, unquoted.
    """

    path: Path | None
    scan_number: int | None = None
    description: str = ""
    parameter: str | None = None
    start: float | None = None
    end: float | None = None
    step_size: float | None = None
    shots_per_step: int | None = None
    end_info: str = ""
    background: bool = False
    scan_mode: ScanKind | None = None
    raw: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_text(cls, text: str, path: Path | None = None) -> ScanInfo:
        """Parse the contents of an ini file."""
        raw = parse_ini_text(text)
        by_key = {key.lower(): value for key, value in raw.items()}

        def get(key: str) -> str | None:
            return by_key.get(key.lower())

        if not raw:
            where = path or "the text"
            raise ScanInfoError(
                f"{where} has no [Scan Info] values; "
                "is it a ScanInfoScanNNN.ini written by the DAQ?"
            )
        return cls(
            path=path,
            scan_number=_scan_number(get("Scan No"), path),
            description=get("ScanStartInfo") or "",
            parameter=get("Scan Parameter") or None,
            start=_to_float(get("Start"), "Start", path),
            end=_to_float(get("End"), "End", path),
            step_size=_to_float(get("Step size"), "Step size", path),
            shots_per_step=_to_int(get("Shots per step"), "Shots per step", path),
            end_info=get("ScanEndInfo") or "",
            background=(get("Background") or "").strip().lower() in {"true", "1", "yes"},
            scan_mode=ScanKind.parse(get("ScanMode")),
            raw=raw,
        )

    @classmethod
    def from_file(cls, path: str | Path) -> ScanInfo:
        """Read a ``ScanInfoScan{NNN}.ini``.

        Raises
        ------
        ScanInfoError
            When the file is missing or has no ``[Scan Info]`` values.
        """
        path = Path(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ScanInfoError(
                f"scan info file {path} does not exist; the DAQ writes it into the scan folder "
                "when the scan starts: check the scan number"
            ) from None
        except OSError as error:
            raise ScanInfoError(
                f"cannot read scan info file {path}: {error}; check the share and its permissions"
            ) from error
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # older LabVIEW writers on Windows
            text = raw.decode("cp1252", errors="replace")
        return cls.from_text(text, path=path)

    @classmethod
    def for_scan(cls, paths: ScanPaths) -> ScanInfo:
        """Read the ini of the scan that ``paths`` (a :class:`ScanPaths`) points at."""
        return cls.from_file(paths.ini_file)

    @property
    def is_noscan_parameter(self) -> bool:
        """True when the parameter is ``noscan`` or ``Shotnumber`` (any case) or absent."""
        return self.parameter is None or self.parameter.strip().lower() in _NOSCAN_PARAMETERS

    @property
    def kind(self) -> ScanKind:
        """No-scan, 1-D or optimization, by the rules of docs/DATA_FORMAT.md.

        ``optimization`` mode is an optimization scan whatever the parameter;
        otherwise a ``noscan``/``Shotnumber`` (or absent) parameter, or
        ``noscan`` mode, is a no-scan; anything else is a 1-D scan.
        """
        if self.scan_mode is ScanKind.OPTIMIZATION:
            return ScanKind.OPTIMIZATION
        if self.scan_mode is ScanKind.NOSCAN or self.is_noscan_parameter:
            return ScanKind.NOSCAN
        return ScanKind.ONE_D

    @property
    def expected_steps(self) -> int | None:
        """How many parameter steps (bins) a 1-D scan was set to take, from its range.

        ``|End - Start| / |Step size| + 1``; None for other kinds of scan, or
        when the range is missing or has no step.

        Examples
        --------
        >>> ScanInfo(None, parameter="J:X", start=4, end=6, step_size=0.2222,
        ...          scan_mode=ScanKind.ONE_D).expected_steps
        10
        """
        if self.kind is not ScanKind.ONE_D or None in (self.start, self.end, self.step_size):
            return None
        if not self.step_size:
            return None
        steps = abs(self.end - self.start) / abs(self.step_size)  # type: ignore[operator]
        return int(round(steps)) + 1

    def parameter_column(self, columns: Iterable[str]) -> str | None:
        """The s-file column holding the scan parameter (see :func:`find_parameter_column`)."""
        if self.parameter is None or self.is_noscan_parameter:
            return None
        return find_parameter_column(columns, self.parameter)


def find_parameter_column(columns: Iterable[str], parameter: str) -> str | None:
    """Find the s-file column of an ini scan parameter.

    The column name is the parameter with its (first) colon turned into a
    space, optionally followed by `` Alias:...``. An exact match wins over an
    alias-suffixed one.

    Examples
    --------
    >>> cols = ["Shotnumber", "U_ESP_JetXYZ Position.Axis 10",
    ...         "U_ESP_JetXYZ Position.Axis 1 Alias:JetX"]
    >>> find_parameter_column(cols, "U_ESP_JetXYZ:Position.Axis 1")
    'U_ESP_JetXYZ Position.Axis 1 Alias:JetX'
    """
    wanted = parameter.strip().replace(":", " ", 1)
    candidates = list(columns)
    candidates = [column for column in candidates if isinstance(column, str)]
    for column in candidates:
        if column.strip() == wanted:
            return column
    for column in candidates:
        stripped = column.strip()
        if stripped.startswith(wanted + " ") and stripped[len(wanted) + 1 :].startswith("Alias:"):
            return column
    lowered = wanted.lower()
    for column in candidates:
        if column.strip().lower() == lowered:
            return column
    return None
