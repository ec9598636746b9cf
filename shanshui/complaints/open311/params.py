"""Reading a request: its parameters, the search filters, the API key and the report a POST
describes. Whatever is wrong comes back as an :class:`Open311Error`, every problem of a
request at once where the spec's ``<errors>`` list allows it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.core.validators import URLValidator, validate_email
from django.db.models import Case, F, QuerySet, When
from django.http import QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext as _

from shanshui.complaints import public, services
from shanshui.complaints.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    ApiClient,
    Category,
    Channel,
)
from shanshui.complaints.open311 import catalogue
from shanshui.lib import ratelimit
from shanshui.orgs.models import Unit

# The spec's cap on one GET requests answer; also the default and largest page_size.
MAX_RESULTS = 1000
# The longest start_date..end_date range (and updated_after..updated_before range).
MAX_RANGE = dt.timedelta(days=90)
# The dates a filter may name (outside them a range of 90 days would leave the calendar).
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
PHOTO_FIELDS = ("media", "media[]")


# --- errors ----------------------------------------------------------------------------------


class Open311Error(Exception):
    """An error document: ``status`` is the HTTP status, each description one ``<error>``."""

    def __init__(self, status: int, *descriptions, headers: dict | None = None) -> None:
        super().__init__(status, *descriptions)
        self.status = status
        self.descriptions = [str(d) for d in descriptions]
        self.headers = headers or {}


# Bodies Django cannot (or will not) parse: too big, too many fields or files, a broken
# multipart body, a charset other than UTF-8, a connection that broke off.
UNREADABLE = (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    MultiPartParserError,
    BadRequest,
    UnreadablePostError,
)


def body_error(exc: Exception) -> Open311Error:
    """The error document for one of the UNREADABLE exceptions."""
    if isinstance(exc, RequestDataTooBig):
        return Open311Error(400, _("The request is too large."))
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return Open311Error(400, _("The request has too many fields or files."))
    return Open311Error(400, _("The request body could not be read: send UTF-8 form data."))


def limit(name: str, who: str, rate: ratelimit.Limit | None = None) -> None:
    """Count one hit of rate limit ``name`` for ``who``; over it, a 429 with Retry-After."""
    try:
        ratelimit.hit(name, who, limit=rate)
    except ratelimit.RateLimitExceeded as exc:
        raise Open311Error(
            429,
            _("Too many requests: try again in %(seconds)d seconds.")
            % {"seconds": exc.retry_after},
            headers={"Retry-After": str(exc.retry_after)},
        ) from exc


# --- reading parameters ----------------------------------------------------------------------


def request_params(request) -> QueryDict:
    """GET: the query string. POST: the form body, with the query string filling in the names
    the body does not carry (the v2.1 draft declares POST parameters ``in: query``)."""
    if request.method != "POST":
        return request.GET
    merged = request.POST.copy()
    for name, values in request.GET.lists():
        if not any(v.strip() for v in merged.getlist(name)):  # empty counts as absent
            merged.setlist(name, values)
    return merged


def check_jurisdiction(params: QueryDict) -> None:
    given = (params.get("jurisdiction_id") or "").strip()
    if given and given != settings.SHANSHUI_OPEN311_JURISDICTION:
        raise Open311Error(404, _("Unknown jurisdiction_id “%(id)s”.") % {"id": given[:100]})


def value(params: QueryDict, name: str) -> str:
    """A single-valued parameter; empty counts as absent (the last non-empty value wins)."""
    values = [v.strip() for v in params.getlist(name) if v.strip()]
    return values[-1] if values else ""


def values(params: QueryDict, name: str) -> list[str]:
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


def window(
    params: QueryDict, start_name: str, end_name: str, errors: list, *, default: bool
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The range given by two datetime parameters, at most 90 days long. Only one given: 90 days
    from it (or up to it). None given: the most recent 90 days when ``default``, else no range."""
    before = len(errors)
    found = {}
    for name in (start_name, end_name):
        text = value(params, name)
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
            continue
        # Near the ends of the calendar a date ± 90 days, or in UTC, does not exist.
        if not EARLIEST <= found[name] <= LATEST:
            del found[name]
            errors.append(
                _("%(name)s must lie between the years %(first)d and %(last)d.")
                % {"name": name, "first": EARLIEST.year, "last": LATEST.year}
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


def paging(params: QueryDict, errors: list) -> tuple[int, int]:
    """(offset, size) from ``page`` (1, 2, …) and ``page_size`` (1..MAX_RESULTS)."""
    numbers = {}
    for name, default, largest in (
        ("page", 1, 10**6),
        ("page_size", MAX_RESULTS, MAX_RESULTS),
    ):
        text = value(params, name)
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


def flag(params: QueryDict, name: str, errors: list) -> bool:
    text = value(params, name).lower()
    if text in ("", "false"):
        return False
    if text == "true":
        return True
    errors.append(_("%(name)s must be true or false.") % {"name": name})
    return False


# --- searching requests ----------------------------------------------------------------------

# For a closed request, the spec's updated_datetime is the closing time (as render.updated()).
UPDATED = Case(
    When(status__in=CLOSED_STATUSES, closed_at__isnull=False, then=F("closed_at")),
    default=F("updated_at"),
)


@dataclass
class Search:
    """A GET requests search: the public cases it asks for, newest first, and the page."""

    qs: QuerySet
    offset: int
    size: int
    extensions: bool


def search(params: QueryDict) -> Search:
    """The search a GET requests describes, or a 400 with every error in it."""
    errors: list[str] = []
    extensions = flag(params, "extensions", errors)
    qs = public.public_complaints()
    ids = values(params, "service_request_id")
    if ids:
        # The spec: a list of ids overrides every other argument.
        if len(ids) > MAX_RESULTS:
            errors.append(_("At most %(n)d service_request_id at once.") % {"n": MAX_RESULTS})
        qs = qs.filter(code__in=ids)
        offset, size = 0, MAX_RESULTS
    else:
        qs = filter_requests(qs, params, errors)
        offset, size = paging(params, errors)
    if errors:
        raise Open311Error(400, *errors)
    return Search(qs.order_by("-received_at", "-pk"), offset, size, extensions)


def filter_requests(qs, params: QueryDict, errors: list):
    """``qs`` narrowed by service_code, status and the date windows; errors appended."""
    codes = values(params, "service_code")
    unknown = [code for code in codes if code not in Category.values]
    if unknown:
        errors.append(_("Unknown service_code: %(codes)s.") % {"codes": ", ".join(unknown)[:200]})
    elif codes:
        # The service_code a request is shown with: a client that reads the requests of each
        # service in turn sees every request once.
        qs = qs.filter(category__in=codes)
    statuses = values(params, "status")
    if any(s not in ("open", "closed") for s in statuses):
        errors.append(_("status must be open, closed, or both."))
    elif len(statuses) == 1:
        wanted = OPEN_STATUSES if statuses[0] == "open" else CLOSED_STATUSES
        qs = qs.filter(status__in=wanted)
    updated_after, updated_before = window(
        params, "updated_after", "updated_before", errors, default=False
    )
    # The default 90 days of requested_datetime apply unless the client asks by update time.
    start, end = window(params, "start_date", "end_date", errors, default=updated_after is None)
    if start is not None:
        qs = qs.filter(received_at__gte=start, received_at__lte=end)
    if updated_after is not None:
        qs = qs.annotate(o311_updated=UPDATED).filter(
            o311_updated__gte=updated_after, o311_updated__lte=updated_before
        )
    return qs


# --- posting a request -----------------------------------------------------------------------


def check_body(request) -> None:
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


def api_client(request) -> ApiClient:
    """The active client whose ``api_key`` the form body carries (403 otherwise), counted
    against its hourly limit. Never the query string: it ends up in access logs and proxies'
    histories, so a key seen there is refused (and should be replaced)."""
    key = value(request.POST, "api_key")
    if not key and value(request.GET, "api_key"):
        raise Open311Error(
            403,
            _(
                "Send api_key in the form body, not in the address: addresses are written to "
                "logs. Ask the office for a new key if this one was sent that way before."
            ),
        )
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
    limit("open311_post_key", str(client.pk), per_key)
    return client


@dataclass
class Parsed:
    """The report a POST describes, or the errors in it (then ``report`` is None)."""

    report: services.Report | None = None
    photos: list = field(default_factory=list)
    account_id: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass
class _Location:
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    address_id: str = ""
    district: Unit | None = None


_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_DECIMAL = re.compile(r"^[+-]?\d{1,3}(?:\.\d{1,15})?$")


def parse_report(params: QueryDict, files) -> Parsed:
    """The report a POST describes, or every error in it (404 for an unknown service)."""
    parsed = Parsed()
    errors = parsed.errors
    code = value(params, "service_code")
    if not code:
        errors.append(_("service_code is required."))
    elif code not in Category.values:
        raise Open311Error(404, _("Unknown service_code “%(code)s”.") % {"code": code[:50]})
    districts = catalogue.districts_by_key()
    where = _location(params, districts, errors)
    description = _description(params, errors)
    attrs = _read_attributes(params, code, districts, errors) if code else {}
    if "district" in attrs:
        where.district = districts[attrs["district"]]
    media_url = _media_url(params, errors)
    email = _email(params, errors)
    parsed.photos = _photos(files, errors)
    if not description:
        # Optional in the spec: the service with its attributes or a photo may say it all.
        if code in Category.values and (
            attrs.get("enterprise") or attrs.get("extra_categories") or parsed.photos or media_url
        ):
            description = catalogue.generated_description(
                code, attrs, photo=bool(parsed.photos or media_url)
            )
        else:
            errors.append(
                _(
                    "description is required unless the attributes or a photo say what the "
                    "problem is."
                )
            )
    if errors:
        return parsed

    parsed.account_id = value(params, "account_id")
    parsed.report = services.Report(
        description=description,
        categories=[code, *attrs.get("extra_categories", [])],
        channel=Channel.OPEN311,
        district=where.district,
        address=where.address,
        lat=where.lat,
        lon=where.lon,
        enterprise=attrs.get("enterprise", ""),
        contact=services.Contact(
            name=_full_name(value(params, "first_name"), value(params, "last_name")),
            phone=value(params, "phone"),
            email=email,
            device_id=value(params, "device_id"),
            account_id=parsed.account_id,
        ),
        attributes={**attrs, **({"address_id": where.address_id} if where.address_id else {})},
        media_url=media_url,
    )
    return parsed


def _location(params: QueryDict, districts: dict[str, Unit], errors: list) -> _Location:
    """Where the problem is: a point, an address and/or a district key as address_id."""
    where = _Location()
    lat_text, lon_text = value(params, "lat"), value(params, "long")
    if bool(lat_text) != bool(lon_text):
        errors.append(_("Send lat and long together."))
    elif lat_text:
        where.lat = _coordinate_in(lat_text, "lat", 90, errors)
        where.lon = _coordinate_in(lon_text, "long", 180, errors)
    where.address = value(params, "address_string")
    if len(where.address) > 300:
        errors.append(_("address_string takes at most %(n)d characters.") % {"n": 300})
    where.address_id = value(params, "address_id")
    if where.address_id:
        # We keep no address register: an address_id is a district key of the definition.
        where.district = districts.get(where.address_id)
        if where.district is None:
            errors.append(
                _("Unknown address_id: use a key of the district attribute, or send lat and long.")
            )
    if not (lat_text or lon_text or where.address or where.address_id):
        errors.append(_("Say where the problem is: lat and long, address_string or address_id."))
    return where


def _coordinate_in(text: str, name: str, bound: int, errors: list) -> float | None:
    if _DECIMAL.match(text) and -bound <= float(text) <= bound:
        return float(text)
    errors.append(
        _("%(name)s must be a decimal number from -%(bound)d to %(bound)d (WGS84).")
        % {"name": name, "bound": bound}
    )
    return None


def _description(params: QueryDict, errors: list) -> str:
    description = value(params, "description")
    if len(description) > services.MAX_DESCRIPTION:
        errors.append(
            _("description takes at most %(n)d characters.") % {"n": services.MAX_DESCRIPTION}
        )
    return description


def _read_attributes(
    params: QueryDict, service_code: str, districts: dict[str, Unit], errors: list
) -> dict:
    definition = {a.code: a for a in catalogue.attributes(service_code, districts)}
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
        chosen = list(dict.fromkeys(given.get(code, [])))
        if not chosen:
            if a.required:
                errors.append(_("Attribute “%(code)s” is required.") % {"code": code})
            continue
        if a.datatype != "multivaluelist" and len(chosen) > 1:
            errors.append(_("Attribute “%(code)s” takes one value.") % {"code": code})
            continue
        if a.is_list:
            keys = {key for key, _name in a.values}
            bad = [v for v in chosen if v not in keys]
            if bad:
                errors.append(
                    _("Unknown value “%(value)s” for attribute “%(code)s”.")
                    % {"value": bad[0][:50], "code": code}
                )
                continue
        if a.max_length and len(chosen[0]) > a.max_length:
            errors.append(
                _("Attribute “%(code)s” takes at most %(n)d characters.")
                % {"code": code, "n": a.max_length}
            )
            continue
        out[code] = chosen if a.datatype == "multivaluelist" else chosen[0]
    return out


def _media_url(params: QueryDict, errors: list) -> str:
    media_url = value(params, "media_url")
    if media_url:
        try:
            if len(media_url) > 500:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            errors.append(
                _("media_url must be an http or https address of at most 500 characters.")
            )
    return media_url


def _email(params: QueryDict, errors: list) -> str:
    email = value(params, "email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("email is not a valid e-mail address."))
    return email


def _photos(files, errors: list) -> list:
    other_files = [name for name in files if name not in PHOTO_FIELDS]
    if other_files:
        errors.append(_("Send photos as media or media[]."))
    photos = [f for name in PHOTO_FIELDS for f in files.getlist(name)]
    if len(photos) > settings.SHANSHUI_COMPLAINT_MAX_PHOTOS:
        errors.append(_("At most %(n)d photos.") % {"n": settings.SHANSHUI_COMPLAINT_MAX_PHOTOS})
    return photos


def _full_name(first: str, last: str) -> str:
    if first.isascii() and last.isascii():
        return f"{first} {last}".strip()
    return f"{last}{first}"  # Chinese order: family name first, no space
