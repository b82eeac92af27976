"""The library's figures by reference, for figure jobs built where matplotlib is not needed.

Each name is a :class:`~scan_analysis.render.jobs.RenderFunction` of the function of
the same name: the analyzers build their figure jobs from these, so a process that
hands its figures to worker processes never imports matplotlib itself (about half
a second of a fresh process's start); the process that draws imports it.
"""

from __future__ import annotations

from scan_analysis.render.jobs import RenderFunction

_IMAGES = "scan_analysis.render.images"
_LINES = "scan_analysis.render.lines"
_SCALARS = "scan_analysis.render.scalars"

save_average_image = RenderFunction(_IMAGES, "save_average_image")
save_montage = RenderFunction(_IMAGES, "save_montage")
save_line_grid = RenderFunction(_LINES, "save_line_grid")
save_line_overlay = RenderFunction(_LINES, "save_line_overlay")
save_waterfall = RenderFunction(_LINES, "save_waterfall")
save_scalar_histories = RenderFunction(_SCALARS, "save_scalar_histories")
save_scalars_vs_parameter = RenderFunction(_SCALARS, "save_scalars_vs_parameter")
