"""Models of the two config file kinds: a diagnostic (analyzer) and a group.

A diagnostic YAML (``analyzers/**/NAME.yaml``) holds ``name``,
``image_analyzer`` (``class`` import path + ``kwargs``), the per-shot ``image:``
block (:mod:`scan_analysis.image.config`) and the ``scan:`` block
(:class:`ScanRuntimeConfig`). Optionally ``scan_analyzer`` names a
:class:`~scan_analysis.base.ScanAnalyzer` subclass to run instead of the
standard Array1D/Array2D wrapping. A group YAML (``groups/**/NAME.yaml``)
lists analyzers by name, with per-group overrides.

Examples
--------
>>> group = load_group_config(
...     {"name": "g", "analyzers": ["UC_TopView", {"ref": "UC_Spectrometer", "priority": 5}]}
... )
>>> [(ref.ref, ref.priority) for ref in group.analyzers]
[('UC_TopView', None), ('UC_Spectrometer', 5)]
>>> group.to_yaml_dict()["analyzers"]
['UC_TopView', {'ref': 'UC_Spectrometer', 'priority': 5}]
"""

from __future__ import annotations

import importlib
import inspect
import os
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from scan_analysis.config.renderer_options import RendererOptions
from scan_analysis.errors import ConfigError
from scan_analysis.image.config.models import (
    STEP_NAMES,
    CameraConfig,
    LineConfig,
    is_line_config,
    load_image_config,
)
from scan_analysis.validation_messages import describe_problems, describe_validation_error

# The order keys are written in (docs/DATA_FORMAT.md order); keys not listed follow in model order.
IMAGE_KEY_ORDER = (
    "name",
    "description",
    "type",
    "bit_depth",
    "saturation_level",
    "camera_type",
    "data_format",
    "processing_dtype",
    "storage_dtype",
    "data_loading",
    *STEP_NAMES,  # the processing sections, in their default order
    "metadata",
    "analysis",
    "pipeline",
)
DIAGNOSTIC_KEY_ORDER = ("name", "image_analyzer", "scan_analyzer", "image", "scan")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_assignment=True)


class ClassSpec(_Strict):
    """A class by import path, with keyword arguments for its constructor.

    Written ``{class: path, kwargs: {...}}``; the original toolkit's forms, a bare
    class-path string and ``{class_path: path, kwargs: {...}}``, mean the same.

    Examples
    --------
    >>> ClassSpec.model_validate("scan_analysis.image.beam_analyzer.BeamAnalyzer").class_path
    'scan_analysis.image.beam_analyzer.BeamAnalyzer'
    >>> ClassSpec.model_validate({"class_path": "a.B", "kwargs": {"x": 1}}).kwargs
    {'x': 1}
    """

    class_path: str = Field(
        alias="class",
        description="import path, e.g. scan_analysis.image.beam_analyzer.BeamAnalyzer",
    )
    kwargs: dict[str, Any] = Field(
        default_factory=dict, description="constructor keyword arguments"
    )

    @model_validator(mode="before")
    @classmethod
    def _original_forms(cls, data: Any) -> Any:
        return normalize_class_spec(data)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        mapping = handler(core_schema)
        return {
            "anyOf": [
                {"type": "string", "description": "import path (the original's short form)"},
                mapping,
            ]
        }

    @field_validator("class_path")
    @classmethod
    def _dotted(cls, value: str) -> str:
        value = value.strip()
        parts = value.split(".")
        if len(parts) < 2 or not all(part.isidentifier() for part in parts):
            raise ValueError(
                f"{value!r} is not an import path; write it as package.module.ClassName, "
                "e.g. scan_analysis.image.beam_analyzer.BeamAnalyzer"
            )
        return value


def normalize_class_spec(data: Any) -> Any:
    """A class spec in the ``{class, kwargs}`` form, from any form the original accepts.

    A bare string becomes ``{class: string}``; ``class_path`` is renamed
    ``class``. Anything else is returned as it is (validation reports it).

    Raises
    ------
    ValueError
        Both ``class`` and ``class_path`` given.

    Examples
    --------
    >>> normalize_class_spec("pkg.mod.Cls")
    {'class': 'pkg.mod.Cls'}
    >>> normalize_class_spec({"class_path": "pkg.mod.Cls"})
    {'class': 'pkg.mod.Cls'}
    """
    if isinstance(data, str):
        return {"class": data}
    if isinstance(data, dict) and "class_path" in data:
        if "class" in data:
            raise ValueError("give the class path once, as class or as class_path, not both")
        data = {("class" if key == "class_path" else key): value for key, value in data.items()}
    return data


