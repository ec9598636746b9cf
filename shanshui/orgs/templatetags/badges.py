"""One status badge for every page: ``{% badge "ledger.task_status" task.status label %}``.

A badge's colour follows the stored value of a status, and each app keeps the colours of its own
statuses next to their choices, in ``<app>/badges.py``: a ``BADGES`` dict of tables, each mapping
a stored value to Tabler's colour classes. A kind names one table as ``"<app label>.<table>"``;
the tag finds the app's module through the app registry, so orgs renders the badges of the apps
built on it without importing them (the same way Django finds each app's templatetags).
"""

from collections.abc import Mapping
from functools import cache
from importlib import import_module

from django import template
from django.apps import apps
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

#: The colour of a value its table does not know: neutral grey, never an alarm colour.
DEFAULT_CLASS = "bg-secondary-lt"


@cache
def colour_table(kind: str) -> Mapping[str, str]:
    """The table named by ``kind`` ("ledger.task_status"). An unknown kind is a programming
    error and raises (LookupError, AttributeError), so a typo fails the page's tests."""
    app_label, _sep, name = kind.partition(".")
    module = import_module(f"{apps.get_app_config(app_label).name}.badges")
    return module.BADGES[name]


@register.filter
def badge_class(value, kind: str) -> str:
    """The colour classes of ``value`` alone, for elements that are not badges (an avatar)."""
    return colour_table(kind).get(str(value), DEFAULT_CLASS)


@register.simple_tag
def badge(kind: str, value, label=None, *, title=None, extra: str = "") -> SafeString:
    """``<span class="badge {colour} {extra}" title="…">label</span>``, everything escaped;
    the label defaults to the value. A title given, even empty, is written: an empty one keeps
    a row's or card's own title from showing over the badge."""
    classes = " ".join(filter(None, ("badge", badge_class(value, kind), extra)))
    text = value if label is None else label
    if title is not None:
        return format_html('<span class="{}" title="{}">{}</span>', classes, title, text)
    return format_html('<span class="{}">{}</span>', classes, text)
