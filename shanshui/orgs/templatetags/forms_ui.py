"""Render Django form fields with the CSS framework's classes (one place for every form)."""

from django import forms, template

register = template.Library()


@register.filter
def widget_kind(field) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    return "control"


@register.filter
def styled(field):
    """The field's widget with form-control / form-select / form-check-input and is-invalid."""
    widget = field.field.widget
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    elif isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    attrs = {"class": css}
    if isinstance(widget, forms.SelectMultiple) and not isinstance(
        widget, forms.CheckboxSelectMultiple
    ):
        attrs["size"] = "6"
    return field.as_widget(attrs=attrs)
