"""Build runnable scan analyzers from resolved diagnostic configs.

The factory lives with what it builds (the Array1D/Array2D wrappers and the
``scan_analyzer`` classes); the config layer only loads and validates the
YAML and builds the per-shot analyzer
(:func:`~scan_analysis.config.diagnostic_factory.create_image_analyzer`).
"""

from __future__ import annotations

from typing import Any

from scan_analysis.analyzers.common.array1d import Array1DScanAnalyzer
from scan_analysis.analyzers.common.array2d import Array2DScanAnalyzer
from scan_analysis.base import ScanAnalyzer
from scan_analysis.config.diagnostic_factory import (
    checked_class,
    construct,
    create_image_analyzer,
)
from scan_analysis.config.diagnostic_models import ResolvedDiagnosticConfig


def create_diagnostic_analyzer(
    resolved: ResolvedDiagnosticConfig, *, executor: Any = None, progress: bool = True
) -> ScanAnalyzer:
    """Build the scan analyzer a diagnostic config describes.

    The image analyzer class is imported and given the ``image:`` block
    (``cls(config=image, **kwargs)``), then wrapped in
    :class:`~scan_analysis.analyzers.common.Array1DScanAnalyzer` for line
    configs or :class:`~scan_analysis.analyzers.common.Array2DScanAnalyzer`
    otherwise; the wrapper is given the resolved config itself (its
    ``scan_config`` is the config's ``scan:`` block). A ``scan_analyzer``
    class, when given, is built instead with its kwargs and ``analyzer_id``.
    Scheduling (``priority``) and e-log placement (``scan.gdoc_slot``) stay in
    the config, where the live runner reads them.

    Parameters
    ----------
    resolved : ResolvedDiagnosticConfig
        The config, its file (named in errors) and its effective priority.
    executor : str or ShotExecutor, optional
        Where per-shot work runs (``"serial"``, ``"threads"``, ``"processes"``
        or an executor shared between analyzers).
    progress : bool
        Show a per-shot progress bar.

    Returns
    -------
    ScanAnalyzer
        A ``SingleDeviceScanAnalyzer`` (Array2D/Array1D) or the ``scan_analyzer`` class.

    Raises
    ------
    ConfigError
        Bad class path, a class of the wrong kind, or constructor arguments it
        does not accept, naming the YAML file.
    """
    config, source = resolved.config, resolved.source
    if config.scan_analyzer is not None:
        cls = checked_class(config.scan_analyzer, ScanAnalyzer, "ScanAnalyzer", source)
        return construct(cls, source, analyzer_id=config.name, **config.scan_analyzer.kwargs)
    image_analyzer = create_image_analyzer(config, source=source)
    wrapper = Array1DScanAnalyzer if image_analyzer.kind == "1d" else Array2DScanAnalyzer
    return construct(
        wrapper,
        source,
        device_name=config.device,
        image_analyzer=image_analyzer,
        config=resolved,
        analyzer_id=config.name,
        executor=executor,
        progress=progress,
    )
