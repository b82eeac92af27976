"""BeamAnalyzer: centroid, size and peak of a beam spot on a camera."""

from __future__ import annotations

import numpy as np

from scan_analysis.image.base import ImageAnalyzer
from scan_analysis.image.result import ImageAnalyzerResult
from scan_analysis.image.statistics import BEAM_SCALARS, beam_statistics


class BeamAnalyzer(ImageAnalyzer):
    """Beam statistics of a processed camera image.

    Scalars (camera pixels; positions include the ROI origin): ``total_counts,
    peak_value, peak_x, peak_y, centroid_x, centroid_y, rms_x, rms_y, fwhm_x,
    fwhm_y``; with ``metadata.spatial_calibration`` also ``centroid_x_m ...
    fwhm_y_m`` in metres. The config's ``analysis: {scalars: [...]}`` limits which
    are emitted. Lineouts: ``projection_x``, ``projection_y``. Overlays:
    ``centroid`` and ``rms`` (for an ellipse) in processed-image pixels.

    Examples
    --------
    >>> y, x = np.indices((64, 64))
    >>> spot = 1000 * np.exp(-0.5 * (((x - 30) / 4) ** 2 + ((y - 20) / 3) ** 2))
    >>> result = BeamAnalyzer().analyze_image(spot)
    >>> round(result.scalars["centroid_x"], 2), round(result.scalars["rms_y"], 2)
    (30.0, 3.0)
    """

    def analyze_image(
        self, image: np.ndarray, auxiliary: dict | None = None
    ) -> ImageAnalyzerResult:
        processed = self.preprocess(image)
        offset = self.context.offset
        scalars, lineouts = beam_statistics(processed, offset=offset, calibration=self.calibration)
        wanted = (self.config.analysis or {}).get("scalars")
        if wanted:
            scalars = {name: value for name, value in scalars.items() if name in set(wanted)}
        overlays = {
            "centroid": (
                scalars.get("centroid_x", np.nan) - offset[0],
                scalars.get("centroid_y", np.nan) - offset[1],
            ),
            "rms": (scalars.get("rms_x", np.nan), scalars.get("rms_y", np.nan)),
            "offset": offset,
        }
        return ImageAnalyzerResult(processed, scalars, lineouts, overlays)


__all__ = ["BeamAnalyzer", "BEAM_SCALARS"]
