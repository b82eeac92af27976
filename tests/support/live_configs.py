"""Config trees for live-runner tests (importable by test modules and subprocesses)."""

import shutil
from pathlib import Path

import yaml

REPO_CONFIGS = Path(__file__).parents[2] / "scan_analysis_configs"


def make_config_dir(tmp_path, *, upload=True, extra_group_entries=(), write_pid=False):
    """UC_TopView + UC_Spectrometer from the shipped configs, plus an execution logger.

    Groups: ``live`` (the three, plus ``extra_group_entries``) and ``log_only``
    (the execution logger alone, for tests about claims rather than analysis).
    """
    root = tmp_path / "configs"
    (root / "analyzers").mkdir(parents=True)
    (root / "groups").mkdir()
    for name in ("UC_TopView", "UC_Spectrometer"):
        shutil.copy(REPO_CONFIGS / "analyzers" / "Undulator" / f"{name}.yaml", root / "analyzers")
    log = tmp_path / "executions.log"
    (root / "analyzers" / "ExecutionLog.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "ExecutionLog",
                "scan_analyzer": {
                    "class": "execution_log.ExecutionLogAnalyzer",
                    "kwargs": {"log_path": str(log), "write_pid": write_pid},
                },
                "scan": {"priority": 1},
            }
        )
    )
    group = {
        "name": "live",
        "upload_to_scan-log": upload,
        "analyzers": ["UC_TopView", "UC_Spectrometer", "ExecutionLog", *extra_group_entries],
    }
    (root / "groups" / "live.yaml").write_text(yaml.safe_dump(group))
    log_only = {"name": "log_only", "upload_to_scan-log": False, "analyzers": ["ExecutionLog"]}
    (root / "groups" / "log_only.yaml").write_text(yaml.safe_dump(log_only))
    return root, log
