"""ScanTag: which scan of which day of which experiment."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_SCAN_NUMBER_PATTERN = re.compile(r"^\s*(?:scan)?\s*0*(\d+)\s*$", re.IGNORECASE)
_DATE_PATTERNS = ("%Y-%m-%d", "%Y_%m_%d", "%Y%m%d", "%y_%m%d")


def parse_date(text: str | dt.date) -> dt.date:
    """Parse a day as typed by a user.

    Parameters
    ----------
    text : str or datetime.date
        ``"2026-05-08"`` (preferred), ``"2026_05_08"``, ``"20260508"`` or the
        day-folder form ``"26_0508"``.

    Returns
    -------
    datetime.date

    Examples
    --------
    >>> parse_date("2026-05-08")
    datetime.date(2026, 5, 8)
    >>> parse_date("26_0508")
    datetime.date(2026, 5, 8)
    """
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    cleaned = str(text).strip()
    for pattern in _DATE_PATTERNS:
        try:
            return dt.datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    raise ValueError(
        f"cannot read {text!r} as a date: write it as YYYY-MM-DD, for example 2026-05-08"
    )


def parse_scan_number(text: str | int) -> int:
    """Parse a scan number from ``"Scan042"``, ``"42"`` or ``42``.

    Examples
    --------
    >>> parse_scan_number("Scan042")
    42
    """
    if isinstance(text, bool):
        raise ValueError(f"{text!r} is not a scan number")
    if isinstance(text, int):
        number = text
    else:
        match = _SCAN_NUMBER_PATTERN.match(str(text))
        if not match:
            raise ValueError(f"cannot read {text!r} as a scan number: write it as 42 or Scan042")
        number = int(match.group(1))
    if number < 1:
        raise ValueError(f"scan numbers start at 1, got {number}")
    return number


def parse_experiment(text: str) -> str:
    """An experiment name as typed: a folder name such as ``Undulator`` (stripped).

    Examples
    --------
    >>> parse_experiment(" Undulator ")
    'Undulator'
    """
    value = str(text).strip()
    if not value:
        raise ValueError("experiment must not be empty: give the experiment name, e.g. Undulator")
    if any(sep in value for sep in ("/", "\\")):
        raise ValueError(f"experiment {value!r} must be a folder name, not a path")
    return value


class ScanTag(BaseModel):
    """Identifies one scan: experiment, day and scan number.

    Parameters
    ----------
    year, month, day : int
        The day of the scan; must be a real calendar date.
    number : int
        Scan number, 1 or more; ``0`` names the whole day (the live runner's
        ``date_tag``, as the original's ``geecs_data_utils.ScanTag`` does).
    experiment : str
        Experiment name as in the data root (``"Undulator"``).

    Examples
    --------
    >>> tag = ScanTag(year=2026, month=5, day=8, number=42, experiment="Undulator")
    >>> str(tag)
    'Undulator 2026-05-08 Scan042'
    >>> ScanTag.from_date("2026-05-08", number="Scan042", experiment="Undulator") == tag
    True
    """

    model_config = ConfigDict(frozen=True)

    year: int = Field(description="four-digit year of the scan day")
    month: int = Field(description="month of the scan day, 1-12")
    day: int = Field(description="day of the month")
    number: int = Field(description="scan number, 1 or more (0: the whole day)")
    experiment: str = Field(description="experiment name, e.g. Undulator")

    @field_validator("number", mode="before")
    @classmethod
    def _number(cls, value: object) -> int:
        if value == 0 and not isinstance(value, bool):
            return 0  # the whole day
        return parse_scan_number(value)  # type: ignore[arg-type]

    @field_validator("experiment")
    @classmethod
    def _experiment(cls, value: str) -> str:
        return parse_experiment(value)

    @model_validator(mode="after")
    def _real_date(self) -> ScanTag:
        if not 1900 <= self.year <= 2999:
            raise ValueError(f"year {self.year} is not a four-digit year such as 2026")
        try:
            dt.date(self.year, self.month, self.day)
        except ValueError as error:
            raise ValueError(
                f"{self.year:04d}-{self.month:02d}-{self.day:02d} is not a real date ({error})"
            ) from None
        return self

    @classmethod
    def from_date(cls, date: str | dt.date, *, number: int | str, experiment: str) -> ScanTag:
        """Build a tag from a date (``"2026-05-08"`` or a ``date``) and a scan number."""
        day = parse_date(date)
        return cls(
            year=day.year, month=day.month, day=day.day, number=number, experiment=experiment
        )

    @property
    def date(self) -> dt.date:
        """The scan day as a ``datetime.date``."""
        return dt.date(self.year, self.month, self.day)

    def with_number(self, number: int | str) -> ScanTag:
        """The tag of another scan on the same day."""
        return type(self)(
            year=self.year,
            month=self.month,
            day=self.day,
            number=number,
            experiment=self.experiment,
        )

    @property
    def is_whole_day(self) -> bool:
        """True for ``number=0``: the tag names a day, not a scan."""
        return self.number == 0

    @classmethod
    def coerce(cls, tag: object, *, whole_day: bool = False) -> ScanTag:
        """This project's tag from any ScanTag-like object.

        Anything with ``year, month, day, number, experiment`` attributes works,
        the original's ``geecs_data_utils.ScanTag`` included (it is not
        imported). ``number=0`` (the whole day) is refused unless ``whole_day``.

        Raises
        ------
        TypeError
            ``tag`` lacks one of the attributes.
        ValueError
            A value is not valid (named), or ``number=0`` where a scan is needed.

        Examples
        --------
        >>> from types import SimpleNamespace
        >>> like = SimpleNamespace(year=2026, month=5, day=8, number=2, experiment="Undulator")
        >>> str(ScanTag.coerce(like))
        'Undulator 2026-05-08 Scan002'
        """
        if isinstance(tag, ScanTag):
            coerced = tag
        else:
            fields = ("year", "month", "day", "number", "experiment")
            missing = [name for name in fields if not hasattr(tag, name)]
            if missing:
                raise TypeError(
                    f"{tag!r} is not a scan tag: it has no {', '.join(missing)}; pass "
                    "ScanTag(year=..., month=..., day=..., number=..., experiment=...)"
                )
            coerced = cls(**{name: getattr(tag, name) for name in fields})
        if coerced.is_whole_day and not whole_day:
            raise ValueError(
                f"{coerced} names a whole day (number=0); give the scan's number, e.g. "
                "tag.with_number(2) or ScanTag(..., number=2, ...)"
            )
        return coerced

    def __str__(self) -> str:
        if self.is_whole_day:
            return f"{self.experiment} {self.date.isoformat()} (whole day)"
        return f"{self.experiment} {self.date.isoformat()} Scan{self.number:03d}"
