"""A scan analyzer for campaign (reprocess) tests: logs every run, can hang once.

Lines appended to ``log_path`` (O_APPEND, whole lines, so concurrent workers
do not mix them): ``start <date> <scan> <pid>`` and ``end <date> <scan> <pid>``.
With ``hang_marker``, the first run to create that file (exclusively) hangs
after logging ``start``, until its process is killed: a test kills it mid-task
and every later run goes through.
"""

from __future__ import annotations

import os
import threading

import pandas as pd

from scan_analysis.base import ScanAnalyzer, ScanOutcome
from scan_analysis.data.file_lock import create_exclusive
from scan_analysis.data.sfile import SHOT_COLUMN


class CampaignProbe(ScanAnalyzer):
    def __init__(
        self, log_path: str, *, hang_marker: str | None = None, analyzer_id: str | None = None
    ) -> None:
        super().__init__(analyzer_id=analyzer_id or "CampaignProbe")
        self.log_path = log_path
        self.hang_marker = hang_marker

    def _log(self, word: str) -> None:
        line = f"{word} {self.tag.date.isoformat()} {self.tag.number} {os.getpid()}\n"
        handle = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(handle, line.encode())
        finally:
            os.close(handle)

    def _run_analysis_core(self):
        self._log("start")
        if self.hang_marker and create_exclusive(self.hang_marker, str(os.getpid())):
            threading.Event().wait()  # until the test kills this process
        shots = self.sfile[SHOT_COLUMN].astype(int)
        self.append_scalars(pd.DataFrame({SHOT_COLUMN: shots, "rows_seen": float(len(shots))}))
        self._log("end")
        self.last_outcome = ScanOutcome("done", f"{len(shots)} rows seen")
        return []

    def cleanup(self) -> None:
        pass


def make_campaign_configs(folder, *, hang_marker=None, figures=True):
    """A config root: group ``campaign`` = CampaignProbe (priority 1), UC_TopView, UC_Spectrometer.

    Returns ``(config_dir, log_path)``. The two device analyzers are the shipped
    configs; with ``figures=False`` they write their scalars but no figures
    (``scan.save: false``), which makes each task several times cheaper.
    """
    import shutil
    from pathlib import Path

    import yaml

    repo_configs = Path(__file__).parents[2] / "scan_analysis_configs"
    root = Path(folder) / "configs"
    (root / "analyzers").mkdir(parents=True)
    (root / "groups").mkdir()
    for name in ("UC_TopView", "UC_Spectrometer"):
        source = repo_configs / "analyzers" / "Undulator" / f"{name}.yaml"
        if figures:
            shutil.copy(source, root / "analyzers")
        else:
            config = yaml.safe_load(source.read_text())
            config.setdefault("scan", {})["save"] = False
            (root / "analyzers" / f"{name}.yaml").write_text(yaml.safe_dump(config))
    log = Path(folder) / "probe.log"
    kwargs = {"log_path": str(log)}
    if hang_marker is not None:
        kwargs["hang_marker"] = str(hang_marker)
    probe = {
        "name": "CampaignProbe",
        "scan_analyzer": {"class": "campaign_probe.CampaignProbe", "kwargs": kwargs},
        "scan": {"priority": 1},
    }
    (root / "analyzers" / "CampaignProbe.yaml").write_text(yaml.safe_dump(probe))
    group = {"name": "campaign", "analyzers": ["UC_TopView", "UC_Spectrometer", "CampaignProbe"]}
    (root / "groups" / "campaign.yaml").write_text(yaml.safe_dump(group))
    return root, log
