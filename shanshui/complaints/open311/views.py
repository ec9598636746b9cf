"""The endpoints: each reads its parameters (params), loads what the public may see, and
answers with a document (render). Only POST requests writes, through services.complaint_submit."""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import render as render_page
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from shanshui.complaints import public, services
from shanshui.complaints.models import Category, ComplaintEvent, ComplaintUnit, UnitRole
from shanshui.complaints.open311 import catalogue, params, render
from shanshui.complaints.open311.params import Open311Error
from shanshui.lib.request import client_ip

# One logger for the whole endpoint, named after the package.
logger = logging.getLogger(__package__)


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
            if fmt not in render.FORMATS:
                response = render.error_document(
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
                        params.check_jurisdiction(params.request_params(request))
                    response = view(request, fmt, **kwargs)
                except Open311Error as exc:
                    response = render.error_document(fmt, exc)
                except params.UNREADABLE as exc:
                    logger.info("open311: unreadable request body: %s", exc)
                    response = render.error_document(fmt, params.body_error(exc))
            if request.method in ("GET", "HEAD"):
                response["Access-Control-Allow-Origin"] = "*"  # public data
            return response

        return csrf_exempt(wrapper)

    return decorate


@require_safe
def index(request):
    """The endpoint explained to people (the spec recommends an HTML page at the root)."""
    return render_page(
        request,
        "complaints/open311_index.html",
        {
            "base": _base_url(request),
            "services": [(c.value, c.label) for c in Category],
            "contact": settings.SHANSHUI_OPEN311_CONTACT,
            "jurisdiction": settings.SHANSHUI_OPEN311_JURISDICTION,
            "max_results": params.MAX_RESULTS,
        },
    )


def _base_url(request) -> str:
    return request.build_absolute_uri(reverse("open311:index")).rstrip("/")


@_endpoint("GET", jurisdiction=False)
def discovery(request, fmt: str):
    data = render.discovery_out(_base_url(request), catalogue.changeset())
    return render.document(fmt, "discovery", data)


@_endpoint("GET")
def service_list(request, fmt: str):
    rows = [render.service_out(category) for category in Category]
    return render.document(fmt, "services", rows, item="service")


@_endpoint("GET")
def service_definition(request, fmt: str, code: str):
    if code not in Category.values:
        raise Open311Error(404, _("Unknown service_code “%(code)s”.") % {"code": code[:50]})
    data = render.definition_out(code, catalogue.attributes(code))
    return render.document(fmt, "service_definition", data)


@_endpoint("GET", "POST")
def requests_view(request, fmt: str):
    if request.method == "POST":
        return _create(request, fmt)
    return _search(request, fmt)


def _search(request, fmt: str):
    search = params.search(request.GET)
    rows = render.requests_page(
        request, search.qs, search.offset, search.size, extensions=search.extensions
    )
    return render.document(fmt, "service_requests", rows, item="request", clean=search.extensions)


def _create(request, fmt: str):
    params.check_body(request)
    params.limit("open311_post_ip", client_ip(request) or "-")
    client = params.api_client(request)
    query = params.request_params(request)
    parsed = params.parse_report(query, request.FILES)
    if parsed.errors:
        raise Open311Error(400, *parsed.errors)
    try:
        c = services.complaint_submit(report=parsed.report, photos=parsed.photos, actor=None)
    except ValidationError as exc:
        raise Open311Error(400, *exc.messages) from exc
    logger.info("open311: client %s posted %s", client.pk, c.code)
    rows = [render.created_out(c, parsed.account_id)]
    return render.document(fmt, "service_requests", rows, item="request")


@_endpoint("GET")
def request_detail(request, fmt: str, request_id: str):
    errors: list[str] = []
    extensions = params.flag(request.GET, "extensions", errors)
    if errors:
        raise Open311Error(400, *errors)
    qs = public.with_public_relations(public.public_complaints().filter(code=request_id))
    if extensions:
        qs = qs.prefetch_related(render.public_events_prefetch())
    c = qs.first()
    if c is not None:
        rows = [render.request_out(request, c, extensions=extensions)]
    else:
        # Posted but not yet checked by the office (先审后发): its id and status, nothing said.
        waiting = public.awaiting_review().filter(code=request_id).first()
        if waiting is None:
            raise Open311Error(404, _("No service request “%(id)s”.") % {"id": request_id[:50]})
        rows = [render.withheld_out(waiting)]
    return render.document(fmt, "service_requests", rows, item="request")


@_endpoint("GET")
def token_detail(request, fmt: str, token: str):
    params.limit("track", client_ip(request) or "-")
    code = services.normalize_tracking_code(token)
    citizens = public.public_complaints() | public.awaiting_review()
    c = citizens.filter(tracking_code=code).only("code").first() if code else None
    if c is None:
        raise Open311Error(404, _("Unknown token."))
    rows = [{"service_request_id": c.code, "token": code}]
    return render.document(fmt, "service_requests", rows, item="request")


@_endpoint("GET")
def request_updates(request, fmt: str):
    query = request.GET
    errors: list[str] = []
    start, end = params.window(query, "start_date", "end_date", errors, default=True)
    offset, size = params.paging(query, errors)
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
    rows = [render.update_out(e) for e in events]
    return render.document(fmt, "service_request_updates", rows, item="request_update")


@csrf_exempt
def not_found(request, path: str = ""):
    """Anything else under /open311/v2/: a 404 error document (XML, which every client reads)."""
    fmt = "json" if path.endswith(".json") else "xml"
    response = render.error_document(fmt, Open311Error(404, _("No such Open311 resource.")))
    if request.method in ("GET", "HEAD"):
        response["Access-Control-Allow-Origin"] = "*"
    return response
