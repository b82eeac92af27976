"""The ``scan-analysis`` command.

Thin by design: each sub-command lives in its own module under
:mod:`scan_analysis.commands` and exposes ``register(subparsers)``; this file
only discovers them, parses the command line and reports errors.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
import typing

from pydantic import ValidationError

from scan_analysis import commands
from scan_analysis.errors import ScanAnalysisError
from scan_analysis.progress_display import progress_logger
from scan_analysis.validation_messages import describe_validation_error

logger = logging.getLogger(__name__)


class CommandLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: what is wrong, and where help is."""

    def error(self, message: str) -> typing.NoReturn:
        """Print ``scan-analysis run: error: argument --scan: ...`` and exit 2 (no usage dump)."""
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every sub-command registered."""
    parser = CommandLineParser(
        prog="scan-analysis",
        description="Analyse whole GEECS experimental scans: demo data, configs, runs, live watch.",
        epilog="Run 'scan-analysis COMMAND --help' for the options and an example of each command.",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{module_info.name}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # progress bars become log lines when the output is not a terminal: said at any verbosity
    progress_logger.setLevel(logging.INFO)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # the command line shows one clear line, not a traceback
        if args.verbose >= 2:
            raise
        print(f"error: {describe_for_command_line(error)}", file=sys.stderr)
        return 1


def describe_for_command_line(error: Exception) -> str:
    """What the command line prints for an error that stopped a command.

    The library's errors in their command-line wording (``--data-root``, not
    ``data_root=``); a pydantic ``ValidationError`` as one line per problem,
    never pydantic's own dump; anything else as its text.
    """
    if isinstance(error, ScanAnalysisError):
        return error.for_command_line()
    if isinstance(error, ValidationError):
        return "; ".join(describe_validation_error(error))
    return str(error) or type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
