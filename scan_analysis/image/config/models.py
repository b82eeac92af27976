"""Pydantic models of the per-shot ``image:`` block: the camera and line configs labs keep.

Every section and key of the lab format (docs/DATA_FORMAT.md) is accepted, ``null``
switches a section off, both spellings are accepted where two exist
(``constant_level``/``constant_value``, ``value``/``threshold_value``), and an
unknown key is an error naming the file and the key. The models are the single
source of truth: validation, defaults, descriptions (for the config editor's
forms) and JSON Schema all come from them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from scan_analysis.errors import ConfigError
from scan_analysis.validation_messages import describe_problems, describe_validation_error

logger = logging.getLogger(__name__)

STEP_NAMES = (
    "background",
    "vignette",
    "crosshair_masking",
    "roi",
    "circular_mask",
    "thresholding",
    "filtering",
    "normalization",
    "transforms",
)
DEFAULT_STEP_ORDER = STEP_NAMES
PERCENT_THRESHOLD_METHODS = ("percentile", "percentage_max")


def _odd_window(value: int | None) -> int | None:
    """A median (or Savitzky-Golay) window has a centre sample only when its size is odd."""
    if value is not None and value % 2 == 0:
        raise ValueError(
            f"a filter window must be an odd number of samples (it needs a centre); use "
            f"{value - 1} or {value + 1}"
        )
    return value


class Section(BaseModel):
    """Base of every config section: unknown keys are errors, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True)


class BackgroundFallback(Section):
    """What to subtract when the background file is missing."""

    method: Literal["constant", "none"] = Field("constant", description="fallback method")
    level: float = Field(0.0, description="constant level subtracted by the fallback")


class DynamicBackground(Section):
    """A background computed from the scan's own shots."""

    enabled: bool = Field(False, description="compute the background from the scan's shots")
    method: Literal["percentile_dataset"] = Field(
        "percentile_dataset", description="per-pixel percentile over the scan's shots"
    )
    percentile: float = Field(5.0, ge=0, le=100, description="which percentile (0-100)")
    auto_save_path: str | None = Field(
        None, description="where to save the computed background (.npy); may contain {scan_dir}"
    )


class BackgroundConfig(Section):
    """Background subtraction."""

    enabled: bool = Field(True, description="subtract a background")
    method: Literal["constant", "from_file", "none", "edge"] = Field(
        "constant",
        description="constant level, a file, none, or the median of the image edges (edge)",
    )
    constant_level: float | None = Field(None, description="level subtracted by method constant")
    constant_value: float | None = Field(None, description="same as constant_level (older files)")
    level: float | None = Field(None, description="same as constant_level (some files)")
    type: Literal["static"] | None = Field(None, description="background type (static)")
    file_path: str | None = Field(
        None, description="background image for method from_file; may contain {scan_dir}"
    )
    additional_constant: float | None = Field(
        None, description="extra constant subtracted after the background"
    )
    fallback: BackgroundFallback | None = Field(
        None, description="used when the background file is missing"
    )
    dynamic_computation: DynamicBackground | None = Field(
        None, description="compute the background from the scan's shots"
    )
    auto_save_path: str | None = Field(
        None, description="where to save a computed background; may contain {scan_dir}"
    )
    edge_width: int | None = Field(None, ge=1, description="edge band in pixels for method edge")

    @property
    def constant(self) -> float:
        """The constant level, whichever spelling the file used (0 when none)."""
        for value in (self.constant_level, self.constant_value, self.level):
            if value is not None:
                return float(value)
        return 0.0


class RoiConfig(Section):
    """Region of interest: pixels for images, x units for lines."""

    x_min: float | None = Field(None, description="left edge (inclusive)")
    x_max: float | None = Field(None, description="right edge (exclusive for images)")
    y_min: float | None = Field(None, description="top edge (inclusive)")
    y_max: float | None = Field(None, description="bottom edge (exclusive)")

    @model_validator(mode="after")
    def _ordered(self) -> RoiConfig:
        for low, high in (("x_min", "x_max"), ("y_min", "y_max")):
            a, b = getattr(self, low), getattr(self, high)
            if a is not None and b is not None and a >= b:
                raise ValueError(f"{low} ({a}) must be less than {high} ({b})")
        return self


