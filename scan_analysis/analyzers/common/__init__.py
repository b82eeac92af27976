"""Scan analyzers for the common cases."""

from scan_analysis.analyzers.common.array1d import Array1DScanAnalyzer
from scan_analysis.analyzers.common.array2d import Array2DScanAnalyzer
from scan_analysis.analyzers.common.scatter_plotter import ScatterPlotterAnalysis
from scan_analysis.analyzers.common.single_device import SingleDeviceScanAnalyzer

__all__ = [
    "Array1DScanAnalyzer",
    "Array2DScanAnalyzer",
    "ScatterPlotterAnalysis",
    "SingleDeviceScanAnalyzer",
]
