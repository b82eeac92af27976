"""scan-analysis: analyse whole GEECS experimental scans.

The library is importable without Jupyter. The most used names::

    from scan_analysis import ScanTag
    from scan_analysis.analyzers.common import Array2DScanAnalyzer
"""

from scan_analysis.data.scan_tag import ScanTag

__all__ = ["ScanTag", "__version__"]
__version__ = "0.1.0"
