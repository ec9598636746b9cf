"""Forms of the targets page: a target (the office) and raising a ledger task for one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shanshui.carbon import targets
from shanshui.carbon.forms_projects import ISO_DATE
from shanshui.carbon.models import TargetKind
from shanshui.carbon.projects import default_campaign
from shanshui.ledger.models import Campaign
from shanshui.orgs.models import Unit


class TargetForm(forms.Form):
    district = forms.ModelChoiceField(
        label=_("District or county"),
        queryset=Unit.objects.territorial().order_by("path"),
        required=False,
        empty_label=_("The whole city"),
    )
    period_start = forms.IntegerField(
        label=_("plan period from"), min_value=2000, max_value=2100, initial=2021
    )
    period_end = forms.IntegerField(
        label=_("plan period to"), min_value=2000, max_value=2100, initial=2025
    )
    base_year = forms.IntegerField(
        label=_("base year"), min_value=1990, max_value=2100, initial=2020
    )
    kind = forms.ChoiceField(label=_("kind"), choices=TargetKind.choices)
    value = forms.DecimalField(
        label=_("target value"),
        max_digits=14,
        decimal_places=2,
        help_text=_("A reduction in %, a cap in tce, or the peak year."),
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, target=None, **kwargs):
        if target is not None:
            kwargs.setdefault("initial", {name: getattr(target, name) for name in targets.FIELDS})
        super().__init__(*args, **kwargs)


class TargetTaskForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.order_by("-created_at", "-pk"),
        empty_label=None,
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        input_formats=[ISO_DATE],
    )

    def __init__(self, *args, **kwargs):
        campaign = default_campaign()
        kwargs.setdefault(
            "initial",
            {"campaign": campaign.pk if campaign else None, "deadline": targets.default_deadline()},
        )
        super().__init__(*args, **kwargs)
