"""``scan-analysis demo``: build the demo day and run the main job on it."""

from __future__ import annotations

import argparse
import logging
import shutil
import time
from pathlib import Path

from scan_analysis.errors import ScanAnalysisError

logger = logging.getLogger(__name__)

EXAMPLE = """\
example:
  scan-analysis demo --root ./demo_data --no-serve

Builds the demo day (Undulator 2026-05-08) under ROOT, then analyses every
scan of it with the demo analyzer group, as the control room would, and prints
where the figures, the updated s-files and the e-log page are.

ROOT must be new, empty, or a demo folder made earlier (it holds the file
.scan_analysis_demo): that one is deleted and rebuilt, or with --keep kept as
it is (scans, s-files with their derived columns, figures; only tasks not yet
done run). Any other existing folder is refused and left untouched.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` sub-command."""
    parser = subparsers.add_parser(
        "demo",
        help="build the demo day and run the demo analysis group over it",
        description="Build the demo day and run the main job on it, as the control room would.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path("demo_data"),
        help="where to build it (default: ./demo_data)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep an existing demo day instead of rebuilding it"
    )
    parser.add_argument(
        "--no-serve",
        action="store_true",
        help="stop after the analysis (default: then serve the apps until Ctrl-C)",
    )
    parser.add_argument("--port", type=int, default=8866, help="port of the apps (default 8866)")
    parser.add_argument(
        "--no-browser", action="store_true", help="serve the apps without opening a browser"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the demo day, then run the main job on it."""
    from scan_analysis.data.demo import DATE, DEMO_MARKER, EXPERIMENT, build_demo_day, is_demo_root
    from scan_analysis.data.scan_paths import day_dir_for, list_scans
    from scan_analysis.data.scan_tag import ScanTag

    root: Path = args.root.resolve()
    started = time.perf_counter()
    made_by_demo = is_demo_root(root)
    if root.exists() and not made_by_demo and not (root.is_dir() and not any(root.iterdir())):
        raise ScanAnalysisError(
            f"--root {root} already exists and is not a demo folder (it has no {DEMO_MARKER} "
            "file that 'scan-analysis demo' writes), so it may hold your own data: nothing was "
            "changed. Pass a new or empty folder as --root, or remove that one yourself if it "
            "is disposable."
        )
    day_dir = day_dir_for(root, EXPERIMENT, DATE)
    if made_by_demo and args.keep and day_dir.is_dir():  # keep means keep: nothing rewritten
        first_scan = ScanTag.from_date(DATE, number=1, experiment=EXPERIMENT)
        scans = ", ".join(str(number) for number in list_scans(day_dir)) or "none"
        print(
            f"kept the demo day built earlier: {day_dir} (scans {scans}); its scans, s-files "
            "(with the columns analysis wrote) and results stay as they are, and only tasks "
            "not yet done run"
        )
    else:
        if made_by_demo:
            shutil.rmtree(root)
            print(
                f"rebuilding the demo folder {root} from scratch: the earlier scans, s-files, "
                "figures and e-log were deleted (pass --keep to keep them)"
            )
        day = build_demo_day(root)
        first_scan = day.tag(1)
        print(f"demo day built in {time.perf_counter() - started:.1f} s: {day.day_dir}")
        for number, scan in sorted(day.scans.items()):
            print(f"  Scan{number:03d}  {scan.kind:<14} {scan.n_shots:>4} shots")
    print(f"data root: {root}  (set SCAN_ANALYSIS_DATA_ROOT={root} to use it)")

    from scan_analysis.live_progress import StatusLine
    from scan_analysis.live_task_runner import LiveTaskRunner

    print(
        "running the 'demo' analyzer group over the day, as the control room would ...", flush=True
    )
    started = time.perf_counter()
    runner = LiveTaskRunner("demo", first_scan, data_root=root, rescan_interval=0.5)
    with StatusLine(runner.progress, log_interval=5.0):
        runner.run(exit_when_idle=0.5)
    snapshot = runner.status_snapshot()
    elapsed = time.perf_counter() - started
    counts = snapshot.counts
    print(
        f"analysis finished in {elapsed:.1f} s: {runner.tasks_run} task(s) run now; day totals: "
        f"{counts['done']} done, {counts['no_data']} no data, {counts['failed']} failed"
    )
    for task in snapshot.tasks:
        if task["state"] == "failed":
            print(f"  FAILED Scan{task['scan']:03d} {task['analyzer']}: {task['error']}")
    print(f"figures: {day_dir / 'analysis'}/ScanNNN/<analyzer>/*.png")
    print(f"updated s-files: {day_dir / 'analysis'}/sN.txt")
    if snapshot.elog_page:
        print(f"e-log page: {snapshot.elog_page}")
    status = 1 if counts["failed"] else 0
    if args.no_serve:
        return status
    from scan_analysis.app_server import ServeOptions
    from scan_analysis.commands.serve import serve_until_stopped
    from scan_analysis.data.scan_paths import resolve_config_dir

    print("serving the apps on the demo day (Ctrl-C stops them) ...", flush=True)
    served = serve_until_stopped(
        ServeOptions(port=args.port, data_root=root, config_dir=resolve_config_dir()),
        open_browser=not args.no_browser,
        start_page="control_room",
        experiment=EXPERIMENT,
        date=DATE,
        group="demo",
    )
    return status or served
