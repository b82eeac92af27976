"""Scatter of two s-file columns, coloured by bin, with per-bin mean ± std."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from scan_analysis.render.style import (
    RenderOptions,
    grid_shape,
    plain_tick_labels,
    power_of_ten_label,
    save,
    set_figure_title,
)


def draw_scatter(
    x: np.ndarray,
    ys: Mapping[str, np.ndarray],
    bins: np.ndarray | None,
    *,
    x_label: str,
    title: str,
    options: RenderOptions | None = None,
    colour_label: str = "bin number",
    partial: str | None = None,
    statistic: Literal["mean", "median"] = "mean",
) -> Figure:
    """One panel per y column (keys are the axis labels): shots coloured by bin, bin means.

    The colour bar (``colour_label``) says which bin a colour is. With ``bins``
    None, or a single bin (a no-scan), the shots are one group in one colour,
    explained by the legend, with one mean ± std marker. ``statistic="median"``
    puts the markers at the bin medians (error bars stay ± std).
    """
    options = options or RenderOptions()
    x_label, x_power = power_of_ten_label(x_label, x)
    x = np.asarray(x, dtype=float) * x_power
    bins = np.ones_like(x) if bins is None else np.asarray(bins, dtype=float)
    coloured = np.unique(bins[np.isfinite(bins)]).size > 1
    names = list(ys)
    rows, columns = grid_shape(len(names))
    figure = Figure(
        figsize=options.figsize or (4.6 * columns, 3.4 * rows + 0.6), layout="constrained"
    )
    grid = figure.subplots(rows, columns, squeeze=False)
    unique_bins = np.unique(bins[np.isfinite(bins)])
    scatter = None
    for index, axes in enumerate(grid.ravel()):
        if index >= len(names):
            axes.set_visible(False)
            continue
        y_label, y_power = power_of_ten_label(names[index], ys[names[index]])
        y = np.asarray(ys[names[index]], dtype=float) * y_power
        if coloured:
            scatter = axes.scatter(x, y, c=bins, cmap=options.cmap, s=12, alpha=0.8)
        else:
            axes.scatter(x, y, color="C0", s=12, alpha=0.8, label="shots")
        means_x, means_y, std_x, std_y = [], [], [], []
        for number in unique_bins:
            chosen = (bins == number) & np.isfinite(x) & np.isfinite(y)
            if chosen.any():
                centre = np.median if statistic == "median" else np.mean
                means_x.append(centre(x[chosen]))
                means_y.append(centre(y[chosen]))
                std_x.append(x[chosen].std())
                std_y.append(y[chosen].std())
        axes.errorbar(
            means_x,
            means_y,
            xerr=std_x,
            yerr=std_y,
            fmt="s",
            color="black",
            ms=4,
            capsize=2,
            label=f"bin {statistic} ± std" if coloured else f"{statistic} ± std",
        )
        axes.set_xlabel(x_label)
        axes.set_ylabel(y_label)
        plain_tick_labels(axes, "both")
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8)
    if scatter is not None:
        colour_bar = figure.colorbar(scatter, ax=grid, shrink=0.8, label=colour_label)
        colour_bar.locator = MaxNLocator(integer=True)  # bins are whole numbers
        colour_bar.update_ticks()
    set_figure_title(figure, title, partial=partial)
    return figure


def save_scatter(
    x: np.ndarray,
    ys: Mapping[str, np.ndarray],
    bins: np.ndarray,
    path: Path,
    *,
    options: RenderOptions | None = None,
    **drawing: Any,
) -> Path:
    """:func:`draw_scatter` written to ``path`` (atomically, at ``options.dpi``)."""
    options = options or RenderOptions()
    figure = draw_scatter(x, ys, bins, options=options, **drawing)
    return save(figure, path, dpi=options.dpi)
