"""The analyzers used when a device has no config: the data through, plus basic statistics."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from scan_analysis.image.base import ImageAnalyzer
from scan_analysis.image.config.models import LineConfig
from scan_analysis.image.result import ImageAnalyzerResult
from scan_analysis.image.statistics import line_statistics

BASIC_IMAGE_SCALARS = ("total_counts", "mean", "std", "peak_value", "min_value")


class BasicImageAnalyzer(ImageAnalyzer):
    """Image through the (usually empty) pipeline, with basic statistics.

    The default for ``Array2DScanAnalyzer(device_name=...)`` with no config.
    Scalars: ``total_counts, mean, std, peak_value, min_value``.

    Examples
    --------
    >>> BasicImageAnalyzer().analyze_image(np.array([[1, 3]])).scalars["mean"]
    2.0
    """

    accepted_kinds: ClassVar[tuple[str, ...]] = ("2d",)

    def analyze_image(
        self, image: np.ndarray, auxiliary: dict | None = None
    ) -> ImageAnalyzerResult:
        """The processed image and its basic statistics."""
        processed = self.preprocess(image)
        scalars = {
            "total_counts": float(processed.sum(dtype=np.float64)),
            "mean": float(processed.mean(dtype=np.float64)),
            "std": float(processed.std(dtype=np.float64)),
            "peak_value": float(processed.max()),
            "min_value": float(processed.min()),
        }
        return ImageAnalyzerResult(processed, self.selected(scalars))


class BasicLineAnalyzer(ImageAnalyzer):
    """Trace through the (usually empty) pipeline, with the line statistics.

    The default for ``Array1DScanAnalyzer(device_name=...)`` with no config.
    Scalars: ``integral, peak_value, peak_position, centroid, rms_width, fwhm``.

    Examples
    --------
    >>> trace = np.array([[0.0, 1.0, 2.0], [0.0, 4.0, 0.0]])
    >>> BasicLineAnalyzer().analyze_image(trace).scalars["peak_position"]
    1.0
    """

    config_class = LineConfig
    accepted_kinds: ClassVar[tuple[str, ...]] = ("1d",)

    def analyze_image(
        self, image: np.ndarray, auxiliary: dict | None = None
    ) -> ImageAnalyzerResult:
        """The processed trace and its statistics."""
        processed = self.preprocess(image)
        scalars = line_statistics(processed[0], processed[1])
        return ImageAnalyzerResult(processed, self.selected(scalars), {"line": processed})
