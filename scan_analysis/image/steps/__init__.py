"""Processing steps: pure functions on arrays, keyword-only options, no hidden state.

Each module holds one kind of step; :mod:`scan_analysis.image.pipeline` composes
them in the order a config's ``pipeline.steps`` gives.
"""

from scan_analysis.image.steps.background import (
    edge_background,
    mean_background,
    percentile_background,
    subtract_background,
)
from scan_analysis.image.steps.crosshair import crosshair_mask, mask_crosshairs
from scan_analysis.image.steps.filtering import (
    filter_image,
    filter_line,
    gaussian_smooth,
    median_smooth,
)
from scan_analysis.image.steps.masks import apply_circular_mask, circular_mask, vignette_model
from scan_analysis.image.steps.normalization import normalize
from scan_analysis.image.steps.roi import crop_line, crop_to_roi
from scan_analysis.image.steps.threshold import apply_threshold, threshold_level
from scan_analysis.image.steps.transforms import transform_image

__all__ = [
    "apply_circular_mask",
    "apply_threshold",
    "circular_mask",
    "crop_line",
    "crop_to_roi",
    "crosshair_mask",
    "edge_background",
    "filter_image",
    "filter_line",
    "gaussian_smooth",
    "mask_crosshairs",
    "mean_background",
    "median_smooth",
    "normalize",
    "percentile_background",
    "subtract_background",
    "threshold_level",
    "transform_image",
    "vignette_model",
]
