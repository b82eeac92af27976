"""The live runner's e-log publisher: one entry per scan, once all its tasks are finished.

The runner calls :meth:`ElogPublisher.publish_if_finished` after each task it
ran. When every analyzer of the group has finished the scan (done, no_data or
failed), the entry is built from the scan's ini and the tasks' statuses and
sent through each :class:`~scan_analysis.elog.upload_queue.ElogUploader`; a
task that runs again later (a rerun) publishes the entry again, and each
backend replaces the scan's entry rather than adding one. Nothing here ever
fails an analysis: errors are logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scan_analysis.app_links import scan_page_url
from scan_analysis.data.scan_info import ScanInfo
from scan_analysis.elog.entry import ElogEntry
from scan_analysis.elog.upload_queue import ElogUploader
from scan_analysis.task_queue import TaskQueue

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishedAnalyzer:
    """An analyzer of the group as the e-log shows it: its id and its Google Doc grid slot."""

    name: str
    slot: int | None = None


class ElogPublisher:
    """Writes a scan's e-log entry through the uploaders once every task of it is finished.

    Parameters
    ----------
    uploaders : list of ElogUploader
        Where entries go (kept and retried on failure); the list itself is
        kept, so an uploader appended to it later is used too.
    queue : TaskQueue
        The day's tasks.
    analyzers : sequence of PublishedAnalyzer
        The group's analyzers, in the order the entry lists them.
    experiment, date : str
        The day (``date`` in ISO format).
    ini_for : callable
        ``ini_for(scan) -> Path`` of the scan's ini file.
    app_url : str, optional
        Base URL of the served apps: each entry links to its scan.
    """

    def __init__(
        self,
        uploaders: list[ElogUploader],
        *,
        queue: TaskQueue,
        analyzers: Sequence[PublishedAnalyzer],
        experiment: str,
        date: str,
        ini_for: Callable[[int], Path],
        app_url: str | None = None,
    ) -> None:
        self.uploaders = uploaders
        self.queue = queue
        self.analyzers = list(analyzers)
        self.experiment = experiment
        self.date = date
        self.ini_for = ini_for
        self.app_url = app_url

    def publish_if_finished(self, scan: int) -> bool:
        """Send the scan's entry if all its tasks are finished; True when it was sent."""
        try:
            statuses = self.queue.scan_statuses(scan)
            found = [statuses.get(a.name) for a in self.analyzers]
            if not all(status is not None and status.state.terminal for status in found):
                return False
            entry = self.entry_for(scan)
            for uploader in self.uploaders:
                uploader.submit(entry)  # never raises; failures are kept and retried
        except Exception as error:  # the e-log never fails an analysis
            logger.error("e-log entry for scan %d not written: %s", scan, error)
            return False
        return True

    def entry_for(self, scan: int) -> ElogEntry:
        """The scan's entry: the ini's description and range, and each analyzer's outcome."""
        ini = self.ini_for(scan)
        entry = ElogEntry.from_scan(
            experiment=self.experiment,
            date=self.date,
            scan=scan,
            info=ScanInfo.from_file(ini) if ini.is_file() else None,
        )
        if self.app_url:
            entry.link = scan_page_url(
                self.app_url, experiment=self.experiment, date=self.date, scan=scan
            )
        statuses = self.queue.scan_statuses(scan)
        for analyzer in self.analyzers:
            status = statuses.get(analyzer.name) or self.queue.read_status(scan, analyzer.name)
            entry.add_outcome(
                analyzer.name,
                status.state.value,
                message=status.message,
                display_files=status.display_files,
                scalars=status.scalars,
                slot=analyzer.slot,
                scalar_table=status.scalar_table,
            )
        return entry