class ImageAnalyzerSpec(ClassSpec):
    """The ``image_analyzer:`` block: an ImageAnalyzer class path and its kwargs."""


class ScanAnalyzerSpec(ClassSpec):
    """The ``scan_analyzer:`` block: a ScanAnalyzer subclass path and its kwargs."""


class FromCurrentScan(_Strict):
    """A per-pixel statistic over this scan's own shots, used as the background."""

    method: Literal["median", "percentile"] = Field(
        "median", description="median, or the percentile given (per pixel, over the shots)"
    )
    percentile: float | None = Field(
        None, ge=0, le=100, description="which percentile, for method percentile (e.g. 5)"
    )

    @model_validator(mode="after")
    def _percentile_with_its_method(self) -> FromCurrentScan:
        if self.method == "percentile" and self.percentile is None:
            raise ValueError("method percentile needs percentile: N (0-100), e.g. 5")
        if self.method == "median" and self.percentile is not None:
            raise ValueError("percentile is for method percentile; remove it or set that method")
        return self

    @property
    def level(self) -> float:
        """The percentile taken per pixel (50 for the median)."""
        return 50.0 if self.method == "median" else float(self.percentile)  # type: ignore[arg-type]


class AutodetectBackground(_Strict):
    """Use ``analysis/Scan{NNN}{device}_averaged.<ext>`` of this scan (no options)."""


