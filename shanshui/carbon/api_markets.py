"""/api/v1/carbon/market and /api/v1/carbon/dashboard: the carbon-market enterprises (scoped as
the pages: a district its own, another district's a 404; the office and departments all), a
compliance year's figures and the import (the office), an enterprise's monthly energy rows (read
in scope, written by the office through the import's checks) and its computed inventory, and the
dashboard's figures — the same reads and services as the pages (markets.py, dashboard.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Path, Query, Router, Schema
from ninja import Status as NinjaStatus
from ninja.errors import HttpError
from ninja.files import UploadedFile

from shanshui.carbon import dashboard, market, markets, selectors
from shanshui.carbon.forms import pick_year
from shanshui.carbon.models import MarketEnterprise

router = Router(tags=["carbon"])

Id = Path(..., ge=1, le=2**31 - 1)
MAX_PAGE = 500


def _readable(request) -> None:
    if not selectors.may_read(request.user):
        raise HttpError(403, _("Carbon markets are for the office, departments and districts."))


class EnterpriseOut(Schema):
    id: int
    name: str
    credit_code: str
    district_id: int
    district: str
    industry: str
    subsector: str
    market: str
    since_year: int | None
    year: int | None
    verified_co2_t: Decimal | None
    allowances_t: Decimal | None
    surrendered_t: Decimal | None
    deadline: dt.date | None
    status: str
    expected_market: str | None
    mismatch: bool
    task_id: int | None


class YearOut(Schema):
    year: int
    verified_co2_t: Decimal | None
    allowances_t: Decimal | None
    surrendered_t: Decimal
    deadline: dt.date | None
    status: str
    shortfall_t: Decimal
    expected_market: str
    inclusion_reason: str
    task_id: int | None
    computed_co2_t: float | None


class MarketEventOut(Schema):
    kind: str
    year: int | None
    at: dt.datetime
    actor: str | None
    comment: str
    data: dict


class EnterpriseDetailOut(Schema):
    id: int
    name: str
    credit_code: str
    district_id: int
    district: str
    industry: str
    subsector: str
    market: str
    since_year: int | None
    expected_market: str
    inclusion_reason: str
    agrees: bool | None
    years: list[YearOut]
    events: list[MarketEventOut]


class ComplianceIn(Schema):
    year: int = Field(..., ge=2013, le=2100)
    verified_co2_t: Decimal | None = None
    allowances_t: Decimal | None = None
    surrendered_t: Decimal | None = None
    deadline: dt.date | None = None


def _row(e) -> dict:
    return {
        "id": e.pk,
        "name": e.name,
        "credit_code": e.credit_code,
        "district_id": e.district_id,
        "district": e.district.name,
        "industry": e.industry,
        "subsector": e.subsector,
        "market": e.market,
        "since_year": e.since_year,
        "year": e.year_shown,
        "verified_co2_t": e.cy_verified,
        "allowances_t": e.cy_allowances,
        "surrendered_t": e.cy_surrendered,
        "deadline": e.cy_deadline,
        "status": e.status,
        "expected_market": e.expected,
        "mismatch": e.mismatch,
        "task_id": e.cy_task,
    }


@router.get(
    "/carbon/market/enterprises", response=list[EnterpriseOut], summary="Market enterprises"
)
def enterprise_list(
    request,
    year: int | None = None,
    district: int | None = None,
    market: str | None = None,
    industry: str | None = None,
    status: str | None = None,
    mismatch: bool | None = None,
    q: str | None = None,
    offset: int = Query(0, ge=0),
    limit: int = Query(100, ge=1, le=MAX_PAGE),
):
    """The enterprises in scope with the figures of ``year`` (default: the latest compliance
    year); ``status`` is pending, settled, partial, overdue or missed (partial or overdue);
    ``market=none`` for enterprises in no market; ``mismatch`` where the inclusion check
    gives another market."""
    _readable(request)
    years = markets.compliance_years(request.user)
    chosen = pick_year(str(year or ""), years, years[0] if years else None)
    qs = markets.annotated(markets.visible_enterprises(request.user), chosen, timezone.localdate())
    params = {
        "district": district,
        "market": market,
        "industry": industry,
        "status": status,
        "mismatch": "1" if mismatch else "",
        "q": q,
    }
    qs = markets.filtered(qs, params).order_by("district__sort_order", "name", "pk")
    out = []
    for e in qs[offset : offset + limit]:
        e.year_shown = chosen if e.cy_id else None
        out.append(_row(e))
    return out


def _detail(request, e: MarketEnterprise) -> dict:
    today = timezone.localdate()
    computed = {c.year: c for c in e.inventory.all()}
    years = list(e.years.order_by("-year"))
    check = markets.inclusion_check(e, years[0] if years else None)
    out_years = []
    for cy in years:
        c = markets.inclusion_check(e, cy)
        comp = computed.get(cy.year)
        out_years.append(
            {
                "year": cy.year,
                "verified_co2_t": cy.verified_co2_t,
                "allowances_t": cy.allowances_t,
                "surrendered_t": cy.surrendered_t,
                "deadline": cy.deadline,
                "status": cy.status(today),
                "shortfall_t": market.shortfall_t(cy.verified_co2_t, cy.surrendered_t),
                "expected_market": c.inclusion.market,
                "inclusion_reason": c.inclusion.reason,
                "task_id": cy.task_id,
                "computed_co2_t": comp.direct_co2_t + comp.indirect_co2_t if comp else None,
            }
        )
    return {
        "id": e.pk,
        "name": e.name,
        "credit_code": e.credit_code,
        "district_id": e.district_id,
        "district": e.district.name,
        "industry": e.industry,
        "subsector": e.subsector,
        "market": e.market,
        "since_year": e.since_year,
        "expected_market": check.inclusion.market,
        "inclusion_reason": check.inclusion.reason,
        "agrees": check.agrees,
        "years": out_years,
        "events": [
            {
                "kind": ev.kind,
                "year": ev.year,
                "at": ev.at,
                "actor": ev.actor.username if ev.actor else None,
                "comment": ev.comment,
                "data": ev.data,
            }
            for ev in e.events.select_related("actor").order_by("at", "pk")
        ],
    }


@router.get(
    "/carbon/market/enterprises/{enterprise_id}",
    response=EnterpriseDetailOut,
    summary="A market enterprise",
)
def enterprise_detail(request, enterprise_id: int = Id):
    return _detail(request, markets.enterprise_for(request.user, enterprise_id))


@router.post(
    "/carbon/market/enterprises/{enterprise_id}/compliance",
    response=EnterpriseDetailOut,
    summary="Record a compliance year",
)
def compliance(request, payload: ComplianceIn, enterprise_id: int = Id):
    """A year's figures as given (office only); a missed surrender raises its ledger task."""
    e = markets.enterprise_for(request.user, enterprise_id)
    markets.compliance_save(
        actor=request.user,
        enterprise=e,
        year=payload.year,
        verified_co2_t=payload.verified_co2_t,
        allowances_t=payload.allowances_t,
        surrendered_t=payload.surrendered_t,
        deadline=payload.deadline,
    )
    return _detail(request, e)


