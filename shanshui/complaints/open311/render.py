"""Writing the answers: the XML and JSON documents, and what each says of discovery, the
services, a request, an update or an error. Only what public.py lets the public see goes in."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from types import SimpleNamespace

from django.conf import settings
from django.db.models import Func, Prefetch, QuerySet, TextField
from django.http import HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from shanshui.complaints import public
from shanshui.complaints.models import (
    CLOSED_STATUSES,
    Category,
    Closure,
    Complaint,
    ComplaintEvent,
    ComplaintUnit,
    EventKind,
    Finding,
    Photo,
    RejectReason,
    Status,
    UnitRole,
)
from shanshui.complaints.open311 import catalogue
from shanshui.complaints.open311.catalogue import TZ
from shanshui.complaints.open311.params import UPDATED, Open311Error

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}


# --- documents -------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry, even escaped (most C0 controls, lone surrogates, U+FFFE/F).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Element name of the items of each list, for XML.
_ITEM_TAGS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "notes": "note",
    "photos": "photo",
}


def _clean_text(text: str) -> str:
    # Every character XML cannot carry is a control, a surrogate or a non-character: none is
    # printable, and most texts are printable throughout.
    return text if text.isprintable() else _NOT_XML.sub("", text)


def _clean(value):
    """The document's strings without characters XML cannot carry (both formats say the same)."""
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _xml_fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_fill(ET.SubElement(element, key), item)
    elif isinstance(value, list):
        tag = _ITEM_TAGS[element.tag]
        for item in value:
            _xml_fill(ET.SubElement(element, tag), item)
    elif value is None:
        pass  # an empty element (null in JSON)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif isinstance(value, float):
        element.text = f"{value:.6f}"  # coordinates: always with their decimals
    else:
        element.text = str(value)


def _xml(root: str, item: str | None, data) -> str:
    element = ET.Element(root)
    if item is None:
        _xml_fill(element, data)
    else:
        for entry in data:
            _xml_fill(ET.SubElement(element, item), entry)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode")


def document(
    fmt: str, root: str, data, *, item: str | None = None, status: int = 200, clean: bool = True
):
    """An Open311 document: ``root`` holds ``data`` (a dict), or ``item`` elements (a list).
    ``clean=False``: the caller has already removed what XML cannot carry from every string."""
    if clean:
        data = _clean(data)
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    else:
        body = _xml(root, item, data)
    return HttpResponse(body, status=status, content_type=FORMATS[fmt])