class BackgroundSource(_Strict):
    """Where a scan's background comes from (``scan.background_source``); exactly one key.

    It replaces the ``image.background`` level or file for every shot of the
    scan (and is subtracted even when the image block has no background
    section). A source that cannot be found fails the scan, naming what was
    looked for: it never falls back to another background.

    Examples
    --------
    >>> BackgroundSource.model_validate({"scan_number": 3}).describe()
    'the average of scan 3'
    >>> BackgroundSource.model_validate({"from_current_scan": {}}).describe()
    "the per-pixel median of this scan's shots"
    """

    scan_number: int | None = Field(
        None, ge=1, description="the averaged shots of this scan of the same day and device"
    )
    from_current_scan: FromCurrentScan | None = Field(
        None, description="a per-pixel median/percentile over this scan's shots"
    )
    autodetect: AutodetectBackground | None = Field(
        None, description="the file analysis/Scan{NNN}{device}_averaged.<ext> of this scan"
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> BackgroundSource:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of scan_number, from_current_scan, autodetect"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    def describe(self) -> str:
        """The source in words, for log lines and messages."""
        if self.scan_number is not None:
            return f"the average of scan {self.scan_number}"
        if self.from_current_scan is not None:
            spec = self.from_current_scan
            what = "median" if spec.method == "median" else f"{spec.percentile:g}th percentile"
            return f"the per-pixel {what} of this scan's shots"
        return "the scan's autodetected averaged background file"


class ScanRuntimeConfig(_Strict):
    """The ``scan:`` block: how the analyzer runs over a scan."""

    original_spellings: ClassVar[dict[str, str]] = {"mode": "analysis_mode"}
    """Keys of this block that a file written for the original may spell its way (editors
    show and edit the spelling the file uses)."""

    priority: int = Field(100, ge=0, description="lower runs first (default 100)")
    mode: Literal["per_shot", "per_bin"] = Field(
        "per_shot", description="analyse each shot, or each bin's average once"
    )
    device: str | None = Field(None, description="device name (default: the config's name)")
    directory_suffix: str = Field(
        "", description="folder/file suffix such as -interpSpec (stem = device + suffix)"
    )
    file_tail: str | None = Field(None, description="which files, e.g. .png or _postprocessed.png")
    save: bool = Field(True, description="write figures and per-bin arrays")
    gdoc_slot: int | None = Field(None, ge=0, le=3, description="e-log 2x2 grid position (0-3)")
    renderer_kwargs: RendererOptions = Field(
        default_factory=RendererOptions,
        description="figure options (cmap, vmin, vmax, colormap_mode, dpi, figsize, labels, "
        "mode, animation, duration, ...)",
    )
    background_source: BackgroundSource | None = Field(
        None,
        description="a background from the scan's context, subtracted from every shot: "
        "{scan_number: N}, {from_current_scan: {method, percentile}} or {autodetect: {}}",
    )
    parameter_unit: str | None = Field(
        None,
        description="unit of the scan parameter on figures (default: the experiment's table "
        "units/{experiment}.yaml in the config root)",
    )
    elog_scalars: list[str] | None = Field(
        None,
        description="the key scalars the e-log lists, by the names the analyzer emits "
        "(default: the first max_scalars, calibrated ones first)",
    )
    is_active: bool = Field(
        True, description="false switches the analyzer off: groups skip it (the original's key)"
    )

    @model_validator(mode="before")
    @classmethod
    def _original_spellings(cls, data: Any) -> Any:
        """``analysis_mode`` (the original's spelling) is ``mode``."""
        if isinstance(data, dict) and "analysis_mode" in data:
            if "mode" in data:
                raise ValueError("give mode or analysis_mode (the same setting), not both")
            data = {("mode" if key == "analysis_mode" else key): v for key, v in data.items()}
        return data


class DiagnosticAnalysisConfig(_Strict):
    """One diagnostic: what to run on its shots and how to run it over a scan."""

    name: str = Field(description="unique analyzer name (file stem; output folder)")
    image_analyzer: ImageAnalyzerSpec | None = Field(
        None,
        description="per-shot analyzer (default BeamAnalyzer for cameras, LineAnalyzer for lines)",
    )
    scan_analyzer: ScanAnalyzerSpec | None = Field(
        None, description="a ScanAnalyzer subclass to run instead of Array2D/Array1D"
    )
    image: CameraConfig | LineConfig | None = Field(None, description="per-shot processing block")
    output_name: str | None = Field(
        None, description="s-file column prefix (default: the device), as the original names it"
    )
    metric_suffix: str | None = Field(
        None, description="appended to every s-file column name of this analyzer"
    )
    scan: ScanRuntimeConfig = Field(
        default_factory=ScanRuntimeConfig, description="scan-level block"
    )

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        value = value.strip()
        if not value or any(sep in value for sep in ("/", "\\")):
            raise ValueError(
                f"{value!r} is not an analyzer name: use the file stem, e.g. UC_TopView"
            )
        return value

    @property
    def device(self) -> str:
        """The device whose files are read."""
        return self.scan.device or self.name

    @property
    def column_prefix(self) -> str:
        """What its s-file columns start with: ``output_name``, else the device."""
        return self.output_name or self.device

    @property
    def is_line(self) -> bool:
        """Whether the diagnostic produces traces."""
        return isinstance(self.image, LineConfig)

    @property
    def shot_kind(self) -> Literal["2d", "1d"] | None:
        """What its shots are, as the factory decides: ``"2d"`` camera, ``"1d"`` line.

        None for a ``scan_analyzer`` config (it works on whole scans). Without an
        ``image:`` block the declared image analyzer's ``config_class`` decides.

        Examples
        --------
        >>> load_diagnostic_config({"name": "C"}).shot_kind
        '2d'
        >>> load_diagnostic_config({"name": "S", "image": {"type": "line"}}).shot_kind
        '1d'
        """
        if self.scan_analyzer is not None:
            return None
        if self.image is not None:
            return "1d" if self.image.kind == "1d" else "2d"
        spec = self.image_analyzer
        declared = _declared_config_class({"class": spec.class_path}) if spec else None
        return "1d" if declared is not None and issubclass(declared, LineConfig) else "2d"

    def to_yaml_dict(self) -> dict[str, Any]:
        """Plain data for YAML, in canonical key order, only what was set."""
        data = self.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude={"image"})
        if "image" in self.model_fields_set:
            data["image"] = _ordered_image(self.image) if self.image is not None else None
        return _ordered(data, DIAGNOSTIC_KEY_ORDER)


