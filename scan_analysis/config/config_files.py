"""Create, duplicate and rename config files, writing only inside the config root.

Whoever reaches a served config editor writes files as the lab, so every write
goes through :func:`write_config_text`: the target must resolve (symlinks
followed) to a place inside the config root, names are plain file names (no
``..``, no absolute paths, no separators), and files are replaced atomically.
Analyzer names stay unique across the whole tree; renaming an analyzer updates
the groups that list it.

Examples
--------
>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> tree = ConfigTree(root)
>>> create_analyzer(tree, "UC_NewCam", folder="Undulator").relative_to(root).as_posix()
'analyzers/Undulator/UC_NewCam.yaml'
>>> write_config_text(root, "../outside.yaml", "name: x\\n")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
scan_analysis.config.config_files.ConfigWriteError: '../outside.yaml' is not a plain path ...
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from scan_analysis.config.analysis_group_loader import ConfigTree
from scan_analysis.config.diagnostic_factory import DEFAULT_CAMERA_ANALYZER, DEFAULT_LINE_ANALYZER
from scan_analysis.config.yaml_edit import edit_yaml_text
from scan_analysis.config.yaml_io import load_yaml_text
from scan_analysis.data.atomic_files import write_atomically
from scan_analysis.errors import ConfigError

logger = logging.getLogger(__name__)

_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")


class ConfigWriteError(ConfigError):
    """A config file that may not or cannot be written (read-only, outside the root, taken)."""


# --- where writes may go ------------------------------------------------------------------------
def inside_config_root(root: str | os.PathLike, path: str | os.PathLike) -> Path:
    """The real path of ``path`` when it lies inside the config root.

    Parameters
    ----------
    root : path
        The config root.
    path : path
        Absolute, or relative to the root. A relative path must be plain: no
        ``..`` and no hidden (``.``) components.

    Raises
    ------
    ConfigWriteError
        The path, with symlinks followed, leads outside the root.
    """
    root_real = Path(root).resolve()
    candidate = Path(path)
    if not candidate.is_absolute():
        parts = PurePosixPath(str(path).replace("\\", "/")).parts
        if not parts or any(part in ("", ".", "..") or part.startswith(".") for part in parts):
            raise ConfigWriteError(
                f"{str(path)!r} is not a plain path under the config root: no '..', absolute "
                "paths or hidden names; nothing was written",
                path,
            )
        candidate = Path(root) / Path(*parts)
    real = candidate.resolve()
    if not real.is_relative_to(root_real):
        raise ConfigWriteError(
            f"{candidate} leads outside the config root {root_real} (through '..' or a "
            "symlink); the editor writes only inside the config root; nothing was written",
            candidate,
        )
    return real


def check_plain_name(name: str, what: str = "name") -> str:
    """``name`` stripped, when it is a plain file name (letters, digits, ``_.+-``).

    Examples
    --------
    >>> check_plain_name(" UC_TopView ")
    'UC_TopView'
    >>> check_plain_name("../x", "analyzer name")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scan_analysis.config.config_files.ConfigWriteError: analyzer name '../x' is not a plain name...
    """
    stripped = name.strip()
    if not _PLAIN_NAME.match(stripped) or stripped in (".", ".."):
        raise ConfigWriteError(
            f"{what} {name!r} is not a plain name: use letters, digits and _ . + - "
            "(no spaces, slashes or leading dot), e.g. UC_TopView",
            None,
        )
    return stripped


def _folder_parts(folder: str) -> list[str]:
    parts = [part for part in folder.replace("\\", "/").split("/") if part.strip()]
    return [check_plain_name(part, "folder") for part in parts]


def write_config_text(
    root: str | os.PathLike, path: str | os.PathLike, text: str, *, new: bool = False
) -> Path:
    """Write a config file atomically, only inside the config root.

    Parameters
    ----------
    root : path
        The config root.
    path : path
        The file (absolute or relative to the root).
    text : str
        Its new content (UTF-8).
    new : bool
        The file must not exist yet (create, never overwrite).

    Returns
    -------
    Path
        The real path written.

    Raises
    ------
    ConfigWriteError
        Outside the root, already existing (``new``), or not writable (a
        read-only folder or file), with what to do.
    """
    real = inside_config_root(root, path)
    if new and (real.exists() or real.is_symlink()):
        raise ConfigWriteError(f"{real} already exists; choose another name", real)
    folder = real.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if real.exists() and not os.access(real, os.W_OK):
            raise PermissionError(13, "the file is read-only", str(real))
        write_atomically(real, text)
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigWriteError(
            f"cannot write {real}: {reason}. The config folder is read-only for this account: "
            "ask its owner for write access, or copy the config tree somewhere writable and open "
            "the copy (ConfigEditor(config_dir=...)); nothing was saved",
            real,
        ) from error
    return real


def read_config_text(path: str | os.PathLike) -> str:
    """A config file's text exactly as stored (line endings kept), for editing in place."""
    path = Path(path)
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problem = f"{path}: cannot read the config file as UTF-8 text: {error}"
        raise ConfigError(problem, path, [problem]) from error


