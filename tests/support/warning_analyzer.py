"""An image analyzer that reports warnings and metadata (as an original analyzer may)."""

import os

import numpy as np

from scan_analysis.image import ImageAnalyzer, ImageAnalyzerResult


class WarnsAboutDimShots(ImageAnalyzer):
    """Warns on every shot, and again on shots dimmer than ``level``; metadata: the worker's pid."""

    def __init__(self, level: float, **kwargs):
        super().__init__(**kwargs)
        self.level = level

    def analyze_image(self, image, auxiliary=None):
        processed = self.preprocess(image)
        total = float(np.asarray(processed, dtype=np.float64).sum())
        warnings = ["no calibration file, counts are raw"]
        if total < self.level:
            warnings.append("dim shot, fit skipped")
        return ImageAnalyzerResult(
            processed, {"total": total}, metadata={"pid": os.getpid()}, warnings=warnings
        )
