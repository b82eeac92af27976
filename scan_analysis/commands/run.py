"""``scan-analysis run``: analyse one scan with a group or one analyzer."""

from __future__ import annotations

import argparse
import sys
import time

from scan_analysis.cli_arguments import (
    add_day_arguments,
    add_root_arguments,
    scan_number_argument,
)
from scan_analysis.state_words import state_words

EXAMPLE = """\
examples:
  scan-analysis run --experiment Undulator --date 2026-05-08 --scan 2 --group demo
  scan-analysis run --experiment Undulator --date 2026-05-08 --scan Scan002 \\
      --analyzer UC_TopView --data-root ./demo_data --executor serial

Prints each analyzer's outcome (done / no data / failed), its time and the
figures it wrote; exits 1 when any analyzer failed. Scalars are merged into the
scan's s-file, figures go under analysis/ScanNNN/{analyzer}/.
The data root is --data-root, else $SCAN_ANALYSIS_DATA_ROOT, else
[Paths] GEECS_DATA_LOCAL_BASE_PATH in ~/.config/geecs_python_api/config.ini;
the config root likewise (--config-dir, $SCAN_ANALYSIS_CONFIG_DIR, ...).
A 1-D scan whose s-file holds fewer bins than its ini range (the DAQ still
writing, or stopped early) is refused; --allow-partial analyses it anyway and
marks every figure "partial: 4 of 10 bins".

When the DAQ wrote the s-file again (its derived columns are gone), put them
back without analysing: each analyzer's scalars.csv, saved beside its figures
by the last run, is merged into the s-file:
  scan-analysis run --experiment Undulator --date 2026-05-08 --scan 2 --group demo \\
      --restore-scalars
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` sub-command."""
    parser = subparsers.add_parser(
        "run",
        help="analyse one scan with an analyzer group or a single analyzer",
        description="Run configured analyzers on one scan, merge their scalars into the s-file "
        "and write their figures under analysis/ScanNNN/.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_day_arguments(parser, date_help="scan day, YYYY-MM-DD")
    parser.add_argument(
        "--scan", required=True, type=scan_number_argument, help="scan number, e.g. 2 or Scan002"
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--group", help="analyzer group key or stem (e.g. demo, HTU/baseline)")
    which.add_argument("--analyzer", help="one analyzer by name (its YAML file stem)")
    add_root_arguments(parser)
    parser.add_argument(
        "--executor",
        choices=["processes", "threads", "serial"],
        help="where per-shot work runs (default: processes, or $SCAN_ANALYSIS_EXECUTOR)",
    )
    parser.add_argument(
        "--allow-partial",
        action="store_true",
        help="analyse a scan whose s-file holds fewer bins than its ini range "
        "(its figures are marked partial)",
    )
    parser.add_argument(
        "--restore-scalars",
        action="store_true",
        help="do not analyse: merge the scalars each analyzer's last run saved in "
        "analysis/ScanNNN/{analyzer}/scalars.csv back into the s-file (use it when the DAQ "
        "wrote the s-file again and the derived columns are gone); lists that run's figures",
    )
    parser.set_defaults(func=run)


def partial_scan_problem(paths) -> str | None:
    """Why the scan looks partial (``"partial: 4 of 10 bins"`` with the file), or None."""
    from scan_analysis.base import bin_shots
    from scan_analysis.data.scan_info import ScanInfo
    from scan_analysis.data.sfile import read_sfile
    from scan_analysis.errors import ScanAnalysisError

    try:
        bins = bin_shots(read_sfile(paths.sfile), ScanInfo.for_scan(paths))
    except ScanAnalysisError:  # each analyzer reports a missing or unreadable file itself
        return None
    return f"{bins.partial} in {paths.sfile}" if bins.partial else None


def run(args: argparse.Namespace) -> int:
    """Resolve configs, build every analyzer, run each on the scan, print outcomes.

    Configuration and data-root problems stop the command before any analysis
    runs; an analyzer that fails is reported and the others still run.
    """
    from scan_analysis.analyzers import create_diagnostic_analyzer
    from scan_analysis.config import ConfigTree
    from scan_analysis.data.scan_paths import ScanPaths
    from scan_analysis.data.scan_tag import ScanTag
    from scan_analysis.executors import make_executor

    tag = ScanTag.from_date(args.date, number=args.scan, experiment=args.experiment)
    paths = ScanPaths(tag, data_root=args.data_root)
    paths.require_scan()
    paths.require_writable_output()  # said once here, not once per analyzer
    partial = None if args.restore_scalars else partial_scan_problem(paths)  # nothing analysed
    if partial and not args.allow_partial:
        print(
            f"error: {tag} is {partial} (its ini range has more): the DAQ may still be "
            "writing it, or stopped early. Wait for the scan to end, or pass --allow-partial "
            "to analyse the bins there are (figures are marked partial).",
            file=sys.stderr,
        )
        return 2
    tree = ConfigTree.for_group(args.group, args.config_dir)
    resolved = (
        tree.resolve_group(args.group) if args.group else [tree.resolve_analyzer(args.analyzer)]
    )
    executor = make_executor(args.executor)
    try:
        analyzers = [
            (item, create_diagnostic_analyzer(item, executor=executor)) for item in resolved
        ]
        print(f"{tag}: {len(analyzers)} analyzer(s) from {tree.root}", flush=True)
        statuses: list[str] = []
        for item, analyzer in analyzers:
            print(f"- {item.name} (priority {item.priority}) ...", flush=True)
            started = time.perf_counter()
            files = analyzer.run_analysis(
                tag,
                data_root=paths.data_root,
                config_dir=tree.root,
                restore_scalars=args.restore_scalars,
            )
            outcome = analyzer.last_outcome
            statuses.append(outcome.status)
            # why an analyzer had no data or failed is logged once by the analyzer itself
            said = outcome.message if outcome.status == "done" else ""
            print(
                f"  {item.name}: {state_words(outcome.status)} in "
                f"{time.perf_counter() - started:.1f} s" + (f"; {said}" if said else ""),
                flush=True,
            )
            for path in files:
                print(f"    {path}", flush=True)
    finally:
        executor.close()
    counts = ", ".join(
        f"{statuses.count(s)} {state_words(s)}" for s in ("done", "no_data", "failed")
    )
    print(f"finished {tag}: {counts}")
    return 1 if "failed" in statuses else 0
