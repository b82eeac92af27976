"""Averaged images and per-bin montages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse, Rectangle

from scan_analysis.render.style import (
    SATURATION_COLOUR,
    RenderOptions,
    colour_limits,
    downsample_for_display,
    figure_title_text,
    grid_shape,
    save,
    set_figure_title,
    wrap_title,
)

PANEL_TITLE_FONT_SIZE = 9.0

SATURATED_PANEL_GID = "saturated-bin-{key}"
"""``gid`` of the red frame around a bin's panel with saturated shots (its label: ``-label``)."""
SATURATED_IMAGE_GID = "saturated-average"


def _extent(shape, offset, calibration):
    """Image extent in mm when calibrated, else camera pixels."""
    x0, y0 = offset
    height, width = shape
    if calibration:
        scale = calibration * 1e3
        return [x0 * scale, (x0 + width) * scale, (y0 + height) * scale, y0 * scale], "mm"
    return [x0 - 0.5, x0 + width - 0.5, y0 + height - 0.5, y0 - 0.5], "px"


def _colour_limits(images: Sequence[np.ndarray], options: RenderOptions) -> tuple[float, float]:
    return colour_limits(images, options)


def mark_saturated(axes: Axes, text: str, *, gid: str) -> None:
    """A red frame around an image panel and a red label in its corner.

    The frame is a :class:`~matplotlib.patches.Rectangle` with ``gid`` and the
    label a text with ``gid + "-label"``, so tests (and readers of SVG output)
    find them.
    """
    axes.add_patch(
        Rectangle(
            (0, 0),
            1,
            1,
            transform=axes.transAxes,
            fill=False,
            edgecolor=SATURATION_COLOUR,
            linewidth=3,
            clip_on=False,
            zorder=5,
            gid=gid,
        )
    )
    axes.text(
        0.03,
        0.97,
        text,
        transform=axes.transAxes,
        ha="left",
        va="top",
        fontsize=7,
        color="white",
        bbox={"facecolor": SATURATION_COLOUR, "edgecolor": "none", "pad": 1.5},
        zorder=6,
        gid=f"{gid}-label",
    )


def save_average_image(
    image: np.ndarray, path: Path, *, options: RenderOptions | None = None, **drawing: Any
) -> Path:
    """:func:`draw_average_image` written to ``path`` (atomically, at ``options.dpi``)."""
    options = options or RenderOptions()
    return save(draw_average_image(image, options=options, **drawing), path, dpi=options.dpi)


def draw_average_image(
    image: np.ndarray,
    *,
    title: str,
    options: RenderOptions | None = None,
    offset: tuple[int, int] = (0, 0),
    calibration: float | None = None,
    centroid: tuple[float, float] | None = None,
    rms: tuple[float, float] | None = None,
    caption: str | None = None,
    image_shape: tuple[int, int] | None = None,
    saturation: str | None = None,
    partial: str | None = None,
) -> Figure:
    """The scan's averaged image with a colour bar, axes in px (or mm) and the mean centroid.

    ``image_shape`` is the full-resolution shape when ``image`` was reduced for
    display. ``saturation``, when some shots had saturated pixels, is written in
    a red label on a red frame (see :func:`mark_saturated`, gid
    ``saturated-average``). The title is the figure's (above image and colour
    bar, wrapped to the width); ``partial`` marks it (see
    :func:`~scan_analysis.render.style.set_figure_title`).
    """
    options = options or RenderOptions()
    figure = Figure(figsize=options.figsize or (6.4, 5.2), layout="constrained")
    axes = figure.add_subplot()
    extent, unit = _extent(image_shape or image.shape, offset, calibration)
    vmin, vmax = _colour_limits([image], options)
    shown = axes.imshow(
        downsample_for_display(image, max_pixels=640)[0],
        cmap=options.cmap,
        vmin=vmin,
        vmax=vmax,
        extent=extent,
        interpolation="nearest",
    )
    colour_bar = figure.colorbar(shown, ax=axes)
    colour_bar.set_label(options.colorbar_label or "counts (average)")
    if centroid is not None and np.all(np.isfinite(centroid)):
        scale = calibration * 1e3 if calibration else 1.0
        cx, cy = centroid[0] * scale, centroid[1] * scale
        axes.plot(cx, cy, marker="+", color="white", markersize=14, markeredgewidth=1.5)
        if rms is not None and np.all(np.isfinite(rms)):
            axes.add_patch(
                Ellipse(
                    (cx, cy),
                    4 * rms[0] * scale,
                    4 * rms[1] * scale,
                    fill=False,
                    color="white",
                    lw=1,
                )
            )
    axes.set_xlabel(options.xlabel or f"x ({unit})")
    axes.set_ylabel(options.ylabel or f"y ({unit})")
    set_figure_title(figure, title, partial=partial)
    if saturation:
        mark_saturated(axes, saturation, gid=SATURATED_IMAGE_GID)
    if caption:
        figure.text(0.01, 0.005, caption, fontsize=8, va="bottom")
    return figure


