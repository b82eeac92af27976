"""The live status grid: scans × analyzers, each cell coloured by its task's state.

    grid = StatusGrid()
    grid.show(scans=[1, 2], analyzers=["UC_TopView"], tasks=runner.status_snapshot().tasks,
              runner_id=runner.runner_id)

Cells carry ``sa-state-<state>`` (``pending``, ``running``, ``done``,
``no_data``, ``failed``) and a tooltip with the error, the timing and the
runner that holds or ran the task, so claims by other machines are visible.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets

DISPLAY_STATES = {
    "queued": "pending",
    "claimed": "running",
    "done": "done",
    "no_data": "no_data",
    "failed": "failed",
}
STATE_COLOURS = {
    "pending": "#e4e4e4",
    "running": "#ffd966",
    "done": "#9fd8b0",
    "no_data": "#c9d3e3",
    "failed": "#f08c8c",
}


def display_state(task_state: str | None) -> str:
    """The grid's name for a task state (``queued`` → ``pending``, ``claimed`` → ``running``).

    Examples
    --------
    >>> display_state("claimed"), display_state(None)
    ('running', 'pending')
    """
    return DISPLAY_STATES.get(task_state or "queued", "pending")


def _time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def task_timing(task: Mapping[str, Any], *, now: dt.datetime | None = None) -> str:
    """``"1.2 s"`` for a finished task, ``"running for 3 s"`` for a claimed one, else ""."""
    started, finished = _time(task.get("started")), _time(task.get("finished"))
    if started and finished and finished >= started:
        return f"{(finished - started).total_seconds():.1f} s"
    if started and task.get("state") == "claimed":
        now = now or dt.datetime.now(started.tzinfo or dt.UTC)
        return f"running for {max((now - started).total_seconds(), 0):.0f} s"
    return ""


def task_tooltip(task: Mapping[str, Any], *, now: dt.datetime | None = None) -> str:
    """What hovering a cell shows: state, runner, attempts, timing, error or message."""
    lines = [f"Scan{int(task['scan']):03d} {task['analyzer']}: {task.get('state', 'queued')}"]
    if task.get("claimant"):
        lines.append(f"runner: {task['claimant']}")
    if task.get("attempts"):
        lines.append(f"attempts: {task['attempts']}")
    timing = task_timing(task, now=now)
    if timing:
        lines.append(f"time: {timing}")
    if task.get("started"):
        lines.append(f"started: {task['started']}")
    if task.get("finished"):
        lines.append(f"finished: {task['finished']}")
    if task.get("error"):
        lines.append(f"error: {task['error']}")
    elif task.get("message"):
        lines.append(str(task["message"]))
    return "\n".join(lines)


def grid_html(
    scans: Sequence[int],
    analyzers: Sequence[str],
    tasks: Sequence[Mapping[str, Any]],
    *,
    runner_id: str | None = None,
    progress: Mapping[tuple[int, str], tuple[int, int]] | None = None,
    now: dt.datetime | None = None,
) -> str:
    """The grid as an HTML table; scans without a task record yet are ``pending``.

    Parameters
    ----------
    scans, analyzers : sequences
        Rows and columns, in order.
    tasks : sequence of mappings
        Task records (``scan``, ``analyzer``, ``state``, ``claimant``,
        ``attempts``, ``error``, ``message``, ``started``, ``finished``).
    runner_id : str, optional
        This panel's runner: claims by any other runner are marked
        ``sa-other-runner`` and name their runner in the cell.
    progress : mapping, optional
        ``(scan, analyzer) → (done, total)`` shots of running tasks.
    """
    by_key = {(int(t["scan"]), str(t["analyzer"])): t for t in tasks}
    progress = progress or {}
    head = "".join(
        f"<th style='padding:3px 8px; text-align:left'>{html.escape(name)}</th>"
        for name in analyzers
    )
    rows = []
    for scan in scans:
        cells = [f"<th style='padding:3px 8px; text-align:left'>Scan{scan:03d}</th>"]
        for name in analyzers:
            task = by_key.get((scan, name), {"scan": scan, "analyzer": name, "state": "queued"})
            state = display_state(task.get("state"))
            classes = [f"sa-state-{state}"]
            text = state.replace("_", " ")
            claimant = task.get("claimant")
            if state == "running" and claimant and claimant != runner_id:
                classes.append("sa-other-runner")
                text += f" · {claimant}"
            if (scan, name) in progress:
                done, total = progress[(scan, name)]
                text += f" {done}/{total}"
            elif state in ("done", "failed"):
                timing = task_timing(task, now=now)
                text += f" · {timing}" if timing else ""
            tooltip = html.escape(task_tooltip(task, now=now))
            cells.append(
                f"<td class='{' '.join(classes)}' title='{tooltip}'"
                f" style='background:{STATE_COLOURS[state]}; padding:3px 8px;"
                f" white-space:nowrap'>{html.escape(text)}</td>"
            )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    if not rows:
        return "<i>no completed scans to analyse yet</i>"
    return (
        "<table class='sa-live-grid-table' style='border-collapse:separate; border-spacing:2px;"
        " font-size:13px'>"
        f"<thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


class StatusGrid(ipywidgets.HTML):
    """The scans × analyzers grid (CSS class ``sa-live-grid``); see :func:`grid_html`."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.add_class("sa-live-grid")
        self.layout.overflow = "auto"
        self.layout.max_height = "420px"

    def show(self, scans, analyzers, tasks, **options) -> None:
        """Draw the grid (only sent to the page when it changed)."""
        value = grid_html(scans, analyzers, tasks, **options)
        if value != self.value:
            self.value = value
