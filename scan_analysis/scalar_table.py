"""The key scalars of one analysis of one scan, as the e-log shows them.

An analyzer that emits scalars describes the few that matter (its config's
``scan.elog_scalars``, else the ones it plots) in a :class:`ScalarTable`:
each scalar's label and unit, calibrated when a calibration exists, its scan
mean and, for a scan over a parameter, its mean in each bin. The table travels
with the outcome into the task status and from there into the e-log, which
shows it without knowing any scalar's name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

SPARK_LEVELS = "▁▂▃▄▅▆▇█"


@dataclass
class KeyScalar:
    """One key scalar: its name as emitted, how to show it, its scan and per-bin means.

    Values are in ``unit`` (already scaled, e.g. metres shown as mm).
    """

    name: str
    label: str
    unit: str = ""
    mean: float = math.nan
    bin_means: list[float] = field(default_factory=list)

    @property
    def heading(self) -> str:
        """``centroid x (mm)``, or the label alone without a unit."""
        return f"{self.label} ({self.unit})" if self.unit else self.label

    def per_bin_text(self) -> str:
        """The per-bin means as first value, sparkline, last value: ``1.43 ▁▂▄▆█ 1.96``."""
        finite = [v for v in self.bin_means if math.isfinite(v)]
        if not finite:
            return "no values"
        first, last = _first_finite(self.bin_means), _first_finite(self.bin_means[::-1])
        return f"{first:.4g} {sparkline(self.bin_means)} {last:.4g}"


@dataclass
class ScalarTable:
    """The key scalars of an analysis; ``parameter`` and ``bin_values`` for a scan over bins.

    ``parameter`` names the bins' axis (``"JetX (mm)"``, ``"bin"``); None for a
    no-scan, whose table has scan means only.
    """

    rows: list[KeyScalar] = field(default_factory=list)
    parameter: str | None = None
    bin_values: list[float] = field(default_factory=list)

    @property
    def per_bin(self) -> bool:
        """Whether the table shows per-bin means (a scan over a parameter or bins)."""
        return self.parameter is not None and len(self.bin_values) > 1

    def value_heading(self) -> str:
        """What the value column holds: ``per bin, JetX (mm) 4 → 6`` or ``scan mean``."""
        if not self.per_bin:
            return "scan mean"
        low, high = _first_finite(self.bin_values), _first_finite(self.bin_values[::-1])
        return f"per bin, {self.parameter} {low:.4g} → {high:.4g} ({len(self.bin_values)} bins)"

    def cells(self, row: KeyScalar) -> tuple[str, str]:
        """The (scalar, value) cells of a row as text."""
        value = row.per_bin_text() if self.per_bin else f"{row.mean:.5g}"
        return row.heading, value

    @classmethod
    def from_means(cls, means: dict[str, float]) -> ScalarTable:
        """A table of raw scan means (what an analyzer that describes nothing reports)."""
        return cls([KeyScalar(name, name, "", float(value)) for name, value in means.items()])

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON: NaN may come back as None)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ScalarTable | None:
        """Inverse of :meth:`to_dict` (None in, None out; JSON nulls read as NaN)."""
        if not data:
            return None
        rows = [
            KeyScalar(
                name=str(row["name"]),
                label=str(row.get("label", row["name"])),
                unit=str(row.get("unit") or ""),
                mean=_number(row.get("mean")),
                bin_means=[_number(v) for v in row.get("bin_means") or []],
            )
            for row in data.get("rows") or []
        ]
        return cls(
            rows=rows,
            parameter=data.get("parameter"),
            bin_values=[_number(v) for v in data.get("bin_values") or []],
        )


def sparkline(values: Sequence[float]) -> str:
    """Values as a line of block characters, low to high; a gap for a missing value.

    Examples
    --------
    >>> sparkline([1.0, 2.0, 3.0, float("nan"), 8.0])
    '▁▂▃ █'
    >>> sparkline([5.0, 5.0])
    '▄▄'
    """
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    span = high - low
    top = len(SPARK_LEVELS) - 1
    return "".join(
        " "
        if not math.isfinite(v)
        else SPARK_LEVELS[round((v - low) / span * top) if span else top // 2]
        for v in values
    )


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def _first_finite(values: Sequence[float]) -> float:
    return next((v for v in values if math.isfinite(v)), math.nan)
