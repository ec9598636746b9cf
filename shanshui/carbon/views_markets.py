"""The carbon-market pages: the enterprises (filters, cards on phones, Excel export in the import
layout), an enterprise's page (compliance years, the inclusion check, its record, the office's
form for a year's figures). Reads through markets.visible_enterprises (404 outside the user's
districts), writes through the services; the import is on the carbon import page."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shanshui.carbon import importing, market, markets, selectors
from shanshui.carbon.forms import ComplianceForm, pick_year
from shanshui.carbon.models import (
    ComplianceYear,
    EnergyType,
    EnterpriseActivity,
    Market,
    MarketEnterprise,
    MarketIndustry,
)
from shanshui.lib.actions import save_form
from shanshui.lib.xlsxstream import XlsxWriter
from shanshui.orgs.scope import scope_for

PAGE_SIZE = 50


def _readable(request: HttpRequest) -> None:
    if not selectors.may_read(request.user):
        raise PermissionDenied(_("Carbon markets are for the office, departments and districts."))


def _year(request: HttpRequest) -> tuple[list[int], int | None]:
    years = markets.compliance_years(request.user)
    return years, pick_year(request.GET.get("year"), years, years[0] if years else None)


def listing(request: HttpRequest):
    """The filtered, annotated enterprises of the list, its export and the API."""
    years, year = _year(request)
    qs = markets.annotated(markets.visible_enterprises(request.user), year, timezone.localdate())
    return years, year, markets.filtered(qs, request.GET).order_by("district__sort_order", "name")


@login_required
@require_GET
def enterprise_list(request: HttpRequest) -> HttpResponse:
    _readable(request)
    years, year, qs = listing(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "carbon/markets.html",
        {
            "page": page,
            "enterprises": page.object_list,
            "years": years,
            "year": year,
            "districts": selectors.districts_for(request.user).order_by("sort_order", "name"),
            "markets": Market.choices,
            "industries": MarketIndustry.choices,
            "statuses": list(markets.STATUS_LABELS.items()),
            "status_labels": markets.STATUS_LABELS,
            "market_labels": dict(Market.choices),
            "params": request.GET,
            "query": query.urlencode(),
            "summary": markets.dashboard(request.user, year)["markets"],
            "is_office": scope_for(request.user).sees_all,
        },
    )


@login_required
@require_GET
def enterprise_export(request: HttpRequest) -> FileResponse:
    """The enterprises as filtered, in the import layout (it imports back unchanged)."""
    _readable(request)
    _years, _y, qs = listing(request)
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    with XlsxWriter(out) as book:
        sheet = book.sheet(
            "碳市场企业", widths=[30, 22, 12, 10, 12, 10, 10, 10, 16, 14, 14, 12], freeze_rows=1
        )
        sheet.row([(h, "header") for h in importing.MARKET_HEADER])
        ids = qs.values("pk")
        rows = markets.export_rows(markets.visible_enterprises(request.user).filter(pk__in=ids))
        for row in rows:
            sheet.row([(v, "wrap") for v in row])
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename="碳市场企业.xlsx")


@login_required
@require_GET
def energy_export(request: HttpRequest) -> FileResponse:
    """Enterprises' monthly energy rows in the import layout (it imports back unchanged): one
    enterprise (``enterprise``, 404 outside the user's districts) or all in scope, one ``year``
    or all. ``template=1``: the layout with the latest year's rows and a sheet of notes — the
    template to fill in."""
    _readable(request)
    qs = markets.visible_enterprises(request.user)
    name = "企业月度能源消费"
    if (pk := request.GET.get("enterprise", "")).isdigit():
        e = markets.enterprise_for(request.user, int(pk))
        qs, name = qs.filter(pk=e.pk), f"{e.name}月度能源消费"
    year = int(y) if (y := request.GET.get("year", "")).isdigit() else None
    template = request.GET.get("template") == "1"
    if template:
        rows = EnterpriseActivity.objects.filter(enterprise__in=qs)
        year = rows.order_by("-year").values_list("year", flat=True).first()
        name = "企业月度能源消费导入模板"
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    with XlsxWriter(out) as book:
        sheet = book.sheet("月度能源消费", widths=[22, 30, 8, 6, 12, 16, 10], freeze_rows=1)
        sheet.row([(h, "header") for h in importing.ENERGY_HEADER])
        if not template or year is not None:
            for row in markets.energy_export_rows(qs, year):
                sheet.row([(v, "wrap") for v in row])
        if template:
            notes = book.sheet("填表说明", widths=[100])
            for line in ENERGY_NOTES:
                notes.row([(line, "wrap")])
            for et in EnergyType.objects.order_by("order", "code"):
                notes.row(
                    [(f"{et.name}（{et.unit}）{'：' + et.aliases if et.aliases else ''}", "wrap")]
                )
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=f"{name}.xlsx")


# The template's notes (Chinese, like the layout itself).
ENERGY_NOTES = [
    "每行一家企业一个月一种能源；统一社会信用代码须为已登记的碳市场企业，企业名称可不填，填写时须与登记名称一致。",
    "月份填1—12或“3月”；也可不用“年份”“月份”两列，改用一列“年月”，如2025-03、2025年3月。",
    "计量单位可填千克、吨、万吨；千瓦时、万千瓦时；立方米、万立方米，导入时换算为能源品种的单位。",
    "同一企业、月份和能源品种再次导入时替换原数量；同一文件重复导入不改变数据。任何一行有误则整个文件不导入。",
    "能源品种及其单位（可用的其他名称）：",
]


def _label(name: str) -> str:
    for model in (MarketEnterprise, ComplianceYear):
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            continue
    return name


def _context(request, e, form=None) -> dict:
    today = timezone.localdate()
    years = list(e.years.select_related("task").order_by("-year"))
    computed = {c.year: c for c in e.inventory.all()}
    rows = [
        {
            "cy": cy,
            "status": cy.status(today),
            "label": markets.STATUS_LABELS[cy.status(today)],
            "shortfall": market.shortfall_t(cy.verified_co2_t, cy.surrendered_t),
            "check": markets.inclusion_check(e, cy),
            "computed": computed.get(cy.year),
        }
        for cy in years
    ]
    latest = rows[0]["check"] if rows else markets.inclusion_check(e, None)
    is_office = scope_for(request.user).sees_all
    if is_office and form is None:
        last = years[0] if years else None
        form = ComplianceForm(
            initial={"year": (last.year + 1) if last else today.year - 1, "surrendered_t": 0}
        )
    energy_years = markets.energy_years(e)
    energy_year = pick_year(
        request.GET.get("energy_year"), energy_years, energy_years[0] if energy_years else None
    )
    return {
        "e": e,
        "energy_years": energy_years,
        "energy": markets.energy_breakdown(e, energy_year) if energy_year else None,
        "months": range(1, 13),
        "rows": rows,
        "check": latest,
        "computed_only": [
            c for y, c in sorted(computed.items()) if y not in {r.year for r in years}
        ],
        "events": [
            (ev, [(_label(n), *change) for n, change in (ev.data.get("fields") or {}).items()])
            for ev in e.events.select_related("actor").order_by("-at", "-pk")[:50]
        ],
        "is_office": is_office,
        "form": form,
    }


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    e = markets.enterprise_for(request.user, pk)
    if request.method == "POST":
        scope_for(request.user).require_office(_("Only the office records compliance figures."))
        form = ComplianceForm(request.POST)
        saved = save_form(
            form,
            lambda d: markets.compliance_save(
                actor=request.user,
                enterprise=e,
                year=d["year"],
                verified_co2_t=d["verified_co2_t"],
                allowances_t=d["allowances_t"],
                surrendered_t=d["surrendered_t"],
                deadline=d["deadline"],
            ),
        )
        if saved is not None:
            cy, _changed = saved
            cy.refresh_from_db()
            note = ""
            if cy.task_id and cy.status(timezone.localdate()) in market.MISSED:
                note = _(" The missed surrender is on the ledger as task %(code)s.") % {
                    "code": cy.task.code
                }
            messages.success(request, _("Compliance year %(y)d saved.") % {"y": cy.year} + note)
            return redirect("carbon:market_enterprise", pk=e.pk)
        return render(
            request, "carbon/market_enterprise.html", _context(request, e, form), status=400
        )
    return render(request, "carbon/market_enterprise.html", _context(request, e))
