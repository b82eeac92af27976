"""``scan-analysis run``: analyse one scan with a group or one analyzer."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

EXAMPLE = """\
examples:
  scan-analysis run --experiment Undulator --date 2026-05-08 --scan 2 --group demo
  scan-analysis run --experiment Undulator --date 2026-05-08 --scan Scan002 --analyzer UC_TopView \\
      --data-root ./demo_data

Prints each analyzer's outcome (done / no_data / failed), its time and the
figures it wrote; exits 1 when any analyzer failed.
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
    parser.add_argument("--experiment", required=True, help="experiment folder, e.g. Undulator")
    parser.add_argument("--date", required=True, help="scan day, YYYY-MM-DD")
    parser.add_argument("--scan", required=True, help="scan number, e.g. 2 or Scan002")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--group", help="analyzer group key or stem (e.g. demo, HTU/baseline)")
    which.add_argument("--analyzer", help="one analyzer by name")
    parser.add_argument("--data-root", type=Path, help="data root (default: resolved)")
    parser.add_argument("--config-dir", type=Path, help="config root (default: resolved)")
    parser.add_argument(
        "--executor", choices=["processes", "threads", "serial"], help="where per-shot work runs"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Resolve configs, run each analyzer, print outcomes."""
    from scan_analysis.config import ConfigTree, create_diagnostic_analyzer
    from scan_analysis.data.scan_tag import ScanTag

    tag = ScanTag.from_date(args.date, number=args.scan, experiment=args.experiment)
    tree = ConfigTree(args.config_dir)
    resolved = (
        tree.resolve_group(args.group) if args.group else [tree.resolve_analyzer(args.analyzer)]
    )
    print(f"{tag}: {len(resolved)} analyzer(s) from {tree.root}", flush=True)
    failures = 0
    for item in resolved:
        analyzer = create_diagnostic_analyzer(item, executor=args.executor)
        started = time.perf_counter()
        try:
            files = analyzer.run_analysis(tag, data_root=args.data_root, config_dir=tree.root)
        finally:
            close = getattr(analyzer, "close", None)
            if close:
                close()
        outcome = analyzer.last_outcome
        failures += outcome.status == "failed"
        print(
            f"  {item.name:<24} {outcome.status:<8} {time.perf_counter() - started:6.1f} s  "
            f"{outcome.message}"
        )
        for path in files:
            print(f"      {path}")
    return 1 if failures else 0
