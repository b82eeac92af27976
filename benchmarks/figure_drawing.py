"""Cost of the default figures of a scan, as one figure job in a fresh worker meets it.

A real run of each default analyzer (2-D camera with BeamAnalyzer on a 10-bin jet
scan, 1-D spectrometer on the same scan, both on a no-scan) records the figure
jobs it sends to the workers; then, per job, a fresh ``python`` process (as a
worker is) imports the render layer, draws the job once (first draw: imports,
font cache, first-use caches) and again ``--repeats`` times (later draws,
median). Baseline, in the same run: the same fresh process decoding one shot of
the scan (``read_shot``), so each figure is also given in decodes.

    python benchmarks/figure_drawing.py                 # 200 shots of 1024x1024
    python benchmarks/figure_drawing.py --profile       # and cProfile of each draw
    python benchmarks/figure_drawing.py --compare-with /tmp/old   # another checkout, same run
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

from scan_analysis.data.demo import write_demo_scan
from scan_analysis.data.scan_paths import day_dir_for

DATE = "2026-05-08"
EXPERIMENT = "Bench"

# The parent: runs the analyzers serially and keeps the figure jobs they draw.
RECORD = """
import pickle, sys
from scan_analysis.analyzers.common import Array1DScanAnalyzer, Array2DScanAnalyzer
from scan_analysis.analyzers.common import single_device
from scan_analysis.data.scan_tag import ScanTag
from scan_analysis.image import BeamAnalyzer

recorded = []
real = single_device.SingleDeviceScanAnalyzer._draw_jobs


def record(self, jobs):
    recorded.extend((f"{self.analyzer_id} {self.bins.kind.name.lower()}", job) for job in jobs)
    return real(self, jobs)


single_device.SingleDeviceScanAnalyzer._draw_jobs = record
root, out = sys.argv[1], sys.argv[2]
for number in (1, 2):
    tag = ScanTag.from_date("2026-05-08", number=number, experiment="Bench")
    for analyzer in (
        Array2DScanAnalyzer("UC_TopView", image_analyzer=BeamAnalyzer(), executor="serial"),
        Array1DScanAnalyzer("UC_Spectrometer", executor="serial"),
    ):
        analyzer.progress = False
        analyzer.run_analysis(tag, data_root=root)
with open(out, "wb") as stream:
    pickle.dump(recorded, stream)
"""

# A fresh process per job, as a worker meets its first figure.
DRAW = """
import cProfile, io, json, pickle, pstats, sys, time
started = time.perf_counter()
from scan_analysis.data.readers import read_shot
read_shot(sys.argv[4])
begin = time.perf_counter()
read_shot(sys.argv[4])
decode = time.perf_counter() - begin
import_begin = time.perf_counter()
import scan_analysis.render.images  # noqa: F401  (matplotlib: not in a worker's preload)
import scan_analysis.render.lines  # noqa: F401
import scan_analysis.render.scalars  # noqa: F401
from scan_analysis.render import run_figure_job
imports = time.perf_counter() - import_begin
with open(sys.argv[1], "rb") as stream:
    name, job = pickle.load(stream)[int(sys.argv[2])]
repeats, profile = int(sys.argv[3]), sys.argv[5] == "1"
profiles = {}


def draw(label):
    profiler = cProfile.Profile() if profile else None
    begin = time.perf_counter()
    if profiler:
        profiler.enable()
    path = run_figure_job((0, job))[1]
    if profiler:
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(18)
        profiles[label] = text.getvalue()
    return time.perf_counter() - begin, path


first, path = draw("first")
later = sorted(draw("later")[0] for _ in range(repeats))
print(json.dumps({
    "name": name, "file": path.name, "bytes": path.stat().st_size, "decode": decode,
    "import": imports, "first": first, "later": later[len(later) // 2], "profiles": profiles,
}))
"""


def make_scans(root: Path, shots: int, size: int) -> Path:
    """A 10-bin jet scan (Scan001) and a no-scan (Scan002) of ``size``-square frames."""
    day_dir = day_dir_for(root, EXPERIMENT, DATE)
    write_demo_scan(
        day_dir, 1, "jet_scan", image_shape=(size, size), n_bins=10, shots_per_bin=shots // 10
    )
    write_demo_scan(day_dir, 2, "noscan", image_shape=(size, size))
    return day_dir


def run(code: str, *args: str, tree: Path | None = None) -> str:
    """Run ``code`` in a fresh python; ``tree``: a checkout whose library it imports instead."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
    ).stdout


def measure(root: Path, shot: Path, repeats: int, profile: bool, tree: Path | None) -> list[dict]:
    """Record the jobs of a run with ``tree``'s library, then draw each in a fresh process."""
    jobs = root / f"jobs-{abs(hash(str(tree)))}.pkl"
    run(RECORD, str(root), str(jobs), tree=tree)
    with jobs.open("rb") as stream:
        count = len(pickle.load(stream))
    return [
        json.loads(
            run(
                DRAW, str(jobs), str(i), str(repeats), str(shot), "1" if profile else "0", tree=tree
            ).splitlines()[-1]
        )
        for i in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=200)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print cProfile of each draw")
    parser.add_argument("--compare-with", type=Path, default=None, help="another checkout")
    parser.add_argument("--workdir", type=Path, default=None, help="kept (scans, figures)")
    args = parser.parse_args()
    trees: list[Path | None] = [None] + ([args.compare_with] if args.compare_with else [])
    with tempfile.TemporaryDirectory(prefix="figure-drawing-") as folder:
        root = args.workdir or Path(folder)
        day_dir = day_dir_for(root, EXPERIMENT, DATE)
        if not (day_dir / "scans" / "Scan002").is_dir():
            make_scans(root, args.shots, args.size)
        shot = sorted((day_dir / "scans" / "Scan001" / "UC_TopView").iterdir())[0]
        print(f"load average {os.getloadavg()[0]:.1f}")
        results = {tree: measure(root, shot, args.repeats, args.profile, tree) for tree in trees}
        print(f"load average {os.getloadavg()[0]:.1f}")
    for tree, rows in results.items():
        print(f"\n{tree or 'this checkout'}")
        print("| figure | file | KB | import (s) | first draw (s) | later draws (s) | decodes |")
        print("|---|---|---|---|---|---|---|")
        for row in rows:
            print(
                f"| {row['name']} | {row['file']} | {row['bytes'] / 1e3:.0f} | "
                f"{row['import']:.2f} | {row['first']:.2f} | {row['later']:.3f} | "
                f"{row['later'] / row['decode']:.0f} |"
            )
            for label, text in row["profiles"].items():
                print(f"\n{row['file']}, {label} draw:\n{text}")


if __name__ == "__main__":
    main()
