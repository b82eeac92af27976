"""BeamAnalyzer: position, size and peak of a beam spot on a camera."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scan_analysis.errors import ConfigError
from scan_analysis.image.base import ImageAnalyzer
from scan_analysis.image.result import ImageAnalyzerResult
from scan_analysis.image.statistics import (
    BEAM_SCALARS,
    CALIBRATED_BEAM_SCALARS,
    SLOPE_SCALARS,
    beam_slopes,
    beam_statistics,
)


class BeamAnalysisOptions(BaseModel):
    """The ``image.analysis:`` block of a BeamAnalyzer config (the original's keys)."""

    model_config = ConfigDict(extra="forbid")

    enabled_stats: list[str] | None = Field(
        None, description="emit only these scalars (e.g. image_total, x_CoM); all when absent"
    )
    compute_slopes: bool = Field(
        False, description="also emit the beam's straightness, image_com_slope_x ... (slower)"
    )
    scalars: list[str] | None = Field(
        None, description="older spelling of enabled_stats (this project's)"
    )


class BeamAnalyzer(ImageAnalyzer):
    """Beam statistics of a processed camera image, named as the original GEECS names them.

    Scalars (full-sensor pixels: positions include the ROI origin), for each
    projection ``p`` of ``x``, ``y``, ``x_45``, ``y_45`` (the column, row and
    diagonal sums): ``{p}_CoM, {p}_rms, {p}_fwhm, {p}_peak_location``, plus
    ``image_total`` and ``image_peak_value`` (18 in all). The diagonal
    coordinates are ``x - y`` (``x_45``) and ``x + y`` (``y_45``). With
    ``metadata.spatial_calibration`` (m/pixel) also ``x_CoM_m, x_rms_m,
    x_fwhm_m, x_peak_location_m`` and the same for ``y``. The config's
    ``analysis:`` block takes ``enabled_stats: [...]`` (emit only these; an
    unknown name is a ConfigError; a calibrated ``_m`` twin follows its name)
    and ``compute_slopes: true`` (adds ``image_com_slope_x/y`` and
    ``image_peak_slope_x/y``). Lineouts: ``projection_x``, ``projection_y``
    (each ``[pixel, counts]``). Overlays: ``centroid`` ``(x, y)`` and ``rms``
    ``(x_rms, y_rms)`` (the rms ellipse) in processed-image pixels, and
    ``offset``, the processed image's origin in the raw frame.

    Examples
    --------
    >>> y, x = np.indices((64, 64))
    >>> spot = 1000 * np.exp(-0.5 * (((x - 30) / 4) ** 2 + ((y - 20) / 3) ** 2))
    >>> result = BeamAnalyzer().analyze_image(spot)
    >>> round(result.scalars["x_CoM"], 2), round(result.scalars["y_rms"], 2)
    (30.0, 3.0)
    """

    accepted_kinds: ClassVar[tuple[str, ...]] = ("2d",)
    scalar_names: ClassVar[tuple[str, ...]] = (
        BEAM_SCALARS + tuple(f"{name}_m" for name in CALIBRATED_BEAM_SCALARS) + SLOPE_SCALARS
    )

    def __init__(self, config: Any = None, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        try:
            self.analysis_options = BeamAnalysisOptions.model_validate(self.config.analysis or {})
        except ValidationError as error:
            problems = [
                f"analysis.{'.'.join(map(str, item['loc']))}: {item['msg']}"
                for item in error.errors()
            ]
            raise ConfigError(
                f"config {self.config.name or '(unnamed)'}: {'; '.join(problems)} "
                "(BeamAnalyzer's analysis: takes enabled_stats and compute_slopes)",
                None,
                problems,
            ) from None

    def _wanted_scalars(self) -> list[str]:
        wanted = super()._wanted_scalars()
        if not wanted:
            return []
        twins = [f"{name}_m" for name in wanted if name in CALIBRATED_BEAM_SCALARS]
        slopes = list(SLOPE_SCALARS) if (self.config.analysis or {}).get("compute_slopes") else []
        return [*wanted, *twins, *slopes]

    def analyze_image(
        self, image: np.ndarray, auxiliary: dict | None = None
    ) -> ImageAnalyzerResult:
        """Process a camera frame and measure the beam (see the class docstring)."""
        shot = self.process(image)
        processed, offset = shot.data, shot.offset
        scalars, lineouts = beam_statistics(processed, offset=offset, calibration=self.calibration)
        if self.analysis_options.compute_slopes:
            scalars.update(beam_slopes(processed))
        overlays = {
            "centroid": (scalars["x_CoM"] - offset[0], scalars["y_CoM"] - offset[1]),
            "rms": (scalars["x_rms"], scalars["y_rms"]),
            "offset": offset,
        }
        return ImageAnalyzerResult(processed, self.selected(scalars), lineouts, overlays, offset)


__all__ = ["BeamAnalyzer", "BeamAnalysisOptions", "BEAM_SCALARS"]
