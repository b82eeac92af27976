"""``scan-analysis watch``: analyse each scan of a day as it completes."""

from __future__ import annotations

import argparse
import logging
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
  scan-analysis watch --experiment Undulator --date 2026-05-08 --group demo
  scan-analysis watch --experiment Undulator --date 2026-05-08 --group HTU/baseline \\
      --start-scan 12 --runner-id control-room-1 --polling

Several runners (on one or several machines sharing the data folder) may
watch the same day: each (scan, analyzer) task runs exactly once.

Stopping: press Ctrl-C once and the task in progress finishes and is recorded,
then the runner exits (status 0). Press Ctrl-C again to stop at once: the task
in progress is given back, queued with its attempt not counted, for the next
runner (status 130). SIGTERM behaves the same way.

--exit-when-idle N returns once every task has been finished for N seconds
(for batch use and tests). A scan whose s-file is visible before its folder
(a network share catching up) is waited for, up to --scan-folder-grace seconds.

Progress: on a terminal, a status line under the log (scans seen, tasks
finished per state, the task in progress and its shots); otherwise (a log
file, a service) a "progress:" log line when it changed, at most every
--progress-interval seconds, and one at the end.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``watch`` sub-command."""
    parser = subparsers.add_parser(
        "watch",
        help="run an analyzer group on each scan of a day as it completes",
        description="Watch a day's analysis/ folder for new s-files and run an analyzer group "
        "on each completed scan, exactly once across all runners.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_day_arguments(parser, date_help="day to watch, YYYY-MM-DD")
    parser.add_argument("--group", required=True, help="analyzer group (e.g. demo, HTU/baseline)")
    parser.add_argument(
        "--start-scan",
        default=1,
        type=scan_number_argument,
        help="first scan to analyse (default 1)",
    )
    parser.add_argument("--runner-id", help="name of this runner in claims (default host:pid)")
    parser.add_argument(
        "--exit-when-idle", type=float, help="exit after SECONDS with nothing to do"
    )
    parser.add_argument(
        "--heartbeat-timeout",
        type=float,
        default=120.0,
        help="seconds without heartbeat before another runner takes a task over (default 120)",
    )
    parser.add_argument("--max-attempts", type=int, default=3, help="attempts per task (default 3)")
    add_root_arguments(parser)
    parser.add_argument("--no-elog", action="store_true", help="do not write the HTML e-log")
    parser.add_argument("--polling", action="store_true", help="poll the folder (network shares)")
    parser.add_argument(
        "--rescan-interval", type=float, default=5.0, help="seconds between rescans"
    )
    parser.add_argument(
        "--scan-folder-grace",
        type=float,
        default=600.0,
        help="seconds to wait for a scan folder that appears after its s-file (default 600)",
    )
    parser.add_argument(
        "--executor", choices=["processes", "threads", "serial"], help="where per-shot work runs"
    )
    parser.add_argument("--dry-run", action="store_true", help="claim and report, run nothing")
    parser.add_argument(
        "--app-url",
        help="base URL of 'scan-analysis serve' (http://host:8866): each e-log entry links to its "
        "scan in the scan browser (default: $SCAN_ANALYSIS_APP_URL, else no link)",
    )
    parser.add_argument(
        "--rerun-failed", action="store_true", help="requeue the day's failed tasks before watching"
    )
    parser.add_argument(
        "--progress-interval",
        type=float,
        default=30.0,
        help="seconds between progress log lines when the output is not a terminal (default 30)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run a LiveTaskRunner until stopped, then print a summary (0; 130 if stopped at once)."""
    from scan_analysis.data.scan_tag import ScanTag
    from scan_analysis.live_progress import StatusLine
    from scan_analysis.live_task_runner import LiveTaskRunner

    logging.getLogger("scan_analysis").setLevel(min(logging.getLogger().level, logging.INFO))
    tag = ScanTag.from_date(args.date, number=args.start_scan, experiment=args.experiment)
    runner = LiveTaskRunner(
        args.group,
        tag,
        data_root=args.data_root,
        config_dir=args.config_dir,
        runner_id=args.runner_id,
        heartbeat_timeout=args.heartbeat_timeout,
        max_attempts=args.max_attempts,
        rescan_interval=args.rescan_interval,
        use_polling_observer=args.polling,
        elog_enabled=not args.no_elog,
        dry_run=args.dry_run,
        executor=args.executor,
        scan_folder_grace=args.scan_folder_grace,
        app_url=args.app_url,
    )
    if args.rerun_failed:
        requeued = runner.rerun_failed()
        names = ", ".join(f"Scan{scan:03d} {name}" for scan, name in requeued)
        print(f"requeued {len(requeued)} failed task(s)" + (f": {names}" if names else ""))
    print(
        f"runner {runner.runner_id}: watching {runner.day_dir} with group {args.group}", flush=True
    )
    started = time.perf_counter()
    try:
        with StatusLine(runner.progress, log_interval=args.progress_interval):
            ran = runner.run(exit_when_idle=args.exit_when_idle)
    except KeyboardInterrupt:
        print(
            f"runner {runner.runner_id}: stopped at once; the task in progress was given back "
            "(queued) for the next run",
            file=sys.stderr,
        )
        return 130
    snapshot = runner.status_snapshot()
    counts = ", ".join(f"{state_words(k)} {v}" for k, v in snapshot.counts.items() if v)
    print(
        f"runner {runner.runner_id}: ran {ran} task(s) in {time.perf_counter() - started:.1f} s; "
        f"day totals: {counts or 'no tasks'}"
    )
    if snapshot.elog_page:
        print(f"e-log: {snapshot.elog_page}")
    return 0
