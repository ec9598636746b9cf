"""/api/v1/carbon: the inventory per district (scoped as the pages: the office and departments
the city, a district its own), a district's sectors, the rows behind a figure, the factors in
use, and the office's imports. The same selectors and services as the pages."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router, Schema
from ninja import Status as NinjaStatus
from ninja.errors import HttpError
from ninja.files import UploadedFile

from shanshui.carbon import selectors, services
from shanshui.carbon.api_markets import router as markets_router
from shanshui.carbon.api_projects import router as projects_router
from shanshui.carbon.api_targets import router as targets_router
from shanshui.carbon.models import FactorSet, GridFactorSet, Sector

router = Router(tags=["carbon"])

Id = Path(..., ge=1, le=2**31 - 1)


class DistrictInventoryOut(Schema):
    district_id: int
    district: str
    year: int
    direct_co2_t: float
    indirect_co2_t: float
    total_co2_t: float
    energy_tce: float
    per_capita_t: float | None
    carbon_intensity: float | None
    energy_intensity: float | None
    non_fossil_share: float | None
    total_co2_t_change: float | None
    carbon_intensity_change: float | None


def _readable(request) -> None:
    if not selectors.may_read(request.user):
        raise HttpError(
            403, _("The carbon inventory is for the office, departments and districts.")
        )


@router.get(
    "/carbon/inventory", response=list[DistrictInventoryOut], summary="Inventory by district"
)
def inventory(request, year: int = Query(..., ge=1990, le=2100), base_year: int | None = None):
    """One object per district in scope with data in ``year``; changes against ``base_year``;
    intensities in t (tce) per 10,000 yuan of GDP at comparable prices."""
    _readable(request)
    return [
        {
            **{k: v for k, v in r.items() if k not in ("district", "economy")},
            "district_id": r["district"].pk,
            "district": r["district"].name,
            "year": year,
        }
        for r in selectors.district_table(request.user, year, base_year)
    ]


class SectorOut(Schema):
    sector: str
    subsector: str
    label: str
    direct_co2_t: float
    indirect_co2_t: float
    total_co2_t: float
    energy_tce: float
    rows: int


@router.get(
    "/carbon/districts/{district_id}/sectors",
    response=list[SectorOut],
    summary="A district's sectors",
)
def district_sectors(request, district_id: int = Id, year: int = Query(..., ge=1990, le=2100)):
    unit = selectors.district_for(request.user, district_id)
    return selectors.district_sectors(unit, year)


class RowOut(Schema):
    sector: str
    month: int
    energy_type: str
    entered_quantity: str
    entered_unit: str
    quantity: float
    unit: str
    ncv_gj: str | None
    carbon_tc_per_tj: str | None
    oxidation: str | None
    co2_per_unit: float
    tce_per_unit: str | None
    direct_co2_t: float
    indirect_co2_t: float
    energy_tce: float


class RowsOut(Schema):
    factor_set: str
    grid_set: str
    grid_tco2_per_mwh: float | None
    grid_year: int | None
    totals: dict[str, float]
    rows: list[RowOut]


def _s(value) -> str | None:
    return None if value is None else str(value)


@router.get(
    "/carbon/districts/{district_id}/rows", response=RowsOut, summary="Rows behind a figure"
)
def district_rows(
    request,
    district_id: int = Id,
    year: int = Query(..., ge=1990, le=2100),
    sector: Sector | None = None,
    subsector: str | None = Query(None, max_length=40),
):
    unit = selectors.district_for(request.user, district_id)
    found = selectors.drill_down(unit, year, sector, subsector if sector else None)
    grid = found["grid"]
    return {
        "factor_set": found["factor_set"].name if found["factor_set"] else "",
        "grid_set": found["grid_set"].name if found["grid_set"] else "",
        "grid_tco2_per_mwh": grid[0] if grid else None,
        "grid_year": grid[1] if grid else None,
        "totals": found["totals"],
        "rows": [
            {
                "sector": r["sector"],
                "month": r["record"].month,
                "energy_type": r["energy"].name,
                "entered_quantity": str(r["record"].entered_quantity.normalize()),
                "entered_unit": r["record"].entered_unit,
                "quantity": r["quantity"],
                "unit": r["energy"].unit,
                "ncv_gj": _s(r["factor"] and r["factor"].ncv_gj),
                "carbon_tc_per_tj": _s(r["factor"] and r["factor"].carbon_tc_per_tj),
                "oxidation": _s(r["factor"] and r["factor"].oxidation),
                "co2_per_unit": r["co2_per_unit"],
                "tce_per_unit": _s(r["factor"] and r["factor"].tce_per_unit),
                "direct_co2_t": r["direct_co2_t"],
                "indirect_co2_t": r["indirect_co2_t"],
                "energy_tce": r["energy_tce"],
            }
            for r in found["rows"]
        ],
    }


class FactorOut(Schema):
    energy_type: str
    unit: str
    ncv_gj: str | None
    carbon_tc_per_tj: str | None
    oxidation: str | None
    tce_per_unit: str
    co2_per_unit: float


class FactorSetOut(Schema):
    key: str
    name: str
    source: str
    edition: str
    in_use: bool
    factors: list[FactorOut]


class GridSetOut(Schema):
    key: str
    name: str
    region: str
    in_use: bool
    factors: dict[str, float]


class FactorsOut(Schema):
    factor_sets: list[FactorSetOut]
    grid_sets: list[GridSetOut]


@router.get("/carbon/factors", response=FactorsOut, summary="Emission factors")
def factors(request):
    _readable(request)
    sets = []
    for fs in FactorSet.objects.prefetch_related("factors__energy_type"):
        sets.append(
            {
                "key": fs.key,
                "name": fs.name,
                "source": fs.source,
                "edition": fs.edition,
                "in_use": fs.in_use,
                "factors": [
                    {
                        "energy_type": f.energy_type.name,
                        "unit": f.energy_type.unit,
                        "ncv_gj": _s(f.ncv_gj),
                        "carbon_tc_per_tj": _s(f.carbon_tc_per_tj),
                        "oxidation": _s(f.oxidation),
                        "tce_per_unit": str(f.tce_per_unit),
                        "co2_per_unit": float(f.co2_per_unit),
                    }
                    for f in sorted(fs.factors.all(), key=lambda f: f.energy_type.order)
                ],
            }
        )
    grids = [
        {
            "key": g.key,
            "name": g.name,
            "region": g.region,
            "in_use": g.in_use,
            "factors": {str(f.year): float(f.tco2_per_mwh) for f in g.factors.all()},
        }
        for g in GridFactorSet.objects.prefetch_related("factors")
    ]
    return {"factor_sets": sets, "grid_sets": grids}


class ImportErrorOut(Schema):
    row: int
    column: str
    message: str


class ActivityImportOut(Schema):
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


@router.post("/carbon/activity/import", response={200: ActivityImportOut, 400: ActivityImportOut})
def activity_import(request, file: UploadedFile = File(...), dry_run: bool = Form(False)):
    """Activity data (.xlsx or .csv, the layout of docs/carbon.md); office only. 400 with the
    row errors when any row is wrong (nothing saved)."""
    result = services.activity_import(actor=request.user, fileobj=file, dry_run=dry_run)
    return NinjaStatus(200 if result.ok else 400, result.as_dict())


@router.post("/carbon/economy/import", response={200: ActivityImportOut, 400: ActivityImportOut})
def economy_import(request, file: UploadedFile = File(...), dry_run: bool = Form(False)):
    """GDP, deflator and population per district and year; office only."""
    result = services.economy_import(actor=request.user, fileobj=file, dry_run=dry_run)
    return NinjaStatus(200 if result.ok else 400, result.as_dict())


# The two-high project register (api_projects.py), under the same tag and prefix.
router.add_router("", projects_router)
router.add_router("", targets_router)
router.add_router("", markets_router)
