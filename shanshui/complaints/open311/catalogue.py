"""What the endpoint offers: the services (one per type of problem), their definitions and the
facts discovery announces. No request is read here and no document written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanshui.complaints import services
from shanshui.complaints.models import Category
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# Open311 answers in W3C datetimes with an offset; the city's offset is +08:00.
TZ = ZoneInfo("Asia/Shanghai")
# When the services or their definitions change in code; the discovery changeset is the later
# of this and the last change to a district (the district attribute lists them).
CHANGESET = dt.datetime(2026, 11, 29, tzinfo=TZ)

_POLLUTION = gettext_lazy("Environmental pollution")

# service_code → (description, keywords, group). The service name is the category's label.
SERVICES = {
    Category.WATER: (
        gettext_lazy(
            "Pollution of rivers, lakes, reservoirs or groundwater: sewage discharge, black and "
            "smelly water, dead fish."
        ),
        gettext_lazy("sewage, discharge, outfall, river, black and smelly water"),
        _POLLUTION,
    ),
    Category.AIR: (
        gettext_lazy("Air pollution: smoke, dust, odour, open burning, industrial exhaust."),
        gettext_lazy("smoke, dust, odour, exhaust, open burning"),
        _POLLUTION,
    ),
    Category.NOISE: (
        gettext_lazy(
            "Noise from construction sites, factories, businesses or traffic, especially at night."
        ),
        gettext_lazy("construction noise, night work, factory noise, loudspeakers"),
        _POLLUTION,
    ),
    Category.ECOLOGY: (
        gettext_lazy(
            "Damage to nature: illegal logging, land clearing, quarrying, sand dredging, "
            "encroachment on nature reserves or riverbanks."
        ),
        gettext_lazy("logging, quarrying, sand dredging, nature reserve, riverbank"),
        gettext_lazy("Ecological protection"),
    ),
    Category.SOIL: (
        gettext_lazy("Soil contamination: polluted land or farmland, chemicals dumped on land."),
        gettext_lazy("contaminated land, farmland, chemicals, leakage"),
        _POLLUTION,
    ),
    Category.RADIATION: (
        gettext_lazy(
            "Radiation: radioactive sources, electromagnetic radiation from transmitters or "
            "equipment."
        ),
        gettext_lazy("radioactive source, electromagnetic radiation, transmitter"),
        gettext_lazy("Radiation safety"),
    ),
    Category.SOLID_WASTE: (
        gettext_lazy(
            "Solid waste: industrial, construction or hazardous waste dumped or stored illegally."
        ),
        gettext_lazy("dumping, hazardous waste, construction waste, landfill"),
        _POLLUTION,
    ),
    Category.OTHER: (
        gettext_lazy("Other ecological-environment problems that fit none of the types above."),
        gettext_lazy("other"),
        gettext_lazy("Other"),
    ),
}


@dataclass(frozen=True)
class Attribute:
    """One field of a service definition (the spec's ``attribute``)."""

    code: str
    datatype: str  # string, number, datetime, text, singlevaluelist, multivaluelist
    required: bool
    order: int
    description: str
    datatype_description: str = ""
    values: tuple[tuple[str, str], ...] = ()  # (key, name) of the list datatypes
    max_length: int = 0

    @property
    def is_list(self) -> bool:
        return self.datatype in ("singlevaluelist", "multivaluelist")


def district_key(unit: Unit) -> str:
    """The ``district`` attribute's key of a unit: its reference key (``cq-wanzhou``), or its id
    for a unit added locally without one."""
    return unit.key or str(unit.pk)


def districts_by_key() -> dict[str, Unit]:
    """The districts a report may name, by their ``district`` attribute key."""
    return {district_key(u): u for u in services.districts()}


def attributes(service_code: str, districts: dict[str, Unit] | None = None) -> list[Attribute]:
    """The definition of a service: the same three optional fields for every service."""
    districts = districts_by_key() if districts is None else districts
    return [
        Attribute(
            code="district",
            datatype="singlevaluelist",
            required=False,
            order=1,
            description=_("District, county or zone where the problem is"),
            datatype_description=_(
                "Choose one, or leave it empty: the office then takes it from the address or "
                "the map point."
            ),
            values=tuple((key, unit.name) for key, unit in districts.items()),
        ),
        Attribute(
            code="enterprise",
            datatype="string",
            required=False,
            order=2,
            description=_("Enterprise or site concerned, if known"),
            datatype_description=_("Its name as on its sign, at most 200 characters."),
            max_length=200,
        ),
        Attribute(
            code="extra_categories",
            datatype="multivaluelist",
            required=False,
            order=3,
            description=_("Other types of problem in the same report"),
            datatype_description=_("Choose any that also apply."),
            values=tuple((c.value, str(c.label)) for c in Category if c.value != service_code),
        ),
    ]


def service_notice() -> str:
    return _(
        "The office checks every report and transfers it to the responsible district or "
        "department, which reports its handling result within %(days)d working days of the "
        "transfer."
    ) % {"days": settings.SHANSHUI_COMPLAINT_HANDLE_WORKDAYS}


def generated_description(code: str, attrs: dict, *, photo: bool) -> str:
    """The description of a request posted without one (optional in the spec), from its
    service, its attributes and whether it has a photo; in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        parts = [
            _("A %(service)s problem reported without a description.")
            % {"service": Category(code).label}
        ]
        if attrs.get("enterprise"):
            parts.append(_("Enterprise: %(name)s.") % {"name": attrs["enterprise"]})
        extra = [Category(c).label for c in attrs.get("extra_categories", []) if c != code]
        if extra:
            parts.append(_("Also: %(types)s.") % {"types": "、".join(str(t) for t in extra)})
        if photo:
            parts.append(_("See the photo."))
        separator = "" if settings.LANGUAGE_CODE.startswith("zh") else " "
        return separator.join(str(p) for p in parts)


def review_notice() -> str:
    """The status note of a request the office has not checked yet (先审后发)."""
    return _(
        "Received. The report is published once the office has checked it; until then only "
        "its number and status are shown."
    )


def changeset() -> dt.datetime:
    """When the catalogue last changed: the code's CHANGESET, or a later change to a district."""
    latest = Unit.objects.filter(kind__in=TERRITORIAL_KINDS).aggregate(at=Max("updated_at"))["at"]
    return max(CHANGESET, latest) if latest else CHANGESET
