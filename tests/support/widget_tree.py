"""Walk an ipywidgets tree the way a page shows it: every text a user could read."""

from __future__ import annotations

import ipywidgets


def walk(widget):
    """The widget and every widget below it (children of boxes, depth first)."""
    yield widget
    for child in getattr(widget, "children", ()) or ():
        if isinstance(child, ipywidgets.Widget):
            yield from walk(child)


def page_text(widget) -> str:
    """Everything readable: HTML and label values, descriptions, option labels."""
    parts = []
    for item in walk(widget):
        for name in ("value", "description", "placeholder", "tooltip"):
            value = getattr(item, name, None)
            if isinstance(value, str):
                parts.append(value)
        labels = getattr(item, "_options_labels", None)
        if labels:
            parts.extend(str(label) for label in labels)
    return "\n".join(parts)


def with_class(widget, css_class: str) -> list:
    """Widgets below ``widget`` that carry a CSS class."""
    return [item for item in walk(widget) if css_class in getattr(item, "_dom_classes", ())]
