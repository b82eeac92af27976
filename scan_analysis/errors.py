"""Errors a user can cause. Each message names the file (or value) and the fix."""

from __future__ import annotations

from pathlib import Path


class ScanAnalysisError(Exception):
    """Base of every error raised on bad input or bad setup."""


class DataRootError(ScanAnalysisError):
    """No data root, day folder or scan folder where one was expected."""


class ScanInfoError(ScanAnalysisError):
    """A ScanInfo ini file that cannot be read."""


class SFileError(ScanAnalysisError):
    """An s-file that cannot be read or merged."""


class SFileReadOnlyError(SFileError):
    """An s-file whose permissions say it must not be changed (left untouched; ``.path``)."""

    def __init__(self, message: str, path: Path | str) -> None:
        super().__init__(message)
        self.path = Path(path)


class ShotReadError(ScanAnalysisError):
    """A per-shot data file that is corrupt or unreadable."""

    def __init__(self, message: str, path: Path | str | None = None) -> None:
        super().__init__(message)
        self.path = Path(path) if path is not None else None


class UnsupportedFormatError(ShotReadError):
    """A per-shot data file whose extension no reader handles."""


class ConfigError(ScanAnalysisError):
    """A configuration file or value that is invalid."""

    def __init__(
        self, message: str, path: Path | str | None = None, problems: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.path = Path(path) if path is not None else None
        self.problems = list(problems or [])


class LockTimeoutError(ScanAnalysisError):
    """A lock that could not be taken in time."""


class LockLostError(ScanAnalysisError):
    """A lease (lock or task claim) taken over by another process while this one held it."""