class Crosshair(Section):
    """One crosshair (reticle) to mask out."""

    center: tuple[float, float] = Field(description="[x, y] centre in pixels")
    width: float = Field(20.0, gt=0, description="length of the horizontal arm in pixels")
    height: float = Field(20.0, gt=0, description="length of the vertical arm in pixels")
    thickness: float = Field(2.0, gt=0, description="line thickness in pixels")
    angle: float = Field(0.0, description="rotation in degrees (counter-clockwise)")


class CrosshairMaskingConfig(Section):
    """Masking of crosshairs burned into the image."""

    enabled: bool = Field(True, description="mask the crosshairs")
    crosshairs: list[Crosshair] = Field(default_factory=list, description="crosshairs to mask")


class ThresholdingConfig(Section):
    """Thresholding of low (or high) values."""

    enabled: bool = Field(True, description="apply the threshold")
    method: Literal["constant", "absolute", "percentile", "percentage_max", "none"] = Field(
        "constant",
        description="constant/absolute: value in counts; percentile: of the image; "
        "percentage_max: percent of the image maximum",
    )
    value: float | None = Field(None, description="threshold value (meaning depends on method)")
    threshold_value: float | None = Field(None, description="same as value (older files)")
    mode: Literal["to_zero", "binary", "truncate", "to_zero_inv", "truncate_inv"] = Field(
        "to_zero",
        description="to_zero: below -> 0 (values at the threshold are kept); binary: 1 at or "
        "above, 0 below; truncate: above -> threshold; to_zero_inv: at or above -> 0; "
        "truncate_inv: below -> threshold",
    )
    invert: bool = Field(False, description="swap above and below")
    clip_below: float | bool | None = Field(
        None, description="clip values below this (true means below 0) before thresholding"
    )

    @field_validator("value", "threshold_value")
    @classmethod
    def _percent_in_range(cls, value: float | None, info: ValidationInfo) -> float | None:
        method = info.data.get("method")
        if value is not None and method in PERCENT_THRESHOLD_METHODS and not 0 <= value <= 100:
            raise ValueError(
                f"method {method} takes a percentage, so the value must be between 0 and 100"
            )
        return value

    @model_validator(mode="after")
    def _value_given(self) -> ThresholdingConfig:
        value = self.threshold
        if self.method in PERCENT_THRESHOLD_METHODS and value is not None and not 0 <= value <= 100:
            # reached when the method is changed after the value (the editor assigns fields)
            raise ValueError(
                f"value {value} is out of range: method {self.method} takes a percentage "
                "between 0 and 100"
            )
        if self.enabled and self.method != "none" and self.threshold is None:
            logger.warning(
                "thresholding method %s has no value (or threshold_value): thresholding is "
                "skipped; add a value or set thresholding: null",
                self.method,
            )
        return self

    @property
    def threshold(self) -> float | None:
        """The threshold value, whichever spelling the file used."""
        return self.value if self.value is not None else self.threshold_value


class CameraFilteringConfig(Section):
    """Smoothing of images."""

    enabled: bool = Field(True, description="apply the filters")
    gaussian_sigma: float | None = Field(None, ge=0, description="Gaussian sigma in pixels")
    median_kernel_size: int | None = Field(
        None, ge=1, description="median filter size in pixels (odd)"
    )

    _odd = field_validator("median_kernel_size")(_odd_window)


class LineFilteringConfig(Section):
    """Smoothing of traces."""

    enabled: bool = Field(True, description="apply the filter")
    method: Literal["gaussian", "median", "savgol", "none"] | None = Field(
        None, description="filter type"
    )
    sigma: float | None = Field(None, ge=0, description="Gaussian sigma in samples")
    kernel_size: int | None = Field(None, ge=1, description="median/savgol window in samples (odd)")
    gaussian_sigma: float | None = Field(None, ge=0, description="same as method gaussian + sigma")
    median_kernel_size: int | None = Field(None, ge=1, description="same as method median (odd)")

    _odd = field_validator("kernel_size", "median_kernel_size")(_odd_window)


class TransformsConfig(Section):
    """Geometric transforms, applied last by default."""

    enabled: bool = Field(True, description="apply the transforms")
    rotation_angle: float | None = Field(
        None, description="rotation in degrees (counter-clockwise)"
    )
    flip_horizontal: bool = Field(False, description="mirror left-right")
    flip_vertical: bool = Field(False, description="mirror up-down")


class CircularMaskConfig(Section):
    """A circular aperture mask."""

    enabled: bool = Field(True, description="apply the mask")
    center: tuple[float, float] = Field(description="[x, y] centre in pixels")
    radius: float = Field(gt=0, description="radius in pixels")
    mask_outside: bool = Field(True, description="mask outside (true) or inside (false)")
    mask_value: float = Field(0.0, description="value given to masked pixels")


