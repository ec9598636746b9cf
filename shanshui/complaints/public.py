"""What the public may see of a case — one place for the public pages, /api/v1/public and Open311.

Which cases are public (先审后发): citizens' own reports (web form, Open311) once the office has
checked them in the moderation queue — approved, perhaps with the text edited for publication, or
with the text hidden — and every other case once its handling result is published (publishing
is the office's check). Until then nothing the reporter wrote is shown anywhere public; Open311
answers such a request by its id and status alone (:func:`awaiting_review`). What is shown: the
approved text with personal data masked (or a notice when moderation hid it, and then the
district instead of the address), the district and address, the map
point, the types, the handling units, the status and its public note, photos without metadata
and not hidden, the public timeline (facts, never names of people), and — once published — the
handling result in the columns districts publish. Never: the reporter's contact, actors' names,
internal comments, original photos.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from shanshui.complaints.models import (
    CATEGORY_BITS,
    CLOSED_STATUSES,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    ComplaintUnit,
    Photo,
    RejectReason,
    Status,
    UnitRole,
)
from shanshui.complaints.textmask import mask_personal_data
from shanshui.lib import geo

CITIZEN_CHANNELS = (Channel.WEB, Channel.OPEN311)


# Checked by the office: a citizen's report once moderated, any other case once published.
_CHECKED = Q(channel__in=CITIZEN_CHANNELS, moderated_at__isnull=False) | (
    ~Q(channel__in=CITIZEN_CHANNELS) & Q(status=Status.PUBLISHED)
)
_ABUSIVE = Q(status=Status.REJECTED, reject_reason=RejectReason.ABUSIVE)


def public_complaints(model=Complaint) -> QuerySet[Complaint]:
    """``model``: the case model a migration has (its historical one), else Complaint."""
    return model.objects.filter(_CHECKED).exclude(_ABUSIVE)


def awaiting_review() -> QuerySet[Complaint]:
    """Citizens' reports the office has not checked yet: their id and status may be told (to
    the Open311 client that posted one), nothing they say."""
    return Complaint.objects.filter(
        channel__in=CITIZEN_CHANNELS, moderated_at__isnull=True
    ).exclude(_ABUSIVE)


def with_public_relations(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Prefetch what the public representation reads, in a fixed number of queries."""
    return qs.select_related("district", "batch__campaign").prefetch_related(
        "category_rows",
        Prefetch(
            "units",
            queryset=ComplaintUnit.objects.filter(role=UnitRole.HANDLING)
            .select_related("unit")
            .only("complaint_id", "unit__name", "unit__short_name"),
            to_attr="handling_units",
        ),
        Prefetch("photos", queryset=Photo.objects.filter(hidden=False), to_attr="public_photos"),
    )


def is_public(c: Complaint) -> bool:
    if c.status == Status.REJECTED and c.reject_reason == RejectReason.ABUSIVE:
        return False
    if c.channel in CITIZEN_CHANNELS:
        return c.moderated_at is not None
    return c.status == Status.PUBLISHED


def text(c: Complaint) -> str:
    """The text the office approved (its edit, else the original), personal data masked."""
    if c.description_hidden:
        return _("(This text was hidden by moderation.)")
    return mask_personal_data(c.public_description or c.description)


def result_published(c: Complaint) -> bool:
    return c.status == Status.PUBLISHED


def result_text(value: str) -> str:
    return mask_personal_data(value)


def address(c: Complaint) -> str:
    """Most specific first, as Open311 asks; never empty. Hidden text hides the address too
    (the reporter's words): the district alone is shown."""
    shown = "" if c.description_hidden else c.address.strip()
    parts = [mask_personal_data(shown)] if shown else []
    if c.district_id and c.district.name not in c.address:
        parts.append(c.district.name)
    if not parts:
        parts.append(_("Chongqing"))
    return "，".join(parts)


def handling_units(c: Complaint) -> list:
    units = getattr(c, "handling_units", None)
    if units is None:
        units = c.units.filter(role=UnitRole.HANDLING).select_related("unit")
    return [cu.unit for cu in units]


def agency(c: Complaint) -> str:
    return "、".join(u.display_name for u in handling_units(c))


def photos(c: Complaint) -> list[Photo]:
    found = getattr(c, "public_photos", None)
    return list(found) if found is not None else list(c.photos.filter(hidden=False))


def open311_status(c: Complaint) -> str:
    return "closed" if c.status in CLOSED_STATUSES else "open"


def status_notes(c: Complaint) -> str:
    return c.status_note or c.get_status_display()


def categories(c: Complaint) -> list[str]:
    order = {v: i for i, v in enumerate(Category.values)}
    return sorted((row.category for row in c.category_rows.all()), key=order.__getitem__)


@dataclass(frozen=True)
class PublicEvent:
    at: object
    kind: str
    label: str
    unit: str
    note: str


def timeline(c: Complaint) -> list[PublicEvent]:
    """Public facts of the case's history: what happened and which unit, never who."""
    rows = (
        ComplaintEvent.objects.filter(complaint=c, is_public=True)
        .select_related("unit")
        .order_by("at", "pk")
    )
    out = []
    for e in rows:
        note = ""
        if e.kind == "transferred":
            note = agency(c)
        elif e.kind == "rejected":
            reason = e.data.get("reason", "")
            note = str(RejectReason(reason).label) if reason in RejectReason.values else ""
        out.append(
            PublicEvent(
                at=e.at,
                kind=e.kind,
                label=e.get_kind_display(),
                unit=e.unit.display_name if e.unit_id else "",
                note=note,
            )
        )
    return out


# "是否已有人反映？": published cases of the same type near a point, shown on the report form.
NEARBY_RADIUS_M = 500
NEARBY_LIMIT = 5
_NEARBY_CANDIDATES = 100  # the newest in the box; the nearest of them are shown


def nearby(lat: float, lon: float, categories, *, limit: int = NEARBY_LIMIT) -> list:
    """Up to ``limit`` public cases sharing a type with ``categories`` within NEARBY_RADIUS_M of
    the WGS84 point, nearest first, as ``(case, metres)``. Approved and shown ones only (not
    rejected, text not hidden). The box on the (lat, lon) index narrows first."""
    mask = 0
    for code in categories:
        mask |= CATEGORY_BITS.get(code, 0)
    if not mask:
        return []
    min_lat, max_lat, min_lon, max_lon = geo.bbox(lat, lon, NEARBY_RADIUS_M)
    rows = (
        public_complaints()
        .exclude(status=Status.REJECTED)
        .filter(
            description_hidden=False,
            lat__gte=min_lat,
            lat__lte=max_lat,
            lon__gte=min_lon,
            lon__lte=max_lon,
        )
        .alias(shared=F("category_bits").bitand(mask))
        .filter(shared__gt=0)
        .only(
            "pk",
            "code",
            "lat",
            "lon",
            "status",
            "status_note",
            "received_at",
            "description",
            "public_description",
            "description_hidden",
        )
        .order_by("-received_at", "-pk")[:_NEARBY_CANDIDATES]
    )
    found = []
    for c in rows:
        metres = geo.haversine_m(lat, lon, c.lat, c.lon)
        if metres <= NEARBY_RADIUS_M:
            found.append((c, metres))
    found.sort(key=lambda pair: pair[1])
    return found[:limit]


def additions(c: Complaint) -> list:
    """What the reporter added, masked, for the reporter's own tracking page (never public)."""
    return [(a.added_at, mask_personal_data(a.text)) for a in c.additions.all()]
