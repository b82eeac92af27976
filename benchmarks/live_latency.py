"""Live latency: from an s-file appearing to its display files being recorded, minus the analysis.

A LiveTaskRunner with default settings (OS file events, 5 s safety rescan,
process pool) watches a fresh day; scans are written one at a time, the s-file
last as the DAQ does. For each scan the script reads the task status and
prints: the dispatch latency (claim time minus the s-file's modification
time), the analysis time (claim to recorded completion) and the total.
Target: latency (total minus analysis) under 2 s.

    python benchmarks/live_latency.py [--scans 6] [--size 256]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import threading
import time
from pathlib import Path

import yaml

from scan_analysis.data.demo import write_demo_scan
from scan_analysis.data.scan_paths import day_dir_for
from scan_analysis.data.scan_tag import ScanTag
from scan_analysis.live_task_runner import LiveTaskRunner
from scan_analysis.task_queue import TaskState

REPO_CONFIGS = Path(__file__).parents[1] / "scan_analysis_configs"


def epoch(iso: str) -> float:
    return dt.datetime.fromisoformat(iso).timestamp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=6)
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        configs = root / "configs"
        (configs / "analyzers").mkdir(parents=True)
        (configs / "groups").mkdir()
        source = REPO_CONFIGS / "analyzers" / "Undulator" / "UC_TopView.yaml"
        (configs / "analyzers" / "UC_TopView.yaml").write_text(source.read_text())
        (configs / "groups" / "latency.yaml").write_text(
            yaml.safe_dump({"name": "latency", "analyzers": ["UC_TopView"]})
        )
        tag = ScanTag.from_date("2026-05-08", number=1, experiment="Undulator")
        day_dir = day_dir_for(root / "data", tag.experiment, tag.date)
        (day_dir / "analysis").mkdir(parents=True)
        runner = LiveTaskRunner("latency", tag, data_root=root / "data", config_dir=configs)
        thread = threading.Thread(target=runner.run)
        thread.start()
        rows = []
        try:
            for number in range(1, args.scans + 1):
                write_demo_scan(day_dir, number, "noscan", image_shape=(args.size, args.size))
                appeared = (day_dir / "analysis" / f"s{number}.txt").stat().st_mtime
                deadline = time.monotonic() + 120
                while True:
                    status = runner.queue.read_status(number, "UC_TopView")
                    if status.state is TaskState.DONE and status.display_files:
                        break
                    if time.monotonic() > deadline:
                        raise SystemExit(f"scan {number} not analysed within 120 s: {status}")
                    time.sleep(0.01)
                claimed, finished = epoch(status.started), epoch(status.finished)
                rows.append((number, claimed - appeared, finished - claimed, finished - appeared))
        finally:
            runner.stop()
            thread.join()
    print(f"{'scan':>4} {'dispatch (s)':>13} {'analysis (s)':>13} {'total (s)':>10}")
    for number, dispatch, analysis, total in rows:
        print(f"{number:>4} {dispatch:>13.3f} {analysis:>13.3f} {total:>10.3f}")
    latencies = [total - analysis for _, _, analysis, total in rows]
    print(
        f"latency (total - analysis): median {statistics.median(latencies):.3f} s, "
        f"max {max(latencies):.3f} s   (target < 2 s)"
    )
    steady = latencies[1:] or latencies
    print(f"after the first scan (worker pool warm): max {max(steady):.3f} s")
    analysis = statistics.median(analysis for _, _, analysis, _ in rows)
    print(
        f"ratio latency / analysis time (medians): {statistics.median(latencies) / analysis:.3f}"
        "   (what live dispatch adds to each scan's own analysis)"
    )


if __name__ == "__main__":
    main()
