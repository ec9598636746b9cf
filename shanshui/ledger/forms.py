"""Forms for the ledger pages: one per action, validated field by field in Chinese."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shanshui.ledger import measures as measure_texts
from shanshui.ledger.models import (
    AccountabilityMeasure,
    Campaign,
    CampaignKind,
    Category,
    ChecklistItem,
    DeadlineKind,
    MeasureStatus,
    ReportCycle,
    Status,
    UnitRole,
    WarningLevel,
)
from shanshui.ledger.services import REOPEN_TRIGGERS, UnitAssignment
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit

DATE = {"type": "date"}
# <input type="date"> takes only ISO dates, whatever the language of the page.
ISO_DATE = "%Y-%m-%d"
MAX_ID = 2**31 - 1


def _valid_id(value) -> bool:
    text = str(value).strip()
    return text.isdigit() and 0 < int(text) <= MAX_ID


class IdChoiceField(forms.ModelChoiceField):
    """An object by id; an id that cannot exist is an invalid choice, not a database error."""

    def to_python(self, value):
        if value not in self.empty_values and not _valid_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdsChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for item in value:
            if not _valid_id(item):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(item)[:20]},
                )
        return super()._check_values(value)


class MeasuresField(forms.CharField):
    """The measures typed in one box, as a list: numbered ("1.…↵2.…") or one per line. The
    ledger takes the numbering off (ledger.measures), so what was typed is what is stored."""

    def clean(self, value) -> list[str]:
        return measure_texts.parse_text(super().clean(value))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


def unit_choices(*, current_only: bool = True, territorial: bool = False):
    qs = Unit.objects.exclude(kind__in=["town", "enterprise"]).order_by("path")
    if current_only:
        qs = qs.current()
    if territorial:
        qs = qs.filter(kind__in=TERRITORIAL_KINDS)
    return qs


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CampaignForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Letters, digits and hyphens, e.g. central-2024"),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=CampaignKind.choices)
    team = forms.CharField(label=_("Inspection team"), max_length=120, required=False)
    stay_start = forms.DateField(
        label=_("Stay from"), required=False, widget=forms.DateInput(DATE, format=ISO_DATE)
    )
    stay_end = forms.DateField(
        label=_("Stay until"), required=False, widget=forms.DateInput(DATE, format=ISO_DATE)
    )
    feedback_date = forms.DateField(
        label=_("Feedback date"), required=False, widget=forms.DateInput(DATE, format=ISO_DATE)
    )
    report_cycle = forms.ChoiceField(
        label=_("Progress report cycle"), choices=ReportCycle.choices, initial=ReportCycle.MONTHLY
    )
    notice_days = forms.IntegerField(
        label=_("Public notice (days)"), min_value=1, max_value=60, initial=15
    )

    def clean_code(self):
        code = self.cleaned_data["code"]
        if Campaign.objects.filter(code=code).exists():
            raise forms.ValidationError(_("A campaign with this code exists already."))
        return code


class TaskUnitsForm(forms.Form):
    """The task's units by role, shared by the new-task and edit forms."""

    UNIT_FIELDS = ("lead", "responsible", "implementing", "supporting", "accepting")
    historic_units = False  # may a merged-away unit be chosen (editing old tasks)?

    lead = IdChoiceField(label=_("Lead unit"), queryset=Unit.objects.none(), required=False)
    responsible = IdsChoiceField(
        label=_("Responsible units"), queryset=Unit.objects.none(), required=False
    )
    implementing = IdsChoiceField(
        label=_("Implementing units"), queryset=Unit.objects.none(), required=False
    )
    supporting = IdsChoiceField(
        label=_("Supporting units"), queryset=Unit.objects.none(), required=False
    )
    accepting = IdChoiceField(
        label=_("Accepting unit"), queryset=Unit.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = unit_choices(current_only=not self.historic_units)
        for name in self.UNIT_FIELDS:
            self.fields[name].queryset = units


class TaskForm(TaskUnitsForm):
    field_order = [
        "campaign",
        "code",
        "title",
        "problem",
        "target",
        "measures",
        "categories",
        "deadline_kind",
        "deadline",
        "is_public",
    ]

    campaign = IdChoiceField(label=_("Campaign"), queryset=Campaign.objects.all())
    code = forms.CharField(label=_("Task number"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=200)
    problem = forms.CharField(label=_("Problem as fed back"), widget=forms.Textarea({"rows": 4}))
    target = forms.CharField(
        label=_("Rectification target"), required=False, widget=forms.Textarea({"rows": 2})
    )
    measures = MeasuresField(
        label=_("Measures"),
        required=False,
        widget=forms.Textarea({"rows": 4}),
        help_text=_("One measure per line; they are numbered in order."),
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    deadline_kind = forms.ChoiceField(
        label=_("Deadline kind"), choices=DeadlineKind.choices, initial=DeadlineKind.DATED
    )
    deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=forms.DateInput(DATE, format=ISO_DATE)
    )
    is_public = forms.BooleanField(
        label=_("Publish the result (public notice)"), required=False, initial=True
    )
    leader_name = forms.CharField(label=_("Responsible leader"), max_length=60, required=False)
    leader_post = forms.CharField(label=_("Leader's post"), max_length=60, required=False)

    def clean(self):
        data = super().clean()
        if data.get("deadline_kind") == DeadlineKind.DATED and not data.get("deadline"):
            self.add_error("deadline", _("A task with a deadline needs its date."))
        if not data.get("lead") and not data.get("responsible") and not data.get("implementing"):
            self.add_error("lead", _("Name a lead unit or at least one responsible unit."))
        return data


class EditForm(TaskUnitsForm, VersionedForm):
    field_order = ["version", "title", "problem", "target", "is_public", "deadline", "measures"]
    historic_units = True

    title = forms.CharField(label=_("Title"), max_length=200)
    problem = forms.CharField(label=_("Problem as fed back"), widget=forms.Textarea({"rows": 4}))
    target = forms.CharField(
        label=_("Rectification target"), required=False, widget=forms.Textarea({"rows": 2})
    )
    is_public = forms.BooleanField(label=_("Publish the result (public notice)"), required=False)
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=forms.DateInput(DATE, format=ISO_DATE),
        help_text=_("Only for drafts; after assignment the deadline moves by extension."),
    )
    measures = MeasuresField(
        label=_("Measures"),
        required=False,
        widget=forms.Textarea({"rows": 4}),
        help_text=_("One measure per line; they can be reworded or added, not removed."),
    )

    @staticmethod
    def initial_for(task) -> dict:
        rows = list(task.task_units.all())

        def ids(role):
            return [tu.unit_id for tu in rows if tu.role == role]

        return {
            "version": task.version,
            "title": task.title,
            "problem": task.problem,
            "target": task.target,
            "is_public": task.is_public,
            "deadline": task.deadline,
            "measures": "\n".join(m.text for m in task.measures.all()),
            "lead": (ids("lead") or [None])[0],
            "responsible": ids("responsible"),
            "implementing": ids("implementing"),
            "supporting": ids("supporting"),
            "accepting": (ids("accepting") or [None])[0],
        }

    def unit_assignments(self, task) -> list:
        leaders = {
            (tu.unit_id, tu.role): (tu.leader_name, tu.leader_post) for tu in task.task_units.all()
        }
        d = self.cleaned_data
        out = []
        for role, units in (
            ("lead", [d.get("lead")]),
            ("responsible", d.get("responsible")),
            ("implementing", d.get("implementing")),
            ("supporting", d.get("supporting")),
            ("accepting", [d.get("accepting")]),
        ):
            for unit in units or []:
                if unit is not None:
                    out.append(UnitAssignment(unit, role, *leaders.get((unit.pk, role), ("", ""))))
        return out


class SplitForm(VersionedForm):
    units = IdsChoiceField(
        label=_("Implementing units (one share each)"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = unit_choices(territorial=True)


class CommentForm(VersionedForm):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea({"rows": 2})
    )


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea({"rows": 3}))


class ReportForm(VersionedForm):
    text = forms.CharField(label=_("What was done this period"), widget=forms.Textarea({"rows": 4}))
    percent = forms.IntegerField(label=_("Overall progress (%)"), min_value=0, max_value=100)
    files = MultipleFileField(
        label=_("Evidence files"), help_text=_("Photos, PDF, Office documents or videos.")
    )

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.measures = list(measures)
        for m in self.measures:
            self.fields[f"measure_{m.number}"] = forms.ChoiceField(
                label=f"{m.number}. {m.text[:60]}",
                choices=MeasureStatus.choices,
                initial=m.status,
                required=False,
            )

    def measure_status(self) -> dict[str, str]:
        return {
            str(m.number): self.cleaned_data[f"measure_{m.number}"]
            for m in self.measures
            if self.cleaned_data.get(f"measure_{m.number}")
        }


class EvidenceForm(forms.Form):
    files = MultipleFileField(label=_("Evidence files"), required=True)
    comment = forms.CharField(label=_("Comment"), required=False)


class EvidenceWithdrawForm(forms.Form):
    evidence = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class UrgeForm(VersionedForm):
    to_unit = IdChoiceField(label=_("To unit"), queryset=Unit.objects.none())
    text = forms.CharField(label=_("What must be done"), widget=forms.Textarea({"rows": 3}))
    response_due = forms.DateField(
        label=_("Reply due"), widget=forms.DateInput(DATE, format=ISO_DATE)
    )

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        if task is not None:
            ids = set(task.task_units.values_list("unit_id", flat=True)) | set(
                task.shares.values_list("task_units__unit_id", flat=True)
            )
            self.fields["to_unit"].queryset = Unit.objects.filter(pk__in=ids).order_by("path")


class UrgeAnswerForm(forms.Form):
    urge = forms.IntegerField(widget=forms.HiddenInput)
    response = forms.CharField(label=_("Reply"), widget=forms.Textarea({"rows": 3}))


class ExtensionForm(VersionedForm):
    requested_deadline = forms.DateField(
        label=_("New deadline"), widget=forms.DateInput(DATE, format=ISO_DATE)
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea({"rows": 3}))


class ExtensionDecisionForm(forms.Form):
    extension = forms.IntegerField(widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Approve")), ("0", _("Reject"))],
        coerce=lambda v: v == "1",
    )
    comment = forms.CharField(label=_("Comment"), required=False)


class ApplyAcceptanceForm(VersionedForm):
    summary = forms.CharField(label=_("Rectification summary"), widget=forms.Textarea({"rows": 4}))

    # The service reports a checklist item's errors under the item's name (shanshui.lib.actions).
    service_fields = {item.value: f"check_{item.value}" for item in ChecklistItem}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item in ChecklistItem:
            self.fields[f"check_{item.value}"] = forms.CharField(
                label=item.label,
                widget=forms.Textarea({"rows": 2}),
            )
            self.fields[f"files_{item.value}"] = MultipleFileField(
                label=_("Evidence for: %(item)s") % {"item": item.label}
            )

    def checklist(self) -> dict[str, str]:
        return {i.value: self.cleaned_data.get(f"check_{i.value}", "") for i in ChecklistItem}

    def evidence_files(self) -> dict[str, list]:
        return {i.value: self.cleaned_data.get(f"files_{i.value}") or [] for i in ChecklistItem}


class AcceptForm(VersionedForm):
    accepted_by_name = forms.CharField(
        label=_("Accepted by (name)"),
        max_length=60,
        help_text=_("谁验收谁负责: the person who answers for this acceptance."),
    )
    comment = forms.CharField(
        label=_("Acceptance opinion"), required=False, widget=forms.Textarea({"rows": 2})
    )


class ObjectionHandleForm(forms.Form):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    upheld = forms.TypedChoiceField(
        label=_("Finding"),
        choices=[("0", _("Not founded")), ("1", _("Founded: return the task"))],
        coerce=lambda v: v == "1",
    )
    result = forms.CharField(label=_("How it was checked"), widget=forms.Textarea({"rows": 2}))


class ReopenForm(VersionedForm):
    trigger = forms.ChoiceField(label=_("Why"), choices=list(REOPEN_TRIGGERS.items()))
    reason = forms.CharField(label=_("What was found"), widget=forms.Textarea({"rows": 3}))


class AccountabilityForm(forms.Form):
    person_name = forms.CharField(label=_("Person"), max_length=60)
    post = forms.CharField(label=_("Post"), max_length=80)
    unit = IdChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    measure = forms.ChoiceField(label=_("Measure"), choices=AccountabilityMeasure.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea({"rows": 2}))
    decided_on = forms.DateField(
        label=_("Decided on"), widget=forms.DateInput(DATE, format=ISO_DATE)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.current().order_by("path")


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("Your objection"), max_length=5000, widget=forms.Textarea({"rows": 4})
    )
    name = forms.CharField(label=_("Name (optional)"), max_length=60, required=False)
    contact = forms.CharField(
        label=_("Phone or e-mail (optional)"),
        max_length=120,
        required=False,
        help_text=_("Only the office sees it, to ask you about the objection."),
    )


class LedgerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    campaign = IdChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.all(), required=False, empty_label=_("All")
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All")), *Category.choices], required=False
    )
    unit = IdChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All")
    )
    role = forms.ChoiceField(
        label=_("Unit role"), choices=[("", _("All")), *UnitRole.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *Status.choices], required=False
    )
    warning = forms.ChoiceField(
        label=_("Warning"), choices=[("", _("All")), *WarningLevel.choices], required=False
    )
    deadline_from = forms.DateField(
        label=_("Deadline from"), required=False, widget=forms.DateInput(DATE, format=ISO_DATE)
    )
    deadline_to = forms.DateField(
        label=_("Deadline to"), required=False, widget=forms.DateInput(DATE, format=ISO_DATE)
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("code", _("Number")),
            ("deadline", _("Deadline")),
            ("-deadline", _("Deadline, latest first")),
            ("-updated", _("Recently changed")),
            ("warning", _("Warning, worst first")),
            ("progress", _("Progress, lowest first")),
        ],
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else unit_choices()
