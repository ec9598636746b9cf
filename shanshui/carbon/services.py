"""Writes of the carbon app: imports (all or nothing, idempotent), the inventory's recompute,
the office's factor edits (each change kept as a ``FactorChange``), and the one way the carbon
app puts a problem on the ledger (:func:`ledger_task_raise`, used by two-high projects, targets
and the carbon markets). Only the office writes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, FloatField, Sum
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from shanshui.carbon import importing, inventory, recompute
from shanshui.carbon.importing import FileProblem, Lookups, Table
from shanshui.carbon.models import (
    ActivityRecord,
    DistrictEconomy,
    EmissionFactor,
    EnterpriseActivity,
    EnterpriseInventory,
    FactorChange,
    FactorSet,
    GridFactor,
    GridFactorSet,
    ImportBatch,
    InventoryCell,
)
from shanshui.carbon.selectors import factors_in_use
from shanshui.ledger import services as ledger_services
from shanshui.ledger.models import Campaign, Category, DeadlineKind, Task, UnitRole
from shanshui.ledger.models import Status as TaskStatus
from shanshui.lib.sheets import RowError
from shanshui.orgs.models import Unit
from shanshui.orgs.scope import scope_for

PAGE_MAX_BYTES = 20 * 1024 * 1024
COMMAND_MAX_BYTES = 200 * 1024 * 1024


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    file_name: str = ""
    encoding: str = ""
    errors: list[RowError] = field(default_factory=list)
    total_rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    districts: int = 0
    years: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_count(self) -> int:
        return len(self.errors)

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "written": self.written,
            "rows": self.total_rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "districts": self.districts,
            "years": self.years,
            "errors": [
                {"row": e.row, "column": e.column, "message": e.message} for e in self.errors
            ],
        }


def _office(actor) -> None:
    if actor is not None:
        scope_for(actor).require_office(_("Only the office changes carbon data and factors."))


def _read(fileobj, spec, result: ImportResult, max_bytes: int) -> Table | None:
    try:
        table = importing.read_table(fileobj, spec, max_bytes=max_bytes)
    except FileProblem as exc:
        result.errors.append(RowError(0, "", exc.message))
        return None
    result.file_name, result.encoding = table.file_name, table.encoding
    return table


def _sha256(fileobj) -> str:
    try:
        fileobj.seek(0)
        digest = hashlib.sha256(fileobj.read()).hexdigest()
        fileobj.seek(0)
        return digest
    except (AttributeError, OSError, ValueError):
        return ""


def activity_import(
    *, actor, fileobj, dry_run: bool = False, max_bytes: int = PAGE_MAX_BYTES
) -> ImportResult:
    """Activity data from a workbook or CSV: every row checked, nothing written if any row is
    wrong; a row of the same district, year, month, sector and energy type replaces the stored
    one, so the same file twice leaves the same data. The inventory of the districts and years
    touched is recomputed."""
    _office(actor)
    result = ImportResult(kind=ImportBatch.Kind.ACTIVITY, dry_run=dry_run)
    table = _read(fileobj, importing.ACTIVITY_SPEC, result, max_bytes)
    if table is None:
        return result
    checked = importing.check_activity(table, Lookups())
    result.total_rows, result.errors = checked.total_rows, checked.errors
    rows = checked.rows
    if not rows and not result.errors:
        result.errors.append(RowError(0, "", _("The file has no data rows.")))
    if result.errors:
        return result
    districts = {r.district.pk for r in rows}
    years = {r.year for r in rows}
    result.districts, result.years = len(districts), sorted(years)
    with transaction.atomic():
        existing = {
            (a.district_id, a.year, a.month, a.sector, a.subsector, a.energy_type_id): a
            for a in ActivityRecord.objects.select_for_update().filter(
                district_id__in=districts, year__in=years
            )
        }
        # A year given by month in the file and as a whole in the database (or the reverse)
        # would be counted twice.
        stored_kind = {k[:2] + k[3:]: k[2] > 0 for k in existing}
        for r in rows:
            annual_key = r.key[:2] + r.key[3:]
            if annual_key in stored_kind and stored_kind[annual_key] != (r.month > 0):
                result.errors.append(
                    RowError(
                        r.number,
                        "",
                        _(
                            "The database holds this data for the same year %(how)s; a year is "
                            "given either by month or as a whole, not both."
                        )
                        % {"how": _("by month") if stored_kind[annual_key] else _("as a whole")},
                    )
                )
        if result.errors:
            return result
        new, changed = [], []
        for r in rows:
            a = existing.get(r.key)
            if a is None:
                new.append(
                    ActivityRecord(
                        district=r.district,
                        year=r.year,
                        month=r.month,
                        sector=r.sector,
                        subsector=r.subsector,
                        energy_type=r.energy,
                        quantity=r.quantity,
                        entered_quantity=r.entered_quantity,
                        entered_unit=r.entered_unit,
                    )
                )
            elif (a.quantity, a.entered_quantity, a.entered_unit) != (
                r.quantity,
                r.entered_quantity,
                r.entered_unit,
            ):
                a.quantity, a.entered_quantity = r.quantity, r.entered_quantity
                a.entered_unit = r.entered_unit
                changed.append(a)
            else:
                result.unchanged += 1
        result.inserted, result.updated = len(new), len(changed)
        if dry_run:
            return result
        batch = ImportBatch.objects.create(
            kind=ImportBatch.Kind.ACTIVITY,
            file_name=result.file_name[:200],
            sha256=_sha256(fileobj),
            rows=len(rows),
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
            actor=actor,
        )
        for a in new + changed:
            a.batch = batch
        ActivityRecord.objects.bulk_create(new, batch_size=2000)
        ActivityRecord.objects.bulk_update(
            changed, ["quantity", "entered_quantity", "entered_unit", "batch"], batch_size=2000
        )
        if new or changed:
            inventory_recompute(districts=districts, years=years)
        result.written = True
    return result


def economy_import(
    *, actor, fileobj, dry_run: bool = False, max_bytes: int = PAGE_MAX_BYTES
) -> ImportResult:
    """GDP (亿元, current prices), deflator and population per district and year; a cell left
    empty keeps what is stored."""
    _office(actor)
    result = ImportResult(kind=ImportBatch.Kind.ECONOMY, dry_run=dry_run)
    table = _read(fileobj, importing.ECONOMY_SPEC, result, max_bytes)
    if table is None:
        return result
    checked = importing.check_economy(table, Lookups())
    result.total_rows, result.errors = checked.total_rows, checked.errors
    if not checked.rows and not result.errors:
        result.errors.append(RowError(0, "", _("The file has no data rows.")))
    if result.errors:
        return result
    rows = checked.rows
    result.districts = len({r.district.pk for r in rows})
    result.years = sorted({r.year for r in rows})
    fields = ("gdp_100m_yuan", "deflator", "price_base_year", "population_10k")
    with transaction.atomic():
        existing = {
            (e.district_id, e.year): e
            for e in DistrictEconomy.objects.select_for_update().filter(
                district_id__in={r.district.pk for r in rows}, year__in=result.years
            )
        }
        new, changed = [], []
        for r in rows:
            e = existing.get((r.district.pk, r.year))
            if e is None:
                new.append(
                    DistrictEconomy(
                        district=r.district, year=r.year, **{f: getattr(r, f) for f in fields}
                    )
                )
                continue
            before = tuple(getattr(e, f) for f in fields)
            for f in fields:
                if getattr(r, f) is not None:
                    setattr(e, f, getattr(r, f))
            if tuple(getattr(e, f) for f in fields) != before:
                changed.append(e)
            else:
                result.unchanged += 1
        result.inserted, result.updated = len(new), len(changed)
        if dry_run:
            return result
        batch = ImportBatch.objects.create(
            kind=ImportBatch.Kind.ECONOMY,
            file_name=result.file_name[:200],
            sha256=_sha256(fileobj),
            rows=len(rows),
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
            actor=actor,
        )
        for e in new + changed:
            e.batch = batch
        DistrictEconomy.objects.bulk_create(new)
        DistrictEconomy.objects.bulk_update(changed, [*fields, "batch"])
        result.written = True
    return result


# --- the inventory -----------------------------------------------------------------------------


def compute_cells(*, districts=None, years=None) -> tuple[inventory.Cells, list[tuple[str, str]]]:
    """The inventory of the activity rows (optionally of some districts and years), computed
    from scratch with the factors in use; also the (sector, sub-sector) list the cells index."""
    factors = factors_in_use()
    rows = ActivityRecord.objects.all()
    if districts is not None:
        rows = rows.filter(district_id__in=list(districts))
    if years is not None:
        rows = rows.filter(year__in=list(years))
    columns, sectors = _activity_columns(rows)
    cells = inventory.compute(**columns, factors=factors.by_energy, grid=factors.grid)
    return cells, sectors


_ARRAYS_SQL = """
WITH r (district_id, year, sector, subsector, energy_type_id, quantity) AS ({inner}),
s AS (
    SELECT sector, subsector, row_number() OVER (ORDER BY sector, subsector) - 1 AS idx
    FROM (SELECT DISTINCT sector, subsector FROM r) AS d
)
SELECT array_agg(r.district_id), array_agg(r.year), array_agg(s.idx),
       array_agg(r.energy_type_id), array_agg(r.quantity::float8),
       (SELECT array_agg(sector ORDER BY idx) FROM s),
       (SELECT array_agg(subsector ORDER BY idx) FROM s)
