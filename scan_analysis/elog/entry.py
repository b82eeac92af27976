"""What an e-log entry for one scan holds, built from the ini and the task outcomes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scan_analysis.data.scan_info import ScanInfo, ScanKind
from scan_analysis.image.saturation import SATURATION_CONSEQUENCE, saturation_note
from scan_analysis.scalar_table import ScalarTable
from scan_analysis.state_words import state_words


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
    saturation: dict[str, str] = field(default_factory=dict)
    """Analyzers whose camera saturated in this scan: ``{analyzer: "saturated pixels in ..."}``."""
    kind: str | None = None
    """The scan's kind (``noscan``, ``1D``, ``optimization``; :class:`ScanKind` values)."""
    scalar_tables: dict[str, dict] = field(default_factory=dict)
    """Each analyzer's key scalars (``ScalarTable.to_dict()``), when it described them."""

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
            kind=info.kind.value,
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
        scalar_table: dict | None = None,
    ) -> None:
        """Add (or replace) one analyzer's result.

        ``scalar_table`` (a ``ScalarTable.to_dict()``) is what the entry lists
        of the analyzer's scalars; without one, its raw ``scalars`` are listed.

        A saturation clause in ``message`` (``saturated pixels in 4 of 50 shots
        (...)``, as the camera analyzers write it) becomes the analyzer's line
        in :attr:`saturation`, which the backends show apart, in red.
        """
        self.outcomes[analyzer] = f"{state}" + (f": {message}" if message else "")
        note = saturation_note(message)
        if note:
            self.saturation[analyzer] = note
        else:
            self.saturation.pop(analyzer, None)
        self.figures = [f for f in self.figures if f.analyzer != analyzer]
        for index, path in enumerate(display_files or []):
            self.figures.append(ElogFigure(str(path), analyzer, slot if index == 0 else None))
        self.scalars.pop(analyzer, None)
        self.scalar_tables.pop(analyzer, None)
        if scalars:
            self.scalars[analyzer] = dict(scalars)
        if scalar_table:
            self.scalar_tables[analyzer] = dict(scalar_table)

    def key_scalars(self) -> dict[str, ScalarTable]:
        """Each analyzer's key-scalar table: its own description, else its raw scan means.

        Analyzers with nothing to list are left out.
        """
        tables = {}
        for analyzer in sorted({*self.scalars, *self.scalar_tables}):
            table = ScalarTable.from_dict(self.scalar_tables.get(analyzer))
            if table is None:
                table = ScalarTable.from_means(self.scalars.get(analyzer, {}))
            if table.rows:
                tables[analyzer] = table
        return tables

    def outcome_words(self) -> dict[str, str]:
        """Each analyzer's outcome as the log shows it: the state in words, then the message.

        :attr:`outcomes` keeps the state's name (``no_data``, as the task files
        spell it); people read ``no data`` (:func:`~scan_analysis.state_words.state_words`).

        Examples
        --------
        >>> entry = ElogEntry(experiment="Undulator", date="2026-05-08", scan=6)
        >>> entry.add_outcome("UC_TopView", "no_data", message="no UC_TopView data")
        >>> entry.add_outcome("UC_Spectrometer", "done")
        >>> entry.outcome_words()
        {'UC_TopView': 'no data: no UC_TopView data', 'UC_Spectrometer': 'done'}
        """
        words = {}
        for analyzer, outcome in self.outcomes.items():
            state, separator, message = outcome.partition(":")
            words[analyzer] = state_words(state) + separator + message
        return words

    def no_data(self) -> list[str]:
        """The analyzers that found no data in this scan (said once, not as empty figures)."""
        return sorted(a for a, outcome in self.outcomes.items() if outcome.startswith("no_data"))

    def saturation_lines(self) -> list[str]:
        """One line per analyzer that saw saturated pixels, for the entry's text.

        Examples
        --------
        >>> entry = ElogEntry(experiment="Undulator", date="2026-05-08", scan=2)
        >>> entry.add_outcome("UC_TopView", "done", message="saturated pixels in 3 of 20 shots")
        >>> print(*entry.saturation_lines())  # doctest: +NORMALIZE_WHITESPACE
        UC_TopView: saturated pixels in 3 of 20 shots: peaks, sizes and charges of those
        shots are unreliable
        """
        return [
            f"{analyzer}: {note}: {SATURATION_CONSEQUENCE}"
            for analyzer, note in sorted(self.saturation.items())
        ]

    def grid(self) -> tuple[list[ElogFigure | None], list[ElogFigure]]:
        """The four slots of the 2x2 grid and the figures without a slot.

        Backends place the slotted figures in slot order and close the gaps
        of empty slots (:meth:`grid_figures`).
        """
        slots: list[ElogFigure | None] = [None, None, None, None]
        rest = []
        for figure in self.figures:
            if figure.slot is not None and 0 <= figure.slot < 4 and slots[figure.slot] is None:
                slots[figure.slot] = figure
            else:
                rest.append(figure)
        return slots, rest

    def grid_figures(self) -> list[ElogFigure]:
        """The slotted figures in slot order, empty slots left out (the grid closes its gaps)."""
        return [figure for figure in self.grid()[0] if figure is not None]

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
        """What kind of scan it was and over what.

        ``U_ESP_JetXYZ:Position.Axis 1 from 4 to 6 in steps of 0.2, 10 shots per
        step``; ``no scan, 20 shots``; ``optimization scan, binned by Bin #, 5
        shots per step``.
        """
        shots = f"{self.shots_per_step} shots per step" if self.shots_per_step else ""
        if self.kind == ScanKind.OPTIMIZATION.value:
            text = "optimization scan" + (f" of {self.parameter}" if self.parameter else "")
            text += ", binned by Bin #"
            return text + (f", {shots}" if shots else "")
        if self.kind == ScanKind.NOSCAN.value or not self.parameter:
            count = f"{self.shots_per_step} shots" if self.shots_per_step else ""
            return f"no scan, {count}" if count else "no scan"
        text = (
            f"{self.parameter} from {self.start:.4g} to {self.end:.4g}"
            if self.start is not None and self.end is not None
            else self.parameter
        )
        if self.step_size:
            text += f" in steps of {self.step_size:.4g}"
        return text + (f", {shots}" if shots else "")

    def figure_paths(self) -> list[Path]:
        """Every figure path in the entry."""
        return [Path(f.path) for f in self.figures]
