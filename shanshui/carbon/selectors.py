"""Reads of the carbon app, scoped: the office and the municipal departments see every district
(the city), a district's users their own district only; another district is a 404.

Figures come from ``InventoryCell`` (the computed copy); :func:`drill_down` recomputes one
district-year's rows with the factors in use, so that every figure can be explained.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet, Sum
from django.http import Http404

from shanshui.carbon import inventory
from shanshui.carbon.factors import grid_factor_for
from shanshui.carbon.models import (
    SECTOR_NAMES,
    ActivityRecord,
    DistrictEconomy,
    EmissionFactor,
    EnergyType,
    FactorSet,
    GridFactor,
    GridFactorSet,
    InventoryCell,
    sector_label,
)
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit, UnitKind
from shanshui.orgs.scope import scope_for

# --- scope -------------------------------------------------------------------------------------


def sees_city(user) -> bool:
    """The office, and any member of a municipal department (sector duty for the whole city)."""
    scope = scope_for(user)
    if scope.sees_all:
        return True
    return any(m.unit.kind == UnitKind.DEPARTMENT for m in scope.memberships)


def districts_for(user) -> QuerySet[Unit]:
    """The districts whose inventory the user may read."""
    if sees_city(user):
        return Unit.objects.territorial()
    return scope_for(user).units().filter(kind__in=TERRITORIAL_KINDS)


def district_for(user, pk: int) -> Unit:
    try:
        return districts_for(user).get(pk=pk)
    except Unit.DoesNotExist as exc:
        raise Http404 from exc


def may_read(user) -> bool:
    return sees_city(user) or districts_for(user).exists()


# --- factors -----------------------------------------------------------------------------------


@dataclass
class Factors:
    factor_set: FactorSet | None
    grid_set: GridFactorSet | None
    by_energy: dict[int, inventory.EnergyFactor]
    rows: dict[int, EmissionFactor]
    grid: dict[int, float]
    grid_rows: dict[int, GridFactor]


def factors_in_use() -> Factors:
    factor_set = FactorSet.objects.filter(in_use=True).first()
    grid_set = GridFactorSet.objects.filter(in_use=True).first()
    rows = {
        f.energy_type_id: f
        for f in EmissionFactor.objects.filter(factor_set=factor_set).select_related("energy_type")
    }
    by_energy = {}
    for et in EnergyType.objects.all():
        f = rows.get(et.pk)
        by_energy[et.pk] = inventory.EnergyFactor(
            et.kind,
            float(f.co2_per_unit) if f else 0.0,
            float(f.tce_per_unit) if f else 0.0,
        )
    grid_rows = {g.year: g for g in GridFactor.objects.filter(grid_set=grid_set)}
    grid = {y: float(g.tco2_per_mwh) for y, g in grid_rows.items()}
    return Factors(factor_set, grid_set, by_energy, rows, grid, grid_rows)


# --- figures -----------------------------------------------------------------------------------


def years_with_data(user) -> list[int]:
    cells = InventoryCell.objects.filter(district__in=districts_for(user))
    return list(cells.values_list("year", flat=True).distinct().order_by("year"))


def _totals(
    user,
    years: list[int] | None,
    district: Unit | None = None,
    *,
    districts: list[int] | None = None,
) -> dict[tuple[int, int], dict]:
    """CO2 (direct, indirect), energy and non-fossil energy per (district, year), in one grouped
    query: of the ``years`` given (None: all), of one ``district`` or some ``districts`` (None:
    all), within the user's scope — ``user`` None only for a caller that has checked it."""
    cells = InventoryCell.objects.all()
    if years is not None:
        cells = cells.filter(year__in=years)
    if user is not None:
        cells = cells.filter(district__in=districts_for(user))
    if district is not None:
        cells = cells.filter(district=district)
    if districts is not None:
        cells = cells.filter(district_id__in=districts)
    out = {}
    for r in (
        cells.order_by()
        .values("district", "year")
        .annotate(
            direct=Sum("direct_co2_t"),
            indirect=Sum("indirect_co2_t"),
            tce=Sum("energy_tce"),
            non_fossil=Sum("non_fossil_tce"),
        )
    ):
        out[(r["district"], r["year"])] = r
    return out


def district_table(user, year: int, base_year: int | None) -> list[dict]:
    """One row per district with data in ``year``: CO2 (direct, indirect, total), energy,
    per capita, intensities at comparable prices, change against ``base_year``."""
    years = [year] + ([base_year] if base_year and base_year != year else [])
    totals = _totals(user, years)
    district_ids = {d for d, _y in totals}
    economy = {
        (e.district_id, e.year): e
        for e in DistrictEconomy.objects.filter(district_id__in=district_ids, year__in=years)
    }
    units = Unit.objects.in_bulk(district_ids)
    out = []
    for (d, y), t in totals.items():
        if y != year:
            continue
        figures = _figures(t, economy.get((d, y)))
        base = totals.get((d, base_year)) if base_year else None
        base_figures = _figures(base, economy.get((d, base_year))) if base else None
        for name in ("total_co2_t", "energy_tce", "carbon_intensity", "energy_intensity"):
            figures[f"{name}_change"] = inventory.change(
                figures[name], base_figures[name] if base_figures else None
            )
        out.append({"district": units[d], **figures})
    out.sort(key=lambda r: r["district"].path)
    return out