class ImportErrorOut(Schema):
    row: int
    column: str
    message: str


class MarketImportOut(Schema):
    ok: bool
    dry_run: bool
    written: bool
    rows: int
    inserted: int
    updated: int
    unchanged: int
    districts: int
    years: list[int]
    errors: list[ImportErrorOut]


@router.post("/carbon/market/import", response={200: MarketImportOut, 400: MarketImportOut})
def market_import(request, file: UploadedFile = File(...), dry_run: bool = Form(False)):
    """Enterprises and compliance years (.xlsx or .csv, the layout of docs/carbon.md); office
    only. 400 with the row errors when any row is wrong (nothing saved)."""
    result = markets.market_import(actor=request.user, fileobj=file, dry_run=dry_run)
    return NinjaStatus(200 if result.ok else 400, result.as_dict())


# --- monthly energy use and the computed inventory ----------------------------------------------


class EnergyRowOut(Schema):
    year: int
    month: int
    energy: str
    energy_code: str
    quantity: Decimal
    unit: str


class EnergyRowIn(Schema):
    year: int
    month: int | str = Field(..., description="1–12 or 3月")
    energy: str = Field(..., max_length=30, description="能源品种: name or other name")
    quantity: Decimal | str
    unit: str = Field(..., max_length=12, description="计量单位, converted as in the import")


class EnergyIn(Schema):
    rows: list[EnergyRowIn] = Field(..., min_length=1, max_length=5000)


class EnergySavedOut(Schema):
    inserted: int
    updated: int
    unchanged: int
    years: list[int]
    rows: list[EnergyRowOut]


class InventoryLineOut(Schema):
    energy: str
    unit: str
    quantity: Decimal
    co2_per_unit: float
    tce_per_unit: Decimal | None
    direct_co2_t: float
    indirect_co2_t: float
    energy_tce: float


class InventoryOut(Schema):
    year: int
    direct_co2_t: float | None
    indirect_co2_t: float | None
    total_co2_t: float | None
    energy_tce: float | None
    rows: int
    factor_set: str | None
    grid_t_per_mwh: float | None
    grid_year: int | None
    lines: list[InventoryLineOut]


