"""Scan analyzers for the common cases.

The analyzers are imported on first use (``from scan_analysis.analyzers.common
import Array2DScanAnalyzer`` works as usual), so a worker process that only
unpickles the per-shot work (:mod:`.shot_work`) does not import pandas,
matplotlib and the scan layer it never uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scan_analysis.lazy_names import lazy_names

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


__getattr__, __dir__ = lazy_names(__name__, _MODULES)
