"""Summary figures (matplotlib, Agg, no pyplot global state): logbook-ready PNGs.

One module per kind of figure: ``images`` (averaged image, montage),
``scalars`` (histories, scalars vs parameter), ``lines`` (waterfall, overlay, grid),
``animation`` (a no-scan's shots as a GIF),
``scatter`` (two s-file columns coloured by bin).

The names below are imported on first use (``from scan_analysis.render import
save_montage`` works as usual): importing this package, its ``jobs`` or its
``style`` helpers does not import matplotlib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scan_analysis.lazy_names import lazy_names

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from scan_analysis.render.images import (
        draw_average_image,
        draw_montage,
        save_average_image,
        save_montage,
    )
    from scan_analysis.render.jobs import FigureJob, RenderFunction, run_figure_job
    from scan_analysis.render.lines import save_line_grid, save_line_overlay, save_waterfall
    from scan_analysis.render.scalars import (
        draw_scalar_histories,
        draw_scalars_vs_parameter,
        save_scalar_histories,
        save_scalars_vs_parameter,
    )
    from scan_analysis.render.scatter import save_scatter
    from scan_analysis.render.style import RenderOptions

_MODULES = {
    "draw_average_image": "images",
    "draw_montage": "images",
    "save_average_image": "images",
    "save_montage": "images",
    "FigureJob": "jobs",
    "RenderFunction": "jobs",
    "run_figure_job": "jobs",
    "save_line_grid": "lines",
    "save_line_overlay": "lines",
    "save_waterfall": "lines",
    "draw_scalar_histories": "scalars",
    "draw_scalars_vs_parameter": "scalars",
    "save_scalar_histories": "scalars",
    "save_scalars_vs_parameter": "scalars",
    "save_scatter": "scatter",
    "RenderOptions": "style",
}

__all__ = [
    "FigureJob",
    "RenderFunction",
    "RenderOptions",
    "draw_average_image",
    "draw_montage",
    "draw_scalar_histories",
    "draw_scalars_vs_parameter",
    "run_figure_job",
    "save_average_image",
    "save_line_grid",
    "save_line_overlay",
    "save_montage",
    "save_scalar_histories",
    "save_scalars_vs_parameter",
    "save_scatter",
    "save_waterfall",
]


__getattr__, __dir__ = lazy_names(__name__, _MODULES)