class AnalyzerRef(_Strict):
    """A group entry: a bare analyzer name or ``{ref: NAME, priority: 5, enabled: false}``."""

    ref: str = Field(min_length=1, description="analyzer name (its YAML stem)")
    priority: int | None = Field(None, ge=0, description="priority in this group (overrides)")
    enabled: bool = Field(True, description="false drops it from the group")
    _written_bare: bool = PrivateAttr(False)

    @model_validator(mode="wrap")
    @classmethod
    def _from_name(cls, data: Any, handler: Any) -> AnalyzerRef:
        if isinstance(data, str):
            entry = handler({"ref": data})
            entry._written_bare = True
            return entry
        if not isinstance(data, dict | AnalyzerRef):
            raise ValueError(
                "an analyzer entry is a name (UC_TopView) or a mapping "
                "{ref: UC_TopView, priority: 5, enabled: false}"
            )
        return handler(data)

    @model_serializer(mode="wrap")
    def _as_written(self, handler: Any) -> Any:
        if self._written_bare and self.model_fields_set == {"ref"}:
            return self.ref
        return handler(self)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        mapping = handler(core_schema)
        return {"anyOf": [{"type": "string", "description": "analyzer name"}, mapping]}


class AnalysisGroupConfig(_Strict):
    """A group: which analyzers run together (e.g. a shift's standard set)."""

    original_spellings: ClassVar[dict[str, str]] = {"upload_to_scan-log": "upload_to_scanlog"}
    """Keys a file written for the original may spell its way (see ScanRuntimeConfig)."""

    name: str = Field(description="group name")
    description: str | None = Field(None, description="what the group is for")
    upload_to_scan_log: bool = Field(
        False, alias="upload_to_scan-log", description="write each scan's entry to the e-log"
    )
    analyzers: list[AnalyzerRef] = Field(
        min_length=1, description="analyzer names or {ref, priority, enabled}"
    )

    @model_validator(mode="before")
    @classmethod
    def _original_spellings(cls, data: Any) -> Any:
        """``upload_to_scanlog`` (the original's spelling, same meaning) is ``upload_to_scan-log``.

        Both given: accepted when they agree, refused when they do not.
        """
        if not isinstance(data, dict) or "upload_to_scanlog" not in data:
            return data
        original = data["upload_to_scanlog"]
        if not isinstance(original, bool):
            raise ValueError(f"upload_to_scanlog is true or false, not {original!r}")
        for ours in ("upload_to_scan-log", "upload_to_scan_log"):
            if ours in data and data[ours] != original:
                raise ValueError(
                    f"upload_to_scanlog: {str(original).lower()} and {ours}: "
                    f"{str(data[ours]).lower()} disagree (the same setting: the original's "
                    "spelling and this project's); keep one of them"
                )
        data = {key: value for key, value in data.items() if key != "upload_to_scanlog"}
        if not any(key in data for key in ("upload_to_scan-log", "upload_to_scan_log")):
            data["upload_to_scan-log"] = original
        return data

    @field_validator("analyzers")
    @classmethod
    def _each_once(cls, entries: list[AnalyzerRef]) -> list[AnalyzerRef]:
        names = [entry.ref for entry in entries]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(
                f"{', '.join(repeated)} listed more than once; list each analyzer once "
                "(use {ref: NAME, priority: N} to change its place)"
            )
        return entries

    @property
    def refs(self) -> list[AnalyzerRef]:
        """The entries in file order (bare names have no priority override)."""
        return list(self.analyzers)

    def to_yaml_dict(self) -> dict[str, Any]:
        """Plain data for YAML, as written in lab files (``upload_to_scan-log``)."""
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


