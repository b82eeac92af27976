"""Find analyzer and group configs under a config root and resolve groups.

Layout: ``{config_dir}/analyzers/**/NAME.yaml`` (stems unique across the tree)
and ``{config_dir}/groups/**/NAME.yaml``. A group is addressed by its path key
under ``groups/`` without the extension (``HTU/baseline``) or by its stem when
that is unique. Errors list the valid choices and suggest close matches.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from pydantic import ValidationError

from scan_analysis.config.diagnostic_factory import class_path_problems, construction_problems
from scan_analysis.config.diagnostic_models import (
    AnalysisGroupConfig,
    AnalyzerRef,
    DiagnosticAnalysisConfig,
    ResolvedDiagnosticConfig,
    load_diagnostic_config,
    load_group_config,
)
from scan_analysis.config.yaml_io import load_yaml
from scan_analysis.data.scan_paths import resolve_config_dir
from scan_analysis.errors import ConfigError
from scan_analysis.suggestions import did_you_mean, valid_choices
from scan_analysis.validation_messages import describe_problems

logger = logging.getLogger(__name__)

YAML_SUFFIXES = (".yaml", ".yml")


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.rglob("*")
        if path.suffix in YAML_SUFFIXES and path.is_file() and not path.name.startswith(".")
    )


def _group_file(key: str | os.PathLike) -> Path | None:
    """The file a group name denotes when it is the path of a YAML file that exists."""
    text = os.fspath(key).strip()
    if not text.endswith(YAML_SUFFIXES):
        return None
    path = Path(text).expanduser()
    return path.resolve() if path.is_file() else None


def group_config_root(group: str | os.PathLike) -> Path | None:
    """The config root a group file belongs to: the folder holding its ``groups/`` ancestor.

    For a group named by the path of its YAML file (the original's
    ``load_analysis_group(Path(...))``), so its analyzers are found beside it
    with no ``config_dir``. None for a group key, or a file under no ``groups/``.

    Examples
    --------
    >>> group_config_root("HTU/baseline") is None
    True
    """
    path = _group_file(group)
    if path is None:
        return None
    for ancestor in path.parents:
        if ancestor.name == "groups":
            return ancestor.parent
    return None


class ConfigTree:
    """The analyzer and group configs under one config root.

    Parameters
    ----------
    config_dir : path, optional
        Default: the resolution order of docs/DATA_FORMAT.md (argument, env
        ``SCAN_ANALYSIS_CONFIG_DIR``, the lab ini, the repository's
        ``scan_analysis_configs/`` or, installed, its copy in the package).

    Attributes
    ----------
    root : Path
        The config root in use.
    analyzers : dict of str to Path
        Analyzer YAML by name (file stem).
    groups : dict of str to Path
        Group YAML by path key under ``groups/`` (``HTU/baseline``).
    problems : list of str
        Layout problems found while scanning (duplicate analyzer stems).

    Examples
    --------
    With the repository's configs::

        tree = ConfigTree()
        [item.name for item in tree.resolve_group("demo")]  # UC_TopView, UC_Spectrometer, ...
        tree.check()                                         # [] when every file is valid
    """

    def __init__(self, config_dir: str | os.PathLike | None = None) -> None:
        self.root = resolve_config_dir(config_dir)
        self.problems: list[str] = []
        self.analyzers: dict[str, Path] = {}
        for path in _yaml_files(self.root / "analyzers"):
            if path.stem in self.analyzers:
                self.problems.append(
                    f"duplicate analyzer name {path.stem!r}: {self.analyzers[path.stem]} and "
                    f"{path}; analyzer file names must be unique across the tree, rename one"
                )
                continue
            self.analyzers[path.stem] = path
        groups_dir = self.root / "groups"
        self.groups: dict[str, Path] = {
            path.relative_to(groups_dir).with_suffix("").as_posix(): path
            for path in _yaml_files(groups_dir)
        }

    @classmethod
    def for_group(
        cls, group: str | os.PathLike | None, config_dir: str | os.PathLike | None = None
    ) -> ConfigTree:
        """The tree to run ``group`` from: ``config_dir``, else the one its YAML file is in.

        A group named by its file (``.../configs/groups/HTU/baseline.yaml``)
        with no ``config_dir`` takes its analyzers from that file's config root
        (:func:`group_config_root`); otherwise the usual resolution order.
        """
        if config_dir is None and group is not None:
            config_dir = group_config_root(group)
        return cls(config_dir)

    def __repr__(self) -> str:
        return (
            f"ConfigTree({str(self.root)!r}: {len(self.analyzers)} analyzers, "
            f"{len(self.groups)} groups)"
        )

    # --- analyzers ---------------------------------------------------------------------------
    def analyzer_path(self, name: str) -> Path:
        """The YAML of an analyzer by name (its file stem).

        Raises
        ------
        ConfigError
            Unknown name (listing the valid ones), or a name two files share.
        """
        duplicates = [p for p in self.problems if p.startswith(f"duplicate analyzer name {name!r}")]
        if duplicates:
            raise ConfigError(duplicates[0], self.root, duplicates)
        try:
            return self.analyzers[name]
        except KeyError:
            raise ConfigError(
                f"no analyzer {name!r} under {self.root / 'analyzers'}"
                f"{did_you_mean(name, self.analyzers)}; valid: {valid_choices(self.analyzers)}",
                self.root,
            ) from None

    def load_analyzer(self, name: str) -> DiagnosticAnalysisConfig:
        """Load and validate an analyzer config by name."""
        path = self.analyzer_path(name)
        return load_diagnostic_config(load_yaml(path), source=path)

    def resolve_analyzer(self, name: str) -> ResolvedDiagnosticConfig:
        """One analyzer as if in a group of its own (its own ``scan.priority``)."""
        from scan_analysis.config.diagnostic_factory import construction_problems

        config = self.load_analyzer(name)
        problems = construction_problems(config, self.analyzers[name])
        if problems:
            heading = f"analyzer {name} cannot run: {len(problems)} problem(s)"
            raise ConfigError(describe_problems(heading, problems), self.analyzers[name], problems)
        return ResolvedDiagnosticConfig(
            config=config, source=self.analyzers[name], priority=config.scan.priority
        )

    # --- groups ------------------------------------------------------------------------------
    def group_path(self, key: str | os.PathLike) -> Path:
        """A group's YAML by path key (``HTU/baseline``), unique stem (``baseline``) or file.

        A path naming an existing ``.yaml``/``.yml`` file (absolute, or relative
        to the working directory) is that group, as the original toolkit
        accepts; its analyzers are found in this tree (see
        :func:`group_config_root` for the tree a group file belongs to).

        Raises
        ------
        ConfigError
            Unknown or ambiguous key, listing the valid keys.
        """
        as_file = _group_file(key)
        if as_file is not None:
            return as_file
        key = os.fspath(key).strip().replace("\\", "/").removesuffix(".yaml").removesuffix(".yml")
        if key in self.groups:
            return self.groups[key]
        by_stem = sorted(k for k in self.groups if k.rsplit("/", 1)[-1] == key)
        if len(by_stem) == 1:
            return self.groups[by_stem[0]]
        if by_stem:
            raise ConfigError(
                f"group name {key!r} is ambiguous under {self.root / 'groups'}: it could be "
                f"{' or '.join(by_stem)}; give the full key",
                self.root,
            )
        stems = [k.rsplit("/", 1)[-1] for k in self.groups]
        raise ConfigError(
            f"no group {key!r} under {self.root / 'groups'}"
            f"{did_you_mean(key, [*self.groups, *stems])}; valid: {valid_choices(self.groups)}",
            self.root,
        )

    def load_group(self, key: str | os.PathLike) -> AnalysisGroupConfig:
        """Load and validate a group config by key or unique stem."""
        path = self.group_path(key)
        return load_group_config(load_yaml(path), source=path)

    def resolve_group(self, key: str | os.PathLike) -> list[ResolvedDiagnosticConfig]:
        """The group's enabled analyzers with overrides applied, sorted by priority (stable).

        A ``{ref, priority}`` entry replaces the analyzer's own ``scan.priority``
        in this group only; ``enabled: false`` drops the entry, and so does
        ``scan.is_active: false`` in the analyzer's own file; analyzers of
        equal priority keep their order in the group file.

        Raises
        ------
        ConfigError
            Unknown refs (listing the valid names) or invalid analyzer configs,
            all at once in ``.problems``.
        """
        from scan_analysis.config.diagnostic_factory import construction_problems

        group_file = self.group_path(key)
        group = load_group_config(load_yaml(group_file), source=group_file)
        resolved: list[ResolvedDiagnosticConfig] = []
        problems = self._unknown_refs(group.analyzers, group_file)
        for entry in group.analyzers:
            if entry.ref not in self.analyzers:
                continue
            if not entry.enabled:
                logger.info("group %s: %s is disabled, skipping it", key, entry.ref)
                continue
            try:
                config = self.load_analyzer(entry.ref)
            except ConfigError as error:
                problems += error.problems or [str(error)]
                continue
            if not config.scan.is_active:
                logger.info("group %s: %s has scan.is_active: false, skipping it", key, entry.ref)
                continue
            problems += construction_problems(config, self.analyzers[entry.ref])
            priority = entry.priority if entry.priority is not None else config.scan.priority
            resolved.append(
                ResolvedDiagnosticConfig(
                    config=config, source=self.analyzers[entry.ref], priority=priority
                )
            )
        if problems:
            heading = f"group {key} cannot run: {len(problems)} problem(s)"
            raise ConfigError(describe_problems(heading, problems), group_file, problems)
        return sorted(resolved, key=lambda item: item.priority)  # sorted() is stable

    def group_key(self, key: str | os.PathLike) -> str:
        """The path key (``HTU/baseline``) of a group named any way :meth:`group_path` takes.

        A group file outside this tree's ``groups/`` keeps its path as its key.
        """
        path = self.group_path(key)
        groups_dir = (self.root / "groups").resolve()
        try:
            return path.resolve().relative_to(groups_dir).with_suffix("").as_posix()
        except ValueError:
            return str(path)

    def unknown_ref_message(self, ref: str) -> str:
        """What to say about a group entry naming no analyzer of the tree (valid names listed)."""
        return (
            f"unknown analyzer {ref!r}{did_you_mean(ref, self.analyzers)}; "
            f"valid: {valid_choices(self.analyzers)}"
        )

    def _unknown_refs(self, entries: list[AnalyzerRef], group_file: Path) -> list[str]:
        return [
            f"{group_file}: {self.unknown_ref_message(entry.ref)}"
            for entry in entries
            if entry.ref not in self.analyzers
        ]

    # --- the whole tree ----------------------------------------------------------------------
    def check(self) -> list[str]:
        """Every problem in the tree at once (each line names its file); empty when valid.

        Checks YAML syntax, keys and values of every analyzer and group, that
        analyzer names are unique and match their file names, that every class
        path imports to the right kind of class, and that every group ref exists
        (disabled ones too).
        """
        problems = list(self.problems)
        if not (self.root / "analyzers").is_dir() and not (self.root / "groups").is_dir():
            problems.append(
                f"{self.root}: no analyzers/ or groups/ folder; point at a config root laid out "
                "as analyzers/**/NAME.yaml and groups/**/NAME.yaml"
            )
        for path in self.analyzers.values():
            problems += self._analyzer_file_problems(path)
        for path in self.groups.values():
            problems += self._group_file_problems(path)
        return problems

    def _analyzer_file_problems(self, path: Path) -> list[str]:
        """Every problem of one analyzer file: syntax, keys and values, class paths.

        A file with key errors still has its class paths checked, so one
        ``configs check`` names all that is wrong in it.
        """
        try:
            data = load_yaml(path)
        except ConfigError as error:
            return error.problems or [str(error)]
        try:
            config = load_diagnostic_config(data, source=path)
        except ConfigError as error:
            problems = error.problems or [str(error)]
            return problems + (class_path_problems(data, path) if isinstance(data, dict) else [])
        return construction_problems(config, path)

    def _group_file_problems(self, path: Path) -> list[str]:
        """Every problem of one group file: syntax, keys and values, unknown analyzer names.

        A file with key errors still has its valid entries looked up.
        """
        try:
            data = load_yaml(path)
        except ConfigError as error:
            return error.problems or [str(error)]
        try:
            group = load_group_config(data, source=path)
        except ConfigError as error:
            problems = error.problems or [str(error)]
            entries = data.get("analyzers") if isinstance(data, dict) else None
            refs = []
            for entry in entries if isinstance(entries, list) else []:
                try:
                    refs.append(AnalyzerRef.model_validate(entry))
                except ValidationError:  # reported with the key errors
                    continue
            return problems + self._unknown_refs(refs, path)
        return self._unknown_refs(group.analyzers, path)