FROM r JOIN s USING (sector, subsector)
"""


def _activity_columns(rows) -> tuple[dict[str, np.ndarray], list[tuple[str, str]]]:
    """The rows as numpy columns (district, year, sector index, energy, quantity) and the
    (sector, sub-sector) list the index points into."""
    query = rows.annotate(q=Cast("quantity", FloatField())).values_list(
        "district_id", "year", "sector", "subsector", "energy_type_id", "q"
    )
    inner, params = query.query.sql_with_params()
    if connection.vendor == "postgresql":
        # One row of arrays, built by PostgreSQL and parsed by psycopg's C code: about twice as
        # fast as 351,000 row tuples (bench/carbon_bench.py).
        with connection.cursor() as cursor:
            cursor.execute(_ARRAYS_SQL.format(inner=inner), params)
            d, y, s, e, q, sector, subsector = cursor.fetchone()
        sectors = list(zip(sector or [], subsector or [], strict=True))
        columns = [d or [], y or [], s or [], e or [], q or []]
    else:
        with connection.cursor() as cursor:
            cursor.execute(inner, params)
            data = cursor.fetchall()
        index: dict[tuple[str, str], int] = {}
        columns = [[r[0] for r in data], [r[1] for r in data]]
        columns.append([index.setdefault((r[2], r[3]), len(index)) for r in data])
        columns += [[r[4] for r in data], [r[5] for r in data]]
        sectors = list(index)
    names = ("district", "year", "sector", "energy")
    out = {name: np.asarray(c, dtype=np.int64) for name, c in zip(names, columns, strict=False)}
    out["quantity"] = np.asarray(columns[4], dtype=np.float64)
    return out, sectors


_INSERT_CELLS_SQL = """
INSERT INTO carbon_inventorycell (district_id, year, sector, subsector, direct_co2_t,
    indirect_co2_t, energy_tce, non_fossil_tce, "rows")
