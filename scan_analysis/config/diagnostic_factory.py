"""Build runnable scan analyzers from resolved diagnostic configs."""

from __future__ import annotations

import difflib
import importlib
import inspect
from pathlib import Path
from typing import Any

from scan_analysis.config.diagnostic_models import (
    ClassSpec,
    DiagnosticAnalysisConfig,
    ResolvedDiagnosticConfig,
)
from scan_analysis.errors import ConfigError

DEFAULT_CAMERA_ANALYZER = "scan_analysis.image.beam_analyzer.BeamAnalyzer"
DEFAULT_LINE_ANALYZER = "scan_analysis.image.line_analyzer.LineAnalyzer"
KNOWN_CLASSES = (
    DEFAULT_CAMERA_ANALYZER,
    DEFAULT_LINE_ANALYZER,
    "scan_analysis.image.basic_analyzers.BasicImageAnalyzer",
    "scan_analysis.image.basic_analyzers.BasicLineAnalyzer",
    "scan_analysis.analyzers.common.ScatterPlotterAnalysis",
    "scan_analysis.analyzers.Undulator.BeamChargeCorrelation",
)


def import_class(path: str, *, source: Path | str | None = None) -> type:
    """Import ``package.module.ClassName``; a clear ConfigError says what failed."""
    module_name, _, attribute = path.rpartition(".")
    where = f"{source}: " if source else ""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        hint = difflib.get_close_matches(path, KNOWN_CLASSES, n=1, cutoff=0.6)
        raise ConfigError(
            f"{where}cannot import {path!r}: module {error.name!r} not found"
            + (f" (did you mean {hint[0]!r}?)" if hint else "")
            + "; check the class path, and that the package is installed in this environment",
            source,
        ) from None
    except Exception as error:
        raise ConfigError(
            f"{where}importing module {module_name!r} for {path!r} failed: "
            f"{type(error).__name__}: {error}",
            source,
        ) from error
    try:
        return getattr(module, attribute)
    except AttributeError:
        names = [n for n, v in vars(module).items() if inspect.isclass(v)]
        hint = difflib.get_close_matches(attribute, names, n=1)
        raise ConfigError(
            f"{where}module {module_name!r} has no class {attribute!r}"
            + (
                f" (did you mean {hint[0]!r}?)"
                if hint
                else f"; it has {', '.join(sorted(names)) or 'none'}"
            ),
            source,
        ) from None


def _checked_class(spec: ClassSpec, base: type, what: str, source: Path | str | None) -> type:
    cls = import_class(spec.class_path, source=source)
    if not (inspect.isclass(cls) and issubclass(cls, base)):
        raise ConfigError(
            f"{source}: {spec.class_path!r} is not a {what} "
            f"(a subclass of {base.__module__}.{base.__name__})",
            source,
        )
    return cls


def import_class_problems(config: DiagnosticAnalysisConfig, source: Path) -> list[str]:
    """Import problems of a config's classes, as lines for ``configs check``."""
    from scan_analysis.base import ScanAnalyzer
    from scan_analysis.image.base import ImageAnalyzer

    problems = []
    for spec, base, what in (
        (config.image_analyzer, ImageAnalyzer, "ImageAnalyzer"),
        (config.scan_analyzer, ScanAnalyzer, "ScanAnalyzer"),
    ):
        if spec is None:
            continue
        try:
            _checked_class(spec, base, what, source)
        except ConfigError as error:
            problems.append(str(error))
    return problems


def create_diagnostic_analyzer(
    resolved: ResolvedDiagnosticConfig, *, executor: Any = None, progress: bool = True
):
    """Build the scan analyzer a diagnostic config describes.

    The image analyzer class is imported and given the ``image:`` block
    (``cls(config=image, **kwargs)``), then wrapped in
    :class:`~scan_analysis.analyzers.common.Array1DScanAnalyzer` for line
    configs or :class:`~scan_analysis.analyzers.common.Array2DScanAnalyzer`
    otherwise. A ``scan_analyzer`` class, when given, is built instead with its
    kwargs and ``analyzer_id``.

    Raises
    ------
    ConfigError
        Bad class path, a class of the wrong kind, or constructor arguments it
        does not accept, naming the YAML file.
    """
    from scan_analysis.analyzers.common import Array1DScanAnalyzer, Array2DScanAnalyzer
    from scan_analysis.base import ScanAnalyzer
    from scan_analysis.image.base import ImageAnalyzer

    config, source = resolved.config, resolved.source
    if config.scan_analyzer is not None:
        cls = _checked_class(config.scan_analyzer, ScanAnalyzer, "ScanAnalyzer", source)
        analyzer = _construct(cls, source, analyzer_id=config.name, **config.scan_analyzer.kwargs)
        analyzer.priority = resolved.priority
        analyzer.gdoc_slot = config.scan.gdoc_slot
        return analyzer
    default = DEFAULT_LINE_ANALYZER if config.is_line else DEFAULT_CAMERA_ANALYZER
    spec = config.image_analyzer or ClassSpec(**{"class": default})
    image_class = _checked_class(spec, ImageAnalyzer, "ImageAnalyzer", source)
    image_analyzer = _construct(image_class, source, config=config.image, **spec.kwargs)
    wrapper = Array1DScanAnalyzer if image_analyzer.kind == "1d" else Array2DScanAnalyzer
    scan = config.scan
    return wrapper(
        config.device,
        image_analyzer=image_analyzer,
        analyzer_id=config.name,
        directory_suffix=scan.directory_suffix,
        file_tail=scan.file_tail,
        mode=scan.mode,
        renderer_kwargs=scan.renderer_kwargs,
        save=scan.save,
        background_source=scan.background_source,
        priority=resolved.priority,
        gdoc_slot=scan.gdoc_slot,
        executor=executor,
        progress=progress,
    )


def _construct(cls: type, source: Path | str | None, **kwargs: Any):
    try:
        return cls(**kwargs)
    except TypeError as error:
        raise ConfigError(
            f"{source}: cannot build {cls.__name__} with {sorted(kwargs)}: {error}", source
        ) from error
