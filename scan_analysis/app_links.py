"""Links into the served apps (``scan-analysis serve``), e.g. from an e-log entry to its scan.

The apps read their query string, so a scan's page is
``{app_url}/voila/render/scan_browser.ipynb?experiment=E&date=YYYY-MM-DD&scan=N``.
The base URL comes from an argument (``watch --app-url``) or the environment
variable ``SCAN_ANALYSIS_APP_URL`` (which ``scan-analysis serve`` sets for the
kernels it starts).
"""

from __future__ import annotations

import os
from urllib.parse import urlencode

APP_URL_ENV = "SCAN_ANALYSIS_APP_URL"


def resolve_app_url(explicit: str | None = None) -> str | None:
    """The apps' base URL (``http://host:port``, no trailing slash), or None when none is set.

    Examples
    --------
    >>> resolve_app_url("http://control-room:8866/")
    'http://control-room:8866'
    """
    url = explicit if explicit is not None else os.environ.get(APP_URL_ENV)
    url = (url or "").strip()
    return url.rstrip("/") or None


def app_page_url(app_url: str, app: str, **query: object) -> str:
    """URL of one app with its query string (values left out when None).

    Examples
    --------
    >>> app_page_url("http://h:8866", "scan_browser", experiment="Undulator", date="2026-05-08",
    ...              scan=2)
    'http://h:8866/voila/render/scan_browser.ipynb?experiment=Undulator&date=2026-05-08&scan=2'
    """
    text = urlencode({key: value for key, value in query.items() if value is not None})
    return f"{app_url.rstrip('/')}/voila/render/{app}.ipynb" + (f"?{text}" if text else "")


def scan_page_url(app_url: str, *, experiment: str, date: str, scan: int) -> str:
    """The scan browser opened on one scan."""
    return app_page_url(app_url, "scan_browser", experiment=experiment, date=date, scan=scan)
