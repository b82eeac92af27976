"""The file side of the config editor: the tree of analyzer and group YAML and the file actions.

    view = ConfigTreeView(on_pick=editor.open, on_action=editor.do_action,
                          describe_action=editor.describe_action)
    view.refresh(tree, current="analyzers/Undulator/UC_TopView.yaml")
    view.buttons["duplicate"].click(); view.name.value = "UC_TopView_2"; view.ok.click()

Files show under their folders (a ⚠ marks one that does not load); folder
lines cannot be opened. A filter narrows the list by name. New analyzer, new
group, duplicate and rename open a small form (name, folder, camera or line);
what they do is the editor's (``on_action``).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets

from scan_analysis.config.analysis_group_loader import ConfigTree
from scan_analysis.errors import ScanAnalysisError

WIDTH = "250px"
_INDENT = "\u00a0\u00a0\u00a0"
ACTIONS = (
    ("new_analyzer", "New analyzer", "file"),
    ("new_group", "New group", "list"),
    ("duplicate", "Duplicate", "copy"),
    ("rename", "Rename", "i-cursor"),
)


def tree_options(tree: ConfigTree, wanted: str = "") -> list[tuple[str, str]]:
    """``(label, value)`` lines of the tree: folders (value ``#...``) and files (relative path).

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "analyzers" / "HTU").mkdir(parents=True)
    >>> _ = (root / "analyzers" / "HTU" / "GaiaMode.yaml").write_text("name: GaiaMode\\n")
    >>> [label.strip() for label, _ in tree_options(ConfigTree(root))]
    ['analyzers/', 'HTU/', 'GaiaMode', 'groups/']
    """
    options: list[tuple[str, str]] = []
    root = tree.root
    wanted = wanted.strip().lower()
    for top, paths in (
        ("analyzers", sorted(tree.analyzers.values())),
        ("groups", sorted(tree.groups.values())),
    ):
        options.append((f"{top}/", f"#{top}"))
        folders_seen: set[str] = set()
        for path in paths:
            if wanted not in path.relative_to(root).as_posix().lower():
                continue
            relative = path.relative_to(root / top)
            for depth, folder in enumerate(relative.parts[:-1], start=1):
                folder_key = "/".join(relative.parts[:depth])
                if folder_key not in folders_seen:
                    folders_seen.add(folder_key)
                    options.append((_INDENT * depth + f"{folder}/", f"#{top}/{folder_key}"))
            mark = "" if _loads(tree, path, top) else " \u26a0"
            label = _INDENT * len(relative.parts) + path.stem + mark
            options.append((label, path.relative_to(root).as_posix()))
    return options


def _loads(tree: ConfigTree, path: Path, top: str) -> bool:
    """Whether a file loads (class imports are not checked here)."""
    try:
        if top == "analyzers":
            tree.load_analyzer(path.stem)
        else:
            tree.load_group(path.relative_to(tree.root / "groups").with_suffix("").as_posix())
    except ScanAnalysisError:
        return False
    return True


class ConfigTreeView(ipywidgets.VBox):
    """The tree of config files with a filter and the new / duplicate / rename actions.

    Parameters
    ----------
    on_pick : callable
        ``on_pick(relative_path) -> bool``: open a file a person picked; when it
        returns False the selection goes back to the open file.
    on_action : callable
        ``on_action(action, name, folder, kind) -> bool``: do an action; the
        action form closes when it returns True.
    describe_action : callable
        ``describe_action(action) -> str | None``: the title of the action form,
        or None when the action is not possible now (the editor says why).

    Attributes
    ----------
    select : ipywidgets.Select
        The file list (class ``sa-config-tree``).
    filter : ipywidgets.Text
    buttons : dict of str to ipywidgets.Button
        ``new_analyzer``, ``new_group``, ``duplicate``, ``rename``.
    name, folder, kind, ok, cancel :
        The action form's controls.
    """

    def __init__(
        self,
        *,
        on_pick: Callable[[str], bool],
        on_action: Callable[[str, str, str, str], bool],
        describe_action: Callable[[str], str | None],
    ) -> None:
        self.on_pick, self.on_action, self.describe_action = on_pick, on_action, describe_action
        self.current = ""
        self.action = ""
        self._quiet = False
        self.filter = ipywidgets.Text(placeholder="filter by name", layout={"width": WIDTH})
        self.filter.add_class("sa-config-filter")
        self.select = ipywidgets.Select(options=[], rows=24, layout={"width": WIDTH})
        self.select.add_class("sa-config-tree")
        self.select.observe(self._picked, "value")
        self.buttons: dict[str, ipywidgets.Button] = {}
        for action, label, icon in ACTIONS:
            button = ipywidgets.Button(description=label, icon=icon, layout={"width": "122px"})
            button.add_class(f"sa-config-{action.replace('_', '-')}")
            button.on_click(lambda _, a=action: self.ask(a))
            self.buttons[action] = button
        self.title = ipywidgets.HTML("")
        self.name = ipywidgets.Text(placeholder="name", layout={"width": WIDTH})
        self.name.add_class("sa-config-action-name")
        self.folder = ipywidgets.Combobox(
            placeholder="folder (optional)", ensure_option=False, layout={"width": WIDTH}
        )
        self.folder.add_class("sa-config-action-folder")
        self.kind = ipywidgets.ToggleButtons(
            options=["camera", "line"], style={"button_width": "80px"}
        )
        self.ok = ipywidgets.Button(description="OK", button_style="primary")
        self.ok.add_class("sa-config-action-ok")
        self.ok.on_click(lambda _: self._confirm())
        self.cancel = ipywidgets.Button(description="Cancel")
        self.cancel.on_click(lambda _: self.hide_action())
        self.action_box = ipywidgets.VBox(
            [
                self.title,
                self.name,
                self.folder,
                self.kind,
                ipywidgets.HBox([self.ok, self.cancel]),
            ],
            layout={"border": "1px solid #c9d3df", "padding": "4px", "display": "none"},
        )
        super().__init__(
            [
                ipywidgets.HBox([self.buttons["new_analyzer"], self.buttons["new_group"]]),
                ipywidgets.HBox([self.buttons["duplicate"], self.buttons["rename"]]),
                self.action_box,
                self.filter,
                self.select,
            ],
            layout={"width": "270px", "min_width": "270px"},
        )
        self._tree: ConfigTree | None = None
        self.filter.observe(lambda _: self.refresh(self._tree, self.current), "value")

    # --- the list -----------------------------------------------------------------------------
    def refresh(self, tree: ConfigTree | None, current: str) -> None:
        """Show the files of ``tree`` (as it is on disk now), ``current`` selected."""
        self._tree, self.current = tree, current
        if tree is None:
            return
        options = tree_options(tree, self.filter.value)
        self._quiet = True
        try:
            self.select.options = options
        finally:
            self._quiet = False
        self.show(current)
        root = tree.root
        folders = {p.parent.relative_to(root / "analyzers") for p in tree.analyzers.values()}
        folders |= {p.parent.relative_to(root / "groups") for p in tree.groups.values()}
        self.folder.options = sorted(f.as_posix() for f in folders if f.as_posix() != ".")

    def show(self, current: str) -> None:
        """Select the open file (nothing when it is filtered out) without opening anything."""
        self.current = current
        values = [value for _, value in self.select.options]
        self._quiet = True
        try:
            self.select.value = current if current in values else None
        finally:
            self._quiet = False

    def _picked(self, change: dict[str, Any]) -> None:
        if self._quiet or not change["new"]:
            return
        value = change["new"]
        if value.startswith("#") or value == self.current:  # a folder line
            self.show(self.current)
            return
        if not self.on_pick(value):
            self.show(self.current)

    # --- actions ------------------------------------------------------------------------------
    def ask(self, action: str) -> None:
        """Open the form of an action (a key of ``ACTIONS``)."""
        title = self.describe_action(action)
        if title is None:
            return
        self.action = action
        self.title.value = f"<b>{html.escape(title)}</b>"
        self.folder.layout.display = None if action.startswith("new") else "none"
        self.kind.layout.display = None if action == "new_analyzer" else "none"
        self.name.value = ""
        self.action_box.layout.display = None

    def hide_action(self) -> None:
        self.action_box.layout.display = "none"
        self.action = ""

    def _confirm(self) -> None:
        if self.action and self.on_action(
            self.action, self.name.value, self.folder.value, self.kind.value
        ):
            self.hide_action()
