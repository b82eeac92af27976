"""Forms generated from pydantic models, editing a plain YAML mapping in place.

    document = FormDocument(data)                  # the mapping as loaded from YAML
    form = ModelForm(DiagnosticAnalysisConfig, document)
    form.fields["image.roi.x_min"].widget.value = "12"   # as a person types it
    document.data["image"]["roi"]["x_min"]                # 12

Every field of the model becomes a control chosen from its type: ``Literal``
→ dropdown, ``bool`` → checkbox, numbers → numeric text, nested models →
collapsible sections (an optional one has a "use" toggle: off writes
``null``), lists of models (crosshairs) → rows with add/remove, a list of
literals (pipeline steps) → ordered tags, anything else → a one-line YAML
value (``[192, 64]``, ``{cmap: viridis}``). The field's description is the
tooltip and its default the placeholder, so a field added to a model appears
here with no widget code.

A control writes into :attr:`FormDocument.data` only when a person changes it,
so values nobody touched keep their exact type and spelling; setting a field
back to its default removes a key the file did not have. Validation is the
caller's: :meth:`ModelForm.show_problems` puts each message beside the field
its dotted key names (or the nearest section).
"""

from __future__ import annotations

import copy
import html
import logging
import types
import typing
from collections.abc import Callable
from typing import Any, Literal

import ipywidgets
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from scan_analysis.config.yaml_edit import render_inline
from scan_analysis.validation_messages import describe_yaml_error
from scan_analysis_widgets.form_document import MISSING as _MISSING
from scan_analysis_widgets.form_document import FormDocument, Path, css_name, dotted

logger = logging.getLogger(__name__)

_UNSET = "\u2014 unset \u2014"

LABEL_WIDTH = "170px"
CONTROL_WIDTH = "260px"
ERROR_STYLE = "color:#a00020; font-size:12px; line-height:1.3"


# --- reading annotations --------------------------------------------------------------------------
def _strip_none(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``None`` and whether None was allowed."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(arguments) < len(typing.get_args(annotation))
        if len(arguments) == 1:
            return arguments[0], optional
        return typing.Union[tuple(arguments)], optional  # noqa: UP007 - built at run time
    return annotation, False


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _union_models(annotation: Any) -> list[type[BaseModel]]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        arguments = typing.get_args(annotation)
        if all(_is_model(a) for a in arguments):
            return list(arguments)
    return []


def _literal_choices(annotation: Any) -> list[Any] | None:
    if typing.get_origin(annotation) is Literal:
        return list(typing.get_args(annotation))
    return None


def _list_item(annotation: Any) -> Any:
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation) or (Any,)
        return item
    return None


def _shared_choices(name: str, models: list[type[BaseModel]]) -> list[Any] | None:
    """The literal choices of field ``name`` across several models (None unless 2+ give some)."""
    merged: list[Any] = []
    offering = 0
    for model in models:
        info = model.model_fields.get(name)
        choices = _literal_choices(_strip_none(info.annotation)[0]) if info else None
        if choices:
            offering += 1
            merged += [choice for choice in choices if choice not in merged]
    return merged if offering > 1 else None


def _default(info: FieldInfo) -> Any:
    if info.default is not PydanticUndefined:
        return copy.deepcopy(info.default)
    if info.default_factory is not None:
        try:
            return info.default_factory()  # type: ignore[call-arg]
        except TypeError:
            return _MISSING
    return _MISSING


def yaml_key(name: str, info: FieldInfo) -> str:
    """The key of a field in YAML: its alias when it has one (``class``, ``upload_to_scan-log``)."""
    return info.alias or name


