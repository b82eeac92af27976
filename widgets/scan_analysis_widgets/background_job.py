"""Run long work off the kernel's main thread and report it through traits.

    job = BackgroundJob()
    job.observe(lambda change: bar.set_trait("value", change.new), "progress")
    job.start(analyzer.run_analysis, tag)          # returns at once
    job.wait(60)                                   # (tests) block until it ends

A widget links its progress bar and message to the job's traits; it never
touches widgets from the worker by any other route (in Voila,
``Output.clear_output()`` from a thread does nothing, trait updates do reach
the page). Observers of the traits run in the worker thread.
"""

from __future__ import annotations

import inspect
import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

import traitlets

from scan_analysis_widgets.message_area import describe_error

logger = logging.getLogger(__name__)

STATES = ("idle", "running", "done", "failed")


def accepts_report(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` takes a ``report`` keyword argument (named explicitly).

    Examples
    --------
    >>> accepts_report(lambda n, *, report: n), accepts_report(lambda n: n)
    (True, False)
    """
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False
    parameter = parameters.get("report")
    return parameter is not None and parameter.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    )


class BackgroundJob(traitlets.HasTraits):
    """One piece of long work in a daemon thread, with its state as traits.

    Attributes
    ----------
    state : {"idle", "running", "done", "failed"}
        Where the job stands.
    progress : float
        0..1; set by the work through ``report(done, total)``, 1 when done.
    message : str
        Short text about progress (``"40 / 100"``) or the outcome.
    error : str
        The failure as a user-facing message (traceback in the log), empty otherwise.
    result : Any
        What the work returned (None until it is done).
    exception : BaseException or None
        What the work raised, when it failed.

    Notes
    -----
    The job can be started again once it has ended; starting it while it runs
    raises ``RuntimeError``. Trait observers run in the worker thread; the
    state changes to ``done``/``failed`` (and its observers run) before
    :meth:`wait` returns.
    """

    state = traitlets.Enum(STATES, default_value="idle")
    progress = traitlets.Float(0.0, min=0.0, max=1.0)
    message = traitlets.Unicode("")
    error = traitlets.Unicode("")

    def __init__(self, *, name: str = "job", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.name = name
        self.result: Any = None
        self.exception: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._finished = threading.Event()
        self._finished.set()
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        """True from :meth:`start` until the work has ended and observers were told."""
        return not self._finished.is_set()

    def start(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run ``fn(*args, **kwargs)`` in a daemon thread and return at once.

        When ``fn`` accepts a ``report`` keyword, a ``report(done, total)``
        callable is passed that sets :attr:`progress` and :attr:`message`.

        Raises
        ------
        RuntimeError
            When the job is still running.
        """
        with self._lock:
            if self.running:
                raise RuntimeError(f"{self.name} is still running; wait for it to end first")
            self._finished.clear()
        if accepts_report(fn) and "report" not in kwargs:
            kwargs["report"] = self.report
        self.result, self.exception = None, None
        self.error = ""
        self.message = ""
        self.progress = 0.0
        self.state = "running"
        self._thread = threading.Thread(
            target=self._run, args=(fn, args, kwargs), name=f"sa-{self.name}", daemon=True
        )
        self._thread.start()

    def report(self, done: int | float, total: int | float, text: str = "") -> None:
        """Record progress ``done`` of ``total``, with ``text`` as the message if given.

        Any thread may call it; it never raises.
        """
        try:
            fraction = min(max(float(done) / float(total), 0.0), 1.0) if total else 0.0
            self.progress = fraction
            self.message = text or f"{done:g} / {total:g}"
        except Exception as error:  # a display problem never stops the work
            logger.warning("%s: progress not shown: %s", self.name, error)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has ended (or ``timeout`` seconds); True when it has ended."""
        return self._finished.wait(timeout)

    def _run(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        try:
            try:
                result = fn(*args, **kwargs)
            except BaseException as error:
                self.exception = error
                text = describe_error(error)
                logger.error("%s failed: %s", self.name, text)
                logger.debug("".join(traceback.format_exception(error)))
                self.error = text
                self.message = text
                self.state = "failed"
            else:
                self.result = result
                self.progress = 1.0
                self.state = "done"
        except Exception as error:  # an observer that raised; the job itself has ended
            logger.error("%s: a watcher of the job's state failed: %s", self.name, error)
            logger.debug("".join(traceback.format_exception(error)))
        finally:
            self._finished.set()

    def __repr__(self) -> str:
        return f"BackgroundJob({self.name!r}, state={self.state!r}, progress={self.progress:.2f})"
