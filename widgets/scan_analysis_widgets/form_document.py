"""The YAML mapping a form edits: values by path, written only when a person changes one.

    document = FormDocument(data)
    document.write(("image", "roi", "x_min"), 12)     # tells the listeners
    document.get(("image", "roi", "x_min"))            # 12

Controls register a message sink under their dotted key (``sinks``) so
validation messages can be routed to them, and each mapping's key order
(``key_orders``) so a new key lands where the lab's files put it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from scan_analysis.config.yaml_edit import same_data

Path = tuple[Any, ...]
MISSING = object()
"""Stands for "no such key" (None is a value: YAML's null)."""
_MISSING = MISSING


def dotted(path: Path) -> str:
    """``("image", "roi", "x_min")`` → ``"image.roi.x_min"``.

    Examples
    --------
    >>> dotted(("analyzers", 2, "ref"))
    'analyzers.2.ref'
    """
    return ".".join(str(part) for part in path)


def css_name(path: Path) -> str:
    """A CSS class for a field: ``sa-field-image-roi-x_min``.

    Examples
    --------
    >>> css_name(("image", "roi", "x_min"))
    'sa-field-image-roi-x_min'
    """
    return "sa-field-" + "-".join(str(part) for part in path)


class FormDocument:
    """The mapping a form edits, the one it started from, and who to tell about changes.

    Parameters
    ----------
    data : dict
        The values as loaded from YAML; edited in place (a deep copy is kept
        as :attr:`original`).
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.original = copy.deepcopy(data)
        self._listeners: list[Callable[[], None]] = []
        self.sinks: dict[str, Callable[[list[str]], None]] = {}
        self.key_orders: dict[Path, list[str]] = {}

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after every change a control makes."""
        self._listeners.append(callback)

    def changed(self) -> None:
        for callback in list(self._listeners):
            callback()

    @staticmethod
    def _lookup(root: Any, path: Path) -> Any:
        node = root
        for part in path:
            in_dict = isinstance(node, dict) and part in node
            in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            if not (in_dict or in_list):
                return _MISSING
            node = node[part]
        return node

    def get(self, path: Path, default: Any = _MISSING) -> Any:
        """The value at ``path``, or ``default`` when absent."""
        value = self._lookup(self.data, path)
        return default if value is _MISSING else value

    def has(self, path: Path) -> bool:
        return self._lookup(self.data, path) is not _MISSING

    def original_value(self, path: Path) -> Any:
        """The value the file had at ``path`` (``_MISSING`` when it had none)."""
        return self._lookup(self.original, path)

    def set(self, path: Path, value: Any) -> None:
        """Set a value, creating parent mappings that are absent, null or not mappings.

        A new key takes its place in the mapping's key order (see
        :attr:`key_orders`) rather than going last.
        """
        node = self.data
        for depth, part in enumerate(path[:-1]):
            child = node[part] if isinstance(node, list) else node.get(part)
            following = path[depth + 1]
            fits = isinstance(child, dict) or (
                isinstance(child, list) and isinstance(following, int)
            )
            if not fits:  # absent, null, or not a mapping (``scan: [1, 2]``): a person fixes it
                child = {}
                self._put(node, part, child, path[:depth])
            node = child
        self._put(node, path[-1], value, path[:-1])

    def _put(self, node: Any, key: Any, value: Any, where: Path) -> None:
        order = self.key_orders.get(where)
        if isinstance(node, list) or key in node or not order or key not in order:
            node[key] = value
            return
        rank = {name: index for index, name in reversed(list(enumerate(order)))}  # first wins
        items = list(node.items())
        position = next(
            (i for i, (name, _) in enumerate(items) if rank.get(name, -1) > rank[key]), len(items)
        )
        items.insert(position, (key, value))
        node.clear()
        node.update(items)

    def delete(self, path: Path) -> None:
        """Remove a key (or list item); nothing when absent."""
        parent = self._lookup(self.data, path[:-1])
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
        elif isinstance(parent, list) and isinstance(path[-1], int) and path[-1] < len(parent):
            parent.pop(path[-1])

    def write(self, path: Path, value: Any, default: Any = _MISSING) -> None:
        """Set a value as a person chose it, keeping the file's spelling where it can.

        Back to the file's own value: the file's value (its type and spelling).
        Back to the default of a key the file did not have: the key goes.
        """
        original = self.original_value(path)
        if original is not _MISSING and same_data(original, value):
            self.set(path, copy.deepcopy(original))
        elif original is _MISSING and default is not _MISSING and same_data(value, default):
            self.delete(path)
        else:
            self.set(path, value)
        self.changed()

    def unset(self, path: Path) -> None:
        """Remove a key a person cleared."""
        self.delete(path)
        self.changed()
