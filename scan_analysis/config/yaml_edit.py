"""Edit YAML text in place: change only what differs, keep every other byte.

Config files are kept by hand: comments, key order, flow or block style,
quoting and spacing all carry meaning for the people who read them. Instead of
dumping a new file, :func:`edit_yaml_text` finds, with the parser's marks, the
spans of the text whose values differ from the wanted data and rewrites only
those: a changed value is replaced where it stands (keeping its quote style),
a new key is inserted after its neighbour in the mapping's own style, a
removed key or list item takes its lines with it. The result is checked to
load as the wanted data.

Examples
--------
>>> text = "roi:            # drop the edges\\n  x_min: 8\\n  x_max: 248\\n"
>>> print(edit_yaml_text(text, {"roi": {"x_min": 10, "x_max": 248}}), end="")
roi:            # drop the edges
  x_min: 10
  x_max: 248
>>> print(edit_yaml_text("a: {b: 1}\\n", {"a": {"b": 1, "c": [1, 2]}}), end="")
a: {b: 1, c: [1, 2]}
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass
from typing import Any

import yaml

from scan_analysis.validation_messages import describe_yaml_error

__all__ = ["YamlEditError", "edit_yaml_text", "same_data"]

_INLINE_LIMIT = 60  # a new collection up to this many characters is written in flow style


class YamlEditError(ValueError):
    """The text could not be edited to hold the wanted data while keeping its layout."""


def same_data(a: Any, b: Any) -> bool:
    """Whether two YAML values are equal, telling ``true`` from ``1`` (Python does not).

    Examples
    --------
    >>> same_data({"a": [1, 2.0]}, {"a": [1.0, 2]}), same_data(True, 1), same_data(1, "1")
    (True, False, False)
    """
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_data(a[key], b[key]) for key in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same_data(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return a == b
    return type(a) is type(b) and a == b


def edit_yaml_text(text: str, data: dict[str, Any]) -> str:
    """YAML text that loads as ``data``, changed from ``text`` only where values differ.

    Parameters
    ----------
    text : str
        The file's current text (a YAML mapping; may be empty).
    data : dict
        What the file should hold.

    Returns
    -------
    str
        ``text`` itself when it already holds ``data``; otherwise ``text`` with
        only the differing spans rewritten. Comments and layout inside a
        rewritten collection are lost only when its kind changes (a list
        becoming a mapping, say); everywhere else they stay as they were.

    Raises
    ------
    YamlEditError
        ``text`` is not YAML, or (should never happen) the edited text would
        not load as ``data``; the file must then not be written.
    """
    data = _plain(data)
    try:
        old = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise YamlEditError(f"the text is not valid YAML: {describe_yaml_error(error)}") from None
    if same_data(old, data):
        return text
    editor = _TextEditor(text)
    if root is None:  # empty document
        return editor.new_document(data)
    editor.diff(root, old, data, _Slot("root"))
    result = editor.result()
    try:
        reloaded = yaml.safe_load(result)
    except yaml.YAMLError as error:
        raise YamlEditError(
            f"the edited text would not be valid YAML: {describe_yaml_error(error)}"
        ) from None
    if not same_data(reloaded, data):
        raise YamlEditError(
            "the edited text would not hold the wanted values (an edit this module cannot make "
            "in place, e.g. near an anchor or alias)"
        )
    return result


# --- rendering values ------------------------------------------------------------------------
def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list | tuple)


def _is_flat(value: Any) -> bool:
    """A collection whose items are all scalars (written in flow style: ``[192, 64]``)."""
    items = value.values() if isinstance(value, dict) else value
    return all(_is_scalar(item) for item in items)


def render_inline(value: Any, *, style: str | None = None, in_flow: bool = False) -> str:
    """One value on one line: a scalar, or a collection in flow style.

    ``in_flow``: the value goes inside ``[...]`` or ``{...}``, where ``,[]{}``
    need quotes.

    Examples
    --------
    >>> render_inline(2.5e-05), render_inline("x: y"), render_inline([1, {"a": None}])
    ('2.5e-05', "'x: y'", '[1, {a: null}]')
    >>> render_inline("level", style='"')
    '"level"'
    """
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, str) and (style in ('"', "'") or "\n" in value):
        dumped = yaml.safe_dump(value, default_style=style or '"', width=math.inf)
    elif _is_scalar(value) and in_flow:  # quoted as an item of a flow list would be
        dumped = yaml.safe_dump([value], default_flow_style=True, width=math.inf)
        dumped = dumped.strip().removeprefix("[").removesuffix("]")
    elif _is_scalar(value):
        dumped = yaml.safe_dump(value, width=math.inf, allow_unicode=True)
    else:
        dumped = yaml.safe_dump(
            value, default_flow_style=True, width=math.inf, sort_keys=False, allow_unicode=True
        )
    dumped = dumped.removesuffix("\n").removesuffix("\n...").removesuffix("...")
    return dumped.strip("\n")


@dataclass
class _Slot:
    """Where a node sits: the document root, a mapping value (after ``key_node``) or a list item."""

    kind: str  # "root" | "value" | "item"
    key_node: yaml.Node | None = None
    parent: yaml.Node | None = None

    @property
    def in_flow(self) -> bool:
        return bool(self.parent is not None and self.parent.flow_style)


@dataclass
class _Edit:
    start: int
    end: int
    order: int
    text: str


class _TextEditor:
    """Collects span edits on the original text, then applies them back to front."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.edits: list[_Edit] = []
        self.step, self.indent_sequences = self._detect_style()

    # --- text positions --------------------------------------------------------------------
    def line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def line_end(self, index: int) -> int:
        """Index of the end of the line holding ``index`` (before ``\\r\\n``/``\\n``)."""
        end = self.text.find("\n", index)
        if end < 0:
            return len(self.text)
        return end - 1 if end > 0 and self.text[end - 1] == "\r" else end

    def column(self, index: int) -> int:
        return index - self.line_start(index)

    def first_on_line(self, index: int) -> bool:
        return not self.text[self.line_start(index) : index].strip()

    def after_line(self, index: int) -> int:
        """Index just past the newline of the line holding ``index`` (or the end of the text)."""
        end = self.text.find("\n", index)
        return len(self.text) if end < 0 else end + 1

    def content_end(self, node: yaml.Node) -> int:
        """Where a node's own text ends (block collections: their last scalar, not what follows)."""
        if isinstance(node, yaml.ScalarNode) or node.flow_style:
            return node.end_mark.index
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                children += [key, value]
        else:
            children = list(node.value)
        return max(self.content_end(child) for child in children)

    def _detect_style(self) -> tuple[int, bool]:
        """The file's mapping indent step and whether block lists are indented under their key."""
        step, indented = 2, True
        try:
            root = yaml.compose(self.text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            return step, indented
        found_step = found_list = False
        stack = [root] if root is not None else []
        while stack and not (found_step and found_list):
            node = stack.pop()
            if not isinstance(node, yaml.MappingNode) or node.flow_style:
                if isinstance(node, yaml.SequenceNode):
                    stack += node.value
                continue
            for key, value in node.value:
                if isinstance(value, yaml.MappingNode) and not value.flow_style and not found_step:
                    difference = self.column(value.start_mark.index) - self.column(
                        key.start_mark.index
                    )
                    if difference > 0:
                        step, found_step = difference, True
                if isinstance(value, yaml.SequenceNode) and not value.flow_style and not found_list:
                    dash = self.column(value.start_mark.index)
                    indented, found_list = dash > self.column(key.start_mark.index), True
                stack.append(value)
        return step, indented

    # --- collecting and applying edits -----------------------------------------------------
    def replace(self, start: int, end: int, text: str) -> None:
        self.edits.append(_Edit(start, end, len(self.edits), text))

    def result(self) -> str:
        """Apply the edits back to front; at one position a deletion goes before insertions,
        and insertions keep the order they were made in."""
        text = self.text
        edits = sorted(self.edits, key=lambda edit: (edit.start, edit.end, edit.order))
        previous_start = len(text) + 1
        for edit in reversed(edits):
            if edit.end > previous_start:
                raise YamlEditError("overlapping edits (a bug): nothing was written")
            text = text[: edit.start] + edit.text + text[edit.end :]
            previous_start = edit.start
        return text

    def insert_lines_after(self, index: int, block: str) -> None:
        """Insert whole lines after the line holding ``index`` (its comment stays on it)."""
        position = self.after_line(index)
        if position == len(self.text) and not self.text.endswith("\n"):
            self.replace(position, position, self.newline + block)
        else:
            self.replace(position, position, block + self.newline)

    def delete_flow_runs(self, spans: list[tuple[int, int]], deleted: list[int]) -> None:
        """Delete items of a flow collection with their commas (``spans``: each item's text)."""
        runs: list[list[int]] = []
        for index in sorted(deleted):
            if runs and runs[-1][-1] == index - 1:
                runs[-1].append(index)
            else:
                runs.append([index])
        for run in runs:
            first, last = run[0], run[-1]
            if last + 1 < len(spans):
                self.replace(spans[first][0], spans[last + 1][0], "")
            else:
                self.replace(spans[first - 1][1], spans[last][1], "")

    def new_document(self, data: dict[str, Any]) -> str:
        lines = self.block_lines(data, 0) if data else ["{}"]
        return self.text + self.newline.join(lines) + self.newline

    # --- rendering blocks ------------------------------------------------------------------
    def block_lines(self, value: Any, indent: int) -> list[str]:
        """A collection in block style, each line starting at column ``indent``."""
        pad = " " * indent
        lines: list[str] = []
        if isinstance(value, dict):
            for key, item in value.items():
                lines += self.entry_lines(key, item, indent)
            return lines
        for item in value:
            if isinstance(item, dict) and item and not self.inline_fits(item):
                inner = self.block_lines(item, indent + 2)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines += inner[1:]
            else:
                lines.append(f"{pad}- {render_inline(item)}")
        return lines

    def entry_lines(self, key: Any, value: Any, indent: int) -> list[str]:
        pad = " " * indent
        head = f"{pad}{render_inline(key)}:"
        if _is_scalar(value) or not value or self.inline_fits(value):
            return [f"{head} {render_inline(value)}"]
        if isinstance(value, dict):
            return [head, *self.block_lines(value, indent + self.step)]
        child = indent + (self.step if self.indent_sequences else 0)
        return [head, *self.block_lines(value, child)]

    @staticmethod
    def inline_fits(value: Any) -> bool:
        return _is_flat(value) and len(render_inline(value)) <= _INLINE_LIMIT

    # --- the diff ---------------------------------------------------------------------------
    def diff(self, node: yaml.Node, old: Any, new: Any, slot: _Slot) -> None:
        if same_data(old, new):
            return
        both_mappings = isinstance(old, dict) and isinstance(new, dict) and bool(new)
        if isinstance(node, yaml.MappingNode) and both_mappings and len(node.value) == len(old):
            self.edit_mapping(node, old, new, slot)
            return
        both_lists = isinstance(old, list) and isinstance(new, list | tuple) and bool(new)
        if isinstance(node, yaml.SequenceNode) and both_lists:
            self.edit_sequence(node, old, list(new), slot)
            return
        self.replace_value(node, new, slot)

    def replace_value(self, node: yaml.Node, new: Any, slot: _Slot) -> None:
        """Rewrite one value where it stands.

        A scalar or flow value is replaced in its span (keeping its quote
        style); a block collection is replaced with its lines, keeping the
        comment on its key's line. A new collection is written in flow style
        when it is short and flat and the old value was not a block.
        """
        is_inline_node = isinstance(node, yaml.ScalarNode) or node.flow_style
        inline = (
            slot.in_flow or _is_scalar(new) or not new or (is_inline_node and self.inline_fits(new))
        )
        if is_inline_node and inline:
            style = node.style if isinstance(node, yaml.ScalarNode) else None
            text = render_inline(
                new, style=style if isinstance(new, str) else None, in_flow=slot.in_flow
            )
            start, end = node.start_mark.index, node.end_mark.index
            if start == end and not slot.in_flow:  # an empty value (``key:``): add a space
                text = " " + text
            self.replace(start, end, text)
            return
        if slot.kind == "value":
            colon = self.text.index(":", slot.key_node.end_mark.index) + 1
            if is_inline_node:  # ``roi: null  # note`` -> ``roi:  # note`` + the block below
                indent = self.column(slot.key_node.start_mark.index) + (
                    self.step if isinstance(new, dict) or self.indent_sequences else 0
                )
                block = self.newline.join(self.block_lines(new, indent))
                end = node.end_mark.index
                self.replace(colon, end, "")
                self.replace(self.line_end(end), self.line_end(end), self.newline + block)
                return
            # a block collection: its lines go, the key's line (and its comment) stays
            key_line_end = self.line_end(colon)
            block_end = self.line_end(self.content_end(node))
            if inline:
                self.replace(colon, colon, " " + render_inline(new))
                self.replace(key_line_end, block_end, "")
                return
            indent = self.column(node.start_mark.index)
            if isinstance(new, dict) != isinstance(node, yaml.MappingNode):
                indent = self.column(slot.key_node.start_mark.index) + (
                    self.step if isinstance(new, dict) or self.indent_sequences else 0
                )
            block = self.newline.join(self.block_lines(new, indent))
            self.replace(key_line_end, block_end, self.newline + block)
            return
        # a list item or the whole document: the first line takes the node's place
        start = node.start_mark.index
        end = node.end_mark.index if is_inline_node else self.line_end(self.content_end(node))
        if inline:
            self.replace(start, end, render_inline(new))
            return
        lines = self.block_lines(new, self.column(start))
        self.replace(start, end, self.newline.join([lines[0].lstrip(), *lines[1:]]))

    # --- mappings -----------------------------------------------------------------------------
    def edit_mapping(self, node: yaml.MappingNode, old: dict, new: dict, slot: _Slot) -> None:
        pairs = list(zip(old.keys(), node.value, strict=True))
        if not node.flow_style and any(
            key not in new and not self.first_on_line(pair[0].start_mark.index)
            for key, pair in pairs
        ):  # deleting ``- first: ...`` of a list item would take the dash: rewrite the item
            self.replace_value(node, new, slot)
            return
        for key, (key_node, value_node) in pairs:
            if key in new:
                self.diff(value_node, old[key], new[key], _Slot("value", key_node, node))
        kept = [(key, pair) for key, pair in pairs if key in new]
        if not kept:  # every old key goes: write the new mapping in place
            self.replace_value(node, new, slot)
            return
        deleted = [index for index, (key, _) in enumerate(pairs) if key not in new]
        if node.flow_style:
            spans = [(k.start_mark.index, v.end_mark.index) for _, (k, v) in pairs]
            self.delete_flow_runs(spans, deleted)
        for index in deleted:
            if not node.flow_style:
                key_node, value_node = pairs[index][1]
                start = self.line_start(key_node.start_mark.index)
                self.replace(start, self.after_line(self.content_end(value_node)), "")
        previous: tuple[yaml.Node, yaml.Node] | None = None
        pending: list[tuple[Any, Any]] = []
        for key, value in new.items():
            if key in old:
                if pending:
                    self.insert_entries(node, previous, dict(pairs)[key], pending)
                    pending = []
                previous = dict(pairs)[key]
            else:
                pending.append((key, value))
        if pending:
            self.insert_entries(node, previous, None, pending)

    def insert_entries(
        self,
        node: yaml.MappingNode,
        after: tuple[yaml.Node, yaml.Node] | None,
        before: tuple[yaml.Node, yaml.Node] | None,
        entries: list[tuple[Any, Any]],
    ) -> None:
        if node.flow_style:
            parts = [
                f"{render_inline(key, in_flow=True)}: {render_inline(value, in_flow=True)}"
                for key, value in entries
            ]
            if after is not None:
                self.replace(
                    after[1].end_mark.index, after[1].end_mark.index, ", " + ", ".join(parts)
                )
            else:
                position = before[0].start_mark.index
                self.replace(position, position, ", ".join(parts) + ", ")
            return
        first_key = node.value[0][0]
        indent = self.column(first_key.start_mark.index)
        lines = [line for key, value in entries for line in self.entry_lines(key, value, indent)]
        block = self.newline.join(lines)
        if after is None and self.first_on_line(first_key.start_mark.index):
            position = self.line_start(before[0].start_mark.index)
            self.replace(position, position, block + self.newline)
            return
        if after is None:  # the mapping starts after ``- ``: add the entries at its end
            after = node.value[-1]
        self.insert_lines_after(self.content_end(after[1]), block)

    # --- sequences ---------------------------------------------------------------------------
    def edit_sequence(self, node: yaml.SequenceNode, old: list, new: list, slot: _Slot) -> None:
        items = list(node.value)
        if not node.flow_style and not all(self._dash_before(item) for item in items):
            self.replace_value(node, new, slot)
            return
        item_slot = _Slot("item", None, node)
        if len(old) == len(new):
            for item, before, after in zip(items, old, new, strict=True):
                self.diff(item, before, after, item_slot)
            return
        keys_old = [_fingerprint(value) for value in old]
        keys_new = [_fingerprint(value) for value in new]
        matcher = difflib.SequenceMatcher(a=keys_old, b=keys_new, autojunk=False)
        opcodes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
        deleted: list[int] = []
        for _, i1, i2, j1, j2 in opcodes:
            common = min(i2 - i1, j2 - j1)
            deleted += range(i1 + common, i2)
        if len(deleted) == len(old):  # nothing kept in place: write the list anew
            self.replace_value(node, new, slot)
            return
        for _, i1, i2, j1, j2 in opcodes:
            common = min(i2 - i1, j2 - j1)
            for offset in range(common):
                self.diff(items[i1 + offset], old[i1 + offset], new[j1 + offset], item_slot)
            extra = new[j1 + common : j2]
            if extra:
                self.insert_items(node, i1 + common - 1, extra)
        if node.flow_style:
            self.delete_flow_runs([(i.start_mark.index, i.end_mark.index) for i in items], deleted)
            return
        for index in deleted:
            start = self.line_start(items[index].start_mark.index)
            self.replace(start, self.after_line(self.content_end(items[index])), "")

    def _dash_before(self, item: yaml.Node) -> bool:
        start = item.start_mark.index
        return self.text[self.line_start(start) : start].strip() == "-"

    def insert_items(self, node: yaml.SequenceNode, after_index: int, values: list) -> None:
        items = node.value
        if node.flow_style:
            parts = ", ".join(render_inline(value, in_flow=True) for value in values)
            if after_index >= 0:
                position = items[after_index].end_mark.index
                self.replace(position, position, ", " + parts)
            else:
                position = items[0].start_mark.index
                self.replace(position, position, parts + ", ")
            return
        first = items[0].start_mark.index
        dash_column = self.text.rindex("-", self.line_start(first), first) - self.line_start(first)
        block = self.newline.join(self.block_lines(values, dash_column))
        if after_index >= 0:
            self.insert_lines_after(self.content_end(items[after_index]), block)
        else:
            position = self.line_start(first)
            self.replace(position, position, block + self.newline)


def _plain(value: Any) -> Any:
    """Tuples as lists (YAML has only lists), recursively."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _fingerprint(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