def delete_config_file(root: str | os.PathLike, path: str | os.PathLike) -> None:
    """Remove a config file inside the root (after a rename)."""
    real = inside_config_root(root, path)
    try:
        real.unlink()
    except OSError as error:
        raise ConfigWriteError(
            f"cannot remove {real}: {error.strerror or error}; remove it by hand", real
        ) from error


# --- new files ----------------------------------------------------------------------------------
AnalyzerKind = Literal["camera", "line"]


def new_analyzer_text(name: str, kind: AnalyzerKind = "camera") -> str:
    """The YAML of a new analyzer: the default per-shot analyzer and an empty processing block.

    Examples
    --------
    >>> print(new_analyzer_text("UC_NewCam"), end="")
    name: UC_NewCam
    image_analyzer:
      class: scan_analysis.image.beam_analyzer.BeamAnalyzer
    image:
      type: camera
    scan:
      priority: 100
    """
    analyzer = DEFAULT_LINE_ANALYZER if kind == "line" else DEFAULT_CAMERA_ANALYZER
    return (
        f"name: {name}\nimage_analyzer:\n  class: {analyzer}\nimage:\n  type: {kind}\n"
        "scan:\n  priority: 100\n"
    )


def _unused_analyzer_name(tree: ConfigTree, name: str) -> str:
    name = check_plain_name(name, "analyzer name")
    taken = {stem.lower(): stem for stem in tree.analyzers}
    if name.lower() in taken:
        raise ConfigWriteError(
            f"an analyzer named {taken[name.lower()]!r} already exists "
            f"({tree.analyzers[taken[name.lower()]]}); analyzer names are unique across the "
            "tree (groups refer to them by name): choose another name",
            tree.analyzers[taken[name.lower()]],
        )
    return name


def create_analyzer(
    tree: ConfigTree, name: str, *, folder: str = "", kind: AnalyzerKind = "camera"
) -> Path:
    """Write a new analyzer YAML ``analyzers/{folder}/{name}.yaml``; returns its path.

    Raises
    ------
    ConfigWriteError
        A name that is not plain or already used anywhere in the tree, or a
        folder that cannot be written.
    """
    name = _unused_analyzer_name(tree, name)
    relative = Path("analyzers", *_folder_parts(folder), f"{name}.yaml")
    return write_config_text(tree.root, relative, new_analyzer_text(name, kind), new=True)


def create_group(
    tree: ConfigTree, name: str, *, folder: str = "", analyzers: list[str] | None = None
) -> Path:
    """Write a new group ``groups/{folder}/{name}.yaml`` listing ``analyzers``; returns its path.

    A group lists at least one analyzer; the first of the tree is used when
    none is given.
    """
    name = check_plain_name(name, "group name")
    parts = _folder_parts(folder)
    key = "/".join([*parts, name])
    if key in tree.groups:
        raise ConfigWriteError(f"group {key!r} already exists; choose another name", None)
    refs = list(analyzers or sorted(tree.analyzers)[:1])
    if not refs:
        raise ConfigWriteError(
            f"a group lists at least one analyzer and {tree.root / 'analyzers'} has none: "
            "create an analyzer first",
            None,
        )
    lines = [f"name: {name}", "upload_to_scan-log: false", "analyzers:"]
    lines += [f"  - {ref}" for ref in refs]
    relative = Path("groups", *parts, f"{name}.yaml")
    return write_config_text(tree.root, relative, "\n".join(lines) + "\n", new=True)


