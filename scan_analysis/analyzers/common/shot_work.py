"""The work sent to executor workers: a chunk of one bin's shots in, partial sums out.

Workers return per-shot scalars, the bin's partial image (or trace) sum and,
for traces, the per-shot lines a no-scan waterfall needs; never one array per
shot, so the parent's memory grows with bins, not shots.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scan_analysis.image.base import ImageAnalyzer

logger = logging.getLogger(__name__)


@dataclass
class ShotChunk:
    """Shots of one bin, analysed together by one worker call."""

    analyzer: ImageAnalyzer
    bin: int
    shots: list[tuple[int, Path]]
    mode: str = "per_shot"
    keep_lines: bool = False


@dataclass
class ChunkResult:
    """What a worker sends back for a chunk."""

    bin: int
    scalars: dict[int, dict[str, float]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    array_sum: np.ndarray | None = None
    x: np.ndarray | None = None
    count: int = 0
    offset: tuple[int, int] = (0, 0)
    lines: dict[int, np.ndarray] = field(default_factory=dict)


def _add(result: ChunkResult, array: np.ndarray, *, is_trace: bool) -> None:
    if is_trace:
        x, y = array[0], array[1]
        if result.x is None:
            result.x = np.asarray(x, dtype=np.float64)
        elif x.shape != result.x.shape or not np.allclose(x, result.x):
            y = np.interp(result.x, x, y)
        array = np.asarray(y, dtype=np.float32)
    if result.array_sum is None:
        result.array_sum = np.array(array, dtype=np.float32, copy=True)
    elif result.array_sum.shape != array.shape:
        raise ValueError(
            f"shot shape {array.shape} differs from the bin's {result.array_sum.shape}"
        )
    else:
        result.array_sum += array
    result.count += 1


def analyze_chunk(chunk: ShotChunk) -> ChunkResult:
    """Read and analyse (``per_shot``) or read and sum (``per_bin``) a chunk of shots.

    A shot that cannot be read or analysed is recorded in ``errors`` with a
    message naming its file; the rest of the chunk goes on.
    """
    analyzer = chunk.analyzer
    is_trace = analyzer.kind == "1d"
    result = ChunkResult(bin=chunk.bin)
    for shot, path in chunk.shots:
        try:
            data = analyzer.load(path)
            if chunk.mode == "per_bin":
                _add(result, data if not is_trace else data[:2], is_trace=is_trace)
                continue
            analysed = analyzer.analyze_image(data)
            result.scalars[shot] = {name: float(value) for name, value in analysed.scalars.items()}
            _add(result, analysed.processed, is_trace=is_trace)
            result.offset = tuple(analyzer.context.offset)  # type: ignore[assignment]
            if chunk.keep_lines and is_trace:
                result.lines[shot] = np.asarray(analysed.processed[1], dtype=np.float32)
        except Exception as error:  # one bad shot never stops the scan
            message = (
                str(error)
                if str(path) in str(error)
                else f"{path}: {type(error).__name__}: {error}"
            )
            result.errors[shot] = message
    return result
