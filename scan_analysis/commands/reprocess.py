"""``scan-analysis reprocess``: a campaign (a date range of scans) on a Dask cluster."""

from __future__ import annotations

import argparse
import contextlib
import logging

from scan_analysis.cli_arguments import (
    add_experiment_argument,
    add_root_arguments,
    date_argument,
)

EXAMPLE = """\
examples:
  scan-analysis reprocess --experiment Undulator --from 2026-05-01 --to 2026-05-31 --group demo
  scan-analysis reprocess --experiment Undulator --from 2026-05-08 --analyzer UC_TopView \\
      --scheduler tcp://analysis-01:8786 --force
  scan-analysis reprocess --experiment Undulator --from 2026-05-01 --to 2026-05-31 \\
      --group demo --dry-run

Every completed scan (s-file present) of every day in the range gets one task
per analyzer, run in priority order on a Dask cluster: a local cluster of
--workers processes by default, or a running scheduler (--scheduler, or
$SCAN_ANALYSIS_DASK_SCHEDULER; start one with 'dask scheduler' and
'dask worker tcp://HOST:8786' on each machine, all seeing the same data and
config folders). Tasks already done are skipped unless --force, so an
interrupted run simply resumes; tasks held by a live runner ('watch') are left
to it. Ends with a table of done / no data / failed (with reasons) / skipped;
exits 1 when any task failed.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``reprocess`` sub-command."""
    parser = subparsers.add_parser(
        "reprocess",
        help="reprocess every scan of a date range on a Dask cluster",
        description="Run an analyzer group (or one analyzer) over every completed scan of a "
        "date range, distributed over a Dask cluster, each task exactly once.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_experiment_argument(parser)
    parser.add_argument(
        "--from",
        dest="start",
        required=True,
        type=date_argument,
        metavar="YYYY-MM-DD",
        help="first day",
    )
    parser.add_argument(
        "--to",
        dest="end",
        type=date_argument,
        metavar="YYYY-MM-DD",
        help="last day, included (default: --from)",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--group", help="analyzer group key or stem (e.g. demo, HTU/baseline)")
    which.add_argument("--analyzer", help="one analyzer by name (its YAML file stem)")
    parser.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="a running Dask scheduler (default: $SCAN_ANALYSIS_DASK_SCHEDULER, else a local "
        "cluster)",
    )
    parser.add_argument(
        "--workers", type=int, help="worker processes of the local cluster (default: CPUs)"
    )
    parser.add_argument("--force", action="store_true", help="also redo tasks already done")
    parser.add_argument(
        "--dry-run", action="store_true", help="list what would run; run and write nothing"
    )
    add_root_arguments(parser)
    parser.add_argument(
        "--heartbeat-timeout",
        type=float,
        default=120.0,
        help="seconds without heartbeat before a dead runner's task is taken over (120)",
    )
    parser.add_argument(
        "--max-attempts", type=int, default=3, help="attempts per task before it fails (3)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Reprocess the range and print the summary table; 1 when any task failed."""
    from scan_analysis.reprocess import reprocess

    # Dask logs every scheduler and worker event at INFO; show them only with -v. Importing
    # distributed sets its loggers' levels from its own config: set ours after that import.
    with contextlib.suppress(ImportError):  # without the dask extra, reprocess says what to do
        import distributed  # noqa: F401
    logging.getLogger("distributed").setLevel(logging.getLogger().getEffectiveLevel())
    summary = reprocess(
        args.experiment,
        args.start,
        args.end,
        group=args.group,
        analyzer=args.analyzer,
        scheduler=args.scheduler,
        workers=args.workers,
        force=args.force,
        dry_run=args.dry_run,
        data_root=args.data_root,
        config_dir=args.config_dir,
        heartbeat_timeout=args.heartbeat_timeout,
        max_attempts=args.max_attempts,
        progress=not args.no_progress,
    )
    if args.dry_run:
        for task in summary.planned:
            print(f"would run {task.label} (priority {task.priority})")
    print(summary.table(), flush=True)
    return 0 if summary.ok else 1
