"""Analyzers specific to the Undulator experiment."""

from scan_analysis.analyzers.Undulator.beam_charge_correlation import BeamChargeCorrelation

__all__ = ["BeamChargeCorrelation"]
