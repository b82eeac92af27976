"""An image analyzer with one scalar that is the same on every shot (a set-point, a ratio)."""

from scan_analysis.image import ImageAnalyzer, ImageAnalyzerResult


class ConstantRatio(ImageAnalyzer):
    """Reports ``ratio`` = ``value`` for every shot, whatever the image."""

    def __init__(self, value: float = 1.275, **kwargs):
        super().__init__(**kwargs)
        self.value = value

    def analyze_image(self, image, auxiliary=None):
        return ImageAnalyzerResult(self.preprocess(image), {"ratio": self.value})
