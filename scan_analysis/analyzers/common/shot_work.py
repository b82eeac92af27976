"""The work sent to executor workers: a chunk of one bin's shots in, partial sums out.

Workers return per-shot scalars, the bin's partial image (or trace) sums, one
per shape, for traces the per-shot lines a no-scan waterfall needs, and for a
no-scan's animation the small frames of the shots asked for (at most
``max_frames`` of them); never a full array per shot, so the parent's memory
grows with bins, not shots.

Each shot has exactly one outcome: either everything it gives (scalars, its
share of the sums, its line) is recorded, or nothing is and it is a
:class:`ShotFailure`.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scan_analysis import shared_sums
from scan_analysis.accumulators import ArraySum, Shape
from scan_analysis.errors import ScanAnalysisError
from scan_analysis.image.animation_frames import shrink_to_frame
from scan_analysis.image.base import ImageAnalyzer

logger = logging.getLogger(__name__)


@dataclass
class ShotChunk:
    """Shots of one bin, analysed together by one worker call.

    ``frame_shots`` are the shots whose animation frame (the processed image
    shrunk to ``frame_side`` pixels, :func:`shrink_to_frame`) comes back too.
    With ``sums_folder`` (a shared-memory folder of the parent's,
    :mod:`scan_analysis.shared_sums`) the chunk's sums come back as files there.
    """

    analyzer: ImageAnalyzer
    bin: int
    shots: list[tuple[int, Path]]
    mode: str = "per_shot"
    keep_lines: bool = False
    frame_shots: frozenset[int] = frozenset()
    frame_side: int = 0
    sums_folder: Path | None = None


@dataclass
class ShotFailure:
    """Why one shot gave no result.

    Attributes
    ----------
    message : str
        What went wrong, naming the shot's file.
    unreadable : bool
        The file could not be read (a data problem) rather than the analyzer failing.
    traceback : str, optional
        The worker's traceback, for failures that are not a plain bad file.
    """

    message: str
    unreadable: bool = False
    traceback: str | None = None


@dataclass
class ChunkResult:
    """What a worker sends back for a chunk.

    ``sums``, ``x`` and ``offsets`` are keyed by the shape of the summed arrays
    (images: ``(height, width)``; traces: ``(samples,)``).
    """

    bin: int
    scalars: dict[int, dict[str, float]] = field(default_factory=dict)
    failures: dict[int, ShotFailure] = field(default_factory=dict)
    sums: dict[Shape, ArraySum] = field(default_factory=dict)
    x: dict[Shape, np.ndarray] = field(default_factory=dict)
    offsets: dict[Shape, tuple[int, int]] = field(default_factory=dict)
    shapes: dict[int, Shape] = field(default_factory=dict)
    lines: dict[int, np.ndarray] = field(default_factory=dict)
    saturated: dict[int, float] = field(default_factory=dict)
    """``per_bin`` mode: each camera shot's saturated-pixel count (per_shot: in ``scalars``)."""
    warnings: dict[int, list[str]] = field(default_factory=dict)
    """The analyzer's ``ImageAnalyzerResult.warnings`` of each shot that had any."""
    metadata: dict[int, dict] = field(default_factory=dict)
    """The analyzer's ``ImageAnalyzerResult.metadata`` of each shot that had any."""
    frames: dict[int, np.ndarray] = field(default_factory=dict)
    """Animation frames (float32, data units) of the chunk's ``frame_shots`` that were analysed."""
    sum_files: dict[Shape, shared_sums.SumInFile] = field(default_factory=dict)
    """Sums waiting in shared memory (their ``sums`` entry has the count, no total yet)."""

    @property
    def finished(self) -> int:
        """Shots of the chunk done, one way or the other."""
        return len(self.shapes) + len(self.failures)

    def hand_over_sums(self, folder: Path, name: str) -> None:
        """Move the sums into files in ``folder`` (in a worker); those that do not fit stay."""
        for shape, partial in self.sums.items():
            if partial.total is None:
                continue
            stored = shared_sums.put(partial.total, folder / f"{name}-{_shape_text(shape)}.sum")
            if stored is not None:
                self.sum_files[shape] = stored
                partial.total = None

    def take_sums(self) -> None:
        """Read the sums handed over in files back into ``sums`` (in the parent).

        Raises
        ------
        OSError
            A file is gone or short; every file of the chunk is deleted still, and
            ``sums`` keeps only what was read.
        """
        failed: OSError | None = None
        for shape, stored in self.sum_files.items():
            try:
                self.sums[shape].total = shared_sums.take(stored)
            except OSError as error:
                failed = failed or error
                del self.sums[shape]
        self.sum_files = {}
        if failed is not None:
            raise failed


def _shape_text(shape: Shape) -> str:
    return "x".join(str(n) for n in shape)


@dataclass
class _ShotArray:
    """One shot's array, checked and converted, ready to be added to the sums."""

    shape: Shape
    values: np.ndarray
    x: np.ndarray | None = None


