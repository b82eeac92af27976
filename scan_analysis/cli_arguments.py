"""Command-line values checked as they are parsed: a bad one is one line naming its option.

``argparse`` prints ``scan-analysis run: error: argument --scan: cannot read
'foo' as a scan number: write it as 42 or Scan042`` (after the usage line)
when one of these raises; the check is the library's own parser, so the
command line and Python say the same thing about the same value.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from scan_analysis.data.scan_tag import parse_date, parse_experiment, parse_scan_number

T = TypeVar("T")


def _argument(parse: Callable[[str], T], name: str) -> Callable[[str], T]:
    def check(text: str) -> T:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    check.__name__ = name  # what argparse would name in its own messages
    return check


date_argument: Callable[[str], dt.date] = _argument(parse_date, "date")
scan_number_argument: Callable[[str], int] = _argument(parse_scan_number, "scan number")
experiment_argument: Callable[[str], str] = _argument(parse_experiment, "experiment")


def add_experiment_argument(parser: argparse.ArgumentParser) -> None:
    """``--experiment`` (required, checked as it is parsed), as every command spells it."""
    parser.add_argument(
        "--experiment",
        required=True,
        type=experiment_argument,
        help="experiment folder, e.g. Undulator",
    )


def add_day_arguments(parser: argparse.ArgumentParser, *, date_help: str) -> None:
    """``--experiment`` and ``--date`` (both required): the day a command works on."""
    add_experiment_argument(parser)
    parser.add_argument("--date", required=True, type=date_argument, help=date_help)


def add_root_arguments(
    parser: argparse.ArgumentParser, *, data_root_help: str = "data root", config_dir: bool = True
) -> None:
    """``--data-root`` (and ``--config-dir``), saying where each defaults from."""
    parser.add_argument(
        "--data-root",
        type=Path,
        help=f"{data_root_help} (default: $SCAN_ANALYSIS_DATA_ROOT, else the lab config.ini)",
    )
    if config_dir:
        parser.add_argument(
            "--config-dir",
            type=Path,
            help="config root (default: $SCAN_ANALYSIS_CONFIG_DIR, else the lab config.ini, "
            "else the shipped configs)",
        )
