"""``scan-analysis configs``: check, list and describe the config tree."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ROOT_NOTE = """\
The config root is DIR (or --config-dir), else $SCAN_ANALYSIS_CONFIG_DIR, else
[Paths] scan_analysis_configs_path in ~/.config/geecs_python_api/config.ini,
else the defaults shipped with scan-analysis (the repository's scan_analysis_configs/).
"""
EXAMPLE = (
    """\
examples:
  scan-analysis configs check                      # validate the whole tree, every problem at once
  scan-analysis configs check /path/to/scan_analysis_configs
  scan-analysis configs list                       # analyzers and groups with priorities
  scan-analysis configs schema --kind diagnostic --output diagnostic.schema.json

"""
    + ROOT_NOTE
)
CHECK_EXAMPLE = (
    """\
example:
  scan-analysis configs check ./scan_analysis_configs

Prints one line per problem (file, key, what is wrong, the valid choices) and
exits 1 when there is any; prints 'ok' and exits 0 otherwise.
"""
    + ROOT_NOTE
)
LIST_EXAMPLE = (
    """\
example:
  scan-analysis configs list ./scan_analysis_configs

"""
    + ROOT_NOTE
)
SCHEMA_EXAMPLE = """\
examples:
  scan-analysis configs schema --kind group --output group.schema.json
  scan-analysis configs schema --kind diagnostic > diagnostic.schema.json

Point your editor's YAML support at the files, e.g. first line of an analyzer YAML:
  # yaml-language-server: $schema=diagnostic.schema.json
"""


def _add_config_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config_dir", nargs="?", type=Path, metavar="DIR", help="config root")
    parser.add_argument(
        "--config-dir", dest="config_dir_option", type=Path, metavar="DIR", help="same as DIR"
    )


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
        description="Validate every analyzer and group YAML under the config root: syntax, keys, "
        "values, unique names, class paths and group refs, reporting every problem at once.",
        epilog=CHECK_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_config_dir(check)
    check.set_defaults(func=run_check)
    listing = actions.add_parser(
        "list",
        help="list analyzers and groups",
        description="List the analyzers (kind, device, priority) and groups (their entries, "
        "'(off)' for disabled ones, '[e-log]' when they upload) under the config root.",
        epilog=LIST_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_config_dir(listing)
    listing.set_defaults(func=run_list)
    schema = actions.add_parser(
        "schema",
        help="print the JSON Schema of diagnostic and group files (for editor completion)",
        description="Print the JSON Schema of analyzer (diagnostic) and group YAML files, built "
        "from the same models that validate them. Without --kind, both, keyed by kind.",
        epilog=SCHEMA_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    schema.add_argument(
        "--kind",
        choices=["diagnostic", "group", "both"],
        default="both",
        help="analyzer (diagnostic) files, group files, or both (default)",
    )
    schema.add_argument("--output", type=Path, help="write to this file instead of stdout")
    schema.set_defaults(func=run_schema)


def _config_dir(args: argparse.Namespace) -> Path | None:
    return args.config_dir or args.config_dir_option


def run_check(args: argparse.Namespace) -> int:
    """Validate the tree and print every problem."""
    from scan_analysis.config import ConfigTree
    from scan_analysis.validation_messages import describe_problems

    tree = ConfigTree(_config_dir(args))
    problems = tree.check()
    if problems:
        print(describe_problems(f"{len(problems)} problem(s) in {tree.root}", problems))
        return 1
    print(f"ok: {len(tree.analyzers)} analyzers and {len(tree.groups)} groups in {tree.root}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print analyzers (name, kind, device, priority) and groups."""
    from scan_analysis.config import ConfigTree
    from scan_analysis.errors import ConfigError

    tree = ConfigTree(_config_dir(args))
    print(f"config root: {tree.root}")
    print("analyzers:")
    for name, path in sorted(tree.analyzers.items()):
        try:
            config = tree.load_analyzer(name)
        except ConfigError:
            print(f"  {name:<28} INVALID ({path}); run 'scan-analysis configs check'")
            continue
        kind = "scan" if config.scan_analyzer else ("line" if config.is_line else "camera")
        print(f"  {name:<28} {kind:<7} device={config.device:<24} priority={config.scan.priority}")
    print("groups:")
    for key in sorted(tree.groups):
        try:
            group = tree.load_group(key)
        except ConfigError:
            print(f"  {key:<28} INVALID; run 'scan-analysis configs check'")
            continue
        entries = ", ".join(_describe_entry(entry) for entry in group.analyzers)
        upload = " [e-log]" if group.upload_to_scan_log else ""
        print(f"  {key:<28} {entries}{upload}")
    return 0


def _describe_entry(entry: Any) -> str:
    text = entry.ref
    if entry.priority is not None:
        text += f" (priority {entry.priority})"
    if not entry.enabled:
        text += " (off)"
    return text


def config_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of each config file kind, keyed ``diagnostic`` and ``group``."""
    from scan_analysis.config import AnalysisGroupConfig, DiagnosticAnalysisConfig

    schemas = {
        "diagnostic": DiagnosticAnalysisConfig.model_json_schema(by_alias=True),
        "group": AnalysisGroupConfig.model_json_schema(by_alias=True),
    }
    return {kind: {"$schema": JSON_SCHEMA_DIALECT, **schema} for kind, schema in schemas.items()}


def run_schema(args: argparse.Namespace) -> int:
    """Print (or write) JSON Schema."""
    schemas = config_schemas()
    document = schemas if args.kind == "both" else schemas[args.kind]
    text = json.dumps(document, indent=2)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        print(text)
    return 0
