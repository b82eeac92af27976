"""Analyzers that SIGKILL the worker process running them: a real worker crash, on cue.

They live in an importable module (``tests/support`` is on the workers' path) and only
ever kill a process other than the one that built them, never the test process itself.
"""

from __future__ import annotations

import os
import signal

import numpy as np

from scan_analysis.image import ImageAnalyzer, ImageAnalyzerResult


class _KillsItsWorker(ImageAnalyzer):
    def __init__(self) -> None:
        super().__init__()
        self.parent_pid = os.getpid()

    def _die(self) -> None:
        if os.getpid() != self.parent_pid:
            os.kill(os.getpid(), signal.SIGKILL)

    def analyze_image(self, image, auxiliary=None):
        processed = self.preprocess(image)
        return ImageAnalyzerResult(processed, {"mean": float(np.mean(processed))})


class DiesOnce(_KillsItsWorker):
    """The first shot analysed in a worker kills that worker; later ones are analysed."""

    def __init__(self, marker: str | os.PathLike) -> None:
        super().__init__()
        self.marker = str(marker)

    def analyze_image(self, image, auxiliary=None):
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return super().analyze_image(image, auxiliary)
        self._die()
        return super().analyze_image(image, auxiliary)


class AlwaysDies(_KillsItsWorker):
    """Every shot kills the worker analysing it (a shot that segfaults its reader)."""

    def analyze_image(self, image, auxiliary=None):
        self._die()
        return super().analyze_image(image, auxiliary)
