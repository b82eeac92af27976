"""Whole-scan throughput and memory of Array2DScanAnalyzer + BeamAnalyzer, as a user meets it.

1. Throughput: a generated 10-bin jet scan of 16-bit PNGs (default 200 shots of
   1024x1024). Each repeat starts a fresh ``python`` process that imports the
   library and, with nothing warmed before the clock, runs
   ``Array2DScanAnalyzer("UC_TopView", image_analyzer=BeamAnalyzer()).run_analysis(tag)``
   (cold: default analyzer, full frame, figures, s-file merge), then the same
   call again (warm), then, on the same warm workers, the ROI config and a
   full-frame median 3x3 + Gaussian sigma=1 config (each run once untimed, then
   timed). Baseline: a bare read + decode of the same files with Pillow on a
   started 2-process pool in this process (the library's own reader, faster on
   camera PNGs, is timed too and reported beside it), measured right before and after
   each child; each figure is reported as a ratio to it. The child also
   reports where the time went (library import, until the first shot starts
   on a worker, the shots, and after the last shot: figures, per-bin arrays,
   s-file merge).
2. Memory: peak RSS of a fresh process (and its workers) analysing a scan of
   100 and of 400 shots; prints both and the growth (target < 50 MiB).

    python benchmarks/scan_throughput.py                  # full run (a few minutes)
    python benchmarks/scan_throughput.py --shots 80 --repeats 1 --memory-shots 40 80 --size 512
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
from _timing import pillow_decode

from scan_analysis.data.demo import write_demo_scan
from scan_analysis.data.readers import read_shot
from scan_analysis.data.scan_paths import day_dir_for
from scan_analysis.executors import ProcessPoolShotExecutor

DATE = "2026-05-08"
EXPERIMENT = "Bench"
CASES = ("cold", "warm", "roi", "filtered")
GOALS = {"cold": 0.8, "warm": 0.9, "roi": 0.8, "filtered": 0.8}


def beam_config(size: int) -> dict:
    """The ROI config: background, crosshair, ROI around the beam path, threshold."""
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


def filtered_config(size: int) -> dict:
    """Full frame with the median 3x3 and Gaussian sigma=1 filters (no ROI)."""
    config = {key: value for key, value in beam_config(size).items() if key != "roi"}
    config["filtering"] = {"median_kernel_size": 3, "gaussian_sigma": 1.0}
    return config


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


def tree_cpu_seconds(process: psutil.Process | None = None, *, own: bool = True) -> float:
    """CPU seconds (user + system) used so far by ``process`` (default: this one, if ``own``)
    and all its live descendants (the worker processes)."""
    process = process or psutil.Process()
    total = 0.0
    for member in ([process] if own else []) + process.children(recursive=True):
        try:
            times = member.cpu_times()
        except psutil.Error:  # ended meanwhile
            continue
        total += times.user + times.system
    return total


def decode_chunk(paths: list[str]) -> int:
    """The bare baseline: read and decode every file with Pillow, keep nothing."""
    for path in paths:
        pillow_decode(path)
    return len(paths)


def library_decode_chunk(paths: list[str]) -> int:
    """The library's own reader (faster than Pillow on camera PNGs): for comparison only."""
    for path in paths:
        read_shot(path)
    return len(paths)


def bare_decode(
    executor: ProcessPoolShotExecutor, files: list[str], decode=decode_chunk
) -> tuple[float, float]:
    """Shots/s of a bare read + decode of ``files`` on the (started) pool, and the CPU
    milliseconds per shot it used (this process and its workers)."""
    chunks = [files[i : i + 8] for i in range(0, len(files), 8)]
    cpu = tree_cpu_seconds()
    start = time.perf_counter()
    decoded = sum(executor.map_unordered(decode, chunks))
    elapsed = time.perf_counter() - start
    return decoded / elapsed, (tree_cpu_seconds() - cpu) / decoded * 1000


