"""How far a live runner is, shown to a person waiting at a terminal or reading a log.

    with StatusLine(runner.progress):
        runner.run()

:class:`LiveProgress` counts the day's tasks by state and names the task in
progress with its shots (or the figures it draws). :class:`StatusLine` shows it
while a runner runs, through the package's one progress helper
(:class:`~scan_analysis.progress_display.ProgressDisplay`): on a terminal, one
``tqdm`` line kept under the log (log records are written above it, so they
never break it); when the output is not a terminal (a log file, a service), an
INFO line of the ``scan_analysis.progress`` logger instead, at most every
``log_interval`` seconds and only when something changed, and one at the end.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from scan_analysis.progress_display import ProgressDisplay, progress_logger

logger = logging.getLogger(__name__)
__all__ = ["LiveProgress", "StatusLine", "progress_logger"]


@dataclass(frozen=True)
class LiveProgress:
    """A live runner's view of its day: scans, tasks per state, the task in progress.

    Examples
    --------
    >>> now = LiveProgress(scans=6, tasks=18, done=10, no_data=2, running=1,
    ...                    current="Scan005 UC_TopView", shots=(12, 50))
    >>> now.counts_text()
    '12/18 tasks finished (10 done, 2 no data, 0 failed) · 1 running'
    >>> now.current_text()
    'now Scan005 UC_TopView 12/50 shots'
    """

    scans: int = 0
    tasks: int = 0
    done: int = 0
    no_data: int = 0
    failed: int = 0
    running: int = 0
    current: str | None = None
    shots: tuple[int, int] | None = None
    """(steps done, steps in all) of the task in progress: its shots, then its figures."""
    stage: str = "shots"
    """``"figures"`` once the task draws its figures."""

    @property
    def finished(self) -> int:
        """Tasks done, without data or failed for good."""
        return self.done + self.no_data + self.failed

    def counts_text(self) -> str:
        """``12/18 tasks finished (10 done, 2 no data, 0 failed) · 1 running``."""
        text = (
            f"{self.finished}/{self.tasks} tasks finished ({self.done} done, "
            f"{self.no_data} no data, {self.failed} failed)"
        )
        return text + (f" · {self.running} running" if self.running else "")

    def current_text(self) -> str:
        """``now Scan005 UC_TopView 12/50 shots``, or "" between tasks.

        ``now Scan005 UC_TopView drawing figures (51/52)`` once its shots are done.
        """
        if not self.current:
            return ""
        if self.stage == "figures" and self.shots:
            return f"now {self.current} drawing figures ({self.shots[0]}/{self.shots[1]})"
        shots = f" {self.shots[0]}/{self.shots[1]} shots" if self.shots and self.shots[1] else ""
        return f"now {self.current}{shots}"

    def describe(self) -> str:
        """The whole status in one line."""
        parts = [f"{self.scans} scan{'s' if self.scans != 1 else ''}", self.counts_text()]
        return " · ".join(parts + ([self.current_text()] if self.current else []))


class StatusLine:
    """Shows a runner's progress while it runs (a context manager).

    Parameters
    ----------
    progress : callable
        Returns the current :class:`LiveProgress` (e.g. ``runner.progress``);
        called from a background thread.
    stream : file, optional
        Where the terminal line goes (default ``sys.stderr``).
    terminal : bool, optional
        Show a terminal line (default: whether ``stream`` is a terminal);
        False sends progress to the log.
    refresh_interval : float
        Seconds between updates.
    log_interval : float
        At least this many seconds between two progress log lines.
    """

    def __init__(
        self,
        progress: Callable[[], LiveProgress],
        *,
        stream: TextIO | None = None,
        terminal: bool | None = None,
        refresh_interval: float = 0.5,
        log_interval: float = 30.0,
    ) -> None:
        self.progress = progress
        self.refresh_interval = refresh_interval
        self._display = ProgressDisplay(
            unit="task",
            stream=stream if stream is not None else sys.stderr,
            terminal=terminal,
            log_interval=log_interval,
            leave=True,
            bar_format="{bar:16} {desc}",
            counts_in_text=False,
        )
        self.terminal = self._display.terminal
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> StatusLine:
        self._display.__enter__()
        self._thread = threading.Thread(target=self._refresh, name="sa-status-line", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        try:
            self.update()
        finally:
            self._display.__exit__(*exc_info)  # the last line is always logged

    def _refresh(self) -> None:
        while not self._stop.wait(self.refresh_interval):
            try:
                self.update()
            except Exception:  # a progress display never stops the work it shows
                logger.debug("status line not updated", exc_info=True)

    def update(self) -> None:
        """Show the current progress now."""
        now = self.progress()
        self._display.update(
            done=now.finished if now.tasks else 0, total=max(now.tasks, 1), desc=now.describe()
        )
