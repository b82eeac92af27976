"""Config system: diagnostic and group YAML, loader, per-shot analyzer builder.

Scan analyzers are built by :func:`scan_analysis.analyzers.create_diagnostic_analyzer`.
"""

from scan_analysis.config.analysis_group_loader import ConfigTree
from scan_analysis.config.diagnostic_factory import create_image_analyzer
from scan_analysis.config.diagnostic_models import (
    AnalysisGroupConfig,
    AnalyzerRef,
    DiagnosticAnalysisConfig,
    ImageAnalyzerSpec,
    ResolvedDiagnosticConfig,
    ScanAnalyzerSpec,
    ScanRuntimeConfig,
    load_diagnostic_config,
    load_group_config,
)

__all__ = [
    "AnalysisGroupConfig",
    "AnalyzerRef",
    "ConfigTree",
    "DiagnosticAnalysisConfig",
    "ImageAnalyzerSpec",
    "ResolvedDiagnosticConfig",
    "ScanAnalyzerSpec",
    "ScanRuntimeConfig",
    "create_image_analyzer",
    "load_diagnostic_config",
    "load_group_config",
]
