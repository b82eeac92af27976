"""Find analyzer and group configs under a config root and resolve groups.

Layout: ``{config_dir}/analyzers/**/NAME.yaml`` (stems unique across the tree)
and ``{config_dir}/groups/**/NAME.yaml``. A group is addressed by its path key
under ``groups/`` without the extension (``HTU/baseline``) or by its stem when
that is unique. Errors list the valid choices and suggest close matches.
"""

from __future__ import annotations

import difflib
import logging
import os
from pathlib import Path

from scan_analysis.config.diagnostic_models import (
    AnalysisGroupConfig,
    DiagnosticAnalysisConfig,
    ResolvedDiagnosticConfig,
    load_diagnostic_config,
    load_group_config,
)
from scan_analysis.config.yaml_io import load_yaml
from scan_analysis.data.scan_paths import resolve_config_dir
from scan_analysis.errors import ConfigError

logger = logging.getLogger(__name__)

YAML_SUFFIXES = (".yaml", ".yml")


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())


def did_you_mean(word: str, choices: list[str]) -> str:
    """`` (did you mean X?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    return f" (did you mean {close[0]!r}?)" if close else ""


class ConfigTree:
    """The analyzer and group configs under one config root.

    Parameters
    ----------
    config_dir : path, optional
        Default: the resolution order of DATA_FORMAT.md (argument, env
        ``SCAN_ANALYSIS_CONFIG_DIR``, the lab ini, the repository's
        ``scan_analysis_configs/``).
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
        self.groups: dict[str, Path] = {
            path.relative_to(self.root / "groups").with_suffix("").as_posix(): path
            for path in _yaml_files(self.root / "groups")
        }

    # --- lookups ---------------------------------------------------------------------------
    def _require_unique(self) -> None:
        duplicates = [p for p in self.problems if p.startswith("duplicate analyzer")]
        if duplicates:
            raise ConfigError("; ".join(duplicates), self.root, duplicates)

    def analyzer_path(self, name: str) -> Path:
        """The YAML of an analyzer by name (its file stem)."""
        self._require_unique()
        try:
            return self.analyzers[name]
        except KeyError:
            choices = sorted(self.analyzers)
            raise ConfigError(
                f"no analyzer {name!r} under {self.root / 'analyzers'}"
                f"{did_you_mean(name, choices)}; valid: {', '.join(choices) or 'none'}",
                self.root,
            ) from None

    def load_analyzer(self, name: str) -> DiagnosticAnalysisConfig:
        """Load and validate an analyzer config by name."""
        path = self.analyzer_path(name)
        return load_diagnostic_config(load_yaml(path), source=path)

    def group_path(self, key: str) -> Path:
        """A group's YAML by path key (``HTU/baseline``) or unique stem (``baseline``)."""
        key = key.strip().removesuffix(".yaml").removesuffix(".yml")
        if key in self.groups:
            return self.groups[key]
        by_stem = [k for k in self.groups if k.rsplit("/", 1)[-1] == key]
        if len(by_stem) == 1:
            return self.groups[by_stem[0]]
        choices = sorted(self.groups)
        if len(by_stem) > 1:
            raise ConfigError(
                f"group name {key!r} is ambiguous: {', '.join(sorted(by_stem))}; use the full key",
                self.root,
            )
        stems = [k.rsplit("/", 1)[-1] for k in choices]
        raise ConfigError(
            f"no group {key!r} under {self.root / 'groups'}{did_you_mean(key, choices + stems)}; "
            f"valid: {', '.join(choices) or 'none'}",
            self.root,
        )

    def load_group(self, key: str) -> AnalysisGroupConfig:
        """Load and validate a group config."""
        path = self.group_path(key)
        return load_group_config(load_yaml(path), source=path)

    def resolve_group(self, key: str) -> list[ResolvedDiagnosticConfig]:
        """The group's enabled analyzers with overrides applied, sorted by priority (stable).

        Raises
        ------
        ConfigError
            Unknown refs (listing the valid names) or invalid analyzer configs,
            all at once.
        """
        group_file = self.group_path(key)
        group = self.load_group(key)
        resolved: list[ResolvedDiagnosticConfig] = []
        problems: list[str] = []
        for ref in group.refs:
            if ref.ref not in self.analyzers:
                choices = sorted(self.analyzers)
                problems.append(
                    f"{group_file}: unknown analyzer {ref.ref!r}{did_you_mean(ref.ref, choices)}; "
                    f"valid: {', '.join(choices)}"
                )
                continue
            if not ref.enabled:
                logger.info("group %s: %s disabled", key, ref.ref)
                continue
            try:
                config = self.load_analyzer(ref.ref)
            except ConfigError as error:
                problems += error.problems or [str(error)]
                continue
            priority = ref.priority if ref.priority is not None else config.scan.priority
            resolved.append(
                ResolvedDiagnosticConfig(
                    config=config, source=self.analyzers[ref.ref], priority=priority
                )
            )
        if problems:
            raise ConfigError(
                f"group {key} has problems:\n  " + "\n  ".join(problems), group_file, problems
            )
        return sorted(resolved, key=lambda item: item.priority)  # sorted() is stable

    def resolve_analyzer(self, name: str) -> ResolvedDiagnosticConfig:
        """One analyzer as if in a group of its own."""
        config = self.load_analyzer(name)
        return ResolvedDiagnosticConfig(
            config=config, source=self.analyzers[name], priority=config.scan.priority
        )

    # --- the whole tree --------------------------------------------------------------------
    def check(self) -> list[str]:
        """Every problem in the tree at once (each line names its file); empty when valid."""
        from scan_analysis.config.diagnostic_factory import import_class_problems

        problems = list(self.problems)
        for path in self.analyzers.values():
            try:
                config = load_diagnostic_config(load_yaml(path), source=path)
            except ConfigError as error:
                problems += error.problems or [str(error)]
                continue
            problems += import_class_problems(config, path)
        for path in self.groups.values():
            try:
                group = load_group_config(load_yaml(path), source=path)
            except ConfigError as error:
                problems += error.problems or [str(error)]
                continue
            for ref in group.refs:
                if ref.ref not in self.analyzers:
                    choices = sorted(self.analyzers)
                    problems.append(
                        f"{path}: unknown analyzer {ref.ref!r}{did_you_mean(ref.ref, choices)}; "
                        f"valid: {', '.join(choices)}"
                    )
        stems = [k.rsplit("/", 1)[-1] for k in self.groups]
        for stem in sorted({s for s in stems if stems.count(s) > 1}):
            logger.info("group stem %r is shared; address those groups by full key", stem)
        return problems