# --- one field ------------------------------------------------------------------------------------
class FieldRow(ipywidgets.HBox):
    """A label, a control and the field's validation message, bound to one path of the document.

    Attributes
    ----------
    path : tuple
        Where the value lives in the document (``("image", "roi", "x_min")``).
    widget : ipywidgets.Widget
        The control; set its ``value`` to edit as a person would.
    message : ipywidgets.HTML
        The validation message (class ``sa-field-error``), empty when fine.
    """

    problems: tuple[str, ...] | list[str] = ()  # the messages shown, as text

    def __init__(
        self,
        document: FormDocument,
        path: Path,
        name: str,
        info: FieldInfo,
        annotation: Any,
        *,
        choices: list[Any] | None = None,
    ) -> None:
        self.document, self.path, self.info = document, path, info
        self.default = _default(info)
        inner, self.optional = _strip_none(annotation)
        if choices is not None:  # the choices of every model the section may be (camera, line)
            inner = Literal[tuple(choices)]
        self.inner = inner
        description = info.description or ""
        label = ipywidgets.HTML(
            f'<span title="{html.escape(description)}">{html.escape(name)}</span>',
            layout=ipywidgets.Layout(width=LABEL_WIDTH, min_width=LABEL_WIDTH),
        )
        self.kind, self.widget = self._control(inner, document.get(path))
        self.widget.tooltip = description or None
        self.widget.layout.width = "470px" if self.kind == "tags" else CONTROL_WIDTH
        self.widget.layout.flex = "0 0 auto"
        self.widget.add_class(css_name(path))
        # a long message wraps onto its own line under the control instead of a narrow column
        self.message = ipywidgets.HTML(
            "", layout=ipywidgets.Layout(flex="1 1 240px", margin="0 0 0 8px")
        )
        self.message.add_class("sa-field-error")
        super().__init__([label, self.widget, self.message])
        self.add_class("sa-field")
        self.layout.align_items = "center"
        self.layout.flex = "0 0 auto"
        self.layout.flex_flow = "row wrap"
        self._show(document.get(path))
        self.widget.observe(self._changed, "value")
        document.sinks[dotted(path)] = self.show_messages

    # controls by type
    def _control(self, inner: Any, value: Any) -> tuple[str, ipywidgets.Widget]:
        """The control for the field's type; a plain YAML value when the file's value does
        not fit it (``save: maybe``), so what is there is shown as it is, with its message."""
        present = value is not _MISSING and value is not None
        choices = _literal_choices(inner)
        if choices is not None:
            options = [(_UNSET if self.default is _MISSING else self._default_label(), _UNSET)]
            options += [(str(choice), choice) for choice in choices]
            return "choice", ipywidgets.Dropdown(options=options)
        if inner is bool and not (present and not isinstance(value, bool)):
            return "bool", ipywidgets.Checkbox(indent=False)
        item = _list_item(inner)
        item_choices = _literal_choices(item) if item is not None else None
        fits = not present or (
            isinstance(value, list) and all(v in (item_choices or []) for v in value)
        )
        if item_choices is not None and fits:
            return "tags", ipywidgets.TagsInput(allowed_tags=item_choices, allow_duplicates=False)
        if inner in (int, float):
            return "number", ipywidgets.Text(continuous_update=False)
        if inner is str:
            return "text", ipywidgets.Text(continuous_update=False)
        return "yaml", ipywidgets.Text(continuous_update=False)

    def _default_label(self) -> str:
        if self.default is None:
            return _UNSET
        return f"\u2014 default ({self.default}) \u2014"

    def _placeholder(self) -> str:
        if self.default is _MISSING:
            return "required"
        if self.default is None:
            return "unset"
        return f"default {render_inline(self.default)}"

    def _show(self, value: Any) -> None:
        """Show a value without writing it back."""
        self._showing = True
        try:
            if self.kind == "choice":
                choices = _literal_choices(self.inner)
                if value is not _MISSING and value is not None and value not in choices:
                    invalid = (f"{value} (invalid)", value)  # shown, so the message makes sense
                    self.widget.options = [*self.widget.options, invalid]
                    self.widget.value = value
                else:
                    self.widget.value = value if value in choices else _UNSET
            elif self.kind == "bool":
                present = value is not _MISSING and value is not None
                shown = value if present else self.default
                self.widget.value = bool(shown) if shown is not _MISSING else False
            elif self.kind == "tags":
                present = value is not _MISSING and isinstance(value, list)
                shown = value if present else self.default
                self.widget.value = list(shown) if isinstance(shown, list) else []
            else:
                self.widget.placeholder = self._placeholder()
                if value is _MISSING or (value is None and self.kind != "yaml"):
                    self.widget.value = ""
                elif self.kind == "text" and isinstance(value, str):
                    self.widget.value = value
                else:
                    self.widget.value = render_inline(value)
        finally:
            self._showing = False

    def _changed(self, change: dict) -> None:
        if self._showing:
            return
        value = change["new"]
        if self.kind == "choice":
            if value == _UNSET:
                self.document.unset(self.path)
            else:
                self.document.write(self.path, value, self.default)
            return
        if self.kind in ("bool", "tags"):
            self.document.write(
                self.path, list(value) if self.kind == "tags" else value, self.default
            )
            return
        text = value.strip()
        if text == "" and self.default is not _MISSING:
            self.document.unset(self.path)
            return
        if self.kind == "text":
            self.document.write(self.path, value, self.default)
        elif self.kind == "number":
            self.document.write(self.path, self._number(text), self.default)
        else:
            try:
                parsed = yaml.safe_load(text) if text else None
            except yaml.YAMLError as error:
                self.show_messages(
                    [f"not a YAML value ({describe_yaml_error(error)}); e.g. [192, 64] or {{a: 1}}"]
                )
                return
            self.document.write(self.path, parsed, self.default)

    @staticmethod
    def _number(text: str) -> Any:
        """The number typed (``100`` stays an integer), or the text (validation says why)."""
        for convert in (int, float):
            try:
                return convert(text)
            except ValueError:
                continue
        return text

    def show_messages(self, messages: list[str]) -> None:
        """Show validation messages beside the control (none: clear); kept in ``problems``."""
        self.problems = list(messages)
        self.message.value = (
            f'<span style="{ERROR_STYLE}">{html.escape("; ".join(messages))}</span>'
            if messages
            else ""
        )
        if messages:
            self.add_class("sa-field-invalid")
        else:
            self.remove_class("sa-field-invalid")