def save_montage(
    images: Mapping[int, np.ndarray],
    path: Path,
    *,
    options: RenderOptions | None = None,
    **drawing: Any,
) -> Path:
    """:func:`draw_montage` written to ``path`` (atomically, at ``options.dpi``)."""
    options = options or RenderOptions()
    return save(draw_montage(images, options=options, **drawing), path, dpi=options.dpi)


def draw_montage(
    images: Mapping[int, np.ndarray],
    *,
    titles: Mapping[int, str],
    suptitle: str,
    options: RenderOptions | None = None,
    offset: tuple[int, int] = (0, 0),
    calibration: float | None = None,
    centroids: Mapping[int, tuple[float, float]] | None = None,
    image_shape: tuple[int, int] | None = None,
    saturated: Mapping[int, str] | None = None,
    partial: str | None = None,
) -> Figure:
    """Per-bin averaged images side by side, one shared colour scale and colour bar.

    ``titles`` are the panels' (short: the bin's parameter value and shot
    count; wrapped to the panel's width), ``suptitle`` the figure's (the
    parameter's full name belongs there, once; wrapped to the figure's width).
    ``image_shape`` is the full-resolution shape when the images were reduced for
    display. ``saturated`` maps the bins that had saturated shots to a label
    (``"saturated: 3/10 shots"``); their panels get a red frame and the label
    (see :func:`mark_saturated`, gid ``saturated-bin-{bin}``). ``partial`` marks
    the title of a partial scan (see
    :func:`~scan_analysis.render.style.set_figure_title`).
    """
    options = options or RenderOptions()
    keys = sorted(images)
    rows, columns = grid_shape(len(keys))
    panel_titles = {
        key: wrap_title(titles.get(key, str(key)), 2.2, fontsize=PANEL_TITLE_FONT_SIZE)
        for key in keys
    }
    title_lines = max((t.count("\n") + 1 for t in panel_titles.values()), default=1)
    default_width = max(2.4 * columns + 1.4, 5.0)
    title_width = (options.figsize or (default_width, 0))[0]
    suptitle_lines = figure_title_text(suptitle, title_width, partial=partial).count("\n") + 1
    top_margin = 0.25 + 0.2 * suptitle_lines + 0.16 * title_lines
    row_height = 2.2 + 0.16 * title_lines
    width, height = options.figsize or (default_width, row_height * rows + 0.45 + top_margin)
    figure = Figure(figsize=(width, height))
    # a fixed layout: constrained layout doubled the drawing time of a 10-panel montage
    panel_height = (height - 0.55 - top_margin) / rows
    figure.subplots_adjust(
        left=0.75 / width,
        right=1 - 1.3 / width,
        bottom=0.55 / height,
        top=1 - top_margin / height,
        wspace=0.12,
        # room for a row's panel titles above it (as a fraction of the panel height)
        hspace=min(0.9, (0.12 + 0.16 * title_lines) / max(panel_height - 0.3, 0.5)),
    )
    # axes for the panels only (an empty grid cell costs an axes' ticks to make), sharing
    # the first one's limits; tick labels on the outer panels only (below: bottom ones)
    cells = figure.add_gridspec(rows, columns)
    first = None
    vmin, vmax = _colour_limits([images[k] for k in keys], options)
    shown = None
    for index, key in enumerate(keys):
        axes = figure.add_subplot(
            cells[index // columns, index % columns], sharex=first, sharey=first
        )
        first = first or axes
        axes.tick_params(labelbottom=False, labelleft=index % columns == 0)
        extent, unit = _extent(image_shape or images[key].shape, offset, calibration)
        shown = axes.imshow(
            downsample_for_display(images[key])[0],
            cmap=options.cmap,
            vmin=vmin,
            vmax=vmax,
            extent=extent,
            interpolation="nearest",
        )
        if centroids and key in centroids and np.all(np.isfinite(centroids[key])):
            scale = calibration * 1e3 if calibration else 1.0
            axes.plot(centroids[key][0] * scale, centroids[key][1] * scale, "w+", markersize=8)
        # placed, not searched for: nothing is drawn above a panel (its ticks are below, on
        # the left) and matplotlib's search measures every panel's ticks on each draw
        axes.set_title(panel_titles[key], fontsize=PANEL_TITLE_FONT_SIZE, y=1.0)
        if saturated and key in saturated:
            mark_saturated(axes, saturated[key], gid=SATURATED_PANEL_GID.format(key=key))
        if index % columns == 0:
            axes.set_ylabel(options.ylabel or f"y ({unit})")
        if index // columns == rows - 1 or index + columns >= len(keys):
            # the lowest panel of its column: its x axis is read, so it is numbered too
            axes.xaxis.set_tick_params(labelbottom=True)
            axes.set_xlabel(options.xlabel or f"x ({unit})")
    if shown is not None:
        bar_axes = figure.add_axes(
            (1 - 1.05 / width, 0.55 / height, 0.18 / width, 1 - (0.55 + top_margin) / height)
        )
        figure.colorbar(shown, cax=bar_axes, label=options.colorbar_label or "counts (bin average)")
    set_figure_title(figure, suptitle, partial=partial, y=1 - 0.1 / height, va="top")
    return figure
