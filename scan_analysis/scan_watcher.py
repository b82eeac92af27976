"""Wake a live runner when the DAQ writes an s-file (the "scan complete" signal).

Uses watchdog's native observer (inotify on Linux) on the day's ``analysis/``
folder, or its polling observer for network shares where change events do not
arrive (SMB/NFS). Events only wake the runner early: it also rescans on a
timer, so a lost event costs latency, never a scan.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

logger = logging.getLogger(__name__)

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
