from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shanshui.directives.models import Meeting, MeetingKind, NormalizeMode
from shanshui.ledger.forms import DATE, ISO_DATE, IdChoiceField, IdsChoiceField, unit_choices
from shanshui.ledger.models import Category, DeadlineKind

ACCEPTED_FILES = ".txt,.docx,.html,.htm,text/plain,text/html"


class DocumentForm(forms.Form):
    """A document, for an existing meeting or a new one named here."""

    meeting = IdChoiceField(
        label=_("Meeting"),
        queryset=Meeting.objects.all(),
        required=False,
        empty_label=_("— a new meeting —"),
    )
    meeting_name = forms.CharField(label=_("New meeting's name"), max_length=200, required=False)
    meeting_date = forms.DateField(
        label=_("Meeting date"), required=False, widget=forms.DateInput(DATE, format=ISO_DATE)
    )
    meeting_kind = forms.ChoiceField(
        label=_("Kind of meeting"), choices=MeetingKind.choices, initial=MeetingKind.INSPECTION
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Left empty, the document's first line is its title."),
    )
    text = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea({"rows": 10}),
        help_text=_("Paste the text, or upload a file below."),
    )
    upload = forms.FileField(
        label=_("File"),
        required=False,
        widget=forms.ClearableFileInput({"accept": ACCEPTED_FILES}),
        help_text=_("Text (UTF-8, GB18030 or Big5, detected), Word (.docx) or a web page (.html)."),
    )
    mode = forms.ChoiceField(
        label=_("Cleaning"), choices=NormalizeMode.choices, initial=NormalizeMode.FULL
    )

    def clean(self):
        data = super().clean()
        if not data.get("meeting"):
            if not data.get("meeting_name"):
                self.add_error("meeting_name", _("Name the meeting, or choose one above."))
            if not data.get("meeting_date"):
                self.add_error("meeting_date", _("Give the meeting's date."))
        if not (data.get("text") or "").strip() and not data.get("upload"):
            self.add_error("text", _("Paste the text or choose a file."))
        if (data.get("text") or "").strip() and data.get("upload"):
            self.add_error("upload", _("Paste the text or choose a file, not both."))
        return data


class DirectiveForm(forms.Form):
    text = forms.CharField(label=_("Directive"), widget=forms.Textarea({"rows": 3}))
    lead = IdChoiceField(label=_("Lead unit"), queryset=unit_choices(), required=False)
    responsible = IdsChoiceField(
        label=_("Responsible units"), queryset=unit_choices(), required=False
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    deadline_kind = forms.ChoiceField(
        label=_("Deadline kind"), choices=DeadlineKind.choices, initial=DeadlineKind.DATED
    )
    deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=forms.DateInput(DATE, format=ISO_DATE)
    )
    dropped = forms.BooleanField(label=_("Not a task (drop it)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = unit_choices()
        self.fields["responsible"].queryset = unit_choices()

    @staticmethod
    def initial_for(d) -> dict:
        return {
            "text": d.text,
            "lead": d.lead_id,
            "responsible": [u.pk for u in d.responsible.all()],
            "categories": d.categories,
            "deadline_kind": d.deadline_kind,
            "deadline": d.deadline,
            "dropped": d.dropped,
        }


class SplitForm(forms.Form):
    before_clause = forms.IntegerField(label=_("Split before clause"), min_value=2, max_value=999)