# --- sections -------------------------------------------------------------------------------------
ModelChooser = Callable[[Path, list[type[BaseModel]], FormDocument], type[BaseModel]]
Override = Callable[[FormDocument, Path, str, FieldInfo], ipywidgets.Widget]


class SectionView(ipywidgets.VBox):
    """A nested model: a header that folds the section and, when optional, a "use" toggle.

    Turning an optional section off writes ``null`` for a key the file had (the
    section's values are kept in memory and come back when it is turned on
    again) and removes a key it did not have.
    """

    problems: tuple[str, ...] | list[str] = ()  # the messages shown, as text

    def __init__(
        self,
        form: ModelForm,
        path: Path,
        name: str,
        info: FieldInfo | None,
        models: list[type[BaseModel]],
        *,
        optional: bool,
    ) -> None:
        self.form, self.path, self.models = form, path, models
        self.document = form.document
        self.optional = optional
        self._stash: Any = _MISSING
        description = (info.description if info else "") or ""
        self.toggle = ipywidgets.Button(
            description=name,
            tooltip=description or f"show or hide {name}",
            layout=ipywidgets.Layout(width="auto", min_width="140px"),
        )
        self.toggle.add_class("sa-section-toggle")
        self.toggle.on_click(lambda _: self.set_expanded(not self.expanded))
        self.use = ipywidgets.Checkbox(
            description="use", indent=False, layout=ipywidgets.Layout(width="70px")
        )
        self.use.tooltip = f"include the {name} section (off: null)"
        self.use.add_class(css_name(path) + "-use")
        self.use.observe(self._use_changed, "value")
        self.note = ipywidgets.HTML(
            f'<span style="color:#555; font-size:12px">{html.escape(description)}</span>'
        )
        self.message = ipywidgets.HTML("")
        self.message.add_class("sa-field-error")
        header = [self.toggle, *([self.use] if optional else []), self.note, self.message]
        self.header = ipywidgets.HBox(header, layout=ipywidgets.Layout(align_items="center"))
        self.body = ipywidgets.VBox(
            layout=ipywidgets.Layout(
                margin="0 0 6px 22px", border_left="2px solid #d8dee6", padding="0 0 0 8px"
            )
        )
        super().__init__([self.header, self.body])
        self.add_class("sa-section")
        self.add_class(css_name(path))
        self.document.sinks[dotted(path)] = self.show_messages
        self.expanded = False
        self.built_model: type[BaseModel] | None = None
        self.refresh()

    @property
    def present(self) -> bool:
        value = self.document.get(self.path)
        return isinstance(value, dict)

    def refresh(self) -> None:
        """Rebuild the section's fields from the document (after a reload or a model change)."""
        self._updating = True
        try:
            self.use.value = self.present
        finally:
            self._updating = False
        model = self.model
        if self.present or not self.optional:
            self.body.children = self.form.build_fields(model, self.path, self.models)
            self.built_model = model
        else:
            self.form.forget(self.path)
            self.body.children = []
            self.built_model = None
        self.set_expanded(self.present and self.form.expand_present)

    @property
    def model(self) -> type[BaseModel]:
        if len(self.models) == 1:
            return self.models[0]
        return self.form.choose_model(self.path, self.models, self.document)

    def set_expanded(self, expanded: bool) -> None:
        """Fold (False) or unfold (True) the section."""
        if not self.body.children and expanded and (self.present or not self.optional):
            self.body.children = self.form.build_fields(self.model, self.path, self.models)
            self.built_model = self.model
        self.expanded = expanded and bool(self.body.children)
        self.body.layout.display = None if self.expanded else "none"
        arrow = "\u25be" if self.expanded else "\u25b8"
        self.toggle.description = f"{arrow} {self.path[-1]}"

    def _use_changed(self, change: dict) -> None:
        if self._updating:
            return
        if change["new"]:
            restored = self._stash if self._stash is not _MISSING else {}
            self.document.set(self.path, copy.deepcopy(restored))
            self.body.children = self.form.build_fields(self.model, self.path, self.models)
            self.built_model = self.model
            self.set_expanded(True)
        else:
            self._stash = copy.deepcopy(self.document.get(self.path, {}))
            if self.document.original_value(self.path) is _MISSING:
                self.document.delete(self.path)
            else:
                self.document.set(self.path, None)
            self.form.forget(self.path)
            self.body.children = []
            self.built_model = None
            self.set_expanded(False)
        self.document.changed()

    def show_messages(self, messages: list[str]) -> None:
        self.problems = list(messages)
        self.message.value = (
            f'<span style="{ERROR_STYLE}">{html.escape("; ".join(messages))}</span>'
            if messages
            else ""
        )
        if messages and not self.expanded and self.body.children:
            self.set_expanded(True)