SELECT * FROM unnest(%s::bigint[], %s::int[], %s::text[], %s::text[], %s::float8[],
    %s::float8[], %s::float8[], %s::float8[], %s::int[])
"""


INVENTORY_LOCK_KEY = 0x5348_4353  # "SHCS": the advisory lock of the inventories' recompute


def inventories_lock() -> None:
    """Inventories are rewritten by one transaction at a time (an import's, the queued
    recompute's): on PostgreSQL an advisory lock held to the end of the caller's transaction;
    SQLite has one writer anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [INVENTORY_LOCK_KEY])


def inventory_recompute(*, districts=None, years=None) -> int:
    """Replace the stored inventory (all, or of some districts and years) by a fresh one."""
    with transaction.atomic():
        inventories_lock()
        return _inventory_recompute(districts=districts, years=years)


def _inventory_recompute(*, districts, years) -> int:
    cells, sectors = compute_cells(districts=districts, years=years)
    sector = [sectors[i][0] for i in cells.sector]
    subsector = [sectors[i][1] for i in cells.sector]
    with transaction.atomic():
        stale = InventoryCell.objects.all()
        if districts is not None:
            stale = stale.filter(district_id__in=list(districts))
        if years is not None:
            stale = stale.filter(year__in=list(years))
        stale._raw_delete(stale.db)  # no signals or cascades on cells: one DELETE
        if connection.vendor == "postgresql":
            # One INSERT of arrays instead of 11,700 parameter rows.
            with connection.cursor() as cursor:
                cursor.execute(
                    _INSERT_CELLS_SQL,
                    [
                        cells.district.tolist(),
                        cells.year.tolist(),
                        sector,
                        subsector,
                        cells.direct_co2_t.tolist(),
                        cells.indirect_co2_t.tolist(),
                        cells.energy_tce.tolist(),
                        cells.non_fossil_tce.tolist(),
                        cells.rows.tolist(),
                    ],
                )
            return len(cells)
        InventoryCell.objects.bulk_create(
            [
                InventoryCell(
                    district_id=int(cells.district[i]),
                    year=int(cells.year[i]),
                    sector=sector[i],
                    subsector=subsector[i],
                    direct_co2_t=float(cells.direct_co2_t[i]),
                    indirect_co2_t=float(cells.indirect_co2_t[i]),
                    energy_tce=float(cells.energy_tce[i]),
                    non_fossil_tce=float(cells.non_fossil_tce[i]),
                    rows=int(cells.rows[i]),
                )
                for i in range(len(cells))
            ],
            batch_size=2000,
        )
    return len(cells)


