"""Per-bin accumulators: consume per-shot results one at a time, summarise at the end.

Like bluesky's callbacks, each accumulator has ``start``, ``event`` (here
``add``/``merge``) and ``stop`` (``summary``) steps, and holds only running
sums, so memory grows with the number of bins, not shots.
"""

from __future__ import annotations

import math
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
    """Running sum of same-shaped arrays (images or traces) for an average."""

    total: np.ndarray | None = None
    count: int = 0

    def add(self, array: np.ndarray, count: int = 1) -> None:
        """Add an array (or a partial sum of ``count`` arrays)."""
        if self.total is None:
            self.total = np.array(array, dtype=np.float64, copy=True)
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
        """The mean array, or None when nothing was added."""
        return (
            None
            if self.total is None or self.count == 0
            else (self.total / self.count).astype(np.float32)
        )


@dataclass
class BinAccumulator:
    """Everything kept for one bin: scalar statistics and the average array."""

    scalars: dict[str, RunningStats] = field(default_factory=dict)
    image: ArraySum = field(default_factory=ArraySum)
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
