"""Every request gets an id, a log line and its metrics; a database outage answers 503. 可观测性

``RequestMiddleware`` sits first in ``MIDDLEWARE``:

- it takes the proxy's ``X-Request-ID`` when it is a sane token (nginx sets it from
  ``$request_id``), or makes one, and echoes it in the response;
- it writes one ``shanshui.request`` line per request (status, duration, view) and counts the
  request in the Prometheus metrics;
- it turns a database that cannot be reached (PostgreSQL restarting, the pool exhausted past its
  timeout) into a 503 "try again shortly" page — JSON under /api/ and /open311/ — with
  ``Retry-After``, instead of the generic 500 page: the outage is the operator's to fix, not a
  bug, and clients and proxies know to retry a 503.

``server_error`` (``handler500``) does the same for a database error raised where the middleware
cannot see it (in another middleware, e.g. saving the session).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from django import db
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext
from django.views.defaults import server_error as django_server_error

from shanshui.lib import metrics
from shanshui.lib.jsonlog import current_request

log = logging.getLogger("shanshui.request")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
RETRY_AFTER_SECONDS = 15


def _view_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"
    return match.view_name or match.route or "<unnamed>"


def is_database_outage(exc: BaseException | None) -> bool:
    """A database that cannot be reached, as opposed to a query that is wrong."""
    return isinstance(exc, db.OperationalError | db.InterfaceError)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    metrics.DATABASE_UNAVAILABLE.inc()
    if request.path.startswith(("/api/", "/open311/")):
        response = HttpResponse(
            json.dumps(
                {
                    "code": "unavailable",
                    "detail": gettext("The service is briefly unavailable; please retry shortly."),
                }
            ),
            status=503,
            content_type="application/json",
        )
    else:
        # A static page, like 500.html: rendering it must not need the database.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class RequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = current_request.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration = time.perf_counter() - started
            response["X-Request-ID"] = request.request_id
            view = _view_label(request)
            metrics.observe_request(view, request.method, response.status_code, duration)
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 1),
                    "view": view,
                },
            )
            return response
        finally:
            current_request.reset(token)

    def process_exception(self, request: HttpRequest, exc: Exception):
        if is_database_outage(exc):
            log.error("database unavailable: %s", exc.__class__.__name__, exc_info=exc)
            return database_unavailable(request)
        return None


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: a database outage raised outside a view is still a 503."""
    exc = sys.exc_info()[1]
    if is_database_outage(exc):
        return database_unavailable(request)
    return django_server_error(request, template_name=template_name)
