"""Open311 GeoReport v2 at /open311/v2/, in XML and JSON. 公众监督 Open311 接口

The core v2 (discovery, services, service definitions, requests, tokens) plus the extensions
most clients know: ``page``/``page_size``, ``updated_after``/``updated_before`` and ``media``
uploads (v2.1 draft), ``extensions=true`` (notes and photos), and mySociety's
``servicerequestupdates`` feed with its extended statuses. docs/api.md describes the contract.

Reading needs no key and returns only what public.py lets the public see: never the reporter's
contact, never a person's name, never an internal comment. Posting needs an API key (see
admin.py) and goes through services.complaint_submit, like the web form.

Every answer is a document in the format of the URL's suffix; errors too, as the spec's
``<errors>`` list (several at once when several parameters are wrong). An unknown suffix gets a
404 error document in XML, the format every Open311 client must read.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.core.validators import URLValidator, validate_email
from django.db.models import (
    Case,
    F,
    Func,
    Max,
    Prefetch,
    TextField,
    When,
)
from django.http import HttpResponse, QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from shanshui.complaints import public, services
from shanshui.complaints.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Category,
    Channel,
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
from shanshui.lib import ratelimit
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit
from shanshui.orgs.services import client_ip

logger = logging.getLogger(__name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# Open311 answers in W3C datetimes with an offset; the city's offset is +08:00.
TZ = ZoneInfo("Asia/Shanghai")
# The spec's cap on one GET requests answer; also the default and largest page_size.
MAX_RESULTS = 1000
# The longest start_date..end_date range (and updated_after..updated_before range).
MAX_RANGE = dt.timedelta(days=90)
# When the services or their definitions change in code; the discovery changeset is the later
# of this and the last change to a district (the district attribute lists them).
CHANGESET = dt.datetime(2026, 11, 29, tzinfo=TZ)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
PHOTO_FIELDS = ("media", "media[]")


# --- services --------------------------------------------------------------------------------

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


def _districts() -> dict[str, Unit]:
    return {district_key(u): u for u in services.districts()}


def attributes(service_code: str, districts: dict[str, Unit] | None = None) -> list[Attribute]:
    """The definition of a service: the same three optional fields for every service."""
    districts = _districts() if districts is None else districts
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


# --- errors and documents --------------------------------------------------------------------


class Open311Error(Exception):
    """An error document: ``status`` is the HTTP status, each description one ``<error>``."""

    def __init__(self, status: int, *descriptions, headers: dict | None = None) -> None:
        super().__init__(status, *descriptions)
        self.status = status
        self.descriptions = [str(d) for d in descriptions]
        self.headers = headers or {}


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


# Bodies Django cannot (or will not) parse: too big, too many fields or files, a broken
# multipart body, a charset other than UTF-8, a connection that broke off.
_UNREADABLE = (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    MultiPartParserError,
    BadRequest,
    UnreadablePostError,
)


def _check_jurisdiction(params: QueryDict) -> None:
    given = (params.get("jurisdiction_id") or "").strip()
    if given and given != settings.SHANSHUI_OPEN311_JURISDICTION:
        raise Open311Error(404, _("Unknown jurisdiction_id “%(id)s”.") % {"id": given[:100]})


def _endpoint(*methods: str, jurisdiction: bool = True):
    """Wrap a view ``view(request, fmt, **kwargs)``: the format, the method, the jurisdiction,
    errors as documents, CORS on reads.

    Every endpoint is csrf_exempt: the API key, not a cookie, authenticates the one write, and
    the read-only endpoints refuse other methods before doing anything — exempting them lets a
    POST there get its 405 error document instead of Django's CSRF page.
    """
    allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, fmt: str, **kwargs):
            if fmt not in FORMATS:
                response = error_document(
                    "xml",
                    Open311Error(
                        404,
                        _("Unknown format “%(format)s”: use .xml or .json.") % {"format": fmt[:20]},
                    ),
                )
            else:
                try:
                    if request.method not in allowed:
                        raise Open311Error(
                            405,
                            _("Method %(method)s is not allowed here.")
                            % {"method": request.method[:10]},
                            headers={"Allow": ", ".join(sorted(allowed))},
                        )
                    if jurisdiction:
                        _check_jurisdiction(_params(request))
                    response = view(request, fmt, **kwargs)
                except Open311Error as exc:
                    response = error_document(fmt, exc)
                except _UNREADABLE as exc:
                    logger.info("open311: unreadable request body: %s", exc)
                    response = error_document(fmt, _body_error(exc))
            if request.method in ("GET", "HEAD"):
                response["Access-Control-Allow-Origin"] = "*"  # public data
            return response

        return csrf_exempt(wrapper)

    return decorate


def _body_error(exc: Exception) -> Open311Error:
    if isinstance(exc, RequestDataTooBig):
        return Open311Error(400, _("The request is too large."))
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return Open311Error(400, _("The request has too many fields or files."))
    return Open311Error(400, _("The request body could not be read: send UTF-8 form data."))


def _params(request) -> QueryDict:
    """GET: the query string. POST: the form body, with the query string filling in the names
    the body does not carry (the v2.1 draft declares POST parameters ``in: query``)."""
    if request.method != "POST":
        return request.GET
    merged = request.POST.copy()
    for name, values in request.GET.lists():
        if not any(v.strip() for v in merged.getlist(name)):  # empty counts as absent
            merged.setlist(name, values)
    return merged


# --- reading parameters ----------------------------------------------------------------------


def _value(params: QueryDict, name: str) -> str:
    """A single-valued parameter; empty counts as absent (the last non-empty value wins)."""
    values = [v.strip() for v in params.getlist(name) if v.strip()]
    return values[-1] if values else ""


def _values(params: QueryDict, name: str) -> list[str]:
    """A list parameter, comma-separated and/or repeated; empty items count as absent."""
    out = []
    for raw in params.getlist(name):
        out += [part.strip() for part in raw.split(",") if part.strip()]
    return list(dict.fromkeys(out))


_W3C = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?P<fraction>\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$"
)


def parse_datetime(text: str) -> dt.datetime:
    """A W3C datetime with its timezone (``Z`` or ``±hh:mm``); ValueError otherwise.

    A "+" that a client forgot to encode in a query string arrives as a space; it is read back.
    """
    if len(text) > 6 and text[-6] == " " and text[-3] == ":":
        text = text[:-6] + "+" + text[-5:]
    match = _W3C.match(text)
    if not match:
        raise ValueError(text)
    fraction = match.group("fraction")
    if fraction and len(fraction) > 7:  # Python reads microseconds at most
        text = text.replace(fraction, fraction[:7], 1)
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


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


def _window(
    params: QueryDict, start_name: str, end_name: str, errors: list, *, default: bool
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The range given by two datetime parameters, at most 90 days long. Only one given: 90 days
    from it (or up to it). None given: the most recent 90 days when ``default``, else no range."""
    before = len(errors)
    found = {}
    for name in (start_name, end_name):
        text = _value(params, name)
        if not text:
            continue
        try:
            found[name] = parse_datetime(text)
        except ValueError:
            errors.append(
                _(
                    "%(name)s must be a W3C datetime with its timezone, "
                    "e.g. 2026-11-29T10:15:30+08:00."
                )
                % {"name": name}
            )
    if len(errors) > before or (not found and not default):
        return None, None
    start, end = found.get(start_name), found.get(end_name)
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - MAX_RANGE
    elif end is None:
        end = start + MAX_RANGE
    if start > end:
        errors.append(
            _("%(start)s must not be later than %(end)s.") % {"start": start_name, "end": end_name}
        )
    elif end - start > MAX_RANGE:
        errors.append(
            _("%(start)s and %(end)s may not be more than 90 days apart.")
            % {"start": start_name, "end": end_name}
        )
    return start, end


