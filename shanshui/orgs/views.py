from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from shanshui.lib import health, metrics
from shanshui.lib.request import client_ip
from shanshui.orgs import services
from shanshui.orgs.forms import AddMemberForm, ApiTokenForm
from shanshui.orgs.models import ApiToken, Membership, Role, Unit, UnitKind
from shanshui.orgs.scope import scope_for
from shanshui.orgs.selectors import unit_directory


def home(request: HttpRequest) -> HttpResponse:
    """A user's home page; for a visitor not logged in, the public front door.

    The front door belongs to an app built on orgs (SHANSHUI_FRONT_DOOR names its view), so
    orgs does not import it; without one, a visitor is sent to the login form."""
    if not request.user.is_authenticated:
        front_door = getattr(settings, "SHANSHUI_FRONT_DOOR", "")
        if front_door:
            return import_string(front_door)(request)
        return redirect_to_login(request.get_full_path())
    scope = scope_for(request.user)
    return render(
        request,
        "orgs/home.html",
        {
            "my_units": scope.describe(),
            **_directory_glance(timezone.localdate()),
            "panels": _home_panels(request),
        },
    )


HOME_DIRECTORY_SECONDS = 60


def _directory_glance(today: dt.date) -> dict:
    """The home page's counts and overview of the directory: the same for everyone, so read
    once a minute (seven queries and every unit) rather than on every home page."""
    key = f"orgs:home-directory:v1:{today.isoformat()}"
    found = cache.get(key)
    if found is None:
        units = Unit.objects.all()
        found = {
            "counts": {
                "districts": units.current().territorial().count(),
                "departments": units.current().filter(kind=UnitKind.DEPARTMENT).count(),
                "historic": units.filter(valid_to__lte=today).count(),
            },
            "overview": _overview(today),
        }
        cache.set(key, found, HOME_DIRECTORY_SECONDS)
    return found


def _home_panels(request: HttpRequest) -> list[str]:
    """Panels that other apps contribute to the home page (SHANSHUI_HOME_PANELS), rendered.

    orgs does not import the apps built on it; each names a function taking the request and
    returning rendered HTML (or "" for nothing to show).
    """
    out = []
    for path in getattr(settings, "SHANSHUI_HOME_PANELS", []):
        html = import_string(path)(request)
        if html:
            out.append(html)
    return out


def _directory_context(request: HttpRequest) -> dict:
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if kind not in UnitKind.values:
        kind = ""
    history = request.GET.get("history", "1") != "0"
    units = unit_directory(query=query, kind=kind, include_history=history)
    searching = bool(query or kind)
    today = timezone.localdate()
    tree = []
    if searching:
        page = Paginator(units, 50).get_page(request.GET.get("page"))
        rows = list(page.object_list)
    else:
        page = None
        rows = list(units)
        tree = _build_tree(rows)
    return {
        "tree": tree,
        "query": query,
        "kind": kind,
        "history": history,
        "kinds": UnitKind.choices,
        "searching": searching,
        "rows": rows,
        "page": page,
        "today": today,
    }


def _build_tree(units: list[Unit]) -> list[dict]:
    """Nest units (ordered by path) into {"unit", "children"} nodes for the tree view."""
    nodes: dict[int, dict] = {}
    roots: list[dict] = []
    for unit in units:
        node = {"unit": unit, "children": []}
        nodes[unit.pk] = node
        parent = nodes.get(unit.parent_id)
        (parent["children"] if parent else roots).append(node)
    for node in nodes.values():
        node["children"].sort(key=lambda n: (n["unit"].sort_order, n["unit"].path))
    return roots


def _overview(today: dt.date) -> dict:
    """The directory at a glance for the home page: territorial units, departments, history."""
    units = Unit.objects.select_related("successor").order_by("sort_order", "path")
    current = units.valid_on(today)
    return {
        "territorial": list(current.territorial()),
        "departments": list(current.filter(kind=UnitKind.DEPARTMENT, depth=1)),
        "coordination": list(
            current.filter(
                kind__in=[UnitKind.PARTY_COMMITTEE, UnitKind.GOVERNMENT, UnitKind.OFFICE]
            )
        ),
        "historic": list(units.filter(valid_to__lte=today)),
    }


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    context = {"directory": _directory_context(request)}
    if request.headers.get("HX-Request"):
        return render(request, "orgs/_directory_results.html", context)
    return render(request, "orgs/directory.html", context)


