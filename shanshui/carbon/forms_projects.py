"""Forms of the two-high project pages: the new project, and one per action card. They check
the fields and never write: the views pass ``cleaned_data`` to the services in projects.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shanshui.carbon import projects
from shanshui.carbon.models import Industry
from shanshui.ledger.forms import VersionedForm
from shanshui.ledger.models import Campaign

ISO_DATE = "%Y-%m-%d"


def _decimal(label, *, required: bool = True, help_text=""):
    return forms.DecimalField(
        label=label, required=required, max_digits=14, decimal_places=4, help_text=help_text
    )


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("Project"), max_length=200)
    enterprise = forms.CharField(label=_("Enterprise"), max_length=200)
    district = forms.ModelChoiceField(
        label=_("District or county"), queryset=None, empty_label=None
    )
    industry = forms.ChoiceField(label=_("Industry sector"), choices=Industry.choices)
    capacity = forms.CharField(
        label=_("Capacity"),
        max_length=120,
        help_text=_("E.g. 2×660 MW, 1 million t of clinker a year."),
    )
    energy_tce = _decimal(
        _("Annual comprehensive energy use (tce)"),
        help_text=_("Equivalent value, tonnes of standard coal a year."),
    )
    co2_t = _decimal(_("Expected CO2 (t per year)"))
    efficiency_unit = forms.CharField(
        label=_("Unit of energy consumption"),
        max_length=30,
        required=False,
        help_text=_("E.g. kgce/t, gce/kWh."),
    )
    unit_energy = _decimal(_("Unit energy consumption"), required=False)
    benchmark = _decimal(_("Benchmark level"), required=False)
    baseline = _decimal(
        _("Baseline level"),
        required=False,
        help_text=_("The national levels for the product, in the same unit; lower is better."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea({"rows": 3}), max_length=2000
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = projects.proposing_districts(user).order_by(
            "sort_order", "name"
        )

    # The service checks these again; here too, so that they show with the other fields' errors
    # rather than only once the rest is right.
    def clean_energy_tce(self):
        value = self.cleaned_data["energy_tce"]
        if value is not None and value <= 0:
            raise forms.ValidationError(_("The annual energy use must be more than 0 tce."))
        return value

    def clean_co2_t(self):
        value = self.cleaned_data["co2_t"]
        if value is not None and value < 0:
            raise forms.ValidationError(_("The expected CO2 cannot be negative."))
        return value


class CommentForm(VersionedForm):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea({"rows": 2})
    )


class OpinionForm(VersionedForm):
    opinion = forms.CharField(label=_("Opinion"), widget=forms.Textarea({"rows": 3}))


class RaiseTaskForm(VersionedForm):
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
        campaign = projects.default_campaign()
        kwargs.setdefault(
            "initial",
            {
                "campaign": campaign.pk if campaign else None,
                "deadline": projects.default_deadline(),
            },
        )
        super().__init__(*args, **kwargs)
