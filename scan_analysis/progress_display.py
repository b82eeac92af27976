"""Progress shown to a person: a bar where someone watches, log lines where no one does.

    with ProgressDisplay(total=50, desc="UC_TopView Scan002", unit="shot") as shown:
        for result in results:
            shown.advance()

The one helper behind every progress display of the package (a scan's shots
and figures, ``run``, ``watch`` and ``demo``):

- in a terminal or a notebook, a ``tqdm`` bar (``tqdm.auto``: a widget in
  Jupyter), with log records written above it through
  :func:`tqdm.contrib.logging.logging_redirect_tqdm` so that they never break it;
- otherwise (output to a file, a pipe, a service), INFO lines of the
  ``scan_analysis.progress`` logger: when something changed, at most every
  ``log_interval`` seconds, and the last state at the end.

A bar a person watches never goes backwards, even when the work grows as it
goes (a scan's figures are counted once its shots are done): a bar driven
by counts that may grow shows :class:`ForwardProgress`.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from typing import TextIO

from tqdm import tqdm as terminal_tqdm
from tqdm.auto import tqdm as auto_tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

progress_logger = logging.getLogger("scan_analysis.progress")
"""Where progress goes when the output is not a terminal (INFO)."""


def in_notebook() -> bool:
    """Whether ``tqdm.auto`` draws notebook widgets here (a Jupyter kernel with ipywidgets)."""
    # tqdm.auto's class derives from tqdm.notebook's where it can draw one (it chose it quietly;
    # importing tqdm.autonotebook ourselves would warn in a kernel)
    return any(klass.__module__ == "tqdm.notebook" for klass in auto_tqdm.__mro__)


def watched(stream: TextIO | None = None) -> bool:
    """Whether a person watches ``stream`` (default stderr): a terminal, or a notebook."""
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    return in_notebook() or bool(isatty and isatty())


class ForwardProgress:
    """The fraction of one piece of work a bar shows: it never goes backwards.

    Work can grow while it runs (a scan's ``done/total`` steps go from
    ``96/96`` shots to ``96/98`` when its two figures are counted). Where
    ``done/total`` would fall below what was shown, the bar holds, and
    what is left of it is shared by the steps left to do, so it fills to
    the end with the work.

    Examples
    --------
    >>> bar = ForwardProgress()
    >>> [bar.fraction(done, total) for done, total in [(0, 4), (2, 4), (4, 4), (4, 6), (6, 6)]]
    [0.0, 0.5, 1.0, 1.0, 1.0]
    >>> bar = ForwardProgress()
    >>> [round(bar.fraction(done, total), 2) for done, total in [(3, 4), (3, 8), (5, 8), (8, 8)]]
    [0.75, 0.75, 0.85, 1.0]
    """

    def __init__(self) -> None:
        self.shown = 0.0
        self._total = 0
        self._start = (0, 0.0)  # (done, shown) when the current total was first seen

    def fraction(self, done: int, total: int) -> float:
        """The fraction to show for ``done`` of ``total`` steps (never less than before)."""
        if total <= 0:
            return self.shown
        if total != self._total:
            self._total = total
            behind = min(done, total) / total < self.shown
            self._start = (min(done, total), self.shown) if behind else (0, 0.0)
        start_done, start_shown = self._start
        left = total - start_done
        share = (min(done, total) - start_done) / left if left > 0 else 1.0
        self.shown = max(self.shown, min(1.0, start_shown + (1.0 - start_shown) * share))
        return self.shown


class ProgressDisplay:
    """How far some work is, shown as a bar or logged (a context manager).

    Parameters
    ----------
    total : int
        Units of work (may grow later with :meth:`update`).
    desc : str
        What the work is; shown before the bar and in the log lines.
    unit : str
        Name of one unit (``"shot"``, ``"task"``).
    enabled : bool
        False shows nothing at all.
    stream : file, optional
        Where the bar goes (default ``sys.stderr``).
    terminal : bool, optional
        Draw a bar (default: :func:`watched`); False logs instead.
    log_interval : float
        At least this many seconds between two progress log lines.
    leave : bool
        Keep the finished bar on screen.
    bar_format : str, optional
        ``tqdm``'s bar format.
    counts_in_text : bool
        Log lines say ``desc: done/total unit``; False: ``desc`` alone (it says it all).
    """

    def __init__(
        self,
        *,
        total: int = 0,
        desc: str = "",
        unit: str = "it",
        enabled: bool = True,
        stream: TextIO | None = None,
        terminal: bool | None = None,
        log_interval: float = 30.0,
        leave: bool = False,
        bar_format: str | None = None,
        counts_in_text: bool = True,
    ) -> None:
        self.total = total
        self.done = 0
        self.desc = desc
        self.unit = unit
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.terminal = watched(self.stream) if terminal is None else terminal
        self.log_interval = log_interval
        self.leave = leave
        self.bar_format = bar_format
        self.counts_in_text = counts_in_text
        self._bar: terminal_tqdm | None = None
        self._stack = contextlib.ExitStack()
        self._logged: tuple[int, int, str] | None = None
        self._logged_at = float("-inf")

    def __enter__(self) -> ProgressDisplay:
        if self.enabled and self.terminal:
            self._stack.enter_context(logging_redirect_tqdm())
            bar_class = auto_tqdm if in_notebook() else terminal_tqdm
            options = {"bar_format": self.bar_format} if self.bar_format else {}
            self._bar = self._stack.enter_context(
                bar_class(
                    total=self.total,
                    desc=self.desc,
                    unit=self.unit,
                    file=self.stream,
                    leave=self.leave,
                    dynamic_ncols=True,
                    **options,
                )
            )
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self.enabled and self._bar is None:
                self._log(final=True)
        finally:
            self._stack.close()
            self._bar = None

    def advance(self, n: int = 1) -> None:
        """``n`` more units done."""
        self.update(done=self.done + n)

    def update(
        self,
        *,
        done: int | None = None,
        total: int | None = None,
        desc: str | None = None,
        unit: str | None = None,
    ) -> None:
        """Show new values (any of them): units done, units in all, what is being done."""
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        if desc is not None:
            self.desc = desc
        if unit is not None:
            self.unit = unit
        if not self.enabled:
            return
        if self._bar is None:
            self._log()
            return
        self._bar.total = self.total
        self._bar.n = self.done
        self._bar.unit = self.unit
        self._bar.set_description_str(self.desc, refresh=False)
        self._bar.refresh()

    def text(self) -> str:
        """``UC_TopView Scan002: 12/50 shots`` (what a log line says)."""
        if not self.total or not self.counts_in_text:
            return self.desc
        return f"{self.desc}: {self.done}/{self.total} {self.unit}s"

    def _log(self, *, final: bool = False) -> None:
        now = (self.done, self.total, self.desc)
        clock = time.monotonic()
        if now != self._logged and (final or clock - self._logged_at >= self.log_interval):
            progress_logger.info("progress: %s", self.text())
            self._logged, self._logged_at = now, clock
