"""Whole-scan throughput and memory of Array2DScanAnalyzer + BeamAnalyzer.

1. Throughput: a generated scan of 16-bit PNGs (default 500 shots of
   1024x1024). Measures, in the same process and with the same worker pool,
   (a) a bare loop that reads and decodes every file, and (b) the end-to-end
   ``run_analysis`` (pipeline, BeamAnalyzer, per-bin averages, figures, s-file
   merge), and prints shots/s of both and their ratio (target >= 0.8).
2. Memory: peak RSS of a fresh process (and its workers) analysing a scan of
   100 and of 1,000 shots; prints both and the growth (target < 50 MiB).

    python benchmarks/scan_throughput.py                  # full run (several minutes)
    python benchmarks/scan_throughput.py --shots 100 --memory-shots 50 200 --size 512   # quick
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

from scan_analysis.data.demo import write_demo_scan
from scan_analysis.data.readers import read_shot
from scan_analysis.data.scan_paths import day_dir_for
from scan_analysis.data.scan_tag import ScanTag
from scan_analysis.executors import ProcessPoolShotExecutor

DATE = "2026-05-08"
EXPERIMENT = "Bench"


def beam_config(size: int) -> dict:
    """The per-shot config: background, crosshair, ROI around the beam path, threshold."""
    margin = size // 8
    return {
        "bit_depth": 16,
        "background": {"method": "constant", "constant_level": 100},
        "crosshair_masking": {
            "crosshairs": [
                {
                    "center": [0.75 * size, 0.25 * size],
                    "width": size / 8,
                    "height": size / 8,
                    "thickness": 3,
                }
            ]
        },
        "roi": {"x_min": margin, "x_max": size - margin, "y_min": margin, "y_max": size - margin},
        "thresholding": {"method": "absolute", "value": 30, "mode": "to_zero"},
        "metadata": {"spatial_calibration": 2.5e-5},
    }


def make_scan(root: Path, number: int, shots: int, size: int) -> Path:
    """Write a jet scan of ``shots`` shots (10 bins) and return its day folder."""
    day_dir = day_dir_for(root, EXPERIMENT, DATE)
    bins = 10 if shots >= 10 else 1
    start = time.perf_counter()
    write_demo_scan(
        day_dir,
        number,
        "jet_scan",
        image_shape=(size, size),
        n_bins=bins,
        shots_per_bin=shots // bins,
        defects=False,
    )
    print(
        f"  generated {shots} shots of {size}x{size} in {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    return day_dir


def decode_chunk(paths: list[str]) -> int:
    """The bare baseline: read and decode every file, keep nothing."""
    for path in paths:
        read_shot(path)
    return len(paths)


def throughput(root: Path, shots: int, size: int) -> dict:
    from scan_analysis.analyzers.common import Array2DScanAnalyzer
    from scan_analysis.image import BeamAnalyzer

    day_dir = make_scan(root, 1, shots, size)
    files = sorted(str(p) for p in (day_dir / "scans" / "Scan001" / "UC_TopView").iterdir())
    executor = ProcessPoolShotExecutor()
    chunks = [files[i : i + 8] for i in range(0, len(files), 8)]
    sum(executor.map_unordered(decode_chunk, chunks[: executor.workers]))  # start the workers
    start = time.perf_counter()
    decoded = sum(executor.map_unordered(decode_chunk, chunks))
    bare = decoded / (time.perf_counter() - start)

    analyzer = Array2DScanAnalyzer(
        "UC_TopView",
        image_analyzer=BeamAnalyzer(beam_config(size)),
        executor=executor,
        progress=False,
    )
    tag = ScanTag.from_date(DATE, number=1, experiment=EXPERIMENT)
    start = time.perf_counter()
    display = analyzer.run_analysis(tag, data_root=root)
    elapsed = time.perf_counter() - start
    executor.close()
    assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
    end_to_end = analyzer.last_outcome.shots_analysed / elapsed
    return {
        "workers": executor.workers,
        "bare_shots_per_s": bare,
        "end_to_end_shots_per_s": end_to_end,
        "ratio": end_to_end / bare,
        "figures": len(display),
    }


CHILD = f"""
import json, sys
from scan_analysis.analyzers.common import Array2DScanAnalyzer
from scan_analysis.image import BeamAnalyzer
from scan_analysis.data.scan_tag import ScanTag
sys.path.insert(0, sys.argv[3])
from scan_throughput import beam_config
config = beam_config(int(sys.argv[2]))
analyzer = Array2DScanAnalyzer("UC_TopView", image_analyzer=BeamAnalyzer(config), progress=False)
tag = ScanTag.from_date("{DATE}", number=int(sys.argv[1]), experiment="{EXPERIMENT}")
analyzer.run_analysis(tag, data_root=sys.argv[4])
analyzer.close()
print(json.dumps({{"status": analyzer.last_outcome.status}}))
"""


def peak_rss(root: Path, number: int, size: int) -> float:
    """Peak RSS (MiB) of a fresh analysis process plus its workers, sampled every 20 ms."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            str(number),
            str(size),
            str(Path(__file__).parent),
            str(root),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    parent = psutil.Process(process.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                members = [parent, *parent.children(recursive=True)]
                peak = max(peak, sum(m.memory_info().rss for m in members if m.is_running()))
            except psutil.Error:
                pass
            done.wait(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    output, _ = process.communicate()
    done.set()
    sampler.join()
    assert json.loads(output.strip().splitlines()[-1])["status"] == "done"
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=500)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--memory-shots", type=int, nargs=2, default=(100, 1000))
    parser.add_argument(
        "--memory-size", type=int, default=None, help="frame size for the memory runs"
    )
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    args = parser.parse_args()
    root = Path(args.workdir or tempfile.mkdtemp(prefix="scan_throughput_"))
    try:
        print(f"throughput: {args.shots} shots of {args.size}x{args.size}", flush=True)
        figures = throughput(root / "throughput", args.shots, args.size)
        print(f"  workers:                   {figures['workers']}")
        print(f"  bare read+decode:          {figures['bare_shots_per_s']:8.1f} shots/s")
        print(f"  Array2D + BeamAnalyzer:    {figures['end_to_end_shots_per_s']:8.1f} shots/s")
        print(f"  ratio end-to-end / bare:   {figures['ratio']:8.2f}   (target >= 0.8)")
        if args.no_memory:
            return
        size = args.memory_size or args.size
        small, large = args.memory_shots
        print(f"memory: peak RSS for {small} vs {large} shots of {size}x{size}", flush=True)
        memory_root = root / "memory"
        make_scan(memory_root, 1, small, size)
        make_scan(memory_root, 2, large, size)
        low = peak_rss(memory_root, 1, size)
        high = peak_rss(memory_root, 2, size)
        print(f"  peak RSS {small:>5} shots:       {low:8.1f} MiB")
        print(f"  peak RSS {large:>5} shots:       {high:8.1f} MiB")
        print(f"  growth:                    {high - low:8.1f} MiB   (target < 50 MiB)")
        print(f"ratio end-to-end / bare:     {figures['ratio']:8.2f}   (target >= 0.8)")
    finally:
        if args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
