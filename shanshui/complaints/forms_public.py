"""Forms of the public pages: the citizen's report, tracking, and the filters of the public list,
the disclosure tables and the statistics. 公众举报表单

The report form checks what a citizen can fix on the page, field by field; the service
(:func:`services.complaint_submit`) checks again and stores. Coordinates are WGS84 once the form
is clean: a GCJ-02 (高德, 腾讯) or BD-09 (百度) point, pasted or picked, is converted here, at
the edge.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanshui.complaints import services
from shanshui.complaints.models import Category, Channel, Satisfaction
from shanshui.lib import geo, maps
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit

SHANGHAI = ZoneInfo("Asia/Shanghai")

# A person needs longer than this to choose a type and describe a problem; a faster submission
# is a script (it is answered as if it had worked, and nothing is stored).
MIN_FILL_SECONDS = 3
_TOKEN_SALT = "complaints.report.started"

COORD_WGS84 = geo.WGS84
COORD_GCJ02 = geo.GCJ02
COORD_BD09 = geo.BD09

_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,28}$")


def form_token(now: float | None = None) -> str:
    """A signed timestamp of when the form was shown (for the minimum fill time)."""
    return signing.dumps(int(time.time() if now is None else now), salt=_TOKEN_SALT)


def token_age(token: str) -> float | None:
    """Seconds since :func:`form_token` made ``token``; None for a missing or forged token.
    A genuine token older than a week counts as very old (someone left the page open)."""
    if not token:
        return None
    try:
        started = signing.loads(token, salt=_TOKEN_SALT, max_age=7 * 86400)
    except signing.SignatureExpired:
        return float("inf")
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if not isinstance(started, int):
        return None
    return time.time() - started


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos under one name; checked as a whole by :func:`services.check_photos`."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not isinstance(data, list | tuple):
            data = [data] if data else []
        return [super(PhotosField, self).clean(f, initial) for f in data if f]


class DistrictChoiceField(forms.TypedChoiceField):
    """A district, county or zone from :func:`services.districts` (one query per form)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, coerce=int, empty_value=None, **kwargs)


def _district_choices(units) -> list[tuple[str, str]]:
    return [("", _("— Choose —"))] + [(str(u.pk), u.name) for u in units]


def filter_districts() -> list[Unit]:
    """Districts for the public filters: today's, then former ones (old cases still name them,
    e.g. 江北区 and 渝北区 after the 2025 merger)."""
    today = timezone.localdate()
    units = list(Unit.objects.filter(kind__in=TERRITORIAL_KINDS).order_by("admin_code", "name"))
    current = [u for u in units if u.valid_to is None or u.valid_to > today]
    former = [u for u in units if not (u.valid_to is None or u.valid_to > today)]
    return current + former


def _filter_choices(units) -> list[tuple[str, str]]:
    today = timezone.localdate()
    choices = [("", _("All"))]
    for u in units:
        if u.valid_to is not None and u.valid_to <= today:
            choices.append((str(u.pk), _("%(name)s (former)") % {"name": u.name}))
        else:
            choices.append((str(u.pk), u.name))
    return choices


