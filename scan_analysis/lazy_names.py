"""Names of a package imported from their submodules on first use (PEP 562).

For packages whose importers should not pay for heavy submodules they never
touch: a worker process that only unpickles shot work, a process that hands
its figures to workers (no matplotlib).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(
    package: str, modules: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package`` for names imported on first use.

    ``modules`` maps each name to the submodule (relative to ``package``) that
    defines it; a name, once imported, is kept in the package's namespace.

    Examples
    --------
    In a package's ``__init__.py``::

        __getattr__, __dir__ = lazy_names(__name__, {"Array2DScanAnalyzer": "array2d"})
    """
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        if name not in modules:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{modules[name]}"), name)
        namespace[name] = value  # found directly from now on
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *modules})

    return __getattr__, __dir__
