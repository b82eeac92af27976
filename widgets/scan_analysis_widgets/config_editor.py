"""ConfigEditor: browse and edit analyzer and group YAML with forms built from the models.

    editor = ConfigEditor()                       # shows itself in a cell
    editor.open("UC_TopView")
    editor.field("image.roi.x_min").value = "12"  # as typed in the form
    editor.save()                                 # only the x_min line of the file changes

Left, the tree of ``analyzers/`` and ``groups/`` with new / duplicate /
rename. Middle, the form: every key of the ``image:`` and ``scan:`` blocks
from the pydantic models (tooltips are the models' descriptions), the
loader's validation message beside each field, and for a group its analyzer
list (add with completion, enable, priority override, reorder). Right, the
YAML as it will be saved (changed lines marked) and "preview on a shot": the
unsaved config run on a chosen shot in a background thread, raw and
processed side by side with the scalars.

Saving writes only the values that changed (comments and layout kept), never
an invalid config, never over a file changed on disk since it was opened
(reload offered), and only inside the config root. A file that is not valid
YAML opens as text with the parser's message so it can be fixed.
"""

from __future__ import annotations

import difflib
import html
import logging
import os
from pathlib import Path
from typing import Any

import ipywidgets
import traitlets

from scan_analysis.config.analysis_group_loader import ConfigTree
from scan_analysis.config.config_document import ConfigChangedOnDiskError, ConfigDocument
from scan_analysis.config.config_files import (
    create_analyzer,
    create_group,
    duplicate_analyzer,
    rename_analyzer,
    rename_group,
)
from scan_analysis.config.diagnostic_models import (
    DIAGNOSTIC_KEY_ORDER,
    IMAGE_KEY_ORDER,
    AnalysisGroupConfig,
    DiagnosticAnalysisConfig,
    image_model_for,
    load_diagnostic_config,
)
from scan_analysis.config.yaml_edit import same_data
from scan_analysis.errors import ConfigError, ScanAnalysisError
from scan_analysis_widgets.config_tree_view import ConfigTreeView
from scan_analysis_widgets.group_entries import GroupEntriesView
from scan_analysis_widgets.message_area import MessageArea
from scan_analysis_widgets.model_form import FormDocument, ModelForm, yaml_key
from scan_analysis_widgets.model_form import Path as KeyPath
from scan_analysis_widgets.shot_preview_view import ShotPreviewView

logger = logging.getLogger(__name__)

FORM_WIDTH = "720px"
SIDE_WIDTH = "640px"
_STYLE = (  # what layouts cannot say: monospace text for YAML
    "<style>.sa-config-text textarea, .sa-config-tree select "
    "{font-family: monospace; font-size: 12.5px}</style>"
)


