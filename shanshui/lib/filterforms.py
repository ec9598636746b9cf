"""The fields of a list page's filter form, ready to draw. 筛选表单

A filter bar draws each select by hand (a compact row of labelled selects, not the form's own
widgets). Looping over ``field.field.choices`` in the template costs a loop step per option with
the field's value formatted again for each, and a model choice field is counted, then read; for
the unit lists that was a noticeable part of every list page. :func:`filter_fields` writes each
select's options once, in Python, reading a model choice field with one query.
"""

from __future__ import annotations

from django.utils.html import format_html_join


def options(field) -> str:
    """The ``<option>`` elements of a bound select field, the current value selected."""
    current = str(field.value())
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, " selected" if str(value) == current else "", label)
            for value, label in field.field.choices
        ),
    )


def filter_fields(form, *, skip: tuple[str, ...] = ("q",)) -> list[dict]:
    """The visible fields of ``form`` but ``skip``, each as ``{"field": bound field,
    "options": its options' HTML, or None when it is not a select}``."""
    out = []
    for field in form:
        if field.name in skip or field.is_hidden:
            continue
        is_select = getattr(field.field.widget, "input_type", "") == "select"
        out.append({"field": field, "options": options(field) if is_select else None})
    return out
