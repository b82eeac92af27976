"""Scan analyzers, and the factory building them from configs."""

from scan_analysis.analyzers.factory import create_diagnostic_analyzer

__all__ = ["create_diagnostic_analyzer"]