# --- loading with every problem at once ---------------------------------------------------------
def load_diagnostic_config(
    data: dict[str, Any], *, source: str | os.PathLike | None = None
) -> DiagnosticAnalysisConfig:
    """Validate a diagnostic YAML mapping, reporting every problem at once.

    Parameters
    ----------
    data : dict
        The mapping as read from the YAML file.
    source : path, optional
        The file it came from; named in every message, and its stem must equal ``name``.

    Returns
    -------
    DiagnosticAnalysisConfig

    Raises
    ------
    ConfigError
        One line per problem (file, dotted key, what is wrong, the valid keys)
        in ``.problems``.

    Examples
    --------
    >>> config = load_diagnostic_config({"name": "UC_TopView", "scan": {"priority": 10}})
    >>> config.device, config.scan.priority
    ('UC_TopView', 10)
    """
    label = str(source) if source is not None else None
    problems: list[str] = []
    image = None
    if data.get("image") is not None:
        try:
            image = load_image_config(
                data["image"],
                source=label,
                key_prefix="image.",
                default=_declared_config_class(data.get("image_analyzer")),
            )
        except ConfigError as error:
            problems += error.problems or [str(error)]
    rest = {key: value for key, value in data.items() if key != "image"}
    problems += _validation_problems(DiagnosticAnalysisConfig, rest, label)
    if source is not None and isinstance(data.get("name"), str):
        stem = Path(source).stem
        if stem != data["name"].strip():
            problems.append(
                f"{label}: name {data['name']!r} differs from the file name {stem!r}; make them "
                "the same (groups refer to analyzers by file name)"
            )
    if problems:
        raise ConfigError(_summary("analyzer", label, problems), source, problems)
    if "image" in data:
        rest["image"] = image
    return DiagnosticAnalysisConfig.model_validate(rest)


def load_group_config(
    data: dict[str, Any], *, source: str | os.PathLike | None = None
) -> AnalysisGroupConfig:
    """Validate a group YAML mapping, reporting every problem at once.

    Raises
    ------
    ConfigError
        One line per problem in ``.problems``.
    """
    label = str(source) if source is not None else None
    problems = _validation_problems(AnalysisGroupConfig, data, label)
    if problems:
        raise ConfigError(_summary("group", label, problems), source, problems)
    return AnalysisGroupConfig.model_validate(data)


def _summary(kind: str, label: str | None, problems: list[str]) -> str:
    where = f" {label}" if label else ""
    return describe_problems(f"invalid {kind} config{where}", problems)


def image_model_for(data: dict[str, Any]) -> type[CameraConfig] | type[LineConfig]:
    """The model a diagnostic mapping's ``image:`` block is validated as (for editors' forms).

    ``type:`` or ``data_loading`` decide; otherwise the declared image
    analyzer's ``config_class``; otherwise a camera, as the loader chooses.

    Examples
    --------
    >>> image_model_for({"name": "S", "image": {"data_loading": {"data_type": "tsv"}}}).__name__
    'LineConfig'
    >>> image_model_for({"name": "C"}).__name__
    'CameraConfig'
    """
    image = data.get("image")
    image = image if isinstance(image, dict) else {}
    if image.get("type") in ("camera", "line") or "data_loading" in image:
        return LineConfig if is_line_config(image) else CameraConfig
    return _declared_config_class(data.get("image_analyzer")) or CameraConfig


def _declared_config_class(spec: Any) -> type[CameraConfig] | type[LineConfig] | None:
    """The config class the declared image analyzer expects, when it can be imported.

    Lets a ``LineAnalyzer`` config without ``data_loading`` load as a line
    config. Import problems are reported by the factory and ``configs check``.
    """
    try:
        spec = normalize_class_spec(spec)
    except ValueError:  # reported by validation
        return None
    if not isinstance(spec, dict) or not isinstance(spec.get("class"), str):
        return None
    module_name, _, attribute = spec["class"].strip().rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), attribute)
    except Exception:  # reported with its reason where the class is built
        return None
    config_class = getattr(cls, "config_class", None)
    if inspect.isclass(config_class) and issubclass(config_class, CameraConfig | LineConfig):
        return config_class
    return None


def _validation_problems(model: type[BaseModel], data: Any, source: str | None) -> list[str]:
    if not isinstance(data, dict):
        where = f"{source}: " if source else ""
        return [f"{where}the top level must be a mapping of keys, not {type(data).__name__}"]
    try:
        model.model_validate(data)
    except ValidationError as error:
        return describe_validation_error(error, model, source=source)
    return []


def _ordered(data: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    ordered = {key: data[key] for key in order if key in data}
    ordered.update((key, value) for key, value in data.items() if key not in ordered)
    return ordered


def _ordered_image(image: CameraConfig | LineConfig) -> dict[str, Any]:
    return _ordered(image.to_yaml_dict(), IMAGE_KEY_ORDER)
