"""``scan-analysis configs``: check, list and describe the config tree."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

EXAMPLE = """\
examples:
  scan-analysis configs check                      # validate the whole tree, every problem at once
  scan-analysis configs check /path/to/scan_analysis_configs
  scan-analysis configs list                       # analyzers and groups with priorities
  scan-analysis configs schema --kind diagnostic --output diagnostic.schema.json

The config root is the argument, else $SCAN_ANALYSIS_CONFIG_DIR, else
[Paths] scan_analysis_configs_path in ~/.config/geecs_python_api/config.ini,
else the repository's scan_analysis_configs/.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``configs check|list|schema``."""
    parser = subparsers.add_parser(
        "configs",
        help="check, list and describe analyzer and group configs",
        description="Work with the YAML config tree (analyzers/ and groups/).",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="validate every analyzer and group; exit 1 on any problem",
        epilog="example:\n  scan-analysis configs check ./scan_analysis_configs",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("config_dir", nargs="?", type=Path, help="config root (default: resolved)")
    check.set_defaults(func=run_check)
    listing = actions.add_parser(
        "list",
        help="list analyzers and groups",
        epilog="example:\n  scan-analysis configs list --config-dir ./scan_analysis_configs",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    listing.add_argument("--config-dir", type=Path, help="config root (default: resolved)")
    listing.set_defaults(func=run_list)
    schema = actions.add_parser(
        "schema",
        help="print the JSON Schema of diagnostic and group files (for editor completion)",
        epilog="example:\n  scan-analysis configs schema --kind group --output group.schema.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    schema.add_argument("--kind", choices=["diagnostic", "group", "both"], default="both")
    schema.add_argument("--output", type=Path, help="write to this file instead of stdout")
    schema.set_defaults(func=run_schema)


def run_check(args: argparse.Namespace) -> int:
    """Validate the tree and print every problem."""
    from scan_analysis.config import ConfigTree

    tree = ConfigTree(args.config_dir)
    problems = tree.check()
    if problems:
        print(f"{len(problems)} problem(s) in {tree.root}:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print(f"ok: {len(tree.analyzers)} analyzers and {len(tree.groups)} groups in {tree.root}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print analyzers (name, device, kind, priority) and groups."""
    from scan_analysis.config import ConfigTree
    from scan_analysis.errors import ConfigError

    tree = ConfigTree(args.config_dir)
    print(f"config root: {tree.root}")
    print("analyzers:")
    for name, path in sorted(tree.analyzers.items()):
        try:
            config = tree.load_analyzer(name)
            kind = "scan" if config.scan_analyzer else ("line" if config.is_line else "camera")
            print(
                f"  {name:<28} {kind:<7} device={config.device:<24} priority={config.scan.priority}"
            )
        except ConfigError:
            print(f"  {name:<28} INVALID ({path}); run 'scan-analysis configs check'")
    print("groups:")
    for key in sorted(tree.groups):
        try:
            group = tree.load_group(key)
            refs = ", ".join(r.ref + ("" if r.enabled else " (off)") for r in group.refs)
            upload = " [e-log]" if group.upload_to_scan_log else ""
            print(f"  {key:<28} {refs}{upload}")
        except ConfigError:
            print(f"  {key:<28} INVALID; run 'scan-analysis configs check'")
    return 0


def run_schema(args: argparse.Namespace) -> int:
    """Print (or write) JSON Schema."""
    from scan_analysis.config import AnalysisGroupConfig, DiagnosticAnalysisConfig

    schemas = {
        "diagnostic": DiagnosticAnalysisConfig.model_json_schema(by_alias=True),
        "group": AnalysisGroupConfig.model_json_schema(by_alias=True),
    }
    document = schemas if args.kind == "both" else schemas[args.kind]
    text = json.dumps(document, indent=2)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        print(text)
    return 0
