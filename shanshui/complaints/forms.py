"""Forms for the handlers' pages: one per action, plus the list filter, the office's registration
of calls and letters, and new transfer batches. The services validate the business rules; the
forms only parse what was typed."""

from __future__ import annotations

from django import forms
from django.db.models import Case, F, Q, When
from django.utils.translation import gettext_lazy as _

from shanshui.complaints.models import (
    Category,
    Channel,
    Closure,
    Finding,
    LinkKind,
    RejectReason,
    Satisfaction,
    Status,
    TransferBatch,
)
from shanshui.complaints.selectors import units_for_transfer
from shanshui.complaints.services import Handling, districts
from shanshui.ledger.forms import (
    DATE,
    ISO_DATE,
    IdChoiceField,
    IdsChoiceField,
    MultipleFileField,
    VersionedForm,
    refuse_past_deadline,
)
from shanshui.ledger.models import Campaign, Task
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit, UnitKind
from shanshui.orgs.widgets import UnitsPicker

RADIO = {"class": "form-check-input"}


def _all(choices) -> list:
    return [("", _("All")), *choices]


def district_choices():
    """Districts, counties and zones, merged-away ones too: old cases still name them."""
    return Unit.objects.filter(kind__in=TERRITORIAL_KINDS).order_by("admin_code", "name")


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    batch = IdChoiceField(
        label=_("Transfer batch"),
        queryset=TransferBatch.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    district = IdChoiceField(
        label=_("District or county"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    category = forms.ChoiceField(label=_("Type"), choices=_all(Category.choices), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=_all(Status.choices), required=False)
    finding = forms.ChoiceField(
        label=_("Finding"),
        choices=_all([*Finding.choices, ("none", _("Not yet found"))]),
        required=False,
    )
    key = forms.ChoiceField(
        label=_("Key cases"),
        choices=_all([("1", _("Key cases only")), ("0", _("Other cases"))]),
        required=False,
    )
    overdue = forms.ChoiceField(
        label=_("Overdue"),
        choices=_all([("1", _("Overdue and still open"))]),
        required=False,
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=_all(Channel.choices), required=False)
    satisfaction = forms.ChoiceField(
        label=_("Reporter's satisfaction"),
        choices=_all(Satisfaction.choices),
        required=False,
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("received", _("Newest first")),
            ("deadline", _("Deadline, earliest first")),
            ("updated", _("Recently changed")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].queryset = TransferBatch.objects.select_related("campaign").order_by(
            "-date", "-pk"
        )
        self.fields["district"].queryset = district_choices()


# --- actions ---------------------------------------------------------------------------------


class CommentForm(VersionedForm):
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=4000, widget=forms.Textarea({"rows": 2})
    )


class ConfirmForm(VersionedForm):
    """An action without anything to fill in (publish)."""


class TransferForm(VersionedForm):
    units = IdsChoiceField(
        label=_("Handling units"),
        queryset=Unit.objects.none(),
        widget=UnitsPicker,  # searchable, grouped (static/js/unit-picker.js)
        help_text=_("Districts first, then departments; several units may share a case."),
    )
    deadline = forms.DateField(
        label=_("Handling deadline"),
        required=False,
        widget=forms.DateInput(DATE, format=ISO_DATE),
        help_text=_("Empty: the campaign's working days from today (Chinese calendar)."),
    )
    comment = forms.CharField(
        label=_("Instructions"), required=False, max_length=4000, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Territorial duty first: most cases go to the district where they happened.
        departments_last = Case(When(kind=UnitKind.DEPARTMENT, then=1), default=0)
        self.fields["units"].queryset = units_for_transfer().order_by(
            departments_last, F("admin_code").asc(nulls_last=True), "name"
        )


class RejectForm(VersionedForm):
    reason = forms.ChoiceField(label=_("Why it is not accepted"), choices=RejectReason.choices)
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=4000, widget=forms.Textarea({"rows": 2})
    )


class TransferDownForm(VersionedForm):
    town = IdChoiceField(label=_("Town or street"), queryset=Unit.objects.none())
    comment = forms.CharField(
        label=_("Instructions"), required=False, max_length=4000, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, handling=(), **kwargs):
        super().__init__(*args, **kwargs)
        q = Q(pk__in=[])
        for unit in handling:
            if unit.path:
                q |= Q(path__startswith=unit.path)
        self.fields["town"].queryset = (
            Unit.objects.current().filter(q, kind=UnitKind.TOWN).order_by("path")
        )


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea({"rows": 3}))


class HandleForm(VersionedForm):
    finding = forms.ChoiceField(
        label=_("Finding"), choices=Finding.choices, widget=forms.RadioSelect(attrs=RADIO)
    )
    investigation = forms.CharField(
        label=_("Investigation"),
        max_length=8000,
        widget=forms.Textarea({"rows": 4}),
        help_text=_("What was checked on site and what was found."),
    )
    handling = forms.CharField(
        label=_("Handling and rectification"),
        required=False,
        max_length=8000,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Required when the report is substantiated."),
    )
    accountability = forms.CharField(
        label=_("Accountability"),
        required=False,
        max_length=4000,
        widget=forms.Textarea({"rows": 2}),
    )
    ordered_rectify = forms.BooleanField(label=_("Ordered to rectify"), required=False)
    cases_filed = forms.IntegerField(
        label=_("Cases filed"), min_value=0, max_value=100000, initial=0, required=False
    )
    fine_yuan = forms.DecimalField(
        label=_("Fines (yuan)"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        initial=0,
        required=False,
    )
    police_referrals = forms.IntegerField(
        label=_("Referred to police"), min_value=0, max_value=100000, initial=0, required=False
    )
    detentions = forms.IntegerField(
        label=_("Detentions"), min_value=0, max_value=100000, initial=0, required=False
    )
    interviews = forms.IntegerField(
        label=_("Interviews"), min_value=0, max_value=100000, initial=0, required=False
    )
    people_held_accountable = forms.IntegerField(
        label=_("People held accountable"), min_value=0, max_value=100000, initial=0, required=False
    )

    NUMBERS = (
        "cases_filed",
        "fine_yuan",
        "police_referrals",
        "detentions",
        "interviews",
        "people_held_accountable",
    )

    @classmethod
    def initial_for(cls, c) -> dict:
        """What was recorded before (a case returned by the review, or a transfer list's own
        investigation text), so nothing is typed twice."""
        out = {"version": c.version}
        for name in ("finding", "investigation", "handling", "accountability", "ordered_rectify"):
            value = getattr(c, name)
            if value:
                out[name] = value
        for name in cls.NUMBERS:
            out[name] = getattr(c, name)
        return out

    def handling_result(self):
        d = self.cleaned_data
        return Handling(
            finding=d["finding"],
            investigation=d["investigation"],
            handling=d.get("handling", ""),
            accountability=d.get("accountability", ""),
            ordered_rectify=d.get("ordered_rectify", False),
            cases_filed=d.get("cases_filed") or 0,
            fine_yuan=d.get("fine_yuan") or 0,
            police_referrals=d.get("police_referrals") or 0,
            detentions=d.get("detentions") or 0,
            interviews=d.get("interviews") or 0,
            people_held_accountable=d.get("people_held_accountable") or 0,
        )


class ReviewForm(VersionedForm):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Approve the finding")), ("0", _("Return for further investigation"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect(attrs=RADIO),
        initial="1",
    )
    comment = forms.CharField(
        label=_("Review opinion"),
        required=False,
        max_length=4000,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Required when returning: say what the investigation must look at."),
    )


class CloseForm(VersionedForm):
    closure = forms.ChoiceField(
        label=_("Closure"),
        choices=Closure.choices,
        widget=forms.RadioSelect(attrs=RADIO),
        initial=Closure.CLOSED,
        help_text=_(
            "Stage-closed: the rectification takes longer; the case stays under "
            "follow-up until the date below."
        ),
    )
    follow_up_due = forms.DateField(
        label=_("Follow-up due"),
        required=False,
        widget=forms.DateInput(DATE, format=ISO_DATE),
        help_text=_("Only for a stage-closed case."),
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=4000, widget=forms.Textarea({"rows": 2})
    )
    reply = forms.CharField(
        label=_("Reply to the reporter (答复)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Required when the reporter asked for a reply; they read it with their code."),
    )


class FollowUpForm(VersionedForm):
    comment = forms.CharField(
        label=_("Result of the follow-up"), max_length=4000, widget=forms.Textarea({"rows": 3})
    )


class LinkForm(VersionedForm):
    earlier = forms.CharField(
        label=_("Earlier case number"),
        max_length=40,
        help_text=_("The case number, or the acceptance number of a transferred case."),
    )
    kind = forms.ChoiceField(label=_("Relation"), choices=LinkKind.choices, initial=LinkKind.REPEAT)


class PromoteForm(VersionedForm):
    campaign = IdChoiceField(label=_("Campaign"), queryset=Campaign.objects.none())
    code = forms.CharField(label=_("Task number"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=200)
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(DATE, format=ISO_DATE))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.order_by("-feedback_date", "-pk")

    def clean_deadline(self):
        deadline = self.cleaned_data.get("deadline")
        refuse_past_deadline(deadline)  # a new task, like the new-task form
        return deadline

    def clean(self):
        data = super().clean()
        campaign, code = data.get("campaign"), (data.get("code") or "").strip()
        if campaign and code and Task.objects.filter(campaign=campaign, code=code).exists():
            self.add_error("code", _("This campaign already has a task with this number."))
        return data


class ReopenTaskForm(VersionedForm):
    reason = forms.CharField(
        label=_("What the repeat report found"),
        max_length=4000,
        widget=forms.Textarea({"rows": 3}),
    )


class ModerateForm(VersionedForm):
    OPS = ("hide_text", "show_text", "hide_photo", "show_photo", "approve")

    op = forms.ChoiceField(choices=[(op, op) for op in OPS], widget=forms.HiddenInput)
    photo = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
    # approve: the text as it is to be published (the original when unchanged).
    text = forms.CharField(label=_("Text to publish"), required=False, max_length=4000, strip=False)
    back = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("op") in ("hide_photo", "show_photo") and not data.get("photo"):
            raise forms.ValidationError(_("Choose a photo."))
        if data.get("op") == "approve" and "text" in self.data and not data.get("text", "").strip():
            self.add_error("text", _("Write the text to publish, or hide it."))
        return data


class ModerateManyForm(forms.Form):
    """Approve, or hide the text of, the reports ticked in the moderation queue."""

    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)
    op = forms.ChoiceField(choices=[("approve", "approve"), ("hide_text", "hide_text")])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def __init__(self, *args, waiting: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(pk, pk) for pk in waiting]
        self.fields["ids"].error_messages["required"] = _("Tick at least one report.")
        self.fields["ids"].error_messages["invalid_choice"] = _(
            "A ticked report has been checked by someone else meanwhile. Reload the page."
        )

    def clean(self):
        data = super().clean()
        if data.get("op") == "hide_text" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the text is hidden."))
        return data


# --- pages -----------------------------------------------------------------------------------


class RegisterForm(forms.Form):
    """A call to the 12369 hotline or a letter/visit, registered by the office."""

    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(c.value, c.label) for c in (Channel.HOTLINE, Channel.LETTER)],
        widget=forms.RadioSelect(attrs=RADIO),
        initial=Channel.HOTLINE,
    )
    description = forms.CharField(
        label=_("What the reporter says"), max_length=4000, widget=forms.Textarea({"rows": 5})
    )
    categories = forms.MultipleChoiceField(
        label=_("Type"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    district = IdChoiceField(
        label=_("District or county"), queryset=Unit.objects.none(), required=False, empty_label="—"
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    lat = forms.FloatField(label=_("Latitude (WGS84)"), required=False)
    lon = forms.FloatField(label=_("Longitude (WGS84)"), required=False)
    enterprise = forms.CharField(label=_("Enterprise"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Reporter's name"), max_length=60, required=False)
    contact_phone = forms.CharField(label=_("Reporter's phone"), max_length=30, required=False)
    contact_email = forms.EmailField(label=_("Reporter's e-mail"), required=False)
    wants_reply = forms.BooleanField(label=_("The reporter wants a reply"), required=False)
    photos = MultipleFileField(
        label=_("Photos"), help_text=_("JPEG, PNG, GIF or WebP; the public copy has no metadata.")
    )

    # The service's names for what this form asks in other fields (shanshui.lib.actions).
    service_fields = {"location": "lat", "email": "contact_email"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = Unit.objects.filter(
            pk__in=[u.pk for u in districts()]
        ).order_by("admin_code", "name")


class BatchForm(forms.Form):
    campaign = IdChoiceField(label=_("Campaign"), queryset=Campaign.objects.none())
    number = forms.IntegerField(label=_("Batch number"), min_value=1, max_value=10000)
    date = forms.DateField(label=_("Transfer date"), widget=forms.DateInput(DATE, format=ISO_DATE))
    is_key = forms.BooleanField(label=_("Key cases"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.order_by("-feedback_date", "-pk")
