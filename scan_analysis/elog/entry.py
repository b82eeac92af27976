"""What an e-log entry for one scan holds, built from the ini and the task outcomes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scan_analysis.data.scan_info import ScanInfo


@dataclass
class ElogFigure:
    """A display figure and where it goes in the 2x2 grid (slot 0-3, or None: after it)."""

    path: str
    analyzer: str
    slot: int | None = None


@dataclass
class ElogEntry:
    """One scan's entry in the day's log."""

    experiment: str
    date: str
    scan: int
    description: str = ""
    parameter: str | None = None
    start: float | None = None
    end: float | None = None
    step_size: float | None = None
    shots_per_step: int | None = None
    end_info: str = ""
    figures: list[ElogFigure] = field(default_factory=list)
    scalars: dict[str, dict[str, float]] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)
    link: str | None = None
    """The scan's page in the served apps (the scan browser), when an app URL is configured."""

    @classmethod
    def from_scan(
        cls, *, experiment: str, date: str, scan: int, info: ScanInfo | None
    ) -> ElogEntry:
        """An entry with the operator's description and the scan range from the ini."""
        if info is None:
            return cls(experiment=experiment, date=date, scan=scan)
        return cls(
            experiment=experiment,
            date=date,
            scan=scan,
            description=info.description,
            parameter=None if info.is_noscan_parameter else info.parameter,
            start=info.start,
            end=info.end,
            step_size=info.step_size,
            shots_per_step=info.shots_per_step,
            end_info=info.end_info,
        )

    def add_outcome(
        self,
        analyzer: str,
        state: str,
        *,
        message: str | None = None,
        display_files: list[str] | None = None,
        scalars: dict[str, float] | None = None,
        slot: int | None = None,
    ) -> None:
        """Add (or replace) one analyzer's result."""
        self.outcomes[analyzer] = f"{state}" + (f": {message}" if message else "")
        self.figures = [f for f in self.figures if f.analyzer != analyzer]
        for index, path in enumerate(display_files or []):
            self.figures.append(ElogFigure(str(path), analyzer, slot if index == 0 else None))
        if scalars:
            self.scalars[analyzer] = dict(scalars)

    def grid(self) -> tuple[list[ElogFigure | None], list[ElogFigure]]:
        """The four slots of the 2x2 grid and the figures without a slot."""
        slots: list[ElogFigure | None] = [None, None, None, None]
        rest = []
        for figure in self.figures:
            if figure.slot is not None and 0 <= figure.slot < 4 and slots[figure.slot] is None:
                slots[figure.slot] = figure
            else:
                rest.append(figure)
        return slots, rest

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for the sidecar JSON)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ElogEntry:
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        data["figures"] = [ElogFigure(**f) for f in data.get("figures", [])]
        return cls(**data)

    @property
    def title(self) -> str:
        """``Scan 012: jet scan ...``."""
        return f"Scan {self.scan:03d}" + (f": {self.description}" if self.description else "")

    def range_text(self) -> str:
        """``U_ESP_JetXYZ:Position.Axis 1 from 4 to 6 in steps of 0.2, 10 shots per step``."""
        shots = f"{self.shots_per_step} shots per step" if self.shots_per_step else ""
        if not self.parameter:
            return f"no scan, {shots}" if shots else "no scan"
        text = (
            f"{self.parameter} from {self.start:g} to {self.end:g}"
            if self.start is not None
            else self.parameter
        )
        if self.step_size:
            text += f" in steps of {self.step_size:g}"
        return text + (f", {shots}" if shots else "")

    def figure_paths(self) -> list[Path]:
        """Every figure path in the entry."""
        return [Path(f.path) for f in self.figures]
