"""Figures as picklable jobs, so a scan's figures can be drawn in parallel on its workers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class FigureJob:
    """One figure to draw: a render function (module level) and its arguments."""

    function: Callable[..., Path]
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


def run_figure_job(indexed_job: tuple[int, FigureJob]) -> tuple[int, Path]:
    """Draw one figure; returns its index and path (for executors' unordered results)."""
    index, job = indexed_job
    return index, job.function(*job.args, **job.kwargs)
