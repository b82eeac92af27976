"""E-log backends: where each scan's summary goes.

Every backend has ``write_entry(entry) -> location``. :class:`LocalElog` (an
HTML page per day) is the default; a Google Docs backend is an optional extra.
"""

from typing import Protocol

from scan_analysis.elog.entry import ElogEntry, ElogFigure
from scan_analysis.elog.local_html import LocalElog


class ElogBackend(Protocol):
    """Writes (or replaces) one scan's entry."""

    def write_entry(self, entry: ElogEntry) -> object: ...


def should_upload(group_upload_flag: bool, elog_enabled: bool) -> bool:
    """Entries are written only when the group asks for it and e-log output is on."""
    return bool(group_upload_flag and elog_enabled)


__all__ = ["ElogBackend", "ElogEntry", "ElogFigure", "LocalElog", "should_upload"]
