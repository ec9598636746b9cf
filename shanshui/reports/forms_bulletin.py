"""The form that chooses what a bulletin (通报) covers: campaign, period and template."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanshui.ledger.forms import IdChoiceField
from shanshui.ledger.models import Campaign
from shanshui.reports import figures
from shanshui.reports.models import BulletinTemplate

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)


class BulletinForm(forms.Form):
    campaign = IdChoiceField(queryset=Campaign.objects.none(), label=_("Campaign"))
    period_start = forms.DateField(label=_("Period from"), widget=DATE_INPUT)
    period_end = forms.DateField(label=_("Period until"), widget=DATE_INPUT)
    template = IdChoiceField(
        queryset=BulletinTemplate.objects.all(),
        required=False,
        label=_("Template"),
        empty_label=_("Default template"),
        help_text=_(
            "The office edits templates (issuing body, title, texts) in the administration."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Campaigns that have ledger items in the user's scope, newest feedback first.
        self.fields["campaign"].queryset = figures.campaigns(user).order_by("-feedback_date", "-pk")
        if not self.is_bound:
            latest = self.fields["campaign"].queryset.first()
            if latest:
                self.initial.setdefault("campaign", latest.pk)
            today = timezone.localdate()
            self.initial.setdefault("period_start", today.replace(day=1))
            self.initial.setdefault("period_end", today)
            default = BulletinTemplate.objects.filter(is_default=True).first()
            if default:
                self.initial.setdefault("template", default.pk)

    def _day(self, name: str) -> dt.date:
        day = self.cleaned_data[name]
        if not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(
                _("Enter a date between 2000 and 2100."), code="out_of_range"
            )
        return day

    def clean_period_start(self) -> dt.date:
        return self._day("period_start")

    def clean_period_end(self) -> dt.date:
        return self._day("period_end")

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error(
                "period_end",
                forms.ValidationError(_("The period cannot end before it starts."), code="order"),
            )
        return data

    def period(self) -> figures.Period:
        return figures.Period(self.cleaned_data["period_start"], self.cleaned_data["period_end"])
