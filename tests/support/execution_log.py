"""A scan analyzer for live tests: logs every execution, can be told to hang.

Lines appended to ``log_path`` (O_APPEND, so concurrent runners do not mix
lines): ``start <analyzer> <scan> <pid>`` and ``end <analyzer> <scan> <pid>``.
With ``SCAN_ANALYSIS_TEST_HANG=1`` in the environment the analyzer hangs after
logging ``start``, so a test can kill its runner mid-task.
"""

from __future__ import annotations

import os
import threading

from scan_analysis.base import ScanAnalyzer, ScanOutcome


class ExecutionLogAnalyzer(ScanAnalyzer):
    def __init__(self, log_path: str, *, analyzer_id: str | None = None) -> None:
        super().__init__(analyzer_id=analyzer_id or "ExecutionLog")
        self.log_path = log_path

    def _log(self, word: str) -> None:
        line = f"{word} {self.analyzer_id} {self.tag.number} {os.getpid()}\n".encode()
        handle = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(handle, line)
        finally:
            os.close(handle)

    def _run_analysis_core(self):
        self._log("start")
        if os.environ.get("SCAN_ANALYSIS_TEST_HANG") == "1":
            threading.Event().wait()  # until killed
        self._log("end")
        self.last_outcome = ScanOutcome("done", f"{len(self.sfile)} rows seen")
        return []

    def cleanup(self) -> None:
        pass