class ModelListView(ipywidgets.VBox):
    """A list of models (e.g. crosshairs): one sub-form per row, with remove and add buttons."""

    problems: tuple[str, ...] | list[str] = ()  # the messages shown, as text

    def __init__(self, form: ModelForm, path: Path, name: str, model: type[BaseModel]) -> None:
        self.form, self.path, self.model = form, path, model
        self.document = form.document
        self.add = ipywidgets.Button(description=f"add {name.rstrip('s')}", icon="plus")
        self.add.add_class(css_name(path) + "-add")
        self.add.on_click(lambda _: self.add_row())
        self.rows = ipywidgets.VBox()
        self.message = ipywidgets.HTML("")
        self.message.add_class("sa-field-error")
        title = ipywidgets.HTML(f"<b>{html.escape(name)}</b>")
        super().__init__([ipywidgets.HBox([title, self.add, self.message]), self.rows])
        self.add_class(css_name(path))
        self.document.sinks[dotted(path)] = self.show_messages
        self.refresh()

    def items(self) -> list[Any]:
        value = self.document.get(self.path)
        return value if isinstance(value, list) else []

    def refresh(self) -> None:
        self.form.forget(self.path)
        self.document.sinks[dotted(self.path)] = self.show_messages
        rows = []
        for index, _ in enumerate(self.items()):
            remove = ipywidgets.Button(
                description="remove", icon="trash", layout=ipywidgets.Layout(width="100px")
            )
            remove.add_class(css_name((*self.path, index)) + "-remove")
            remove.on_click(lambda _, i=index: self.remove_row(i))
            fields = self.form.build_fields(self.model, (*self.path, index))
            header = ipywidgets.HTML(f"<i>#{index + 1}</i>")
            rows.append(
                ipywidgets.VBox(
                    [ipywidgets.HBox([header, remove]), *fields],
                    layout=ipywidgets.Layout(
                        border="1px solid #e3e7ec", margin="2px 0", padding="2px 6px"
                    ),
                )
            )
        self.rows.children = rows

    def add_row(self) -> None:
        """Append an item with the model's defaults (required values left for the person)."""
        items = list(self.items())
        items.append({})
        self.document.set(self.path, items)
        self.refresh()
        self.document.changed()

    def remove_row(self, index: int) -> None:
        items = list(self.items())
        items.pop(index)
        self.document.set(self.path, items)
        self.refresh()
        self.document.changed()

    def show_messages(self, messages: list[str]) -> None:
        self.problems = list(messages)
        self.message.value = (
            f'<span style="{ERROR_STYLE}">{html.escape("; ".join(messages))}</span>'
            if messages
            else ""
        )


