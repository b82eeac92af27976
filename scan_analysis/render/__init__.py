"""Summary figures (matplotlib, Agg, no pyplot global state): logbook-ready PNGs.

One module per kind of figure: ``images`` (averaged image, montage),
``scalars`` (histories, scalars vs parameter), ``lines`` (waterfall, overlay, grid),
``animation`` (a no-scan's shots as a GIF),
``scatter`` (two s-file columns coloured by bin).
"""

from scan_analysis.render.images import (
    draw_average_image,
    draw_montage,
    save_average_image,
    save_montage,
)
from scan_analysis.render.jobs import FigureJob, run_figure_job
from scan_analysis.render.lines import save_line_grid, save_line_overlay, save_waterfall
from scan_analysis.render.scalars import (
    draw_scalar_histories,
    draw_scalars_vs_parameter,
    save_scalar_histories,
    save_scalars_vs_parameter,
)
from scan_analysis.render.scatter import save_scatter
from scan_analysis.render.style import RenderOptions

__all__ = [
    "FigureJob",
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
