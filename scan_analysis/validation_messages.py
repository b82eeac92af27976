"""Validation errors (pydantic, YAML) as the lines a user reads: written once, used everywhere.

Each problem becomes one line naming the file, the line and column in it when
the YAML text is at hand, the dotted key, what is wrong and what is expected:

    configs/UC_TopView.yaml:24:5: unknown key 'image.roi.x_mn' (did you mean 'x_min'?); ...

Config loaders, the task queue, the command line and the widgets all call
:func:`describe_validation_error` and :func:`describe_yaml_error`; none
formats a ``ValidationError`` or a ``YAMLError`` itself.
"""

from __future__ import annotations

import inspect
import os
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from scan_analysis.suggestions import did_you_mean

if TYPE_CHECKING:  # imported where YAML is read: worker processes start without it
    import yaml

Location = tuple[int, int]  # 1-based line and column


def describe_validation_error(
    error: ValidationError,
    model: type[BaseModel] | None = None,
    *,
    source: str | os.PathLike | None = None,
    key_prefix: Sequence[str] = (),
    yaml_text: str | None = None,
) -> list[str]:
    """One line per problem of a pydantic ``ValidationError``.

    Parameters
    ----------
    error : ValidationError
        What pydantic raised.
    model : pydantic model class, optional
        The model validated; lets unknown keys list the valid keys there.
    source : path, optional
        The file the data came from, named first on every line. When it is a
        readable YAML file (or ``yaml_text`` is given) the line and column of
        each key are added, as YAML syntax errors have them.
    key_prefix : sequence of str
        Where the validated mapping sits in that file (``("image",)`` for a
        diagnostic's ``image:`` block); keys are shown and found from there.
    yaml_text : str, optional
        The YAML text the data was read from, when it is not ``source``'s.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from pydantic import BaseModel, ConfigDict
    >>> class Scan(BaseModel):
    ...     model_config = ConfigDict(extra="forbid")
    ...     priority: int = 100
    >>> try:
    ...     Scan.model_validate({"priorty": 5})
    ... except ValidationError as error:
    ...     describe_validation_error(error, Scan, source="a.yaml", yaml_text="priorty: 5\\n")
    ["a.yaml:1:1: unknown key 'priorty' (did you mean 'priority'?); valid keys here: priority"]
    """
    prefix = tuple(key_prefix)
    locate = _key_locator(source, yaml_text)
    problems = []
    for item in error.errors():
        location = prefix + tuple(item["loc"])
        key = ".".join(str(part) for part in location) or "(top level)"
        at = _where(source, locate(location))
        if item["type"] == "extra_forbidden":
            keys = _keys_at(model, tuple(item["loc"])[:-1])
            hint = did_you_mean(str(location[-1]), keys) if keys else ""
            valid = f"; valid keys here: {', '.join(keys)}" if keys else ""
            problems.append(f"{at}unknown key '{key}'{hint}{valid}")
        elif item["type"] == "missing":
            problems.append(f"{at}missing required key '{key}'")
        else:
            message = item["msg"].removeprefix("Value error, ")  # pydantic's prefix says nothing
            problems.append(f"{at}'{key}': {message} (got {_short(item.get('input'))})")
    return problems


def describe_problems(heading: str, problems: Sequence[str]) -> str:
    """Several problems as one message: the heading, then one ``  - `` line per problem.

    What ``configs check`` prints and what a command that cannot run says, alike.

    Examples
    --------
    >>> print(describe_problems("group demo cannot run: 2 problem(s)", ["a.yaml: x", "b.yaml: y"]))
    group demo cannot run: 2 problem(s):
      - a.yaml: x
      - b.yaml: y
    """
    return f"{heading}:\n" + "\n".join(f"  - {problem}" for problem in problems)


def describe_yaml_error(error: yaml.YAMLError, *, source: str | os.PathLike | None = None) -> str:
    """One line for a YAML syntax error: ``file:line:column: malformed YAML: what``.

    Examples
    --------
    >>> import yaml
    >>> try:
    ...     yaml.safe_load("a: [1, 2\\n")
    ... except yaml.YAMLError as error:
    ...     print(describe_yaml_error(error, source="g.yaml"))  # doctest: +ELLIPSIS
    g.yaml:2:1: malformed YAML: expected ',' or ']', but got '<stream end>' (check ...)
    """
    import yaml

    mark = error.problem_mark if isinstance(error, yaml.MarkedYAMLError) else None
    if source is None:
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "the text"
    else:
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else str(source)
    if not isinstance(error, yaml.MarkedYAMLError):
        return f"{where}: malformed YAML: {str(error).splitlines()[0] if str(error) else error!r}"
    hint = (
        ""
        if isinstance(error, yaml.constructor.ConstructorError)
        else " (check indentation, colons and quotes)"
    )
    return f"{where}: malformed YAML: {error.problem or error}{hint}"


def locate_key(yaml_text: str, path: Sequence[str | int]) -> Location | None:
    """Line and column (1-based) of the deepest key of ``path`` found in ``yaml_text``.

    Parts the text does not have (pydantic adds model names inside unions) are
    skipped; None when the text is not YAML or the first key is not there.

    Examples
    --------
    >>> locate_key("image:\\n  roi:\\n    x_mn: 3\\n", ("image", "roi", "x_mn"))
    (3, 5)
    >>> locate_key("steps: [a, b]\\n", ("steps", 1))
    (1, 12)
    """
    import yaml

    try:
        node = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    found: Location | None = None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = next(
                (
                    (k, v)
                    for k, v in node.value
                    if isinstance(k, yaml.ScalarNode) and k.value == str(part)
                ),
                None,
            )
            if match is None:
                continue
            key_node, node = match
            found = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
            found = (node.start_mark.line + 1, node.start_mark.column + 1)
        else:
            continue
    return found


def _key_locator(
    source: str | os.PathLike | None, yaml_text: str | None
) -> typing.Callable[[tuple], Location | None]:
    """Find keys in the YAML text (read from ``source`` once, only when there is an error)."""
    if yaml_text is None and source is not None:
        try:
            path = Path(source)
            yaml_text = path.read_text(encoding="utf-8") if path.is_file() else None
        except (OSError, UnicodeDecodeError, ValueError):
            yaml_text = None
    if yaml_text is None:
        return lambda location: None
    text = yaml_text
    return lambda location: locate_key(text, location)


def _where(source: str | os.PathLike | None, location: Location | None) -> str:
    if source is None:
        return ""
    if location is None:
        return f"{source}: "
    return f"{source}:{location[0]}:{location[1]}: "


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _keys_at(model: type[BaseModel] | None, location: tuple) -> list[str]:
    """The keys (as written in YAML) of the model reached by following ``location``."""
    current = model
    for part in location:
        if current is None:
            return []
        if isinstance(part, int):
            continue
        fields = {info.alias or name: info for name, info in current.model_fields.items()}
        if part not in fields:
            continue  # a union member's name, not a key
        current = _nested_model(fields[part].annotation)
    if current is None:
        return []
    return [info.alias or name for name, info in current.model_fields.items()]


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    for inner in typing.get_args(annotation):
        found = _nested_model(inner)
        if found is not None:
            return found
    return None
