"""The office imports a rectification plan from Excel: upload → check (columns detected, the
user may correct them) → import. Every step is an ImportJob; large sheets run in the
background and the page shows their progress."""

from __future__ import annotations

import json

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shanshui.ledger.models import Campaign
from shanshui.orgs.scope import scope_for
from shanshui.orgs.selectors import collective_choices
from shanshui.reports import ledger_import, services
from shanshui.reports.models import ImportJob, JobStatus

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS = 300


class UploadForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=gettext_lazy("Campaign"), queryset=Campaign.objects.all(), empty_label=None
    )
    file = forms.FileField(
        label=gettext_lazy("Rectification plan or ledger (Excel .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX_MIME}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "At most %(mb)d MB. Columns are found by their headers; you can correct them after "
            "the check."
        ) % {"mb": ledger_import.MAX_BYTES // 2**20}


def _office(request: HttpRequest) -> None:
    if not scope_for(request.user).sees_all:
        raise PermissionDenied(_("Only the rectification office may import a ledger."))


def _job(request: HttpRequest, pk: int) -> ImportJob:
    _office(request)
    return get_object_or_404(ImportJob.objects.select_related("campaign", "created_by"), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    _office(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.GET.get("campaign") and not request.POST:
        form = UploadForm(initial={"campaign": request.GET.get("campaign")})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                job = services.import_job_create(
                    actor=request.user,
                    campaign=form.cleaned_data["campaign"],
                    upload=form.cleaned_data["file"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                return redirect("reports:import_job", pk=job.pk)
    jobs = [
        services.import_job_sync(j)
        for j in ImportJob.objects.select_related("campaign", "created_by")[:20]
    ]
    return render(
        request,
        "reports/import.html",
        {"form": form, "jobs": jobs, "fields": _field_choices()},
        status=status,
    )


def _classes(result: dict) -> list[dict]:
    """The classes of units the sheet names ("各区县政府", "各有关区县"), each indefinite one
    with the units it can be chosen from."""
    out = []
    for item in result.get("collectives") or []:
        item = dict(item)
        if not item["definite"]:
            item["choices"] = [(u.pk, u.display_name) for u in collective_choices(item["group"])]
        out.append(item)
    return out


def _posted_units(post) -> dict | None:
    """The units chosen per class on the page ("class_N" names the class, "class_units_N" its
    units); None when the form had no such fields (the choice made before is kept)."""
    names = {
        k[len("class_") :]: v
        for k, v in post.items()
        if k.startswith("class_") and not k.startswith("class_units_")
    }
    if not names:
        return None
    return {name: post.getlist(f"class_units_{i}") for i, name in names.items()}


def _field_choices() -> list[tuple[str, str]]:
    return [("", _("(ignore)"))] + [(f, names[0]) for f, names in ledger_import.SYNONYMS.items()]


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = services.import_job_sync(_job(request, pk))
    result = job.result or {}
    context = {
        "job": job,
        "result": result,
        "fields": _field_choices(),
        "created": (result.get("created") or [])[:PREVIEW_ROWS],
        "changed": (result.get("changed") or [])[:PREVIEW_ROWS],
        "preview_cut": len(result.get("created") or []) > PREVIEW_ROWS
        or len(result.get("changed") or []) > PREVIEW_ROWS,
        "running": job.status in (JobStatus.PENDING, JobStatus.RUNNING),
        "mapping_json": json.dumps(job.mapping),
        "PREVIEW_ROWS": PREVIEW_ROWS,
        "classes": _classes(result),
    }
    context["choose_classes"] = any(not c["definite"] for c in context["classes"])
    done, total = services.import_job_progress(job)
    context["done"], context["total"] = done, total
    return render(request, "reports/import_job.html", context)


@login_required
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx while the job runs; a finished (or failed) job reloads
    the page."""
    job = services.import_job_sync(_job(request, pk))
    if job.status not in (JobStatus.PENDING, JobStatus.RUNNING):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    done, total = services.import_job_progress(job)
    return render(
        request,
        "reports/_import_progress.html",
        {"job": job, "done": done, "total": total},
    )


@login_required
@require_POST
def import_again(request: HttpRequest, pk: int) -> HttpResponse:
    """Check again with the mapping chosen on the page, or import (``do=import``)."""
    job = _job(request, pk)
    dry_run = request.POST.get("do") != "import"
    mapping = None
    if "mapping" in request.POST:
        try:
            mapping = json.loads(request.POST["mapping"] or "{}")
        except ValueError as exc:
            raise Http404 from exc
    else:
        keys = [k for k in request.POST if k.startswith("col_")]
        if keys:
            mapping = {k[4:]: request.POST[k] for k in keys}
    try:
        new = services.import_job_again(
            actor=request.user,
            job=job,
            dry_run=dry_run,
            mapping=mapping,
            units=_posted_units(request.POST),
        )
    except ValidationError as exc:
        context = {
            "job": job,
            "result": job.result or {},
            "fields": _field_choices(),
            "created": (job.result.get("created") or [])[:PREVIEW_ROWS],
            "changed": (job.result.get("changed") or [])[:PREVIEW_ROWS],
            "refused": exc.messages,
            "mapping_json": json.dumps(job.mapping),
            "classes": _classes(job.result or {}),
        }
        context["choose_classes"] = any(not c["definite"] for c in context["classes"])
        return render(request, "reports/import_job.html", context, status=400)
    return redirect(reverse("reports:import_job", args=[new.pk]))


urlpatterns = [
    path("import/", import_start, name="import"),
    path("import/<int:pk>/", import_job, name="import_job"),
    path("import/<int:pk>/progress/", import_progress, name="import_progress"),
    path("import/<int:pk>/again/", import_again, name="import_again"),
]