# --- the enterprise-level inventory ----------------------------------------------------------

_INSERT_ENTERPRISE_SQL = """
INSERT INTO carbon_enterpriseinventory (enterprise_id, year, direct_co2_t, indirect_co2_t,
    energy_tce, "rows")
SELECT * FROM unnest(%s::bigint[], %s::int[], %s::float8[], %s::float8[], %s::float8[],
    %s::int[])
"""


def enterprise_recompute(*, enterprises=None, years=None) -> int:
    """Replace the enterprises' computed emissions per year (all, or of some enterprises and
    years) from their monthly energy rows and the factors in use: the district inventory's
    arithmetic (inventory.compute) with the enterprise in the district's place."""
    with transaction.atomic():
        inventories_lock()
        return _enterprise_recompute(enterprises=enterprises, years=years)


def _enterprise_recompute(*, enterprises, years) -> int:
    factors = factors_in_use()
    rows = EnterpriseActivity.objects.all()
    stale = EnterpriseInventory.objects.all()
    if enterprises is not None:
        rows = rows.filter(enterprise_id__in=list(enterprises))
        stale = stale.filter(enterprise_id__in=list(enterprises))
    if years is not None:
        rows = rows.filter(year__in=list(years))
        stale = stale.filter(year__in=list(years))
    # Each row's CO2 and tce are linear in its quantity, so the months are summed per
    # enterprise, year and energy type in SQL first: 720,000 rows become 60,000.
    query = (
        rows.order_by()
        .values_list("enterprise_id", "year", "energy_type_id")
        .annotate(q=Cast(Sum("quantity"), FloatField()), n=Count("pk"))
    )
    postgres = connection.vendor == "postgresql"
    data = list(query)
    columns = [[r[i] for r in data] for i in range(5)]
    e = np.asarray(columns[0], dtype=np.int64)
    y = np.asarray(columns[1], dtype=np.int64)
    cells = inventory.compute(
        district=e,
        year=y,
        sector=np.zeros(len(e), dtype=np.int64),
        energy=np.asarray(columns[2], dtype=np.int64),
        quantity=np.asarray(columns[3], dtype=np.float64),
        factors=factors.by_energy,
        grid=factors.grid,
    )
    # The cells are in (enterprise, year) order, as np.unique gives them: count the rows.
    _keys, inverse = np.unique(e * 10_000 + y, return_inverse=True)
    cells.rows = np.bincount(inverse, weights=np.asarray(columns[4], dtype=np.float64)).astype(
        np.int64
    )
    with transaction.atomic():
        stale._raw_delete(stale.db)
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute(
                    _INSERT_ENTERPRISE_SQL,
                    [
                        cells.district.tolist(),
                        cells.year.tolist(),
                        cells.direct_co2_t.tolist(),
                        cells.indirect_co2_t.tolist(),
                        cells.energy_tce.tolist(),
                        cells.rows.tolist(),
                    ],
                )
        else:
            EnterpriseInventory.objects.bulk_create(
                [
                    EnterpriseInventory(
                        enterprise_id=int(cells.district[i]),
                        year=int(cells.year[i]),
                        direct_co2_t=float(cells.direct_co2_t[i]),
                        indirect_co2_t=float(cells.indirect_co2_t[i]),
                        energy_tce=float(cells.energy_tce[i]),
                        rows=int(cells.rows[i]),
                    )
                    for i in range(len(cells))
                ],
                batch_size=2000,
            )
    return len(cells)


