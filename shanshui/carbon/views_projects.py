"""The two-high project pages: the register (filters, Excel export), a project's page (its
figures, screening, timeline and the office's action cards), the new-project form. Reads through
projects.visible_projects (404 outside the user's districts), writes through the services."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanshui.carbon import projects, screening, selectors
from shanshui.carbon.forms_projects import CommentForm, OpinionForm, ProjectForm, RaiseTaskForm
from shanshui.carbon.models import Industry, ProjectStatus, TwoHighProject
from shanshui.lib.actions import (
    ObjectPage,
    acting,
    action_or_404,
    form_page,
    run_action,
    save_form,
)
from shanshui.lib.xlsxstream import XlsxWriter
from shanshui.orgs.scope import scope_for

PAGE_SIZE = 50

FLAG_LABELS = {
    screening.PROVINCIAL_REVIEW: gettext_lazy("Provincial energy review"),
    screening.NATIONAL_ATTENTION: gettext_lazy("National attention"),
    screening.BELOW_BASELINE: gettext_lazy("Efficiency below the baseline"),
}
EFFICIENCY_LABELS = {
    screening.BENCHMARK: gettext_lazy("At the benchmark level"),
    screening.BASELINE: gettext_lazy("Between benchmark and baseline"),
    screening.BELOW: gettext_lazy("Below the baseline level"),
    screening.UNKNOWN: gettext_lazy("Not assessed"),
}


def _readable(request: HttpRequest) -> None:
    if not selectors.may_read(request.user):
        raise PermissionDenied(
            _("Two-high projects are for the office, departments and districts.")
        )


def _load(request: HttpRequest, pk) -> TwoHighProject:
    return projects.project_for(request.user, pk)


# --- the register -----------------------------------------------------------------------------


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    _readable(request)
    qs = projects.filtered(projects.visible_projects(request.user), request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "carbon/projects.html",
        {
            "page": page,
            "projects": [_row(p) for p in page.object_list],
            "districts": selectors.districts_for(request.user).order_by("sort_order", "name"),
            "industries": Industry.choices,
            "statuses": ProjectStatus.choices,
            "params": request.GET,
            "query": query.urlencode(),
            "may_propose": projects.proposing_districts(request.user).exists(),
            "pipeline": [
                (ProjectStatus(s).label, n) for s, n in projects.pipeline(request.user).items()
            ],
        },
    )


def _row(p: TwoHighProject) -> dict:
    return {
        "p": p,
        "flags": [FLAG_LABELS[f] for f in p.flags if f in FLAG_LABELS],
        "efficiency": EFFICIENCY_LABELS.get(p.efficiency, ""),
    }


EXPORT_HEADER = [
    "项目编号",
    "项目名称",
    "企业",
    "区县",
    "行业",
    "建设规模",
    "年综合能源消费量（吨标准煤）",
    "预计二氧化碳排放（吨/年）",
    "单位产品能耗",
    "能耗单位",
    "标杆水平",
    "基准水平",
    "能效水平",
    "筛查结果",
    "状态",
    "整改任务",
]


@login_required
@require_GET
def project_export(request: HttpRequest) -> FileResponse:
    """The register as filtered, one project a row, numbers as numbers."""
    _readable(request)
    qs = projects.filtered(projects.visible_projects(request.user), request.GET)
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    with XlsxWriter(out) as book:
        sheet = book.sheet(
            "两高项目",
            widths=[14, 28, 24, 12, 12, 18, 14, 14, 12, 10, 10, 10, 14, 28, 10, 14],
            freeze_rows=1,
        )
        sheet.row([(h, "header") for h in EXPORT_HEADER])
        for p in qs.order_by("code").iterator(chunk_size=2000):
            row = _row(p)
            sheet.row(
                [
                    (p.code, "wrap"),
                    (p.name, "wrap"),
                    (p.enterprise, "wrap"),
                    (p.district.name, "wrap"),
                    (p.get_industry_display(), "wrap"),
                    (p.capacity, "wrap"),
                    (p.energy_tce, "wrap"),
                    (p.co2_t, "wrap"),
                    (p.unit_energy, "wrap"),
                    (p.efficiency_unit, "wrap"),
                    (p.benchmark, "wrap"),
                    (p.baseline, "wrap"),
                    (str(row["efficiency"]), "wrap"),
                    ("、".join(str(f) for f in row["flags"]), "wrap"),
                    (p.get_status_display(), "wrap"),
                    (p.task.code if p.task else "", "wrap"),
                ]
            )
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename="两高项目清单.xlsx")


# --- the new-project form ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request: HttpRequest) -> HttpResponse:
    if not projects.proposing_districts(request.user).exists():
        raise PermissionDenied(_("Only the office and the districts propose two-high projects."))
    form = ProjectForm(request.POST or None, user=request.user)
    if request.method == "POST":
        p = save_form(form, lambda data: projects.project_propose(actor=request.user, **data))
        if p is not None:
            messages.success(request, _("Project %(code)s was registered.") % {"code": p.code})
            return redirect("carbon:project", pk=p.pk)
    return form_page(request, "carbon/project_new.html", {"form": form})


# --- a project's page and its actions ---------------------------------------------------------


def _screen(request, p, form):
    projects.project_screen(
        **acting(request, form, project=p), comment=form.cleaned_data["comment"]
    )
    return _("The project was screened.")


def _send_for_review(request, p, form):
    projects.project_send_for_review(
        **acting(request, form, project=p), comment=form.cleaned_data["comment"]
    )
    return _("The project was sent for review.")


def _approve(request, p, form):
    projects.project_approve(
        **acting(request, form, project=p), opinion=form.cleaned_data["opinion"]
    )
    return _("The project was approved.")


def _reject(request, p, form):
    projects.project_reject(
        **acting(request, form, project=p), opinion=form.cleaned_data["opinion"]
    )
    return _("The project was rejected.")


def _halt(request, p, form):
    projects.project_halt(**acting(request, form, project=p), opinion=form.cleaned_data["opinion"])
    return _("The project was halted.")


def _raise_task(request, p, form):
    task = projects.project_raise_task(
        **acting(request, form, project=p),
        campaign=form.cleaned_data["campaign"],
        deadline=form.cleaned_data["deadline"],
    )
    return _("Draft task %(code)s put on the ledger.") % {"code": task.code}


# action name → (form class, handler)
ACTIONS_PAGES = {
    "screen": (CommentForm, _screen),
    "send_for_review": (CommentForm, _send_for_review),
    "approve": (OpinionForm, _approve),
    "reject": (OpinionForm, _reject),
    "halt": (OpinionForm, _halt),
    "raise_task": (RaiseTaskForm, _raise_task),
}
DANGER = {"reject", "halt"}


def _context(request, p: TwoHighProject, bound: dict | None = None) -> dict:
    bound = bound or {}
    allowed = projects.allowed_actions(request.user, p)
    action_forms = {
        name: bound.get(name) or ACTIONS_PAGES[name][0](initial={"version": p.version})
        for name in allowed
    }
    if "raise_task" in action_forms and "raise_task" not in bound:
        form = RaiseTaskForm()
        form.initial["version"] = p.version
        action_forms["raise_task"] = form
    status_labels = dict(ProjectStatus.choices)
    return {
        "project": p,
        "row": _row(p),
        "events": p.events.select_related("actor", "unit").order_by("at", "pk"),
        "status_labels": status_labels,
        "action_forms": action_forms,
        "action_labels": {n: a.label for n, a in projects.ACTIONS.items()},
        "action_confirms": {n: a.confirm for n, a in projects.ACTIONS.items() if a.confirm},
        "danger": DANGER,
        "rules": projects.current_rules(),
        "is_office": scope_for(request.user).sees_all,
        # the card opened first: the step forward, never a refusal
        "primary_action": next((n for n in action_forms if n not in DANGER), ""),
        "blocked_note": p.status == ProjectStatus.UNDER_REVIEW and projects.approval_blocked(p),
    }


PROJECT_PAGE = ObjectPage(
    url_name="carbon:project",
    template="carbon/project.html",
    context=_context,
    load=_load,
    heading=lambda p: f"{p.code} {p.name}",
    actions=projects.ACTIONS,
    conflict_note=gettext_lazy(
        "Nothing was changed. The project may have been updated by someone else since you "
        "opened it."
    ),
    back_label=gettext_lazy("Back to the project as it is now"),
)


@login_required
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    p = _load(request, pk)
    return render(request, "carbon/project.html", _context(request, p))


@login_required
@require_POST
def project_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    p = _load(request, pk)
    form_class, handler = action_or_404(ACTIONS_PAGES, action)
    return run_action(request, p, action, form_class(request.POST), handler, page=PROJECT_PAGE)
