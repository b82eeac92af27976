"""The config of a device: what ``Array2DScanAnalyzer(device_name=...)`` uses by default.

An analyzer config belongs to a device when its ``scan.device`` (or, without
one, its ``name``) is that device. :func:`find_device_configs` lists the
configs of one device and one kind (camera or line) under a config root;
:func:`choose_device_config` turns that into the one config to use (or none),
or a clear error when several fit; :func:`load_config_choice` reads a config
named explicitly (``config="UC_TopView"`` or a path).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from scan_analysis.config.analysis_group_loader import YAML_SUFFIXES, ConfigTree
from scan_analysis.config.diagnostic_models import (
    ResolvedDiagnosticConfig,
    load_diagnostic_config,
)
from scan_analysis.config.yaml_io import load_yaml
from scan_analysis.errors import ConfigError

logger = logging.getLogger(__name__)

ShotKind = Literal["2d", "1d"]
KIND_WORDS = {"2d": "camera", "1d": "line"}
"""How configs of each kind are called in messages."""
_SCAN_CLASS = {"2d": "Array2DScanAnalyzer", "1d": "Array1DScanAnalyzer"}


@dataclass
class DeviceConfigSearch:
    """What a search for a device's configs found.

    Attributes
    ----------
    device, kind :
        What was looked for (``kind`` ``"2d"`` camera or ``"1d"`` line).
    root : Path
        The config root searched (its ``analyzers/`` folder).
    found : list of ResolvedDiagnosticConfig
        The device's configs of that kind (and directory suffix, when one was asked for).
    passed_over : list of str
        The device's other configs, each with why it was not taken.
    """

    device: str
    kind: ShotKind
    root: Path
    found: list[ResolvedDiagnosticConfig] = field(default_factory=list)
    passed_over: list[str] = field(default_factory=list)

    def where(self) -> str:
        """Where was looked, for messages."""
        return f"{self.root / 'analyzers'} (configs whose scan.device, or name, is {self.device!r})"


def _declared_device(data: object, path: Path) -> str | None:
    """The device a raw analyzer mapping is for (``scan.device``, else ``name``, else the stem)."""
    if not isinstance(data, dict):
        return None
    scan = data.get("scan")
    device = scan.get("device") if isinstance(scan, dict) else None
    name = data.get("name")
    chosen = device or name or path.stem
    return str(chosen).strip() if isinstance(chosen, str) else None


def find_device_configs(
    device: str,
    *,
    kind: ShotKind,
    config_dir: str | os.PathLike | None = None,
    directory_suffix: str | None = None,
) -> DeviceConfigSearch:
    """The analyzer configs of ``device`` of one kind under a config root.

    Parameters
    ----------
    device : str
        The device name (as in the s-file columns and folder names).
    kind : {"2d", "1d"}
        Camera configs (for Array2D) or line configs (for Array1D).
    config_dir : path, optional
        The config root; default the resolution order of docs/DATA_FORMAT.md
        (env ``SCAN_ANALYSIS_CONFIG_DIR``, the lab ini, the shipped configs).
    directory_suffix : str, optional
        When given, only configs reading the folder ``{device}{suffix}``.

    Returns
    -------
    DeviceConfigSearch

    Raises
    ------
    ConfigError
        A config of this device that cannot be read or is invalid (naming its
        file and the problems): the device's own config is never skipped
        silently. Other devices' broken files are left for ``configs check``.
    """
    tree = ConfigTree(config_dir)
    search = DeviceConfigSearch(device=device, kind=kind, root=tree.root)
    for problem in tree.problems:  # duplicate stems: the second file is not in tree.analyzers
        if problem.startswith(f"duplicate analyzer name {device!r}"):
            raise ConfigError(problem, tree.root, [problem])
    for name, path in sorted(tree.analyzers.items()):
        try:
            data = load_yaml(path)
        except ConfigError:
            if name == device:
                raise
            logger.debug("%s cannot be read; not a config of %s", path, device)
            continue
        if _declared_device(data, path) != device:
            continue
        config = load_diagnostic_config(data, source=path)  # this device's: errors are raised
        resolved = ResolvedDiagnosticConfig(
            config=config, source=path, priority=config.scan.priority
        )
        shot_kind = config.shot_kind
        if shot_kind is None:
            search.passed_over.append(f"{path} runs {config.scan_analyzer.class_path} on scans")
        elif shot_kind != kind:
            search.passed_over.append(f"{path} is a {KIND_WORDS[shot_kind]} config")
        elif directory_suffix is not None and config.scan.directory_suffix != directory_suffix:
            search.passed_over.append(
                f"{path} reads {device}{config.scan.directory_suffix}, not "
                f"{device}{directory_suffix}"
            )
        else:
            search.found.append(resolved)
    return search


def load_config_choice(
    choice: str | os.PathLike, *, config_dir: str | os.PathLike | None = None
) -> ResolvedDiagnosticConfig:
    """An analyzer config chosen explicitly: a name under the config root, or a YAML path.

    A ``PathLike``, or a string ending in ``.yaml``/``.yml`` or holding a
    path separator, is a file; any other string is an analyzer name.

    Raises
    ------
    ConfigError
        Unknown name (listing the valid ones), missing file, or an invalid config.
    """
    text = os.fspath(choice)
    is_path = (
        not isinstance(choice, str)
        or text.endswith(YAML_SUFFIXES)
        or any(sep in text for sep in ("/", os.sep))
    )
    if not is_path:
        return ConfigTree(config_dir).resolve_analyzer(text)
    path = Path(text).expanduser()
    if not path.is_file():
        raise ConfigError(
            f"config file {path} does not exist; pass an analyzer name (e.g. 'UC_TopView') "
            "or the path of an analyzer YAML",
            path,
        )
    config = load_diagnostic_config(load_yaml(path), source=path)
    return ResolvedDiagnosticConfig(config=config, source=path, priority=config.scan.priority)


def choose_device_config(
    device: str,
    *,
    kind: ShotKind,
    choice: str | os.PathLike | None = None,
    config_dir: str | os.PathLike | None = None,
    directory_suffix: str | None = None,
) -> tuple[ResolvedDiagnosticConfig | None, DeviceConfigSearch | None]:
    """The config a device's analysis uses: the one chosen, else its only config, else none.

    Parameters
    ----------
    device, kind, config_dir, directory_suffix :
        As in :func:`find_device_configs`.
    choice : str or path, optional
        An analyzer name or YAML path chosen explicitly (``config=``); it must
        be of this kind and for this device.

    Returns
    -------
    (ResolvedDiagnosticConfig or None, DeviceConfigSearch or None)
        The config (None: the device has none of this kind) and, when it was
        looked up rather than chosen, the search (to say where was looked).

    Raises
    ------
    ConfigError
        Several configs fit (listing them, asking for ``config=`` or
        ``image_analyzer=``); the chosen config is of the other kind, runs a
        scan analyzer, or is for another device; or a config is invalid.
    """
    word = KIND_WORDS[kind]
    if choice is not None:
        resolved = load_config_choice(choice, config_dir=config_dir)
        config = resolved.config
        if config.shot_kind != kind:
            what = (
                f"runs {config.scan_analyzer.class_path} on whole scans"
                if config.shot_kind is None
                else f"is a {KIND_WORDS[config.shot_kind]} config"
            )
            other = _SCAN_CLASS.get(config.shot_kind or "", "its own scan analyzer")
            raise ConfigError(
                f"{resolved.source}: config {config.name!r} {what}, not a {word} config for "
                f"{_SCAN_CLASS[kind]}; use {other} (or scan-analysis run) for it, or choose "
                f"a {word} config",
                resolved.source,
            )
        if config.device != device:
            raise ConfigError(
                f"{resolved.source}: config {config.name!r} is for device {config.device!r}, "
                f"not {device!r}; pass device_name={config.device!r}, or choose a config whose "
                f"scan.device is {device!r}",
                resolved.source,
            )
        return resolved, None
    search = find_device_configs(
        device, kind=kind, config_dir=config_dir, directory_suffix=directory_suffix
    )
    if len(search.found) > 1:
        listed = "\n  ".join(f"{item.name}: {item.source}" for item in search.found)
        first = search.found[0].name
        raise ConfigError(
            f"{len(search.found)} {word} configs are for device {device!r} under "
            f"{search.root / 'analyzers'}:\n  {listed}\nchoose one with config={first!r} "
            "(a name or a YAML path), or pass image_analyzer=...",
            search.root,
            [str(item.source) for item in search.found],
        )
    return (search.found[0] if search.found else None), search