# The fresh process: the clock starts before the library is imported. Chunk and figure
# timestamps come from wrappers around the work sent to the workers (benchmark only).
CHILD = """
import json, sys, time
started = time.perf_counter()
from scan_analysis.analyzers.common import Array2DScanAnalyzer
from scan_analysis.image import BeamAnalyzer
from scan_analysis.data.scan_tag import ScanTag
imported = time.perf_counter()

import scan_analysis.analyzers.common.single_device as single_device

chunks = []
real_analyze_chunk = single_device.analyze_chunk
real_collect = single_device.SingleDeviceScanAnalyzer._collect


def timed_chunk(chunk, real=real_analyze_chunk):
    import time
    begin = time.time()
    result = real(chunk)
    result.bench_times = (begin, time.time())
    return result


timed_chunk.__module__ = "__main__"  # sent by value


def collect(self, result):
    chunks.append(result.bench_times)
    return real_collect(self, result)


single_device.analyze_chunk = timed_chunk
single_device.SingleDeviceScanAnalyzer._collect = collect

sys.path.insert(0, sys.argv[3])
from scan_throughput import beam_config, filtered_config, tree_cpu_seconds

size = int(sys.argv[2])
tag = ScanTag.from_date("2026-05-08", number=int(sys.argv[1]), experiment="Bench")
root = sys.argv[4]
out = {"import_s": imported - started}


def timed(name, analyzer):
    chunks.clear()
    cpu = tree_cpu_seconds()
    begin_wall, begin = time.time(), time.perf_counter()
    analyzer.run_analysis(tag, data_root=root)
    elapsed = time.perf_counter() - begin
    cpu = tree_cpu_seconds() - cpu
    end_wall = time.time()
    outcome = analyzer.last_outcome
    assert outcome.status == "done", outcome.message
    first = min(start for start, _ in chunks)
    last = max(stop for _, stop in chunks)
    out[name] = {
        "seconds": elapsed,
        "cpu_ms_per_shot": cpu / outcome.shots_analysed * 1000,
        "shots": outcome.shots_analysed,
        "until_first_shot_s": first - begin_wall,
        "shots_s": last - first,
        "after_last_shot_s": end_wall - last,
    }


analyzer = Array2DScanAnalyzer("UC_TopView", image_analyzer=BeamAnalyzer(), progress=False)
timed("cold", analyzer)
timed("warm", analyzer)
for name, config in (("roi", beam_config(size)), ("filtered", filtered_config(size))):
    other = Array2DScanAnalyzer(
        "UC_TopView",
        image_analyzer=BeamAnalyzer(config),
        analyzer_id=f"UC_TopView_{name}",
        executor=analyzer.executor,
        progress=False,
    )
    other.run_analysis(tag, data_root=root)  # its first run: filters' imports, caches
    timed(name, other)
analyzer.close()
print(json.dumps(out))
"""