# --- factors -----------------------------------------------------------------------------------

FACTOR_FIELDS = ("ncv_gj", "carbon_tc_per_tj", "oxidation", "tce_per_unit")


def as_text(value) -> str:
    """A value as a change record shows it: "" for None, a unit by its display name."""
    if value is None:
        return ""
    return value.display_name if hasattr(value, "display_name") else str(value)


@transaction.atomic
def factor_update(*, actor, factor: EmissionFactor, values: dict, reason: str) -> int:
    """Change a factor's numbers; each changed field is kept as a FactorChange. The inventories
    are recomputed in the background (recompute.py) when the factor's set is in use. Returns the
    number of fields changed."""
    _office(actor)
    factor = (
        EmissionFactor.objects.select_for_update()
        .select_related("factor_set", "energy_type")
        .get(pk=factor.pk)
    )
    changes = []
    for name in FACTOR_FIELDS:
        if name not in values:
            continue
        new = values[name]
        new = None if new is None else Decimal(new)
        old = getattr(factor, name)
        if old == new:
            continue
        places = EmissionFactor._meta.get_field(name).decimal_places
        if new is not None:
            new = new.quantize(Decimal(1).scaleb(-places))
        setattr(factor, name, new)
        changes.append(
            FactorChange(
                subject=str(factor)[:160],
                field=name,
                old=as_text(old),
                new=as_text(new),
                reason=reason,
                emission_factor=factor,
                actor=actor,
            )
        )
    if changes:
        factor.full_clean()
        factor.save()
        FactorChange.objects.bulk_create(changes)
        if factor.factor_set.in_use:
            recompute.recompute_request(actor=actor, reason=str(factor))
    return len(changes)


def _use(actor, model, chosen, subject: str, reason: str) -> None:
    """Put ``chosen`` (a factor set or a grid factor set) in use, record it, and queue the
    recompute."""
    _office(actor)
    current = model.objects.select_for_update().filter(in_use=True).first()
    if current == chosen:
        return
    model.objects.filter(in_use=True).update(in_use=False)
    model.objects.filter(pk=chosen.pk).update(in_use=True)
    FactorChange.objects.create(
        subject=subject[:160],
        field="in_use",
        old=current.name[:60] if current else "",
        new=chosen.name[:60],
        reason=reason,
        actor=actor,
    )
    recompute.recompute_request(actor=actor, reason=f"{subject} · {chosen.name}")


@transaction.atomic
def factor_set_use(*, actor, factor_set: FactorSet, reason: str = "") -> None:
    _use(actor, FactorSet, factor_set, _("Emission factor set in use"), reason)


