"""BeamAnalyzer: centroid, size and peak of a beam spot on a camera."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from scan_analysis.image.base import ImageAnalyzer
from scan_analysis.image.result import ImageAnalyzerResult
from scan_analysis.image.statistics import BEAM_SCALARS, CALIBRATED_BEAM_SCALARS, beam_statistics


class BeamAnalyzer(ImageAnalyzer):
    """Beam statistics of a processed camera image.

    Scalars (camera pixels; positions include the ROI origin): ``total_counts,
    peak_value, peak_x, peak_y, centroid_x, centroid_y, rms_x, rms_y, fwhm_x,
    fwhm_y``; with ``metadata.spatial_calibration`` (m/pixel) also
    ``centroid_x_m, centroid_y_m, rms_x_m, rms_y_m, fwhm_x_m, fwhm_y_m``. The
    config's ``analysis: {scalars: [...]}`` limits which are emitted (an unknown
    name is a ConfigError). Lineouts: ``projection_x``, ``projection_y`` (each
    ``[pixel, counts]``). Overlays: ``centroid`` ``(x, y)`` and ``rms``
    ``(rms_x, rms_y)`` (the rms ellipse) in processed-image pixels, and
    ``offset``, the processed image's origin in the raw frame.

    Examples
    --------
    >>> y, x = np.indices((64, 64))
    >>> spot = 1000 * np.exp(-0.5 * (((x - 30) / 4) ** 2 + ((y - 20) / 3) ** 2))
    >>> result = BeamAnalyzer().analyze_image(spot)
    >>> round(result.scalars["centroid_x"], 2), round(result.scalars["rms_y"], 2)
    (30.0, 3.0)
    """

    accepted_kinds: ClassVar[tuple[str, ...]] = ("2d",)
    scalar_names: ClassVar[tuple[str, ...]] = BEAM_SCALARS + tuple(
        f"{name}_m" for name in CALIBRATED_BEAM_SCALARS
    )

    def analyze_image(
        self, image: np.ndarray, auxiliary: dict | None = None
    ) -> ImageAnalyzerResult:
        """Process a camera frame and measure the beam (see the class docstring)."""
        shot = self.process(image)
        processed, offset = shot.data, shot.offset
        scalars, lineouts = beam_statistics(processed, offset=offset, calibration=self.calibration)
        overlays = {
            "centroid": (scalars["centroid_x"] - offset[0], scalars["centroid_y"] - offset[1]),
            "rms": (scalars["rms_x"], scalars["rms_y"]),
            "offset": offset,
        }
        return ImageAnalyzerResult(processed, self.selected(scalars), lineouts, overlays, offset)


__all__ = ["BeamAnalyzer", "BEAM_SCALARS"]
