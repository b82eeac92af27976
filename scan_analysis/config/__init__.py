"""Config system: diagnostic and group YAML, loader, factory."""

from scan_analysis.config.analysis_group_loader import ConfigTree
from scan_analysis.config.diagnostic_factory import (
    create_diagnostic_analyzer,
    create_image_analyzer,
)
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
    "create_diagnostic_analyzer",
    "create_image_analyzer",
    "load_diagnostic_config",
    "load_group_config",
]
