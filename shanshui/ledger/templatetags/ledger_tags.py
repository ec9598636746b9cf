"""Filters of the ledger's pages. Its badge colours are in ``ledger/badges.py``, drawn by the
one ``{% badge %}`` tag (``orgs/templatetags/badges.py``)."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def warning_reasons(reason: str) -> str:
    """ "overdue:12,missed_reports:2" → readable sentences in the user's language."""
    out = []
    for part in filter(None, (reason or "").split(",")):
        code, _sep, value = part.partition(":")
        if code == "overdue":
            out.append(_("%(n)s days past the deadline") % {"n": value})
        elif code == "deadline_near":
            out.append(_("deadline in %(n)s days, progress behind") % {"n": value})
        elif code == "missed_reports":
            out.append(_("%(n)s progress reports missed") % {"n": value})
        elif code == "behind_pace":
            out.append(_("%(n)s points behind the time elapsed") % {"n": value})
        elif code == "urge_unanswered":
            out.append(_("an urge notice is unanswered past its date"))
    return "；".join(out)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