# --- the form -------------------------------------------------------------------------------------
class ModelForm(ipywidgets.VBox):
    """A form for a pydantic model over a :class:`FormDocument`.

    Parameters
    ----------
    model : pydantic model class
        The top-level model (``DiagnosticAnalysisConfig``, ``AnalysisGroupConfig``).
    document : FormDocument
        The data edited.
    choose_model : callable, optional
        ``(path, candidate_models, document) -> model`` for fields that may be
        one of several models (the ``image:`` block: camera or line).
    overrides : dict, optional
        Dotted key → ``factory(document, path, name, field_info) -> widget`` for
        fields that need their own view (a group's analyzer list).
    expand_present : bool
        Unfold the sections the file has (default True).
    key_order : callable, optional
        ``(path, model) -> list of keys``: where new keys go in a mapping
        (default: the model's field order).

    Attributes
    ----------
    fields : dict of str to FieldRow
        Every field control by dotted key (``"image.roi.x_min"``).
    sections : dict of str to SectionView
        Every section by dotted key.
    """

    def __init__(
        self,
        model: type[BaseModel],
        document: FormDocument,
        *,
        choose_model: ModelChooser | None = None,
        overrides: dict[str, Override] | None = None,
        expand_present: bool = True,
        key_order: Callable[[Path, type[BaseModel]], list[str]] | None = None,
    ) -> None:
        super().__init__()
        self.key_order = key_order or (
            lambda path, model: [yaml_key(n, i) for n, i in model.model_fields.items()]
        )
        self.model, self.document = model, document
        self.choose_model = choose_model or (lambda path, models, doc: models[0])
        self.overrides = dict(overrides or {})
        self.expand_present = expand_present
        self.fields: dict[str, FieldRow] = {}
        self.sections: dict[str, SectionView] = {}
        self.general = ipywidgets.HTML("")
        self.general.add_class("sa-form-problems")
        self.children = [self.general, *self.build_fields(model, ())]
        self.add_class("sa-model-form")

    def build_fields(
        self,
        model: type[BaseModel],
        path: Path,
        alternatives: list[type[BaseModel]] | None = None,
    ) -> list[ipywidgets.Widget]:
        """Controls for every field of ``model`` at ``path`` (scalars first, then sections).

        ``alternatives``: every model the section may be; a ``Literal`` field they
        share offers all their choices (``type``: camera or line), so picking one
        switches the model.
        """
        self.forget(path, keep_self=True)
        order = self.key_order(path, model)
        self.document.key_orders[path] = order
        rank = {key: index for index, key in enumerate(order)}
        simple: list[tuple[int, ipywidgets.Widget]] = []
        nested: list[tuple[int, ipywidgets.Widget]] = []
        spellings = getattr(model, "original_spellings", {})
        for name, info in model.model_fields.items():
            key = yaml_key(name, info)
            original = spellings.get(key)
            if (
                original
                and not self.document.has((*path, key))
                and self.document.has((*path, original))
            ):  # a file written for the original toolkit: show and edit its own key
                key = original
            position = rank.get(key, rank.get(yaml_key(name, info), len(rank)))
            child = (*path, key)
            override = self.overrides.get(dotted(child))
            if override is not None:
                nested.append((position, override(self.document, child, key, info)))
                continue
            inner, optional = _strip_none(info.annotation)
            models = [inner] if _is_model(inner) else _union_models(inner)
            item = _list_item(inner)
            if models:
                section = SectionView(self, child, key, info, models, optional=optional)
                self.sections[dotted(child)] = section
                nested.append((position, section))
            elif item is not None and _is_model(item):
                nested.append((position, ModelListView(self, child, key, item)))
            else:
                choices = _shared_choices(name, alternatives or [])
                row = FieldRow(self.document, child, key, info, info.annotation, choices=choices)
                self.fields[dotted(child)] = row
                simple.append((position, row))
        simple.sort(key=lambda pair: pair[0])
        nested.sort(key=lambda pair: pair[0])
        return [widget for _, widget in simple + nested]

    def forget(self, path: Path, *, keep_self: bool = False) -> None:
        """Drop the registered controls under ``path`` (their widgets are being replaced)."""
        prefix = dotted(path) + "." if path else ""
        for registry in (self.fields, self.sections, self.document.sinks):
            for key in [k for k in registry if k.startswith(prefix) and (prefix or k)]:
                if keep_self and key == dotted(path):
                    continue
                registry.pop(key)

    def refresh(self) -> None:
        """Rebuild every control from the document (after it was replaced or reloaded)."""
        self.document.sinks.clear()
        self.fields.clear()
        self.sections.clear()
        self.children = [self.general, *self.build_fields(self.model, ())]

    def show_problems(self, problems: list[tuple[str | None, str]]) -> list[str]:
        """Put each ``(dotted key, message)`` beside its field or nearest section.

        Returns
        -------
        list of str
            The messages no control claimed (shown at the top of the form).
        """
        grouped: dict[str, list[str]] = {key: [] for key in self.document.sinks}
        unclaimed: list[str] = []
        for key, message in problems:
            target = None
            parts = key.split(".") if key else []
            while parts:
                candidate = ".".join(parts)
                if candidate in grouped:
                    target = candidate
                    break
                parts.pop()
            if target is None:
                unclaimed.append(message)
            else:
                grouped[target].append(message)
        for key, messages in grouped.items():
            self.document.sinks[key](messages)
        self.general.value = (
            "".join(f'<div style="{ERROR_STYLE}">{html.escape(m)}</div>' for m in unclaimed)
            if unclaimed
            else ""
        )
        return unclaimed
