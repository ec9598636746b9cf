"""The dual-carbon pages: the overview (emissions by sector and district over time, the district
table with intensities), a district's inventory, the drill-down to the rows, the Excel export
and the office's import page. Reads through selectors (scoped), writes through services."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanshui.carbon import dashboard, importing, markets, recompute, selectors, services
from shanshui.carbon.forms import (
    ACTIVITY,
    ECONOMY,
    ENERGY,
    MARKET,
    FactorForm,
    GridFactorForm,
    ImportForm,
    pick_year,
)
from shanshui.carbon.models import (
    SECTOR_NAMES,
    EmissionFactor,
    FactorChange,
    FactorSet,
    GridFactorSet,
    Sector,
    sector_label,
)
from shanshui.lib.xlsxstream import XlsxWriter
from shanshui.orgs.scope import scope_for


def _readable(request: HttpRequest) -> None:
    if not selectors.may_read(request.user):
        raise PermissionDenied(
            _("The carbon inventory is for the office, departments and districts.")
        )


def _base_year(request: HttpRequest, years: list[int]) -> int | None:
    return pick_year(request.GET.get("base"), years, years[0] if years else None)


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    _readable(request)
    years = selectors.years_with_data(request.user)
    year = pick_year(request.GET.get("year"), years, years[-1] if years else None)
    base_year = _base_year(request, years)
    table = selectors.district_table(request.user, year, base_year) if year else []
    city = selectors.sees_city(request.user)
    context = {
        "years": years,
        "year": year,
        "base_year": base_year,
        "table": table,
        "totals": selectors.city_totals(table),
        "city": city,
        "charts": {
            "sectors": selectors.sector_series(request.user),
            "districts": selectors.district_series(request.user) if city else None,
        },
        "is_office": scope_for(request.user).sees_all,
        "dash": dashboard.figures(request.user, _int(request.GET.get("market_year"))),
        "status_labels": markets.STATUS_LABELS,
    }
    return render(request, "carbon/overview.html", context)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) == 4 else None


@login_required
@require_GET
def district(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.district_for(request.user, pk)
    years = selectors.years_with_data(request.user)
    year = pick_year(request.GET.get("year"), years, years[-1] if years else None)
    base_year = _base_year(request, years)
    rows = [
        r
        for r in (selectors.district_table(request.user, year, base_year) if year else [])
        if r["district"] == unit
    ]
    context = {
        "district": unit,
        "years": years,
        "year": year,
        "base_year": base_year,
        "summary": rows[0] if rows else None,
        "sectors": selectors.district_sectors(unit, year) if year else [],
        "charts": {"sectors": selectors.sector_series(request.user, unit)},
    }
    return render(request, "carbon/district.html", context)


@login_required
@require_GET
def district_rows(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    unit = selectors.district_for(request.user, pk)
    sector = request.GET.get("sector") or None
    if sector not in (None, *Sector.values):
        sector = None
    subsector = request.GET.get("subsector") if sector else None
    found = selectors.drill_down(unit, year, sector, subsector)
    context = {
        "district": unit,
        "year": year,
        "sector_label": sector_label(sector, subsector or "") if sector else "",
        **found,
    }
    return render(request, "carbon/rows.html", context)


EXPORT_HEADER = ["区县", "年份", "月份", "行业", "能源品种", "消费量", "计量单位"]


@login_required
@require_GET
def export(request: HttpRequest) -> FileResponse:
    """The activity rows in the import layout (as entered: the same file imports back
    unchanged), then the inventory per district, year and sector."""
    _readable(request)
    years = selectors.years_with_data(request.user)
    year = pick_year(request.GET.get("year"), years, None)
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    with XlsxWriter(out) as book:
        sheet = book.sheet("活动水平数据", widths=[16, 8, 6, 18, 12, 16, 10], freeze_rows=1)
        sheet.row([(h, "header") for h in EXPORT_HEADER])
        for a in selectors.activity_for_export(request.user, [year] if year else None).iterator(
            chunk_size=5000
        ):
            sheet.row(
                [
                    (a.district.name, "wrap"),
                    (a.year, "center"),
                    (a.month or None, "center"),
                    (sector_label(a.sector, a.subsector), "wrap"),
                    (a.energy_type.name, "wrap"),
                    (a.entered_quantity, "wrap"),
                    (a.entered_unit, "wrap"),
                ]
            )
        sheet = book.sheet("排放清单", widths=[16, 8, 18, 16, 16, 16, 14], freeze_rows=1)
        sheet.row(
            [
                (h, "header")
                for h in [
                    "区县",
                    "年份",
                    "行业",
                    "直接排放（吨二氧化碳）",
                    "间接排放（吨二氧化碳）",
                    "合计（吨二氧化碳）",
                    "能源消费（吨标准煤）",
                ]
            ]
        )
        for y in [year] if year else years:
            for r in selectors.district_table(request.user, y, None):
                for c in selectors.district_sectors(r["district"], y):
                    sheet.row(
                        [
                            (r["district"].name, "wrap"),
                            (y, "center"),
                            (c["label"], "wrap"),
                            (round(c["direct_co2_t"], 3), "wrap"),
                            (round(c["indirect_co2_t"], 3), "wrap"),
                            (round(c["total_co2_t"], 3), "wrap"),
                            (round(c["energy_tce"], 3), "wrap"),
                        ]
                    )
        _dashboard_sheets(
            book, dashboard.figures(request.user, _int(request.GET.get("market_year")))
        )
    out.seek(0)
    name = f"carbon-{year or 'all'}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name)


def _dashboard_sheets(book, dash: dict) -> None:
    """The dashboard's tables after the inventory (the first sheet stays the import layout)."""
    sheet = book.sheet("两高项目进度", widths=[16, 10], freeze_rows=1)
    sheet.row([("状态", "header"), ("项目数", "header")])
    for s in dash["pipeline"]["states"]:
        sheet.row([(s["label"], "wrap"), (s["count"], "wrap")])
    sheet.row([("其中筛查标记", "wrap"), (dash["pipeline"]["flagged"], "wrap")])
    sheet = book.sheet("目标进度", widths=[14, 24, 12, 10, 12, 12, 10, 10], freeze_rows=1)
    sheet.row(
        [
            (h, "header")
            for h in [
                "范围",
                "目标",
                "规划期",
                "目标值",
                "已完成",
                "按进度应完成",
                "最新年份",
                "进度",
            ]
        ]
    )
    progress = {"on_track": "符合进度", "behind": "进度滞后", "no_data": "数据不足"}
    for r in dash["targets"]["rows"]:
        sheet.row(
            [
                (r["scope"], "wrap"),
                (r["label"], "wrap"),
                (r["period"], "wrap"),
                (r["value"], "wrap"),
                (round(r["achieved"], 2) if r["achieved"] is not None else None, "wrap"),
                (round(r["expected"], 2) if r["expected"] is not None else None, "wrap"),
                (r["latest_year"], "wrap"),
                (progress.get(r["status"], r["status"]), "wrap"),
            ]
        )
    m = dash["market"]
    sheet = book.sheet(
        "碳市场履约", widths=[18, 8, 10, 10, 10, 10, 10, 12, 16, 14, 14], freeze_rows=1
    )
    sheet.row(
        [
            (h, "header")
            for h in [
                "碳市场",
                "履约年度",
                "企业数",
                "已足额清缴",
                "未到期",
                "部分清缴",
                "逾期未清缴",
                "纳入核查不符",
                "核查排放量（吨二氧化碳当量）",
                "配额（吨）",
                "清缴量（吨）",
            ]
        ]
    )
    for r in m["markets"]:
        sheet.row(
            [
                (str(r["label"]), "wrap"),
                (m["year"], "wrap"),
                (r["enterprises"], "wrap"),
                (r["settled"], "wrap"),
                (r["pending"], "wrap"),
                (r["partial"], "wrap"),
                (r["overdue"], "wrap"),
                (r["mismatched"], "wrap"),
                (round(r["verified_co2_t"], 2), "wrap"),
                (round(r["allowances_t"], 2), "wrap"),
                (round(r["surrendered_t"], 2), "wrap"),
            ]
        )


