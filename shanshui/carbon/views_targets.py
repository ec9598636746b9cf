"""Pages of the targets (双碳目标): progress gauges and trajectories, the office's target
form, raising a ledger task for a district behind its target."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanshui.carbon import projection, selectors, targets
from shanshui.carbon.forms_targets import TargetForm, TargetTaskForm
from shanshui.carbon.models import CarbonTarget, FactorChange
from shanshui.orgs.scope import scope_for


def _readable(request: HttpRequest) -> None:
    if not selectors.may_read(request.user):
        raise PermissionDenied(
            _("The carbon inventory is for the office, departments and districts.")
        )


@login_required
@require_GET
def target_list(request: HttpRequest) -> HttpResponse:
    _readable(request)
    trajectories = targets.trajectories(request.user)
    is_office = scope_for(request.user).sees_all
    charts = {
        f"traj-{i}": {
            **t.chart(),
            "gauges": [
                {"id": f"gauge-{r.target.pk}", "value": r.gauge, "status": r.progress.status}
                for r in t.rows
                if r.gauge is not None
            ],
        }
        for i, t in enumerate(trajectories)
    }
    context = {
        "trajectories": trajectories,
        "charts": charts,
        "is_office": is_office,
        "task_form": TargetTaskForm() if is_office else None,
        "BEHIND": projection.BEHIND,
        "ON_TRACK": projection.ON_TRACK,
        "changes": _changes() if is_office else [],
    }
    return render(request, "carbon/targets.html", context)


def _changes() -> list[tuple[FactorChange, str]]:
    """The latest target changes, each with its field's label."""
    labels = {f.name: str(f.verbose_name) for f in CarbonTarget._meta.fields}
    changes = FactorChange.objects.filter(carbon_target__isnull=False).select_related("actor")
    return [(c, labels.get(c.field, c.field)) for c in changes[:20]]


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    target = targets.target_for(request.user, pk) if pk is not None else None
    scope_for(request.user).require_office(_("Only the office sets carbon targets."))
    if request.method == "POST":
        form = TargetForm(request.POST, target=target)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason = data.pop("reason")
            try:
                targets.target_save(actor=request.user, target=target, reason=reason, **data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Target saved."))
                return redirect("carbon:targets")
    else:
        form = TargetForm(target=target)
    return render(
        request,
        "carbon/target_edit.html",
        {"target": target, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def target_task(request: HttpRequest, pk: int) -> HttpResponse:
    target = targets.target_for(request.user, pk)
    scope_for(request.user).require_office(_("Only the office sets carbon targets."))
    form = TargetTaskForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(errors)}")
        return redirect("carbon:targets")
    try:
        task = targets.raise_task(actor=request.user, target=target, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("Draft task %(code)s put on the ledger.") % {"code": task.code})
    return redirect("carbon:targets")
