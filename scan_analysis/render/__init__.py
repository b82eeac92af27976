"""Summary figures (matplotlib, Agg, no pyplot global state): logbook-ready PNGs.

One module per kind of figure: ``images`` (averaged image, montage),
``scalars`` (histories, scalars vs parameter), ``lines`` (waterfall, overlay),
``scatter`` (two s-file columns coloured by bin).
"""

from scan_analysis.render.images import save_average_image, save_montage
from scan_analysis.render.jobs import FigureJob, run_figure_job
from scan_analysis.render.lines import save_line_overlay, save_waterfall
from scan_analysis.render.scalars import save_scalar_histories, save_scalars_vs_parameter
from scan_analysis.render.scatter import save_scatter
from scan_analysis.render.style import RenderOptions

__all__ = [
    "FigureJob",
    "RenderOptions",
    "run_figure_job",
    "save_average_image",
    "save_line_overlay",
    "save_montage",
    "save_scalar_histories",
    "save_scalars_vs_parameter",
    "save_scatter",
    "save_waterfall",
]
