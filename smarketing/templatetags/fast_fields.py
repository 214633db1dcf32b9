"""`{% field bound_field %}`: plain inputs, selects and checkbox lists rendered in Python.

Django renders every widget and every option through its template engine; on a filter bar with a
few dozen options that is several milliseconds per page view. The markup here is what Django's own
widget templates produce; every value and label passes through html.escape.
"""

from datetime import date
from html import escape

from django import forms, template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _attrs(attrs: dict) -> str:
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(f" {escape(name)}")
        elif value not in (False, None):
            parts.append(f' {escape(name)}="{escape(str(value))}"')
    return "".join(parts)


def _text(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


@register.simple_tag
def field(bound: forms.BoundField) -> SafeString:
    widget = bound.field.widget
    attrs = {**widget.attrs, "name": bound.html_name, "id": bound.auto_id}
    value = bound.value()
    if isinstance(widget, forms.CheckboxSelectMultiple):
        chosen = {str(v) for v in value or []}
        boxes = []
        for index, (option, label) in enumerate(bound.field.choices):
            box = {**attrs, "type": "checkbox", "value": option, "id": f"{bound.auto_id}_{index}",
                   "checked": str(option) in chosen}  # fmt: skip
            boxes.append(
                f'<div class="form-check"><input{_attrs(box)}>'
                f'<label class="form-check-label" for="{escape(box["id"])}">{escape(str(label))}</label></div>'
            )
        return mark_safe("".join(boxes))  # noqa: S308 -- every value escaped above
    if isinstance(widget, forms.Select):
        chosen = "" if value is None else str(value)
        options = "".join(
            f'<option value="{escape(str(option))}"{" selected" if str(option) == chosen else ""}>'
            f"{escape(str(label))}</option>"
            for option, label in bound.field.choices
        )
        return mark_safe(f"<select{_attrs(attrs)}>{options}</select>")  # noqa: S308 -- every value escaped above
    shown = {**attrs, "type": getattr(widget, "input_type", "text")}
    if value not in (None, ""):
        shown["value"] = _text(value)
    return mark_safe(f"<input{_attrs(shown)}>")  # noqa: S308 -- every value escaped above
