"""Reading and writing config YAML with errors that name the file and line."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from scan_analysis.errors import ConfigError


def load_yaml(path: str | os.PathLike) -> dict[str, Any]:
    """Read a YAML mapping; a syntax error names the file, line and column.

    Raises
    ------
    ConfigError
        Unreadable file, malformed YAML, or a top level that is not a mapping.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read config {path}: {error}", path) from error
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = f"{where}: malformed YAML: {error.problem or error}"
        raise ConfigError(
            problem + " (check indentation, colons and quotes)", path, [problem]
        ) from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: malformed YAML: {error}", path, [str(error)]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problem = f"{path}: the top level must be a mapping of keys, not a {type(data).__name__}"
        raise ConfigError(problem, path, [problem])
    return data


def dump_yaml(data: dict[str, Any]) -> str:
    """YAML text in the key order given (block style, readable)."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)
