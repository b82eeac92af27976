"""The lab machine's ``geecs_python_api`` config.ini (data root, config root, experiment)."""

from __future__ import annotations

import configparser
import logging
import os
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

LAB_CONFIG_ENV = "SCAN_ANALYSIS_LAB_CONFIG"
DEFAULT_LAB_CONFIG = Path("~/.config/geecs_python_api/config.ini")


@dataclass(frozen=True)
class LabConfig:
    """What a lab machine's config.ini says; every field may be missing.

    Attributes
    ----------
    path : Path
        The file that was read (or looked for).
    data_root : Path or None
        ``[Paths] GEECS_DATA_LOCAL_BASE_PATH``.
    config_dir : Path or None
        ``[Paths] scan_analysis_configs_path``.
    experiment : str or None
        ``[Experiment] expt``, the default experiment.
    """

    path: Path
    data_root: Path | None = None
    config_dir: Path | None = None
    experiment: str | None = None


def lab_config_path() -> Path:
    """Where the lab config.ini is looked for (env ``SCAN_ANALYSIS_LAB_CONFIG`` overrides)."""
    return Path(os.environ.get(LAB_CONFIG_ENV) or DEFAULT_LAB_CONFIG).expanduser()


def read_lab_config(path: Path | None = None) -> LabConfig:
    """Read ``[Paths]`` and ``[Experiment]`` from the lab's config.ini.

    Parameters
    ----------
    path : Path, optional
        The ini to read; default :func:`lab_config_path`.

    Returns
    -------
    LabConfig
        Empty (all None) for a missing or unreadable file (logged), since most
        machines other than lab PCs have none. Values may be double-quoted;
        ``~`` is expanded; ``%`` and duplicate keys are fine.
    """
    path = Path(path) if path is not None else lab_config_path()
    if not path.is_file():
        return LabConfig(path=path)
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read(path, encoding="utf-8-sig")
    except (configparser.Error, UnicodeDecodeError) as error:
        logger.warning("ignoring unreadable lab config %s: %s", path, error)
        return LabConfig(path=path)

    sections = {name.lower(): name for name in parser.sections()}

    def value(section: str, key: str) -> str | None:
        name = sections.get(section.lower())
        raw = parser.get(name, key, fallback=None) if name else None
        raw = raw.strip().strip('"').strip() if raw else None
        return raw or None

    data_root = value("Paths", "GEECS_DATA_LOCAL_BASE_PATH")
    config_dir = value("Paths", "scan_analysis_configs_path")
    return LabConfig(
        path=path,
        data_root=Path(data_root).expanduser() if data_root else None,
        config_dir=Path(config_dir).expanduser() if config_dir else None,
        experiment=value("Experiment", "expt"),
    )
