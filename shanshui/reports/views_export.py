"""Excel downloads: any filtered ledger view, the public notice table (验收销号公示表), and a
unit's share list. Each is scoped by the user's data scope like the page it comes from."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from shanshui.ledger import forms as ledger_forms
from shanshui.ledger import selectors as ledger_selectors
from shanshui.ledger.models import Campaign, Status, TaskUnit, UnitRole
from shanshui.ledger.selectors import visible_tasks
from shanshui.orgs.models import Unit
from shanshui.orgs.scope import scope_for
from shanshui.reports import ledger_export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(fileobj, name: str) -> FileResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        fileobj, as_attachment=True, filename=f"{name}-{stamp}.xlsx", content_type=XLSX
    )


@login_required
def export_ledger(request: HttpRequest) -> FileResponse:
    """The ledger list as filtered on its page (same form, same scope, same order)."""
    form = ledger_forms.LedgerFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    # 导出所选: exactly the ticked tasks, or nothing — never the whole ledger in their place.
    ids = data.get("ids") or []
    if request.GET.get("ids") and (
        not ids or visible_tasks(request.user).filter(pk__in=ids).count() != len(ids)
    ):
        raise Http404
    tasks = ledger_selectors.ledger(request.user, data=data)
    campaign = data.get("campaign")
    title = _("%(campaign)s rectification ledger") % {
        "campaign": campaign.name if campaign else _("All campaigns")
    }
    out = ledger_export.write_ledger(tasks, heading=ledger_export.heading(title))
    return _download(out, _("ledger"))


@login_required
def export_notice(request: HttpRequest) -> FileResponse:
    """验收销号公示表 of a campaign (or all): public tasks in notice or signed off."""
    tasks = visible_tasks(request.user).filter(
        is_public=True, status__in=[Status.IN_PUBLIC_NOTICE, Status.SIGNED_OFF]
    )
    title = _("Public notice of acceptance and sign-off")
    campaign_id = request.GET.get("campaign")
    if campaign_id:
        campaign = Campaign.objects.filter(pk=campaign_id if campaign_id.isdigit() else 0).first()
        if campaign is None:
            raise Http404
        tasks = tasks.filter(campaign=campaign)
        title = f"{campaign.name} {title}"
    tasks = tasks.order_by("campaign_id", "code")
    out = ledger_export.write_notice(tasks, heading=ledger_export.heading(title))
    return _download(out, _("public-notice"))


@login_required
def export_shares(request: HttpRequest) -> FileResponse:
    """A unit's share list: the tasks it implements or is responsible for, in the ledger
    layout. ``unit`` defaults to the user's own unit; another unit must be in scope."""
    scope = scope_for(request.user)
    unit_id = request.GET.get("unit")
    if unit_id:
        if not unit_id.isdigit():
            raise Http404
        unit = Unit.objects.filter(pk=unit_id).first()
        if unit is None or not (scope.sees_all or unit.pk in set(scope.unit_ids() or [])):
            raise Http404
    else:
        roots = scope.root_units
        if not roots:
            raise Http404
        unit = roots[0]
    units = list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
    carried = TaskUnit.objects.filter(
        unit_id__in=units, role__in=[UnitRole.IMPLEMENTING, UnitRole.RESPONSIBLE]
    ).values("task_id")
    tasks = (
        visible_tasks(request.user)
        .filter(pk__in=carried)
        .exclude(status__in=[Status.DRAFT, Status.WITHDRAWN])
    )
    campaign_id = request.GET.get("campaign")
    if campaign_id and campaign_id.isdigit():
        tasks = tasks.filter(campaign_id=campaign_id)
    tasks = tasks.order_by("campaign_id", "code")
    title = _("%(unit)s rectification tasks") % {"unit": unit.display_name}
    out = ledger_export.write_ledger(
        tasks, heading=ledger_export.heading(title), sheet=_("Share list")
    )
    return _download(out, _("share-list"))


urlpatterns = [
    path("export/ledger.xlsx", export_ledger, name="export_ledger"),
    path("export/notice.xlsx", export_notice, name="export_notice"),
    path("export/shares.xlsx", export_shares, name="export_shares"),
]
