"""One analyzer or group YAML opened for editing: validate by field, save only what changed.

    tree = ConfigTree("/lab/scan_analysis_configs")
    document = ConfigDocument.open(tree, "UC_TopView")
    data = copy.deepcopy(document.data)
    data["image"]["roi"]["x_min"] = 12
    document.problems(data)        # [] or [FieldProblem(key="image.roi.x_min", message=...)]
    document.save(data)            # only the x_min line of the file changes

Saving runs the loader's own validation (an invalid config is never written),
rewrites only the spans whose values changed (:func:`edit_yaml_text`), refuses
to overwrite a file that changed on disk since it was opened, and writes only
inside the config root, atomically. Jupyter-free: the config editor widget and
the command line use it alike.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from scan_analysis.config.analysis_group_loader import ConfigTree
from scan_analysis.config.config_files import (
    ConfigWriteError,
    inside_config_root,
    write_config_text,
)
from scan_analysis.config.diagnostic_factory import construction_problems
from scan_analysis.config.diagnostic_models import load_diagnostic_config, load_group_config
from scan_analysis.config.yaml_edit import YamlEditError, edit_yaml_text
from scan_analysis.config.yaml_io import load_yaml_text
from scan_analysis.errors import ConfigError

logger = logging.getLogger(__name__)

ConfigKind = Literal["analyzer", "group"]

_KEYED = (
    re.compile(r"^unknown key '(?P<key>[^']+)'"),
    re.compile(r"^missing required key '(?P<key>[^']+)'"),
    re.compile(r"^'(?P<key>[^']+)': "),
    re.compile(r"^name '[^']*' differs from the file name"),
)


class ConfigChangedOnDiskError(ConfigError):
    """The file changed on disk since it was opened; nothing was written."""


@dataclass(frozen=True)
class FieldProblem:
    """A validation problem and the key it belongs to.

    Attributes
    ----------
    key : str or None
        Dotted YAML key (``image.roi.x_min``, ``analyzers.2``), or None for the
        file as a whole.
    message : str
        What is wrong and the fix, without the file name.
    """

    key: str | None
    message: str


def field_problem(problem: str, source: str | os.PathLike | None = None) -> FieldProblem:
    """Split a loader problem line into the key it names and its message.

    Examples
    --------
    >>> field_problem("a.yaml: 'scan.priority': Input should be >= 0 (got -1)", "a.yaml")
    FieldProblem(key='scan.priority', message="'scan.priority': Input should be >= 0 (got -1)")
    >>> field_problem("a.yaml:3:5: 'scan.priority': Input should be >= 0 (got -1)", "a.yaml").key
    'scan.priority'
    >>> field_problem("a.yaml: name 'X' differs from the file name 'a'", "a.yaml").key
    'name'
    """
    text = problem.strip()
    if source is not None:  # the file, and the line:column of the key when the loader found it
        text = re.sub(rf"^{re.escape(str(source))}(:\d+:\d+)?: ", "", text)
    for pattern in _KEYED:
        match = pattern.match(text)
        if match:
            return FieldProblem(match.groupdict().get("key", "name"), text)
    return FieldProblem(None, text)


def kind_of(tree: ConfigTree, path: Path) -> ConfigKind:
    """Whether a file under the config root is an analyzer or a group (by its folder)."""
    where = Path(os.path.abspath(path))
    if where.is_relative_to(os.path.abspath(tree.root / "groups")):
        return "group"
    if where.is_relative_to(os.path.abspath(tree.root / "analyzers")):
        return "analyzer"
    raise ConfigError(
        f"{path} is neither under {tree.root / 'analyzers'} nor under {tree.root / 'groups'}; "
        "open an analyzer or group YAML of the config root",
        path,
    )


def find_config(tree: ConfigTree, name: str) -> Path:
    """A config file by analyzer name, group key or path relative to the root.

    Analyzer names are tried first (``UC_TopView``), then group keys
    (``HTU/baseline`` or a unique stem), then relative paths
    (``groups/demo.yaml``).

    Raises
    ------
    ConfigError
        Nothing of that name, listing the valid analyzers and groups.
    """
    if name in tree.analyzers:
        return tree.analyzer_path(name)
    relative = name.replace("\\", "/")
    if relative.endswith((".yaml", ".yml")):
        path = inside_config_root(tree.root, relative)
        if path.is_file():
            return path
    try:
        return tree.group_path(relative.removeprefix("groups/"))
    except ConfigError:
        pass
    return tree.analyzer_path(name)  # raises, listing the analyzers


class ConfigDocument:
    """An analyzer or group YAML as opened: its text, its data and what to check before saving.

    Parameters
    ----------
    tree : ConfigTree
        The config root it belongs to (writes stay inside it; group refs are
        checked against its analyzers).
    path : path
        The YAML file.

    Attributes
    ----------
    path : Path
    kind : {"analyzer", "group"}
    relative : str
        The path under the config root (``analyzers/Undulator/UC_TopView.yaml``).
    text : str
        The file's text when opened (or last saved).
    data : dict
        Its values (empty when the text does not parse).
    load_error : ConfigError or None
        Why the text does not parse (a YAML syntax error naming line and column).
    """

    def __init__(self, tree: ConfigTree, path: str | os.PathLike) -> None:
        self.tree = tree
        self.path = Path(path)
        self.kind: ConfigKind = kind_of(tree, self.path)
        self.relative = (
            Path(os.path.abspath(self.path)).relative_to(os.path.abspath(tree.root)).as_posix()
        )
        self.write_refusal = ""  # why this file may not be written (a symlink leading out)
        try:
            inside_config_root(tree.root, self.path)
        except ConfigWriteError as error:
            self.write_refusal = str(error)
        self.text = ""
        self.data: dict[str, Any] = {}
        self.load_error: ConfigError | None = None
        self._digest = ""
        self.reload()

    @classmethod
    def open(cls, tree: ConfigTree, name: str) -> ConfigDocument:
        """Open by analyzer name, group key or relative path (see :func:`find_config`)."""
        return cls(tree, find_config(tree, name))

    def __repr__(self) -> str:
        return f"ConfigDocument({self.relative!r}, kind={self.kind!r})"

    # --- reading --------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the file again (dropping what was opened before)."""
        raw = self._read_bytes()
        self._digest = hashlib.sha256(raw).hexdigest()
        try:
            self.text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            problem = f"{self.path}: not UTF-8 text ({error}); save it as UTF-8"
            self.text, self.data = "", {}
            self.load_error = ConfigError(problem, self.path, [problem])
            return
        try:
            self.data = load_yaml_text(self.text, source=self.path)
            self.load_error = None
        except ConfigError as error:
            self.data, self.load_error = {}, error

    def _read_bytes(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as error:
            problem = f"{self.path}: cannot read the config file: {error.strerror or error}"
            raise ConfigError(problem, self.path, [problem]) from error

    def changed_on_disk(self) -> bool:
        """Whether the file's bytes differ from what was opened (or last saved)."""
        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest() != self._digest
        except OSError:
            return True

    @property
    def read_only(self) -> bool:
        """Whether the file may not be written (outside the root, or not writable for us)."""
        if self.write_refusal:
            return True
        return not (os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK))

    # --- checking ---------------------------------------------------------------------------
    def problems(self, data: dict[str, Any]) -> list[FieldProblem]:
        """What the loader (and ``configs check``) would say about ``data`` saved as this file.

        Analyzers: keys and values of every block, the name matching the file
        name, class paths that import to the right kind of class, renderer
        options. Groups: keys and values, and refs naming analyzers of the tree.
        """
        if self.kind == "group":
            return self._group_problems(data)
        try:
            config = load_diagnostic_config(data, source=self.path)
        except ConfigError as error:
            return [field_problem(line, self.path) for line in error.problems or [str(error)]]
        problems = []
        for line in construction_problems(config, self.path):
            problem = field_problem(line, self.path)
            if problem.key is None:
                blocks = [b for b in ("image_analyzer", "scan_analyzer") if getattr(config, b)]
                named = [
                    b
                    for b in blocks
                    if getattr(config, b).class_path.rpartition(".")[2] in problem.message
                ]
                block = named[0] if len(named) == 1 else (blocks[0] if len(blocks) == 1 else None)
                if block is not None:
                    problem = FieldProblem(f"{block}.class", problem.message)
            problems.append(problem)
        return problems

    def _group_problems(self, data: dict[str, Any]) -> list[FieldProblem]:
        try:
            group = load_group_config(data, source=self.path)
        except ConfigError as error:
            return [field_problem(line, self.path) for line in error.problems or [str(error)]]
        return [
            FieldProblem(f"analyzers.{index}", self.tree.unknown_ref_message(entry.ref))
            for index, entry in enumerate(group.analyzers)
            if entry.ref not in self.tree.analyzers
        ]

    def render(self, data: dict[str, Any]) -> str:
        """The file's text holding ``data``: only the changed values' spans differ.

        Raises
        ------
        ConfigError
            The file did not parse when opened (edit its text instead), or the
            change cannot be made in place.
        """
        if self.load_error is not None:
            raise ConfigError(
                f"{self.path} could not be read as YAML, so it cannot be edited field by field: "
                f"{self.load_error}; fix its text first",
                self.path,
            )
        try:
            return edit_yaml_text(self.text, data)
        except YamlEditError as error:
            raise ConfigError(f"{self.path}: {error}; nothing was saved", self.path) from error

    # --- saving -------------------------------------------------------------------------------
    def save(self, data: dict[str, Any]) -> bool:
        """Write ``data`` into the file, changing only the values that differ.

        Returns
        -------
        bool
            True when the file was written, False when nothing had changed.

        Raises
        ------
        ConfigError
            ``data`` is invalid (``.problems`` lists every problem); nothing written.
        ConfigChangedOnDiskError
            The file changed on disk since it was opened; nothing written.
        ConfigWriteError
            The file or its folder is read-only, or lies outside the config root.
        """
        problems = self.problems(data)
        if problems:
            lines = [p.message for p in problems]
            raise ConfigError(
                f"{self.path} not saved: {len(lines)} problem(s): " + "; ".join(lines),
                self.path,
                lines,
            )
        return self._write(self.render(data))

    def save_text(self, text: str) -> bool:
        """Write new text for the whole file (the raw editor), after the same checks.

        Raises
        ------
        ConfigError, ConfigChangedOnDiskError, ConfigWriteError
            As :meth:`save`; a YAML syntax error in ``text`` is a ConfigError.
        """
        data = load_yaml_text(text, source=self.path)
        problems = self.problems(data)
        if problems:
            lines = [p.message for p in problems]
            raise ConfigError(f"{self.path} not saved: " + "; ".join(lines), self.path, lines)
        return self._write(text)

    def _write(self, text: str) -> bool:
        if text == self.text and self.load_error is None:
            return False
        if self.changed_on_disk():
            raise ConfigChangedOnDiskError(
                f"{self.path} changed on disk since it was opened (another editor, a copy or a "
                "git pull); nothing was saved. Reload it to see that version (your unsaved edits "
                "are dropped), then make your change again",
                self.path,
            )
        write_config_text(self.tree.root, self.path, text)
        self.reload()
        logger.info("saved %s", self.path)
        return True

    def copy_data(self) -> dict[str, Any]:
        """A deep copy of the opened values, to edit."""
        return copy.deepcopy(self.data)


__all__ = [
    "ConfigChangedOnDiskError",
    "ConfigDocument",
    "ConfigWriteError",
    "FieldProblem",
    "field_problem",
    "find_config",
    "kind_of",
]
