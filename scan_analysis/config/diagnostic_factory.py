"""Import the classes a diagnostic config names and build its per-shot analyzer.

The scan analyzers themselves are built by
:func:`scan_analysis.analyzers.factory.create_diagnostic_analyzer`, next to
what it builds.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scan_analysis.config.diagnostic_models import (
    ClassSpec,
    DiagnosticAnalysisConfig,
    ImageAnalyzerSpec,
    ScanAnalyzerSpec,
)
from scan_analysis.errors import ConfigError
from scan_analysis.image.base import ImageAnalyzer
from scan_analysis.suggestions import closest_match

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


SCAN_ANALYZER_BASE = "scan_analysis.base.ScanAnalyzer"
"""The base class a ``scan_analyzer`` names, by path: the config layer checks it without importing
the scan layer (a class deriving from it has imported it already)."""


def checked_class(spec: ClassSpec, base: type | str, what: str, source: Path | str | None) -> type:
    """Import the class ``spec`` names and check it derives from ``base`` (a class or its path).

    Raises
    ------
    ConfigError
        The class does not import, or is not a subclass of ``base``, naming ``source``.
    """
    cls = import_class(spec.class_path, source=source)
    base_path = base if isinstance(base, str) else f"{base.__module__}.{base.__qualname__}"
    if not (inspect.isclass(cls) and _derives_from(cls, base_path)):
        raise ConfigError(
            f"{source}: {spec.class_path!r} is not {'an' if what[0] in 'AEIOU' else 'a'} {what}; "
            f"name a subclass of {base_path}, e.g. {_EXAMPLE_CLASS[what]}",
            source,
        )
    return cls


def _derives_from(cls: type, base_path: str) -> bool:
    """Whether ``base_path`` (``module.Class``) is in the class's MRO: ``issubclass`` by name."""
    return any(f"{klass.__module__}.{klass.__qualname__}" == base_path for klass in cls.__mro__)


_CLASS_BLOCKS = (
    ("image_analyzer", ImageAnalyzerSpec, ImageAnalyzer, "ImageAnalyzer"),
    ("scan_analyzer", ScanAnalyzerSpec, SCAN_ANALYZER_BASE, "ScanAnalyzer"),
)


def class_path_problems(data: Mapping[str, Any], source: Path) -> list[str]:
    """The class paths of a diagnostic YAML mapping, as read, that the factory could not use.

    For ``configs check`` on a file that does not validate as a whole (an
    unknown key elsewhere): each ``image_analyzer`` / ``scan_analyzer`` block
    that is valid on its own still has its class imported and its kind
    checked, so one run reports every problem of the file. A block that is
    itself invalid is left to the key validation, which reports it.

    Examples
    --------
    >>> class_path_problems({"image_analyzer": "my_lab.nothing.Here", "scan": {"typo": 1}},
    ...                     Path("Cam.yaml"))  # doctest: +ELLIPSIS
    ["Cam.yaml: cannot import 'my_lab.nothing.Here': module 'my_lab' not found; ..."]
    """
    problems = []
    for key, model, base, what in _CLASS_BLOCKS:
        if data.get(key) is None:
            continue
        try:
            spec = model.model_validate(data[key])
        except ValidationError:
            continue
        try:
            checked_class(spec, base, what, source)
        except ConfigError as error:
            problems.append(str(error))
    return problems


def construction_problems(config: DiagnosticAnalysisConfig, source: Path) -> list[str]:
    """What would stop the factory building this config, as lines for ``configs check``.

    Class paths that do not import or name the wrong kind of class, and
    ``scan.renderer_kwargs`` the figure writers do not know.
    """
    # the figure options' own check, until scan.renderer_kwargs is a model of the config layer
    from scan_analysis.render.style import RenderOptions

    problems = []
    for key, _model, base, what in _CLASS_BLOCKS:
        spec = getattr(config, key)
        if spec is None:
            continue
        try:
            checked_class(spec, base, what, source)
        except ConfigError as error:
            problems.append(str(error))
    try:
        RenderOptions.from_kwargs(config.scan.renderer_kwargs)
    except (TypeError, ValueError) as error:
        problems.append(f"{source}: 'scan.renderer_kwargs': {error}")
    return problems


def create_image_analyzer(
    config: DiagnosticAnalysisConfig, *, source: Path | str | None = None
) -> ImageAnalyzer:
    """Build only the per-shot analyzer of a diagnostic config (to view or preview one shot).

    The ``image_analyzer`` class (default: BeamAnalyzer for cameras,
    LineAnalyzer for lines) is given the ``image:`` block and its kwargs, as
    :func:`~scan_analysis.analyzers.factory.create_diagnostic_analyzer` does before
    wrapping it.

    Raises
    ------
    ConfigError
        A bad class path or kwargs (naming ``source``), or a config whose
        ``scan_analyzer`` works on whole scans and has no per-shot analyzer.
    """
    if config.scan_analyzer is not None and config.image_analyzer is None:
        raise ConfigError(
            f"{source or config.name}: analyzer {config.name!r} runs "
            f"{config.scan_analyzer.class_path} on whole scans; it has no per-shot analysis "
            "to apply to one shot (choose a camera or line analyzer)",
            source,
        )
    default = DEFAULT_LINE_ANALYZER if config.is_line else DEFAULT_CAMERA_ANALYZER
    spec = config.image_analyzer or ImageAnalyzerSpec(class_path=default)
    image_class = checked_class(spec, ImageAnalyzer, "ImageAnalyzer", source)
    return construct(image_class, source, config=config.image, **spec.kwargs)


def construct(cls: type, source: Path | str | None, **kwargs: Any) -> Any:
    """``cls(**kwargs)``; a constructor refusing them is a ConfigError naming ``source``."""
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
