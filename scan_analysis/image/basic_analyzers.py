"""The analyzers used when a device has no config: the data through, plus basic statistics."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from scan_analysis.image.base import ImageAnalyzer
from scan_analysis.image.config.models import LineConfig
from scan_analysis.image.result import ImageAnalyzerResult
from scan_analysis.image.statistics import line_statistics

BASIC_IMAGE_SCALARS = ("image_total", "mean", "std", "image_peak_value", "min_value")


class BasicImageAnalyzer(ImageAnalyzer):
    """Image through the (usually empty) pipeline, with basic statistics.

    The default for ``Array2DScanAnalyzer(device_name=...)`` with no config.
    Scalars: ``image_total, mean, std, image_peak_value, min_value``.

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
            "image_total": float(processed.sum(dtype=np.float64)),
            "mean": float(processed.mean(dtype=np.float64)),
            "std": float(processed.std(dtype=np.float64)),
            "image_peak_value": float(processed.max()),
            "min_value": float(processed.min()),
        }
        return ImageAnalyzerResult(processed, self.selected(scalars))


class BasicLineAnalyzer(ImageAnalyzer):
    """Trace through the (usually empty) pipeline, with the line statistics.

    The default for ``Array1DScanAnalyzer(device_name=...)`` with no config.
    Scalars: ``CoM, rms, fwhm, peak_location, integrated_intensity, peak_value``.

    Examples
    --------
    >>> trace = np.array([[0.0, 1.0, 2.0], [0.0, 4.0, 0.0]])
    >>> BasicLineAnalyzer().analyze_image(trace).scalars["peak_location"]
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