@login_required
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.select_related("parent", "successor"), pk=unit_id)
    scope = scope_for(request.user)
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "ancestors": unit.ancestors(),
            "children": unit.children.order_by("sort_order", "path"),
            "predecessors": unit.predecessors.order_by("path"),
            "aliases": unit.aliases.filter(is_derived=False).order_by("alias"),
            "in_scope": scope.can_see_unit(unit),
            "my_roles": [Role(r) for r in sorted(scope.roles_on(unit))]
            if not scope.sees_all
            else [],
            "current_successor": unit.current_successor() if unit.successor_id else None,
        },
    )


@login_required
def unit_people(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=unit_id)
    scope = scope_for(request.user)
    scope.require_role(unit)  # 404 outside the user's scope
    can_manage = scope.sees_all or scope.has_role(unit, Role.UNIT_ADMIN)
    allowed = Role.values if scope.sees_all else sorted(services.ROLES_UNIT_ADMIN_MAY_GRANT)
    form = AddMemberForm(allowed_roles=allowed)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = AddMemberForm(request.POST, allowed_roles=allowed)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["user"] is None:
                    services.user_create_in_unit(
                        actor=request.user,
                        unit=unit,
                        username=data["username"],
                        full_name=data["full_name"],
                        email=data.get("email", ""),
                        password=data["password"],
                        role=data["role"],
                        post=data.get("post", ""),
                    )
                else:
                    services.membership_grant(
                        actor=request.user,
                        user=data["user"],
                        unit=unit,
                        role=data["role"],
                        post=data.get("post", ""),
                    )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request, _("%(user)s now has the role.") % {"user": data["username"]}
                )
                return redirect("unit_people", unit_id=unit.pk)
    members = (
        Membership.objects.filter(unit__in=Unit.objects.descendants_of(unit))
        .select_related("user", "unit")
        .order_by("unit__path", "role", "user__username")
    )
    return render(
        request,
        "orgs/unit_people.html",
        {
            "unit": unit,
            "members": members,
            "can_manage": can_manage,
            "form": form,
            "grantable": set(allowed),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def membership_revoke(request: HttpRequest, membership_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    membership = scope.get_in_scope_or_404(
        Membership.objects.select_related("unit", "user"), "unit", pk=membership_id
    )
    services.membership_revoke(actor=request.user, membership=membership)
    messages.success(request, _("The role was removed."))
    return redirect("unit_people", unit_id=membership.unit_id)


@login_required
@never_cache
def account(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm()
    new_token = None
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            expires = form.cleaned_data.get("expires_at")
            expires_at = (
                timezone.make_aware(dt.datetime.combine(expires, dt.time.max)) if expires else None
            )
            if expires_at is not None and expires_at <= timezone.now():
                form.add_error("expires_at", _("The expiry date must be in the future."))
            else:
                _token, new_token = services.api_token_create(
                    user=request.user, name=form.cleaned_data["name"], expires_at=expires_at
                )
                form = ApiTokenForm()
    return render(
        request,
        "orgs/account.html",
        {
            "form": form,
            "new_token": new_token,
            "tokens": ApiToken.objects.filter(user=request.user),
            "my_units": scope_for(request.user).describe(),
        },
        status=400 if request.method == "POST" and new_token is None else 200,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token was revoked; clients using it are refused from now on."))
    return redirect("account")


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, cache, storage and worker, for load balancers and monitoring
    (shanshui.lib.health): 200 when healthy, 503 when not. Everyone gets the verdict,
    ``{"status": "ok"}`` or ``{"status": "fail"}``; only the clients /metrics lets in
    (SHANSHUI_METRICS_ALLOW, the metrics token) also get each part and its detail."""
    healthy, report = health.run_checks()
    if not metrics.allowed(request):
        report = {"status": report["status"]}
    return JsonResponse(report, status=200 if healthy else 503)


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)
        services.audit(
            actor=self.request.user,
            action="password.change",
            obj=self.request.user,
            summary=self.request.user.get_username(),
            ip=client_ip(self.request),
        )
        return response
