"""Wake a live runner when the DAQ writes an s-file (the "scan complete" signal).

Uses watchdog's native observer (inotify on Linux) on the day's ``analysis/``
folder, or its polling observer for network shares where change events do not
arrive (SMB/NFS). Events only wake the runner early: it also rescans on a
timer, so a lost event costs latency, never a scan. :class:`ScanReadiness`
holds back a scan whose s-file is visible before its folder (a share catching up).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from scan_analysis.data.scan_paths import ScanPaths

logger = logging.getLogger(__name__)


def _not_a_stop_race(record: logging.LogRecord) -> bool:
    """Drop watchdog's "queue_events() called when the thread is inactive".

    watchdog's inotify emitter logs it as an ERROR when a read returns while the
    observer is being stopped (a race inside watchdog, harmless: the event is
    dropped because nobody watches any more). Left in, every clean stop of a
    runner may end with a red error line.
    """
    return "called when the thread is inactive" not in record.getMessage()


logging.getLogger("watchdog.observers.inotify").addFilter(_not_a_stop_race)

SFILE_NAME = re.compile(r"^s(\d+)\.txt$")


class _SFileHandler(FileSystemEventHandler):
    def __init__(self, wake: threading.Event) -> None:
        self.wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        for raw in (getattr(event, "src_path", ""), getattr(event, "dest_path", "")):
            name = Path(str(raw)).name if raw else ""
            if SFILE_NAME.match(name):
                logger.debug("s-file event %s %s", event.event_type, raw)
                self.wake.set()
                return


class SFileWatcher:
    """Sets ``wake`` whenever an ``s{N}.txt`` appears or changes in ``analysis_dir``.

    Parameters
    ----------
    analysis_dir : Path
        The day's ``analysis/`` folder; it must exist to be watched (the runner
        waits for it and calls :meth:`start` once it does).
    wake : threading.Event
        Set on every s-file event.
    polling : bool
        Use the polling observer (network shares).
    poll_interval : float
        Seconds between polls of the polling observer.
    """

    def __init__(
        self,
        analysis_dir: Path,
        wake: threading.Event,
        *,
        polling: bool = False,
        poll_interval: float = 1.0,
    ) -> None:
        self.analysis_dir = Path(analysis_dir)
        self.wake = wake
        self.polling = polling
        self.poll_interval = poll_interval
        self._observer = None

    @property
    def running(self) -> bool:
        """Whether an observer is watching."""
        return self._observer is not None

    def start(self) -> None:
        """Start watching (falls back to polling if the native observer cannot start)."""
        if self._observer is not None:
            return
        handler = _SFileHandler(self.wake)
        kinds = [True] if self.polling else [False, True]
        for polling in kinds:
            observer = PollingObserver(timeout=self.poll_interval) if polling else Observer()
            try:
                observer.schedule(handler, str(self.analysis_dir), recursive=False)
                observer.start()
            except OSError as error:
                logger.warning(
                    "cannot watch %s natively (%s); polling instead", self.analysis_dir, error
                )
                continue
            self._observer = observer
            logger.info(
                "watching %s for new s-files (%s)",
                self.analysis_dir,
                "polling" if polling else "events",
            )
            return

    def stop(self) -> None:
        """Stop watching."""
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=10)
            self._observer = None


class ScanReadiness:
    """Whether a scan whose s-file has appeared can be analysed yet.

    On a network share the s-file (the DAQ's "scan complete" signal) can
    become visible before the scan's folder or its ini. Such a scan is *not
    ready yet*: the runner leaves its tasks alone, so no attempt is spent, and
    says so once. Only a scan whose folder or ini is still missing ``grace``
    seconds after this runner first saw its s-file (by its own monotonic
    clock) is analysed anyway, so that the analysis fails with the error
    naming what is missing.

    Parameters
    ----------
    paths_for : callable
        ``paths_for(scan_number) -> ScanPaths``.
    grace : float
        Seconds to wait for a scan folder and ini that lag behind the s-file.
    """

    def __init__(self, paths_for: Callable[[int], ScanPaths], *, grace: float) -> None:
        self.paths_for = paths_for
        self.grace = grace
        self._waiting: dict[int, float] = {}
        self._ready: set[int] = set()  # the DAQ never takes a scan folder away again

    def ready(self, scan: int) -> bool:
        """True when the scan's folder and ini exist, or waiting for them is over."""
        if scan in self._ready:
            return True
        paths = self.paths_for(scan)
        missing = [p for p in (paths.scan_dir, paths.ini_file) if not p.exists()]
        if not missing:
            self._waiting.pop(scan, None)
            self._ready.add(scan)
            return True
        now = time.monotonic()
        if scan not in self._waiting:
            self._waiting[scan] = now
            logger.warning(
                "Scan%03d: its s-file is there but %s is not yet (a network share catching up?); "
                "waiting for it, up to %g s",
                scan,
                missing[0],
                self.grace,
            )
        if now - self._waiting[scan] < self.grace:
            return False
        self._ready.add(scan)
        logger.error(
            "Scan%03d: %s is still missing %g s after its s-file appeared; analysing it anyway "
            "(its tasks will fail and say what is missing)",
            scan,
            missing[0],
            self.grace,
        )
        return True
