"""Run a config's processing steps, in ``pipeline.steps`` order, on one shot.

Each step is a pure function in :mod:`scan_analysis.image.steps`; this module
only reads the config sections, keeps track of where the processed region sits
in the raw frame (the shot's ``offset``) so positions given in camera pixels
(crosshairs, circular masks, vignette) stay right after an ROI, and turns a
step's complaint about its options into a :class:`ConfigError`.

The scan's :class:`PipelineContext` is shared by every shot (and every thread
analysing shots); what belongs to one shot, its offset, lives in a
:class:`ShotContext` made for that call and comes back in the
:class:`ProcessedShot`, so no shot can see another's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scan_analysis.errors import ConfigError
from scan_analysis.image.config.models import (
    BackgroundConfig,
    CameraConfig,
    LineConfig,
    ThresholdingConfig,
)
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
from scan_analysis.image.trace_layout import as_trace_rows

logger = logging.getLogger(__name__)

PIXEL_LOCAL_STEPS = {"background", "crosshair_masking", "circular_mask", "vignette"}


@dataclass
class PipelineContext:
    """What the steps may need beyond the shot: the scan's folders, a precomputed background.

    One per scan, shared by all its shots; nothing in it changes while shots
    are processed (except ``cache``, which only gains entries).

    Attributes
    ----------
    scan_dir : Path, optional
        The raw scan folder, for ``{scan_dir}`` in config paths.
    analysis_dir : Path, optional
        The scan's analysis folder, for ``{analysis_dir}`` in config paths.
    background : ndarray or float, optional
        A background computed for the scan (e.g. the per-pixel percentile);
        when set it replaces the config's constant/file background.
    cache : dict
        Files read once per scan (background files, vignette maps).
    """

    scan_dir: Path | None = None
    analysis_dir: Path | None = None
    background: np.ndarray | float | None = None
    cache: dict[Any, Any] = field(default_factory=dict)

    @property
    def offset(self) -> tuple[int, int]:
        """Not kept here any more: the offset belongs to one shot (threads share this context)."""
        raise AttributeError(
            "the ROI offset is per shot and no longer kept on the scan's PipelineContext (threads "
            "sharing it read each other's); use ImageAnalyzer.analyze_shot(image).offset, "
            "ImageAnalyzer.process(image).offset or process_shot(image, config).offset"
        )

    def for_shot(self) -> ShotContext:
        """A context for one shot: this scan's folders, background and cache, its own offset."""
        return ShotContext(
            scan_dir=self.scan_dir,
            analysis_dir=self.analysis_dir,
            background=self.background,
            cache=self.cache,
        )


@dataclass
class ShotContext(PipelineContext):
    """The scan's context plus what one shot's processing finds out.

    Attributes
    ----------
    offset : (int, int)
        Filled in by the ROI step: ``(x, y)`` of the processed image's origin in
        the raw frame.
    """

    offset: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class ProcessedShot:
    """One shot through the pipeline.

    Attributes
    ----------
    data : ndarray
        The processed image, or the processed trace ``[x, y]``.
    offset : (int, int)
        ``(x, y)`` of ``data``'s origin in the raw frame (``(0, 0)`` without an
        ROI, and for traces, whose x row carries the position).
    """

    data: np.ndarray
    offset: tuple[int, int] = (0, 0)


def expand_path(template: str, context: PipelineContext) -> Path:
    """Expand ``{scan_dir}`` and ``{analysis_dir}`` (and ``~``) in a config path.

    Examples
    --------
    >>> expand_path("{scan_dir}/bg.npy", PipelineContext(scan_dir=Path("/d/Scan007"))).as_posix()
    '/d/Scan007/bg.npy'
    """
    values = {
        "scan_dir": str(context.scan_dir or ""),
        "analysis_dir": str(context.analysis_dir or ""),
    }
    try:
        return Path(template.format(**values)).expanduser()
    except (KeyError, IndexError, ValueError) as error:
        raise ConfigError(
            f"path {template!r} has an unknown placeholder ({error}); only {{scan_dir}} and "
            "{analysis_dir} are expanded",
            None,
        ) from None