class VignetteConfig(Section):
    """Correction of lens vignetting (divide by a model of the illumination)."""

    enabled: bool = Field(True, description="apply the correction")
    method: Literal["radial_polynomial", "map_file"] = Field(
        "radial_polynomial", description="radial polynomial model or a measured map"
    )
    full_width: float | None = Field(None, description="sensor width the model was made for")
    full_height: float | None = Field(None, description="sensor height the model was made for")
    x_offset: float = Field(0.0, description="x of this image's origin on the full sensor")
    y_offset: float = Field(0.0, description="y of this image's origin on the full sensor")
    min_model_value: float = Field(0.1, gt=0, description="floor of the model (avoid blow-up)")
    map_file_path: str | None = Field(None, description="measured map for method map_file")
    coefficients: list[float] = Field(
        default_factory=lambda: [1.0, 0.0, -0.3],
        description="radial polynomial c0 + c1 r + c2 r^2 ..., r normalised to the half-diagonal",
    )


class NormalizationConfig(Section):
    """Scaling of the processed image."""

    enabled: bool = Field(True, description="apply the normalization")
    method: Literal["image_total", "image_max", "constant", "distribute_value"] = Field(
        "image_total",
        description="divide by total or max, divide by constant_value, or scale to a total of "
        "constant_value",
    )
    constant_value: float | None = Field(None, description="constant for constant/distribute_value")

    @model_validator(mode="after")
    def _constant_given(self) -> NormalizationConfig:
        needs_constant = self.method in ("constant", "distribute_value")
        if self.enabled and needs_constant and not self.constant_value:
            raise ValueError(
                f"method {self.method} needs a non-zero constant_value; add constant_value "
                "or choose method image_total / image_max"
            )
        return self


class MetadataConfig(Section):
    """Facts about the diagnostic."""

    spatial_calibration: float | None = Field(None, gt=0, description="metres per pixel")
    location: str | None = Field(None, description="where the diagnostic is")
    notes: str | None = Field(None, description="free text")
    x_units: str | None = Field(None, description="unit of a trace's x axis (e.g. nm)")
    y_units: str | None = Field(None, description="unit of a trace's y axis")


class DataLoadingConfig(Section):
    """How a trace file is read."""

    data_type: Literal["tek_scope_hdf5", "tdms_scope", "csv", "tsv", "npy", "txt"] | None = Field(
        None, description="file kind (chosen by extension when absent)"
    )
    trace_index: int = Field(0, ge=0, description="which trace of a scope file")
    delimiter: str | None = Field(None, description="column delimiter (sniffed when absent)")
    x_column: int | str = Field(0, description="x column (index or header name)")
    y_column: int | str | None = Field(None, description="y column (index or header name)")
    dataset: str | None = Field(None, description="HDF5 dataset path")


class PipelineConfig(Section):
    """Processing order."""

    steps: list[Literal[STEP_NAMES]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: list(DEFAULT_STEP_ORDER),
        description=f"steps in order, from {', '.join(STEP_NAMES)}",
    )


class _ImageConfigBase(Section):
    name: str | None = Field(None, description="device or config name")
    description: str | None = Field(None, description="what this diagnostic is")
    bit_depth: int | None = Field(None, ge=1, le=32, description="real bit depth of the camera")
    camera_type: str | None = Field(None, description="camera model")
    data_format: str | None = Field(None, description="file format the device writes")
    processing_dtype: Literal["float32", "float64"] = Field(
        "float32", description="dtype the pipeline works in"
    )
    storage_dtype: str | None = Field(None, description="dtype of saved processed data")
    background: BackgroundConfig | None = Field(None, description="background subtraction")
    roi: RoiConfig | None = Field(None, description="region of interest")
    thresholding: ThresholdingConfig | None = Field(None, description="thresholding")
    normalization: NormalizationConfig | None = Field(None, description="normalization")
    metadata: MetadataConfig | None = Field(None, description="calibration and notes")
    pipeline: PipelineConfig | None = Field(None, description="processing order")
    analysis: dict[str, Any] | None = Field(None, description="options for the analyzer")

    @property
    def steps(self) -> list[str]:
        """The processing steps in order."""
        return list(self.pipeline.steps) if self.pipeline else list(DEFAULT_STEP_ORDER)

    def to_yaml_dict(self) -> dict[str, Any]:
        """The config as plain data for YAML, keeping only what was set."""
        return self.model_dump(mode="json", exclude_unset=True)


