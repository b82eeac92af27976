"""A scan analyzer for live tests: logs every execution, can be told to hang or wait.

Lines appended to ``log_path`` (O_APPEND, so concurrent runners do not mix
lines): ``start <analyzer> <scan> <pid>`` and ``end <analyzer> <scan> <pid>``.
With ``SCAN_ANALYSIS_TEST_HANG=1`` in the environment the analyzer hangs after
logging ``start``, so a test can kill its runner mid-task. With
``SCAN_ANALYSIS_TEST_WAIT_FOR=<path>`` it waits after ``start`` until that file
exists (only on scan ``SCAN_ANALYSIS_TEST_WAIT_SCAN`` when that is set), so a
test can signal, stop or resume its runner mid-task and then let it finish.
With ``write_pid=True`` it writes its process id as the per-shot scalar ``pid``
(s-file column ``ExecutionLog_pid``), so a test can see whose work the s-file holds.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from scan_analysis.base import ScanAnalyzer, ScanOutcome


class ExecutionLogAnalyzer(ScanAnalyzer):
    def __init__(
        self, log_path: str, *, write_pid: bool = False, analyzer_id: str | None = None
    ) -> None:
        super().__init__(analyzer_id=analyzer_id or "ExecutionLog")
        self.log_path = log_path
        self.write_pid = write_pid

    def _log(self, word: str) -> None:
        line = f"{word} {self.analyzer_id} {self.tag.number} {os.getpid()}\n".encode()
        handle = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(handle, line)
        finally:
            os.close(handle)

    def _wait_if_asked(self) -> None:
        go = os.environ.get("SCAN_ANALYSIS_TEST_WAIT_FOR")
        only_scan = os.environ.get("SCAN_ANALYSIS_TEST_WAIT_SCAN")
        if not go or (only_scan and int(only_scan) != self.tag.number):
            return
        while not Path(go).exists():  # the test creates it; signals may interrupt the wait
            time.sleep(0.02)

    def _run_analysis_core(self):
        self._log("start")
        if os.environ.get("SCAN_ANALYSIS_TEST_HANG") == "1":
            threading.Event().wait()  # until killed
        self._wait_if_asked()
        if self.write_pid:
            frame = self.sfile[["Shotnumber"]].copy()
            frame["pid"] = float(os.getpid())
            self.append_scalars(frame)
        self._log("end")
        self.last_outcome = ScanOutcome("done", f"{len(self.sfile)} rows seen by {os.getpid()}")
        return []

    def cleanup(self) -> None:
        pass
