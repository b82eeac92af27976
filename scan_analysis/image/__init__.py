"""The per-shot layer: one image or trace in, a processed array and named scalars out."""

from scan_analysis.image.base import ImageAnalyzer
from scan_analysis.image.basic_analyzers import BasicImageAnalyzer, BasicLineAnalyzer
from scan_analysis.image.beam_analyzer import BeamAnalyzer
from scan_analysis.image.config import CameraConfig, ImageConfig, LineConfig, load_image_config
from scan_analysis.image.line_analyzer import LineAnalyzer
from scan_analysis.image.pipeline import (
    PipelineContext,
    process_image,
    process_line,
    run_pipeline,
)
from scan_analysis.image.result import ImageAnalyzerResult

__all__ = [
    "BasicImageAnalyzer",
    "BasicLineAnalyzer",
    "BeamAnalyzer",
    "CameraConfig",
    "ImageAnalyzer",
    "ImageAnalyzerResult",
    "ImageConfig",
    "LineAnalyzer",
    "LineConfig",
    "PipelineContext",
    "load_image_config",
    "process_image",
    "process_line",
    "run_pipeline",
]