def _paging(params: QueryDict, errors: list) -> tuple[int, int]:
    """(offset, size) from ``page`` (1, 2, …) and ``page_size`` (1..MAX_RESULTS)."""
    numbers = {}
    for name, default, largest in (
        ("page", 1, 10**6),
        ("page_size", MAX_RESULTS, MAX_RESULTS),
    ):
        text = _value(params, name)
        if not text:
            numbers[name] = default
        elif text.isascii() and text.isdigit() and 1 <= int(text) <= largest:
            numbers[name] = int(text)
        else:
            errors.append(
                _("%(name)s must be a whole number from 1 to %(max)d.")
                % {"name": name, "max": largest}
            )
            numbers[name] = default
    return (numbers["page"] - 1) * numbers["page_size"], numbers["page_size"]


def _flag(params: QueryDict, name: str, errors: list) -> bool:
    text = _value(params, name).lower()
    if text in ("", "false"):
        return False
    if text == "true":
        return True
    errors.append(_("%(name)s must be true or false.") % {"name": name})
    return False


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


def _expected(c: Complaint) -> str | None:
    return _expected_at(c.deadline)


def _expected_at(deadline: dt.date | None) -> str | None:
    """The end of the deadline's day in the city's time."""
    if deadline is None:
        return None
    return w3c(dt.datetime.combine(deadline, dt.time(23, 59, 59), tzinfo=TZ))


