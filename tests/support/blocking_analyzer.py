"""A scan analyzer that keeps working (holding the GIL in bursts) until the test releases it.

Configured from YAML as ``scan_analyzer: {class: blocking_analyzer.WorkUntilReleased,
kwargs: {release_file: ..., started_file: ...}}``; it lets a test measure the
kernel's responsiveness *while* a task runs, and stop a runner mid-task,
without sleeping or guessing how long an analysis takes.
"""

from __future__ import annotations

import time
from pathlib import Path

from scan_analysis.base import ScanAnalyzer


class WorkUntilReleased(ScanAnalyzer):
    """Busy pure-Python work until ``release_file`` exists (or ``deadline`` seconds pass)."""

    def __init__(
        self, *, release_file, started_file, deadline=120.0, stage="shots", analyzer_id=None
    ):
        super().__init__(analyzer_id=analyzer_id)
        self.release_file = Path(release_file)
        self.started_file = Path(started_file)
        self.deadline = float(deadline)
        self.stage = stage  # "figures": wait as a scan does while its figures are drawn

    def _run_analysis_core(self):
        if self.stage == "figures":  # one shot analysed, then one step per figure
            self.report_progress(1, 1)
            self.report_progress(1, 3, stage="figures")
        else:
            self.report_progress(0, 1)
        self.started_file.write_text(str(self.tag.number))
        give_up = time.monotonic() + self.deadline
        while not self.release_file.exists():
            sum(i * i for i in range(20_000))  # GIL-bound work, like a pure-Python analyzer
            if time.monotonic() > give_up:
                raise TimeoutError(f"{self.release_file} never appeared")
        self.report_progress(1, 1)
        return []

    def cleanup(self):
        pass


def make_config_dir(tmp_path, *, stage="shots"):
    """A config root with group ``blocking`` = UC_TopView + the blocking analyzer (runs first).

    ``stage="figures"``: the blocking analyzer waits where a scan draws its figures.

    Returns the root, the release file (create it to let the analyzer finish)
    and the file the analyzer writes when it starts.
    """
    import shutil

    import yaml

    repo = Path(__file__).parents[2] / "scan_analysis_configs" / "analyzers" / "Undulator"
    root = tmp_path / "blocking_configs"
    (root / "analyzers").mkdir(parents=True)
    (root / "groups").mkdir()
    shutil.copy(repo / "UC_TopView.yaml", root / "analyzers")
    release, started = tmp_path / "release", tmp_path / "started"
    (root / "analyzers" / "Blocking.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "Blocking",
                "scan_analyzer": {
                    "class": "blocking_analyzer.WorkUntilReleased",
                    "kwargs": {
                        "release_file": str(release),
                        "started_file": str(started),
                        "stage": stage,
                    },
                },
                "scan": {"priority": 1},
            }
        )
    )
    (root / "groups" / "blocking.yaml").write_text(
        yaml.safe_dump({"name": "blocking", "analyzers": ["Blocking", "UC_TopView"]})
    )
    return root, release, started