class ConfigEditor(ipywidgets.VBox):
    """Edit the analyzer and group configs of a config root.

    Parameters
    ----------
    config_dir : path, optional
        The config root (default: argument, env ``SCAN_ANALYSIS_CONFIG_DIR``,
        the lab ini, the repository's ``scan_analysis_configs/``).
    data_root : path, optional
        Data for "preview on a shot" (default: the data root resolution order).
    open_file : str, optional
        Analyzer name, group key or relative path to open at once.

    Attributes
    ----------
    current : str
        Path of the open file relative to the config root ("" when none).
    dirty : bool
        The form holds changes not saved yet.
    valid : bool
        The values in the form pass the loader's validation.
    problems : list of str
        The validation messages of the values in the form.
    read_only : bool
        The open file cannot be written by this account (saving disabled).
    """

    config_dir = traitlets.Unicode("", help="the config root in use")
    current = traitlets.Unicode("", help="open file, relative to the config root")
    dirty = traitlets.Bool(False)
    valid = traitlets.Bool(True)
    problems = traitlets.List(traitlets.Unicode())
    read_only = traitlets.Bool(False)

    def __init__(
        self,
        config_dir: str | os.PathLike | None = None,
        *,
        data_root: str | os.PathLike | None = None,
        open_file: str | None = None,
    ) -> None:
        super().__init__()
        self.add_class("sa-config-editor")
        self.tree: ConfigTree | None = None
        self.document: ConfigDocument | None = None
        self.form_document: FormDocument | None = None
        self.form: ModelForm | None = None
        self.group_view: GroupEntriesView | None = None

        self.status = MessageArea()
        self.status.add_class("sa-config-status")
        self.title = ipywidgets.HTML("")
        self.style = ipywidgets.HTML(_STYLE)
        self.tree_view = ConfigTreeView(
            on_pick=self.open_config,
            on_action=self.do_action,
            describe_action=self.describe_action,
        )
        self._build_form_column()
        self.preview = ShotPreviewView(self._preview_config, data_root=data_root)
        self.yaml_view = ipywidgets.HTML("", layout={"overflow": "auto", "max_height": "840px"})
        self.yaml_view.add_class("sa-yaml-preview")
        self.side = ipywidgets.Tab(
            [self.yaml_view, self.preview], layout={"width": SIDE_WIDTH, "min_width": SIDE_WIDTH}
        )
        self.side.set_title(0, "YAML as saved")
        self.side.set_title(1, "Preview on a shot")
        self.side.add_class("sa-config-side")
        self.children = [
            self.style,
            self.title,
            ipywidgets.HBox([self.tree_view, self.form_column, self.side]),
        ]
        try:
            self.tree = ConfigTree(config_dir)
        except ScanAnalysisError as error:
            self.status.show_error(error, action="finding the config root")
            return
        self.config_dir = str(self.tree.root)
        self.refresh_tree()
        if not self.tree.analyzers and not self.tree.groups:
            self.status.error(
                f"{self.tree.root} holds no analyzers/ or groups/ YAML: point config_dir at a "
                "config root, or create a new analyzer"
            )
        if open_file:
            self.open(open_file)

    # --- layout -----------------------------------------------------------------------------
    def _build_form_column(self) -> None:
        self.save_button = ipywidgets.Button(
            description="Save", icon="save", button_style="success", disabled=True
        )
        self.save_button.add_class("sa-config-save")
        self.save_button.on_click(lambda _: self.save())
        self.revert_button = ipywidgets.Button(description="Revert", icon="undo", disabled=True)
        self.revert_button.add_class("sa-config-revert")
        self.revert_button.tooltip = "drop the unsaved changes"
        self.revert_button.on_click(lambda _: self.revert())
        self.reload_button = ipywidgets.Button(description="Reload from disk", icon="refresh")
        self.reload_button.add_class("sa-config-reload")
        self.reload_button.tooltip = "read the file again (unsaved changes are dropped)"
        self.reload_button.on_click(lambda _: self.reload())
        self.header = ipywidgets.HTML("")
        self.form_box = ipywidgets.Box(  # block layout: rows keep their height and it scrolls
            layout={
                "display": "block",
                "overflow": "auto",
                "max_height": "780px",
                "padding": "0 4px 0 0",
            }
        )
        self.form_box.add_class("sa-config-form")
        self.text_area = ipywidgets.Textarea(layout={"width": "100%", "height": "460px"})
        self.text_area.add_class("sa-config-text")
        self.save_text_button = ipywidgets.Button(
            description="Save text", icon="save", button_style="warning"
        )
        self.save_text_button.add_class("sa-config-save-text")
        self.save_text_button.on_click(lambda _: self.save_text())
        self.text_box = ipywidgets.VBox(
            [
                ipywidgets.HTML(
                    "<b>The file is not valid YAML</b>, so it opens as text: fix the line the "
                    "message names, then save the text."
                ),
                self.text_area,
                self.save_text_button,
            ]
        )
        self.form_column = ipywidgets.VBox(
            [
                self.header,
                ipywidgets.HBox([self.save_button, self.revert_button, self.reload_button]),
                self.status,
                self.form_box,
            ],
            layout={"width": FORM_WIDTH, "min_width": "560px", "padding": "0 10px"},
        )

    # --- the tree ---------------------------------------------------------------------------
    def refresh_tree(self) -> None:
        """List the tree's files again (after files were added or renamed, here or outside)."""
        if self.tree is None:
            return
        self.tree = ConfigTree(self.tree.root)
        self.tree_view.refresh(self.tree, self.current)

    # --- opening ------------------------------------------------------------------------------
    def open(self, name: str | None = None) -> bool | None:
        """Open an analyzer (by name), a group (by key) or a file (path under the root).

        Refused, with a message, while the open file has unsaved changes.
        (Without a name this is ipywidgets' ``Widget.open``, which opens the
        widget's connection to the page.)

        Returns
        -------
        bool
            Whether the file was opened.
        """
        if name is None:
            return super().open()
        return self.open_config(name)

    def open_config(self, name: str) -> bool:
        """Same as :meth:`open` with a name."""
        if self.tree is None:
            return False
        if self.dirty:
            self.status.error(
                f"{self.current} has unsaved changes: save them, or press Revert, before "
                "opening another file"
            )
            self.tree_view.show(self.current)
            return False
        try:
            document = ConfigDocument.open(self.tree, name)
        except ScanAnalysisError as error:
            self.status.show_error(error, action=f"opening {name}")
            self.tree_view.show(self.current)
            return False
        self._show_document(document)
        return True

    def _show_document(self, document: ConfigDocument) -> None:
        self.document = document
        self.current = document.relative
        self.tree_view.show(self.current)
        self.read_only = document.read_only
        kind = "group" if document.kind == "group" else "analyzer"
        self.header.value = (
            f"<div style='font-size:15px'><b>{html.escape(document.path.stem)}</b> "
            f"<span style='color:#555'>({kind}) {html.escape(document.relative)}</span></div>"
        )
        self.title.value = (
            f"<div style='font-size:13px; color:#555'>Config editor · "
            f"{html.escape(str(self.tree.root))}</div>"
        )
        self.status.clear()
        if document.load_error is not None:
            self.form = self.form_document = self.group_view = None
            self.text_area.value = document.text
            self.form_box.children = [self.text_box]
            self.status.error(str(document.load_error))
            self.valid, self.problems = False, [str(document.load_error)]
            self.dirty = False
            self.yaml_view.value = _yaml_html(document.text, document.text)
            self._update_buttons()
            return
        self.form_document = FormDocument(document.copy_data())
        self.form_document.on_change(self._changed)
        self.form = self._make_form(document.kind, self.form_document)
        self.form_box.children = [self.form]
        self.dirty = False
        self._validate()
        if document.kind == "analyzer":
            self.preview.load_shots()
        if document.write_refusal:
            self.status.info(f"Saving is off for this file: {document.write_refusal}")
        elif self.read_only:
            self.status.info(
                f"{document.path} is read-only for this account: you can try values and preview "
                "shots, but not save (ask the owner for write access, or copy the config tree)"
            )
        self._update_buttons()

    def _make_form(self, kind: str, document: FormDocument) -> ModelForm:
        if kind == "group":
            names = sorted(self.tree.analyzers)
            priorities = self._own_priorities()

            def entries(doc: FormDocument, path: KeyPath, _name: str, _info: Any) -> Any:
                self.group_view = GroupEntriesView(doc, path, choices=names, priorities=priorities)
                return self.group_view

            return ModelForm(AnalysisGroupConfig, document, overrides={"analyzers": entries})
        self.group_view = None
        return ModelForm(
            DiagnosticAnalysisConfig,
            document,
            choose_model=lambda path, models, doc: image_model_for(doc.data),
            key_order=_key_order,
        )

    def _own_priorities(self) -> dict[str, int]:
        priorities = {}
        for name in self.tree.analyzers:
            try:
                priorities[name] = self.tree.load_analyzer(name).scan.priority
            except ScanAnalysisError:
                continue
        return priorities

    # --- editing ----------------------------------------------------------------------------
    def field(self, key: str) -> ipywidgets.Widget:
        """The control of a field by dotted key (``"image.roi.x_min"``), to set as a person would.

        Raises
        ------
        KeyError
            No such field in the open form (listing close keys).
        """
        if self.form is None or key not in self.form.fields:
            known = sorted(self.form.fields) if self.form else []
            close = difflib.get_close_matches(key, known, n=3)
            raise KeyError(f"no field {key!r} in the open form; close: {close or known[:5]}")
        return self.form.fields[key].widget

    def section(self, key: str) -> Any:
        """A section of the open form by dotted key (``"image.transforms"``)."""
        if self.form is None or key not in self.form.sections:
            raise KeyError(f"no section {key!r} in the open form")
        return self.form.sections[key]

    @property
    def data(self) -> dict[str, Any]:
        """The values in the form (what Save would write)."""
        return self.form_document.data if self.form_document else {}

    def _changed(self) -> None:
        if self.document is None or self.form is None:
            return
        image = self.form.sections.get("image")
        if image is not None and image.built_model not in (None, image_model_for(self.data)):
            image.refresh()  # type: or image_analyzer changed camera <-> line: new fields
        self.dirty = not same_data(self.data, self.document.data)
        self._validate()
        self._update_buttons()

    def _rendered(self) -> str | None:
        """The text Save would write, or None (with the reason in the YAML view)."""
        try:
            return self.document.render(self.data)
        except ScanAnalysisError as error:
            self.yaml_view.value = f"<div style='color:#a00020'>{html.escape(str(error))}</div>"
            return None

    def _validate(self) -> None:
        if self.document is None or self.form is None:
            return
        problems = self.document.problems(self.data)
        self.problems = [problem.message for problem in problems]
        self.valid = not problems
        self.form.show_problems([(p.key, _beside(p.key, p.message)) for p in problems])
        rendered = self._rendered()
        if rendered is not None:
            self.yaml_view.value = _yaml_html(self.document.text, rendered)

    def _update_buttons(self) -> None:
        editable = self.document is not None and self.document.load_error is None
        self.save_button.disabled = not (editable and self.dirty and not self.read_only)
        self.revert_button.disabled = not self.dirty
        for action in ("duplicate", "rename"):
            self.tree_view.buttons[action].disabled = self.document is None

    # --- saving -----------------------------------------------------------------------------
    def save(self) -> bool:
        """Save the form's values: only changed values are written, never an invalid config.

        Returns
        -------
        bool
            Whether the file was written. The outcome is shown in the status line.
        """
        if self.document is None or self.form_document is None:
            self.status.error("open a file first (pick one in the tree)")
            return False
        problems = self.document.problems(self.data)
        if problems:
            self.status.error(
                f"Not saved: {len(problems)} problem(s), shown beside the fields; first: "
                f"{problems[0].message}"
            )
            self._validate()
            return False
        try:
            written = self.document.save(self.data)
        except ConfigChangedOnDiskError as error:
            self.status.error(str(error))
            self.reload_button.button_style = "warning"
            return False
        except ScanAnalysisError as error:
            self.status.show_error(error, action="saving")
            return False
        self.reload_button.button_style = ""
        # the saved file is the new starting point; the controls already show its values
        self.form_document.data = self.document.copy_data()
        self.form_document.original = self.document.copy_data()
        self.dirty = False
        self._validate()
        self._update_buttons()
        self.status.info(
            f"Saved {self.document.relative}" if written else "Nothing changed: nothing to save"
        )
        self.refresh_tree()
        return written

    def save_text(self) -> bool:
        """Save the raw text of a file that did not parse (after the same checks)."""
        if self.document is None:
            return False
        try:
            written = self.document.save_text(self.text_area.value)
        except ConfigChangedOnDiskError as error:
            self.status.error(str(error))
            return False
        except ScanAnalysisError as error:
            self.status.show_error(error, action="saving the text")
            return False
        self._show_document(self.document)
        self.status.info(f"Saved {self.document.relative}; it is valid YAML again")
        self.refresh_tree()
        return written

    def revert(self) -> None:
        """Drop the unsaved changes (back to the file as opened)."""
        if self.document is not None:
            self.dirty = False
            self._show_document(self.document)
            self.status.info("Unsaved changes dropped")

    def reload(self) -> None:
        """Read the open file from disk again (dropping unsaved changes)."""
        if self.document is None:
            return
        try:
            self.document.reload()
        except ScanAnalysisError as error:
            self.status.show_error(error, action="reloading")
            return
        self.dirty = False
        self.reload_button.button_style = ""
        self._show_document(self.document)
        self.status.info(f"Reloaded {self.document.relative} from disk")

    # --- new, duplicate, rename -------------------------------------------------------------
    def describe_action(self, action: str) -> str | None:
        """The title of an action's form, or None (with the reason shown) when it cannot be done."""
        stem = self.document.path.stem if self.document else ""
        if action in ("duplicate", "rename") and self.document is None:
            self.status.error("open the file to duplicate or rename first")
            return None
        if action == "duplicate" and self.document.kind != "analyzer":
            self.status.error("only analyzers can be duplicated; create a new group instead")
            return None
        return {
            "new_analyzer": "New analyzer: name, folder under analyzers/, camera or line",
            "new_group": "New group: name, folder under groups/",
            "duplicate": f"Duplicate {stem} as",
            "rename": f"Rename {stem} to",
        }[action]

    def do_action(self, action: str, name: str, folder: str = "", kind: str = "camera") -> bool:
        """Do a file action by name (what the tree's action form's OK does)."""
        if action == "new_analyzer":
            return self.new_analyzer(name, folder=folder, kind=kind)
        if action == "new_group":
            return self.new_group(name, folder=folder)
        if action == "duplicate":
            return self.duplicate(name)
        if action == "rename":
            return self.rename(name)
        raise ValueError(f"unknown action {action!r}")

    def _not_dirty(self, what: str) -> bool:
        if self.dirty:
            self.status.error(
                f"{self.current} has unsaved changes: save or revert them before {what}"
            )
            return False
        return True

    def new_analyzer(self, name: str, *, folder: str = "", kind: str = "camera") -> bool:
        """Create ``analyzers/{folder}/{name}.yaml`` (a camera or line analyzer) and open it."""
        if self.tree is None or not self._not_dirty("creating a file"):
            return False
        try:
            path = create_analyzer(self.tree, name, folder=folder, kind=kind)  # type: ignore[arg-type]
        except ScanAnalysisError as error:
            self.status.show_error(error, action="creating the analyzer")
            return False
        return self._opened_new(path, f"Created {path.relative_to(self.tree.root).as_posix()}")

    def new_group(self, name: str, *, folder: str = "", analyzers: list[str] | None = None) -> bool:
        """Create ``groups/{folder}/{name}.yaml`` (listing the open analyzer) and open it."""
        if self.tree is None or not self._not_dirty("creating a file"):
            return False
        if analyzers is None and self.document is not None and self.document.kind == "analyzer":
            analyzers = [self.document.path.stem]
        try:
            path = create_group(self.tree, name, folder=folder, analyzers=analyzers)
        except ScanAnalysisError as error:
            self.status.show_error(error, action="creating the group")
            return False
        return self._opened_new(path, f"Created {path.relative_to(self.tree.root).as_posix()}")

    def duplicate(self, new_name: str) -> bool:
        """Copy the open analyzer as ``new_name`` (same folder, same device) and open the copy."""
        if self.document is None or self.tree is None or not self._not_dirty("duplicating"):
            return False
        try:
            path = duplicate_analyzer(self.tree, self.document.path.stem, new_name)
        except ScanAnalysisError as error:
            self.status.show_error(error, action="duplicating")
            return False
        return self._opened_new(
            path,
            f"Copied {self.document.path.stem} to {path.relative_to(self.tree.root).as_posix()}",
        )

    def rename(self, new_name: str) -> bool:
        """Rename the open analyzer (groups listing it follow) or group file."""
        if self.document is None or self.tree is None or not self._not_dirty("renaming"):
            return False
        old = self.document.path.stem
        try:
            if self.document.kind == "analyzer":
                result = rename_analyzer(self.tree, old, new_name)
                path = result.path
                note = (
                    f"; updated {', '.join(p.stem for p in result.updated_groups)}"
                    if result.updated_groups
                    else ""
                )
                if result.skipped_groups:
                    note += f"; not updated (unreadable): {'; '.join(result.skipped_groups)}"
            else:
                key = self.document.path.relative_to(self.tree.root / "groups").with_suffix("")
                path = rename_group(self.tree, key.as_posix(), new_name)
                note = ""
        except ScanAnalysisError as error:
            self.status.show_error(error, action="renaming")
            return False
        return self._opened_new(path, f"Renamed {old} to {path.stem}{note}")

    def _opened_new(self, path: Path, message: str) -> bool:
        self.refresh_tree()
        self.document = None
        self.dirty = False
        opened = self.open(path.relative_to(self.tree.root).as_posix())
        if opened:
            self.status.info(message)
        return opened

    # --- preview ----------------------------------------------------------------------------
    def _preview_config(self) -> tuple[DiagnosticAnalysisConfig, Path | None]:
        if self.document is None or self.document.kind != "analyzer":
            raise ConfigError("open an analyzer to preview it on a shot (groups have no shots)")
        if self.document.load_error is not None:
            raise ConfigError(f"fix the file's YAML first: {self.document.load_error}")
        return load_diagnostic_config(self.data, source=self.document.path), self.document.path


