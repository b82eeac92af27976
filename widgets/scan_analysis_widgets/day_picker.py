"""Experiment and day pickers that offer what the data root holds, newest day first.

picker = DayPicker()
picker.load(data_root)
problems = picker.select("Undulator", "2026-05-08")   # [] when both exist
picker.observe(on_day, names=["experiment", "date"])
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

import ipywidgets
import traitlets

from scan_analysis.data.lab_config import read_lab_config
from scan_analysis.data.scan_tag import parse_date
from scan_analysis.scan_catalog import list_days, list_experiments

logger = logging.getLogger(__name__)


class DayPicker(ipywidgets.HBox):
    """An experiment dropdown (``sa-experiment``) and a day picker (``sa-date``).

    Parameters
    ----------
    free_date : bool
        Let the user type any day (a live watch may start before the day's
        first scan); the days that have data are still offered. Otherwise
        only days with data can be chosen.

    Attributes
    ----------
    experiment : str
        The chosen experiment ("" when none).
    date : str
        The chosen day as ``YYYY-MM-DD`` ("" when none or not a date).
    data_root : Path or None
        Where experiments are listed from.
    """

    experiment = traitlets.Unicode("")
    date = traitlets.Unicode("")

    def __init__(self, *, free_date: bool = False, **kwargs) -> None:
        self.free_date = free_date
        self.data_root: Path | None = None
        self.experiment_box = ipywidgets.Dropdown(
            description="Experiment", options=[], layout={"width": "280px"}
        )
        self.experiment_box.add_class("sa-experiment")
        if free_date:
            self.date_box = ipywidgets.Combobox(
                description="Day",
                placeholder="YYYY-MM-DD",
                options=[],
                ensure_option=False,
                layout={"width": "240px"},
            )
        else:
            self.date_box = ipywidgets.Dropdown(
                description="Day", options=[], layout={"width": "240px"}
            )
        self.date_box.add_class("sa-date")
        self.day_count = ipywidgets.HTML(layout={"margin": "0 0 0 8px"})
        super().__init__([self.experiment_box, self.date_box, self.day_count], **kwargs)
        self.experiment_box.observe(self._experiment_chosen, names="value")
        self.date_box.observe(self._date_chosen, names="value")

    # --- loading -----------------------------------------------------------------------------
    def load(self, data_root: str | os.PathLike) -> None:
        """List the experiments of a data root (the lab config's default one first chosen)."""
        self.data_root = Path(data_root)
        experiments = list_experiments(self.data_root)
        self.experiment_box.options = experiments
        default = read_lab_config().experiment
        if experiments:
            self.experiment_box.value = default if default in experiments else experiments[0]

    def _experiment_chosen(self, change) -> None:
        self.experiment = change.new or ""
        days = (
            list_days(self.data_root, self.experiment) if self.data_root and self.experiment else []
        )
        newest_first = [day.isoformat() for day in reversed(days)]
        counted = f"{len(days)} day" if len(days) == 1 else f"{len(days)} days"
        self.day_count.value = (
            f"<span style='color:#555'>{counted} with data</span>" if days else ""
        )
        if self.free_date:
            self.date_box.options = newest_first
            if not self.date_box.value:
                self.date_box.value = dt.date.today().isoformat()
        else:
            previous = self.date_box.value
            self.date_box.options = newest_first
            if previous in newest_first:
                self.date_box.value = previous
            elif newest_first:
                self.date_box.value = newest_first[0]
        self._date_chosen(None)

    def _date_chosen(self, _change) -> None:
        text = (self.date_box.value or "").strip()
        try:
            self.date = parse_date(text).isoformat() if text else ""
        except ValueError:
            self.date = ""

    # --- choosing ----------------------------------------------------------------------------
    def select(self, experiment: str | None = None, date: str | dt.date | None = None) -> list[str]:
        """Choose an experiment and a day (strings as a URL gives them); returns problems.

        Each problem says what was asked for and what exists, so the component
        can show it; nothing is raised.
        """
        problems: list[str] = []
        if experiment:
            if experiment in self.experiment_box.options:
                self.experiment_box.value = experiment
            else:
                found = ", ".join(self.experiment_box.options) or "none"
                problems.append(
                    f"no experiment {experiment!r} under {self.data_root} (experiments: {found})"
                )
        if date:
            try:
                wanted = parse_date(date).isoformat()
            except ValueError as error:
                problems.append(str(error))
            else:
                if self.free_date or wanted in self.date_box.options:
                    self.date_box.value = wanted
                else:
                    newest = ", ".join(self.date_box.options[:5]) or "none"
                    problems.append(
                        f"{self.experiment or 'the experiment'} has no data on {wanted}; "
                        f"days with data (newest first): {newest}"
                    )
        return problems

    @property
    def day(self) -> dt.date | None:
        """The chosen day, or None."""
        return parse_date(self.date) if self.date else None
