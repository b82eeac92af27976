"""The local e-log at a day's scale: what adding or updating one scan's entry costs on a long day.

Two e-logs are built in the same run, through :meth:`LocalElog.write_entry`:
the baseline with 10 scans and the long day with 500, each scan's entry with
four 1024x1024 display figures (PNG files under ``analysis/Scan{NNN}/``, hard
links of four figures drawn once) and a scalar table. Then, on each:

- adding the next scan's entry (``--repeats`` new scans);
- updating the entry of a scan in the middle of the day (a rerun);
- the self-contained view of the newest ``--view`` scans (what the control
  room shows inline, figures embedded; no more than the baseline day has,
  so both days show as many).

Medians of wall time. Before, each entry re-read every figure of the day and
rewrote one page embedding them all (about 320 KB per scan: a 32 MB page on a
100-scan day, rewritten after every task). The last lines give each figure as
a ratio against the baseline day (target: about 1, the cost independent of
the day's length).

    python benchmarks/live_elog_scale.py [--scans 500] [--baseline-scans 10] [--repeats 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from scan_analysis.elog import ElogEntry, LocalElog, standalone_page  # noqa: E402

ANALYZERS = ("UC_TopView", "UC_Spectrometer", "UC_ALineEbeam", "BeamChargeCorrelation")


def draw_figures(folder: Path) -> list[Path]:
    """Four display figures of the size the analyzers write (a montage-like image each)."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    paths = []
    for name in ANALYZERS:
        figure, axes = plt.subplots(figsize=(6, 6), dpi=170)
        axes.imshow(rng.random((128, 128)), cmap="viridis")
        axes.set_title(name)
        path = folder / f"{name}.png"
        figure.savefig(path)
        plt.close(figure)
        paths.append(path)
    return paths


def entry_for(analysis: Path, scan: int, figures: list[Path], note: str = "") -> ElogEntry:
    """Scan ``scan``'s entry, its figures hard-linked under ``analysis/Scan{NNN}/``."""
    entry = ElogEntry("Undulator", "2026-05-08", scan, description=f"jet scan {scan}{note}")
    for slot, (name, source) in enumerate(zip(ANALYZERS, figures, strict=True)):
        target = analysis / f"Scan{scan:03d}" / name / f"{name}_average.png"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(source, target)
        scalars = {f"scalar_{i}": float(i) * scan for i in range(8)}
        entry.add_outcome(name, "done", display_files=[str(target)], scalars=scalars, slot=slot)
    return entry


def measure(
    root: Path, scans: int, repeats: int, figures: list[Path], view: int
) -> dict[str, float]:
    analysis = root / "analysis"
    elog = LocalElog(analysis / "elog", experiment="Undulator", date="2026-05-08")
    for scan in range(1, scans + 1):
        elog.write_entry(entry_for(analysis, scan, figures))
    timings: dict[str, list[float]] = {"add": [], "update": [], "view": []}
    for index in range(repeats):
        new = entry_for(analysis, scans + 1 + index, figures)
        started = time.perf_counter()
        elog.write_entry(new)
        timings["add"].append(time.perf_counter() - started)
        rerun = entry_for(analysis, max(scans // 2, 1), figures, note=f" (rerun {index})")
        started = time.perf_counter()
        elog.write_entry(rerun)
        timings["update"].append(time.perf_counter() - started)
    for _ in range(3):
        started = time.perf_counter()
        standalone_page(elog.page, newest=view)
        timings["view"].append(time.perf_counter() - started)
    result = {what: statistics.median(values) for what, values in timings.items()}
    result["page_kb"] = elog.page.stat().st_size / 1e3
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=500)
    parser.add_argument("--baseline-scans", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--view", type=int, default=10, help="scans in the inline view")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        figures = draw_figures(Path(folder) / "figures")
        kb = sum(p.stat().st_size for p in figures) / 1e3
        print(f"each entry: {len(figures)} figures, {kb:.0f} KB in all")
        for scans in (args.baseline_scans, args.scans):
            day = Path(folder) / f"day{scans}"
            results[scans] = measure(day, scans, args.repeats, figures, args.view)
    print(
        f"{'scans':>6} {'add an entry':>13} {'update one':>11} "
        f"{f'view newest {args.view}':>15} {'page':>9}"
    )
    for scans, found in results.items():
        print(
            f"{scans:>6} {found['add'] * 1e3:>10.1f} ms {found['update'] * 1e3:>8.1f} ms "
            f"{found['view'] * 1e3:>12.1f} ms {found['page_kb']:>6.1f} KB"
        )
    print(f"load average while measuring: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    base, day = results[args.baseline_scans], results[args.scans]
    for what, key in (
        ("adding an entry", "add"),
        ("updating an entry", "update"),
        (f"viewing the newest {args.view}", "view"),
    ):
        print(
            f"{what}, {args.scans} scans: {day[key] * 1e3:.1f} ms; ratio to the "
            f"{args.baseline_scans}-scan day: {day[key] / base[key]:.2f} "
            f"(the day is {args.scans / args.baseline_scans:.0f}x longer)"
        )


if __name__ == "__main__":
    main()
