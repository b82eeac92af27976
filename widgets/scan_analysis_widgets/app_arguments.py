"""What a Voila app was opened with: its URL's query string.

Voila hands each page's query string to the kernel as ``QUERY_STRING``, so
``/voila/render/scan_browser.ipynb?experiment=Undulator&date=2026-05-08&scan=2``
opens the scan browser on that scan::

    ScanBrowser(**query_arguments("experiment", "date", "scan"))

A component also asks :func:`in_served_app` to word its messages for the
app's user (who starts a server) rather than for a notebook's (who passes
keywords).
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs


def query_arguments(*names: str) -> dict[str, str]:
    """The named values of the page's query string (others, e.g. ``token``, left out).

    Examples
    --------
    >>> os.environ["QUERY_STRING"] = "experiment=Undulator&scan=2&token=secret&date="
    >>> query_arguments("experiment", "date", "scan")
    {'experiment': 'Undulator', 'scan': '2'}
    >>> del os.environ["QUERY_STRING"]
    >>> query_arguments("experiment")
    {}
    """
    parsed = parse_qs(os.environ.get("QUERY_STRING", ""), keep_blank_values=False)
    return {name: parsed[name][-1] for name in names if parsed.get(name)}


def in_served_app() -> bool:
    """Whether this kernel runs a page served by Voila (``scan-analysis serve``), not a notebook.

    Voila names itself to the kernel of each page as ``SERVER_SOFTWARE``
    (``voila/0.5.13``), as it passes the query string.

    Examples
    --------
    >>> os.environ["SERVER_SOFTWARE"] = "voila/0.5.13"
    >>> in_served_app()
    True
    >>> del os.environ["SERVER_SOFTWARE"]
    >>> in_served_app()
    False
    """
    return os.environ.get("SERVER_SOFTWARE", "").startswith("voila/")
