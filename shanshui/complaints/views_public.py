"""Public pages of public supervision (no login): the report form, the reporter's status page,
the public list and case pages, photos, the batch disclosure tables and the statistics.
公众监督：举报、查询、公开、统计

What the public sees is decided in :mod:`shanshui.complaints.public` alone. The pages here read
cases only through it and turn each into a :class:`PublicCase` before any template sees it, so
no template can reach the reporter's contact, people's names, event comments or original photos.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from shanshui.complaints import forms_public, public, rules, services, stats
from shanshui.complaints.forms_public import AddInfoForm, RateForm, ReportForm, TrackForm
from shanshui.complaints.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Category,
    Channel,
    Complaint,
    ComplaintCategory,
    Finding,
    Photo,
    Satisfaction,
    Status,
    TransferBatch,
)
from shanshui.complaints.textmask import mask_personal_data
from shanshui.lib import mediastore, ratelimit
from shanshui.lib.actions import add_service_errors
from shanshui.lib.downloads import store_unavailable
from shanshui.lib.request import client_ip
from shanshui.lib.workflow import WorkflowError
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit
from shanshui.orgs.pagination import CappedPaginator

PAGE_SIZE = 50
# Counting a million matching rows is the slow part of a deep list; past this the page says "more
# than" and asks for a narrower filter.
COUNT_CAP = 10_000
PHOTO_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
PHOTO_MAX_AGE = 300  # seconds; a photo hidden by moderation disappears from caches soon after


# --- the public representation ---------------------------------------------------------------


@dataclass(frozen=True)
class PublicResult:
    """The published handling result, in the columns districts publish (masked)."""

    finding: str
    finding_label: str
    investigation: str
    handling: str
    accountability: str
    ordered_rectify: bool
    cases_filed: int
    fine_yuan: Decimal
    police_referrals: int
    detentions: int
    interviews: int
    people_held_accountable: int
    published_at: object

    @property
    def has_measures(self) -> bool:
        return bool(
            self.ordered_rectify
            or self.cases_filed
            or self.fine_yuan
            or self.police_referrals
            or self.detentions
            or self.interviews
            or self.people_held_accountable
        )


@dataclass(frozen=True)
class PublicCase:
    """One case as the public may see it; templates get nothing else."""

    code: str
    number: str  # the acceptance number of a transferred case, else the case number
    text: str
    address: str
    district: str
    lat: float | None
    lon: float | None
    categories: list[tuple[str, str]]
    units: list[str]
    status: str
    status_label: str
    status_note: str
    is_open: bool
    channel_label: str
    batch_label: str
    received_at: object
    deadline: object
    closed_at: object
    photos: list[int] = field(default_factory=list)
    result: PublicResult | None = None

    @property
    def category_labels(self) -> str:
        return "、".join(label for _code, label in self.categories)

    @property
    def units_label(self) -> str:
        return "、".join(self.units)


def _result(c: Complaint) -> PublicResult | None:
    if not public.result_published(c):
        return None
    return PublicResult(
        finding=c.finding,
        finding_label=str(Finding(c.finding).label) if c.finding in Finding.values else "",
        investigation=public.result_text(c.investigation),
        handling=public.result_text(c.handling),
        accountability=public.result_text(c.accountability),
        ordered_rectify=c.ordered_rectify,
        cases_filed=c.cases_filed,
        fine_yuan=c.fine_yuan,
        police_referrals=c.police_referrals,
        detentions=c.detentions,
        interviews=c.interviews,
        people_held_accountable=c.people_held_accountable,
        published_at=c.published_at,
    )


def represent(c: Complaint, *, photos: bool = True) -> PublicCase:
    """The public representation of ``c`` (load it with ``public.with_public_relations``)."""
    district = c.district.display_name if c.district_id else ""
    return PublicCase(
        code=c.code,
        number=c.receipt_no or c.code,
        text=public.text(c),
        address=mask_personal_data(public.address(c)),
        district=district,
        lat=c.lat,
        lon=c.lon,
        categories=[(code, str(Category(code).label)) for code in public.categories(c)],
        units=[u.display_name for u in public.handling_units(c)],
        status=c.status,
        status_label=c.get_status_display(),
        status_note=public.status_notes(c),
        is_open=c.is_open,
        channel_label=c.get_channel_display(),
        batch_label=str(c.batch) if c.batch_id else "",
        received_at=c.received_at,
        deadline=c.deadline,
        closed_at=c.closed_at,
        photos=[p.pk for p in public.photos(c)] if photos else [],
        result=_result(c),
    )


def format_tracking_code(code: str) -> str:
    """``ABCDEFGHJKLM`` → ``ABCD-EFGH-JKLM`` (easier to copy and to read out)."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


