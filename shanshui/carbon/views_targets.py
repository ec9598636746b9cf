"""Pages of the targets (双碳目标): progress gauges and trajectories, one target with its
history, the office's target form, raising a ledger task for a district behind its target."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanshui.carbon import projection, selectors, services, targets
from shanshui.carbon.forms_targets import TargetForm, TargetTaskForm
from shanshui.carbon.models import CarbonTarget, TargetEvent, TargetEventKind, TargetKind
from shanshui.lib.actions import add_service_errors
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
        "changes": _history(
            TargetEvent.objects.select_related("actor", "target__district").order_by("-at", "-pk")[
                :20
            ]
        )
        if is_office
        else [],
    }
    return render(request, "carbon/targets.html", context)


def _history(events) -> list[dict]:
    """Events as the page shows them: each field change with its label, kinds as words."""
    labels = {f.name: str(f.verbose_name) for f in CarbonTarget._meta.fields}
    labels["district"] = _("District or county")
    kinds = dict(TargetKind.choices)

    def text(field: str, value: str) -> str:
        return str(kinds.get(value, value)) if field == "kind" else value

    out = []
    for e in events:
        if e.kind == TargetEventKind.EDITED:
            changes = [
                {
                    "label": labels.get(c["field"], c["field"]),
                    "old": text(c["field"], c["old"]),
                    "new": text(c["field"], c["new"]),
                }
                for c in e.data.get("changes", [])
            ]
        elif e.kind == TargetEventKind.CREATED:
            values = e.data.get("values", {})
            changes = [
                {"label": labels.get(n, n), "old": "", "new": text(n, v)}
                for n, v in values.items()
                if v
            ]
        else:
            changes = []
        out.append({"event": e, "changes": changes})
    return out


@login_required
@require_GET
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One target: its progress and its whole history, in the target's scope (another
    district's is a 404)."""
    _readable(request)
    target = targets.target_for(request.user, pk)
    traj = targets.trajectory(target.district, [target])
    is_office = scope_for(request.user).sees_all
    row = traj.rows[0]
    events = target.events.select_related("actor", "unit").order_by("at", "pk")
    return render(
        request,
        "carbon/target.html",
        {
            "target": target,
            "traj": traj,
            "row": row,
            "history": _history(events),
            "is_office": is_office,
            "task_open": services.task_is_open(target.task),
            "task_form": TargetTaskForm() if is_office else None,
            "BEHIND": projection.BEHIND,
            "ON_TRACK": projection.ON_TRACK,
            "chart": {"traj-0": traj.chart()},
        },
    )


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
                saved = targets.target_save(
                    actor=request.user, target=target, reason=reason, **data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Target saved."))
                return redirect("carbon:target", saved.pk)
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
    return redirect("carbon:target", target.pk)
