"""Administration for the ledger's reference tables. Tasks themselves change only through the
ledger's pages and services (every change an event), so they are not edited here."""

from django.contrib import admin

from shanshui.ledger.models import CalendarOverride
from shanshui.orgs.admin import OfficeAdminMixin


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(OfficeAdminMixin, admin.ModelAdmin):
    """Holidays and make-up workdays the calendar package does not know (yet)."""

    list_display = ["day", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "day"
