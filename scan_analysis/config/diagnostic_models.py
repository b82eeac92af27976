"""Models of the two config file kinds: a diagnostic (analyzer) and a group.

A diagnostic YAML (``analyzers/**/NAME.yaml``) holds ``name``,
``image_analyzer`` (``class`` import path + ``kwargs``), the per-shot ``image:``
block (:mod:`scan_analysis.image.config`) and the ``scan:`` block
(:class:`ScanRuntimeConfig`). Optionally ``scan_analyzer`` names a
:class:`~scan_analysis.base.ScanAnalyzer` subclass to run instead of the
standard Array1D/Array2D wrapping. A group YAML (``groups/**/NAME.yaml``)
lists analyzers by name, with per-group overrides.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from scan_analysis.errors import ConfigError
from scan_analysis.image.config.models import (
    CameraConfig,
    LineConfig,
    format_validation_error,
    load_image_config,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_assignment=True)


class ClassSpec(_Strict):
    """A class by import path, with keyword arguments for its constructor."""

    class_path: str = Field(
        alias="class", description="import path, e.g. scan_analysis.image.BeamAnalyzer"
    )
    kwargs: dict[str, Any] = Field(
        default_factory=dict, description="constructor keyword arguments"
    )

    @field_validator("class_path")
    @classmethod
    def _dotted(cls, value: str) -> str:
        value = value.strip()
        if "." not in value or value.startswith(".") or value.endswith("."):
            raise ValueError(f"{value!r} is not an import path like package.module.ClassName")
        return value


class ScanRuntimeConfig(_Strict):
    """The ``scan:`` block: how the analyzer runs over a scan."""

    priority: int = Field(100, ge=0, description="lower runs first (default 100)")
    mode: Literal["per_shot", "per_bin"] = Field(
        "per_shot", description="analyse each shot, or each bin's average once"
    )
    device: str | None = Field(None, description="device name (default: the config's name)")
    directory_suffix: str = Field("", description="folder/file suffix such as -interpSpec")
    file_tail: str | None = Field(None, description="which files, e.g. .png or _postprocessed.png")
    save: bool = Field(True, description="write figures and per-bin arrays")
    gdoc_slot: int | None = Field(None, ge=0, le=3, description="e-log 2x2 grid position (0-3)")
    renderer_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="figure options: cmap, vmin, vmax, dpi, figsize"
    )
    background_source: str | None = Field(None, description="where the background comes from")


class DiagnosticAnalysisConfig(_Strict):
    """One diagnostic: what to run on its shots and how to run it over a scan."""

    name: str = Field(description="unique analyzer name (also the s-file column prefix)")
    image_analyzer: ClassSpec | None = Field(
        None,
        description="per-shot analyzer (default BeamAnalyzer for cameras, LineAnalyzer for lines)",
    )
    scan_analyzer: ClassSpec | None = Field(
        None, description="a ScanAnalyzer subclass to run instead of Array2D/Array1D"
    )
    image: CameraConfig | LineConfig | None = Field(None, description="per-shot processing block")
    scan: ScanRuntimeConfig = Field(
        default_factory=ScanRuntimeConfig, description="scan-level block"
    )

    @property
    def device(self) -> str:
        """The device whose files are read."""
        return self.scan.device or self.name

    @property
    def is_line(self) -> bool:
        """Whether the diagnostic produces traces."""
        return isinstance(self.image, LineConfig)

    def to_yaml_dict(self) -> dict[str, Any]:
        """Plain data for YAML, in canonical key order, only what was set."""
        data = self.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude={"image"})
        ordered = {
            key: data[key] for key in ("name", "image_analyzer", "scan_analyzer") if key in data
        }
        if "image" in self.model_fields_set:
            ordered["image"] = self.image.to_yaml_dict() if self.image is not None else None
        if "scan" in data:
            ordered["scan"] = data["scan"]
        return ordered


class AnalyzerRefEntry(_Strict):
    """A group entry with overrides: ``{ref: NAME, priority: 5, enabled: false}``."""

    ref: str = Field(description="analyzer name (its YAML stem)")
    priority: int | None = Field(None, ge=0, description="priority in this group")
    enabled: bool = Field(True, description="false drops it from the group")


class AnalyzerRef(BaseModel):
    """A resolved group entry."""

    ref: str
    priority: int | None = None
    enabled: bool = True


class AnalysisGroupConfig(_Strict):
    """A group: which analyzers run together (e.g. a shift's standard set)."""

    name: str = Field(description="group name")
    description: str | None = Field(None, description="what the group is for")
    upload_to_scan_log: bool = Field(
        False, alias="upload_to_scan-log", description="write each scan's entry to the e-log"
    )
    analyzers: list[str | AnalyzerRefEntry] = Field(
        description="analyzer names or {ref, priority, enabled}"
    )

    @property
    def refs(self) -> list[AnalyzerRef]:
        """Entries as :class:`AnalyzerRef` (bare names get no override)."""
        return [
            AnalyzerRef(ref=entry) if isinstance(entry, str) else AnalyzerRef(**entry.model_dump())
            for entry in self.analyzers
        ]

    def to_yaml_dict(self) -> dict[str, Any]:
        """Plain data for YAML, as written in lab files."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class ResolvedDiagnosticConfig(BaseModel):
    """A diagnostic as a group runs it: the config, its file, effective priority."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    config: DiagnosticAnalysisConfig
    source: Path
    priority: int
    enabled: bool = True

    @property
    def name(self) -> str:
        """The analyzer's name."""
        return self.config.name


def _validation_problems(
    model: type[BaseModel], data: dict, source: Path | str | None
) -> list[str]:
    try:
        model.model_validate(data)
    except ValidationError as error:
        return format_validation_error(error, source)
    return []


def load_diagnostic_config(
    data: dict[str, Any], *, source: str | os.PathLike | None = None
) -> DiagnosticAnalysisConfig:
    """Validate a diagnostic YAML mapping, reporting every problem at once.

    Raises
    ------
    ConfigError
        One line per problem (file, dotted key, what is wrong) in ``.problems``.
    """
    source_label = str(source) if source is not None else None
    problems: list[str] = []
    image = None
    if data.get("image") is not None:
        if not isinstance(data["image"], dict):
            problems.append(f"{source_label}: 'image' must be a mapping of sections")
        else:
            try:
                image = load_image_config(data["image"], source=source_label)
            except ConfigError as error:
                problems += [
                    p.replace("unknown key '", "unknown key 'image.").replace(": '", ": 'image.", 1)
                    if "unknown key" not in p
                    else p.replace("unknown key '", "unknown key 'image.")
                    for p in error.problems
                ]
    rest = {key: value for key, value in data.items() if key != "image"}
    problems += _validation_problems(DiagnosticAnalysisConfig, rest, source_label)
    if source is not None and "name" in data and Path(source).stem != data["name"]:
        problems.append(
            f"{source_label}: name {data['name']!r} differs from the file name "
            f"{Path(source).stem!r}; make them the same (groups refer to analyzers by file name)"
        )
    if problems:
        raise ConfigError(
            f"invalid analyzer config {source_label or ''}:\n  " + "\n  ".join(problems),
            source,
            problems,
        )
    config = DiagnosticAnalysisConfig.model_validate(rest)
    if "image" in data:
        config.image = image
    return config


def load_group_config(
    data: dict[str, Any], *, source: str | os.PathLike | None = None
) -> AnalysisGroupConfig:
    """Validate a group YAML mapping, reporting every problem at once."""
    problems = _validation_problems(AnalysisGroupConfig, data, str(source) if source else None)
    if problems:
        raise ConfigError(
            f"invalid group config {source or ''}:\n  " + "\n  ".join(problems), source, problems
        )
    return AnalysisGroupConfig.model_validate(data)