@login_required
@require_http_methods(["GET", "POST"])
def data_import(request: HttpRequest) -> HttpResponse:
    scope_for(request.user).require_office(_("Only the office imports carbon data."))
    context = {
        "sector_names": list(SECTOR_NAMES.values()),
        "market_header": importing.MARKET_HEADER,
        "industry_names": list(importing.INDUSTRY_NAMES),
        "energy_header": importing.ENERGY_HEADER,
    }
    if request.method != "POST":
        context["form"] = ImportForm(initial={"kind": request.GET.get("kind") or ACTIVITY})
        return render(request, "carbon/import.html", context)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        context["form"] = form
        return render(request, "carbon/import.html", context, status=400)
    kind, upload = form.cleaned_data["kind"], form.cleaned_data["file"]
    action = {
        ACTIVITY: services.activity_import,
        ECONOMY: services.economy_import,
        MARKET: markets.market_import,
        ENERGY: markets.energy_import,
    }[kind]
    result = action(actor=request.user, fileobj=upload, dry_run=form.cleaned_data["dry_run"])
    if result.written:
        messages.success(
            request,
            _(
                "%(file)s imported: %(inserted)d new rows, %(updated)d changed, %(unchanged)d "
                "unchanged."
            )
            % {
                "file": upload.name,
                "inserted": result.inserted,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
        return redirect(reverse("carbon:import") + f"?kind={kind}")
    context.update(form=ImportForm(initial={"kind": kind, "dry_run": not result.ok}), result=result)
    return render(request, "carbon/import.html", context, status=200 if result.ok else 400)


# --- factors -----------------------------------------------------------------------------------

# After a change to factors in use: the recompute is queued (recompute.py), the page shows it.
RECOMPUTING = gettext_lazy(" The inventory is being recomputed in the background.")


@login_required
@require_GET
def factors(request: HttpRequest) -> HttpResponse:
    _readable(request)
    factor_sets = FactorSet.objects.prefetch_related("factors__energy_type")
    grid_sets = GridFactorSet.objects.prefetch_related("factors")
    context = {
        "factor_sets": [
            (fs, sorted(fs.factors.all(), key=lambda f: f.energy_type.order)) for fs in factor_sets
        ],
        "grid_sets": grid_sets,
        "changes": FactorChange.objects.select_related("actor")[:50],
        "is_office": scope_for(request.user).sees_all,
        "grid_form": GridFactorForm(),
        "run": recompute.latest_run(),
    }
    return render(request, "carbon/factors.html", context)


@login_required
@require_GET
def recompute_status(request: HttpRequest) -> HttpResponse:
    """The latest recompute's status, which the factors page polls while it waits or runs."""
    _readable(request)
    return render(
        request,
        "carbon/_recompute_status.html",
        {"run": recompute.latest_run(), "is_office": scope_for(request.user).sees_all},
    )


@login_required
@require_POST
def recompute_again(request: HttpRequest) -> HttpResponse:
    """The office starts the recompute again (after a run failed)."""
    recompute.recompute_again(actor=request.user)
    messages.success(request, str(RECOMPUTING).strip())
    return redirect("carbon:factors")


@login_required
@require_http_methods(["GET", "POST"])
def factor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope_for(request.user).require_office()
    factor = get_object_or_404(
        EmissionFactor.objects.select_related("factor_set", "energy_type"), pk=pk
    )
    if request.method == "POST":
        form = FactorForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            n = services.factor_update(
                actor=request.user,
                factor=factor,
                values={f: data[f] for f in services.FACTOR_FIELDS},
                reason=data["reason"],
            )
            messages.success(
                request,
                _("%(n)d values changed.") % {"n": n}
                + (str(RECOMPUTING) if n and factor.factor_set.in_use else ""),
            )
            return redirect("carbon:factors")
    else:
        form = FactorForm(initial={f: getattr(factor, f) for f in services.FACTOR_FIELDS})
    return render(
        request,
        "carbon/factor_edit.html",
        {"factor": factor, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def set_use(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    scope_for(request.user).require_office()
    if kind == "factors":
        services.factor_set_use(actor=request.user, factor_set=get_object_or_404(FactorSet, pk=pk))
    elif kind == "grid":
        services.grid_set_use(actor=request.user, grid_set=get_object_or_404(GridFactorSet, pk=pk))
    else:
        raise Http404
    messages.success(
        request, _("The inventory is being recomputed in the background with the chosen factors.")
    )
    return redirect("carbon:factors")


@login_required
@require_POST
def grid_factor_save(request: HttpRequest, pk: int) -> HttpResponse:
    scope_for(request.user).require_office()
    grid_set = get_object_or_404(GridFactorSet, pk=pk)
    form = GridFactorForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(errors)}")
        return redirect("carbon:factors")
    services.grid_factor_save(actor=request.user, grid_set=grid_set, **form.cleaned_data)
    messages.success(
        request, _("Grid factor saved.") + (str(RECOMPUTING) if grid_set.in_use else "")
    )
    return redirect("carbon:factors")
