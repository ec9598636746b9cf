"""Filters of the dashboard and of its drill-down list (GET forms; nothing here writes)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from shanshui.ledger.forms import IdChoiceField
from shanshui.ledger.models import Campaign, Category
from shanshui.orgs.models import Unit
from shanshui.reports import figures

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)

# The measures a drill-down can list: every Counts field, and the items signed off in a period.
SIGNED_OFF_IN_PERIOD = "signed_off_in_period"
MEASURE_LABELS = {
    "total": _("Ledger items"),
    "completed": _("Completed rectification"),
    "signed_off": _("Signed off"),
    "in_progress": _("Still being rectified"),
    "on_schedule": _("On schedule"),
    "overdue": _("Overdue tasks"),
    "red": _("Red warnings"),
    "yellow": _("Yellow warnings"),
    "green": _("Green warnings"),
    "due": _("Due for completion"),
    "on_time": _("Completed on time"),
    SIGNED_OFF_IN_PERIOD: _("Signed off in the period"),
}
MEASURE_HELP = {
    "total": _(
        "Tasks on the ledger, neither drafts nor withdrawn; a split city task counts once per "
        "share."
    ),
    "completed": _("Accepted, in public notice or signed off."),
    "signed_off": _("Signed off after acceptance (and the public notice, if published)."),
    "in_progress": _("Assigned, being rectified, reopened, or waiting for review."),
    "on_schedule": _("Still being rectified and not past the deadline."),
    "overdue": _("Past the deadline and not yet completed."),
    "red": _(
        "Red warning: deadline close with progress behind, reports missed or an urge notice "
        "unanswered."
    ),
    "yellow": _("Yellow warning: deadline approaching, behind pace, or a report missed."),
    "green": _("Green: on pace, or under review."),
    "due": _("Items with a deadline that has passed, or that are completed."),
    "on_time": _("Due items accepted on or before their deadline."),
    SIGNED_OFF_IN_PERIOD: _("Items signed off within the period."),
}


def _check_day(day: dt.date | None) -> dt.date | None:
    if day is not None and not EARLIEST <= day <= LATEST:
        raise forms.ValidationError(_("Enter a date between 2000 and 2100."), code="out_of_range")
    return day


class DashboardFilterForm(forms.Form):
    # Any campaign validates here; the view then refuses one without items in the user's scope
    # and lists only those that have some (known from the figures, without another query).
    campaign = IdChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.all(),
        required=False,
        empty_label=_("All campaigns"),
    )
    start = forms.DateField(label=_("Period from"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("Period until"), required=False, widget=DATE_INPUT)

    def clean_start(self):
        return _check_day(self.cleaned_data.get("start"))

    def clean_end(self):
        return _check_day(self.cleaned_data.get("end"))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The period cannot end before it starts."))
        return data


class DrillForm(forms.Form):
    """The parameters of /reports/tasks/ — the same as the number that was clicked."""

    measure = forms.ChoiceField(
        label=_("Figure"), choices=list(MEASURE_LABELS.items()), required=False
    )
    campaign = IdChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.all(),
        required=False,
        empty_label=_("All campaigns"),
    )
    unit = IdChoiceField(label=_("Unit"), queryset=Unit.objects.all(), required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All")), *Category.choices], required=False
    )
    start = forms.DateField(label=_("Period from"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("Period until"), required=False, widget=DATE_INPUT)

    def clean_measure(self):
        return self.cleaned_data.get("measure") or "total"

    def clean_start(self):
        return _check_day(self.cleaned_data.get("start"))

    def clean_end(self):
        return _check_day(self.cleaned_data.get("end"))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The period cannot end before it starts."))
        return data

    def period(self) -> figures.Period:
        return figures.Period(self.cleaned_data.get("start"), self.cleaned_data.get("end"))