def _figures(t: dict, economy: DistrictEconomy | None) -> dict:
    total = t["direct"] + t["indirect"]
    gdp = None
    if economy is not None and economy.gdp_100m_yuan is not None:
        gdp = inventory.comparable_gdp_10k_yuan(
            float(economy.gdp_100m_yuan), float(economy.deflator) if economy.deflator else None
        )
    population = float(economy.population_10k) if economy and economy.population_10k else None
    return {
        "direct_co2_t": t["direct"],
        "indirect_co2_t": t["indirect"],
        "total_co2_t": total,
        "energy_tce": t["tce"],
        "non_fossil_share": (t["non_fossil"] / t["tce"]) if t["non_fossil"] and t["tce"] else None,
        "per_capita_t": inventory.per_capita_t(total, population),
        "carbon_intensity": inventory.ratio(total, gdp),
        "energy_intensity": inventory.ratio(t["tce"], gdp),
        "gdp_comparable_10k_yuan": gdp,
        "economy": economy,
    }


def city_totals(rows: list[dict]) -> dict:
    keys = ("direct_co2_t", "indirect_co2_t", "total_co2_t", "energy_tce")
    return {k: sum(r[k] for r in rows) for k in keys}


def sector_series(user, district: Unit | None = None) -> dict:
    """CO2 (t) per top-level sector and year, for the stacked chart."""
    cells = InventoryCell.objects.filter(district__in=districts_for(user))
    if district is not None:
        cells = cells.filter(district=district)
    data: dict[str, dict[int, float]] = defaultdict(dict)
    years = set()
    for r in cells.values("sector", "year").annotate(
        direct=Sum("direct_co2_t"), indirect=Sum("indirect_co2_t")
    ):
        data[sector_label(r["sector"])][r["year"]] = round(r["direct"] + r["indirect"], 1)
        years.add(r["year"])
    years = sorted(years)
    return {
        "years": years,
        "series": [
            # ``order`` keeps each sector's colour the same on every page.
            {
                "name": name,
                "order": _sector_order(name),
                "values": [data[name].get(y, 0) for y in years],
            }
            for name in sorted(data, key=_sector_order)
        ],
    }


def _sector_order(label: str) -> int:
    names = list(SECTOR_NAMES.values())
    return names.index(label) if label in names else len(names)


def district_series(user) -> dict:
    """Total CO2 (t) per district and year."""
    cells = InventoryCell.objects.filter(district__in=districts_for(user))
    data: dict[int, dict[int, float]] = defaultdict(dict)
    years = set()
    for r in cells.values("district", "year").annotate(
        direct=Sum("direct_co2_t"), indirect=Sum("indirect_co2_t")
    ):
        data[r["district"]][r["year"]] = round(r["direct"] + r["indirect"], 1)
        years.add(r["year"])
    years = sorted(years)
    units = Unit.objects.in_bulk(list(data))
    return {
        "years": years,
        "series": [
            {"name": units[d].display_name, "values": [data[d].get(y) for y in years]}
            for d in sorted(data, key=lambda d: units[d].path)
        ],
    }


def district_sectors(district: Unit, year: int) -> list[dict]:
    out = []
    for c in InventoryCell.objects.filter(district=district, year=year).order_by(
        "sector", "subsector"
    ):
        out.append(
            {
                "sector": c.sector,
                "subsector": c.subsector,
                "label": sector_label(c.sector, c.subsector),
                "direct_co2_t": c.direct_co2_t,
                "indirect_co2_t": c.indirect_co2_t,
                "total_co2_t": c.direct_co2_t + c.indirect_co2_t,
                "energy_tce": c.energy_tce,
                "rows": c.rows,
            }
        )
    out.sort(key=lambda r: (_sector_order(sector_label(r["sector"])), r["subsector"]))
    return out


def drill_down(
    district: Unit, year: int, sector: str | None = None, subsector: str | None = None
) -> dict:
    """The activity rows behind a figure, each with its factors and its share of it."""
    factors = factors_in_use()
    rows = ActivityRecord.objects.filter(district=district, year=year).select_related("energy_type")
    if sector:
        rows = rows.filter(sector=sector)
        if subsector is not None:
            rows = rows.filter(subsector=subsector)
    grid = grid_factor_for(year, factors.grid)
    out = []
    totals = {"direct_co2_t": 0.0, "indirect_co2_t": 0.0, "energy_tce": 0.0}
    order = {code: i for i, code in enumerate(SECTOR_NAMES)}
    records = sorted(
        rows, key=lambda r: (order[r.sector], r.subsector, r.energy_type.order, r.month)
    )
    for r in records:
        f = factors.by_energy[r.energy_type_id]
        quantity = float(r.quantity)
        direct, indirect, tce = inventory.row_figures(f, quantity, grid[0] if grid else None)
        totals["direct_co2_t"] += direct
        totals["indirect_co2_t"] += indirect
        totals["energy_tce"] += tce
        out.append(
            {
                "record": r,
                "sector": sector_label(r.sector, r.subsector),
                "energy": r.energy_type,
                "quantity": quantity,
                "factor": factors.rows.get(r.energy_type_id),
                "co2_per_unit": f.co2_per_unit,
                "direct_co2_t": direct,
                "indirect_co2_t": indirect,
                "energy_tce": tce,
            }
        )
    totals["total_co2_t"] = totals["direct_co2_t"] + totals["indirect_co2_t"]
    return {
        "rows": out,
        "totals": totals,
        "factor_set": factors.factor_set,
        "grid_set": factors.grid_set,
        "grid": grid,  # (tCO2/MWh, year used, exact) or None
    }


def activity_for_export(user, years: list[int] | None = None) -> QuerySet[ActivityRecord]:
    rows = ActivityRecord.objects.filter(district__in=districts_for(user))
    if years:
        rows = rows.filter(year__in=years)
    return rows.select_related("district", "energy_type").order_by(
        "district__path", "year", "month", "sector", "subsector", "energy_type__order"
    )
