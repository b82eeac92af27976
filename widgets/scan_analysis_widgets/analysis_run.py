"""Run an analyzer or a group on one scan in the background, with a progress bar.

panel = RunAnalysisPanel()
panel.set_scan(tag, data_root=root, tree=ConfigTree())
panel.choice.value = "group:demo"
panel.run_button.click()          # returns at once; panel.job.wait() in scripts
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import ipywidgets

from scan_analysis.analyzers import create_diagnostic_analyzer
from scan_analysis.base import ScanOutcome
from scan_analysis.config import ConfigTree, ResolvedDiagnosticConfig
from scan_analysis.data.scan_paths import ScanPaths
from scan_analysis.data.scan_tag import ScanTag
from scan_analysis.errors import ScanAnalysisError
from scan_analysis.executors import ShotExecutor, make_executor
from scan_analysis.progress_display import ForwardProgress
from scan_analysis.state_words import state_words
from scan_analysis_widgets.background_job import BackgroundJob
from scan_analysis_widgets.message_area import MessageArea

logger = logging.getLogger(__name__)

Report = Callable[..., None]


def run_on_scan(
    tag: ScanTag,
    resolved: Sequence[ResolvedDiagnosticConfig],
    *,
    data_root: str | os.PathLike | None = None,
    config_dir: str | os.PathLike | None = None,
    executor: str | ShotExecutor | None = None,
    report: Report | None = None,
) -> list[tuple[str, ScanOutcome]]:
    """Run resolved analyzer configs one after the other on a scan; their outcomes in order.

    ``report(done, total, text)`` hears progress across all analyzers (the
    current one's shots, then its figures, as a fraction of one step that never
    goes back: :class:`~scan_analysis.progress_display.ForwardProgress`). One
    pool serves them all.
    """
    outcomes: list[tuple[str, ScanOutcome]] = []
    count = len(resolved)
    pool = make_executor(executor)
    try:
        for index, item in enumerate(resolved):
            analyzer = create_diagnostic_analyzer(item, executor=pool, progress=False)
            if report is not None:
                report(index, count, f"{item.name}: starting")

                analyzer.progress_callback = _reporter(report, analyzer, item.name, index, count)
            analyzer.run_analysis(tag, data_root=data_root, config_dir=config_dir)
            outcomes.append((item.name, analyzer.last_outcome))
    finally:
        pool.close()
    return outcomes


def _reporter(
    report: Report, analyzer: Any, name: str, index: int, count: int
) -> Callable[[int, int], None]:
    """A progress callback for the ``index``-th of ``count`` analyzers: its steps as ``report``s.

    The analyzer's steps are its shots, then its figures (counted once the
    shots are in): the fraction reported never goes back when they are added.
    Shots are "done" (read and analysed, or failed): the outcome then says how
    many of them were analysed.
    """
    bar = ForwardProgress()
    shots = 0

    def on_progress(done: int, total: int) -> None:
        nonlocal shots
        if analyzer.progress_stage == "figures":
            drawn = f"{done - shots} / {total - shots}"
            text = f"{name}: {shots} shots done, drawing figures {drawn}"
        else:
            shots = total
            text = f"{name}: {done} / {total} shots"
        report(index + bar.fraction(done, total), count, text)

    return on_progress


def group_with_data(tree: ConfigTree, scan_dir: os.PathLike | str) -> str | None:
    """The first group (by key) with an analyzer whose device folder is in the scan, or None.

    A group whose files do not load is passed over (the run says why, if chosen).
    On the demo day, ``demo`` (``UC_TopView``, ...) rather than ``HTU/baseline``
    (``UC_GaiaMode``, ...), which sorts first but has no folder there.
    """
    folder = Path(scan_dir)
    if not folder.is_dir():
        return None
    present = {path.name for path in folder.iterdir() if path.is_dir()}
    if not present:
        return None
    for key in sorted(tree.groups):
        try:
            resolved = tree.resolve_group(key)
        except ScanAnalysisError:
            continue
        stems = {item.config.device + item.config.scan.directory_suffix for item in resolved}
        if stems & present:
            return key
    return None


def describe_outcomes(outcomes: Sequence[tuple[str, ScanOutcome]]) -> str:
    """One line per analyzer: name, state (``no data``, not ``no_data``) and its message.

    Examples
    --------
    >>> print(describe_outcomes([("GaiaMode", ScanOutcome("no_data", "no UC_GaiaMode data"))]))
    GaiaMode: no data (no UC_GaiaMode data)
    """
    return "\n".join(
        f"{name}: {state_words(outcome.status)}"
        + (f" ({outcome.message})" if outcome.message else "")
        for name, outcome in outcomes
    )


class RunAnalysisPanel(ipywidgets.VBox):
    """Choose an analyzer or group, run it on the scan shown, watch its progress.

    Attributes
    ----------
    choice : ipywidgets.Dropdown
        ``"group:KEY"`` or ``"analyzer:NAME"`` (class ``sa-run-choice``).
    run_button : ipywidgets.Button
        Starts the run (class ``sa-run-button``); disabled while one runs.
    progress : ipywidgets.FloatProgress
        0..1 over the whole run (class ``sa-run-progress``).
    status : MessageArea
        What is running, then each analyzer's outcome (class ``sa-run-status``).
    job : BackgroundJob
        The run (``job.wait()`` blocks until it ends).
    on_finished : list of callables
        Called with the outcomes when a run ends (in the worker thread).
    """

    def __init__(self, *, executor: str | None = None, **kwargs) -> None:
        self.executor = executor
        self.choice = ipywidgets.Dropdown(description="Run", layout={"width": "360px"})
        self.run_button = ipywidgets.Button(
            description="Run on this scan", icon="play", button_style="primary"
        )
        self.progress = ipywidgets.FloatProgress(
            value=0.0, min=0.0, max=1.0, layout={"width": "300px"}
        )
        self.status = MessageArea()
        for widget, css in (
            (self.choice, "sa-run-choice"),
            (self.run_button, "sa-run-button"),
            (self.progress, "sa-run-progress"),
            (self.status, "sa-run-status"),
        ):
            widget.add_class(css)
        super().__init__(
            [ipywidgets.HBox([self.choice, self.run_button, self.progress]), self.status],
            **kwargs,
        )
        self.job = BackgroundJob(name="scan analysis")
        self.job.observe(self._progress_changed, names=["progress", "message"])
        self.job.observe(self._on_state, names="state")
        self.run_button.on_click(lambda _button: self.run())
        self.on_finished: list[Callable[[list[tuple[str, ScanOutcome]]], None]] = []
        self.tag: ScanTag | None = None
        self.data_root = None
        self.tree: ConfigTree | None = None
        self._offered: str | None = None  # the choice set_scan made (not the user)
        self._set_idle()

    def set_scan(self, tag: ScanTag | None, *, data_root=None, tree: ConfigTree | None) -> None:
        """The scan to run on and the configs to offer (None disables the panel).

        A choice the user made is kept; otherwise the first group with data in
        this scan (:func:`group_with_data`) is offered, else the first entry.
        """
        self.tag, self.data_root, self.tree = tag, data_root, tree
        options: list[tuple[str, str]] = []
        if tree is not None:
            options += [(f"group {key}", f"group:{key}") for key in sorted(tree.groups)]
            options += [(name, f"analyzer:{name}") for name in sorted(tree.analyzers)]
        previous = self.choice.value
        self.choice.options = options
        values = [value for _, value in options]
        if previous in values and previous != self._offered:
            self.choice.value = previous
        elif values:
            self.choice.value = self._offered = self._default_choice(values)
        self._set_idle()

    def _default_choice(self, values: list[str]) -> str:
        """The first group with data in the scan shown, else the first of ``values``."""
        if self.tag is None or self.tree is None:
            return values[0]
        try:
            scan_dir = ScanPaths(self.tag, data_root=self.data_root).scan_dir
        except ScanAnalysisError:
            return values[0]
        key = group_with_data(self.tree, scan_dir)
        return f"group:{key}" if key is not None and f"group:{key}" in values else values[0]

    def run(self) -> bool:
        """Start the chosen run in the background; False (with a message) when it cannot."""
        if self.job.running:
            self.status.info("a run is in progress; wait for it to finish")
            return False
        if self.tag is None or self.tree is None or not self.choice.value:
            self.status.error("choose a scan and an analyzer or group first")
            return False
        kind, _, name = self.choice.value.partition(":")
        self.job.start(self._work, kind, name, self.tag)
        return True

    def _work(self, kind: str, name: str, tag: ScanTag, *, report: Report):
        tree = self.tree
        resolved = tree.resolve_group(name) if kind == "group" else [tree.resolve_analyzer(name)]
        return run_on_scan(
            tag,
            resolved,
            data_root=self.data_root,
            config_dir=tree.root,
            executor=self.executor,
            report=report,
        )

    # --- reacting to the job (runs in the worker thread) -------------------------------------
    def _progress_changed(self, _change) -> None:
        self.progress.value = self.job.progress
        if self.job.state == "running" and self.job.message:
            self.status.info(self.job.message)

    def _on_state(self, change) -> None:
        if change.new == "running":
            self.run_button.disabled = True
            self.progress.bar_style = "info"
            self.status.info(f"starting {self.choice.label} on {self.tag}")
            return
        self.run_button.disabled = self.tag is None
        if change.new == "failed":
            self.progress.bar_style = "danger"
            self.status.error(f"{self.choice.label} on {self.tag} did not run: {self.job.error}")
            return
        outcomes = self.job.result or []
        failed = any(outcome.status == "failed" for _, outcome in outcomes)
        self.progress.bar_style = "danger" if failed else "success"
        text = f"{self.tag}:\n{describe_outcomes(outcomes)}"
        if failed:
            self.status.error(text)
        else:
            self.status.info(text)
        for callback in self.on_finished:
            try:
                callback(outcomes)
            except Exception as error:  # a display refresh never hides the outcome
                logger.error("refresh after the run failed: %s", error, exc_info=True)

    def _set_idle(self) -> None:
        self.run_button.disabled = self.tag is None or self.job.running
