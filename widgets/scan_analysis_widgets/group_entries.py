"""A group's analyzer list as editable rows: ref with completion, on/off, priority, order.

    view = GroupEntriesView(document, ("analyzers",), choices=tree_names, priorities=own)
    view.new_ref.value = "UC_Spectrometer"; view.add.click()
    view.rows[0].enabled.value = False            # {ref: UC_TopView, enabled: false}
    view.rows[1].priority.value = "5"             # {ref: UC_Spectrometer, priority: 5}
    view.rows[1].up.click()                       # run it first in the file order

Entries are written the way lab files write them: a bare name while it has no
override, ``{ref: NAME, priority: 5, enabled: false}`` (flow style, keys in
the file's own order) once it has one.
"""

from __future__ import annotations

import copy
import html
from typing import Any

import ipywidgets

from scan_analysis_widgets.form_document import FormDocument, Path, css_name, dotted
from scan_analysis_widgets.model_form import ERROR_STYLE


def entry_parts(entry: Any) -> tuple[str, bool, int | None]:
    """``(ref, enabled, priority)`` of a group entry (bare name or mapping).

    Examples
    --------
    >>> entry_parts("UC_TopView"), entry_parts({"ref": "GaiaMode", "priority": 5})
    (('UC_TopView', True, None), ('GaiaMode', True, 5))
    """
    if isinstance(entry, dict):
        priority = entry.get("priority")
        return (
            str(entry.get("ref", "")),
            entry.get("enabled", True) is not False,
            priority if isinstance(priority, int) and not isinstance(priority, bool) else None,
        )
    return str(entry), True, None


def make_entry(original: Any, ref: str, enabled: bool, priority: Any) -> Any:
    """The entry to write: bare while nothing is overridden, else a mapping in the file's order.

    Examples
    --------
    >>> make_entry("Amp4Input", "Amp4Input", True, None)
    'Amp4Input'
    >>> make_entry("Amp4Input", "Amp4Input", False, 3)
    {'ref': 'Amp4Input', 'priority': 3, 'enabled': False}
    >>> make_entry({"ref": "GaiaMode", "enabled": False}, "GaiaMode", True, None)
    'GaiaMode'
    """
    entry = dict(original) if isinstance(original, dict) else {"ref": ref}
    entry["ref"] = ref
    if priority is None:
        entry.pop("priority", None)
    else:
        entry["priority"] = priority
    if enabled:
        if entry.get("enabled") is False:
            entry.pop("enabled")
    else:
        entry["enabled"] = False
    return ref if set(entry) == {"ref"} else entry


class EntryRow(ipywidgets.HBox):
    """One group entry: analyzer (with completion), enabled, priority override, move, remove."""

    problems: tuple[str, ...] | list[str] = ()  # the messages shown, as text

    def __init__(self, view: GroupEntriesView, index: int, entry: Any) -> None:
        self.view, self.index = view, index
        ref, enabled, priority = entry_parts(entry)
        path = (*view.path, index)
        self.number = ipywidgets.HTML(f"<b>{index + 1}.</b>", layout={"width": "28px"})
        self.ref = ipywidgets.Combobox(
            value=ref,
            options=view.choices,
            ensure_option=False,
            placeholder="analyzer name",
            continuous_update=False,
            layout={"width": "200px"},
        )
        self.ref.tooltip = "analyzer name (its YAML file name); type to complete"
        self.ref.add_class(css_name(path) + "-ref")
        self.enabled = ipywidgets.Checkbox(
            value=enabled, description="enabled", indent=False, layout={"width": "90px"}
        )
        self.enabled.tooltip = "off: the group skips this analyzer (enabled: false)"
        self.enabled.add_class(css_name(path) + "-enabled")
        own = view.priorities.get(ref)
        raw_priority = entry.get("priority") if isinstance(entry, dict) else None
        shown = "" if raw_priority is None else str(raw_priority)
        self.priority = ipywidgets.Text(
            value=shown,
            placeholder=f"own {own}" if own is not None else "own priority",
            continuous_update=False,
            layout={"width": "110px"},
        )
        self.priority.tooltip = (
            "priority in this group (lower runs first); empty: the analyzer's own"
        )
        self.priority.add_class(css_name(path) + "-priority")
        # text, not icons: the icon font may not load on an offline control-room page
        self.up = ipywidgets.Button(
            description="\u2191", tooltip="move up", layout={"width": "36px"}
        )
        self.down = ipywidgets.Button(
            description="\u2193", tooltip="move down", layout={"width": "36px"}
        )
        self.remove = ipywidgets.Button(
            description="\u2715", tooltip="remove from the group", layout={"width": "36px"}
        )
        for button, name in ((self.up, "up"), (self.down, "down"), (self.remove, "remove")):
            button.add_class(css_name(path) + f"-{name}")
        self.up.disabled = index == 0
        self.down.disabled = index == len(view.entries()) - 1
        self.message = ipywidgets.HTML("", layout={"flex": "1 1 auto"})
        self.message.add_class("sa-field-error")
        super().__init__(
            [
                self.number,
                self.ref,
                self.enabled,
                self.priority,
                self.up,
                self.down,
                self.remove,
                self.message,
            ],
            layout={"align_items": "center"},
        )
        self.add_class("sa-group-entry")
        for widget in (self.ref, self.enabled, self.priority):
            widget.observe(self._changed, "value")
        self.up.on_click(lambda _: view.move(index, -1))
        self.down.on_click(lambda _: view.move(index, +1))
        self.remove.on_click(lambda _: view.remove_entry(index))
        view.document.sinks[dotted(path)] = self.show_messages

    def _changed(self, _change: dict) -> None:
        text = self.priority.value.strip()
        priority: Any = None
        if text:
            try:
                priority = int(text)
            except ValueError:
                priority = text  # validation says why
        entries = self.view.entries()
        entries[self.index] = make_entry(
            entries[self.index], self.ref.value.strip(), self.enabled.value, priority
        )
        self.view.document.set(self.view.path, entries)
        self.view.document.changed()

    def show_messages(self, messages: list[str]) -> None:
        self.problems = list(messages)
        self.message.value = (
            f'<span style="{ERROR_STYLE}">{html.escape("; ".join(messages))}</span>'
            if messages
            else ""
        )


