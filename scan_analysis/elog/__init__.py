"""E-log backends: where each scan's summary goes.

Every backend has ``write_entry(entry) -> location`` and lives in its own module:
:class:`LocalElog` (an HTML page per day assembled from one fragment per scan,
the default; :func:`standalone_page` gives the day as one self-contained page) and
:class:`~scan_analysis.elog.google_doc.GoogleDocElog` (optional extra ``gdoc``).
:class:`ElogUploader` sends entries through a backend, keeps those that
failed and retries them, so the e-log never fails an analysis;
:func:`should_upload` is the group/output switch. The live runner's
:class:`~scan_analysis.elog.publisher.ElogPublisher` writes a scan's entry
once all its tasks are finished.
"""

from typing import Protocol

from scan_analysis.elog.entry import ElogEntry, ElogFigure
from scan_analysis.elog.google_doc import GoogleDocElog
from scan_analysis.elog.local_html import LocalElog, standalone_page
from scan_analysis.elog.upload_queue import ElogUploader, default_pending_dir, should_upload


class ElogBackend(Protocol):
    """Writes (or replaces) one scan's entry."""

    def write_entry(self, entry: ElogEntry) -> object: ...


__all__ = [
    "ElogBackend",
    "ElogEntry",
    "ElogFigure",
    "ElogUploader",
    "GoogleDocElog",
    "LocalElog",
    "default_pending_dir",
    "should_upload",
    "standalone_page",
]
