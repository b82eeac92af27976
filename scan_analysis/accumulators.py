"""Per-bin accumulators: consume per-shot results one at a time, summarise at the end.

Like bluesky's callbacks, each accumulator has ``start``, ``event`` (here
``add``/``merge``) and ``stop`` (``summary``) steps, and holds only running
sums, so memory grows with the number of bins, not shots.

Shots of one scan do not always share a shape (a camera's ROI changed
mid-scan, a scope saved a shorter trace). Arrays are summed per shape
(:class:`ShapedSums`); once every shot is in, :meth:`ScanAccumulator.keep_shape`
keeps the scan's majority shape for the bin averages and says how many shots
were left out, so one odd shot never stops a scan.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np


@dataclass
class RunningStats:
    """Count, mean and variance of one scalar (Welford/Chan merge)."""

    count: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def add(self, value: float) -> None:
        """Add one finite value (NaN is ignored)."""
        if value is None or not math.isfinite(value):
            return
        self.count += 1
        delta = value - self.mean
        self.mean += delta / self.count
        self.m2 += delta * (value - self.mean)

    def merge(self, other: RunningStats) -> None:
        """Combine with another accumulator's statistics."""
        if other.count == 0:
            return
        total = self.count + other.count
        delta = other.mean - self.mean
        self.mean += delta * other.count / total
        self.m2 += other.m2 + delta**2 * self.count * other.count / total
        self.count = total

    @property
    def std(self) -> float:
        """Sample standard deviation (NaN below two values)."""
        return math.sqrt(self.m2 / (self.count - 1)) if self.count > 1 else float("nan")

    @property
    def sem(self) -> float:
        """Standard error of the mean."""
        return self.std / math.sqrt(self.count) if self.count > 1 else float("nan")

    @property
    def value(self) -> float:
        """The mean (NaN when empty)."""
        return self.mean if self.count else float("nan")


@dataclass
class ArraySum:
    """Running sum of same-shaped arrays (images or traces) for an average.

    ``dtype`` is the sum's precision: float64 for a scan's sums; a worker's sum
    of a few float32 shots can be float32 (adding float32 to float64 is about
    ten times slower than float32 to float32, and the sum travels to the parent
    at half the size).
    """

    total: np.ndarray | None = None
    count: int = 0
    dtype: type = np.float64
    _average: tuple[np.ndarray, int, np.ndarray] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    """The sum array and count the last average was computed from, and the average."""

    def add(self, array: np.ndarray, count: int = 1) -> None:
        """Add an array (or a partial sum of ``count`` arrays)."""
        self._average = None
        if self.total is None:
            self.total = np.array(array, dtype=self.dtype, copy=True)
        elif self.total.shape != array.shape:
            raise ValueError(f"shape {array.shape} differs from the bin's {self.total.shape}")
        else:
            self.total += array
        self.count += count

    def merge(self, other: ArraySum) -> None:
        """Combine with another running sum."""
        if other.total is not None:
            self.add(other.total, other.count)

    @property
    def average(self) -> np.ndarray | None:
        """The mean array (float32, read-only), or None when nothing was added.

        Computed once until more is added: the figures and the saved averages
        of a scan share it.
        """
        if self.total is None or self.count == 0:
            return None
        cached = self._average
        if cached is None or cached[0] is not self.total or cached[1] != self.count:
            average = np.empty(self.total.shape, dtype=np.float32)
            np.divide(self.total, self.count, out=average)  # float64 quotient, rounded once
            average.flags.writeable = False
            self._average = cached = (self.total, self.count, average)
        return cached[2]


Shape = tuple[int, ...]