class ReportForm(forms.Form):
    """The public report form (no login). 我要举报"""

    categories = forms.MultipleChoiceField(
        label=_("What kind of problem is it?"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose one or more."),
        error_messages={
            "required": _("Choose at least one type of problem."),
            "invalid_choice": _("Unknown type of problem."),
        },
    )
    description = forms.CharField(
        label=_("Describe the problem"),
        strip=True,
        required=True,
        widget=forms.Textarea(
            attrs={"rows": 6, "maxlength": services.MAX_DESCRIPTION, "data-counter": "on"}
        ),
        help_text=_(
            "What did you see, hear or smell; since when; at what times? "
            "Do not write personal data of other people."
        ),
        error_messages={"required": _("Describe the problem you saw.")},
    )
    district = DistrictChoiceField(label=_("District or county"), required=False)
    address = forms.CharField(
        label=_("Address or place"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
        help_text=_("Street and number, a landmark, or the name of the river section."),
        error_messages={"max_length": _("At most %(limit_value)d characters, please.")},
    )
    lat = forms.CharField(
        label=_("Latitude"),
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "29.5630"}
        ),
    )
    lon = forms.CharField(
        label=_("Longitude"),
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "106.5516"}
        ),
    )
    coord_system = forms.ChoiceField(
        label=_("Coordinate system"),
        choices=maps.coord_system_choices,
        required=False,
        initial=COORD_WGS84,
        error_messages={"invalid_choice": _("Choose a coordinate system from the list.")},
    )
    enterprise = forms.CharField(
        label=_("Enterprise or site responsible (if known)"),
        required=False,
        max_length=200,
        error_messages={"max_length": _("At most %(limit_value)d characters, please.")},
    )
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    contact_name = forms.CharField(
        label=_("Your name"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    contact_email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Enter a valid e-mail address.")},
    )
    wants_reply = forms.BooleanField(label=_("I want a reply about the result"), required=False)
    # Bots fill every field; people never see this one (hidden by CSS, not type=hidden).
    website = forms.CharField(required=False, max_length=200)
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district_units = {u.pk: u for u in services.districts()}
        self.fields["district"].choices = _district_choices(self.district_units.values())
        if not self.is_bound:
            self.initial.setdefault("started", form_token())
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    # -- fields ---------------------------------------------------------------------------------

    def clean_description(self) -> str:
        # Browsers send line breaks as CR LF; count them as one character, as the page does.
        text = self.cleaned_data["description"].replace("\r\n", "\n").replace("\r", "\n").strip()
        if len(text) > services.MAX_DESCRIPTION:
            raise ValidationError(
                _("At most %(n)d characters, please (now %(count)d).")
                % {"n": services.MAX_DESCRIPTION, "count": len(text)}
            )
        return text

    def clean_district(self):
        pk = self.cleaned_data.get("district")
        if pk is None:
            return None
        unit = self.district_units.get(pk)
        if unit is None:
            raise ValidationError(_("Choose a district from the list."))
        return unit

    def clean_photos(self) -> list:
        files = self.cleaned_data.get("photos") or []
        try:
            services.check_photos(files)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict.get("photos", exc.messages)) from exc
        return files

    def clean_contact_phone(self) -> str:
        phone = self.cleaned_data["contact_phone"].strip()
        if phone and not _PHONE.match(phone):
            raise ValidationError(_("Enter a phone number with digits only, e.g. 13800000000."))
        return phone

    def clean_coord_system(self) -> str:
        return self.cleaned_data.get("coord_system") or COORD_WGS84

    # -- the whole form -------------------------------------------------------------------------

    def clean(self):
        data = super().clean()
        lat_text = (data.get("lat") or "").strip()
        lon_text = (data.get("lon") or "").strip()
        data["point"] = None
        if lat_text or lon_text:
            if not (lat_text and lon_text):
                missing = "lon" if lat_text else "lat"
                self.add_error(missing, _("Give both latitude and longitude, or neither."))
            else:
                try:
                    lat, lon = geo.validate_wgs84(lat_text, lon_text)
                except ValueError as exc:
                    # The geo module words its messages in Chinese already.
                    self.add_error("lat", str(exc))
                else:
                    lat, lon = geo.to_wgs84(lat, lon, data.get("coord_system") or COORD_WGS84)
                    if not geo.in_chongqing(lat, lon):
                        self.add_error(
                            "lat",
                            _(
                                "This point is outside Chongqing. Check the numbers, or clear "
                                "them and describe the place in the address."
                            ),
                        )
                    else:
                        data["point"] = (round(lat, 7), round(lon, 7))
        located = data.get("district") or (data.get("address") or "").strip() or data["point"]
        if not located and not ({"district", "address", "lat", "lon"} & set(self.errors)):
            self.add_error(
                "address", _("Say where the problem is: a district, an address or a map point.")
            )
        if data.get("wants_reply") and not (data.get("contact_phone") or data.get("contact_email")):
            self.add_error(
                "contact_phone",
                _("To get a reply, leave a phone number or an e-mail address."),
            )
        return data

    # -- results --------------------------------------------------------------------------------

    @property
    def is_bot(self) -> bool:
        """The honeypot was filled, the start token is missing or forged (a script that posts
        without loading the form), or the form came back faster than a person can fill it."""
        if (self.data.get("website") or "").strip():
            return True
        age = token_age(self.data.get("started") or "")
        return age is None or age < MIN_FILL_SECONDS

    def report(self) -> services.Report:
        data = self.cleaned_data
        lat, lon = data["point"] if data["point"] else (None, None)
        return services.Report(
            description=data["description"],
            categories=list(data["categories"]),
            channel=Channel.WEB,
            district=data.get("district"),
            address=data.get("address") or "",
            lat=lat,
            lon=lon,
            enterprise=data.get("enterprise") or "",
            contact=services.Contact(
                name=data.get("contact_name") or "",
                phone=data.get("contact_phone") or "",
                email=data.get("contact_email") or "",
                wants_reply=bool(data.get("wants_reply")),
            ),
        )

    def apply_service_errors(self, exc: ValidationError) -> None:
        """Show the service's errors on the matching fields."""
        names = {"location": "lat", "email": "contact_email"}
        for name, messages in exc.message_dict.items():
            field = names.get(name, name)
            self.add_error(field if field in self.fields else None, messages)


