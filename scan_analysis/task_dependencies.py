"""Which analyzers of a group must finish a scan before another may start it.

An analyzer that reads s-file columns written by other analyzers of its group
(the scatter plotter does) declares it with a method
``input_analyzers(analyzer_ids) -> set[str]``: of the group's analyzer ids,
those whose columns it reads (``analyzer_ids`` maps each id to the prefix of
its s-file columns). The live runner claims such a task only when
the scan's tasks of those analyzers are finished (done, failed or no_data),
and runs a group's analyzers in an order where inputs come first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scan_analysis.errors import ConfigError


def input_analyzers(analyzers: Mapping[str, object]) -> dict[str, set[str]]:
    """For each analyzer id of a group, the ids of the group's analyzers whose columns it reads.

    Parameters
    ----------
    analyzers : mapping
        ``{analyzer id: analyzer}``; analyzers without an ``input_analyzers``
        method read nothing from the others.

    Examples
    --------
    >>> class Reads:
    ...     def input_analyzers(self, ids):
    ...         return {i for i in ids if i == "camera"}
    >>> input_analyzers({"camera": object(), "scatter": Reads()})
    {'camera': set(), 'scatter': {'camera'}}
    """
    names = list(analyzers)
    prefixes = {n: getattr(a, "column_prefix", n) for n, a in analyzers.items()}
    inputs = {}
    for name, analyzer in analyzers.items():
        declared = getattr(analyzer, "input_analyzers", None)
        others = {n: prefixes[n] for n in names if n != name}  # id -> its columns' prefix
        found = set(declared(others)) if callable(declared) else set()
        inputs[name] = found & set(names) - {name}
    return inputs


def order_by_inputs(names: Sequence[str], inputs: Mapping[str, set[str]]) -> list[str]:
    """``names`` (in priority order) reordered so that every analyzer follows its inputs.

    Among analyzers whose inputs are all placed, the one earliest in ``names``
    goes next, so priorities are kept wherever the inputs allow.

    Raises
    ------
    ConfigError
        When analyzers read each other's columns in a cycle.

    Examples
    --------
    >>> order_by_inputs(["scatter", "camera", "spectrometer"], {"scatter": {"camera"}})
    ['camera', 'scatter', 'spectrometer']
    """
    ordered: list[str] = []
    waiting = list(names)
    while waiting:
        ready = next((n for n in waiting if inputs.get(n, set()) <= set(ordered)), None)
        if ready is None:
            cycle = ", ".join(f"{n} reads {sorted(inputs.get(n, set()))}" for n in waiting)
            raise ConfigError(
                f"analyzers read each other's s-file columns in a cycle ({cycle}); "
                "none of them could ever start: remove one of the columns from the group"
            )
        ordered.append(ready)
        waiting.remove(ready)
    return ordered
