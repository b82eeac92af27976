"""Send e-log entries through a backend so that a failure never fails the analysis.

:class:`ElogUploader` wraps any backend (``write_entry(entry)``). An entry that
cannot be written (network down, Google quota, a locked page) is logged and
kept as ``{pending_dir}/Scan{NNN}.json``; every later call first retries what
is pending. A newer entry for the same scan replaces a pending older one.

Several runners may share the pending folder: a runner takes a pending entry
by renaming it to a unique ``*.sending-<token>`` name (only one rename of the
same file can succeed), so each pending entry is retried by one runner at a
time. A ``.sending`` file left by a runner that died mid-send goes back to
pending after ``sending_stale_after`` seconds.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
from pathlib import Path
from typing import Protocol

from scan_analysis.data.atomic_files import write_atomically
from scan_analysis.elog.entry import ElogEntry

logger = logging.getLogger(__name__)

PENDING_FOLDER = ".scan_analysis_elog_pending"
_PENDING = re.compile(r"^Scan(\d+)\.json$")
_SENDING = re.compile(r"^Scan(\d+)\.json\.sending-[0-9a-f]+$")


class ElogBackendLike(Protocol):
    """Anything with ``write_entry(entry)`` (see :class:`scan_analysis.elog.ElogBackend`)."""

    def write_entry(self, entry: ElogEntry) -> object: ...


def should_upload(group_upload_flag: bool, elog_enabled: bool) -> bool:
    """Entries are written only when the group asks for it and e-log output is on.

    Examples
    --------
    >>> should_upload(True, True), should_upload(True, False), should_upload(False, True)
    (True, False, False)
    """
    return bool(group_upload_flag and elog_enabled)


def default_pending_dir(analysis_dir: str | os.PathLike, backend_name: str) -> Path:
    """``{day}/analysis/.scan_analysis_elog_pending/{backend_name}`` (never under ``scans/``)."""
    return Path(analysis_dir) / PENDING_FOLDER / backend_name


class ElogUploader:
    """Writes entries through ``backend``; failures are kept and retried, never raised.

    Parameters
    ----------
    backend : ElogBackend
        Where entries go (:class:`~scan_analysis.elog.LocalElog`,
        :class:`~scan_analysis.elog.google_doc.GoogleDocElog`, ...).
    pending_dir : Path
        Where entries that failed wait (see :func:`default_pending_dir`).
    sending_stale_after : float
        Seconds after which an entry taken by a runner that never finished
        sending it is pending again.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> class Down:
    ...     def write_entry(self, entry):
    ...         raise ConnectionError("no network")
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> uploader = ElogUploader(Down(), folder / "pending")
    >>> uploader.submit(ElogEntry(experiment="Undulator", date="2026-05-08", scan=3))
    False
    >>> [p.name for p in uploader.pending()]
    ['Scan003.json']
    """

    def __init__(
        self,
        backend: ElogBackendLike,
        pending_dir: str | os.PathLike,
        *,
        sending_stale_after: float = 600.0,
    ) -> None:
        self.backend = backend
        self.pending_dir = Path(pending_dir)
        self.sending_stale_after = sending_stale_after

    def pending(self) -> list[Path]:
        """The entries waiting to be sent, by scan number."""
        if not self.pending_dir.is_dir():
            return []
        found = [p for p in self.pending_dir.iterdir() if _PENDING.match(p.name)]
        return sorted(found, key=lambda p: int(_PENDING.match(p.name).group(1)))

    def submit(self, entry: ElogEntry) -> bool:
        """Retry what is pending, then write ``entry``; True when ``entry`` was written.

        Never raises: a failure is logged and the entry kept for the next call.
        """
        self.retry_pending(skip_scan=entry.scan)
        if self._send(entry):
            self._drop_pending(entry.scan)  # an older pending version is now superseded
            return True
        self._keep(entry)
        return False

    def retry_pending(self, *, skip_scan: int | None = None) -> int:
        """Send every pending entry this runner can take; returns how many were written."""
        self._recover_abandoned()
        sent = 0
        for path in self.pending():
            scan = int(_PENDING.match(path.name).group(1))
            if scan == skip_scan:
                continue
            taken = path.with_name(f"{path.name}.sending-{secrets.token_hex(6)}")
            try:
                os.rename(path, taken)  # exactly one runner wins each pending entry
            except FileNotFoundError:
                continue
            try:
                entry = ElogEntry.from_dict(json.loads(taken.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError, KeyError) as error:
                logger.warning(
                    "e-log: pending entry %s is unreadable (%s); dropping it", path, error
                )
                taken.unlink(missing_ok=True)
                continue
            if self._send(entry):
                taken.unlink(missing_ok=True)
                sent += 1
            else:
                _put_back(taken, path)
        return sent

    def _send(self, entry: ElogEntry) -> bool:
        try:
            self.backend.write_entry(entry)
        except Exception as error:  # any backend failure: keep the entry, never fail analysis
            logger.error(
                "e-log: %s not written by %s (%s: %s); kept in %s and retried with the next entry",
                entry.title,
                type(self.backend).__name__,
                type(error).__name__,
                error,
                self.pending_dir,
            )
            return False
        return True

    def _keep(self, entry: ElogEntry) -> None:
        try:
            self.pending_dir.mkdir(parents=True, exist_ok=True)
            write_atomically(
                self.pending_dir / f"Scan{entry.scan:03d}.json",
                json.dumps(entry.to_dict(), indent=1),
            )
        except OSError as error:
            logger.error(
                "e-log: cannot keep %s for a retry in %s: %s", entry.title, self.pending_dir, error
            )

    def _drop_pending(self, scan: int) -> None:
        (self.pending_dir / f"Scan{scan:03d}.json").unlink(missing_ok=True)

    def _recover_abandoned(self) -> None:
        if not self.pending_dir.is_dir():
            return
        now = time.time()
        for path in self.pending_dir.iterdir():
            match = _SENDING.match(path.name)
            if not match:
                continue
            try:
                abandoned = now - path.stat().st_mtime > self.sending_stale_after
            except FileNotFoundError:
                continue
            if not abandoned:
                continue
            target = self.pending_dir / f"Scan{int(match.group(1)):03d}.json"
            if _put_back(path, target):
                logger.warning("e-log: %s was abandoned mid-send; pending again", target)


def _put_back(taken: Path, pending: Path) -> bool:
    """Return a taken entry to ``pending`` unless a newer one is there; True if put back."""
    try:
        os.link(taken, pending)  # fails when the target exists: never overwrites a newer entry
        put_back = True
    except FileExistsError:
        put_back = False
    except FileNotFoundError:
        return False
    except OSError:  # no hard links on this share
        if pending.exists():
            put_back = False
        else:
            os.replace(taken, pending)
            return True
    taken.unlink(missing_ok=True)
    return put_back