class AddInfoForm(forms.Form):
    """The reporter adds information to an open case (on the tracking page). 补充材料"""

    text = forms.CharField(
        label=_("Information to add"),
        max_length=services.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": services.MAX_DESCRIPTION}),
        help_text=_(
            "Something new since you reported: when it happened again, what you saw. Only the "
            "units handling the case read it; it is not published."
        ),
        error_messages={
            "required": _("Write the information you want to add."),
            "max_length": _("At most %(limit_value)d characters, please."),
        },
    )


class RateForm(forms.Form):
    """The reporter's say on the reply (满意度评价), once."""

    satisfaction = forms.ChoiceField(
        label=_("Are you satisfied with the reply?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether you are satisfied with the reply."),
            "invalid_choice": _("Choose whether you are satisfied with the reply."),
        },
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=services.MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": services.MAX_COMMENT}),
        help_text=_("Only the handling units and the office read it; it is not published."),
        error_messages={"max_length": _("At most %(limit_value)d characters, please.")},
    )


class NearbyForm(forms.Form):
    """The point and types of the report being written (for "是否已有人反映？")."""

    lat = forms.FloatField(min_value=-90, max_value=90)
    lon = forms.FloatField(min_value=-180, max_value=180)
    coord = forms.ChoiceField(choices=maps.coord_system_choices, required=False)
    categories = forms.MultipleChoiceField(choices=Category.choices)

    def point(self) -> tuple[float, float]:
        lat, lon = self.cleaned_data["lat"], self.cleaned_data["lon"]
        return geo.to_wgs84(lat, lon, self.cleaned_data.get("coord") or COORD_WGS84)


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "ABCD-EFGH-JKLM",
            }
        ),
        error_messages={"required": _("Enter the tracking code you were given.")},
    )

    def clean_code(self) -> str:
        code = services.normalize_tracking_code(self.cleaned_data["code"])
        if not code:
            raise ValidationError(_("Enter the tracking code you were given."))
        return code


STATUS_OPEN = "open"
STATUS_CLOSED = "closed"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_range(text: str) -> tuple[dt.datetime, dt.datetime] | None:
    """``"2025-03"`` → the month's [start, end) in Asia/Shanghai; None when not a month."""
    match = _MONTH.match(text or "")
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    start = dt.datetime(year, month, 1, tzinfo=SHANGHAI)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=SHANGHAI)
    return start, end


class PublicFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    district = DistrictChoiceField(label=_("District or county"), required=False)
    category = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All")), *Category.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), (STATUS_OPEN, _("Being handled")), (STATUS_CLOSED, _("Closed"))],
    )
    month = forms.CharField(
        label=_("Month received"),
        required=False,
        max_length=7,
        widget=forms.DateInput(attrs={"type": "month", "placeholder": "2025-01"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district_units = {u.pk: u for u in filter_districts()}
        self.fields["district"].choices = _filter_choices(self.district_units.values())

    def clean_month(self):
        text = (self.cleaned_data.get("month") or "").strip()
        if not text:
            return None
        found = month_range(text)
        if found is None:
            raise ValidationError(_("Enter a month as YYYY-MM."))
        return found


class StatsFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    district = DistrictChoiceField(label=_("District or county"), required=False)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years"))] + [(str(y), str(y)) for y in years]
        self.district_units = {u.pk: u for u in filter_districts()}
        self.fields["district"].choices = _filter_choices(self.district_units.values())


def max_photo_mb() -> int:
    return max(1, settings.SHANSHUI_COMPLAINT_PHOTO_MAX_BYTES // 2**20)


# Examples under each type on the report form, so that a citizen picks the right one.
CATEGORY_HINTS = {
    Category.WATER: _("Rivers, lakes, sewage outfalls, black and smelly water"),
    Category.AIR: _("Smoke, dust, odours, open burning"),
    Category.NOISE: _("Construction, factories, traffic, night-time noise"),
    Category.ECOLOGY: _("Sand mining, tree felling, nature reserves, wildlife"),
    Category.SOIL: _("Contaminated land, waste buried in the ground"),
    Category.RADIATION: _("Radioactive sources, X-ray equipment, transmitters"),
    Category.SOLID_WASTE: _("Dumped waste, hazardous waste, construction debris"),
    Category.OTHER: _("Anything else about the environment"),
}


def category_options(form: ReportForm) -> list[tuple[str, str, str, bool]]:
    """(value, label, hint, checked) of each type, for the tiles of the report form."""
    chosen = set(form["categories"].value() or [])
    return [
        (value, label, CATEGORY_HINTS.get(value, ""), value in chosen)
        for value, label in Category.choices
    ]
