"""The library's log in a component: a bounded buffer behind a level-filtered view.

view = LogView()
view.attach()            # scan_analysis log records are kept from now on
view.render()            # show them (a poller calls this; so does changing the level)
view.detach()            # stop collecting (what was kept stays shown)
"""

from __future__ import annotations

import collections
import html
import logging
import threading

import ipywidgets

LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
}
_COLOURS = {logging.DEBUG: "#777", logging.INFO: "#222", logging.WARNING: "#9a5b00"}
SHOWN_LINES = 300


class BufferedLogHandler(logging.Handler):
    """Keeps the last ``capacity`` records as ``(level, text)``; safe from any thread.

    Attributes
    ----------
    version : int
        Grows with every record (a view redraws only when it changed).
    """

    def __init__(self, capacity: int = 2000) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: collections.deque[tuple[int, str]] = collections.deque(maxlen=capacity)
        self.version = 0
        self.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a record that cannot be formatted is skipped, as logging does
            self.handleError(record)
            return
        self.records.append((record.levelno, text))  # emit runs under the handler's lock
        self.version += 1

    def lines(self, level: int) -> list[tuple[int, str]]:
        """The kept records at ``level`` or above, oldest first."""
        with self.lock:
            return [(number, text) for number, text in self.records if number >= level]


class LogView(ipywidgets.VBox):
    """A level dropdown (``sa-live-log-level``) above the newest log lines (``sa-live-log``).

    Parameters
    ----------
    loggers : tuple of str
        Loggers whose records are collected while attached.
    capacity : int
        Records kept (older ones are dropped).
    """

    def __init__(
        self,
        *,
        loggers: tuple[str, ...] = ("scan_analysis", "scan_analysis_widgets"),
        capacity: int = 2000,
        **kwargs,
    ) -> None:
        self.handler = BufferedLogHandler(capacity)
        self.logger_names = loggers
        self.level = ipywidgets.Dropdown(
            options=list(LEVELS), value="INFO", description="Log level", layout={"width": "220px"}
        )
        self.level.add_class("sa-live-log-level")
        self.text = ipywidgets.HTML(layout={"max_height": "260px", "overflow": "auto"})
        self.text.add_class("sa-live-log")
        super().__init__([self.level, self.text], **kwargs)
        self._previous_levels: dict[str, int] = {}
        self._rendered: tuple[int, str] | None = None
        self._render_lock = threading.Lock()
        self.level.observe(self._level_changed, names="value")

    @property
    def attached(self) -> bool:
        """Whether records are being collected."""
        return bool(self._previous_levels)

    def attach(self) -> None:
        """Collect records of the loggers (lowering their level to the one chosen, if needed)."""
        if self.attached:
            return
        for name in self.logger_names:
            logger = logging.getLogger(name)
            self._previous_levels[name] = logger.level
            logger.addHandler(self.handler)
        self._apply_level()

    def detach(self) -> None:
        """Stop collecting and give the loggers their levels back."""
        for name, level in self._previous_levels.items():
            logger = logging.getLogger(name)
            logger.removeHandler(self.handler)
            logger.setLevel(level)
        self._previous_levels = {}

    def _apply_level(self) -> None:
        wanted = LEVELS[self.level.value]
        for name, previous in self._previous_levels.items():
            effective = previous or logging.getLogger(name).parent.getEffectiveLevel()
            logging.getLogger(name).setLevel(min(effective, wanted))

    def _level_changed(self, _change) -> None:
        if self.attached:
            self._apply_level()
        self.render()

    def render(self) -> None:
        """Show the newest records at the chosen level (sent only when something changed)."""
        with self._render_lock:
            key = (self.handler.version, self.level.value)
            if key == self._rendered:
                return
            self._rendered = key
            lines = self.handler.lines(LEVELS[self.level.value])
            shown = lines[-SHOWN_LINES:][::-1]  # newest first: no scrolling to see the latest
            body = "\n".join(
                f"<span style='color:{_COLOURS.get(level, '#a00020')}'>{html.escape(text)}</span>"
                for level, text in shown
            )
            total = len(self.handler.records)
            summary = (
                f"{len(lines)} of {total} messages at {self.level.value} and above, newest first"
                + (f" (the newest {len(shown)} shown)" if len(shown) < len(lines) else "")
                if lines
                else f"no messages at {self.level.value} and above yet"
            )
            self.text.value = (
                f"<div style='font-size:12px; color:#555'>{summary}</div>"
                "<pre style='font-size:12px; line-height:1.35; margin:2px 0; "
                f"white-space:pre-wrap'>{body}</pre>"
            )
