"""Forms of the carbon pages: the year selector and the import upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

ACTIVITY, ECONOMY, MARKET, ENERGY = "activity", "economy", "market", "enterprise_energy"


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Data"),
        choices=[
            (ACTIVITY, _("Activity data")),
            (ECONOMY, _("GDP and population")),
            (MARKET, _("Carbon-market enterprises")),
            (ENERGY, _("Enterprise monthly energy")),
        ],
        initial=ACTIVITY,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt"}),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run first: check the file and show what would change"),
        required=False,
        initial=True,
    )


def pick_year(value: str | None, years: list[int], default: int | None) -> int | None:
    """A year from the query string when it is one of ``years``, else ``default``."""
    try:
        year = int(value or "")
    except ValueError:
        return default
    return year if year in years else default


class FactorForm(forms.Form):
    """A factor's four numbers and why they change (kept in the history)."""

    ncv_gj = forms.DecimalField(
        label=_("Net calorific value (GJ per unit)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=4,
    )
    carbon_tc_per_tj = forms.DecimalField(
        label=_("Carbon content (tC/TJ)"),
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=3,
    )
    oxidation = forms.DecimalField(
        label=_("Oxidation rate"),
        required=False,
        min_value=0,
        max_value=1,
        max_digits=5,
        decimal_places=3,
    )
    tce_per_unit = forms.DecimalField(
        label=_("tce per unit"), min_value=0, max_digits=10, decimal_places=4
    )
    reason = forms.CharField(
        label=_("Reason and source"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        carbon = [data.get(f) for f in ("ncv_gj", "carbon_tc_per_tj", "oxidation")]
        if any(v is not None for v in carbon) and any(v is None for v in carbon):
            raise forms.ValidationError(
                _(
                    "A fuel needs all three: calorific value, carbon content and oxidation rate; "
                    "leave all three empty for electricity."
                ),
                code="incomplete",
            )
        return data


class GridFactorForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    tco2_per_mwh = forms.DecimalField(
        label=_("tCO2/MWh"), min_value=0, max_value=2, max_digits=8, decimal_places=4
    )
    source = forms.CharField(label=_("Source"), max_length=200)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class ComplianceForm(forms.Form):
    """A compliance year's figures (the office, on the enterprise's page)."""

    year = forms.IntegerField(label=_("Compliance year"), min_value=2013, max_value=2100)
    verified_co2_t = forms.DecimalField(
        label=_("Verified emissions (t CO2e)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )
    allowances_t = forms.DecimalField(
        label=_("Allocated allowances (t)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )
    surrendered_t = forms.DecimalField(
        label=_("Surrendered (t)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    deadline = forms.DateField(
        label=_("Surrender deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
