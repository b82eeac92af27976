"""An image analyzer whose workers stall mid-scan until the test releases them.

Importable by worker processes (``tests/support`` is on their path). Each worker
process analyses its first ``free_shots`` shots, then writes ``stalled_file`` and
waits (polling, with a deadline) until ``release_file`` exists: a test can act on
a scan that is really in progress (kill its process, start another) without
guessing how long an analysis takes.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from scan_analysis.image import ImageAnalyzer, ImageAnalyzerResult


class StallsUntilReleased(ImageAnalyzer):
    def __init__(self, release_file, stalled_file, *, free_shots: int = 2, deadline=120.0):
        super().__init__()
        self.release_file = str(release_file)
        self.stalled_file = str(stalled_file)
        self.free_shots = free_shots
        self.deadline = float(deadline)
        self._done = 0

    def analyze_image(self, image, auxiliary=None):
        self._done += 1
        if self._done > self.free_shots and not os.path.exists(self.release_file):
            Path(self.stalled_file).write_text(str(os.getpid()))
            give_up = time.monotonic() + self.deadline
            while not os.path.exists(self.release_file) and time.monotonic() < give_up:
                time.sleep(0.05)
        processed = self.preprocess(image)
        return ImageAnalyzerResult(processed, {"mean": float(np.mean(processed))})
