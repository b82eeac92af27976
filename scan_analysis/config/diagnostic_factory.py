"""Build runnable scan analyzers from resolved diagnostic configs."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scan_analysis.config.diagnostic_models import (
    ClassSpec,
    DiagnosticAnalysisConfig,
    ImageAnalyzerSpec,
    ResolvedDiagnosticConfig,
)
from scan_analysis.config.suggestions import closest_match
from scan_analysis.errors import ConfigError

if TYPE_CHECKING:
    from scan_analysis.base import ScanAnalyzer
    from scan_analysis.image.base import ImageAnalyzer

DEFAULT_CAMERA_ANALYZER = "scan_analysis.image.beam_analyzer.BeamAnalyzer"
DEFAULT_LINE_ANALYZER = "scan_analysis.image.line_analyzer.LineAnalyzer"
_EXAMPLE_CLASS = {
    "ImageAnalyzer": DEFAULT_CAMERA_ANALYZER,
    "ScanAnalyzer": "scan_analysis.analyzers.common.ScatterPlotterAnalysis",
}
KNOWN_CLASSES = (
    DEFAULT_CAMERA_ANALYZER,
    DEFAULT_LINE_ANALYZER,
    "scan_analysis.image.basic_analyzers.BasicImageAnalyzer",
    "scan_analysis.image.basic_analyzers.BasicLineAnalyzer",
    "scan_analysis.analyzers.common.ScatterPlotterAnalysis",
    "scan_analysis.analyzers.Undulator.BeamChargeCorrelation",
)


def import_class(path: str, *, source: Path | str | None = None) -> type:
    """Import ``package.module.ClassName``; a clear ConfigError says what failed.

    Parameters
    ----------
    path : str
        Dotted import path of the class.
    source : path, optional
        The YAML file that names it (prefixed to messages).

    Raises
    ------
    ConfigError
        Module not found (with a close known class path), the module failing
        to import, or the module lacking the attribute (with a close name).
    """
    module_name, _, attribute = path.rpartition(".")
    where = f"{source}: " if source else ""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        hint = closest_match(path, KNOWN_CLASSES)
        raise ConfigError(
            f"{where}cannot import {path!r}: module {error.name!r} not found"
            + (f" (did you mean {hint!r}?)" if hint else "")
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
        hint = closest_match(attribute, names)
        raise ConfigError(
            f"{where}module {module_name!r} has no class {attribute!r}"
            + (
                f" (did you mean {hint!r}?)"
                if hint
                else f"; it has {', '.join(sorted(names)) or 'none'}"
            ),
            source,
        ) from None


def _checked_class(spec: ClassSpec, base: type, what: str, source: Path | str | None) -> type:
    cls = import_class(spec.class_path, source=source)
    if not (inspect.isclass(cls) and issubclass(cls, base)):
        raise ConfigError(
            f"{source}: {spec.class_path!r} is not {'an' if what[0] in 'AEIOU' else 'a'} {what}; "
            f"name a subclass of "
            f"{base.__module__}.{base.__name__}, e.g. {_EXAMPLE_CLASS[what]}",
            source,
        )
    return cls


def construction_problems(config: DiagnosticAnalysisConfig, source: Path) -> list[str]:
    """What would stop the factory building this config, as lines for ``configs check``.

    Class paths that do not import or name the wrong kind of class, and
    ``scan.renderer_kwargs`` the figure writers do not know.
    """
    from scan_analysis.base import ScanAnalyzer
    from scan_analysis.image.base import ImageAnalyzer
    from scan_analysis.render.style import RenderOptions

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
    try:
        RenderOptions.from_kwargs(config.scan.renderer_kwargs)
    except (TypeError, ValueError) as error:
        problems.append(f"{source}: 'scan.renderer_kwargs': {error}")
    return problems


def create_diagnostic_analyzer(
    resolved: ResolvedDiagnosticConfig, *, executor: Any = None, progress: bool = True
) -> ScanAnalyzer:
    """Build the scan analyzer a diagnostic config describes.

    The image analyzer class is imported and given the ``image:`` block
    (``cls(config=image, **kwargs)``), then wrapped in
    :class:`~scan_analysis.analyzers.common.Array1DScanAnalyzer` for line
    configs or :class:`~scan_analysis.analyzers.common.Array2DScanAnalyzer`
    otherwise. A ``scan_analyzer`` class, when given, is built instead with its
    kwargs and ``analyzer_id``.

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
    from scan_analysis.analyzers.common import Array1DScanAnalyzer, Array2DScanAnalyzer
    from scan_analysis.base import ScanAnalyzer

    config, source = resolved.config, resolved.source
    if config.scan_analyzer is not None:
        cls = _checked_class(config.scan_analyzer, ScanAnalyzer, "ScanAnalyzer", source)
        analyzer = _construct(cls, source, analyzer_id=config.name, **config.scan_analyzer.kwargs)
        analyzer.priority = resolved.priority
        analyzer.gdoc_slot = config.scan.gdoc_slot
        return analyzer
    image_analyzer = create_image_analyzer(config, source=source)
    wrapper = Array1DScanAnalyzer if image_analyzer.kind == "1d" else Array2DScanAnalyzer
    return _construct(
        wrapper,
        source,
        device_name=config.device,
        image_analyzer=image_analyzer,
        analyzer_id=config.name,
        **{**scan_settings(config), "priority": resolved.priority},
        executor=executor,
        progress=progress,
    )