def run_child(root: Path, number: int, size: int, tree: Path | None = None) -> dict:
    """Run the fresh-process measurements; returns the child's JSON report.

    ``tree``: a checkout whose ``scan_analysis`` the child imports instead (another version).
    """
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
    output = subprocess.run(
        [sys.executable, "-c", CHILD, str(number), str(size), str(Path(__file__).parent), root],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,  # "python -c" puts the working folder first on sys.path
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def throughput(
    root: Path, shots: int, size: int, repeats: int, trees: list[Path | None]
) -> list[list[dict]]:
    """Per version (``trees``, None: this one), per repeat: shots/s of each case and of the
    bare decode around it. Versions alternate within each repeat."""
    day_dir = make_scan(root, 1, shots, size)
    files = sorted(str(p) for p in (day_dir / "scans" / "Scan001" / "UC_TopView").iterdir())
    executor = ProcessPoolShotExecutor(max_workers=2)
    bare_decode(executor, files[:16])  # start the baseline's workers before its clock
    results: list[list[dict]] = [[] for _ in trees]
    try:
        for repeat in range(repeats):
            for index, tree in enumerate(trees):
                load = os.getloadavg()[0]
                before, cpu_before = bare_decode(executor, files)
                child = run_child(root, 1, size, tree)
                after, cpu_after = bare_decode(executor, files)
                library, _ = bare_decode(executor, files, library_decode_chunk)
                bare = (before + after) / 2
                row = {
                    "load": load,
                    "bare": bare,
                    "bare_range": (before, after),
                    "bare_cpu_ms": (cpu_before + cpu_after) / 2,
                    "library_decode": library,
                    "child": child,
                }
                for case in CASES:
                    row[case] = child[case]["shots"] / child[case]["seconds"]
                results[index].append(row)
                print(
                    f"  repeat {repeat + 1}{f' ({tree})' if tree else ''}: load {load:.1f}, "
                    f"bare {before:.0f}/{after:.0f} shots/s; "
                    + ", ".join(f"{case} {row[case] / bare:.2f}" for case in CASES),
                    flush=True,
                )
    finally:
        executor.close()
    return results


MEMORY_CHILD = f"""
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
            MEMORY_CHILD,
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


def report(results: list[dict]) -> str:
    """Print the per-case ranges and phases; returns the summary line."""
    loads = [row["load"] for row in results]
    bares = [value for row in results for value in row["bare_range"]]
    library = float(np.median([row["library_decode"] / row["bare"] for row in results]))
    print(
        f"  load average {min(loads):.1f}-{max(loads):.1f}; bare read+decode with Pillow "
        f"{min(bares):.0f}-{max(bares):.0f} shots/s (2 workers); the library's own reader "
        f"decodes {library:.2f}x as fast"
    )
    print(f"  {'case':<9} {'shots/s':>13} {'ratio to bare':>15}  goal   phases (s, median)")
    summary = []
    for case in CASES:
        speeds = [row[case] for row in results]
        ratios = sorted(row[case] / row["bare"] for row in results)
        phases = {
            key: float(np.median([row["child"][case][key] for row in results]))
            for key in ("until_first_shot_s", "shots_s", "after_last_shot_s")
        }
        print(
            f"  {case:<9} {min(speeds):6.1f}-{max(speeds):6.1f} {ratios[0]:7.2f}-{ratios[-1]:.2f}"
            f"  >= {GOALS[case]:.1f}  start {phases['until_first_shot_s']:.2f}, "
            f"shots {phases['shots_s']:.2f}, after {phases['after_last_shot_s']:.2f}"
        )
        summary.append(f"{case} {float(np.median(ratios)):.2f}")
    bare_cpu = float(np.median([row["bare_cpu_ms"] for row in results]))
    case_cpu = {
        case: float(np.median([row["child"][case]["cpu_ms_per_shot"] for row in results]))
        for case in CASES
    }
    print(
        "  CPU ms per shot, all processes (less sensitive to other load than wall time): "
        f"bare decode {bare_cpu:.1f}; "
        + ", ".join(
            f"{case} {case_cpu[case]:.1f} ({bare_cpu / case_cpu[case]:.2f})" for case in CASES
        )
    )
    imports = [row["child"]["import_s"] for row in results]
    print(f"  library import in the fresh process: {min(imports):.2f}-{max(imports):.2f} s")
    return "median ratios to bare decode: " + ", ".join(summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=200)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-shots", type=int, nargs=2, default=(100, 400))
    parser.add_argument(
        "--memory-size", type=int, default=None, help="frame size for the memory runs"
    )
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    parser.add_argument(
        "--compare-with",
        type=Path,
        default=None,
        help="a checkout of another version (git worktree add --detach DIR main): its "
        "scan_analysis is measured too, in the same run, alternating with this one",
    )
    args = parser.parse_args()
    root = Path(args.workdir or tempfile.mkdtemp(prefix="scan_throughput_"))
    try:
        print(
            f"throughput: {args.shots} shots of {args.size}x{args.size}, {args.repeats} repeats",
            flush=True,
        )
        trees = [None] + ([args.compare_with] if args.compare_with else [])
        results = throughput(root / "throughput", args.shots, args.size, args.repeats, trees)
        if args.compare_with is not None:
            print(f"other version ({args.compare_with}):")
            print("  " + report(results[1]))
            print("this version:")
        summary = report(results[0])
        if not args.no_memory:
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
        print(summary)
    finally:
        if args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