def _energy_rows(e: MarketEnterprise, year: int | None) -> list[dict]:
    rows = e.activity.select_related("energy_type").order_by(
        "year", "month", "energy_type__order", "energy_type__code"
    )
    if year:
        rows = rows.filter(year=year)
    return [
        {
            "year": a.year,
            "month": a.month,
            "energy": a.energy_type.name,
            "energy_code": a.energy_type.code,
            "quantity": a.quantity,
            "unit": a.energy_type.unit,
        }
        for a in rows
    ]


@router.get(
    "/carbon/market/enterprises/{enterprise_id}/energy",
    response=list[EnergyRowOut],
    summary="An enterprise's monthly energy use",
)
def energy_list(request, enterprise_id: int = Id, year: int | None = None):
    """The monthly rows (in the energy type's unit), one ``year`` or all; scoped as the
    enterprise."""
    _readable(request)
    return _energy_rows(markets.enterprise_for(request.user, enterprise_id), year)


def _energy_save(request, enterprise_id: int, payload: EnergyIn, year: int | None) -> dict:
    e = markets.enterprise_for(request.user, enterprise_id)
    result = markets.energy_rows_save(
        actor=request.user,
        enterprise=e,
        rows=[r.dict() for r in payload.rows],
        replace_year=year,
    )
    return {
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "years": result.years,
        "rows": [r for y in result.years for r in _energy_rows(e, y)],
    }


@router.post(
    "/carbon/market/enterprises/{enterprise_id}/energy",
    response=EnergySavedOut,
    summary="Record monthly energy rows",
)
def energy_post(request, payload: EnergyIn, enterprise_id: int = Id):
    """Add monthly rows or replace their quantities (same year, month and energy type); office
    only. Checked as the import's rows: 400 ``invalid`` with ``fields`` such as
    ``rows[2].计量单位`` when any is wrong (nothing saved). The year's computed emissions are
    refreshed."""
    return _energy_save(request, enterprise_id, payload, None)


@router.put(
    "/carbon/market/enterprises/{enterprise_id}/energy/{year}",
    response=EnergySavedOut,
    summary="Replace a year's monthly energy rows",
)
def energy_put(
    request, payload: EnergyIn, enterprise_id: int = Id, year: int = Path(..., ge=1990, le=2100)
):
    """The whole year as given: rows not in the body are removed (office only; errors as for
    POST)."""
    return _energy_save(request, enterprise_id, payload, year)


@router.get(
    "/carbon/market/enterprises/{enterprise_id}/inventory",
    response=list[InventoryOut],
    summary="An enterprise's computed emissions",
)
def inventory_list(request, enterprise_id: int = Id):
    """Per year, the emissions computed from the monthly rows and the factors in use, with the
    sum per energy type and its factors behind each figure."""
    _readable(request)
    e = markets.enterprise_for(request.user, enterprise_id)
    out = []
    for year in sorted(markets.energy_years(e)):
        b = markets.energy_breakdown(e, year)
        stored = b["stored"]
        out.append(
            {
                "year": year,
                "direct_co2_t": stored.direct_co2_t if stored else None,
                "indirect_co2_t": stored.indirect_co2_t if stored else None,
                "total_co2_t": stored.direct_co2_t + stored.indirect_co2_t if stored else None,
                "energy_tce": stored.energy_tce if stored else None,
                "rows": b["rows"],
                "factor_set": b["factor_set"].name if b["factor_set"] else None,
                "grid_t_per_mwh": b["grid"][0] if b["grid"] else None,
                "grid_year": b["grid"][1] if b["grid"] else None,
                "lines": [
                    {
                        "energy": line["energy"].name,
                        "unit": line["energy"].unit,
                        "quantity": line["quantity"],
                        "co2_per_unit": line["co2_per_unit"],
                        "tce_per_unit": line["factor"].tce_per_unit if line["factor"] else None,
                        "direct_co2_t": line["direct_co2_t"],
                        "indirect_co2_t": line["indirect_co2_t"],
                        "energy_tce": line["energy_tce"],
                    }
                    for line in b["lines"]
                ],
            }
        )
    return out


@router.get("/carbon/dashboard", summary="The dual-carbon dashboard's figures")
def dashboard_figures(request, market_year: int | None = None):
    """Targets against the plan, the two-high pipeline (per state, flagged), market compliance
    (per market: enterprises, each surrender status, mismatches, sums) with ``href`` links to
    the rows behind each figure. Inventory series: ``/carbon/inventory``."""
    _readable(request)
    data = dashboard.figures(request.user, market_year)
    for m in data["market"]["markets"]:
        m["label"] = str(m["label"])
    return data
