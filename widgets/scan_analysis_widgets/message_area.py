"""One place in a component where it tells the user what happened, in words.

    messages = MessageArea()
    messages.info("Scan 2: 100 shots, 3 analyzers done")
    messages.show_error(error, action="reading the s-file")   # message shown, traceback logged

Errors appear as a readable message (what is wrong and what to do); the
traceback goes to the ``logging`` log, never into the page.
"""

from __future__ import annotations

import html
import logging
import traceback

import ipywidgets
import traitlets

from scan_analysis.errors import ScanAnalysisError
from scan_analysis_widgets.app_arguments import in_served_app

logger = logging.getLogger(__name__)

MESSAGE_CLASS = "sa-message"
ERROR_CLASS = "sa-message-error"
_COLOURS = {"info": "#1f3b57", "error": "#a00020"}


def describe_error(error: BaseException) -> str:
    """A user-facing message for an exception: the library's own text, or type and text.

    The library's errors (:class:`~scan_analysis.errors.ScanAnalysisError`)
    already name the file and the fix, so their text is used as it is, worded
    for where it is read: in a served app (:func:`in_served_app`) their
    :meth:`~scan_analysis.errors.ScanAnalysisError.for_app` text, which says
    how to start the server (``scan-analysis serve --data-root DIR``) where
    Python's says ``data_root=...``. Any other exception is prefixed with its
    type, which is what a user can report.

    Examples
    --------
    >>> describe_error(ValueError("cannot read 'x' as a date"))
    "ValueError: cannot read 'x' as a date"
    >>> from scan_analysis.errors import SFileError
    >>> describe_error(SFileError("s2.txt is empty: wait for the DAQ to finish"))
    's2.txt is empty: wait for the DAQ to finish'
    """
    if isinstance(error, ScanAnalysisError):
        text = (error.for_app() if in_served_app() else str(error)).strip()
        return text or type(error).__name__
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class MessageArea(ipywidgets.HTML):
    """A line (or a few) of status text; red when it reports an error.

    Attributes
    ----------
    text : str
        The plain text shown (no markup), empty when cleared.
    kind : {"", "info", "error"}
        What the text is.

    Notes
    -----
    The widget carries the CSS class ``sa-message`` always and
    ``sa-message-error`` while it shows an error, for browser tests.
    """

    text = traitlets.Unicode("", help="plain text shown")
    kind = traitlets.Enum(["", "info", "error"], default_value="")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.add_class(MESSAGE_CLASS)

    def info(self, text: str) -> None:
        """Show an informative message."""
        self._show("info", text)

    def error(self, text: str) -> None:
        """Show an error message (red, class ``sa-message-error``)."""
        self._show("error", text)

    def show_error(self, error: BaseException, *, action: str = "") -> str:
        """Show an exception as a message and log its traceback; returns the text shown.

        Parameters
        ----------
        error : BaseException
            What went wrong.
        action : str
            What was being done (``"reading scan 2"``), prefixed to the message.
        """
        text = describe_error(error)
        if action:
            text = f"{action}: {text}"
        level = logging.WARNING if isinstance(error, ScanAnalysisError) else logging.ERROR
        logger.log(level, "%s", text)
        logger.debug("".join(traceback.format_exception(error)))
        self.error(text)
        return text

    def clear(self) -> None:
        """Show nothing."""
        self._show("", "")

    def _show(self, kind: str, text: str) -> None:
        self.text, self.kind = text, kind
        if kind == "error":
            self.add_class(ERROR_CLASS)
        else:
            self.remove_class(ERROR_CLASS)
        if not text:
            self.value = ""
            return
        self.value = (
            f'<div style="color:{_COLOURS[kind]}; white-space:pre-wrap; line-height:1.4">'
            f"{html.escape(text)}</div>"
        )