def scan_settings(config: DiagnosticAnalysisConfig) -> dict[str, Any]:
    """The ``scan:`` block as keyword arguments of a SingleDeviceScanAnalyzer.

    What :func:`create_diagnostic_analyzer` passes, and what
    ``Array2DScanAnalyzer(device_name=...)`` takes from the device's config
    when it finds one: the one mapping from the YAML to the analyzer.

    Examples
    --------
    >>> from scan_analysis.config.diagnostic_models import load_diagnostic_config
    >>> config = load_diagnostic_config({"name": "S", "scan": {"directory_suffix": "-raw"}})
    >>> scan_settings(config)["directory_suffix"], scan_settings(config)["mode"]
    ('-raw', 'per_shot')
    """
    scan = config.scan
    return {
        "directory_suffix": scan.directory_suffix,
        "file_tail": scan.file_tail,
        "mode": scan.mode,
        "renderer_kwargs": scan.renderer_kwargs.model_dump(exclude_unset=True),
        "save": scan.save,
        "background_source": scan.background_source,
        "priority": scan.priority,
        "gdoc_slot": scan.gdoc_slot,
    }


def create_image_analyzer(
    config: DiagnosticAnalysisConfig, *, source: Path | str | None = None
) -> ImageAnalyzer:
    """Build only the per-shot analyzer of a diagnostic config (to view or preview one shot).

    The ``image_analyzer`` class (default: BeamAnalyzer for cameras,
    LineAnalyzer for lines) is given the ``image:`` block and its kwargs, as
    :func:`create_diagnostic_analyzer` does before wrapping it.

    Raises
    ------
    ConfigError
        A bad class path or kwargs (naming ``source``), or a config whose
        ``scan_analyzer`` works on whole scans and has no per-shot analyzer.
    """
    from scan_analysis.image.base import ImageAnalyzer

    if config.scan_analyzer is not None and config.image_analyzer is None:
        raise ConfigError(
            f"{source or config.name}: analyzer {config.name!r} runs "
            f"{config.scan_analyzer.class_path} on whole scans; it has no per-shot analysis "
            "to apply to one shot (choose a camera or line analyzer)",
            source,
        )
    default = DEFAULT_LINE_ANALYZER if config.is_line else DEFAULT_CAMERA_ANALYZER
    spec = config.image_analyzer or ImageAnalyzerSpec(class_path=default)
    image_class = _checked_class(spec, ImageAnalyzer, "ImageAnalyzer", source)
    return _construct(image_class, source, config=config.image, **spec.kwargs)


def _construct(cls: type, source: Path | str | None, **kwargs: Any) -> Any:
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as error:
        raise ConfigError(
            f"{source}: cannot build {cls.__name__} with {sorted(kwargs)}: {error}; fix the "
            "YAML (kwargs, scan block) to match what the class accepts",
            source,
        ) from error
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}", source, error.problems) from error
