"""Live runner at a day's scale: an idle pass, and the dispatch of the next scan, on a long day.

Two days are built in the same run: the baseline (10 scans) and the long day
(500 scans), each scan with an ini and an s-file only (``tests/support/bare_day.py``),
a group of 4 analyzers that finish at once (the execution logger of the tests),
and every task already done: the status files are written as the task queue
writes them. On each day:

- idle pass: :meth:`LiveTaskRunner.process_new` once the runner knows the
  statuses: wall time and the runner thread's CPU time (medians of
  ``--passes`` passes; the wall time follows the machine's load, the CPU
  time much less). The first pass, which reads every status file once, is
  shown too: it is what every pass cost before statuses were kept;
- dispatch latency: with the runner running (OS file events, default
  rescan interval), the next scans are written one at a time, s-file last;
  latency = the first task's recorded claim time minus the s-file's
  modification time (median and max over ``--new-scans`` scans).

Targets on the long day: idle pass < 20 ms, latency < 0.5 s. The last lines
give each figure as a ratio against the baseline day.

    python benchmarks/live_day_scale.py [--scans 500] [--analyzers 4] [--baseline-scans 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

SUPPORT = Path(__file__).resolve().parents[1] / "tests" / "support"
sys.path.insert(0, str(SUPPORT))  # bare days and the execution logger, shared with the tests

from bare_day import build_bare_day, execution_log_configs, write_bare_scan  # noqa: E402

from scan_analysis.data.scan_tag import ScanTag  # noqa: E402
from scan_analysis.live_task_runner import LiveTaskRunner  # noqa: E402
from scan_analysis.task_queue import TaskQueue, TaskState, TaskStatus  # noqa: E402


class WatcherStarted(logging.Handler):
    """Tells when the runner's watcher says it watches (scans written before would wait)."""

    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("watching "):
            self.started.set()


def write_done_statuses(queue: TaskQueue, scans: int, analyzers: list[str]) -> None:
    """Every task of the day done, as the queue records it."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    for scan in range(1, scans + 1):
        queue.task_dir(scan).mkdir(parents=True, exist_ok=True)
        for name in analyzers:
            status = TaskStatus(
                scan=scan,
                analyzer=name,
                state=TaskState.DONE,
                attempts=1,
                message="3 rows seen",
                started=now,
                finished=now,
                updated=now,
            )
            queue.status_path(scan, name).write_text(status.to_json())


def measure_day(root: Path, scans: int, analyzers: list[str], passes: int, new_scans: int):
    """(first pass, idle passes, latencies) in seconds on a day of ``scans`` done scans."""
    day_dir = build_bare_day(root / "data", scans)
    configs = execution_log_configs(
        root / "configs", root / "executions.log", analyzers=tuple(analyzers), upload=False
    )
    tag = ScanTag.from_date("2026-05-08", number=1, experiment="Undulator")
    write_done_statuses(TaskQueue(day_dir / "analysis"), scans, analyzers)
    runner = LiveTaskRunner(
        "bare", tag, data_root=root / "data", config_dir=configs, executor="serial"
    )
    runner.prepare()
    started = time.perf_counter()
    assert runner.process_new() == 0
    first = time.perf_counter() - started
    idle, cpu = [], []
    for _ in range(passes):
        started, started_cpu = time.perf_counter(), time.thread_time()
        assert runner.process_new() == 0
        idle.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)

    latencies = []
    reader = TaskQueue(day_dir / "analysis")
    watching = WatcherStarted()
    logging.getLogger("scan_analysis.scan_watcher").addHandler(watching)
    logging.getLogger("scan_analysis.scan_watcher").setLevel(logging.INFO)
    thread = threading.Thread(target=runner.run)
    thread.start()
    try:
        if not watching.started.wait(60):
            raise SystemExit("the runner's s-file watcher did not start within 60 s")
        for number in range(scans + 1, scans + 1 + new_scans):
            write_bare_scan(day_dir, number)
            appeared = (day_dir / "analysis" / f"s{number}.txt").stat().st_mtime
            deadline = time.monotonic() + 60
            while True:
                statuses = [reader.read_status(number, name) for name in analyzers]
                if all(s.state is TaskState.DONE for s in statuses):
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"scan {number} not analysed within 60 s: {statuses}")
                time.sleep(0.005)
            claimed = min(dt.datetime.fromisoformat(s.started).timestamp() for s in statuses)
            latencies.append(claimed - appeared)
    finally:
        runner.stop()
        thread.join()
        logging.getLogger("scan_analysis.scan_watcher").removeHandler(watching)
    return first, idle, cpu, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=500)
    parser.add_argument("--baseline-scans", type=int, default=10)
    parser.add_argument("--analyzers", type=int, default=4)
    parser.add_argument("--passes", type=int, default=30)
    parser.add_argument("--new-scans", type=int, default=5)
    args = parser.parse_args()
    analyzers = [f"Log{chr(ord('A') + i)}" for i in range(args.analyzers)]
    results = {}
    for scans in (args.baseline_scans, args.scans):
        with tempfile.TemporaryDirectory() as folder:
            results[scans] = measure_day(
                Path(folder), scans, analyzers, args.passes, args.new_scans
            )
    print(
        f"{'scans':>6} {'tasks':>6} {'first pass':>11} {'idle pass':>10} {'(CPU)':>8} "
        f"{'latency median':>15} {'max':>8}"
    )
    for scans, (first, idle, cpu, latencies) in results.items():
        print(
            f"{scans:>6} {scans * len(analyzers):>6} {first * 1e3:>8.1f} ms "
            f"{statistics.median(idle) * 1e3:>7.2f} ms {statistics.median(cpu) * 1e3:>5.2f} ms "
            f"{statistics.median(latencies):>13.3f} s {max(latencies):>6.3f} s"
        )
    print(f"load average while measuring: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    base, day = results[args.baseline_scans], results[args.scans]
    for what, index, unit, target in (
        ("idle pass (wall)", 1, 1e3, "< 20 ms"),
        ("idle pass (CPU)", 2, 1e3, "< 20 ms"),
        (f"dispatch latency of scan {args.scans + 1}", 3, 1, "< 0.5 s"),
    ):
        value, baseline = statistics.median(day[index]), statistics.median(base[index])
        print(
            f"{what}, {args.scans} scans: {value * unit:.3f} {'ms' if unit > 1 else 's'} "
            f"(target {target}); ratio to the {args.baseline_scans}-scan day: "
            f"{value / baseline:.2f} (the day is {args.scans / args.baseline_scans:.0f}x longer)"
        )


if __name__ == "__main__":
    main()