class CameraConfig(_ImageConfigBase):
    """The ``image:`` block of a camera (2-D) diagnostic."""

    type: Literal["camera"] | None = Field(None, description="camera")
    saturation_level: float | None = Field(
        None,
        gt=0,
        description="raw counts at which the camera saturates, for cameras whose ceiling is "
        "below 2^bit_depth - 1; raw pixels at or above it are counted as saturated_pixels "
        "(default: 2^bit_depth - 1, else the file's integer maximum)",
    )
    crosshair_masking: CrosshairMaskingConfig | None = Field(None, description="crosshair masks")
    circular_mask: CircularMaskConfig | None = Field(None, description="circular aperture")
    vignette: VignetteConfig | None = Field(None, description="vignetting correction")
    filtering: CameraFilteringConfig | None = Field(None, description="smoothing")
    transforms: TransformsConfig | None = Field(None, description="rotation and flips")

    kind: ClassVar[str] = "2d"

    @field_validator("saturation_level")
    @classmethod
    def _saturation_within_bit_depth(
        cls, value: float | None, info: ValidationInfo
    ) -> float | None:
        _check_saturation_level(value, info.data.get("bit_depth"))
        return value

    @model_validator(mode="after")
    def _saturation_still_within_bit_depth(self) -> CameraConfig:
        # reached when bit_depth is changed after saturation_level (the editor assigns fields)
        _check_saturation_level(self.saturation_level, self.bit_depth)
        return self


def _check_saturation_level(level: float | None, bit_depth: int | None) -> None:
    """A saturation level a camera of ``bit_depth`` bits can reach (raises ValueError)."""
    if level is None or bit_depth is None:
        return
    ceiling = 2**bit_depth - 1
    if level > ceiling:
        raise ValueError(
            f"{level:g} is above what a {bit_depth}-bit camera can record ({ceiling}); "
            "lower saturation_level, or fix bit_depth"
        )


class LineConfig(_ImageConfigBase):
    """The ``image:`` block of a trace (1-D) diagnostic."""

    type: Literal["line"] | None = Field(None, description="line")
    data_loading: DataLoadingConfig | None = Field(None, description="how traces are read")
    filtering: LineFilteringConfig | None = Field(None, description="smoothing")

    kind: ClassVar[str] = "1d"


ImageConfig = CameraConfig | LineConfig


def is_line_config(data: dict[str, Any]) -> bool:
    """Whether a raw ``image:`` mapping describes a trace (``type: line`` or ``data_loading``)."""
    if data.get("type") == "line":
        return True
    if data.get("type") == "camera":
        return False
    return "data_loading" in data


def load_image_config(
    data: dict[str, Any] | None,
    *,
    source: str | Path | None = None,
    key_prefix: str = "",
    default: type[CameraConfig] | type[LineConfig] | None = None,
) -> CameraConfig | LineConfig:
    """Validate a raw ``image:`` mapping into a :class:`CameraConfig` or :class:`LineConfig`.

    Parameters
    ----------
    data : dict or None
        The mapping as read from YAML (None gives an empty camera config).
    source : path, optional
        The file it came from, named in error messages.
    key_prefix : str
        Prefix of the keys in messages (``"image."`` inside a diagnostic YAML).
    default : CameraConfig or LineConfig class, optional
        The model to use when the mapping does not say (no ``type`` and no
        ``data_loading``); camera when not given.

    Raises
    ------
    ConfigError
        With one line per problem in ``.problems``.

    Examples
    --------
    >>> load_image_config({"roi": {"x_min": 10, "x_max": 90}}).roi.x_max
    90.0
    >>> load_image_config({"data_loading": {"data_type": "tsv"}}).kind
    '1d'
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source or 'config'}: the {key_prefix.rstrip('.') or 'image'} block must be a "
            f"mapping of sections (background:, roi:, ...), not {type(data).__name__}",
            source,
        )
    if data.get("type") in ("camera", "line") or "data_loading" in data or default is None:
        model = LineConfig if is_line_config(data) else CameraConfig
    else:
        model = default
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = describe_validation_error(
            error,
            model,
            source=source,
            key_prefix=tuple(key_prefix.rstrip(".").split(".") if key_prefix else ()),
        )
        raise ConfigError(
            describe_problems(f"invalid {model.__name__} in {source or 'config'}", problems),
            source,
            problems,
        ) from None
