"""A scan's saturation, from its shots' ``saturated_pixels`` scalars: which shots, which bins.

Pure functions of the per-shot scalars and the scan's bins, used for the
outcome message, the scan's log line and the marks on the figures.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from scan_analysis.base import ScanBins
from scan_analysis.data.scan_info import ScanKind
from scan_analysis.image.saturation import SATURATION_SCALAR, describe_saturation

MAX_LISTED = 8
"""Bins (or shots) named in the saturation clause; the rest are counted."""

ShotScalars = Mapping[int, Mapping[str, float]]


def saturated_shots(shot_scalars: ShotScalars) -> dict[int, float]:
    """Shots with saturated pixels and their counts.

    Examples
    --------
    >>> saturated_shots({1: {"saturated_pixels": 0.0}, 2: {"saturated_pixels": 12.0}, 3: {}})
    {2: 12.0}
    """
    return {
        shot: scalars[SATURATION_SCALAR]
        for shot, scalars in shot_scalars.items()
        if scalars.get(SATURATION_SCALAR, 0) > 0
    }


def saturation_by_bin(
    shot_scalars: ShotScalars, bin_of_shot: Mapping[int, int]
) -> dict[int, tuple[int, int]]:
    """Bins that had saturated shots: ``{bin: (saturated shots, shots checked)}``.

    Examples
    --------
    >>> counts = {1: {"saturated_pixels": 0.0}, 2: {"saturated_pixels": 5.0}}
    >>> saturation_by_bin(counts, {1: 3, 2: 3})
    {3: (1, 2)}
    """
    tallies: dict[int, list[int]] = {}
    for shot, scalars in shot_scalars.items():
        value = scalars.get(SATURATION_SCALAR)
        if value is None or not np.isfinite(value):
            continue
        tally = tallies.setdefault(bin_of_shot.get(shot, 1), [0, 0])
        tally[0] += value > 0
        tally[1] += 1
    return {number: (hit, checked) for number, (hit, checked) in tallies.items() if hit}


def saturation_clause(
    shot_scalars: ShotScalars, bins: ScanBins, parameter_label: str
) -> str | None:
    """``saturated pixels in 4 of 50 shots (JetX = 5.2, 5.4; up to 230 per shot)``, or None.

    A 1-D scan names the bins by parameter value (the label's alias), other
    scans by bin number, a no-scan names the shots.
    """
    saturated = saturated_shots(shot_scalars)
    if not saturated:
        return None
    checked = sum(SATURATION_SCALAR in scalars for scalars in shot_scalars.values())
    if bins.kind is ScanKind.NOSCAN:
        values, where = [str(shot) for shot in sorted(saturated)], "shots "
    else:
        numbers = sorted(saturation_by_bin(shot_scalars, bins.bin_of_shot))
        if bins.kind is ScanKind.ONE_D and bins.parameter_column:
            values = [f"{bins.values[n]:.4g}" for n in numbers]
            where = f"{parameter_label.split(' (')[0]} = "
        else:
            values, where = [str(n) for n in numbers], "bins "
    more = len(values) - MAX_LISTED
    where += ", ".join(values[:MAX_LISTED]) + (f" and {more} more" if more > 0 else "")
    return describe_saturation(len(saturated), checked, where=where, most=max(saturated.values()))