def _read_cached(path: Path, context: PipelineContext) -> np.ndarray:
    from scan_analysis.data.readers import read_shot

    key = ("file", str(path))
    if key not in context.cache:
        context.cache[key] = read_shot(path)
    return context.cache[key]


def _background_from_file(
    image: np.ndarray, config: BackgroundConfig, context: PipelineContext
) -> np.ndarray | float:
    path = expand_path(config.file_path, context) if config.file_path else None
    key = ("background_file", str(path))
    if key in context.cache:
        return context.cache[key]
    if path is not None and path.is_file():
        background = _read_cached(path, context)
        if image.ndim == 1 and background.ndim == 2:  # a trace file: [x, y]
            background = background[1]
        background = background.astype(np.float32)
        if background.ndim != image.ndim or any(
            b < i for b, i in zip(background.shape, image.shape, strict=True)
        ):
            raise ConfigError(
                f"background file {path} has shape {background.shape} but the shots have shape "
                f"{image.shape}; record a background with the same camera settings or fix "
                "background.file_path",
                path,
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


def _crop_like(level: Any, image: np.ndarray, context: ShotContext) -> Any:
    """A full-frame per-pixel array cut to the processed region (after an ROI)."""
    if isinstance(level, np.ndarray) and level.ndim == 2 and level.shape != image.shape:
        x0, y0 = context.offset
        level = level[y0 : y0 + image.shape[0], x0 : x0 + image.shape[1]]
    return level


def _background(image: np.ndarray, config: BackgroundConfig, context: ShotContext):
    if context.background is not None:  # chosen for the scan: wins over the section's method
        level = context.background
    elif config.method == "none":
        return image
    elif config.method == "constant":
        level = config.constant
    elif config.method == "edge":
        level = edge_background(image, width=config.edge_width)
    else:
        level = _background_from_file(image, config, context)
    level = _crop_like(level, image, context)
    return subtract_background(image, level, additional_constant=config.additional_constant or 0.0)


def _threshold(array: np.ndarray, config: ThresholdingConfig) -> np.ndarray:
    if config.method == "none" or config.threshold is None:
        return array
    level = threshold_level(array, method=config.method, value=config.threshold)
    return apply_threshold(
        array, level=level, mode=config.mode, invert=config.invert, clip_below=config.clip_below
    )


# --- image steps: (image, section, shot context) -> image -----------------------------------
def _vignette(image, section, context):
    if section.method == "map_file":
        if not section.map_file_path:
            raise ValueError("method map_file needs map_file_path (the measured map)")
        full_map = _read_cached(expand_path(section.map_file_path, context), context)
        model = np.maximum(_crop_like(full_map, image, context), section.min_model_value)
    else:
        model = vignette_model(
            image.shape,
            coefficients=section.coefficients,
            full_width=section.full_width,
            full_height=section.full_height,
            x_offset=section.x_offset + context.offset[0],
            y_offset=section.y_offset + context.offset[1],
            min_model_value=section.min_model_value,
        )
    return np.divide(image, model, dtype=image.dtype)


def _crosshairs(image, section, context):
    x0, y0 = context.offset
    crosshairs = [
        {**c.model_dump(), "center": (c.center[0] - x0, c.center[1] - y0)}
        for c in section.crosshairs
    ]
    return mask_crosshairs(image, crosshairs)


def _roi(image, section, context):
    cropped, (dx, dy) = crop_to_roi(
        image, x_min=section.x_min, x_max=section.x_max, y_min=section.y_min, y_max=section.y_max
    )
    context.offset = (context.offset[0] + dx, context.offset[1] + dy)
    return cropped


def _circular_mask(image, section, context):
    x0, y0 = context.offset
    return apply_circular_mask(
        image,
        center=(section.center[0] - x0, section.center[1] - y0),
        radius=section.radius,
        mask_outside=section.mask_outside,
        mask_value=section.mask_value,
    )


IMAGE_STEPS: dict[str, Callable[[np.ndarray, Any, ShotContext], np.ndarray]] = {
    "background": _background,
    "vignette": _vignette,
    "crosshair_masking": _crosshairs,
    "roi": _roi,
    "circular_mask": _circular_mask,
    "thresholding": lambda image, section, context: _threshold(image, section),
    "filtering": lambda image, section, context: filter_image(
        image,
        gaussian_sigma=section.gaussian_sigma,
        median_kernel_size=section.median_kernel_size,
    ),
    "normalization": lambda image, section, context: normalize(
        image, method=section.method, constant_value=section.constant_value
    ),
    "transforms": lambda image, section, context: transform_image(
        image,
        rotation_angle=section.rotation_angle,
        flip_horizontal=section.flip_horizontal,
        flip_vertical=section.flip_vertical,
    ),
}


# --- line steps: (trace [x, y], section, shot context) -> trace -----------------------------
def _line_background(trace, section, context):
    trace[1] = _background(trace[1], section, context)
    return trace


def _line_threshold(trace, section, context):
    trace[1] = _threshold(trace[1], section)
    return trace


def _line_filter(trace, section, context):
    method, sigma, size = section.method, section.sigma, section.kernel_size
    if method is None and section.gaussian_sigma:
        method, sigma = "gaussian", section.gaussian_sigma
    if method is None and section.median_kernel_size:
        method, size = "median", section.median_kernel_size
    trace[1] = filter_line(trace[1], method=method, sigma=sigma, kernel_size=size)
    return trace


def _line_normalize(trace, section, context):
    trace[1] = normalize(trace[1], method=section.method, constant_value=section.constant_value)
    return trace


LINE_STEPS: dict[str, Callable[[np.ndarray, Any, ShotContext], np.ndarray]] = {
    "background": _line_background,
    "roi": lambda trace, section, context: crop_line(
        trace, x_min=section.x_min, x_max=section.x_max
    ),
    "thresholding": _line_threshold,
    "filtering": _line_filter,
    "normalization": _line_normalize,
}


def _active_sections(
    config: CameraConfig | LineConfig, steps: list[str], context: PipelineContext | None = None
):
    """The steps to run, with their sections; a scan background always runs its step."""
    for step in steps:
        section = getattr(config, step, None)
        if step == "background" and context is not None and context.background is not None:
            yield step, section if section is not None else BackgroundConfig()
        elif section is not None and getattr(section, "enabled", True) is not False:
            yield step, section


def _step_error(config: CameraConfig | LineConfig, step: str, error: ValueError) -> ConfigError:
    message = f"config {config.name or '(unnamed)'}, section {step}: {error}"
    return ConfigError(message, None, [message])


def _can_crop_first(config: CameraConfig) -> bool:
    """Whether the ROI can be cut from the raw frame before the steps listed ahead of it."""
    steps = config.steps
    if config.roi is None or "roi" not in steps:
        return False
    before = [step for step, _ in _active_sections(config, steps[: steps.index("roi")])]
    if any(step not in PIXEL_LOCAL_STEPS for step in before):
        return False
    background = config.background
    return not ("background" in before and background is not None and background.method == "edge")


def _run_image_steps(image: np.ndarray, config: CameraConfig, shot: ShotContext) -> np.ndarray:
    steps = config.steps
    try:
        if _can_crop_first(config):
            image = _roi(image, config.roi, shot)
            steps = [step for step in steps if step != "roi"]
        result = np.array(image, dtype=config.processing_dtype, copy=True)
    except ValueError as error:
        raise _step_error(config, "roi", error) from error
    for step, section in _active_sections(config, steps, shot):
        try:
            result = IMAGE_STEPS[step](result, section, shot)
        except ValueError as error:
            raise _step_error(config, step, error) from error
    return result


def _run_line_steps(trace: np.ndarray, config: LineConfig, shot: ShotContext) -> np.ndarray:
    try:
        rows = as_trace_rows(trace)
    except ValueError as error:
        raise ConfigError(
            f"config {config.name or '(unnamed)'} is a line config but {error}; use a camera "
            "config (no data_loading, type camera) for images",
            None,
        ) from None
    result = np.array(rows[:2], dtype=config.processing_dtype, copy=True)
    for step, section in _active_sections(config, config.steps, shot):
        if step not in LINE_STEPS:
            continue
        try:
            result = LINE_STEPS[step](result, section, shot)
        except ValueError as error:
            raise _step_error(config, step, error) from error
    return result


def process_shot(
    shot: np.ndarray,
    config: CameraConfig | LineConfig,
    *,
    context: PipelineContext | None = None,
) -> ProcessedShot:
    """Run a config's steps on one shot; returns the processed data and where it sits.

    Parameters
    ----------
    shot : ndarray
        The raw 2-D frame, or a trace (see :func:`process_line`); not modified.
    config : CameraConfig or LineConfig
        Which steps, with which options, in which order (``pipeline.steps``).
    context : PipelineContext, optional
        The scan's folders and precomputed background; only read, so one
        context serves any number of threads at once.

    Returns
    -------
    ProcessedShot
        The processed image (or ``[x, y]``) and its offset in the raw frame.

    Examples
    --------
    >>> from scan_analysis.image.config import load_image_config
    >>> processed = process_shot(np.ones((4, 4)), load_image_config({"roi": {"x_min": 1}}))
    >>> processed.data.shape, processed.offset
    ((4, 3), (1, 0))
    """
    state = (context if context is not None else PipelineContext()).for_shot()
    if config.kind == "1d":
        return ProcessedShot(_run_line_steps(shot, config, state), state.offset)
    return ProcessedShot(_run_image_steps(shot, config, state), state.offset)


def process_image(
    image: np.ndarray, config: CameraConfig, *, context: PipelineContext | None = None
) -> np.ndarray:
    """Run a camera config's steps on an image; returns the processed image.

    Parameters
    ----------
    image : ndarray
        The raw 2-D frame (not modified).
    config : CameraConfig
        Which steps, with which options, in which order (``pipeline.steps``).
    context : PipelineContext, optional
        Scan folders and precomputed background (only read).

    Returns
    -------
    ndarray
        The processed image in ``config.processing_dtype`` (float32 by default).
        :func:`process_shot` also gives its offset in the raw frame.

    Raises
    ------
    ConfigError
        A step's options do not fit the image (e.g. an ROI outside the frame).

    Notes
    -----
    When every step listed before ``roi`` is pixel-local (background,
    crosshair masking, circular mask, vignette), the ROI is cut from the raw
    frame first: same result, and the rest of the pipeline touches only the
    ROI.

    Examples
    --------
    >>> from scan_analysis.image.config import load_image_config
    >>> config = load_image_config({"background": {"method": "constant", "constant_level": 1},
    ...                             "roi": {"x_min": 1}})
    >>> process_image(np.ones((2, 3)), config)
    array([[0., 0.],
           [0., 0.]], dtype=float32)
    """
    state = (context if context is not None else PipelineContext()).for_shot()
    return _run_image_steps(image, config, state)


def process_line(
    trace: np.ndarray, config: LineConfig, *, context: PipelineContext | None = None
) -> np.ndarray:
    """Run a line config's steps on a trace; returns the processed ``[x, y]``.

    The trace may be stored as rows ``[x, y, ...]`` or as columns (a scope
    export's ``(n, 2)``); :func:`~scan_analysis.image.trace_layout.as_trace_rows`
    decides which, and refuses an array it cannot place. Only the first y is
    processed (``data_loading.y_column`` picks it); a 1-D array is taken as y
    with the sample index as x. Steps that only make sense for images
    (crosshairs, masks, vignette, transforms) are not part of a line config.

    Examples
    --------
    >>> from scan_analysis.image.config import LineConfig
    >>> config = LineConfig.model_validate({"roi": {"x_min": 2}, "background": {"level": 1}})
    >>> process_line(np.array([[1.0, 2.0, 3.0], [5.0, 6.0, 7.0]]), config)
    array([[2., 3.],
           [5., 6.]], dtype=float32)
    """
    state = (context if context is not None else PipelineContext()).for_shot()
    return _run_line_steps(trace, config, state)


def run_pipeline(
    image: np.ndarray,
    config: CameraConfig | LineConfig,
    *,
    context: PipelineContext | None = None,
) -> np.ndarray:
    """Run a config's steps on one shot: :func:`process_image` or :func:`process_line`.

    Examples
    --------
    >>> from scan_analysis.image.config import CameraConfig
    >>> run_pipeline(np.array([[1, 2]]), CameraConfig())
    array([[1., 2.]], dtype=float32)
    """
    return process_shot(image, config, context=context).data
