"""A shot (image or trace) as a PNG for ``ipywidgets.Image``, with labelled axes.

    png = array_to_png(image, title="UC_TopView shot 12", calibration=2.5e-5)
    ipywidgets.Image(value=png, format="png", layout={"width": "480px"})

Images get a colour bar (counts) and axes in camera pixels, or millimetres
when a spatial calibration is known; traces get their x and y units when the
config gives them (``metadata.x_units`` / ``y_units``). Figures are drawn with
matplotlib's object API (no pyplot state, safe from worker threads).
"""

from __future__ import annotations

import io
from typing import Any, Literal

import numpy as np
from matplotlib.figure import Figure

from scan_analysis.render.style import downsample_for_display

Kind = Literal["2d", "1d"]
DEFAULT_FIGSIZE = (5.6, 4.4)
DEFAULT_DPI = 100


def figure_to_png(figure: Figure, *, dpi: int = DEFAULT_DPI) -> bytes:
    """The figure as PNG bytes (the figure is not kept anywhere)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def display_options(image_config: Any) -> dict[str, Any]:
    """Units and calibration for display from an image/line config (:func:`array_to_png` keywords).

    Parameters
    ----------
    image_config : CameraConfig, LineConfig or None
        The ``image:`` block of an analyzer config.

    Examples
    --------
    >>> from scan_analysis.image.config.models import load_image_config
    >>> display_options(load_image_config({"type": "line", "metadata": {"x_units": "nm"}}))
    {'kind': '1d', 'x_units': 'nm'}
    """
    if image_config is None:
        return {}
    options: dict[str, Any] = {"kind": image_config.kind}
    metadata = getattr(image_config, "metadata", None)
    if metadata is not None:
        if image_config.kind == "2d" and metadata.spatial_calibration:
            options["calibration"] = metadata.spatial_calibration
        if metadata.x_units:
            options["x_units"] = metadata.x_units
        if metadata.y_units:
            options["y_units"] = metadata.y_units
    return options


def guess_kind(array: np.ndarray) -> Kind:
    """``"1d"`` for a trace (1-D, or the readers' ``(1 + k, n)`` x/y rows), else ``"2d"``.

    A reader's trace has its x values in row 0 and few rows; an image has many.
    Pass ``kind`` to :func:`array_to_png` when the config says which it is.

    Examples
    --------
    >>> guess_kind(np.zeros((2, 500))), guess_kind(np.zeros((96, 96)))
    ('1d', '2d')
    """
    if array.ndim == 1:
        return "1d"
    rows, columns = array.shape[:2]
    return "1d" if rows <= 8 and columns >= 4 * rows else "2d"


def _label(name: str, unit: str | None) -> str:
    return f"{name} ({unit})" if unit else name


def _limits(values: np.ndarray, vmin: float | None, vmax: float | None) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        low, high = 0.0, 1.0
    else:
        low, high = np.percentile(finite, [0.5, 99.9])
    low = float(low) if vmin is None else float(vmin)
    high = float(high) if vmax is None else float(vmax)
    return (low, high) if high > low else (low, low + 1.0)


def array_figure(
    array: np.ndarray,
    *,
    kind: Kind | None = None,
    title: str = "",
    calibration: float | None = None,
    offset: tuple[int, int] = (0, 0),
    x_units: str | None = None,
    y_units: str | None = None,
    value_label: str = "counts",
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    figsize: tuple[float, float] = DEFAULT_FIGSIZE,
) -> Figure:
    """Draw a shot: an image with a colour bar, or a trace (one line per y row).

    Parameters
    ----------
    array : ndarray
        A 2-D image, a ``(1 + k, n)`` trace (row 0 x, rows 1.. y) or a 1-D y array.
    kind : {"2d", "1d"}, optional
        Image or trace; guessed from the shape when absent (see :func:`guess_kind`).
    title : str
        Figure title (device, shot, raw/processed).
    calibration : float, optional
        Metres per pixel: image axes in mm instead of pixels.
    offset : (int, int)
        Full-sensor pixel of the array's corner (an ROI's x_min, y_min).
    x_units, y_units : str, optional
        A trace's units (``"nm"``, ``"counts"``).
    value_label : str
        Colour-bar label of an image.
    cmap, vmin, vmax :
        Colour scale of an image (default limits: 0.5 and 99.9 percentiles).
    figsize : (float, float)
        Size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        The drawn figure (not registered with pyplot).

    Raises
    ------
    ValueError
        For an empty array or one with more than two dimensions.
    """
    array = np.asarray(array)
    if array.size == 0 or array.ndim not in (1, 2):
        raise ValueError(
            f"cannot draw an array of shape {array.shape}: expected a 2-D image or a trace"
        )
    kind = kind or guess_kind(array)
    figure = Figure(figsize=figsize, layout="constrained")
    axes = figure.add_subplot()
    if kind == "1d":
        _draw_trace(axes, array, x_units=x_units, y_units=y_units)
    else:
        _draw_image(
            figure,
            axes,
            np.atleast_2d(array),
            calibration=calibration,
            offset=offset,
            value_label=value_label,
            cmap=cmap,
            vmin=vmin,
            vmax=vmax,
        )
    if title:
        axes.set_title(title, fontsize=10)
    return figure


def array_to_png(array: np.ndarray, *, dpi: int = DEFAULT_DPI, **options: Any) -> bytes:
    """The PNG of :func:`array_figure` (same keywords), for ``ipywidgets.Image``.

    Examples
    --------
    >>> array_to_png(np.arange(12.0).reshape(3, 4), title="test")[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    return figure_to_png(array_figure(array, **options), dpi=dpi)


def _draw_trace(axes, array: np.ndarray, *, x_units: str | None, y_units: str | None) -> None:
    if array.ndim == 1:
        x, ys = np.arange(array.size), array[np.newaxis, :]
        x_name = "sample"
    else:
        x, ys = array[0], array[1:]
        x_name = "x"
    for row in np.atleast_2d(ys):
        axes.plot(x, row, linewidth=1.0)
    axes.set_xlabel(_label(x_name, x_units))
    axes.set_ylabel(_label("signal", y_units or "arb. units"))
    axes.grid(True, alpha=0.3)


def _draw_image(
    figure: Figure,
    axes,
    image: np.ndarray,
    *,
    calibration: float | None,
    offset: tuple[int, int],
    value_label: str,
    cmap: str,
    vmin: float | None,
    vmax: float | None,
) -> None:
    values = image.astype(float, copy=False)
    low, high = _limits(values, vmin, vmax)
    height, width = values.shape
    x0, y0 = offset
    if calibration:
        scale, unit = calibration * 1e3, "mm"
        extent = [x0 * scale, (x0 + width) * scale, (y0 + height) * scale, y0 * scale]
    else:
        unit = "px"
        extent = [x0 - 0.5, x0 + width - 0.5, y0 + height - 0.5, y0 - 0.5]
    shown = axes.imshow(
        downsample_for_display(values, max_pixels=640)[0],
        cmap=cmap,
        vmin=low,
        vmax=high,
        extent=extent,
        interpolation="nearest",
    )
    figure.colorbar(shown, ax=axes).set_label(value_label)
    axes.set_xlabel(_label("x", unit))
    axes.set_ylabel(_label("y", unit))
