"""Scalar figures: histories over shots and bin statistics against the scan parameter."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from scan_analysis.render.style import (
    SATURATION_COLOUR,
    RenderOptions,
    grid_shape,
    plain_tick_labels,
    power_of_ten_label,
    save,
    scalar_label,
    set_figure_title,
)

SATURATED_POINTS_GID = "saturated-points"
"""``gid`` of the red markers over the bins (or shots) with saturated pixels."""


def _mark_saturated_points(axes: Axes, x: np.ndarray, y: np.ndarray, *, label: str) -> None:
    """Open red squares around the points of saturated bins or shots (gid ``saturated-points``)."""
    axes.plot(
        x,
        y,
        linestyle="none",
        marker="s",
        markersize=10,
        markerfacecolor="none",
        markeredgecolor=SATURATION_COLOUR,
        markeredgewidth=1.8,
        zorder=4,
        label=label,
        gid=SATURATED_POINTS_GID,
    )


ROUNDING_NOISE = 1e-12
"""A spread below this fraction of the values' magnitude is rounding noise, shown as 0."""


def mean_and_spread(values: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of finite values, a spread of rounding noise being 0.

    The standard deviation of identical values computed in floating point is
    not always 0 (``1.275`` twenty times gives ``2.2e-16``): a spread below
    :data:`ROUNDING_NOISE` times the values' magnitude is below their own
    precision and is returned as exactly 0, so a constant scalar reads
    ``1.275 ± 0``.

    Examples
    --------
    >>> mean, spread = mean_and_spread(np.full(20, 1.275))
    >>> f"{mean:.4g} ± {spread:.2g}"
    '1.275 ± 0'
    >>> mean_and_spread(np.array([1.0, 3.0]))
    (2.0, 1.0)
    """
    mean, spread = float(values.mean()), float(values.std())
    if spread <= ROUNDING_NOISE * float(np.abs(values).max()):
        spread = 0.0
    return mean, spread


def _plain_number(value: float) -> str:
    """4 significant digits, or the whole integer part: ``30056``, not ``3.006e+04``.

    After :func:`~scan_analysis.render.style.power_of_ten_label` a mean is
    under 10^5, as its axis' tick labels are.

    Examples
    --------
    >>> _plain_number(30056.3), _plain_number(7.25134), _plain_number(0.0)
    ('30056', '7.251', '0')
    """
    if not np.isfinite(value) or value == 0:
        return f"{value:.4g}"
    return f"{value:.{max(4, math.floor(math.log10(abs(value))) + 1)}g}"


def _plain_spread(value: float) -> str:
    """2 significant digits, written out: ``110``, not ``1.1e+02``.

    Examples
    --------
    >>> _plain_spread(114.9), _plain_spread(0.0342), _plain_spread(0.0), _plain_spread(7.0)
    ('110', '0.034', '0', '7')
    """
    if not np.isfinite(value) or abs(value) < 100:
        return f"{value:.2g}"
    return f"{round(value, 1 - math.floor(math.log10(abs(value)))):.0f}"


def _mean_and_spread_text(mean: float, spread: float) -> str:
    """``800.000 ± 0.034``: the mean written to the last digit its spread shows.

    Examples
    --------
    >>> _mean_and_spread_text(800.0003, 0.0342), _mean_and_spread_text(30056.3, 114.9)
    ('800.000 ± 0.034', '30056 ± 110')
    >>> _mean_and_spread_text(1.275, 0.0)
    '1.275 ± 0'
    """
    spread_text = _plain_spread(spread)
    if spread == 0 or "e" in spread_text or not np.isfinite(spread):
        return f"{_plain_number(mean)} ± {spread_text}"
    decimals = len(spread_text.partition(".")[2])
    return f"{mean:.{decimals}f} ± {spread_text}"


def save_scalar_histories(
    shots: Sequence[int],
    values: Mapping[str, Sequence[float]],
    path: Path,
    *,
    options: RenderOptions | None = None,
    **drawing: Any,
) -> Path:
    """:func:`draw_scalar_histories` written to ``path`` (atomically, at ``options.dpi``)."""
    options = options or RenderOptions()
    figure = draw_scalar_histories(shots, values, options=options, **drawing)
    return save(figure, path, dpi=options.dpi)


def draw_scalar_histories(
    shots: Sequence[int],
    values: Mapping[str, Sequence[float]],
    *,
    title: str,
    options: RenderOptions | None = None,
    saturated_shots: Collection[int] = (),
    partial: str | None = None,
) -> Figure:
    """Each scalar against shot number, with its mean ± std as a band.

    Shots in ``saturated_shots`` (saturated pixels) get a red open square
    (gid ``saturated-points``, legend "saturated shot").
    """
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
        label, power = power_of_ten_label(label, data)
        data = data * power
        axes.plot(shots, data, ".", color="C0")
        flagged = np.isin(np.asarray(shots), list(saturated_shots))
        if flagged.any():
            _mark_saturated_points(
                axes, np.asarray(shots)[flagged], data[flagged], label="saturated shot"
            )
            if index == 0:
                axes.legend(fontsize=8)
        finite = data[np.isfinite(data)]
        if finite.size:
            mean, std = mean_and_spread(finite)
            axes.axhline(mean, color="C1", lw=1)
            axes.axhspan(mean - std, mean + std, color="C1", alpha=0.15)
            axes.set_title(f"{label}: {_mean_and_spread_text(mean, std)}", fontsize=9)
        axes.set_ylabel(label)
        plain_tick_labels(axes)
        if index // columns == rows - 1 or index + columns >= len(names):
            axes.set_xlabel("shot number")
    set_figure_title(figure, title, partial=partial)
    return figure


def save_scalars_vs_parameter(
    parameter: Sequence[float],
    statistics: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    path: Path,
    *,
    options: RenderOptions | None = None,
    **drawing: Any,
) -> Path:
    """:func:`draw_scalars_vs_parameter` written to ``path`` (atomically, at ``options.dpi``)."""
    options = options or RenderOptions()
    figure = draw_scalars_vs_parameter(parameter, statistics, options=options, **drawing)
    return save(figure, path, dpi=options.dpi)


def draw_scalars_vs_parameter(
    parameter: Sequence[float],
    statistics: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    *,
    parameter_label: str,
    title: str,
    options: RenderOptions | None = None,
    saturated: Sequence[bool] | None = None,
    partial: str | None = None,
) -> Figure:
    """Bin means with standard-deviation error bars against the scan parameter.

    ``saturated`` flags, per parameter value, the bins that had shots with
    saturated pixels: their points get a red open square (gid
    ``saturated-points``, legend "bin with saturated shots").
    """
    options = options or RenderOptions()
    names = list(statistics)[: options.max_scalars]
    rows, columns = grid_shape(len(names))
    figure = Figure(
        figsize=options.figsize or (4.0 * columns, 2.8 * rows + 0.6), layout="constrained"
    )
    grid = figure.subplots(rows, columns, squeeze=False, sharex=True)
    parameter_label, x_power = power_of_ten_label(parameter_label, parameter)
    x = np.asarray(parameter, dtype=float) * x_power
    flagged = np.asarray(saturated, dtype=bool) if saturated is not None else None
    for index, axes in enumerate(grid.ravel()):
        if index >= len(names):
            axes.set_visible(False)
            continue
        label, factor = scalar_label(names[index], position_unit=options.position_unit)
        means, stds, counts = statistics[names[index]]
        label, power = power_of_ten_label(label, means * factor)
        factor *= power
        axes.errorbar(
            x,
            means * factor,
            yerr=np.nan_to_num(stds * factor),
            fmt="o-",
            ms=4,
            capsize=3,
            label="bin mean ± std",
        )
        if flagged is not None and flagged.any():
            _mark_saturated_points(
                axes, x[flagged], (means * factor)[flagged], label="bin with saturated shots"
            )
        axes.set_ylabel(label)
        plain_tick_labels(axes, "both")
        axes.grid(alpha=0.3)
        if index == 0:
            axes.legend(fontsize=8)
        if index // columns == rows - 1 or index + columns >= len(names):
            axes.set_xlabel(parameter_label)
    set_figure_title(figure, title, partial=partial)
    return figure
