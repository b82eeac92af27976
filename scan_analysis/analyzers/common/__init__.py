"""Scan analyzers for the common cases.

The analyzers are imported on first use (``from scan_analysis.analyzers.common
import Array2DScanAnalyzer`` works as usual), so a worker process that only
unpickles the per-shot work (:mod:`.shot_work`) does not import pandas,
matplotlib and the scan layer it never uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scan_analysis.analyzers.common.array1d import Array1DScanAnalyzer
    from scan_analysis.analyzers.common.array2d import Array2DScanAnalyzer
    from scan_analysis.analyzers.common.scatter_plotter import ScatterPlotterAnalysis
    from scan_analysis.analyzers.common.single_device import SingleDeviceScanAnalyzer

_MODULES = {
    "Array1DScanAnalyzer": "array1d",
    "Array2DScanAnalyzer": "array2d",
    "ScatterPlotterAnalysis": "scatter_plotter",
    "SingleDeviceScanAnalyzer": "single_device",
}

__all__ = [
    "Array1DScanAnalyzer",
    "Array2DScanAnalyzer",
    "ScatterPlotterAnalysis",
    "SingleDeviceScanAnalyzer",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