def _updated(c: Complaint) -> dt.datetime:
    """For a closed request, the spec's updated_datetime is the closing time (_UPDATED in
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


def _public_events_prefetch() -> Prefetch:
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
        "service_notice": service_notice(),
        "requested_datetime": w3c(c.received_at),
        "updated_datetime": w3c(_updated(c)),
        "expected_datetime": _expected(c),
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


# --- views -----------------------------------------------------------------------------------


@require_safe
def index(request):
    """The endpoint explained to people (the spec recommends an HTML page at the root)."""
    base = _base_url(request)
    return render(
        request,
        "complaints/open311_index.html",
        {
            "base": base,
            "services": [(c.value, c.label) for c in Category],
            "contact": settings.SHANSHUI_OPEN311_CONTACT,
            "jurisdiction": settings.SHANSHUI_OPEN311_JURISDICTION,
            "max_results": MAX_RESULTS,
        },
    )


def _base_url(request) -> str:
    return request.build_absolute_uri(reverse("open311:index")).rstrip("/")


def _changeset() -> str:
    latest = Unit.objects.filter(kind__in=TERRITORIAL_KINDS).aggregate(at=Max("updated_at"))["at"]
    return w3c(max(CHANGESET, latest) if latest else CHANGESET)


@_endpoint("GET", jurisdiction=False)
def discovery(request, fmt: str):
    changeset = _changeset()
    return document(
        fmt,
        "discovery",
        {
            "changeset": changeset,
            "contact": settings.SHANSHUI_OPEN311_CONTACT,
            "key_service": _(
                "Reading needs no key. To post reports, ask the office for an API key: %(contact)s."
            )
            % {"contact": settings.SHANSHUI_OPEN311_CONTACT},
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": _base_url(request),
                    "changeset": changeset,
                    "type": settings.SHANSHUI_OPEN311_ENDPOINT_TYPE,
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@_endpoint("GET")
def service_list(request, fmt: str):
    rows = []
    for category in Category:
        description, keywords, group = SERVICES[category]
        rows.append(
            {
                "service_code": category.value,
                "service_name": str(category.label),
                "description": str(description),
                "metadata": True,
                "type": "realtime",
                "keywords": str(keywords),
                "group": str(group),
            }
        )
    return document(fmt, "services", rows, item="service")


@_endpoint("GET")
def service_definition(request, fmt: str, code: str):
    if code not in Category.values:
        raise Open311Error(404, _("Unknown service_code “%(code)s”.") % {"code": code[:50]})
    out = []
    for a in attributes(code):
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
    return document(fmt, "service_definition", {"service_code": code, "attributes": out})


@_endpoint("GET", "POST")
def requests_view(request, fmt: str):
    if request.method == "POST":
        return _create(request, fmt)
    return _search(request, fmt)


def _search(request, fmt: str):
    params = request.GET
    errors: list[str] = []
    extensions = _flag(params, "extensions", errors)
    qs = public.public_complaints()
    ids = _values(params, "service_request_id")
    if ids:
        # The spec: a list of ids overrides every other argument.
        if len(ids) > MAX_RESULTS:
            errors.append(_("At most %(n)d service_request_id at once.") % {"n": MAX_RESULTS})
        qs = qs.filter(code__in=ids)
        offset, size = 0, MAX_RESULTS
    else:
        qs = _filter(qs, params, errors)
        offset, size = _paging(params, errors)
    if errors:
        raise Open311Error(400, *errors)
    qs = qs.order_by("-received_at", "-pk")
    if extensions:
        page = public.with_public_relations(qs).defer(
            # Up to a thousand rows: leave out what a request never shows.
            "search_text",
            "service_attributes",
            "investigation",
            "handling",
            "accountability",
            "enterprise_key",
        )
        page = page.prefetch_related(_public_events_prefetch())[offset : offset + size]
        rows = [request_out(request, c, extensions=True) for c in page]
    else:
        rows = _list_requests(request, qs, offset, size)
    return document(fmt, "service_requests", rows, item="request", clean=extensions)


# For a closed request, the spec's updated_datetime is the closing time (as _updated()).
_UPDATED = Case(
    When(status__in=CLOSED_STATUSES, closed_at__isnull=False, then=F("closed_at")),
    default=F("updated_at"),
)
_LIST_FIELDS = (
    "pk",
    "code",
    "category",
    "status",
    "status_note",
    "description",
    "description_hidden",
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


def _list_requests(request, qs, offset: int, size: int) -> list[dict]:
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
        .annotate(o311_requested=_UTCText("received_at"), o311_updated=_UTCText(_UPDATED))
        .order_by("-received_at", "-pk")
        .values_list(*_LIST_FIELDS)
    )
    if not rows:
        return []
    agencies: dict[int, list[str]] = defaultdict(list)
    for complaint_id, name, short_name in (
        ComplaintUnit.objects.filter(complaint_id__in=page_ids, role=UnitRole.HANDLING)
        .order_by("pk")
        .values_list("complaint_id", "unit__name", "unit__short_name")
    ):
        agencies[complaint_id].append(short_name or name)  # Unit.display_name
    photo_urls: dict[int, str] = {}  # the first public photo of each case (media_url)
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
    # Every string is cleaned as document() would (see _clean): the shared ones once.
    clean = _clean_text
    notice = clean(service_notice())
    service_names = {c.value: clean(str(c.label)) for c in Category}
    status_names = {s.value: clean(str(s.label)) for s in Status}
    closed = {str(s) for s in CLOSED_STATUSES}
    expected: dict = {}
    out = []
    for (
        pk,
        code,
        category,
        status,
        status_note,
        description,
        description_hidden,
        address,
        district_id,
        district_name,
        lat,
        lon,
        media_url,
        requested,
        updated,
        deadline,
    ) in rows:
        category = category or Category.OTHER
        if deadline not in expected:  # a thousand cases share a few dozen deadlines
            expected[deadline] = _expected_at(deadline)
        case = SimpleNamespace(
            description=description,
            description_hidden=description_hidden,
            address=address,
            district_id=district_id,
            district=SimpleNamespace(name=district_name),
        )
        located = lat is not None and lon is not None
        agency = "、".join(agencies[pk])
        media_url = photo_urls.get(pk) or media_url
        out.append(
            {
                "service_request_id": clean(code),
                "status": "closed" if status in closed else "open",
                "status_notes": clean(status_note or status_names.get(status, status)),
                "service_name": service_names[category],
                "service_code": category,
                "description": clean(public.text(case)),
                "agency_responsible": clean(agency) if agency else None,
                "service_notice": notice,
                "requested_datetime": _w3c_utc_text(requested),
                "updated_datetime": _w3c_utc_text(updated),
                "expected_datetime": expected[deadline],
                "address": clean(public.address(case)),
                "address_id": None,
                "zipcode": None,
                "lat": round(lat, 6) if located else None,
                "long": round(lon, 6) if located else None,
                "media_url": clean(media_url) if media_url else None,
            }
        )
    return out


def _filter(qs, params: QueryDict, errors: list):
    codes = _values(params, "service_code")
    unknown = [code for code in codes if code not in Category.values]
    if unknown:
        errors.append(_("Unknown service_code: %(codes)s.") % {"codes": ", ".join(unknown)[:200]})
    elif codes:
        # The service_code a request is shown with: a client that reads the requests of each
        # service in turn sees every request once.
        qs = qs.filter(category__in=codes)
    statuses = _values(params, "status")
    if any(s not in ("open", "closed") for s in statuses):
        errors.append(_("status must be open, closed, or both."))
    elif len(statuses) == 1:
        wanted = OPEN_STATUSES if statuses[0] == "open" else CLOSED_STATUSES
        qs = qs.filter(status__in=wanted)
    updated_after, updated_before = _window(
        params, "updated_after", "updated_before", errors, default=False
    )
    # The default 90 days of requested_datetime apply unless the client asks by update time.
    start, end = _window(params, "start_date", "end_date", errors, default=updated_after is None)
    if start is not None:
        qs = qs.filter(received_at__gte=start, received_at__lte=end)
    if updated_after is not None:
        qs = qs.annotate(o311_updated=_UPDATED).filter(
            o311_updated__gte=updated_after, o311_updated__lte=updated_before
        )
    return qs


@_endpoint("GET")
def request_detail(request, fmt: str, request_id: str):
    errors: list[str] = []
    extensions = _flag(request.GET, "extensions", errors)
    if errors:
        raise Open311Error(400, *errors)
    qs = public.with_public_relations(public.public_complaints().filter(code=request_id))
    if extensions:
        qs = qs.prefetch_related(_public_events_prefetch())
    c = qs.first()
    if c is None:
        raise Open311Error(404, _("No service request “%(id)s”.") % {"id": request_id[:50]})
    return document(
        fmt,
        "service_requests",
        [request_out(request, c, extensions=extensions)],
        item="request",
    )


@_endpoint("GET")
def token_detail(request, fmt: str, token: str):
    _limit("track", client_ip(request) or "-")
    code = services.normalize_tracking_code(token)
    c = public.public_complaints().filter(tracking_code=code).only("code").first() if code else None
    if c is None:
        raise Open311Error(404, _("Unknown token."))
    return document(
        fmt,
        "service_requests",
        [{"service_request_id": c.code, "token": code}],
        item="request",
    )


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


@_endpoint("GET")
def request_updates(request, fmt: str):
    params = request.GET
    errors: list[str] = []
    start, end = _window(params, "start_date", "end_date", errors, default=True)
    offset, size = _paging(params, errors)
    if errors:
        raise Open311Error(400, *errors)
    events = (
        ComplaintEvent.objects.filter(
            is_public=True,
            complaint__in=public.public_complaints(),
            at__gte=start,
            at__lte=end,
        )
        .select_related("unit", "complaint")
        .prefetch_related(
            Prefetch(
                "complaint__units",
                queryset=ComplaintUnit.objects.filter(role=UnitRole.HANDLING).select_related(
                    "unit"
                ),
                to_attr="handling_units",
            )
        )
        .order_by("at", "pk")[offset : offset + size]
    )
    rows = [
        {
            "update_id": str(e.pk),
            "service_request_id": e.complaint.code,
            "status": update_status(e, e.complaint),
            "updated_datetime": w3c(e.at),
            "description": _event_text(_public_event(e, e.complaint)),
            "media_url": None,
        }
        for e in events
    ]
    return document(fmt, "service_request_updates", rows, item="request_update")


@csrf_exempt
def not_found(request, path: str = ""):
    """Anything else under /open311/v2/: a 404 error document (XML, which every client reads)."""
    fmt = "json" if path.endswith(".json") else "xml"
    response = error_document(fmt, Open311Error(404, _("No such Open311 resource.")))
    if request.method in ("GET", "HEAD"):
        response["Access-Control-Allow-Origin"] = "*"
    return response


# --- POST requests ---------------------------------------------------------------------------


def _limit(name: str, who: str, limit: ratelimit.Limit | None = None) -> None:
    try:
        ratelimit.hit(name, who, limit=limit)
    except ratelimit.RateLimitExceeded as exc:
        raise Open311Error(
            429,
            _("Too many requests: try again in %(seconds)d seconds.")
            % {"seconds": exc.retry_after},
            headers={"Retry-After": str(exc.retry_after)},
        ) from exc


def _check_body(request) -> None:
    """A form body (or none at all), within the size the photos allow."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length and request.content_type not in FORM_TYPES:
        raise Open311Error(
            400,
            _("Send the request as application/x-www-form-urlencoded or multipart/form-data."),
        )
    largest = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + (
        settings.SHANSHUI_COMPLAINT_MAX_PHOTOS * settings.SHANSHUI_COMPLAINT_PHOTO_MAX_BYTES
    )
    if length > largest:
        raise Open311Error(400, _("The request is too large."))
    # Reading the body raises what Django refuses (too big, …): the wrapper answers 400. A
    # non-empty body that yields nothing was refused earlier by a middleware that read it first.
    if length and not request.POST and not request.FILES:
        raise Open311Error(400, _("The request body could not be read: send UTF-8 form data."))


