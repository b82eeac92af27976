"""Scan analyzers, and the factory building them from configs.

The factory is imported on first use (``from scan_analysis.analyzers import
create_diagnostic_analyzer`` works as usual), so a worker process that only
unpickles the per-shot work does not import the scan layer through this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scan_analysis.analyzers.factory import create_diagnostic_analyzer

__all__ = ["create_diagnostic_analyzer"]


def __getattr__(name: str) -> Any:
    if name != "create_diagnostic_analyzer":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from scan_analysis.analyzers.factory import create_diagnostic_analyzer

    globals()[name] = create_diagnostic_analyzer
    return create_diagnostic_analyzer


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
