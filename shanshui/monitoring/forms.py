"""Forms of the monitoring pages: the period selector, the targets grid and the confirm form of
a ledger task made from a missed target. They read and check what was posted; the views save it
through ``services``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from shanshui.ledger.models import Campaign
from shanshui.monitoring.indicators.periods import Period
from shanshui.monitoring.indicators.ranking import SORTS
from shanshui.monitoring.indicators.targets import INDICATOR_ORDER
from shanshui.monitoring.models import Indicator
from shanshui.monitoring.selectors import default_campaign
from shanshui.monitoring.services import TargetChange, TaskProposal
from shanshui.orgs.models import Unit

YEARS_BACK = 10
ISO_DATE = "%Y-%m-%d"


def year_choices(today: dt.date) -> list[tuple[int, str]]:
    return [(y, str(y)) for y in range(today.year, today.year - YEARS_BACK, -1)]


class PeriodForm(forms.Form):
    """``?year=2026&month=3&sort=pm25``; anything invalid falls back to the default with a message
    (never an error page)."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    month = forms.TypedChoiceField(label=_("Month"), coerce=int, required=False, empty_value=None)
    sort = forms.ChoiceField(
        label=_("Rank by"),
        required=False,
        choices=[
            ("good", _("Good-air-day ratio")),
            ("pm25", _("PM2.5 mean")),
            ("heavy", _("Heavy pollution days")),
            ("water", _("Sections at class III or better")),
            ("name", _("District order")),
        ],
    )

    def __init__(self, *args, today: dt.date, with_month: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["year"].choices = year_choices(today)
        self.fields["month"].choices = [("", _("Whole year"))] + [
            (m, MONTHS[m]) for m in range(1, 13)
        ]
        if not with_month:
            del self.fields["month"]

    def _value(self, name, default):
        if self.is_bound:
            self.is_valid()  # a valid field keeps its value even when another one is wrong
        value = getattr(self, "cleaned_data", {}).get(name)
        return default if value in (None, "") else value

    def period(self) -> Period:
        year = self._value("year", self.today.year)
        month = self._value("month", None) if "month" in self.fields else None
        return Period(int(year), int(month) if month else None)

    def sort_key(self) -> str:
        value = self._value("sort", "good")
        return value if value in SORTS else "good"


def _decimal(text: str) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


class TargetGridForm(forms.Form):
    """One text box per district and indicator for one year; empty removes a target."""

    def __init__(self, *args, year: int, districts: list[Unit], targets: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        self.districts = districts
        self.targets = targets
        for d in districts:
            for indicator in INDICATOR_ORDER:
                current = targets.get((d.pk, indicator))
                self.fields[self.name_for(d, indicator)] = forms.CharField(
                    label=f"{d.display_name} · {Indicator(indicator).label}",
                    required=False,
                    max_length=20,
                    initial="" if current is None else _plain(current),
                )

    @staticmethod
    def name_for(district: Unit, indicator: str) -> str:
        return f"t_{district.pk}_{indicator}"

    def grid(self):
        """``[(district, [bound field per indicator])]`` for the template."""
        return [(d, [self[self.name_for(d, i)] for i in INDICATOR_ORDER]) for d in self.districts]

    def changes(self) -> list[TargetChange]:
        """The cells whose value differs from the stored target, for ``services.targets_set``."""
        out = []
        for d in self.districts:
            for indicator in INDICATOR_ORDER:
                text = (self.cleaned_data.get(self.name_for(d, indicator)) or "").strip()
                current = self.targets.get((d.pk, indicator))
                number = _decimal(text)
                if text and number is None:
                    out.append(
                        TargetChange(d, indicator, text)
                    )  # not a number: the service says so
                elif number != current and not (number is None and current is None):
                    out.append(TargetChange(d, indicator, text))
        return out

    def show_refusals(self, changes: list[TargetChange], errors: dict[int, dict]) -> None:
        """Put each refusal of ``services.targets_set`` (``TargetsRefused.errors``) on its cell."""
        for i, found in errors.items():
            messages = found.get("value") or [m for ms in found.values() for m in ms]
            self.add_error(self.name_for(changes[i].district, changes[i].indicator), messages)


def _plain(value: Decimal) -> str:
    """90.00 → "90", 32.50 → "32.5"."""
    return format(value.normalize(), "f")


class MissedTargetTaskForm(forms.Form):
    """Confirm (and edit) the draft ledger task proposed for a missed target."""

    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.order_by("-created_at", "-pk"),
        empty_label=None,
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    problem = forms.CharField(label=_("Problem"), widget=forms.Textarea(attrs={"rows": 5}))
    target = forms.CharField(
        label=_("Rectification target"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    measures = forms.CharField(
        label=_("Measures"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One measure per line."),
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        input_formats=[ISO_DATE],
    )

    def __init__(self, *args, proposal: TaskProposal, **kwargs):
        campaign = default_campaign()
        kwargs.setdefault(
            "initial",
            {
                "campaign": campaign.pk if campaign else None,
                "title": proposal.title,
                "problem": proposal.problem,
                "target": proposal.target,
                "measures": "\n".join(proposal.measures),
                "deadline": proposal.deadline,
            },
        )
        super().__init__(*args, **kwargs)
        self.proposal = proposal

    def clean_measures(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["measures"].splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            raise ValidationError(_("Enter at least one measure."), code="required")
        return lines
