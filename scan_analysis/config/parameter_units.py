"""Units of device variables: the per-experiment table ``{config root}/units/{experiment}.yaml``.

A scan parameter (``U_ESP_JetXYZ:Position.Axis 1``) carries no unit in the
DAQ's files. Each experiment keeps one small table in the config root::

    # scan_analysis_configs/units/Undulator.yaml
    "U_ESP_JetXYZ:Position.Axis 1": mm
    "U_Laser:Compressor.Grating": mm

Keys are device variables as the ini writes them (``Device:Variable``) or as
the s-file names the column (``Device Variable``, an ``Alias:`` suffix
ignored), matched without regard to case. An analyzer's ``scan.parameter_unit``
wins over the table (see :func:`resolve_parameter_unit`).
"""

from __future__ import annotations

import logging
import os
import re
from functools import lru_cache
from pathlib import Path

from scan_analysis.config.yaml_io import load_yaml
from scan_analysis.errors import ConfigError

logger = logging.getLogger(__name__)

UNITS_FOLDER = "units"
"""The folder of the config root that holds one unit table per experiment."""


def variable_key(name: str) -> str:
    """The comparable form of a device variable, from the ini or the s-file spelling.

    Examples
    --------
    >>> variable_key("U_ESP_JetXYZ:Position.Axis 1")
    'u_esp_jetxyz position.axis 1'
    >>> variable_key("U_ESP_JetXYZ Position.Axis 1 Alias:JetX")
    'u_esp_jetxyz position.axis 1'
    """
    name = name.split(" Alias:", 1)[0].strip().replace(":", " ", 1)
    return re.sub(r"\s+", " ", name).casefold()


def unit_table_path(config_dir: str | os.PathLike, experiment: str) -> Path:
    """``{config_dir}/units/{experiment}.yaml`` (it may not exist)."""
    return Path(config_dir) / UNITS_FOLDER / f"{experiment}.yaml"


def load_unit_table(config_dir: str | os.PathLike, experiment: str) -> dict[str, str]:
    """The experiment's table, keys in :func:`variable_key` form (empty when there is none).

    Raises
    ------
    ConfigError
        When the file is not a mapping of device variables to unit names; the
        message names the file and the entry.
    """
    path = unit_table_path(config_dir, experiment)
    if not path.is_file():
        return {}
    stat = path.stat()
    return dict(_load_table(str(path), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=32)
def _load_table(path: str, _mtime: int, _size: int) -> tuple[tuple[str, str], ...]:
    data = load_yaml(path)
    problems = [
        f"{key!r}: {value!r} is not a unit name (write e.g. mm, fs, pC)"
        for key, value in data.items()
        if not isinstance(value, str | int | float) or isinstance(value, bool) or value == ""
    ]
    if problems:
        raise ConfigError(
            f'{path}: {"; ".join(problems)}; each line is "Device:Variable": unit',
            Path(path),
            problems,
        )
    return tuple((variable_key(str(key)), str(value)) for key, value in data.items())


def resolve_parameter_unit(
    parameter: str | None,
    *,
    experiment: str,
    config_dir: str | os.PathLike | None,
    configured: str | None = None,
) -> str | None:
    """The unit of a scan parameter: ``configured`` (``scan.parameter_unit``), else the table.

    Parameters
    ----------
    parameter : str or None
        The ini's ``Scan Parameter`` or the s-file column.
    experiment : str
        Whose table to read.
    config_dir : path or None
        The config root (None: no table).
    configured : str, optional
        An analyzer's ``scan.parameter_unit``.

    Examples
    --------
    >>> resolve_parameter_unit("X:Y", experiment="E", config_dir=None, configured="fs")
    'fs'
    """
    if configured:
        return configured
    if not parameter or config_dir is None:
        return None
    try:
        table = load_unit_table(config_dir, experiment)
    except ConfigError as error:  # a bad table costs the units, never the analysis
        logger.warning("%s; figures show the scan parameter without its unit", error)
        return None
    return table.get(variable_key(parameter))