@dataclass
class _Parsed:
    report: services.Report | None = None
    photos: list = field(default_factory=list)
    account_id: str = ""
    errors: list[str] = field(default_factory=list)


_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_DECIMAL = re.compile(r"^[+-]?\d{1,3}(?:\.\d{1,15})?$")


def _coordinate_in(text: str, name: str, bound: int, errors: list) -> float | None:
    if _DECIMAL.match(text) and -bound <= float(text) <= bound:
        return float(text)
    errors.append(
        _("%(name)s must be a decimal number from -%(bound)d to %(bound)d (WGS84).")
        % {"name": name, "bound": bound}
    )
    return None


def _read_attributes(
    params: QueryDict, service_code: str, districts: dict[str, Unit], errors: list
) -> dict:
    definition = {a.code: a for a in attributes(service_code, districts)}
    given: dict[str, list[str]] = {}
    for name in params:
        match = _ATTRIBUTE.match(name)
        if not match:
            continue
        code = match.group(1)
        if code not in definition:
            errors.append(_("Unknown attribute “%(code)s”.") % {"code": code[:50]})
            continue
        given.setdefault(code, [])
        given[code] += [v.strip() for v in params.getlist(name) if v.strip()]
    out: dict = {}
    for code, a in definition.items():
        values = list(dict.fromkeys(given.get(code, [])))
        if not values:
            if a.required:
                errors.append(_("Attribute “%(code)s” is required.") % {"code": code})
            continue
        if a.datatype != "multivaluelist" and len(values) > 1:
            errors.append(_("Attribute “%(code)s” takes one value.") % {"code": code})
            continue
        if a.is_list:
            keys = {key for key, _name in a.values}
            bad = [v for v in values if v not in keys]
            if bad:
                errors.append(
                    _("Unknown value “%(value)s” for attribute “%(code)s”.")
                    % {"value": bad[0][:50], "code": code}
                )
                continue
        if a.max_length and len(values[0]) > a.max_length:
            errors.append(
                _("Attribute “%(code)s” takes at most %(n)d characters.")
                % {"code": code, "n": a.max_length}
            )
            continue
        out[code] = values if a.datatype == "multivaluelist" else values[0]
    return out


