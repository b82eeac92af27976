"""Trace figures: waterfall and overlay."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from scan_analysis.render.style import (
    RenderOptions,
    colour_limits,
    format_parameter_values,
    grid_shape,
    save,
    set_figure_title,
)


def save_waterfall(
    x: np.ndarray,
    lines: np.ndarray,
    row_values: Sequence[float],
    path: Path,
    *,
    options: RenderOptions | None = None,
    **drawing: Any,
) -> Path:
    """:func:`draw_waterfall` written to ``path`` (atomically, at ``options.dpi``)."""
    options = options or RenderOptions()
    return save(
        draw_waterfall(x, lines, row_values, options=options, **drawing), path, dpi=options.dpi
    )


def draw_waterfall(
    x: np.ndarray,
    lines: np.ndarray,
    row_values: Sequence[float],
    *,
    x_label: str,
    row_label: str,
    title: str,
    colour_label: str = "intensity (bin average)",
    options: RenderOptions | None = None,
    partial: str | None = None,
) -> Figure:
    """Traces stacked as image rows (one per bin or shot), coloured by intensity.

    ``colour_label`` names what a row is: ``"intensity (bin average)"`` for
    per-bin averages, ``"intensity"`` when every shot is a row. ``partial``
    marks the title of a partial scan.
    """
    options = options or RenderOptions()
    figure = Figure(figsize=options.figsize or (6.4, 4.8), layout="constrained")
    axes = figure.add_subplot()
    rows = np.asarray(row_values, dtype=float)
    edges = _edges(rows)
    vmin, vmax = colour_limits([np.asarray(lines, dtype=float)], options, unset="range")
    mesh = axes.pcolormesh(
        _edges(np.asarray(x, dtype=float)),
        edges,
        np.asarray(lines),
        cmap=options.cmap,
        vmin=vmin,
        vmax=vmax,
        shading="flat",
    )
    figure.colorbar(mesh, ax=axes, label=options.colorbar_label or colour_label)
    if rows.size and np.all(np.mod(rows, 1) == 0):  # shot or bin numbers: whole ticks only
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(options.xlabel or x_label)
    axes.set_ylabel(options.ylabel or row_label)
    set_figure_title(figure, title, partial=partial)
    return figure


def save_line_overlay(
    x: np.ndarray,
    lines: np.ndarray,
    row_values: Sequence[float],
    path: Path,
    *,
    options: RenderOptions | None = None,
    **drawing: Any,
) -> Path:
    """:func:`draw_line_overlay` written to ``path`` (atomically, at ``options.dpi``)."""
    options = options or RenderOptions()
    figure = draw_line_overlay(x, lines, row_values, options=options, **drawing)
    return save(figure, path, dpi=options.dpi)


def draw_line_overlay(
    x: np.ndarray,
    lines: np.ndarray,
    row_values: Sequence[float],
    *,
    x_label: str,
    row_label: str,
    title: str,
    options: RenderOptions | None = None,
    partial: str | None = None,
) -> Figure:
    """All traces on one axes, coloured by bin (or shot), with a colour bar for the parameter."""
    options = options or RenderOptions()
    figure = Figure(figsize=options.figsize or (6.4, 4.4), layout="constrained")
    axes = figure.add_subplot()
    rows = np.asarray(row_values, dtype=float)
    colour_map = colormaps[options.cmap]
    low, high = float(np.nanmin(rows)), float(np.nanmax(rows))
    span = high - low or 1.0
    for value, line in zip(rows, lines, strict=True):
        axes.plot(x, line, color=colour_map((value - low) / span), lw=1)
    mappable = ScalarMappable(norm=Normalize(low, high if high > low else low + 1), cmap=colour_map)
    figure.colorbar(mappable, ax=axes, label=row_label)
    axes.set_xlabel(options.xlabel or x_label)
    axes.set_ylabel(options.ylabel or "intensity (bin average)")
    set_figure_title(figure, title, partial=partial)
    axes.grid(alpha=0.3)
    return figure


def save_line_grid(
    x: np.ndarray,
    lines: np.ndarray,
    row_values: Sequence[float],
    path: Path,
    *,
    x_label: str,
    row_label: str,
    title: str,
    options: RenderOptions | None = None,
) -> Path:
    """One small panel per trace (per bin), titled with its parameter value, shared axes."""
    options = options or RenderOptions()
    rows, columns = grid_shape(len(lines))
    figure = Figure(
        figsize=options.figsize or (2.6 * columns + 0.8, 2.0 * rows + 0.9), layout="constrained"
    )
    grid = figure.subplots(rows, columns, squeeze=False, sharex=True, sharey=True)
    short = row_label.split(" (")[0]
    shown_values = format_parameter_values(list(row_values)[: len(lines)])
    for index, axes in enumerate(grid.ravel()):
        if index >= len(lines):
            axes.set_visible(False)
            continue
        axes.plot(x, lines[index], lw=1, color=colormaps[options.cmap](0.3))
        axes.set_title(f"{short} = {shown_values[index]}", fontsize=8)
        axes.grid(alpha=0.3)
        if index % columns == 0:
            axes.set_ylabel(options.ylabel or "intensity", fontsize=8)
        if index + columns >= len(lines):
            axes.set_xlabel(options.xlabel or x_label, fontsize=8)
    figure.suptitle(title)
    return save(figure, path, dpi=options.dpi)


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around sorted-or-not centres (for pcolormesh)."""
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    middle = (centres[:-1] + centres[1:]) / 2
    return np.concatenate(
        [
            [centres[0] - (middle[0] - centres[0])],
            middle,
            [centres[-1] + (centres[-1] - middle[-1])],
        ]
    )
