"""Pages of the reports app: bulletins (通报) — the list, the preview and issue form, and the
issued files. The office only: other users get 403 on the pages and 404 on a bulletin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from shanshui.lib.downloads import private_file
from shanshui.orgs.scope import scope_for
from shanshui.reports import bulletin as document
from shanshui.reports import services
from shanshui.reports.forms_bulletin import BulletinForm
from shanshui.reports.models import Bulletin, BulletinRequest, BulletinTemplate, JobStatus

PAGE_SIZE = 20
FILES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _require_office(request: HttpRequest) -> None:
    scope_for(request.user).require_office(_("Only the rectification office issues bulletins."))


def _office_bulletin(request: HttpRequest, pk: int) -> Bulletin:
    """A bulletin exists only for the office: everyone else gets 404."""
    if not scope_for(request.user).sees_all:
        raise Http404
    return get_object_or_404(
        Bulletin.objects.select_related("campaign", "template", "created_by"), pk=pk
    )


@login_required
@require_safe
def bulletin_list(request: HttpRequest) -> HttpResponse:
    _require_office(request)
    bulletins = Bulletin.objects.select_related("campaign", "template", "created_by")
    page = Paginator(bulletins, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/bulletins.html",
        {"page": page, "form": BulletinForm(user=request.user)},
    )


def _next_number(template: BulletinTemplate | None) -> str:
    """The number the next bulletin would get now (the service allocates it for real)."""
    year = timezone.localdate().year
    last = Bulletin.objects.filter(year=year).aggregate(m=Max("serial"))["m"] or 0
    prefix = template.number_prefix if template else BulletinTemplate().number_prefix
    return f"{prefix}〔{year}〕{last + 1}号"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def bulletin_new(request: HttpRequest) -> HttpResponse:
    """GET: the figures the bulletin would print (a preview). POST: issue it."""
    _require_office(request)
    if request.method == "POST":
        form = BulletinForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                order = services.bulletin_request(
                    actor=request.user,
                    campaign=form.cleaned_data["campaign"],
                    period=form.period(),
                    template=form.cleaned_data["template"],
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                if order.status == JobStatus.FAILED:  # refused at once (the immediate backend)
                    form.add_error(None, order.errors)
                else:
                    return _after_request(request, order)
    else:
        form = BulletinForm(request.GET or None, user=request.user)
    context: dict = {"form": form}
    if form.is_bound and form.is_valid():
        template = (
            form.cleaned_data["template"]
            or BulletinTemplate.objects.order_by("-is_default", "name").first()
        )
        context.update(
            data=document.collect(
                request.user, campaign=form.cleaned_data["campaign"], period=form.period()
            ),
            template=template,
            next_number=_next_number(template),
        )
    return render(request, "reports/bulletin_preview.html", context)


def _after_request(request: HttpRequest, order: BulletinRequest) -> HttpResponse:
    """An issued bulletin's page, with the news; otherwise the request's waiting page."""
    if order.status == JobStatus.DONE and order.bulletin_id:
        messages.success(
            request, _("Bulletin %(number)s issued.") % {"number": order.bulletin.number}
        )
        return redirect("reports:bulletin_detail", pk=order.bulletin_id)
    return redirect("reports:bulletin_request", pk=order.pk)


@login_required
@require_safe
def bulletin_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Waiting for a bulletin being issued in the background: the page polls itself (htmx)
    and moves on to the bulletin once issued; a failed request shows why."""
    if not scope_for(request.user).sees_all:
        raise Http404
    order = services.bulletin_request_sync(
        get_object_or_404(
            BulletinRequest.objects.select_related("campaign", "bulletin__template"), pk=pk
        )
    )
    polled = request.headers.get("HX-Request") == "true"
    if order.status == JobStatus.DONE and order.bulletin_id:
        if polled:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("reports:bulletin_detail", args=[order.bulletin_id])
            return response
        return _after_request(request, order)
    if polled and order.status == JobStatus.FAILED:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(
        request,
        "reports/_bulletin_request.html" if polled else "reports/bulletin_request.html",
        {
            "order": order,
            "running": order.status in (JobStatus.PENDING, JobStatus.RUNNING),
            "again": urlencode(
                {
                    "campaign": order.campaign_id,
                    "period_start": order.period_start.isoformat(),
                    "period_end": order.period_end.isoformat(),
                    **({"template": order.template_id} if order.template_id else {}),
                }
            ),
        },
    )


@login_required
@require_safe
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _office_bulletin(request, pk)
    return render(
        request,
        "reports/bulletin_detail.html",
        {"bulletin": bulletin, "data": document.BulletinData.from_json(bulletin.figures)},
    )


@login_required
@require_safe
def bulletin_download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in FILES:
        raise Http404
    bulletin = _office_bulletin(request, pk)
    stored = getattr(bulletin, kind)
    if not stored.name:
        raise Http404
    return private_file(stored, filename=f"{bulletin.number}.{kind}", content_type=FILES[kind])


urlpatterns: list = [
    path("bulletins/", bulletin_list, name="bulletins"),
    path("bulletins/new/", bulletin_new, name="bulletin_new"),
    path("bulletins/requests/<int:pk>/", bulletin_request, name="bulletin_request"),
    path("bulletins/<int:pk>/", bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>/<str:kind>/", bulletin_download, name="bulletin_download"),
]
