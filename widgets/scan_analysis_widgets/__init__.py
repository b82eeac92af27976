"""Notebook and Voila components of scan-analysis (the ``jupyter`` extra).

    from scan_analysis_widgets import ScanBrowser, ConfigEditor, LiveWatchPanel

    ScanBrowser(experiment="Undulator", date="2026-05-08", scan=2)   # shows itself in a cell

Each component wraps the headless library (``scan_analysis``); none holds
analysis logic. They need ipywidgets and Panel: ``pip install "scan-analysis[jupyter]"``.

Stable CSS classes for browser tests and lab scripts:

- pickers: ``sa-experiment``, ``sa-date``, ``sa-refresh``; messages ``sa-message``
  (``sa-message-error`` while it shows an error)
- ScanBrowser (``sa-scan-browser``): ``sa-scan-list``, ``sa-scan-info``,
  ``sa-sfile-table``, ``sa-plot`` (the plot image), ``sa-plot-x``, ``sa-plot-y``,
  ``sa-plot-binned``, ``sa-shot-device``, ``sa-shot-analyzer``, ``sa-shot-slider``,
  ``sa-shot-image``, ``sa-shot-scalars``, ``sa-run-choice``, ``sa-run-button``,
  ``sa-run-progress``, ``sa-run-status``, ``sa-figures`` (holds the figure ``<img>``s)
- LiveWatchPanel (``sa-live-watch``): ``sa-live-group``, ``sa-live-start-scan``,
  ``sa-live-elog``, ``sa-live-dry-run``, ``sa-live-start``, ``sa-live-stop``,
  ``sa-live-rerun``, ``sa-live-state``, ``sa-live-progress``, ``sa-live-grid``
  (cells ``sa-state-pending|running|done|no_data|failed``, ``sa-other-runner``
  for another runner's claim), ``sa-live-figures``, ``sa-live-log``, ``sa-live-log-level``
- ConfigEditor: ``sa-config-editor`` (the component), ``sa-config-tree`` (file list),
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
