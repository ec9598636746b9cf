"""Helpers shared by the import commands of every app (manage.py import_complaints,
import_ledger, import_air, import_water): who acts, and how a row error is printed."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from shanshui.orgs.scope import scope_for


def office_actor(username: str | None):
    """The acting user of an import: ``--user`` (active, with the office role), else the first
    active superuser. CommandError, with a message for the operator, otherwise."""
    users = get_user_model().objects
    if username:
        user = users.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("No active user “%(name)s”.") % {"name": username})
        if not scope_for(user).sees_all:
            raise CommandError(_("%(name)s does not have the office role.") % {"name": username})
        return user
    user = users.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        raise CommandError(_("No superuser exists: name an office user with --user."))
    return user


def format_row_error(error) -> str:
    """ "Row R, column C: message" for an error with ``row``, ``column`` and ``message`` (row 0:
    the file as a whole)."""
    if error.row and error.column:
        return _("Row %(row)d, column %(column)s: %(message)s") % {
            "row": error.row,
            "column": error.column,
            "message": error.message,
        }
    if error.row:
        return _("Row %(row)d: %(message)s") % {"row": error.row, "message": error.message}
    return error.message
