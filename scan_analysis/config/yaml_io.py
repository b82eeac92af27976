"""Reading and writing config YAML with errors that name the file and line."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from scan_analysis.data.atomic_files import write_atomically
from scan_analysis.errors import ConfigError
from scan_analysis.validation_messages import describe_yaml_error

_MERGE_TAG = "tag:yaml.org,2002:merge"  # the ``<<`` key of ``<<: *anchor``
_VALUE_TAG = "tag:yaml.org,2002:value"  # a plain ``=`` key, which PyYAML reads as "="


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key written twice in one mapping is an error.

    PyYAML keeps the last of two equal keys silently. Merge keys
    (``<<: *defaults``) work as in the safe loader: keys written beside them
    override the merged ones, which is not a duplicate; each merged mapping is
    checked on its own.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._checked: set[int] = set()  # ids of mapping nodes checked before any merge

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict:
        if isinstance(node, yaml.MappingNode):
            self._check_before_merging(node)
        return super().construct_mapping(node, deep=deep)

    def _check_before_merging(self, node: yaml.MappingNode) -> None:
        """Check a mapping and those it merges, once each, before the merge rewrites them.

        The safe loader's merge adds the merged keys into the node itself, so
        a mapping checked after a merge would show its overridden keys twice.
        """
        if id(node) in self._checked:
            return
        self._checked.add(id(node))
        self._refuse_duplicate_keys(node)
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged = value_node.value if isinstance(value_node, yaml.SequenceNode) else []
                for mapping in [value_node, *merged]:
                    if isinstance(mapping, yaml.MappingNode):
                        self._check_before_merging(mapping)

    def _refuse_duplicate_keys(self, node: yaml.MappingNode) -> None:
        seen: dict[tuple[type, Any], int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            if key_node.tag == _VALUE_TAG:
                key: Any = "="
            else:
                key = self.construct_object(key_node, deep=True)
            try:
                identity = (type(key), key)
                hash(identity)
            except TypeError:  # an unhashable key: the safe loader itself refuses it later
                continue
            line = key_node.start_mark.line + 1
            if identity in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} appears twice in one mapping (lines {seen[identity]} and "
                    f"{line}); keep one",
                    key_node.start_mark,
                )
            seen[identity] = line


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _StrictLoader.construct_mapping
)


def load_yaml(path: str | os.PathLike) -> dict[str, Any]:
    """Read a YAML mapping; a syntax error names the file, line and column.

    Parameters
    ----------
    path : path
        The YAML file.

    Returns
    -------
    dict
        The top-level mapping (empty for an empty file).

    Raises
    ------
    ConfigError
        Unreadable file, malformed YAML (``file:line:column``), a key written
        twice, or a top level that is not a mapping; ``.problems`` holds the line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problem = f"{path}: cannot read the config file: {error}"
        raise ConfigError(problem, path, [problem]) from error
    return load_yaml_text(text, source=path)


def load_yaml_text(text: str, *, source: str | os.PathLike | None = None) -> dict[str, Any]:
    """Parse YAML text as :func:`load_yaml` does (``source`` is named in messages).

    Examples
    --------
    >>> load_yaml_text("name: demo\\nanalyzers: [UC_TopView]\\n")
    {'name': 'demo', 'analyzers': ['UC_TopView']}
    >>> load_yaml_text("a: 1\\na: 2\\n", source="g.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scan_analysis.errors.ConfigError: g.yaml:2:1: malformed YAML: key 'a' appears twice ...
    """
    label = str(source) if source is not None else "<text>"
    path = Path(source) if source is not None else None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        problem = describe_yaml_error(error, source=label)
        raise ConfigError(problem, path, [problem]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problem = f"{label}: the top level must be a mapping of keys, not a {type(data).__name__}"
        raise ConfigError(problem, path, [problem])
    return data


def dump_yaml(data: dict[str, Any]) -> str:
    """YAML text in the key order given (block style, readable).

    Examples
    --------
    >>> print(dump_yaml({"name": "demo", "analyzers": ["UC_TopView"]}), end="")
    name: demo
    analyzers:
    - UC_TopView
    """
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)


def write_yaml(path: str | os.PathLike, data: dict[str, Any]) -> Path:
    """Write ``data`` as YAML atomically (readers never see half a file); returns the path."""
    path = Path(path)
    write_atomically(path, dump_yaml(data))
    return path