# --- helpers ---------------------------------------------------------------------------------


def _who(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def _too_many(request: HttpRequest, exc: ratelimit.RateLimitExceeded, *, what: str):
    minutes = max(1, math.ceil(exc.retry_after / 60))
    response = render(
        request,
        "complaints/public/too_many.html",
        {"minutes": minutes, "what": what},
        status=429,
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


def _private(response: HttpResponse, *, referrer: str = "same-origin") -> HttpResponse:
    """Pages about a report found by its secret code: not indexed, no referrer to other
    sites. (Not "no-referrer": a form posted from such a page would carry ``Origin: null``,
    which the CSRF check refuses.) An old link with the code in it: no referrer at all."""
    response["Referrer-Policy"] = referrer
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- report ----------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "complaints/public/report.html", _report_context(ReportForm()))
    form = ReportForm(request.POST, request.FILES)
    if form.is_bot:
        # A bot filled the hidden field (or was too fast): answer as if it worked, store nothing.
        fake = services.new_tracking_code()
        return _private(
            render(
                request,
                "complaints/public/report_done.html",
                {"code": format_tracking_code(fake), "raw_code": fake, "case_number": ""},
            )
        )
    try:
        ratelimit.hit("complaint_web", _who(request))
    except ratelimit.RateLimitExceeded as exc:
        return _too_many(request, exc, what="report")
    if form.is_valid():
        try:
            c = services.complaint_submit(
                report=form.report(), photos=form.cleaned_data.get("photos") or []
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
        else:
            _remember(request, c.tracking_code)
            return redirect("complaints_public:report_done")
    return render(request, "complaints/public/report.html", _report_context(form), status=400)


def _report_context(form) -> dict:
    from django.conf import settings

    return {
        "form": form,
        "category_options": forms_public.category_options(form),
        "max_photos": settings.SHANSHUI_COMPLAINT_MAX_PHOTOS,
        "max_photo_bytes": settings.SHANSHUI_COMPLAINT_PHOTO_MAX_BYTES,
        "max_photo_mb": forms_public.max_photo_mb(),
        "max_description": services.MAX_DESCRIPTION,
        "error_fields": [f for f in form if f.errors] if form.is_bound else [],
        "map_attrs": map_attrs(),
    }


def map_attrs() -> str:
    """The base map of the point picker (one place for every map: lib.maps)."""
    from django.forms.utils import flatatt

    from shanshui.lib import maps

    return flatatt(maps.map_data_attrs())


def _by_tracking_code(code: str) -> Complaint | None:
    code = services.normalize_tracking_code(code)
    if not code:
        return None
    return public.with_public_relations(Complaint.objects.filter(tracking_code=code)).first()


# The tracking code is a secret: it travels in the session (or a POST body), never in a URL,
# which browsers keep in their history and servers in their logs. Links from before, with the
# code in the path, still work: they put the code in the session once and redirect.
SESSION_CODE = "complaints_tracking_code"


def _remember(request: HttpRequest, code: str) -> None:
    request.session[SESSION_CODE] = code


def _remembered(request: HttpRequest) -> Complaint | None:
    return _by_tracking_code(request.session.get(SESSION_CODE, ""))


def _limited(request: HttpRequest):
    """The "track" rate limit's answer, or None within it."""
    try:
        ratelimit.hit("track", _who(request))
    except ratelimit.RateLimitExceeded as exc:
        return _too_many(request, exc, what="track")
    return None


@never_cache
@require_safe
def report_done(request: HttpRequest) -> HttpResponse:
    c = _remembered(request)
    if c is None:
        return redirect("complaints_public:track")
    return _private(
        render(
            request,
            "complaints/public/report_done.html",
            {
                "code": format_tracking_code(c.tracking_code),
                "raw_code": c.tracking_code,
                "case_number": c.code,
                "is_public": public.is_public(c),
            },
        )
    )


@never_cache
@require_safe
def report_done_link(request: HttpRequest, code: str) -> HttpResponse:
    """An old link with the code in its path: into the session, then the page without it."""
    if (limited := _limited(request)) is not None:
        return limited
    c = _by_tracking_code(code)
    if c is None:
        raise Http404
    _remember(request, c.tracking_code)
    return _private(redirect("complaints_public:report_done"), referrer="no-referrer")


# --- tracking --------------------------------------------------------------------------------


def _not_found() -> str:
    return _("No case has this tracking code. Check it letter by letter and try again.")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """The form (GET); the code is posted, kept in the session, and the status page follows.
    A code in the query string (an old bookmark) is taken the same way, once."""
    data = request.POST if request.method == "POST" else request.GET
    if "code" not in data:
        return _private(render(request, "complaints/public/track.html", {"form": TrackForm()}))
    if (limited := _limited(request)) is not None:
        return limited
    form = TrackForm(data)
    if form.is_valid():
        code = form.cleaned_data["code"]
        if Complaint.objects.filter(tracking_code=code).exists():
            _remember(request, code)
            return _private(redirect("complaints_public:track_detail"))
        form.add_error("code", _not_found())
        return _private(render(request, "complaints/public/track.html", {"form": form}, status=404))
    return _private(render(request, "complaints/public/track.html", {"form": form}, status=400))


@never_cache
@require_safe
def track_link(request: HttpRequest, code: str) -> HttpResponse:
    """An old link with the code in its path: into the session, then the page without it."""
    if (limited := _limited(request)) is not None:
        return limited
    c = _by_tracking_code(code)
    if c is None:
        form = TrackForm({"code": code})
        if form.is_valid():
            form.add_error("code", _not_found())
        return _private(render(request, "complaints/public/track.html", {"form": form}, status=404))
    _remember(request, c.tracking_code)
    return _private(redirect("complaints_public:track_detail"), referrer="no-referrer")


@never_cache
@require_safe
def track_detail(request: HttpRequest) -> HttpResponse:
    """The status of the report whose code this browser's session holds, its reply, and the
    reporter's follow-up: information to add while it is open, satisfaction once replied."""
    if (limited := _limited(request)) is not None:
        return limited
    c = _remembered(request)
    if c is None:
        return redirect("complaints_public:track")
    return _track_page(request, c)


def _track_page(request: HttpRequest, c: Complaint, *, bound=None, status: int = 200):
    shown = public.is_public(c)
    case = represent(c, photos=shown)
    bound = bound or {}
    return _private(
        render(
            request,
            "complaints/public/track_detail.html",
            {
                "case": case,
                "code": format_tracking_code(c.tracking_code),
                "timeline": public.timeline(c),
                "is_public": shown,
                "awaiting_review": public.awaiting_review().filter(pk=c.pk).exists(),
                # The reply is for the reporter: shown here only, never on public pages.
                "reply": c.reply,
                "replied_at": c.replied_at,
                "satisfaction": Satisfaction(c.satisfaction).label if c.satisfaction else "",
                "additions": public.additions(c),
                "add_form": (bound.get("add_info") or AddInfoForm())
                if rules.state_allows(c, "add_info")
                else None,
                "rate_form": (bound.get("rate") or RateForm())
                if rules.state_allows(c, "rate")
                else None,
            },
            status=status,
        )
    )


def _follow_up(request: HttpRequest, name: str, form_class, act, done: str) -> HttpResponse:
    """A reporter's write on the tracking page (posted, with the code in the session): the
    report form's rate limit, the service, back to the page with a message or the errors."""
    c = _remembered(request)
    if c is None:
        return redirect("complaints_public:track")
    try:
        ratelimit.hit("complaint_web", _who(request))
    except ratelimit.RateLimitExceeded as exc:
        return _too_many(request, exc, what="report")
    form = form_class(request.POST)
    status = 400
    if form.is_valid():
        try:
            act(c, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except (WorkflowError, PermissionDenied) as exc:
            form.add_error(None, getattr(exc, "message", None) or str(exc))
            status = getattr(exc, "status_code", 403)
        else:
            messages.success(request, done)
            return _private(redirect("complaints_public:track_detail"))
    return _track_page(request, c, bound={name: form}, status=status)


@never_cache
@require_http_methods(["POST"])
def track_add_info(request: HttpRequest) -> HttpResponse:
    return _follow_up(
        request,
        "add_info",
        AddInfoForm,
        lambda c, d: services.complaint_add_info(
            complaint=c, tracking_code=c.tracking_code, text=d["text"]
        ),
        _("Thank you. The handling units will read what you added."),
    )


@never_cache
@require_http_methods(["POST"])
def track_rate(request: HttpRequest) -> HttpResponse:
    return _follow_up(
        request,
        "rate",
        RateForm,
        lambda c, d: services.complaint_rate(
            complaint=c,
            tracking_code=c.tracking_code,
            satisfaction=d["satisfaction"],
            comment=d.get("comment", ""),
        ),
        _("Thank you for your answer."),
    )


@require_safe
def nearby(request: HttpRequest) -> JsonResponse:
    """ "是否已有人反映？": published cases of the chosen types near the chosen point, for the
    report form (static/js/report-nearby.js). Bad input gives an empty list, never an error.
    Each answer is a geographic search, so it is rate-limited per address like the other public
    endpoints ("nearby" in SHANSHUI_RATE_LIMITS): past the limit, 429 with Retry-After and an
    empty list, which the form shows as nothing nearby."""
    try:
        ratelimit.hit("nearby", _who(request))
    except ratelimit.RateLimitExceeded as exc:
        response = JsonResponse({"cases": []}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    form = forms_public.NearbyForm(request.GET)
    found = []
    if form.is_valid():
        lat, lon = form.point()
        found = public.nearby(lat, lon, form.cleaned_data["categories"])
    cases = [
        {
            "code": c.code,
            "text": _short(public.text(c), 60),
            "status": public.status_notes(c),
            "received": timezone.localtime(c.received_at).date().isoformat(),
            "distance_m": round(metres),
            "url": reverse("complaints_public:detail", args=[c.code]),
        }
        for c, metres in found
    ]
    response = JsonResponse({"cases": cases})
    response["Cache-Control"] = "public, max-age=60"
    return response


def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# --- public list and case --------------------------------------------------------------------


def _search(qs, q: str):
    """Search what the public sees. Personal data cannot be searched for: a query that looks
    like a phone or ID number, or has a run of four or more digits, matches case and acceptance
    numbers only, never the descriptions (which show such numbers masked). Text hidden by
    moderation is not searched, nor the enterprise (not shown publicly). The indexed
    ``search_text`` (trigram index on PostgreSQL; it holds every field below) narrows first, so
    the condition stays an AND with an indexable term; the public fields then decide."""
    q = q.strip()
    if not q:
        return qs
    indexed = Q(search_text__contains=q.lower())
    by_number = Q(code__contains=q) | Q(receipt_no__icontains=q)
    longest_digits = max((len(run) for run in _digit_runs(q)), default=0)
    if mask_personal_data(q) != q or longest_digits >= 4:
        return qs.filter(indexed & by_number)
    # The published text: the office's edit where there is one, else the original.
    in_text = Q(description_hidden=False) & (
        Q(address__icontains=q)
        | Q(public_description="", description__icontains=q)
        | Q(public_description__icontains=q)
    )
    return qs.filter(indexed & (by_number | in_text))


def _digit_runs(text: str) -> list[str]:
    runs, current = [], ""
    for ch in text:
        if ch.isdigit():
            current += ch
        else:
            if current:
                runs.append(current)
            current = ""
    if current:
        runs.append(current)
    return runs


@require_safe
def public_list(request: HttpRequest) -> HttpResponse:
    form = forms_public.PublicFilterForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {}) or {}
    qs = public.public_complaints()
    if data.get("district"):
        qs = qs.filter(district_id=data["district"])
    if data.get("category"):
        qs = qs.filter(
            Exists(
                ComplaintCategory.objects.filter(
                    complaint=OuterRef("pk"), category=data["category"]
                )
            )
        )
    if data.get("status") == forms_public.STATUS_OPEN:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif data.get("status") == forms_public.STATUS_CLOSED:
        qs = qs.filter(status__in=CLOSED_STATUSES)
    if data.get("month"):
        start, end = data["month"]
        qs = qs.filter(received_at__gte=start, received_at__lt=end)
    qs = _search(qs, data.get("q") or "")
    qs = qs.order_by("-received_at", "-pk")
    paginator = CappedPaginator(qs.values_list("pk", flat=True), PAGE_SIZE, cap=COUNT_CAP)
    page = paginator.get_page(request.GET.get("page"))
    # The page's ids first, then only those rows with what the public representation reads.
    ids = list(page.object_list)
    rows = {c.pk: c for c in public.with_public_relations(Complaint.objects.filter(pk__in=ids))}
    cases = [represent(rows[i]) for i in ids if i in rows]
    query = request.GET.copy()
    query.pop("page", None)
    filtered = any(data.get(k) for k in ("q", "district", "category", "status", "month"))
    return render(
        request,
        "complaints/public/list.html",
        {
            "form": form,
            "page": page,
            "cases": cases,
            "query": query.urlencode(),
            "filtered": filtered,
            "capped": paginator.capped,
            "cap": COUNT_CAP,
        },
    )


@require_safe
def public_detail(request: HttpRequest, code: str) -> HttpResponse:
    c = public.with_public_relations(public.public_complaints().filter(code=code)).first()
    if c is None:
        raise Http404
    return render(
        request,
        "complaints/public/detail.html",
        {"case": represent(c), "timeline": public.timeline(c)},
    )


@require_safe
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A case photo without its metadata (``Photo.public_file``; never the original upload)."""
    found = Photo.objects.select_related("complaint").filter(pk=pk, hidden=False).first()
    if (
        found is None
        or not public.is_public(found.complaint)
        or not found.public_file
        or found.content_type not in PHOTO_TYPES
    ):
        raise Http404
    etag = f'"{found.sha256}-{found.pk}"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        try:
            handle = found.public_file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        except mediastore.store_errors():
            return store_unavailable()
        response = FileResponse(handle, content_type=found.content_type)
        extension = PHOTO_TYPES[found.content_type]
        response["Content-Disposition"] = (
            f'inline; filename="{found.complaint.code}-{found.pk}.{extension}"'
        )
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"public, max-age={PHOTO_MAX_AGE}"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


# --- batch disclosure ------------------------------------------------------------------------


@require_safe
def batches(request: HttpRequest) -> HttpResponse:
    qs = (
        TransferBatch.objects.select_related("campaign")
        .annotate(
            total=Count("complaints"),
            published=Count("complaints", filter=Q(complaints__status=Status.PUBLISHED)),
        )
        .order_by("-date", "-number", "-pk")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/public/batches.html", {"page": page, "query": ""})


@dataclass(frozen=True)
class DisclosureRow:
    """One row of a district's disclosure table (办理情况公开表)."""

    number: str
    code: str
    text: str
    district: str
    categories: str
    investigation: str
    finding: str
    handling: str
    accountability: str


def _disclosure(batch: TransferBatch, district_id: int | None):
    published = public.public_complaints().filter(batch=batch, status=Status.PUBLISHED)
    districts = [
        (r["district"], r["district__short_name"] or r["district__name"] or "", r["n"])
        for r in published.values("district", "district__short_name", "district__name")
        .annotate(n=Count("pk"))
        .order_by("district__admin_code", "district__name")
    ]
    qs = published
    if district_id is not None:
        qs = qs.filter(district_id=district_id)
    qs = public.with_public_relations(qs).order_by(
        F("seq").asc(nulls_last=True), "receipt_no", "pk"
    )
    rows = []
    for c in qs:
        case = represent(c, photos=False)
        result = case.result
        rows.append(
            DisclosureRow(
                number=case.number,
                code=case.code,
                text=case.text,
                district=case.district,
                categories=case.category_labels,
                investigation=result.investigation if result else "",
                finding=result.finding_label if result else "",
                handling=result.handling if result else "",
                accountability=result.accountability if result else "",
            )
        )
    return districts, rows


def _batch_and_district(request: HttpRequest, pk: int):
    """The batch, its districts with published cases, the chosen district (404 for one that is
    not a district) and the table's rows."""
    batch = get_object_or_404(TransferBatch.objects.select_related("campaign"), pk=pk)
    raw = (request.GET.get("district") or "").strip()
    district_id, district_name = None, ""
    if raw:
        unit = (
            Unit.objects.filter(pk=int(raw), kind__in=TERRITORIAL_KINDS).first()
            if raw.isdigit() and len(raw) < 12
            else None
        )
        if unit is None:
            raise Http404
        district_id, district_name = unit.pk, unit.display_name
    districts, rows = _disclosure(batch, district_id)
    return batch, districts, district_id, district_name, rows


def _columns() -> list[str]:
    return [
        _("No."),  # 编号
        _("Problem reported"),  # 问题
        _("Area"),  # 区域
        _("Type"),  # 类型
        _("Investigation"),  # 调查核实情况
        _("Substantiated?"),  # 是否属实
        _("Handling and rectification"),  # 处理和整改情况
        _("Accountability"),  # 责任追究情况
    ]


@require_safe
def batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch, districts, district_id, district_name, rows = _batch_and_district(request, pk)
    xlsx_url = reverse("complaints_public:batch_xlsx", args=[batch.pk])
    if district_id is not None:
        xlsx_url += f"?district={district_id}"
    return render(
        request,
        "complaints/public/batch.html",
        {
            "batch": batch,
            "districts": districts,
            "district_id": district_id,
            "district_name": district_name,
            "rows": rows,
            "columns": _columns(),
            "xlsx_url": xlsx_url,
        },
    )


@require_safe
def batch_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    batch, _districts, district_id, district_name, rows = _batch_and_district(request, pk)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Disclosure")[:31]
    title = _("Handling of transferred cases: %(batch)s") % {"batch": batch}
    if district_name:
        title += f" — {district_name}"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(_columns())
    for cell in ws[2]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(
            [
                _xlsx_text(v)
                for v in (
                    row.number,
                    row.text,
                    row.district,
                    row.categories,
                    row.investigation,
                    row.finding,
                    row.handling,
                    row.accountability,
                )
            ]
        )
    for line in ws.iter_rows(min_row=3):
        for cell in line:
            cell.alignment = wrap
    for letter, width in zip("ABCDEFGH", (14, 50, 10, 10, 50, 10, 50, 30), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    name = f"batch-{batch.campaign_id}-{batch.number}"
    if district_id is not None:
        name += f"-{district_id}"
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    label = _("Transfer batch %(n)d") % {"n": batch.number}
    response["Content-Disposition"] = (
        f"attachment; filename=\"{name}.xlsx\"; filename*=UTF-8''{quote(label)}"
        f"{quote('-' + district_name) if district_name else ''}.xlsx"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _xlsx_text(value: str) -> str:
    """Text for a cell: a leading =, +, - or @ would make a spreadsheet run it as a formula."""
    value = value or ""
    if value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


# --- statistics ------------------------------------------------------------------------------


@require_safe
def stats_page(request: HttpRequest) -> HttpResponse:
    form = forms_public.StatsFilterForm(request.GET or None, years=stats.years())
    form.is_valid()
    data = getattr(form, "cleaned_data", {}) or {}
    district = data.get("district")
    filters = stats.Filters(year=data.get("year"), district_id=district)
    numbers = stats.get(filters)
    names = form.district_units

    def category_label(code: str) -> str:
        return str(Category(code).label) if code in Category.values else code

    def finding_label(code: str) -> str:
        return str(Finding(code).label) if code in Finding.values else _("Not recorded")

    def channel_label(code: str) -> str:
        return str(Channel(code).label) if code in Channel.values else code

    tables = {
        "category": [(category_label(c), n) for c, n in numbers.by_category],
        "district": [
            (name or (names[pk].display_name if pk in names else _("Not given")), n)
            for pk, name, n in numbers.by_district
        ],
        "finding": [(finding_label(c), n) for c, n in numbers.by_finding],
        "month": list(numbers.by_month),
        "channel": [(channel_label(c), n) for c, n in numbers.by_channel],
    }
    charts = {
        key: {"labels": [label for label, _n in rows], "values": [n for _label, n in rows]}
        for key, rows in tables.items()
    }
    charts["names"] = {"cases": _("Cases")}
    return render(
        request,
        "complaints/public/stats.html",
        {
            "form": form,
            "stats": numbers,
            "tables": tables,
            "charts": charts,
            "district_name": names[district].display_name if district in names else "",
            "year": data.get("year"),
            "now": timezone.now(),
        },
    )
