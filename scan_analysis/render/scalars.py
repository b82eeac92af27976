"""Scalar figures: histories over shots and bin statistics against the scan parameter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from scan_analysis.render.style import RenderOptions, grid_shape, save, scalar_label


def save_scalar_histories(
    shots: Sequence[int],
    values: Mapping[str, Sequence[float]],
    path: Path,
    *,
    title: str,
    options: RenderOptions | None = None,
) -> Path:
    """Each scalar against shot number, with its mean ± std as a band."""
    options = options or RenderOptions()
    names = list(values)[: options.max_scalars]
    rows, columns = grid_shape(len(names))
    figure = Figure(
        figsize=options.figsize or (4.0 * columns, 2.6 * rows + 0.6), layout="constrained"
    )
    grid = figure.subplots(rows, columns, squeeze=False, sharex=True)
    for index, axes in enumerate(grid.ravel()):
        if index >= len(names):
            axes.set_visible(False)
            continue
        label, factor = scalar_label(names[index], position_unit=options.position_unit)
        data = np.asarray(values[names[index]], dtype=float) * factor
        axes.plot(shots, data, ".", color="C0")
        finite = data[np.isfinite(data)]
        if finite.size:
            mean, std = finite.mean(), finite.std()
            axes.axhline(mean, color="C1", lw=1)
            axes.axhspan(mean - std, mean + std, color="C1", alpha=0.15)
            axes.set_title(f"{label}: {mean:.4g} ± {std:.2g}", fontsize=9)
        axes.set_ylabel(label)
        if index // columns == rows - 1 or index + columns >= len(names):
            axes.set_xlabel("shot number")
    figure.suptitle(title)
    return save(figure, path, dpi=options.dpi)


def save_scalars_vs_parameter(
    parameter: Sequence[float],
    statistics: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    path: Path,
    *,
    parameter_label: str,
    title: str,
    options: RenderOptions | None = None,
) -> Path:
    """Bin means with standard-deviation error bars against the scan parameter."""
    options = options or RenderOptions()
    names = list(statistics)[: options.max_scalars]
    rows, columns = grid_shape(len(names))
    figure = Figure(
        figsize=options.figsize or (4.0 * columns, 2.8 * rows + 0.6), layout="constrained"
    )
    grid = figure.subplots(rows, columns, squeeze=False, sharex=True)
    x = np.asarray(parameter, dtype=float)
    for index, axes in enumerate(grid.ravel()):
        if index >= len(names):
            axes.set_visible(False)
            continue
        label, factor = scalar_label(names[index], position_unit=options.position_unit)
        means, stds, counts = statistics[names[index]]
        axes.errorbar(
            x,
            means * factor,
            yerr=np.nan_to_num(stds * factor),
            fmt="o-",
            ms=4,
            capsize=3,
            label="bin mean ± std",
        )
        axes.set_ylabel(label)
        axes.grid(alpha=0.3)
        if index == 0:
            axes.legend(fontsize=8)
        if index // columns == rows - 1 or index + columns >= len(names):
            axes.set_xlabel(parameter_label)
    figure.suptitle(title)
    return save(figure, path, dpi=options.dpi)
