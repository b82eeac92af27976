"""Errors a user can cause. Each message names the file (or value) and the fix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Where an explicit value of a :class:`Setting` is named in a problem's text.
GIVEN = "{given}"


class ScanAnalysisError(Exception):
    """Base of every error raised on bad input or bad setup."""

    def for_command_line(self) -> str:
        """The message as the command line shows it: options where Python names keywords."""
        return str(self)

    def for_app(self) -> str:
        """The message as a served app shows it: how to start the server, not Python keywords."""
        return str(self)


@dataclass(frozen=True)
class Setting:
    """A setting a user gives as a Python keyword, a command-line option or an environment variable.

    Examples
    --------
    >>> root = Setting("data_root", "--data-root", "DATA_ROOT", "[Paths] X in a.ini")
    >>> root.how_to_set(command_line=True)
    'pass --data-root DIR, set the environment variable DATA_ROOT, or set [Paths] X in a.ini'
    >>> root.how_to_set(command_line=False)
    'pass data_root=..., set the environment variable DATA_ROOT, or set [Paths] X in a.ini'
    >>> root.how_to_set(app=True)
    'start the apps with scan-analysis serve --data-root DIR, or set the environment variable \
DATA_ROOT or [Paths] X in a.ini before starting them'
    """

    keyword: str
    option: str
    environment_variable: str
    lab_config: str

    def given(self, *, command_line: bool = False, app: bool = False) -> str:
        """How an explicit value is named: ``--data-root`` or ``the data_root argument``."""
        if app:
            return f"scan-analysis serve {self.option}"
        return self.option if command_line else f"the {self.keyword} argument"

    def how_to_set(self, *, command_line: bool = False, app: bool = False) -> str:
        """The ways to set it, worded for Python, the command line, or a served app.

        An app's user cannot pass a keyword: the server that runs the apps
        (``scan-analysis serve``) is given the option or the environment.
        """
        if app:
            return (
                f"start the apps with scan-analysis serve {self.option} DIR, or set the "
                f"environment variable {self.environment_variable} or {self.lab_config} "
                "before starting them"
            )
        passed = f"{self.option} DIR" if command_line else f"{self.keyword}=..."
        return (
            f"pass {passed}, set the environment variable {self.environment_variable}, "
            f"or set {self.lab_config}"
        )


class DataRootError(ScanAnalysisError):
    """No data root, day folder or scan folder where one was expected.

    With a ``setting``, the message ends with how to set it, worded for Python
    (``str(error)``: ``data_root=...``), for the command line
    (:meth:`for_command_line`: ``--data-root DIR``) or for a served app
    (:meth:`for_app`: ``scan-analysis serve --data-root DIR``); ``{given}`` in
    ``problem`` names an explicitly given value the same way.
    """

    def __init__(self, problem: str, setting: Setting | None = None) -> None:
        self.problem = problem
        self.setting = setting
        super().__init__(self._render(command_line=False))

    def __reduce__(self):  # keep the setting across processes
        return type(self), (self.problem, self.setting)

    def for_command_line(self) -> str:
        """The message naming ``--data-root`` (or ``--config-dir``), not the keyword."""
        return self._render(command_line=True)

    def for_app(self) -> str:
        """The message naming ``scan-analysis serve --data-root``: what an app's user can do."""
        return self._render(app=True)

    def _render(self, *, command_line: bool = False, app: bool = False) -> str:
        if self.setting is None:
            return self.problem
        given = self.setting.given(command_line=command_line, app=app)
        problem = self.problem.replace(GIVEN, given)
        return f"{problem}: {self.setting.how_to_set(command_line=command_line, app=app)}"


class ScanInfoError(ScanAnalysisError):
    """A ScanInfo ini file that cannot be read."""


class SFileError(ScanAnalysisError):
    """An s-file that cannot be read or merged."""


class SFileReadOnlyError(SFileError):
    """An s-file whose permissions say it must not be changed (left untouched; ``.path``)."""

    def __init__(self, message: str, path: Path | str) -> None:
        super().__init__(message)
        self.path = Path(path)


class ReadOnlyFolderError(ScanAnalysisError):
    """A folder analysis must write into (the day's ``analysis/``) that is read-only (``.path``)."""

    def __init__(self, message: str, path: Path | str) -> None:
        super().__init__(message)
        self.path = Path(path)

    def __reduce__(self):
        return type(self), (str(self), self.path)


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
