"""The analyzers used when a device has no config: the data through, plus basic statistics."""

from __future__ import annotations

import numpy as np

from scan_analysis.image.base import ImageAnalyzer
from scan_analysis.image.config.models import LineConfig
from scan_analysis.image.result import ImageAnalyzerResult
from scan_analysis.image.statistics import line_statistics


class BasicImageAnalyzer(ImageAnalyzer):
    """Image through the (usually empty) pipeline; ``total_counts, mean, peak_value, min_value``.

    Examples
    --------
    >>> BasicImageAnalyzer().analyze_image(np.array([[1, 3]])).scalars["mean"]
    2.0
    """

    def analyze_image(
        self, image: np.ndarray, auxiliary: dict | None = None
    ) -> ImageAnalyzerResult:
        processed = self.preprocess(image)
        scalars = {
            "total_counts": float(processed.sum()),
            "mean": float(processed.mean()),
            "peak_value": float(processed.max()),
            "min_value": float(processed.min()),
        }
        return ImageAnalyzerResult(processed, scalars)


class BasicLineAnalyzer(ImageAnalyzer):
    """Trace through the pipeline, with the line statistics."""

    config_class = LineConfig

    def analyze_image(
        self, image: np.ndarray, auxiliary: dict | None = None
    ) -> ImageAnalyzerResult:
        processed = self.preprocess(image)
        return ImageAnalyzerResult(
            processed, line_statistics(processed[0], processed[1]), {"line": processed}
        )
