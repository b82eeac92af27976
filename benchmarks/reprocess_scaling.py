"""Campaign reprocessing speed-up: the same demo campaign on 1 and on 2 Dask workers.

A campaign of demo days (default 4 days x 6 scans, 256x256 camera frames,
10 bins x 10 shots in the main scan) is reprocessed with the repository's
``demo`` group (UC_TopView, UC_Spectrometer, BeamChargeCorrelation: 72 tasks)
with ``reprocess(..., force=True)`` on a LocalCluster of 1 worker process (the
baseline) and then of 2, each started and warmed up before the clock starts.
Prints both wall times, how busy the workers were (task time / wall time)
and how much CPU they actually got (a share below 100 % means other work on
the machine took it: the speed-up then measures the machine, not the
cluster), the load average, and last the speed-up (target >= 1.6 with 2
workers on a 2-core machine).

    python benchmarks/reprocess_scaling.py [--days 4] [--size 256] [--repeats 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from scan_analysis.dask_executor import connect_to_cluster
from scan_analysis.data.demo import build_demo_campaign
from scan_analysis.reprocess import reprocess

REPO_CONFIGS = Path(__file__).parents[1] / "scan_analysis_configs"
FIRST_DAY = "2026-05-04"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load() -> str:
    return "load average " + ", ".join(f"{value:.1f}" for value in os.getloadavg())


def worker_cpu_seconds() -> float:
    """CPU seconds (user + system) this worker process has used (run on each worker)."""
    times = psutil.Process().cpu_times()
    return times.user + times.system


@dataclass
class Run:
    workers: int
    wall: float
    busy: float  # sum of task analysis times / (wall x workers)
    cpu_share: float  # worker CPU seconds / (wall x workers): below 1, the machine was busy


def timed_run(root: Path, last_day: str, workers: int) -> Run:
    """Reprocess the whole campaign on ``workers`` warm worker processes."""
    with connect_to_cluster(n_workers=workers) as connection:
        client = connection.client
        client.wait_for_workers(workers)
        # import the library in every worker before the clock starts
        client.run(__import__, "scan_analysis.reprocess")
        client.run(__import__, "scan_analysis.analyzers.Undulator")
        cpu_before = client.run(worker_cpu_seconds)
        started = time.perf_counter()
        summary = reprocess(
            "Undulator",
            FIRST_DAY,
            last_day,
            group="demo",
            client=client,
            force=True,
            data_root=root,
            config_dir=REPO_CONFIGS,
            progress=False,
        )
        elapsed = time.perf_counter() - started
        cpu_after = client.run(worker_cpu_seconds)
    assert summary.ok and summary.ran == len(summary.tasks), summary.table()
    cpu = sum(cpu_after[w] - cpu_before.get(w, 0.0) for w in cpu_after)
    busy = sum(result.elapsed for result in summary.results)
    return Run(workers, elapsed, busy / (elapsed * workers), cpu / (elapsed * workers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=4)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--bins", type=int, default=10)
    parser.add_argument("--shots-per-bin", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=1, help="runs per worker count (best kept)")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    logging.getLogger("distributed").setLevel(logging.WARNING)
    root = Path(args.workdir or tempfile.mkdtemp(prefix="reprocess_scaling_"))
    try:
        first = dt.date.fromisoformat(FIRST_DAY)
        dates = [(first + dt.timedelta(days=i)).isoformat() for i in range(args.days)]
        build_demo_campaign(
            root,
            dates,
            image_shape=(args.size, args.size),
            n_bins=args.bins,
            shots_per_bin=args.shots_per_bin,
        )
        print(
            f"campaign: {args.days} days x 6 scans x 3 analyzers, {args.size}x{args.size} frames, "
            f"{args.bins}x{args.shots_per_bin} shots in the main scan",
            flush=True,
        )
        print(f"machine: {os.cpu_count()} CPUs, {cpu_model()}; {load()} before", flush=True)
        times: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(args.repeats):
            for workers in (1, 2):
                run = timed_run(root, dates[-1], workers)
                times[workers].append(run.wall)
                print(
                    f"  {workers} worker{'s' if workers > 1 else ' '}: {run.wall:7.1f} s; "
                    f"workers busy {run.busy:4.0%}, CPU they got {run.cpu_share:4.0%} "
                    f"of {workers} core{'s' if workers > 1 else ''} ({load()})",
                    flush=True,
                )
        one, two = min(times[1]), min(times[2])
        print(f"1 worker (baseline):  {one:7.1f} s")
        print(f"2 workers:            {two:7.1f} s")
        print(f"speed-up 2 workers / 1 worker: {one / two:5.2f}   (target >= 1.6)")
    finally:
        if args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
