"""The per-shot layer: one image or trace in, a processed array and named scalars out."""

from scan_analysis.image.base import ImageAnalyzer
from scan_analysis.image.basic_analyzers import BasicImageAnalyzer, BasicLineAnalyzer
from scan_analysis.image.beam_analyzer import BeamAnalyzer
from scan_analysis.image.line_analyzer import LineAnalyzer
from scan_analysis.image.pipeline import PipelineContext, process_image, process_line
from scan_analysis.image.result import ImageAnalyzerResult

__all__ = [
    "BasicImageAnalyzer",
    "BasicLineAnalyzer",
    "BeamAnalyzer",
    "ImageAnalyzer",
    "ImageAnalyzerResult",
    "LineAnalyzer",
    "PipelineContext",
    "process_image",
    "process_line",
]
