"""Number formats of the carbon pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def tonnes(value, places: int = 0) -> str:
    """12,345 (or 12,345.6 with places=1); — for no value."""
    if value is None:
        return "—"
    return f"{float(value):,.{int(places)}f}"


@register.filter
def pct(value, signed: bool = True) -> str:
    """A change or a share as a percentage: "+4.8 %", "−12.0 %"; — for no value."""
    if value is None:
        return "—"
    number = float(value) * 100
    if not signed:
        return f"{number:.1f} %"
    sign = "+" if number > 0 else ("−" if number < 0 else "±")
    return f"{sign}{abs(number):.1f} %"


@register.filter
def task_open(task) -> bool:
    """A raised ledger task that still stands (not withdrawn): no second one may be raised."""
    return task is not None and task.status != "withdrawn"
