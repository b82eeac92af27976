"""LineAnalyzer: peak, centroid and width of a 1-D trace."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from scan_analysis.image.base import ImageAnalyzer
from scan_analysis.image.config.models import LineConfig
from scan_analysis.image.result import ImageAnalyzerResult
from scan_analysis.image.statistics import LINE_SCALARS, line_statistics


class LineAnalyzer(ImageAnalyzer):
    """Statistics of a processed trace, in x units, named as the original GEECS names them.

    Scalars: ``CoM, rms, fwhm, peak_location, integrated_intensity, peak_value``
    (``analysis: {enabled_stats: [...]}`` limits them). The ROI is in x units.
    Lineouts: ``line`` (the processed ``[x, y]``).

    Examples
    --------
    >>> x = np.linspace(700, 900, 401); y = 50 * np.exp(-0.5 * ((x - 810) / 10) ** 2)
    >>> result = LineAnalyzer().analyze_image(np.vstack([x, y]))
    >>> round(result.scalars["CoM"], 1), round(result.scalars["fwhm"])
    (810.0, 24)
    """

    config_class = LineConfig
    accepted_kinds: ClassVar[tuple[str, ...]] = ("1d",)
    scalar_names: ClassVar[tuple[str, ...]] = LINE_SCALARS

    def analyze_image(
        self, image: np.ndarray, auxiliary: dict | None = None
    ) -> ImageAnalyzerResult:
        """Process a trace and measure its peak (see the class docstring)."""
        processed = self.preprocess(image)
        scalars = line_statistics(processed[0], processed[1])
        return ImageAnalyzerResult(processed, self.selected(scalars), {"line": processed}, {})


__all__ = ["LineAnalyzer", "LINE_SCALARS"]