@transaction.atomic
def grid_set_use(*, actor, grid_set: GridFactorSet, reason: str = "") -> None:
    _use(actor, GridFactorSet, grid_set, _("Grid factor set in use"), reason)


@transaction.atomic
def grid_factor_save(
    *, actor, grid_set: GridFactorSet, year: int, tco2_per_mwh: Decimal, source: str, reason: str
) -> GridFactor:
    """Add or change one year's grid factor of a set (kept as a FactorChange)."""
    _office(actor)
    factor = GridFactor.objects.select_for_update().filter(grid_set=grid_set, year=year).first()
    old = factor.tco2_per_mwh if factor else None
    if factor is None:
        factor = GridFactor(grid_set=grid_set, year=year)
    if old == tco2_per_mwh and factor.source == source:
        return factor
    factor.tco2_per_mwh, factor.source = tco2_per_mwh, source
    factor.full_clean()
    factor.save()
    FactorChange.objects.create(
        subject=f"{grid_set.name} · {year}"[:160],
        field="tco2_per_mwh",
        old=as_text(old),
        new=as_text(tco2_per_mwh),
        reason=reason,
        grid_factor=factor,
        actor=actor,
    )
    if grid_set.in_use:
        recompute.recompute_request(actor=actor, reason=f"{grid_set.name} · {year}")
    return factor


@transaction.atomic
def grid_set_create(*, actor, key: str, name: str, region: str, source: str) -> GridFactorSet:
    """A regional or provincial set; its factors are added year by year."""
    _office(actor)
    grid_set = GridFactorSet(key=key, name=name, region=region, source=source)
    grid_set.full_clean()
    grid_set.save()
    FactorChange.objects.create(subject=name[:160], field="created", new=region[:60], actor=actor)
    return grid_set


# --- ledger tasks ------------------------------------------------------------------------------

LEAD_UNIT_KEY = "cq-ndrc"  # 市发展改革委 leads energy saving and targets
MARKET_LEAD_UNIT_KEY = "cq-ecology-environment"  # 市生态环境局 runs carbon-market compliance


def task_is_open(task: Task | None) -> bool:
    """A raised task stands until it is withdrawn (撤回, entered by mistake): then the project,
    target or compliance year may raise another."""
    return task is not None and task.status != TaskStatus.WITHDRAWN


def _free_code(campaign: Campaign, code: str) -> str:
    """``code``, or ``code-2``, ``code-3`` … when a withdrawn task already holds it (tasks are
    never deleted, and a number is unique within its campaign)."""
    taken = set(
        Task.objects.filter(campaign=campaign, code__startswith=code).values_list("code", flat=True)
    )
    if code not in taken:
        return code
    n = 2
    while f"{code}-{n}" in taken:
        n += 1
    return f"{code}-{n}"


def ledger_task_raise(
    *,
    actor,
    campaign: Campaign,
    code: str,
    district: Unit,
    title: str,
    problem: str,
    target: str,
    measures: list[str],
    deadline,
    note: dict,
    lead_key: str = LEAD_UNIT_KEY,
    system: str = "",
) -> Task:
    """A draft ledger task (category 双碳) with ``district`` implementing and the unit of
    ``lead_key`` leading. The ledger's ``task_create`` checks the office's role and the fields
    and writes the creation event; the caller records its own event and keeps the task.
    ``system`` (``actor`` None): the scheduled check raising it, named in the ledger's event."""
    units = [ledger_services.UnitAssignment(district, UnitRole.IMPLEMENTING)]
    lead = Unit.objects.filter(key=lead_key).first()
    if lead is not None:
        units.insert(0, ledger_services.UnitAssignment(lead, UnitRole.LEAD))
    return ledger_services.task_create(
        actor=actor,
        campaign=campaign,
        code=_free_code(campaign, code),
        title=title[:200],
        problem=problem,
        target=target,
        measures=measures,
        categories=[Category.CARBON],
        deadline_kind=DeadlineKind.DATED,
        deadline=deadline,
        units=units,
        note={"source": "carbon", **note},
        system=system,
    )
