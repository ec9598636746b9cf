"""Forms for the ledger pages: one per action, validated field by field in Chinese."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.templatetags.static import static
from django.utils.html import format_html
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
from shanshui.ledger.services import (
    REOPEN_TRIGGERS,
    UnitAssignment,
    check_deadline_ahead,
    role_assignments,
)
from shanshui.lib import geo, maps
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit
from shanshui.orgs.names import TERRITORIAL
from shanshui.orgs.selectors import collective_choices
from shanshui.orgs.widgets import UnitPicker, UnitsPicker

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


class MapPickerWidget(forms.Widget):
    """The map of a point picker (static/js/maps.js): it fills the form's latitude and longitude
    fields and has no value of its own. Without scripts the numbers are typed."""

    def __init__(self, *, lat: str, lon: str, system: str, attrs=None) -> None:
        super().__init__(attrs)
        self.names = {"data-lat": lat, "data-lon": lon, "data-system": system}

    def value_from_datadict(self, data, files, name):
        return None

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {
            "id": (attrs or {}).get("id", f"id_{name}"),
            "class": "point-map",
            "data-map-picker": "",
            **self.names,
            **maps.map_data_attrs(),
        }
        return format_html(
            '<link rel="stylesheet" href="{}"><div{} hidden></div><script src="{}" defer></script>',
            static("css/maps.css"),
            flatatt(attrs),
            static("js/maps.js"),
        )


class SiteForm(forms.Form):
    """The task's site (整改点位), optional: an address and a point, picked on the map or typed;
    numbers pasted from 高德 / 腾讯 (GCJ-02) or 百度 (BD-09), or picked on GCJ-02 tiles, are
    converted to WGS84, as on the complaint form."""

    site_address = forms.CharField(label=_("Site address"), max_length=200, required=False)
    site_map = forms.Field(
        label=_("Site on the map"),
        required=False,
        widget=MapPickerWidget(lat="site_lat", lon="site_lon", system="site_coord_system"),
        help_text=_(
            "Tap the map where the rectification is, or drag the pin; the numbers below follow "
            "it. Without the map, type them."
        ),
    )
    site_lat = forms.CharField(
        label=_("Site latitude"),
        required=False,
        max_length=40,
        widget=forms.TextInput({"inputmode": "decimal", "placeholder": "29.5630"}),
    )
    site_lon = forms.CharField(
        label=_("Site longitude"),
        required=False,
        max_length=40,
        widget=forms.TextInput({"inputmode": "decimal", "placeholder": "106.5516"}),
        help_text=_("Decimal degrees as GPS shows them (WGS84), e.g. 29.5630 and 106.5516."),
    )
    site_coord_system = forms.ChoiceField(
        label=_("Coordinate system"),
        choices=maps.coord_system_choices,
        required=False,
        help_text=_(
            "Numbers copied from 高德 or 腾讯 maps are GCJ-02, from 百度 maps BD-09; they are "
            "converted to WGS84 before they are stored."
        ),
    )

    def clean(self):
        data = super().clean()
        lat_text = (data.get("site_lat") or "").strip()
        lon_text = (data.get("site_lon") or "").strip()
        data["site_lat"] = data["site_lon"] = None
        if not (lat_text or lon_text):
            return data
        if not (lat_text and lon_text):
            missing = "site_lon" if lat_text else "site_lat"
            self.add_error(missing, _("Give both latitude and longitude of the site, or neither."))
            return data
        try:
            lat, lon = geo.validate_wgs84(lat_text, lon_text)
        except ValueError as exc:  # the geo module words its messages in Chinese
            self.add_error("site_lat", str(exc))
            return data
        lat, lon = geo.to_wgs84(lat, lon, data.get("site_coord_system") or geo.WGS84)
        if not geo.in_chongqing(lat, lon):
            self.add_error(
                "site_lat", _("The site is outside Chongqing. Check the latitude and longitude.")
            )
            return data
        data["site_lat"], data["site_lon"] = round(lat, 7), round(lon, 7)
        return data

    def site(self) -> dict:
        """The site as the services take it."""
        d = self.cleaned_data
        return {
            "site_address": d.get("site_address", "").strip(),
            "site_lat": d.get("site_lat"),
            "site_lon": d.get("site_lon"),
        }


# The roles whose units answer for the task, each unit with its own responsible leader (党政同责):
# a leader is entered for a unit in a role, never stamped on the task's other units.
LEADER_ROLES = (UnitRole.LEAD, UnitRole.RESPONSIBLE, UnitRole.IMPLEMENTING)


def _leader_pair(name_label, post_label, *, name="", post="") -> tuple[forms.Field, forms.Field]:
    return (
        forms.CharField(label=name_label, max_length=60, required=False, initial=name),
        forms.CharField(label=post_label, max_length=60, required=False, initial=post),
    )


class TaskUnitsForm(forms.Form):
    """The task's units by role, shared by the new-task and edit forms."""

    UNIT_FIELDS = ("lead", "responsible", "implementing", "supporting", "accepting")
    historic_units = False  # may a merged-away unit be chosen (editing old tasks)?

    # Searchable, grouped pickers over plain selects (orgs.widgets, static/js/unit-picker.js).
    lead = IdChoiceField(
        label=_("Lead unit"), queryset=Unit.objects.none(), required=False, widget=UnitPicker
    )
    responsible = IdsChoiceField(
        label=_("Responsible units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=UnitsPicker,
    )
    implementing = IdsChoiceField(
        label=_("Implementing units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=UnitsPicker,
    )
    supporting = IdsChoiceField(
        label=_("Supporting units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=UnitsPicker,
    )
    accepting = IdChoiceField(
        label=_("Accepting unit"), queryset=Unit.objects.none(), required=False, widget=UnitPicker
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = unit_choices(current_only=not self.historic_units)
        for name in self.UNIT_FIELDS:
            self.fields[name].queryset = units

    @staticmethod
    def _role_units(data, role) -> list[Unit]:
        value = data.get(role)
        if value is None:
            return []
        return [value] if isinstance(value, Unit) else list(value)

    def assignments(self, leader) -> list[UnitAssignment]:
        """The chosen units, role by role, each with the leader ``leader(unit, role)`` gives."""
        d = self.cleaned_data
        return role_assignments(((r, self._role_units(d, r)) for r in self.UNIT_FIELDS), leader)


class TaskForm(SiteForm, TaskUnitsForm):
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
    LEADER_LABELS = {
        UnitRole.LEAD: (_("Lead unit's responsible leader"), _("Lead unit leader's post")),
        UnitRole.RESPONSIBLE: (
            _("Responsible unit's responsible leader"),
            _("Responsible unit leader's post"),
        ),
        UnitRole.IMPLEMENTING: (
            _("Implementing unit's responsible leader"),
            _("Implementing unit leader's post"),
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each role's leader right after its units; "every district" after the implementing.
        self.districts = list(collective_choices(TERRITORIAL))
        extra: dict[str, dict[str, forms.Field]] = {}
        for role in LEADER_ROLES:
            pair = _leader_pair(*self.LEADER_LABELS[role])
            extra[role] = {f"{role}_leader_name": pair[0], f"{role}_leader_post": pair[1]}
        extra[UnitRole.IMPLEMENTING]["share_all"] = forms.BooleanField(
            label=_("One share for every district, county and zone (%(n)d shares)")
            % {"n": len(self.districts)},
            required=False,
            help_text="、".join(u.display_name for u in self.districts),
        )
        fields = {}
        for name, field in self.fields.items():
            fields[name] = field
            fields.update(extra.pop(name, {}))
        for rest in extra.values():
            fields.update(rest)
        self.fields = fields

    def _clean_leaders(self, data) -> None:
        for role in LEADER_ROLES:
            name = (data.get(f"{role}_leader_name") or "").strip()
            post = (data.get(f"{role}_leader_post") or "").strip()
            units = self._role_units(data, role)
            if (name or post) and not units:
                self.add_error(f"{role}_leader_name", _("Choose the unit this leader belongs to."))
            elif post and not name:
                self.add_error(f"{role}_leader_name", _("Give the leader's name too."))
            elif name and len(units) > 1:
                self.add_error(
                    f"{role}_leader_name",
                    _(
                        "A leader belongs to one unit. With several units here, save the task "
                        "and give each unit's leader when editing it."
                    ),
                )

    def unit_assignments(self) -> list[UnitAssignment]:
        """The units by role, each lead, responsible or implementing unit with its own leader."""
        d = self.cleaned_data

        def leader(unit, role):
            if role not in LEADER_ROLES:
                return "", ""
            name, post = d.get(f"{role}_leader_name", ""), d.get(f"{role}_leader_post", "")
            return name.strip(), post.strip()

        return self.assignments(leader)

    def shares(self) -> list[Unit]:
        """The districts, counties and zones that get a share each ("各区县")."""
        return self.districts if self.cleaned_data.get("share_all") else []

    def clean_deadline(self):
        deadline = self.cleaned_data.get("deadline")
        if deadline:
            refuse_past_deadline(deadline)
        return deadline

    def clean(self):
        data = super().clean()
        needs_date = data.get("deadline_kind") == DeadlineKind.DATED
        if needs_date and not data.get("deadline") and "deadline" not in self.errors:
            self.add_error("deadline", _("A task with a deadline needs its date."))
        if not any(data.get(f) for f in ("lead", "responsible", "implementing", "share_all")):
            self.add_error("lead", _("Name a lead unit or at least one responsible unit."))
        self._clean_leaders(data)
        return data


def refuse_past_deadline(deadline) -> None:
    """A new deadline cannot be in the past (task_create itself takes historic dates)."""
    try:
        check_deadline_ahead(deadline)
    except ValidationError as exc:
        raise forms.ValidationError(exc.message_dict["deadline"]) from exc


class EditForm(SiteForm, TaskUnitsForm, VersionedForm):
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

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        if task is not None and task.status != Status.DRAFT:
            # After assignment the deadline moves only through an approved extension.
            del self.fields["deadline"]
        if task is not None:
            self._add_leader_fields(task)

    def _add_leader_fields(self, task) -> None:
        """A leader (name and post) for each lead, responsible and implementing unit the task
        has, after the units; a unit added in this edit gets its leader in the next one."""
        order = {role: i for i, role in enumerate(LEADER_ROLES)}
        rows = sorted(
            (tu for tu in task.task_units.select_related("unit") if tu.role in order),
            key=lambda tu: (order[tu.role], tu.unit.path),
        )
        for tu in rows:
            unit = {"unit": tu.unit.display_name, "role": tu.get_role_display()}
            name, post = _leader_pair(
                _("Responsible leader of %(unit)s (%(role)s)") % unit,
                _("Post of the leader of %(unit)s (%(role)s)") % unit,
                name=tu.leader_name,
                post=tu.leader_post,
            )
            self.fields[f"leader_{tu.role}_{tu.unit_id}"] = name
            self.fields[f"post_{tu.role}_{tu.unit_id}"] = post

    def clean(self):
        data = super().clean()
        for key in [k for k in self.fields if k.startswith("leader_")]:
            post_key = "post_" + key[len("leader_") :]
            if (data.get(post_key) or "").strip() and not (data.get(key) or "").strip():
                self.add_error(key, _("Give the leader's name too."))
        return data

    def clean_deadline(self):
        deadline = self.cleaned_data.get("deadline")
        unchanged = self.task is not None and deadline == self.task.deadline
        if deadline and not unchanged:
            refuse_past_deadline(deadline)
        return deadline

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
            "site_address": task.site_address,
            "site_lat": "" if task.site_lat is None else str(task.site_lat),
            "site_lon": "" if task.site_lon is None else str(task.site_lon),
            "site_coord_system": "wgs84",
            "lead": (ids("lead") or [None])[0],
            "responsible": ids("responsible"),
            "implementing": ids("implementing"),
            "supporting": ids("supporting"),
            "accepting": (ids("accepting") or [None])[0],
        }

    def unit_assignments(self, task) -> list[UnitAssignment]:
        leaders = {
            (tu.unit_id, tu.role): (tu.leader_name, tu.leader_post) for tu in task.task_units.all()
        }
        d = self.cleaned_data
        # Each unit's own leader, as typed (a form that did not show the field keeps it).
        for key in [k for k in d if k.startswith("leader_") and k in self.data]:
            role, unit_id = key[len("leader_") :].rsplit("_", 1)
            post = d.get(f"post_{role}_{unit_id}", "")
            leaders[(int(unit_id), role)] = (d[key].strip(), post.strip())
        return self.assignments(lambda unit, role: leaders.get((unit.pk, role), ("", "")))


class SplitForm(VersionedForm):
    units = IdsChoiceField(
        label=_("Implementing units (one share each)"),
        queryset=Unit.objects.none(),
        widget=UnitsPicker,
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
        # Last, after the items: needed only when one file backs several of them.
        self.fields["reuse_reason"] = forms.CharField(
            label=_("Why one file backs several items"),
            required=False,
            widget=forms.Textarea({"rows": 2}),
            help_text=_(
                "Each item needs its own evidence. Only when the same file is attached to more "
                "than one item, say why."
            ),
        )

    def checklist(self) -> dict[str, str]:
        return {i.value: self.cleaned_data.get(f"check_{i.value}", "") for i in ChecklistItem}

    def evidence_files(self) -> dict[str, list]:
        return {i.value: self.cleaned_data.get(f"files_{i.value}") or [] for i in ChecklistItem}


class RecheckForm(VersionedForm):
    """复查: passed or failed, with the lead unit's opinion (a fail returns the task)."""

    passed = forms.TypedChoiceField(
        label=_("Recheck result"),
        choices=[("1", _("Passed")), ("0", _("Failed: return the task"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose whether the recheck passed.")},
    )
    opinion = forms.CharField(
        label=_("Recheck opinion"),
        widget=forms.Textarea({"rows": 3}),
        help_text=_("When the recheck fails, the executing unit reads this as the reason."),
        error_messages={"required": _("Write the recheck opinion.")},
    )


class AcceptForm(VersionedForm):
    opinion = forms.CharField(
        label=_("Acceptance opinion"),
        widget=forms.Textarea({"rows": 3}),
        error_messages={"required": _("Write the acceptance opinion.")},
    )
    accepted_by_name = forms.CharField(
        label=_("Accepted by (name)"),
        max_length=60,
        help_text=_("谁验收谁负责: the person who answers for this acceptance."),
        error_messages={
            "required": _("Give the name of the person who accepts the rectification.")
        },
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


class ObjectionTrackForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        widget=forms.TextInput({"autocomplete": "off", "autocapitalize": "characters"}),
        error_messages={"required": _("Enter the receipt code you were given.")},
    )

    def clean_code(self) -> str:
        from shanshui.ledger.services import normalize_receipt_code

        code = normalize_receipt_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(_("Enter the receipt code you were given."))
        return code


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

    # The list's ticked tasks (导出所选): ids, comma-separated; not shown among the filters.
    ids = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else unit_choices()

    def clean_ids(self) -> list[int]:
        parts = [p for p in self.cleaned_data["ids"].split(",") if p.strip()]
        if not all(_valid_id(p) for p in parts):
            raise forms.ValidationError(_("Choose tasks from the ledger."), code="invalid")
        return sorted({int(p) for p in parts})


class BulkForm(forms.Form):
    """What to do with the tasks ticked on the ledger list (the ticked ids are read by the
    view, which answers 404 for any the user cannot see)."""

    action = forms.ChoiceField(
        choices=[
            ("urge", _("Urge")),
            ("assign", _("Assign")),
            ("export", _("Export the selected")),
        ]
    )
    text = forms.CharField(
        label=_("What must be done"), required=False, widget=forms.Textarea({"rows": 2})
    )
    response_due = forms.DateField(
        label=_("Reply due"), required=False, widget=forms.DateInput(DATE, format=ISO_DATE)
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if data.get("action") == "urge":
            if not (data.get("text") or "").strip():
                self.add_error("text", _("Say what must be done."))
            if not data.get("response_due") and "response_due" not in self.errors:
                self.add_error("response_due", _("Give the date by which the units must reply."))
        return data
