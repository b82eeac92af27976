"""Figures as picklable jobs, so a scan's figures can be drawn in parallel on its workers."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RenderFunction:
    """A render function named by its module, imported in the process that draws.

    The analyzers refer to their figures this way, so that a process which only
    hands figure jobs to its workers never imports matplotlib (about half a
    second of a fresh process's start).

    Examples
    --------
    >>> RenderFunction("scan_analysis.render.images", "save_montage")
    RenderFunction('scan_analysis.render.images', 'save_montage')
    """

    module: str
    name: str

    def __call__(self, *args: Any, **kwargs: Any) -> Path:
        return getattr(importlib.import_module(self.module), self.name)(*args, **kwargs)

    def __repr__(self) -> str:
        return f"RenderFunction({self.module!r}, {self.name!r})"


@dataclass
class FigureJob:
    """One figure to draw: a render function (module level, or a :class:`RenderFunction`)
    and its arguments."""

    function: Callable[..., Path]
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


def run_figure_job(indexed_job: tuple[int, FigureJob]) -> tuple[int, Path]:
    """Draw one figure; returns its index and path (for executors' unordered results)."""
    index, job = indexed_job
    return index, job.function(*job.args, **job.kwargs)