class GroupEntriesView(ipywidgets.VBox):
    """The ``analyzers:`` list of a group.

    Parameters
    ----------
    document : FormDocument
        The group being edited.
    path : tuple
        Where the list is (``("analyzers",)``).
    choices : list of str
        Analyzer names of the tree (completion).
    priorities : dict of str to int
        Each analyzer's own ``scan.priority`` (shown when there is no override).

    Attributes
    ----------
    rows : list of EntryRow
    new_ref : ipywidgets.Combobox
        Name of an analyzer to add (class ``sa-group-new-ref``).
    add : ipywidgets.Button
        Adds it (class ``sa-group-add``).
    """

    problems: tuple[str, ...] | list[str] = ()  # the messages shown, as text

    def __init__(
        self,
        document: FormDocument,
        path: Path,
        *,
        choices: list[str],
        priorities: dict[str, int] | None = None,
    ) -> None:
        self.document, self.path = document, path
        self.choices = sorted(choices)
        self.priorities = dict(priorities or {})
        self.rows: list[EntryRow] = []
        self.rows_box = ipywidgets.VBox()
        self.new_ref = ipywidgets.Combobox(
            options=self.choices,
            ensure_option=False,
            placeholder="analyzer to add",
            layout={"width": "200px"},
        )
        self.new_ref.add_class("sa-group-new-ref")
        self.add = ipywidgets.Button(description="add", icon="plus", layout={"width": "80px"})
        self.add.add_class("sa-group-add")
        self.add.on_click(lambda _: self.add_entry(self.new_ref.value))
        self.message = ipywidgets.HTML("")
        self.message.add_class("sa-field-error")
        title = ipywidgets.HTML(
            "<b>analyzers</b> <span style='color:#555; font-size:12px'>run in priority order "
            "(lower first); equal priorities keep this order</span>"
        )
        super().__init__(
            [title, self.rows_box, ipywidgets.HBox([self.new_ref, self.add, self.message])]
        )
        self.add_class("sa-group-entries")
        self.refresh()

    def entries(self) -> list[Any]:
        value = self.document.get(self.path)
        return copy.deepcopy(value) if isinstance(value, list) else []

    def refresh(self) -> None:
        prefix = dotted(self.path) + "."
        for key in [k for k in self.document.sinks if k.startswith(prefix)]:
            self.document.sinks.pop(key)
        self.document.sinks[dotted(self.path)] = self.show_messages
        self.rows = [EntryRow(self, i, entry) for i, entry in enumerate(self.entries())]
        self.rows_box.children = self.rows

    def _store(self, entries: list[Any]) -> None:
        self.document.set(self.path, entries)
        self.refresh()
        self.document.changed()

    def add_entry(self, ref: str) -> None:
        """Append an analyzer (a bare name); one already listed is refused with a message."""
        ref = ref.strip()
        if not ref:
            self.show_messages(["type an analyzer name to add"])
            return
        if ref in [entry_parts(entry)[0] for entry in self.entries()]:
            self.show_messages([f"{ref} is already in the group; change its row instead"])
            return
        self.new_ref.value = ""
        self._store([*self.entries(), ref])

    def move(self, index: int, step: int) -> None:
        """Move an entry up (-1) or down (+1) in the file order."""
        entries = self.entries()
        target = index + step
        if not 0 <= target < len(entries):
            return
        entries[index], entries[target] = entries[target], entries[index]
        self._store(entries)

    def remove_entry(self, index: int) -> None:
        entries = self.entries()
        entries.pop(index)
        self._store(entries)

    def show_messages(self, messages: list[str]) -> None:
        self.problems = list(messages)
        self.message.value = (
            f'<span style="{ERROR_STYLE}">{html.escape("; ".join(messages))}</span>'
            if messages
            else ""
        )
