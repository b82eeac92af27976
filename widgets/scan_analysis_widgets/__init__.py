"""Notebook and Voila components of scan-analysis (the ``jupyter`` extra).

    from scan_analysis_widgets import ScanBrowser, ConfigEditor, LiveWatchPanel

    ScanBrowser(experiment="Undulator", date="2026-05-08", scan=2)   # shows itself in a cell

Each component wraps the headless library (``scan_analysis``); none holds
analysis logic. They need ipywidgets and Panel: ``pip install "scan-analysis[jupyter]"``.

Stable CSS classes of the ConfigEditor (browser tests, lab scripts):
``sa-config-editor`` (the component), ``sa-config-tree`` (file list),
``sa-config-filter``, ``sa-config-new-analyzer`` / ``-new-group`` /
``-duplicate`` / ``-rename`` (buttons), ``sa-config-action-name`` /
``-action-folder`` / ``-action-ok``, ``sa-config-form``, ``sa-config-save``,
``sa-config-revert``, ``sa-config-reload``, ``sa-config-status`` (the status
line: ``sa-message`` and, on error, ``sa-message-error``), ``sa-config-text`` /
``sa-config-save-text`` (a file that is not valid YAML), ``sa-yaml-preview``;
form parts: ``sa-field`` (one row; ``sa-field-invalid`` while its value is
wrong), ``sa-field-<key-with-dashes>`` on each control (``sa-field-image-roi-x_min``),
``sa-field-error`` (the message beside it), ``sa-section``, ``sa-section-toggle``,
``sa-field-<key>-use`` (a section's use toggle), ``sa-field-<key>-add`` /
``sa-field-<key>-<n>-remove`` (list rows); group entries: ``sa-group-entry``,
``sa-field-analyzers-<n>-ref`` / ``-enabled`` / ``-priority`` / ``-up`` /
``-down`` / ``-remove``, ``sa-group-new-ref``, ``sa-group-add``; preview on a
shot: ``sa-shot-preview``, ``sa-preview-root`` / ``-experiment`` / ``-date`` /
``-scan`` / ``-shot``, ``sa-preview-run``, ``sa-preview-status``,
``sa-preview-images`` (raw and processed ``<img>``), ``sa-preview-scalars``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_EXTRA_HINT = 'scan_analysis_widgets needs the Jupyter extra: pip install "scan-analysis[jupyter]"'

try:  # one clear line instead of a traceback deep inside a component
    import ipywidgets  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised in a venv without the extra
    raise ImportError(f"{_EXTRA_HINT} (missing: {error.name})") from None

_COMPONENTS = {
    "ScanBrowser": "scan_analysis_widgets.scan_browser",
    "ConfigEditor": "scan_analysis_widgets.config_editor",
    "LiveWatchPanel": "scan_analysis_widgets.live_watch",
}


if TYPE_CHECKING:  # pragma: no cover
    from scan_analysis_widgets.config_editor import ConfigEditor
    from scan_analysis_widgets.live_watch import LiveWatchPanel
    from scan_analysis_widgets.scan_browser import ScanBrowser

__all__ = ["ConfigEditor", "LiveWatchPanel", "ScanBrowser"]


def __getattr__(name: str):
    """Import a component on first use, so showing one does not load the others."""
    module = _COMPONENTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