def error_document(fmt: str, exc: Open311Error) -> HttpResponse:
    errors = [{"code": exc.status, "description": d} for d in exc.descriptions]
    response = document(fmt, "errors", errors, item="error", status=exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response


# --- datetimes -------------------------------------------------------------------------------


def w3c(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(TZ).isoformat(timespec="seconds")


class _UTCText(Func):
    """A datetime as ISO text in UTC: "2026-11-29T06:15:30" on PostgreSQL, the stored text on
    SQLite ("2026-11-29 06:15:30.123456"). Python parses it several times faster than the
    database driver reads a datetime, and a list of a thousand requests reads two thousand."""

    template = "CAST(%(expressions)s AS TEXT)"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        return self.as_sql(compiler, connection, template=template, **extra)


def _w3c_utc_text(text: str | None) -> str | None:
    """w3c() of a datetime read as _UTCText."""
    if text is None:
        return None
    return w3c(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC))


def _expected_at(deadline: dt.date | None) -> str | None:
    """The end of the deadline's day in the city's time."""
    if deadline is None:
        return None
    return w3c(dt.datetime.combine(deadline, dt.time(23, 59, 59), tzinfo=TZ))


# --- discovery and services ------------------------------------------------------------------


def discovery_out(base_url: str, changeset: dt.datetime) -> dict:
    changed = w3c(changeset)
    return {
        "changeset": changed,
        "contact": settings.SHANSHUI_OPEN311_CONTACT,
        "key_service": _(
            "Reading needs no key. To post reports, ask the office for an API key: %(contact)s."
        )
        % {"contact": settings.SHANSHUI_OPEN311_CONTACT},
        "endpoints": [
            {
                "specification": catalogue.SPECIFICATION,
                "url": base_url,
                "changeset": changed,
                "type": settings.SHANSHUI_OPEN311_ENDPOINT_TYPE,
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def service_out(category: Category) -> dict:
    """One ``service`` of GET services."""
    description, keywords, group = catalogue.SERVICES[category]
    return {
        "service_code": category.value,
        "service_name": str(category.label),
        "description": str(description),
        "metadata": True,
        "type": "realtime",
        "keywords": str(keywords),
        "group": str(group),
    }


def definition_out(code: str, attributes: list[catalogue.Attribute]) -> dict:
    """The ``service_definition`` of service ``code``."""
    out = []
    for a in attributes:
        row = {
            "variable": True,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": a.datatype_description or None,
            "order": a.order,
            "description": a.description,
        }
        if a.is_list:
            row["values"] = [{"key": key, "name": name} for key, name in a.values]
        out.append(row)
    return {"service_code": code, "attributes": out}


# --- what the public sees of a case ----------------------------------------------------------


def _photo_urls(request, c: Complaint) -> list[str]:
    urls = []
    for photo in public.photos(c):
        try:
            path = reverse("complaints_public:photo", args=[photo.pk])
        except NoReverseMatch:  # the public photo route is not there (yet)
            return []
        urls.append(request.build_absolute_uri(path))
    return urls


def _primary_category(c: Complaint) -> str:
    """The case's main type (its first in Category order, kept on the case at intake)."""
    return c.category or Category.OTHER


def _updated(c: Complaint) -> dt.datetime:
    """For a closed request, the spec's updated_datetime is the closing time (params.UPDATED in
    SQL)."""
    if c.status in CLOSED_STATUSES and c.closed_at is not None:
        return c.closed_at
    return c.updated_at


def _coordinate(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _public_event(e: ComplaintEvent, c: Complaint) -> public.PublicEvent:
    """public.timeline()'s entry for one event. timeline() queries the events of one case;
    lists build the same entries from rows prefetched for all their cases at once."""
    note = ""
    if e.kind == EventKind.TRANSFERRED:
        note = public.agency(c)
    elif e.kind == EventKind.REJECTED:
        reason = e.data.get("reason", "")
        note = str(RejectReason(reason).label) if reason in RejectReason.values else ""
    return public.PublicEvent(
        at=e.at,
        kind=e.kind,
        label=e.get_kind_display(),
        unit=e.unit.display_name if e.unit_id else "",
        note=note,
    )


def _event_text(event: public.PublicEvent) -> str:
    if event.note:
        return _("%(event)s: %(note)s") % {"event": event.label, "note": event.note}
    return event.label


def public_events_prefetch() -> Prefetch:
    """The public events of each case, for request_out(extensions=True) of many cases."""
    return Prefetch(
        "events",
        queryset=ComplaintEvent.objects.filter(is_public=True)
        .select_related("unit")
        .order_by("at", "pk"),
        to_attr="o311_events",
    )


def request_out(request, c: Complaint, *, extensions: bool = False) -> dict:
    """One ``request`` of GET requests, from the public representation only."""
    code = _primary_category(c)
    photos = _photo_urls(request, c)
    out = {
        "service_request_id": c.code,
        "status": public.open311_status(c),
        "status_notes": public.status_notes(c),
        "service_name": str(Category(code).label),
        "service_code": code,
        "description": public.text(c),
        "agency_responsible": public.agency(c) or None,
        "service_notice": catalogue.service_notice(),
        "requested_datetime": w3c(c.received_at),
        "updated_datetime": w3c(_updated(c)),
        "expected_datetime": _expected_at(c.deadline),
        "address": public.address(c),
        "address_id": None,
        "zipcode": None,
        "lat": _coordinate(c.lat if c.lon is not None else None),
        "long": _coordinate(c.lon if c.lat is not None else None),
        "media_url": photos[0] if photos else (c.media_url or None),
    }
    if extensions:
        events = getattr(c, "o311_events", None)
        timeline = (
            [_public_event(e, c) for e in events] if events is not None else public.timeline(c)
        )
        out["notes"] = [
            {"datetime": w3c(e.at), "description": _event_text(e), "type": e.kind} for e in timeline
        ]
        out["extended_attributes"] = {"photos": photos}
    return out


def withheld_out(c: Complaint) -> dict:
    """A request the office has not checked yet (先审后发): what the spec requires of a
    request, with nothing the reporter wrote — no description, address or point, no photo."""
    code = _primary_category(c)
    return {
        "service_request_id": c.code,
        "status": public.open311_status(c),
        "status_notes": catalogue.review_notice(),
        "service_name": str(Category(code).label),
        "service_code": code,
        "description": None,
        "agency_responsible": None,
        "service_notice": catalogue.service_notice(),
        "requested_datetime": w3c(c.received_at),
        "updated_datetime": w3c(_updated(c)),
        "expected_datetime": None,
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def created_out(c: Complaint, account_id: str) -> dict:
    """The one ``request`` a POST answers with: its id and status at once; what it says is
    published only after the office's check (the notice says so). ``account_id`` only when
    the client sent one."""
    out = {
        "service_request_id": c.code,
        "status": public.open311_status(c),
        "service_notice": catalogue.service_notice(),
    }
    if account_id:
        out["account_id"] = account_id
    return out


# --- lists of requests -----------------------------------------------------------------------


def requests_page(request, qs: QuerySet, offset: int, size: int, *, extensions: bool) -> list:
    """``request_out()`` of each case of a page of ``qs`` (ordered). Without extensions the
    strings are already clean: the document may skip cleaning them (``clean=extensions``)."""
    if not extensions:
        return _list_requests(request, qs, offset, size)
    page = public.with_public_relations(qs).defer(
        # Up to a thousand rows: leave out what a request never shows.
        "search_text",
        "service_attributes",
        "investigation",
        "handling",
        "accountability",
        "enterprise_key",
    )
    page = page.prefetch_related(public_events_prefetch())[offset : offset + size]
    return [request_out(request, c, extensions=True) for c in page]


_LIST_FIELDS = (
    "pk",
    "code",
    "category",
    "status",
    "status_note",
    "description",
    "description_hidden",
    "public_description",
    "address",
    "district_id",
    "district__name",
    "lat",
    "lon",
    "media_url",
    "o311_requested",
    "o311_updated",
    "deadline",
)


def _list_requests(request, qs: QuerySet, offset: int, size: int) -> list[dict]:
    """``request_out()`` of each case of a page of ``qs`` (ordered), built from plain rows: a
    thousand model instances with their prefetches cost several times the queries themselves.
    What every request shares (the notice, the names of services and statuses, …) is computed
    once; the rows, handling units and photos are read by the page's ids as a subquery (an
    index-only scan), not a list of a thousand parameters. The tests compare the result with
    request_out() of every case."""
    # The page's ids from the (received, id, filtered columns…) index alone; then the rows.
    page_ids = qs.values("pk")[offset : offset + size]
    rows = list(
        Complaint.objects.filter(pk__in=page_ids)
        .annotate(o311_requested=_UTCText("received_at"), o311_updated=_UTCText(UPDATED))
        .order_by("-received_at", "-pk")
        .values_list(*_LIST_FIELDS)
    )
    if not rows:
        return []
    page = _ListPage(_agencies(page_ids), _first_photo_urls(request, page_ids))
    return [_list_row(row, page) for row in rows]


def _agencies(page_ids: QuerySet) -> dict[int, list[str]]:
    """The handling units' display names of each case, in the order they were added."""
    agencies: dict[int, list[str]] = defaultdict(list)
    for complaint_id, name, short_name in (
        ComplaintUnit.objects.filter(complaint_id__in=page_ids, role=UnitRole.HANDLING)
        .order_by("pk")
        .values_list("complaint_id", "unit__name", "unit__short_name")
    ):
        agencies[complaint_id].append(short_name or name)  # Unit.display_name
    return agencies


def _first_photo_urls(request, page_ids: QuerySet) -> dict[int, str]:
    """The first public photo of each case (its media_url)."""
    photo_urls: dict[int, str] = {}
    for complaint_id, pk in (
        Photo.objects.filter(complaint_id__in=page_ids, hidden=False)
        .order_by("pk")
        .values_list("complaint_id", "pk")
    ):
        if complaint_id not in photo_urls:
            try:
                path = reverse("complaints_public:photo", args=[pk])
            except NoReverseMatch:  # the public photo route is not there (yet)
                break
            photo_urls[complaint_id] = request.build_absolute_uri(path)
    return photo_urls


class _ListPage:
    """What the rows of one page share. Every string is cleaned as document() would (see
    _clean): the shared ones once."""

    def __init__(self, agencies: dict[int, list[str]], photo_urls: dict[int, str]) -> None:
        self.agencies = agencies
        self.photo_urls = photo_urls
        self.notice = _clean_text(catalogue.service_notice())
        self.service_names = {c.value: _clean_text(str(c.label)) for c in Category}
        self.status_names = {s.value: _clean_text(str(s.label)) for s in Status}
        self.closed = {str(s) for s in CLOSED_STATUSES}
        self._expected: dict = {}

    def expected(self, deadline: dt.date | None) -> str | None:
        if deadline not in self._expected:  # a thousand cases share a few dozen deadlines
            self._expected[deadline] = _expected_at(deadline)
        return self._expected[deadline]


def _list_row(row: tuple, page: _ListPage) -> dict:
    """request_out() of one row of _LIST_FIELDS, its strings cleaned."""
    (
        pk,
        code,
        category,
        status,
        status_note,
        description,
        description_hidden,
        public_description,
        address,
        district_id,
        district_name,
        lat,
        lon,
        media_url,
        requested,
        updated,
        deadline,
    ) = row
    clean = _clean_text
    category = category or Category.OTHER
    case = SimpleNamespace(
        description=description,
        description_hidden=description_hidden,
        public_description=public_description,
        address=address,
        district_id=district_id,
        district=SimpleNamespace(name=district_name),
    )
    located = lat is not None and lon is not None
    agency = "、".join(page.agencies[pk])
    media_url = page.photo_urls.get(pk) or media_url
    return {
        "service_request_id": clean(code),
        "status": "closed" if status in page.closed else "open",
        "status_notes": clean(status_note or page.status_names.get(status, status)),
        "service_name": page.service_names[category],
        "service_code": category,
        "description": clean(public.text(case)),
        "agency_responsible": clean(agency) if agency else None,
        "service_notice": page.notice,
        "requested_datetime": _w3c_utc_text(requested),
        "updated_datetime": _w3c_utc_text(updated),
        "expected_datetime": page.expected(deadline),
        "address": clean(public.address(case)),
        "address_id": None,
        "zipcode": None,
        "lat": round(lat, 6) if located else None,
        "long": round(lon, 6) if located else None,
        "media_url": clean(media_url) if media_url else None,
    }


# --- service request updates -----------------------------------------------------------------

# mySociety's extended statuses for the updates feed (docs/api.md lists the mapping).
_EVENT_STATUS = {
    EventKind.SUBMITTED: "OPEN",
    EventKind.REGISTERED: "OPEN",
    EventKind.IMPORTED: "OPEN",
    EventKind.TRANSFERRED: "IN_PROGRESS",
    EventKind.TRANSFERRED_DOWN: "IN_PROGRESS",
    EventKind.STARTED: "INVESTIGATING",
    EventKind.STAGE_CLOSED: "CLOSED",
}
_REJECT_STATUS = {
    RejectReason.DUPLICATE: "DUPLICATE",
    RejectReason.OUT_OF_SCOPE: "NOT_COUNCILS_RESPONSIBILITY",
    RejectReason.INSUFFICIENT: "NO_FURTHER_ACTION",
}


def update_status(e: ComplaintEvent, c: Complaint) -> str:
    """The extended status a public event stands for."""
    if e.kind in _EVENT_STATUS:
        return _EVENT_STATUS[e.kind]
    if e.kind == EventKind.HANDLED:
        # Substantiated: the rectification is ordered; not substantiated: the second review
        # comes before the case closes.
        finding = e.data.get("finding", c.finding)
        return "ACTION_SCHEDULED" if finding in (Finding.TRUE, Finding.PARTLY) else "IN_PROGRESS"
    if e.kind == EventKind.REJECTED:
        return _REJECT_STATUS.get(e.data.get("reason", ""), "CLOSED")
    if e.kind in (EventKind.CLOSED, EventKind.FOLLOW_UP_DONE, EventKind.PUBLISHED):
        if c.closure == Closure.STAGE_CLOSED:
            return "CLOSED"
        if c.finding in (Finding.TRUE, Finding.PARTLY):
            return "FIXED"
        if c.finding == Finding.FALSE:
            return "NO_FURTHER_ACTION"
        return "CLOSED"
    return "CLOSED" if e.to_status in CLOSED_STATUSES else "OPEN"


def update_out(e: ComplaintEvent) -> dict:
    """One ``request_update`` of the servicerequestupdates feed."""
    return {
        "update_id": str(e.pk),
        "service_request_id": e.complaint.code,
        "status": update_status(e, e.complaint),
        "updated_datetime": w3c(e.at),
        "description": _event_text(_public_event(e, e.complaint)),
        "media_url": None,
    }
