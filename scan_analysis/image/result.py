"""What analysing one shot gives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class ImageAnalyzerResult:
    """The outcome of analysing one shot.

    Attributes
    ----------
    processed : ndarray
        The processed image (2-D) or trace (``[x, y]``).
    scalars : dict
        Named scalars (become s-file columns ``{output_name}_{name}{metric_suffix}``).
    lineouts : dict
        Named 1-D arrays (projections, profiles) for figures.
    overlays : dict
        Data to draw over the image (centroid, ellipse...).
    offset : (int, int), optional
        ``(x, y)`` of ``processed``'s origin in the raw frame (after an ROI).
        Analyzers may leave it None: :meth:`ImageAnalyzer.analyze_shot` fills
        it in from the pipeline.
    metadata : dict
        Anything else about the shot the analyzer wants kept (small, picklable:
        it travels from the worker process); kept per shot by the scan analyzer.
    warnings : list of str
        Problems with this shot that did not stop its analysis ("fit did not
        converge"); the scan's log and outcome message report them, per message
        with the shots it concerned.
    """

    processed: np.ndarray
    scalars: dict[str, float] = field(default_factory=dict)
    lineouts: dict[str, np.ndarray] = field(default_factory=dict)
    overlays: dict[str, Any] = field(default_factory=dict)
    offset: tuple[int, int] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