@dataclass
class ShapedSums:
    """Running sums of arrays that may differ in shape: one :class:`ArraySum` per shape.

    ``total``, ``count`` and ``average`` describe the most common shape (the
    only one left after :meth:`keep_only`).

    Examples
    --------
    >>> sums = ShapedSums()
    >>> sums.add(np.ones((2, 2))); sums.add(np.full((2, 2), 3.0)); sums.add(np.ones((3, 3)))
    >>> sums.counts
    {(2, 2): 2, (3, 3): 1}
    >>> sums.keep_only((2, 2)), sums.average.tolist()
    (1, [[2.0, 2.0], [2.0, 2.0]])
    """

    by_shape: dict[Shape, ArraySum] = field(default_factory=dict)

    def add(self, array: np.ndarray, count: int = 1) -> None:
        """Add an array (or a partial sum of ``count`` arrays) to the sum of its shape."""
        self.by_shape.setdefault(tuple(np.shape(array)), ArraySum()).add(array, count)

    def merge(self, other: ShapedSums | ArraySum) -> None:
        """Combine with another running sum (of one or several shapes)."""
        partials = other.by_shape.values() if isinstance(other, ShapedSums) else [other]
        for partial in partials:
            if partial.total is not None:
                self.add(partial.total, partial.count)

    @property
    def counts(self) -> dict[Shape, int]:
        """How many arrays of each shape were added."""
        return {shape: sums.count for shape, sums in self.by_shape.items()}

    def keep_only(self, shape: Shape | None) -> int:
        """Drop the sums of every other shape; returns how many arrays were dropped."""
        dropped = sum(sums.count for key, sums in self.by_shape.items() if key != shape)
        self.by_shape = {key: sums for key, sums in self.by_shape.items() if key == shape}
        return dropped

    @property
    def _main(self) -> ArraySum:
        if not self.by_shape:
            return ArraySum()
        return max(self.by_shape.values(), key=lambda sums: sums.count)

    @property
    def total(self) -> np.ndarray | None:
        """The running sum of the most common shape (None when empty)."""
        return self._main.total

    @property
    def count(self) -> int:
        """How many arrays of the most common shape were added."""
        return self._main.count

    @property
    def average(self) -> np.ndarray | None:
        """The mean array of the most common shape, or None when nothing was added."""
        return self._main.average


@dataclass
class BinAccumulator:
    """Everything kept for one bin: scalar statistics and the average array."""

    scalars: dict[str, RunningStats] = field(default_factory=dict)
    image: ShapedSums = field(default_factory=ShapedSums)
    shots: int = 0
    failed: int = 0

    def add_scalars(self, values: Mapping[str, float]) -> None:
        """Add one shot's scalars."""
        self.shots += 1
        for name, value in values.items():
            self.scalars.setdefault(name, RunningStats()).add(float(value))

    def merge(self, other: BinAccumulator) -> None:
        """Combine with a partial accumulator from a worker."""
        for name, stats in other.scalars.items():
            self.scalars.setdefault(name, RunningStats()).merge(stats)
        self.image.merge(other.image)
        self.shots += other.shots
        self.failed += other.failed


class ScanAccumulator:
    """Per-bin accumulators of a scan, keyed by bin number."""

    def __init__(self) -> None:
        self.bins: dict[int, BinAccumulator] = {}

    def bin(self, number: int) -> BinAccumulator:
        """The accumulator of one bin (created on first use)."""
        return self.bins.setdefault(number, BinAccumulator())

    def merge(self, partial: Mapping[int, BinAccumulator]) -> None:
        """Fold in a worker's per-bin partial accumulators."""
        for number, accumulator in partial.items():
            self.bin(number).merge(accumulator)

    def shape_counts(self) -> Counter[Shape]:
        """How many arrays of each shape all bins hold together."""
        counts: Counter[Shape] = Counter()
        for accumulator in self.bins.values():
            counts.update(accumulator.image.counts)
        return counts

    def keep_shape(self, shape: Shape | None) -> int:
        """Keep only arrays of ``shape`` in every bin's average; returns how many were dropped."""
        return sum(accumulator.image.keep_only(shape) for accumulator in self.bins.values())

    def scalar_names(self) -> list[str]:
        """Every scalar name seen, in first-seen order."""
        names: dict[str, None] = {}
        for accumulator in self.bins.values():
            names.update(dict.fromkeys(accumulator.scalars))
        return list(names)

    def summary(self, name: str) -> tuple[list[int], np.ndarray, np.ndarray, np.ndarray]:
        """Bins, means, standard deviations and counts of one scalar."""
        numbers = sorted(self.bins)
        stats = [self.bins[n].scalars.get(name, RunningStats()) for n in numbers]
        return (
            numbers,
            np.array([s.value for s in stats]),
            np.array([s.std for s in stats]),
            np.array([s.count for s in stats]),
        )
