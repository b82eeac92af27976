"""A long day made quickly: hundreds of scans with an ini and an s-file each, no device data.

Scan 1 is written by the project's demo generator (a ``no_camera`` no-scan);
every other scan gets scan 1's ini (its number changed) and a copy of its
s-file, written last as the DAQ does. Analyzers that only read the ini and the
s-file (the execution logger of ``execution_log.py``) run on them in
milliseconds, so a test or a benchmark can have a runner work through a
whole day of scans. Also used by ``benchmarks/live_day_scale.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from scan_analysis.data.demo import write_demo_scan
from scan_analysis.data.scan_paths import day_dir_for


def build_bare_day(data_root: Path, scans: int, *, date: str = "2026-05-08") -> Path:
    """A day of ``scans`` scans under ``data_root`` (experiment Undulator); its folder."""
    day_dir = day_dir_for(Path(data_root), "Undulator", date)
    write_demo_scan(day_dir, 1, "no_camera", shots_per_bin=2)
    for number in range(2, scans + 1):
        write_bare_scan(day_dir, number)
    return day_dir


def write_bare_scan(day_dir: Path, number: int) -> None:
    """Scan ``number`` of a bare day: scan 1's ini and s-file (the s-file last)."""
    scan_dir = day_dir / "scans" / f"Scan{number:03d}"
    scan_dir.mkdir(parents=True, exist_ok=True)
    ini = (day_dir / "scans" / "Scan001" / "ScanInfoScan001.ini").read_text()
    (scan_dir / f"ScanInfoScan{number:03d}.ini").write_text(
        ini.replace('Scan No = "1"', f'Scan No = "{number}"')
    )
    sfile = day_dir / "analysis" / f"s{number}.txt"
    temporary = sfile.with_name(f".{sfile.name}.new")
    shutil.copyfile(day_dir / "analysis" / "s1.txt", temporary)
    temporary.rename(sfile)  # appears whole, as the DAQ's does


def execution_log_configs(
    root: Path, log: Path, *, analyzers: tuple[str, ...] = ("LogA", "LogB"), upload: bool = True
) -> Path:
    """A config root with group ``bare``: execution loggers named ``analyzers``."""
    (root / "analyzers").mkdir(parents=True)
    (root / "groups").mkdir()
    for priority, name in enumerate(analyzers):
        config = {
            "name": name,
            "scan_analyzer": {
                "class": "execution_log.ExecutionLogAnalyzer",
                "kwargs": {"log_path": str(log)},
            },
            "scan": {"priority": priority},
        }
        (root / "analyzers" / f"{name}.yaml").write_text(yaml.safe_dump(config))
    group = {"name": "bare", "upload_to_scan-log": upload, "analyzers": list(analyzers)}
    (root / "groups" / "bare.yaml").write_text(yaml.safe_dump(group))
    return root