def _full_name(first: str, last: str) -> str:
    if first.isascii() and last.isascii():
        return f"{first} {last}".strip()
    return f"{last}{first}"  # Chinese order: family name first, no space


def _parse(params: QueryDict, files) -> _Parsed:
    """The report a POST describes, or every error in it (404 for an unknown service)."""
    parsed = _Parsed()
    errors = parsed.errors
    code = _value(params, "service_code")
    if not code:
        errors.append(_("service_code is required."))
    elif code not in Category.values:
        raise Open311Error(404, _("Unknown service_code “%(code)s”.") % {"code": code[:50]})

    lat = lon = None
    lat_text, lon_text = _value(params, "lat"), _value(params, "long")
    if bool(lat_text) != bool(lon_text):
        errors.append(_("Send lat and long together."))
    elif lat_text:
        lat = _coordinate_in(lat_text, "lat", 90, errors)
        lon = _coordinate_in(lon_text, "long", 180, errors)
    address = _value(params, "address_string")
    if len(address) > 300:
        errors.append(_("address_string takes at most %(n)d characters.") % {"n": 300})
    districts = _districts()
    district = None
    address_id = _value(params, "address_id")
    if address_id:
        # We keep no address register: an address_id is a district key of the definition.
        district = districts.get(address_id)
        if district is None:
            errors.append(
                _("Unknown address_id: use a key of the district attribute, or send lat and long.")
            )
    if not (lat_text or lon_text or address or address_id):
        errors.append(_("Say where the problem is: lat and long, address_string or address_id."))

    description = _value(params, "description")
    if not description:
        errors.append(_("description is required: describe the problem."))
    elif len(description) > services.MAX_DESCRIPTION:
        errors.append(
            _("description takes at most %(n)d characters.") % {"n": services.MAX_DESCRIPTION}
        )

    attrs = _read_attributes(params, code, districts, errors) if code else {}
    if "district" in attrs:
        district = districts[attrs["district"]]

    media_url = _value(params, "media_url")
    if media_url:
        try:
            if len(media_url) > 500:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            errors.append(
                _("media_url must be an http or https address of at most 500 characters.")
            )

    email = _value(params, "email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("email is not a valid e-mail address."))

    other_files = [name for name in files if name not in PHOTO_FIELDS]
    if other_files:
        errors.append(_("Send photos as media or media[]."))
    parsed.photos = [f for name in PHOTO_FIELDS for f in files.getlist(name)]
    if len(parsed.photos) > settings.SHANSHUI_COMPLAINT_MAX_PHOTOS:
        errors.append(_("At most %(n)d photos.") % {"n": settings.SHANSHUI_COMPLAINT_MAX_PHOTOS})
    if errors:
        return parsed

    parsed.account_id = _value(params, "account_id")
    parsed.report = services.Report(
        description=description,
        categories=[code, *attrs.get("extra_categories", [])],
        channel=Channel.OPEN311,
        district=district,
        address=address,
        lat=lat,
        lon=lon,
        enterprise=attrs.get("enterprise", ""),
        contact=services.Contact(
            name=_full_name(_value(params, "first_name"), _value(params, "last_name")),
            phone=_value(params, "phone"),
            email=email,
            device_id=_value(params, "device_id"),
            account_id=parsed.account_id,
        ),
        attributes={**attrs, **({"address_id": address_id} if address_id else {})},
        media_url=media_url,
    )
    return parsed


def _create(request, fmt: str):
    _check_body(request)
    _limit("open311_post_ip", client_ip(request) or "-")
    params = _params(request)
    key = _value(params, "api_key")
    if not key:
        raise Open311Error(403, _("api_key is missing: ask the office for a key."))
    client = services.api_client_for_key(key)
    if client is None:
        raise Open311Error(403, _("api_key is not valid, or no longer active."))
    per_key = (
        ratelimit.Limit(client.requests_per_hour, 3600)
        if client.requests_per_hour is not None
        else None
    )
    _limit("open311_post_key", str(client.pk), per_key)
    parsed = _parse(params, request.FILES)
    if parsed.errors:
        raise Open311Error(400, *parsed.errors)
    try:
        c = services.complaint_submit(report=parsed.report, photos=parsed.photos, actor=None)
    except ValidationError as exc:
        raise Open311Error(400, *exc.messages) from exc
    logger.info("open311: client %s posted %s", client.pk, c.code)
    return document(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": c.code,
                "service_notice": service_notice(),
                "account_id": parsed.account_id or None,
            }
        ],
        item="request",
    )
