"""Config models of the per-shot ``image:`` block."""

from scan_analysis.image.config.models import (
    STEP_NAMES,
    CameraConfig,
    ImageConfig,
    LineConfig,
    is_line_config,
    load_image_config,
)

__all__ = [
    "STEP_NAMES",
    "CameraConfig",
    "ImageConfig",
    "LineConfig",
    "is_line_config",
    "load_image_config",
]
