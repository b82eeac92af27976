"""``scan-analysis elog export``: a day's e-log as one self-contained HTML file."""

from __future__ import annotations

import argparse
from pathlib import Path

from scan_analysis.cli_arguments import add_day_arguments, add_root_arguments

EXAMPLE = """\
examples:
  scan-analysis elog export --experiment Undulator --date 2026-05-08
  scan-analysis elog export --experiment Undulator --date 2026-05-08 --output day.html --newest 20

The day's e-log page (analysis/elog/EXPERIMENT_DATE.html) links each scan's
figures as files beside it. The export is one file with every figure embedded
and no script: it can be mailed, attached or archived on its own.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``elog`` sub-command (with its action ``export``)."""
    parser = subparsers.add_parser(
        "elog",
        help="work with a day's e-log (export it as one self-contained page)",
        description="The local HTML e-log the live runner writes under each day's analysis/.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="elog_action", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="write the day's e-log as one self-contained HTML file (figures embedded)",
        description="Write a day's e-log as one HTML file with every figure embedded.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_day_arguments(export, date_help="the day, YYYY-MM-DD")
    export.add_argument(
        "--output", type=Path, help="file to write (default: ./EXPERIMENT_DATE.html)"
    )
    export.add_argument("--newest", type=int, help="only the N newest scans (default: all)")
    add_root_arguments(export, config_dir=False)
    export.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    """Write the export and say where it is."""
    from scan_analysis.data.scan_paths import day_dir_for, resolve_data_root
    from scan_analysis.data.scan_tag import parse_date
    from scan_analysis.elog import LocalElog

    date = parse_date(args.date).isoformat()
    day_dir = day_dir_for(resolve_data_root(args.data_root), args.experiment, date)
    elog = LocalElog(day_dir / "analysis" / "elog", experiment=args.experiment, date=date)
    output = args.output or Path(f"{args.experiment}_{date}.html")
    try:
        written = elog.export(output, newest=args.newest)
    except FileNotFoundError as error:
        raise FileNotFoundError(
            f"{error}: the live runner writes it when a group with upload_to_scan-log "
            "analyses the day (check --experiment, --date and --data-root)"
        ) from error
    size = written.stat().st_size / 1e6
    print(f"e-log of {args.experiment} {date} written to {written.resolve()} ({size:.1f} MB)")
    return 0
