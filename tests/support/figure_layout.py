"""Mechanical layout checks of a rendered matplotlib figure (issue 15 item 7).

What a reader of a summary figure depends on, checked from the drawn figure's
own text bounding boxes: no text covers another, nothing is cut by the canvas,
every axis with tick labels names what it shows, every colour mapping has a
colour bar (or a legend) that explains it.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.text import Text
from matplotlib.transforms import Bbox

TOLERANCE_PX = 1.0
"""Bounding boxes may touch by this much (anti-aliasing, rounding)."""


def _shown(artist) -> bool:
    """Visible, with every parent axes visible."""
    if not artist.get_visible():
        return False
    axes = artist.axes
    return axes is None or axes.get_visible()


def visible_texts(figure: Figure, renderer) -> list[tuple[Text, Bbox]]:
    """Every drawn, non-empty text of the figure with its bounding box in pixels.

    Tick labels are taken from the ticks the axis draws (those in its view),
    the other texts from the figure's artists.
    """
    tick_labels: set[int] = set()
    drawn: list[Text] = []
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            for tick in [*axis.majorTicks, *axis.minorTicks]:
                tick_labels.update((id(tick.label1), id(tick.label2)))
            if not axes.get_visible() or not axis.get_visible():
                continue
            for tick in axis._update_ticks():  # the ticks drawn (matplotlib's own choice)
                drawn += [label for label in (tick.label1, tick.label2) if label.get_visible()]
    texts = [t for t in figure.findobj(Text) if id(t) not in tick_labels] + drawn
    found = []
    for text in texts:
        if not _shown(text) or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        if box.width > 0 and box.height > 0:
            found.append((text, box))
    return found


def _overlap(a: Bbox, b: Bbox) -> bool:
    return (
        min(a.x1, b.x1) - max(a.x0, b.x0) > TOLERANCE_PX
        and min(a.y1, b.y1) - max(a.y0, b.y0) > TOLERANCE_PX
    )


def _describe(text: Text) -> str:
    return repr(text.get_text()[:60])


def layout_problems(figure: Figure) -> list[str]:
    """Every layout problem of ``figure`` (empty when it reads well)."""
    if not isinstance(figure.canvas, FigureCanvasAgg):
        FigureCanvasAgg(figure)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    problems: list[str] = []
    texts = visible_texts(figure, renderer)
    canvas = figure.bbox
    for text, box in texts:
        if (
            box.x0 < canvas.x0 - TOLERANCE_PX
            or box.y0 < canvas.y0 - TOLERANCE_PX
            or box.x1 > canvas.x1 + TOLERANCE_PX
            or box.y1 > canvas.y1 + TOLERANCE_PX
        ):
            problems.append(f"text {_describe(text)} is cut by the canvas ({box} vs {canvas})")
    for (first, box1), (second, box2) in combinations(texts, 2):
        if _overlap(box1, box2):
            problems.append(f"texts {_describe(first)} and {_describe(second)} overlap")
    shown_axes = [(axes, axes.get_window_extent(renderer)) for axes in figure.axes if _shown(axes)]
    for text, box in texts:
        # figure titles and panel titles must not lie over a panel or colour bar
        owner = text.axes
        is_title = owner is not None and text in (
            owner.title,
            owner._left_title,
            owner._right_title,
        )
        if owner is not None and not is_title:
            continue
        for axes, area in shown_axes:
            if axes is not owner and _overlap(box, area):
                name = axes.get_title() or axes.get_label() or "(untitled)"
                problems.append(f"text {_describe(text)} lies over the axes {name!r}")
    colour_bar_axes = {getattr(axes, "_colorbar", None) and axes for axes in figure.axes} | {
        cb.ax for cb in _colour_bars(figure)
    }
    for axes in figure.axes:
        if not axes.get_visible():
            continue
        if axes in colour_bar_axes:
            bar = next(cb for cb in _colour_bars(figure) if cb.ax is axes)
            long_axis = axes.yaxis if bar.orientation == "vertical" else axes.xaxis
            if not long_axis.get_label_text().strip():
                problems.append("a colour bar has no label")
            continue
        problems += _axis_label_problems(axes, renderer)
        problems += _colour_mapping_problems(axes, figure)
    return problems


def _colour_bars(figure: Figure) -> list:
    bars = []
    for axes in figure.axes:
        for artist in [*axes.images, *axes.collections]:
            if isinstance(artist, ScalarMappable) and artist.colorbar is not None:
                bars.append(artist.colorbar)
    for axes in figure.axes:  # colour bars of free-standing mappables (line overlays)
        bar = getattr(axes, "_colorbar", None)
        if bar is not None and bar not in bars:
            bars.append(bar)
    return bars


def _axis_label_problems(axes: Axes, renderer) -> list[str]:
    problems = []
    for name, axis in (("x", axes.xaxis), ("y", axes.yaxis)):
        labelled_ticks = [
            tick
            for tick in axis.get_major_ticks()
            if tick.label1.get_visible() and tick.label1.get_text().strip()
        ]
        if labelled_ticks and not axis.get_label_text().strip():
            title = axes.get_title() or "(untitled)"
            problems.append(f"axes {title!r}: the {name} axis has tick labels but no label")
    return problems


def _colour_mapping_problems(axes: Axes, figure: Figure) -> list[str]:
    """Each image, mesh or colour-mapped scatter is explained by a colour bar or a legend."""
    problems = []
    bars = _colour_bars(figure)
    legend = axes.get_legend()
    for artist in [*axes.images, *axes.collections]:
        mapped = isinstance(artist, AxesImage) or (
            isinstance(artist, Collection) and artist.get_array() is not None
        )
        if not mapped or not _shown(artist):
            continue
        if artist.colorbar is not None:
            continue
        explained = any(
            bar.mappable.get_cmap().name == artist.get_cmap().name
            and tuple(bar.mappable.get_clim()) == tuple(artist.get_clim())
            for bar in bars
        )
        if not explained and legend is None:
            problems.append(
                f"axes {axes.get_title() or '(untitled)'!r}: a colour mapping "
                f"({type(artist).__name__}) has no colour bar or legend"
            )
    return problems


def save_artifact(figure: Figure, name: str, *, dpi: int = 110) -> Path:
    """Write the figure to ``tests/artifacts/{name}.png`` (git-ignored) for a person to look at."""
    folder = Path(__file__).resolve().parents[1] / "artifacts"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.png"
    figure.savefig(path, dpi=dpi)
    return path
