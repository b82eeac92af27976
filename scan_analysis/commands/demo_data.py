"""``scan-analysis demo-data``: write the demo day folder."""

from __future__ import annotations

import argparse
from pathlib import Path

EXAMPLE = """\
examples:
  scan-analysis demo-data --root /tmp/demo
  scan-analysis demo-data --root /tmp/big --size large      # 1024x1024 frames, 500-shot jet scan

The day folder is Undulator/Y2026/05-May/26_0508 under ROOT; point the other
commands at it with --data-root ROOT or SCAN_ANALYSIS_DATA_ROOT=ROOT.
"""

SIZES = {
    "default": {"image_shape": (256, 256), "n_bins": 10, "shots_per_bin": 10},
    "large": {"image_shape": (1024, 1024), "n_bins": 10, "shots_per_bin": 50},
}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be 1 or more")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo-data`` sub-command."""
    parser = subparsers.add_parser(
        "demo-data",
        help="write a realistic demo day folder in the GEECS layout",
        description="Write a deterministic demo day (no-scan, jet scan, spectrometer scan, "
        "optimization scan, legacy scan, scan without camera) in the exact GEECS layout.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--root", type=Path, required=True, help="data root to write into")
    parser.add_argument("--size", choices=sorted(SIZES), default="default", help="preset size")
    parser.add_argument(
        "--bins", type=_positive_int, help="bins of the jet scan (overrides --size)"
    )
    parser.add_argument(
        "--shots-per-bin", type=_positive_int, help="shots per bin (overrides --size)"
    )
    parser.add_argument("--image-size", type=_positive_int, help="camera frame edge in pixels")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the day and print where it is."""
    from scan_analysis.data.demo import build_demo_day

    options = dict(SIZES[args.size])
    if args.bins:
        options["n_bins"] = args.bins
    if args.shots_per_bin:
        options["shots_per_bin"] = args.shots_per_bin
    if args.image_size:
        options["image_shape"] = (args.image_size, args.image_size)
    day = build_demo_day(args.root.resolve(), seed=args.seed, **options)
    print(f"demo day: {day.day_dir}")
    for number, scan in sorted(day.scans.items()):
        extras = []
        if scan.missing_files:
            extras.append(f"{_shots(len(scan.missing_files))} without files")
        if scan.missing_rows:
            extras.append(f"{_shots(len(scan.missing_rows))} missing from the s-file")
        if scan.corrupt_files:
            extras.append(f"{len(scan.corrupt_files)} corrupt file(s)")
        print(
            f"  Scan{number:03d}  {scan.kind:<14} {scan.n_shots:>4} shots  "
            f"{', '.join(scan.devices)}{'  (' + '; '.join(extras) + ')' if extras else ''}"
        )
    print(f"data root: {day.data_root}")
    return 0


def _shots(count: int) -> str:
    return f"{count} shot" if count == 1 else f"{count} shots"