def _key_order(path: KeyPath, model: Any) -> list[str]:
    keys = [yaml_key(name, info) for name, info in model.model_fields.items()]
    if path == ():
        return list(dict.fromkeys([*DIAGNOSTIC_KEY_ORDER, *keys]))
    if path == ("image",):
        return list(dict.fromkeys([*IMAGE_KEY_ORDER, *keys]))
    return keys


def _beside(key: str | None, message: str) -> str:
    """The message without its own key in front (it stands beside the field)."""
    return message.removeprefix(f"'{key}': ") if key else message


def _yaml_html(saved: str, shown: str) -> str:
    """The text as it will be saved, lines that differ from the file highlighted."""
    saved_lines, shown_lines = saved.splitlines(), shown.splitlines()
    changed: set[int] = set()
    matcher = difflib.SequenceMatcher(a=saved_lines, b=shown_lines, autojunk=False)
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            changed.update(range(j1, j2))
    rows = []
    for index, line in enumerate(shown_lines):
        style = "background:#fff2b3" if index in changed else ""
        marker = "\u25cf" if index in changed else "\u00a0"
        rows.append(
            f"<div style='{style}'><span style='color:#b07b00'>{marker}</span> "
            f"{html.escape(line) or '&nbsp;'}</div>"
        )
    summary = (
        f"{len(changed)} line(s) will change on save"
        if changed
        else "no changes: the file as it is"
    )
    return (
        f"<div style='font-size:12px; color:#555; margin-bottom:4px'>{summary}</div>"
        "<div style='font-family:monospace; font-size:12.5px; white-space:pre; "
        f"line-height:1.45'>{''.join(rows)}</div>"
    )
