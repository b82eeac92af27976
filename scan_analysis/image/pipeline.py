"""Run a config's processing steps, in ``pipeline.steps`` order, on one shot."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scan_analysis.image.config.models import CameraConfig, LineConfig
from scan_analysis.image.steps import (
    apply_circular_mask,
    apply_threshold,
    crop_line,
    crop_to_roi,
    edge_background,
    filter_image,
    filter_line,
    mask_crosshairs,
    normalize,
    subtract_background,
    threshold_level,
    transform_image,
    vignette_model,
)

logger = logging.getLogger(__name__)


@dataclass
class PipelineContext:
    """What the steps may need beyond the shot: the scan, a precomputed background.

    ``offset`` is filled in by the ROI step: the ``(x, y)`` of the processed
    image's origin in the raw image, so positions can be reported in camera
    pixels.
    """

    scan_dir: Path | None = None
    analysis_dir: Path | None = None
    background: np.ndarray | float | None = None
    offset: tuple[int, int] = (0, 0)
    cache: dict = field(default_factory=dict)


def expand_path(template: str, context: PipelineContext) -> Path:
    """Expand ``{scan_dir}`` (and ``{analysis_dir}``) in a config path."""
    values = {
        "scan_dir": str(context.scan_dir or ""),
        "analysis_dir": str(context.analysis_dir or ""),
    }
    return Path(template.format(**values)).expanduser()


def _background_from_file(image: np.ndarray, config, context: PipelineContext):
    from scan_analysis.data.readers import read_shot

    path = expand_path(config.file_path, context) if config.file_path else None
    key = ("background_file", str(path))
    if key in context.cache:
        return context.cache[key]
    if path is not None and path.is_file():
        background = read_shot(path).astype(np.float32)
        if background.ndim != image.ndim or any(
            b < i for b, i in zip(background.shape, image.shape, strict=True)
        ):
            raise ValueError(
                f"background file {path} is {background.shape}, the image is {image.shape}"
            )
    else:
        fallback = config.fallback
        level = fallback.level if fallback and fallback.method == "constant" else 0.0
        logger.warning(
            "background file %s not found; using the fallback level %g (set background.file_path "
            "or background.fallback in the config)",
            path,
            level,
        )
        background = level
    context.cache[key] = background
    return background


PIXEL_LOCAL_STEPS = {"background", "crosshair_masking", "circular_mask", "vignette"}


def _can_crop_first(config: CameraConfig) -> bool:
    """Whether the ROI can be applied to the raw frame before the steps that precede it."""
    steps = config.steps
    if config.roi is None or "roi" not in steps:
        return False
    before = steps[: steps.index("roi")]
    if any(
        step not in PIXEL_LOCAL_STEPS for step in before if getattr(config, step, None) is not None
    ):
        return False
    background = config.background
    return not (background is not None and "background" in before and background.method == "edge")


def _crop_like(level, image: np.ndarray, context: PipelineContext):
    """A per-pixel background cut to the processed region (when the ROI came first)."""
    if isinstance(level, np.ndarray) and level.ndim == 2 and level.shape != image.shape:
        x0, y0 = context.offset
        level = level[y0 : y0 + image.shape[0], x0 : x0 + image.shape[1]]
    return level


def _background(image: np.ndarray, config, context: PipelineContext) -> np.ndarray:
    if not config.enabled or config.method == "none":
        return image
    if context.background is not None:
        level = context.background
    elif config.method == "constant":
        level = config.constant
    elif config.method == "edge":
        level = edge_background(image if image.ndim == 2 else image, width=config.edge_width)
    else:
        level = _background_from_file(image, config, context)
    level = _crop_like(level, image, context)
    return subtract_background(image, level, additional_constant=config.additional_constant or 0.0)


def process_image(
    image: np.ndarray, config: CameraConfig, *, context: PipelineContext | None = None
) -> np.ndarray:
    """Run a camera config's steps on an image; returns the processed image.

    Parameters
    ----------
    image : ndarray
        The raw 2-D frame.
    config : CameraConfig
        Which steps, with which options, in which order.
    context : PipelineContext, optional
        Scan folders and precomputed background; receives the ROI offset.

    Examples
    --------
    >>> from scan_analysis.image.config import load_image_config
    >>> config = load_image_config({"background": {"method": "constant", "constant_level": 1},
    ...                             "roi": {"x_min": 1}})
    >>> process_image(np.ones((2, 3)), config)
    array([[0., 0.],
           [0., 0.]], dtype=float32)
    """
    context = context or PipelineContext()
    context.offset = (0, 0)
    steps = config.steps
    if _can_crop_first(config):
        # every step before the ROI is pixel-local: crop the raw frame first, so the
        # rest of the pipeline touches only the ROI (same result, less work)
        roi = config.roi
        image, context.offset = crop_to_roi(
            image, x_min=roi.x_min, x_max=roi.x_max, y_min=roi.y_min, y_max=roi.y_max
        )
        steps = [step for step in steps if step != "roi"]
    result = np.array(image, dtype=config.processing_dtype, copy=True)
    for step in steps:
        section = getattr(config, step, None)
        if section is None or getattr(section, "enabled", True) is False:
            continue
        if step == "background":
            result = _background(result, section, context)
        elif step == "vignette":
            if section.method == "map_file":
                from scan_analysis.data.readers import read_shot

                model = np.maximum(
                    read_shot(expand_path(section.map_file_path or "", context)).astype(np.float32),
                    section.min_model_value,
                )
            else:
                model = vignette_model(
                    result.shape,
                    coefficients=section.coefficients,
                    full_width=section.full_width,
                    full_height=section.full_height,
                    x_offset=section.x_offset + context.offset[0],
                    y_offset=section.y_offset + context.offset[1],
                    min_model_value=section.min_model_value,
                )
            result = result / model
        elif step == "crosshair_masking":
            crosshairs = [
                {
                    **c.model_dump(),
                    "center": (c.center[0] - context.offset[0], c.center[1] - context.offset[1]),
                }
                for c in section.crosshairs
            ]
            result = mask_crosshairs(result, crosshairs)
        elif step == "roi":
            result, (dx, dy) = crop_to_roi(
                result,
                x_min=section.x_min,
                x_max=section.x_max,
                y_min=section.y_min,
                y_max=section.y_max,
            )
            context.offset = (context.offset[0] + dx, context.offset[1] + dy)
        elif step == "circular_mask":
            result = apply_circular_mask(
                result,
                center=(
                    section.center[0] - context.offset[0],
                    section.center[1] - context.offset[1],
                ),
                radius=section.radius,
                mask_outside=section.mask_outside,
                mask_value=section.mask_value,
            )
        elif step == "thresholding":
            if section.method != "none" and section.threshold is not None:
                level = threshold_level(result, method=section.method, value=section.threshold)
                result = apply_threshold(
                    result,
                    level=level,
                    mode=section.mode,
                    invert=section.invert,
                    clip_below=section.clip_below,
                )
        elif step == "filtering":
            result = filter_image(
                result,
                gaussian_sigma=section.gaussian_sigma,
                median_kernel_size=section.median_kernel_size,
            )
        elif step == "normalization":
            result = normalize(result, method=section.method, constant_value=section.constant_value)
        elif step == "transforms":
            result = transform_image(
                result,
                rotation_angle=section.rotation_angle,
                flip_horizontal=section.flip_horizontal,
                flip_vertical=section.flip_vertical,
            )
    return result


def process_line(
    trace: np.ndarray, config: LineConfig, *, context: PipelineContext | None = None
) -> np.ndarray:
    """Run a line config's steps on a trace ``[x, y]``; returns the processed trace.

    Steps that only make sense for images (crosshairs, masks, vignette,
    transforms) are not part of a line config.
    """
    context = context or PipelineContext()
    result = np.asarray(trace, dtype=config.processing_dtype)[:2].copy()
    for step in config.steps:
        section = getattr(config, step, None)
        if section is None or getattr(section, "enabled", True) is False:
            continue
        if step == "background":
            result[1] = _background(result[1], section, context)
        elif step == "roi":
            result = crop_line(result, x_min=section.x_min, x_max=section.x_max)
        elif step == "thresholding":
            if section.method != "none" and section.threshold is not None:
                level = threshold_level(result[1], method=section.method, value=section.threshold)
                result[1] = apply_threshold(
                    result[1],
                    level=level,
                    mode=section.mode,
                    invert=section.invert,
                    clip_below=section.clip_below,
                )
        elif step == "filtering":
            method, sigma, size = section.method, section.sigma, section.kernel_size
            if method is None and section.gaussian_sigma:
                method, sigma = "gaussian", section.gaussian_sigma
            if method is None and section.median_kernel_size:
                method, size = "median", section.median_kernel_size
            result[1] = filter_line(result[1], method=method, sigma=sigma, kernel_size=size)
        elif step == "normalization":
            result[1] = normalize(
                result[1], method=section.method, constant_value=section.constant_value
            )
    return result
