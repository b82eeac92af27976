"""LiveWatchPanel: run an analyzer group on a day's scans as they complete, and watch it.

    from scan_analysis_widgets import LiveWatchPanel
    panel = LiveWatchPanel(experiment="Undulator", date="2026-05-08", group="demo")
    panel                  # in a cell
    panel.start()          # or press Start: a LiveTaskRunner runs in a background thread
    panel.stop()           # returns at once; the runner ends after its current task

The runner runs in a daemon thread, and a poller thread copies its status
into the widgets every ``refresh_interval`` seconds (trait updates reach the
page from threads; ``Output.clear_output()`` would not in Voila), so the
kernel stays free for the user's clicks while a task runs.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any

import ipywidgets
import traitlets

from scan_analysis.config import ConfigTree
from scan_analysis.data.scan_paths import day_dir_for, list_completed_scans, resolve_data_root
from scan_analysis.data.scan_tag import ScanTag, parse_scan_number
from scan_analysis.elog import LocalElog
from scan_analysis.errors import ScanAnalysisError
from scan_analysis.live_task_runner import LiveTaskRunner
from scan_analysis.progress_display import ForwardProgress
from scan_analysis.task_queue import TaskQueue
from scan_analysis_widgets.day_picker import DayPicker
from scan_analysis_widgets.elog_view import ElogView
from scan_analysis_widgets.figure_gallery import FigureGallery
from scan_analysis_widgets.log_view import LogView
from scan_analysis_widgets.message_area import MessageArea, describe_error
from scan_analysis_widgets.status_grid import StatusGrid

logger = logging.getLogger(__name__)

_CURRENT = re.compile(r"^Scan(\d+) (.+)$")
STATES = ("idle", "starting", "running", "stopping", "stopped", "failed")


def latest_figures(tasks: list[dict[str, Any]]) -> tuple[str, list[Path]]:
    """The display files of the task that finished last (and which task it was)."""
    finished = [t for t in tasks if t.get("state") == "done" and t.get("display_files")]
    if not finished:
        return "", []
    task = max(finished, key=lambda t: t.get("finished") or "")
    files = [Path(p) for p in task["display_files"] if Path(p).is_file()]
    return f"Scan{int(task['scan']):03d} {task['analyzer']}", files


class LiveWatchPanel(ipywidgets.VBox):
    """Start and stop a live runner, and watch every task of the day.

    Parameters
    ----------
    data_root, config_dir : path, optional
        Default: the resolution order of docs/DATA_FORMAT.md.
    experiment, date, group, scan : str, optional
        Initial choices, as a URL gives them (``date="2026-05-08"``,
        ``scan="12"`` is the first scan to analyse); the date may be a day
        without data yet (the runner waits for it).
    refresh_interval : float
        Seconds between status updates while running.
    runner_options : dict, optional
        More :class:`~scan_analysis.live_task_runner.LiveTaskRunner` keywords
        (``executor``, ``runner_id``, ``rescan_interval``, ``use_polling_observer``...).

    Attributes
    ----------
    state : str
        ``idle``, ``starting``, ``running``, ``stopping``, ``stopped`` or ``failed``.
    tasks : list of dict
        The last status of every task shown in the grid.
    counts : dict
        Tasks per state.
    current_task : str
        ``"Scan002 UC_TopView"`` while a task runs, else "".
    runner : LiveTaskRunner or None
        The runner of the current (or last) start.
    """

    state = traitlets.Enum(STATES, default_value="idle")
    tasks = traitlets.List()
    counts = traitlets.Dict()
    current_task = traitlets.Unicode("")

    def __init__(
        self,
        data_root: str | os.PathLike | None = None,
        config_dir: str | os.PathLike | None = None,
        *,
        experiment: str | None = None,
        date: str | dt.date | None = None,
        group: str | None = None,
        scan: int | str | None = None,
        refresh_interval: float = 1.0,
        runner_options: dict[str, Any] | None = None,
        **kwargs,
    ) -> None:
        self.refresh_interval = refresh_interval
        self.runner_options = dict(runner_options or {})
        self.message = MessageArea()
        self.picker = DayPicker(free_date=True)
        self.group = ipywidgets.Dropdown(description="Group", layout={"width": "300px"})
        self.start_scan = ipywidgets.BoundedIntText(
            value=1, min=1, max=9999, description="From scan", layout={"width": "180px"}
        )
        self.elog = ipywidgets.Checkbox(value=True, description="e-log", indent=False)
        self.dry_run = ipywidgets.Checkbox(value=False, description="dry run", indent=False)
        self.start_button = ipywidgets.Button(
            description="Start", icon="play", button_style="success"
        )
        self.stop_button = ipywidgets.Button(description="Stop", icon="stop", button_style="danger")
        self.rerun_button = ipywidgets.Button(
            description="Rerun failed", icon="redo", tooltip="requeue the day's failed tasks"
        )
        self.status = ipywidgets.HTML()
        self.progress = ipywidgets.FloatProgress(
            value=0.0, min=0.0, max=1.0, layout={"width": "320px"}
        )
        self.grid = StatusGrid()
        self.log_view = LogView(layout={"width": "100%"})
        self.figures = FigureGallery(width_px=420, css_class="sa-live-figures")
        self.elog_view = ElogView()
        for widget, css in (
            (self.group, "sa-live-group"),
            (self.start_scan, "sa-live-start-scan"),
            (self.elog, "sa-live-elog"),
            (self.dry_run, "sa-live-dry-run"),
            (self.start_button, "sa-live-start"),
            (self.stop_button, "sa-live-stop"),
            (self.rerun_button, "sa-live-rerun"),
            (self.status, "sa-live-state"),
            (self.progress, "sa-live-progress"),
        ):
            widget.add_class(css)
        super().__init__(
            [
                ipywidgets.HBox([self.picker, self.group]),
                ipywidgets.HBox(
                    [
                        self.start_scan,
                        self.elog,
                        self.dry_run,
                        self.start_button,
                        self.stop_button,
                        self.rerun_button,
                    ]
                ),
                self.message,
                ipywidgets.HBox([self.status, self.progress]),
                self.grid,
                ipywidgets.HTML("<h4 style='margin:10px 0 4px 0'>Latest figures</h4>"),
                self.figures,
                ipywidgets.HTML("<h4 style='margin:10px 0 4px 0'>Log</h4>"),
                self.log_view,
                ipywidgets.HTML("<h4 style='margin:10px 0 4px 0'>E-log</h4>"),
                self.elog_view,
            ],
            **kwargs,
        )
        self.add_class("sa-live-watch")
        self.data_root: Path | None = None
        self._data_root_problem = "no data root"  # why there is none, as set-up found it
        self._bar_task, self._bar = "", ForwardProgress()  # the task the progress bar shows
        self.config_dir = config_dir
        self.tree: ConfigTree | None = None
        self.runner: LiveTaskRunner | None = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._stopped.set()
        self._stop_requested = threading.Event()
        self._poll_stop = threading.Event()
        self._refresh_lock = threading.Lock()
        self._queue: TaskQueue | None = None

        self.start_button.on_click(lambda _button: self.start())
        self.stop_button.on_click(lambda _button: self.stop())
        self.rerun_button.on_click(lambda _button: self.rerun_failed())
        self.observe(self._on_state, names="state")
        self._setup(data_root, experiment, date, group, scan)
        self.picker.observe(self._choice_changed, names=["experiment", "date"])
        self.group.observe(self._choice_changed, names="value")
        self.start_scan.observe(self._choice_changed, names="value")
        self._on_state(None)

    # --- set-up -------------------------------------------------------------------------------
    def _setup(self, data_root, experiment, date, group, scan) -> None:
        problems: list[str] = []
        try:
            self.tree = ConfigTree(self.config_dir)
            self.group.options = sorted(self.tree.groups)
        except ScanAnalysisError as error:
            problems.append(describe_error(error))
        try:
            self.data_root = resolve_data_root(data_root)
        except ScanAnalysisError as error:
            self._data_root_problem = describe_error(error)
            problems.append(self._data_root_problem)
        else:
            self.picker.load(self.data_root)
            problems += self.picker.select(experiment, date)
        if group:
            if group in self.group.options:
                self.group.value = group
            else:
                stems = {key.rsplit("/", 1)[-1]: key for key in self.group.options}
                if group in stems:
                    self.group.value = stems[group]
                else:
                    found = ", ".join(self.group.options) or "none"
                    problems.append(f"no analyzer group {group!r} (groups: {found})")
        if scan is not None and str(scan).strip():
            try:
                self.start_scan.value = parse_scan_number(scan)
            except ValueError as error:
                problems.append(str(error))
        problems += self._group_problems()
        if problems:
            self.message.error("\n".join(problems))
        self.refresh()

    def _group_problems(self) -> list[str]:
        """Why the chosen group cannot run (unknown refs, invalid configs), before Start."""
        if self.tree is None or not self.group.value:
            return []
        try:
            self.tree.resolve_group(self.group.value)
        except ScanAnalysisError as error:
            return [describe_error(error)]
        return []

    def _choice_changed(self, change) -> None:
        if self.state in ("starting", "running", "stopping"):
            return
        if change.owner is self.group:
            problems = self._group_problems()
            if problems:
                self.message.error("\n".join(problems))
            else:
                self.message.clear()
        self.refresh()

    # --- control ------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True from :meth:`start` until the runner thread has ended."""
        return not self._stopped.is_set()

    def start(self) -> bool:
        """Start a runner for the chosen day, group and first scan; False (with a message) if not.

        Returns at once: the runner is built and run in a background thread.
        """
        if self.running:
            self.message.info("the runner is already running; stop it first")
            return False
        problems = []
        if self.data_root is None:
            problems.append(self._data_root_problem)
        if not self.picker.experiment:
            problems.append("choose an experiment")
        if not self.picker.date:
            problems.append(f"type the day as YYYY-MM-DD (got {self.picker.date_box.value!r})")
        if not self.group.value:
            problems.append("choose an analyzer group")
        if problems:
            self.message.error("; ".join(problems))
            return False
        tag = ScanTag.from_date(
            self.picker.date, number=self.start_scan.value, experiment=self.picker.experiment
        )
        options = {
            "data_root": self.data_root,
            "config_dir": self.tree.root if self.tree else self.config_dir,
            "elog_enabled": self.elog.value,
            "dry_run": self.dry_run.value,
            **self.runner_options,
        }
        self.message.clear()
        self._stopped.clear()
        self._stop_requested.clear()
        self._poll_stop.clear()
        self.runner = None
        self.log_view.attach()
        self.state = "starting"
        self._thread = threading.Thread(
            target=self._run,
            args=(self.group.value, tag, options),
            name="sa-live-runner",
            daemon=True,
        )
        self._thread.start()
        return True

    def stop(self, timeout: float | None = None) -> bool:
        """Ask the runner to stop after its current task; True once it has stopped.

        Parameters
        ----------
        timeout : float, optional
            Wait up to this many seconds for the runner thread to end (the
            Stop button does not wait: the kernel stays free).
        """
        if not self.running:
            return True
        self._stop_requested.set()
        if self.runner is not None:
            self.runner.stop()
        if self.state in ("starting", "running"):
            self.state = "stopping"
        if timeout is None:
            return not self.running
        return self._stopped.wait(timeout)

    def wait_stopped(self, timeout: float | None = None) -> bool:
        """Block until the runner thread has ended; True when it has."""
        return self._stopped.wait(timeout)

    def rerun_failed(self) -> list[tuple[int, str]]:
        """Requeue the day's failed tasks (they run on the runner's next pass, or next start)."""
        try:
            if self.runner is not None and self.running:
                requeued = self.runner.rerun_failed()
            else:
                analysis_dir = self._day_dir() / "analysis" if self._day_dir() else None
                if analysis_dir is None or not analysis_dir.is_dir():
                    self.message.info("no analysis folder for this day yet: nothing to rerun")
                    return []
                requeued = TaskQueue(analysis_dir).rerun_failed()
        except Exception as error:
            self.message.show_error(error, action="requeueing failed tasks")
            return []
        names = ", ".join(f"Scan{scan:03d} {name}" for scan, name in requeued)
        self.message.info(
            f"requeued {len(requeued)} failed task(s)" + (f": {names}" if names else "")
        )
        self.refresh()
        return requeued

    # --- the runner thread --------------------------------------------------------------------
    def _run(self, group: str, tag: ScanTag, options: dict[str, Any]) -> None:
        poller = None
        try:
            try:
                self.runner = LiveTaskRunner(group, tag, **options)
                self.runner.prepare()  # loads the group: its problems are said here
            except Exception as error:
                self.message.show_error(error, action=f"cannot start group {group} on {tag.date}")
                self.state = "failed"
                return
            if self._stop_requested.is_set():
                self.runner.close()
                return
            self.state = "running"
            self.message.info(
                f"runner {self.runner.runner_id} watching {self.runner.day_dir} "
                f"from scan {tag.number} with group {group}"
            )
            poller = threading.Thread(target=self._poll, name="sa-live-poller", daemon=True)
            poller.start()
            self.runner.run()
        except Exception as error:  # the runner itself crashed: say so, keep the panel usable
            self.message.show_error(error, action="the live runner stopped")
            self.state = "failed"
        finally:
            self._poll_stop.set()
            if poller is not None:
                poller.join(timeout=10)
            try:
                self.refresh()  # the final state of every task
            finally:
                self.log_view.detach()
                if self.state != "failed":
                    self.state = "stopped"
                    if self.runner is not None:
                        self.message.info(
                            f"runner {self.runner.runner_id} stopped after running "
                            f"{self.runner.tasks_run} task(s)"
                        )
                self._stopped.set()

    def _poll(self) -> None:
        while not self._poll_stop.wait(self.refresh_interval):
            self.refresh()

    # --- showing ------------------------------------------------------------------------------
    def _day_dir(self) -> Path | None:
        if self.data_root is None or not self.picker.experiment or not self.picker.date:
            return None
        return day_dir_for(self.data_root, self.picker.experiment, self.picker.date)

    def refresh(self) -> None:
        """Read every task's status and redraw grid, progress, figures and log (never raises)."""
        with self._refresh_lock:
            try:
                self._refresh()
            except Exception as error:  # a share hiccup: keep polling, say it in the log
                logger.warning("status not refreshed: %s", describe_error(error))
                logger.debug("status refresh failed", exc_info=True)
        self.log_view.render()

    def _refresh(self) -> None:
        runner = self.runner if self.running else None
        progress: dict[tuple[int, str], tuple[int, int]] = {}
        stage = "shots"
        if runner is not None:
            snapshot = runner.status_snapshot()
            tasks = snapshot.tasks
            scans = runner.pending_scans()
            analyzers = list(runner.analyzers)
            runner_id = runner.runner_id
            current = snapshot.current or ""
            match = _CURRENT.match(current)
            if match and snapshot.progress:
                progress[(int(match.group(1)), match.group(2))] = snapshot.progress
            counts = snapshot.counts
            elog = snapshot.elog_page
            stage = snapshot.stage
        else:
            tasks, scans, analyzers, runner_id, current, counts, elog = self._idle_status()
        scans = sorted({*scans, *(int(t["scan"]) for t in tasks)})
        analyzers += sorted({t["analyzer"] for t in tasks} - set(analyzers))
        self.grid.show(scans, analyzers, tasks, runner_id=runner_id, progress=progress)
        self.tasks, self.counts, self.current_task = tasks, counts, current
        done, total = next(iter(progress.values()), (0, 0))
        if current != self._bar_task:  # a new task: its own bar, that never goes back
            self._bar_task, self._bar = current, ForwardProgress()
        self.progress.value = self._bar.fraction(done, total) if total else 0.0
        self.status.value = self._status_html(current, progress, counts, elog, stage)
        title, files = latest_figures(tasks)
        self.figures.show(files, title=title, empty_text="no figures yet")
        self.elog_view.show_page(elog)

    def _idle_status(self):
        day_dir = self._day_dir()
        start = self.start_scan.value
        analyzers: list[str] = []
        if self.tree is not None and self.group.value:
            try:
                analyzers = [item.name for item in self.tree.resolve_group(self.group.value)]
            except ScanAnalysisError:  # said by _check_group when chosen; show what is on disk
                analyzers = []
        tasks: list[dict[str, Any]] = []
        scans: list[int] = []
        if day_dir is not None and (day_dir / "analysis").is_dir():
            wanted = set(analyzers)
            for status in self._day_queue(day_dir / "analysis").snapshot():
                if status.scan >= start and (not wanted or status.analyzer in wanted):
                    tasks.append({**status.model_dump(), "state": status.state.value})
            scans = [n for n in list_completed_scans(day_dir) if n >= start]
        counts: dict[str, int] = {}
        for task in tasks:
            counts[task["state"]] = counts.get(task["state"], 0) + 1
        elog = None
        if day_dir is not None and self.picker.experiment and self.picker.date:
            page = LocalElog(
                day_dir / "analysis" / "elog",
                experiment=self.picker.experiment,
                date=self.picker.date,
            ).page
            elog = str(page) if page.is_file() else None
        return tasks, scans, analyzers, None, "", counts, elog

    def _day_queue(self, analysis_dir: Path) -> TaskQueue:
        """The shown day's queue, kept between refreshes (it re-reads only changed scans)."""
        if self._queue is None or self._queue.analysis_dir != analysis_dir:
            self._queue = TaskQueue(analysis_dir)
        return self._queue

    def _status_html(self, current, progress, counts, elog, stage="shots") -> str:
        parts = [f"<b>{self.state}</b>"]
        if current:
            done, total = next(iter(progress.values()), (0, 0))
            if stage == "figures":  # the steps are shots and figures now: not a shot count
                parts.append(f"now: {current} (shots analysed, drawing figures)")
            else:
                parts.append(f"now: {current}" + (f" ({done}/{total} shots)" if total else ""))
        shown = ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in counts.items() if n)
        if shown:
            parts.append(shown)
        if elog:
            name = html.escape(Path(elog).name)
            parts.append(f"<span title='{html.escape(str(elog))}'>e-log: {name}</span>")
        return "<span style='font-size:14px'>" + " · ".join(parts) + "</span>"

    def _on_state(self, _change) -> None:
        busy = self.state in ("starting", "running", "stopping")
        self.start_button.disabled = busy
        self.stop_button.disabled = not busy or self.state == "stopping"
        for control in (
            self.picker.experiment_box,
            self.picker.date_box,
            self.group,
            self.start_scan,
            self.elog,
            self.dry_run,
        ):
            control.disabled = busy
        self.progress.bar_style = {"running": "info", "failed": "danger"}.get(self.state, "")
        self.status.value = self._status_html(self.current_task, {}, self.counts, None)
