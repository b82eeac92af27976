"""ScanBrowser: pick a day and a scan, see what it holds and what analysis made of it.

    from scan_analysis_widgets import ScanBrowser
    browser = ScanBrowser(experiment="Undulator", date="2026-05-08", scan="2")
    browser                       # in a cell: pickers, scan list, table, plot, shots, figures
    browser.show_scan(3)          # or click in the scan list

Every value may come as text from a URL (``?experiment=&date=&scan=``). A
problem (no data root, a day without scans, a corrupt s-file) is shown as a
message in the browser, and the rest of what can be shown still is.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os

import ipywidgets
import pandas as pd
import traitlets

from scan_analysis.config import ConfigTree, DiagnosticAnalysisConfig
from scan_analysis.config.parameter_units import resolve_parameter_unit
from scan_analysis.data.scan_info import ScanInfo
from scan_analysis.data.scan_paths import ScanPaths, day_dir_for, resolve_data_root
from scan_analysis.data.scan_tag import ScanTag, parse_scan_number
from scan_analysis.data.sfile import read_sfile
from scan_analysis.errors import ScanAnalysisError
from scan_analysis.render.style import position_unit
from scan_analysis.scan_catalog import ScanSummary, list_figures, summarize_day
from scan_analysis.state_words import state_words
from scan_analysis_widgets.analysis_run import RunAnalysisPanel
from scan_analysis_widgets.column_plot import ColumnPlot
from scan_analysis_widgets.day_picker import DayPicker
from scan_analysis_widgets.figure_gallery import FigureGallery
from scan_analysis_widgets.message_area import MessageArea, describe_error
from scan_analysis_widgets.sfile_table import SFileTable
from scan_analysis_widgets.shot_viewer import ShotViewer
from scan_analysis_widgets.status_grid import STATE_COLOURS, display_state

logger = logging.getLogger(__name__)


def _heading(text: str) -> ipywidgets.HTML:
    return ipywidgets.HTML(f"<h4 style='margin:10px 0 4px 0'>{html.escape(text)}</h4>")


class ScanBrowser(ipywidgets.VBox):
    """Browse the scans of a data root.

    Parameters
    ----------
    data_root : path, optional
        Default: ``$SCAN_ANALYSIS_DATA_ROOT``, then the lab config.ini.
    experiment : str, optional
        Default: the lab config's experiment, else the first one found.
    date : str or date, optional
        ``"2026-05-08"`` (other spellings too); default the newest day with data.
    scan : int or str, optional
        ``2``, ``"2"`` or ``"Scan002"``; default the day's latest scan.
    config_dir : path, optional
        Analyzer and group configs (viewer, "run"); default resolution order.
    executor : str, optional
        Where "run" does per-shot work (``processes``, ``threads``, ``serial``).

    Attributes
    ----------
    experiment, date : str
        What is chosen (``date`` as ``YYYY-MM-DD``).
    scan : int
        The scan shown (0 for none).
    sfile : pandas.DataFrame or None
        The shown scan's s-file.
    scans : list of ScanSummary
        The day's scans, as listed.
    """

    experiment = traitlets.Unicode("")
    date = traitlets.Unicode("")
    scan = traitlets.Int(0)

    def __init__(
        self,
        data_root: str | os.PathLike | None = None,
        experiment: str | None = None,
        date: str | dt.date | None = None,
        scan: int | str | None = None,
        *,
        config_dir: str | os.PathLike | None = None,
        executor: str | None = None,
        **kwargs,
    ) -> None:
        self.message = MessageArea()
        self.picker = DayPicker()
        self.refresh_button = ipywidgets.Button(
            description="Refresh", icon="refresh", tooltip="list the day's scans again"
        )
        self.refresh_button.add_class("sa-refresh")
        self.scan_list = ipywidgets.Select(options=[], rows=8, layout={"width": "100%"})
        self.scan_list.add_class("sa-scan-list")
        self.header = ipywidgets.HTML()
        self.header.add_class("sa-scan-info")
        self.table = SFileTable()
        self.plot = ColumnPlot(layout={"width": "760px"})
        self.viewer = ShotViewer(layout={"width": "760px"})
        self.run_panel = RunAnalysisPanel(executor=executor)
        self.gallery = FigureGallery()
        super().__init__(
            [
                ipywidgets.HBox([self.picker, self.refresh_button]),
                self.message,
                self.scan_list,
                self.header,
                _heading("s-file (click a header to sort, type in it to filter)"),
                self.table,
                ipywidgets.HBox(
                    [
                        ipywidgets.VBox([_heading("Plot two columns"), self.plot]),
                        ipywidgets.VBox([_heading("Shots"), self.viewer]),
                    ],
                    layout={"flex_flow": "row wrap"},
                ),
                _heading("Run analysis"),
                self.run_panel,
                _heading("Figures under analysis/"),
                self.gallery,
            ],
            **kwargs,
        )
        self.add_class("sa-scan-browser")
        self.data_root = None
        self.tree: ConfigTree | None = None
        self.configs: dict[str, DiagnosticAnalysisConfig] = {}
        self.scans: list[ScanSummary] = []
        self.sfile: pd.DataFrame | None = None
        self.info: ScanInfo | None = None
        self.paths: ScanPaths | None = None
        self._loading = False

        self.picker.observe(self._day_changed, names=["experiment", "date"])
        self.scan_list.observe(self._scan_chosen, names="value")
        self.refresh_button.on_click(lambda _button: self.refresh())
        self.run_panel.on_finished.append(lambda _outcomes: self._after_run())
        self._start(data_root, experiment, date, scan, config_dir)

    # --- start-up -----------------------------------------------------------------------------
    def _start(self, data_root, experiment, date, scan, config_dir) -> None:
        problems: list[str] = []
        try:
            self.tree = ConfigTree(config_dir)
            self.configs, config_problems = _load_configs(self.tree)
            problems += config_problems
        except ScanAnalysisError as error:
            problems.append(f"analyzer configs not available ({describe_error(error)})")
        try:
            self.data_root = resolve_data_root(data_root)
        except ScanAnalysisError as error:
            self.message.show_error(error)
            self._show_nothing()
            return
        self._loading = True
        try:
            self.picker.load(self.data_root)
            problems = self.picker.select(experiment, date) + problems
        finally:
            self._loading = False
        if not self.picker.experiment_box.options:
            problems.insert(0, f"no experiment folders (with Y{{YYYY}} years) in {self.data_root}")
        wanted = None
        if scan is not None and str(scan).strip():
            try:
                wanted = parse_scan_number(scan)
            except ValueError as error:
                problems.append(str(error))
        self.experiment, self.date = self.picker.experiment, self.picker.date
        self.refresh(prefer=wanted)
        if wanted is not None and self.scan != wanted and self.scans:
            have = ", ".join(str(s.number) for s in self.scans)
            problems.append(
                f"{self.experiment} {self.date} has no scan {wanted}; showing scan {self.scan} "
                f"(its scans: {have})"
            )
        if problems:
            shown = [self.message.text] if self.message.kind == "error" else []
            self.message.error("\n".join(problems + shown))

    # --- the day ------------------------------------------------------------------------------
    def _day_changed(self, _change) -> None:
        if self._loading:
            return
        self.experiment, self.date = self.picker.experiment, self.picker.date
        self.refresh(keep_scan=False)

    def refresh(self, *, keep_scan: bool = True, prefer: int | None = None) -> None:
        """List the day's scans again (new scans, analysis states) and reload the scan shown.

        Shows ``prefer`` when the day has it, else the scan shown before (with
        ``keep_scan``), else the day's latest scan.
        """
        current = prefer if prefer is not None else (self.scan if keep_scan else 0)
        self.scans = []
        if self.data_root is not None and self.experiment and self.date:
            day_dir = day_dir_for(self.data_root, self.experiment, self.date)
            self.scans = summarize_day(day_dir)
            if not self.scans:
                self.message.info(
                    f"{self.experiment} {self.date} has no scans yet ({day_dir} has no "
                    "scans/ScanNNN folders or s-files); choose another day"
                )
            else:
                self.message.clear()
        numbers = [summary.number for summary in self.scans]
        self._loading = True
        try:
            self.scan_list.options = [(summary.label(), summary.number) for summary in self.scans]
            self.scan_list.value = None
        finally:
            self._loading = False
        if current in numbers:
            self.show_scan(current)
        elif numbers:
            self.show_scan(numbers[-1])
        else:
            self._show_nothing()

    # --- the scan -----------------------------------------------------------------------------
    def show_scan(self, number: int | str) -> None:
        """Show a scan of the chosen day (``2``, ``"2"`` or ``"Scan002"``).

        Raises
        ------
        ValueError
            When the number cannot be read or the day has no such scan (the
            message lists the scans it has).
        """
        number = parse_scan_number(number)
        numbers = [summary.number for summary in self.scans]
        if number not in numbers:
            have = ", ".join(str(n) for n in numbers) or "none"
            raise ValueError(
                f"{self.experiment} {self.date} has no scan {number}; its scans: {have}"
            )
        if self.scan_list.value != number:
            self.scan_list.value = number  # the observer loads it
        else:
            self._load_scan(number)

    def _scan_chosen(self, change) -> None:
        if not self._loading and change.new is not None:
            self._load_scan(change.new)

    def _load_scan(self, number: int) -> None:
        self.scan = number
        tag = ScanTag.from_date(self.date, number=number, experiment=self.experiment)
        self.paths = ScanPaths(tag, data_root=self.data_root)
        problems: list[str] = []
        self.info = self.sfile = None
        try:
            self.info = ScanInfo.for_scan(self.paths)
        except ScanAnalysisError as error:
            problems.append(describe_error(error))
        try:
            self.sfile = read_sfile(self.paths.sfile)
        except ScanAnalysisError as error:
            problems.append(describe_error(error))
        summary = next((s for s in self.scans if s.number == number), None)
        self.header.value = scan_header_html(tag, self.info, summary)
        self.table.show(self.sfile)
        units = {  # keyed by what the analyzers' s-file columns start with
            config.column_prefix: position_unit(config.image) for config in self.configs.values()
        }
        self.plot.show_scan(
            self.sfile,
            self.info,
            position_units=units,
            parameter_unit=self._parameter_unit(tag),
            title=str(tag),
        )
        self.viewer.show_scan(self.paths, self.sfile, configs=self.configs)
        self._show_figures()
        self.run_panel.set_scan(tag, data_root=self.data_root, tree=self.tree)
        if problems:
            self.message.error("\n".join(problems))
        else:
            self.message.clear()

    def _parameter_unit(self, tag: ScanTag) -> str | None:
        """The scan parameter's unit from the experiment's unit table, as the figures have it."""
        if self.info is None or self.tree is None:
            return None
        return resolve_parameter_unit(
            self.info.parameter, experiment=tag.experiment, config_dir=self.tree.root
        )

    def _show_figures(self) -> None:
        if self.paths is None:
            self.gallery.show([])
            return
        self.gallery.show(
            list_figures(self.paths.day_dir, self.scan),
            relative_to=self.paths.analysis_dir,
            empty_text=f"no figures under {self.paths.scan_analysis_dir} yet: run an analyzer",
        )

    def _after_run(self) -> None:
        """After "run": new figures, new s-file columns, new states in the list."""
        self.refresh(keep_scan=True)

    def _show_nothing(self) -> None:
        self.scan = 0
        self.paths = self.info = self.sfile = None
        self.header.value = ""
        self.table.show(None)
        self.plot.show_scan(None, None)
        self.viewer.show_scan(None, None)
        self.gallery.show([], empty_text="no scan chosen")
        self.run_panel.set_scan(None, tree=self.tree)


def _load_configs(tree: ConfigTree) -> tuple[dict[str, DiagnosticAnalysisConfig], list[str]]:
    """Every analyzer config that loads; the others as one problem line each."""
    configs, problems = {}, []
    for name in tree.analyzers:
        try:
            configs[name] = tree.load_analyzer(name)
        except ScanAnalysisError as error:
            logger.warning("analyzer config %s not offered: %s", name, error)
            problems.append(f"analyzer {name} not offered: {describe_error(error).splitlines()[0]}")
    return configs, problems


def scan_header_html(tag: ScanTag, info: ScanInfo | None, summary: ScanSummary | None) -> str:
    """The scan's title, ini values and analysis states as a small HTML block."""
    title = f"{tag.experiment} {tag.date.isoformat()} · Scan {tag.number:03d}"
    parts = [f"<h3 style='margin:8px 0 4px 0'>{html.escape(title)}</h3>"]
    if info is not None:
        description = info.description or "(no description)"
        parts.append(f"<div style='font-size:14px'>{html.escape(description)}</div>")
        rows = [
            ("kind", info.kind.value),
            ("parameter", summary.parameter_range if summary else info.parameter or ""),
            ("step size", f"{info.step_size:g}" if info.step_size is not None else ""),
            ("shots per step", info.shots_per_step if info.shots_per_step is not None else ""),
            ("shots in s-file", summary.shots if summary and summary.shots is not None else "?"),
            ("background", "yes" if info.background else "no"),
            ("end info", info.end_info),
        ]
        cells = "".join(
            f"<td style='padding:2px 14px 2px 0; color:#555'>{html.escape(name)}</td>"
            f"<td style='padding:2px 24px 2px 0'>{html.escape(str(value))}</td>"
            for name, value in rows
            if value not in ("", None)
        )
        parts.append(f"<table style='font-size:13px'><tr>{cells}</tr></table>")
    if summary is not None and summary.analysis:
        chips = " ".join(
            f"<span class='sa-state-{display_state(state)}' style='background:"
            f"{STATE_COLOURS[display_state(state)]}; padding:1px 6px; border-radius:3px; "
            f"margin-right:4px'>{html.escape(name)}: "
            f"{html.escape(state_words(display_state(state)))}</span>"
            for name, state in summary.analysis.items()
        )
        parts.append(f"<div style='margin:4px 0; font-size:13px'>live analysis: {chips}</div>")
    return "".join(parts)