def _prepare(array: np.ndarray, *, is_trace: bool) -> _ShotArray:
    """Check and convert a shot's array without touching the chunk's sums (may raise)."""
    array = np.asarray(array)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"the processed data is {array.dtype} ({array.dtype.kind}), not numbers")
    if is_trace:
        if array.ndim != 2 or array.shape[0] < 2:
            raise ValueError(f"a processed trace must be [x, y] rows, not shape {array.shape}")
        x = np.asarray(array[0], dtype=np.float64)
        y = np.asarray(array[1], dtype=np.float32)
        return _ShotArray((y.size,), y, x)
    if array.ndim != 2:
        raise ValueError(f"a processed image must be 2-D, not shape {array.shape}")
    return _ShotArray(array.shape, np.asarray(array, dtype=np.float32))


def _on_chunk_grid(result: ChunkResult, prepared: _ShotArray) -> _ShotArray:
    """A trace resampled onto the x of the chunk's earlier traces of its length, if it differs."""
    reference = result.x.get(prepared.shape)
    if prepared.x is None or reference is None or np.allclose(prepared.x, reference):
        return prepared
    values = np.interp(reference, prepared.x, prepared.values).astype(np.float32)
    return _ShotArray(prepared.shape, values, reference)


def _add(result: ChunkResult, prepared: _ShotArray, offset: tuple[int, int]) -> None:
    """Add a prepared shot to the sum of its shape (cannot fail: shapes match by key)."""
    if prepared.x is not None:
        result.x.setdefault(prepared.shape, prepared.x)
    result.offsets.setdefault(prepared.shape, offset)
    # a chunk holds a few shots: summed in float32 (their precision), the scan's sum is float64
    result.sums.setdefault(prepared.shape, ArraySum(dtype=np.float32)).add(prepared.values)


def _describe(path: Path, error: BaseException) -> str:
    text = str(error)
    return text if str(path) in text else f"{path}: {type(error).__name__}: {error}"


def analyze_chunk(chunk: ShotChunk) -> ChunkResult:
    """Read and analyse (``per_shot``) or read and sum (``per_bin``) a chunk of shots.

    A shot that cannot be read or analysed is recorded in ``failures`` with a
    message naming its file (and the traceback when the analyzer, not the
    file, failed); the rest of the chunk goes on.
    """
    analyzer = chunk.analyzer
    is_trace = analyzer.kind == "1d"
    result = ChunkResult(bin=chunk.bin)
    for shot, path in chunk.shots:
        try:
            data = analyzer.load(path)
        except Exception as error:  # a bad file never stops the scan
            known = isinstance(error, ScanAnalysisError)
            result.failures[shot] = ShotFailure(
                _describe(path, error), unreadable=True, traceback=None if known else _trace()
            )
            continue
        try:
            offset: tuple[int, int] = (0, 0)
            scalars = None
            saturated = None
            warnings: list[str] = []
            metadata: dict = {}
            if chunk.mode == "per_bin":
                prepared = _prepare(data, is_trace=is_trace)
                saturated = analyzer.saturated_pixels(data)  # a per-shot fact, on the raw frame
            else:
                analysed = analyzer.analyze_shot(data)
                scalars = {name: float(value) for name, value in analysed.scalars.items()}
                prepared = _prepare(analysed.processed, is_trace=is_trace)
                offset = tuple(analysed.offset or (0, 0))  # type: ignore[assignment]
                warnings = [str(w) for w in (getattr(analysed, "warnings", None) or [])]
                metadata = dict(getattr(analysed, "metadata", None) or {})
            prepared = _on_chunk_grid(result, prepared)
        except Exception as error:  # an analyzer failing on one shot never stops the scan
            result.failures[shot] = ShotFailure(_describe(path, error), traceback=_trace())
            continue
        frame = _frame(chunk, shot, data, prepared) if shot in chunk.frame_shots else None
        # everything for this shot is known: record all of it, and only now
        _add(result, prepared, offset)
        result.shapes[shot] = prepared.shape
        if scalars is not None:
            result.scalars[shot] = scalars
        if saturated is not None:
            result.saturated[shot] = float(saturated)
        if warnings:
            result.warnings[shot] = warnings
        if metadata:
            result.metadata[shot] = metadata
        if chunk.keep_lines and is_trace:
            result.lines[shot] = prepared.values
        if frame is not None:
            result.frames[shot] = frame
    if chunk.sums_folder is not None and chunk.shots:
        result.hand_over_sums(chunk.sums_folder, f"bin{chunk.bin}-shot{chunk.shots[0][0]}")
    return result


def _frame(
    chunk: ShotChunk, shot: int, data: np.ndarray, prepared: _ShotArray
) -> np.ndarray | None:
    """The shot's animation frame; None when it cannot be made (the shot's analysis stands).

    ``per_shot``: the processed image the analysis already made. ``per_bin``
    sums raw shots, so the frame's shot is processed here (its only processing).
    """
    try:
        image = prepared.values if chunk.mode == "per_shot" else chunk.analyzer.process(data).data
        return shrink_to_frame(image, chunk.frame_side)
    except Exception as error:  # a frame is a picture: it never fails the shot
        logger.warning("shot %d: no animation frame (%s: %s)", shot, type(error).__name__, error)
        return None


def _trace() -> str:
    return traceback.format_exc()
