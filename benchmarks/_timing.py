"""Timing helper shared by the benchmark scripts.

Imported as a sibling module; ``make bench`` runs every script in this folder but this one.
"""

import statistics
import time
from collections.abc import Callable


def median_time(function: Callable[[], object], repeats: int, *, warm_up: bool = False) -> float:
    """Median wall time of ``repeats`` calls of ``function`` (after one untimed call if asked)."""
    if warm_up:
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pillow_decode(path: object) -> object:
    """The baseline decode of the performance goals: a bare Pillow read of a PNG into numpy.

    The library's own reader (``read_shot``) decodes GEECS camera PNGs faster than this
    (data/readers/png.py); the goals are stated against Pillow, so the scripts time both.
    """
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        return np.asarray(image)