# --- duplicate and rename -------------------------------------------------------------------------
def _renamed_analyzer_text(path: Path, new_name: str) -> str:
    """The analyzer's text with ``name`` changed and its device kept.

    The device defaults to the name, so a copy or rename would otherwise read
    another device's files: an implicit device is written as ``scan.device``.
    """
    text = read_config_text(path)
    data = load_yaml_text(text, source=path)
    changed: dict[str, Any] = {**data, "name": new_name}
    scan = data.get("scan")
    device_implicit = scan is None or (isinstance(scan, dict) and not scan.get("device"))
    if device_implicit and "scan_analyzer" not in data:
        changed["scan"] = {**(scan or {}), "device": data.get("name", path.stem)}
    return edit_yaml_text(text, changed)


def duplicate_analyzer(tree: ConfigTree, name: str, new_name: str) -> Path:
    """Copy an analyzer to ``new_name`` in the same folder (same device); returns the new path."""
    source = tree.analyzer_path(name)
    new_name = _unused_analyzer_name(tree, new_name)
    text = _renamed_analyzer_text(source, new_name)
    return write_config_text(tree.root, source.with_name(f"{new_name}.yaml"), text, new=True)


@dataclass
class RenameResult:
    """What a rename wrote: the new file and the groups whose refs were updated."""

    path: Path
    updated_groups: list[Path] = field(default_factory=list)
    skipped_groups: list[str] = field(default_factory=list)


def rename_analyzer(tree: ConfigTree, name: str, new_name: str) -> RenameResult:
    """Rename an analyzer (file and ``name``), keep its device, update the groups listing it.

    Every new text is prepared before anything is written; the new file is
    created before the old one is removed. A group that cannot be read is
    left alone and named in ``skipped_groups``.
    """
    source = tree.analyzer_path(name)
    new_name = _unused_analyzer_name(tree, new_name)
    text = _renamed_analyzer_text(source, new_name)
    group_texts: dict[Path, str] = {}
    skipped: list[str] = []
    for key, path in sorted(tree.groups.items()):
        try:
            group_text = read_config_text(path)
            data = load_yaml_text(group_text, source=path)
        except ConfigError as error:
            skipped.append(f"{key}: {error}")
            continue
        entries = data.get("analyzers")
        if not isinstance(entries, list):
            continue
        renamed = [_renamed_entry(entry, name, new_name) for entry in entries]
        if renamed != entries:
            group_texts[path] = edit_yaml_text(group_text, {**data, "analyzers": renamed})
    target = write_config_text(tree.root, source.with_name(f"{new_name}.yaml"), text, new=True)
    result = RenameResult(target, skipped_groups=skipped)
    for path, group_text in group_texts.items():
        write_config_text(tree.root, path, group_text)
        result.updated_groups.append(path)
    delete_config_file(tree.root, source)
    logger.info("renamed analyzer %s to %s (%s)", name, new_name, target)
    return result


def _renamed_entry(entry: Any, old: str, new: str) -> Any:
    if entry == old:
        return new
    if isinstance(entry, dict) and entry.get("ref") == old:
        return {**entry, "ref": new}
    return entry


def rename_group(tree: ConfigTree, key: str, new_name: str) -> Path:
    """Rename a group's file within its folder (its ``name:`` is left as written)."""
    source = tree.group_path(key)
    new_name = check_plain_name(new_name, "group name")
    target = source.with_name(f"{new_name}{source.suffix}")
    new_key = target.relative_to(tree.root / "groups").with_suffix("").as_posix()
    if new_key in tree.groups:
        raise ConfigWriteError(f"group {new_key!r} already exists; choose another name", target)
    written = write_config_text(tree.root, target, read_config_text(source), new=True)
    delete_config_file(tree.root, source)
    return written
