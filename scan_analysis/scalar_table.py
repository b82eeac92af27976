"""The key scalars of one analysis of one scan, as the e-log shows them.

An analyzer that emits scalars describes the few that matter (its config's
``scan.elog_scalars``, else the ones it plots) in a :class:`ScalarTable`:
each scalar's label and unit, calibrated when a calibration exists, its scan
mean and, for a scan over a parameter, its mean in each bin. The table travels
with the outcome into the task status and from there into the e-log, which
shows it without knowing any scalar's name.

Numbers are shown as the figures show them (:func:`power_of_ten_label`, per
row): a row whose largest magnitude is 10^5 or more, or under 10^-3, names a
power of ten in its heading and shows plain numbers, never e-notation.
The table's values themselves stay at full precision.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from scan_analysis.render.style import power_of_ten_label

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

    def shown_heading(self) -> tuple[str, float]:
        """The heading as the e-log shows it, and the factor its values are shown with.

        The figures' rule (:func:`~scan_analysis.render.style.power_of_ten_label`)
        over the row's scan mean and bin means: ``image total (10⁵ counts)``, 1e-5.
        """
        return power_of_ten_label(self.heading, [self.mean, *self.bin_means])

    def per_bin_text(self) -> str:
        """The per-bin means as first value, sparkline, last value: ``1.43 ▁▂▄▆█ 1.96``.

        In the units of :meth:`shown_heading`.
        """
        finite = [v for v in self.bin_means if math.isfinite(v)]
        if not finite:
            return "no values"
        _, factor = self.shown_heading()
        first, last = _first_finite(self.bin_means), _first_finite(self.bin_means[::-1])
        spark = sparkline(self.bin_means)
        return f"{plain_number(first * factor)} {spark} {plain_number(last * factor)}"


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
        parameter, factor = self._shown_parameter()
        low, high = _first_finite(self.bin_values), _first_finite(self.bin_values[::-1])
        span = f"{plain_number(low * factor)} → {plain_number(high * factor)}"
        return f"per bin, {parameter} {span} ({len(self.bin_values)} bins)"

    def cells(self, row: KeyScalar) -> tuple[str, str]:
        """The (scalar, value) cells of a row as text: ``("image total (10⁵ counts)", "5.507")``."""
        heading, factor = row.shown_heading()
        value = row.per_bin_text() if self.per_bin else plain_number(row.mean * factor, 5)
        return heading, value

    def every_bin_text(self, row: KeyScalar) -> str:
        """Each bin's parameter value and the row's mean there: ``4: 1.43, 4.5: 1.6, ...``.

        In the units of :meth:`value_heading` and of the row's cells (the local
        e-log's hover title).
        """
        _, x_factor = self._shown_parameter()
        _, factor = row.shown_heading()
        return ", ".join(
            f"{plain_number(x * x_factor)}: {plain_number(v * factor)}"
            for x, v in zip(self.bin_values, row.bin_means, strict=False)
        )

    def _shown_parameter(self) -> tuple[str, float]:
        return power_of_ten_label(self.parameter or "bin", self.bin_values)

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


def plain_number(value: float, digits: int = 4) -> str:
    """A value to ``digits`` significant digits (all of its whole part), without e-notation.

    The e-log's tables show values already scaled by a power of ten
    (:meth:`KeyScalar.shown_heading`), so ``1e+05`` or ``3.009e+04`` would
    only hide the digits a physicist reads.

    Examples
    --------
    >>> plain_number(5.50712), plain_number(30094.3), plain_number(0.0001464), plain_number(2.0)
    ('5.507', '30094', '0.0001464', '2')
    >>> plain_number(12345.678, 5), plain_number(float("nan"))
    ('12346', 'nan')
    """
    if not math.isfinite(value):
        return str(value)
    whole_digits = math.floor(math.log10(abs(value))) + 1 if value else 1
    return np.format_float_positional(
        value, precision=max(digits, whole_digits), unique=False, fractional=False, trim="-"
    )


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def _first_finite(values: Sequence[float]) -> float:
    return next((v for v in values if math.isfinite(v)), math.nan)
