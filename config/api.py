"""The JSON API at /api/v1/: one NinjaAPI, routers from each app, errors as {code, message}."""

from __future__ import annotations

import json
from typing import Union, get_args

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Router, Schema, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ConfigDict

from shanshui.carbon.api import router as carbon_router
from shanshui.complaints.api import public_router as complaints_public_router
from shanshui.complaints.api import router as complaints_router
from shanshui.directives.api import router as directives_router
from shanshui.ledger.api import public_router as ledger_public_router
from shanshui.ledger.api import router as ledger_router
from shanshui.lib.workflow import WorkflowError
from shanshui.monitoring.api import router as monitoring_router
from shanshui.monitoring.api_data import data_router as monitoring_data_router
from shanshui.orgs.api import router as orgs_router
from shanshui.orgs.auth import api_auth
from shanshui.reports.api import router as reports_router


class VendoredSwagger(Swagger):
    """Swagger UI from static/vendor/swagger-ui, not a CDN: the docs work on an offline network.
    (django-ninja takes the CDN unless "ninja" is an installed app.) No validator badge: it
    would be fetched from validator.swagger.io."""

    template = "api_docs.html"

    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings),
            "api": api,
            "add_csrf": any(getattr(a, "csrf", False) for a in api.auth or ()),
        }
        return render(request, self.template, context)


api = NinjaAPI(
    title="Shanshui API",
    version="1",
    description=gettext_lazy(
        "Rectification ledger, public supervision (cases), units and data scope of Shanshui. "
        "Authenticate with the browser session or with a personal access token: "
        "`Authorization: Bearer ssk_…`."
    ),
    auth=api_auth,
    urls_namespace="api",
    docs_url="/docs",
    docs=VendoredSwagger(settings={"validatorUrl": None}),
)


def error(request, status: int, code: str, message: str, **extra):
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    response = error(request, 401, "unauthorized", _("Log in or send a valid API token."))
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return error(request, 403, "forbidden", str(exc) or _("Your role does not allow this."))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error(request, 404, "not_found", _("Not found, or outside your data scope."))


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc):
    return error(
        request, 422, "validation_error", _("Some parameters are invalid."), errors=exc.errors
    )


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request, exc):
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return error(request, 400, "invalid", _("The request could not be carried out."), fields=fields)


@api.exception_handler(WorkflowError)
def on_ledger_error(request, exc):
    return error(request, exc.status_code, exc.code, exc.message)


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    return error(request, exc.status_code, getattr(exc, "code", "error"), str(exc))


api.add_router("/", orgs_router)
api.add_router("/", ledger_router)
api.add_router("/", complaints_router)
api.add_router("/", reports_router)
api.add_router("/", monitoring_router)
api.add_router("/", monitoring_data_router)
api.add_router("/", directives_router)
api.add_router("/", carbon_router)
api.add_router("/public", ledger_public_router)
api.add_router("/public", complaints_public_router)


class ErrorOut(Schema):
    """Every error answer: a code for programs, a message for people, sometimes details
    (``errors`` for invalid parameters, ``fields`` for refused values)."""

    model_config = ConfigDict(extra="allow")

    code: str
    message: str


def declare_error_answers(api: NinjaAPI) -> None:
    """Declare on every operation the error answers the handlers above can give it, so the
    OpenAPI schema lists every status code an operation returns (checked by schemathesis in
    shanshui/tests/test_api_schema.py). Done once here rather than in each ``response={...}``:
    the handlers are shared, so the declaration is too. An operation may declare its own
    model for one of these codes; that one is kept.

    401 — no or an invalid session/token; 403 — role or CSRF; 422 — parameters that do not
    parse; 400 — text with control characters (lib/request middleware) or refused values;
    404 — an object (in the path or a filter) not found or outside the data scope; 409 — a
    write the workflow refuses (state, stale version); 429 — a public write over its limit.
    """

    NOT_DECLARED = object()

    def operations(router: Router):
        for view in router.path_operations.values():
            yield from view.operations
        for mount in router._routers:
            yield from operations(mount[1])

    for _prefix, router in api._routers:
        for operation in operations(router):
            codes = set()
            if operation.auth_param is not None:
                codes |= {401, 403}
            if operation.models:  # path, query or body parameters (400: control characters)
                codes |= {400, 404, 422}
            if set(operation.methods) - {"GET", "HEAD"}:
                codes |= {400, 404, 409}
                if operation.auth_param is None:  # public writes are rate-limited
                    codes.add(429)
            for code in sorted(codes):
                declared = operation.response_models.get(code, NOT_DECLARED)
                if declared is NOT_DECLARED:
                    operation.response_models[code] = operation._create_response_model(ErrorOut)
                elif declared is not None:
                    # The operation's own model for this code (an import's row errors under 400,
                    # say), or the shared handlers' error document (control characters, scope).
                    own = declared.model_fields["response"].annotation
                    if own is not ErrorOut and ErrorOut not in get_args(own):
                        operation.response_models[code] = operation._create_response_model(
                            Union[own, ErrorOut]  # noqa: UP007 (a runtime union of classes)
                        )


declare_error_answers(api)
