"""The inventory of a hand-computed district, the JSON command, intensities at comparable
prices, the grid factor's year, and factor edits with their history."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from shanshui.carbon import selectors, services
from shanshui.carbon.models import (
    EmissionFactor,
    FactorChange,
    FactorSet,
    InventoryCell,
    RecomputeRun,
)
from shanshui.carbon.tests.helpers import WANZHOU_2023, csv_bytes, named

pytestmark = pytest.mark.django_db

# By hand, with the default set (tCO2 per unit = NCV/1000 × C × oxidation × 44/12):
COAL = 20.908 / 1000 * 26.37 * 0.94 * 44 / 12  # 1.90030 t/t
DIESEL = 42.652 / 1000 * 20.2 * 0.98 * 44 / 12  # 3.09591 t/t
GAS = 389.31 / 1000 * 15.3 * 0.99 * 44 / 12  # 21.6219 t/万m³
DIRECT = 1000 * COAL + 500 * DIESEL + 200 * GAS  # 7772.63
INDIRECT = 5000 * 10 * 0.5306  # 5000 万kWh = 50,000 MWh, 2023 national factor
TCE = 1000 * 0.7143 + 500 * 1.4571 + 200 * 13.3 + 5000 * 1.229  # 10,247.85


@pytest.fixture
def wanzhou(personas):
    rows = [*WANZHOU_2023, ["渝中区", 2023, "服务业", "电力", 100, "万千瓦时"]]
    result = services.activity_import(
        actor=personas.office, fileobj=named(csv_bytes(rows), "a.csv")
    )
    assert result.ok, result.errors
    return personas


def test_a_hand_computed_district(wanzhou, capsys):
    assert pytest.approx(7772.63, abs=0.01) == DIRECT
    call_command("carbon_inventory", "--year", "2023", "--json")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["district"] for r in lines] == ["重庆市万州区", "重庆市渝中区"] or len(lines) == 2
    w = next(r for r in lines if "万州" in r["district"])
    assert set(w) == {
        "district",
        "year",
        "direct_co2_t",
        "indirect_co2_t",
        "total_co2_t",
        "energy_tce",
    }
    assert w["year"] == 2023
    assert w["direct_co2_t"] == pytest.approx(DIRECT, abs=0.001)
    assert w["indirect_co2_t"] == pytest.approx(INDIRECT, abs=0.001)
    assert w["total_co2_t"] == pytest.approx(DIRECT + INDIRECT, abs=0.001)
    assert w["energy_tce"] == pytest.approx(TCE, abs=0.001)
    # The stored copy the pages read agrees, sector by sector.
    steel = InventoryCell.objects.get(district=wanzhou.unit_a, sector="industry")
    assert steel.subsector == "钢铁"
    assert steel.direct_co2_t == pytest.approx(1000 * COAL)
    assert steel.indirect_co2_t == pytest.approx(INDIRECT)


def test_the_drill_down_explains_the_figure(wanzhou):
    found = selectors.drill_down(wanzhou.unit_a, 2023)
    assert len(found["rows"]) == 4
    assert found["totals"]["total_co2_t"] == pytest.approx(DIRECT + INDIRECT)
    assert found["grid"] == (0.5306, 2023, True)
    diesel = next(r for r in found["rows"] if r["energy"].name == "柴油")
    assert diesel["record"].entered_unit == "千克" and diesel["quantity"] == 500
    assert diesel["factor"].ncv_gj == Decimal("42.652")
    assert diesel["co2_per_unit"] == pytest.approx(DIESEL)
    only_steel = selectors.drill_down(wanzhou.unit_a, 2023, "industry", "钢铁")
    assert len(only_steel["rows"]) == 2


def test_a_later_year_uses_the_latest_published_grid_factor(wanzhou):
    services.activity_import(
        actor=wanzhou.office,
        fileobj=named(csv_bytes([["万州区", 2025, "工业", "电力", 100, "万千瓦时"]]), "b.csv"),
    )
    cell = InventoryCell.objects.get(district=wanzhou.unit_a, year=2025)
    assert cell.indirect_co2_t == pytest.approx(100 * 10 * 0.5306)
    assert selectors.drill_down(wanzhou.unit_a, 2025)["grid"] == (0.5306, 2023, False)


def test_intensity_in_comparable_prices_and_change_against_the_base_year(wanzhou):
    services.activity_import(
        actor=wanzhou.office,
        fileobj=named(csv_bytes([["万州区", 2021, "工业/钢铁", "原煤", 2000, "吨"]]), "b.csv"),
    )
    header = ["区县", "年份", "地区生产总值", "平减指数", "常住人口"]
    rows = [["万州区", 2023, 1200, 120, 150], ["万州区", 2021, 1000, 100, 150]]
    services.economy_import(
        actor=wanzhou.office, fileobj=named(csv_bytes(rows, header=header), "e.csv")
    )
    table = selectors.district_table(wanzhou.office, 2023, 2021)
    w = next(r for r in table if r["district"] == wanzhou.unit_a)
    gdp = 1200 * 10_000 * 100 / 120  # 万元 at 2021 prices
    assert w["gdp_comparable_10k_yuan"] == pytest.approx(gdp)
    assert w["carbon_intensity"] == pytest.approx((DIRECT + INDIRECT) / gdp)
    assert w["energy_intensity"] == pytest.approx(TCE / gdp)
    assert w["per_capita_t"] == pytest.approx((DIRECT + INDIRECT) / 1_500_000)
    base_intensity = 2000 * COAL / (1000 * 10_000)
    assert w["carbon_intensity_change"] == pytest.approx(
        ((DIRECT + INDIRECT) / gdp - base_intensity) / base_intensity
    )
    assert w["non_fossil_share"] is None  # no non-fossil rows: not known


def test_a_factor_edit_is_kept_and_recomputes_in_the_background(
    wanzhou, django_capture_on_commit_callbacks
):
    coal = EmissionFactor.objects.get(factor_set__in_use=True, energy_type__name="原煤")
    before = InventoryCell.objects.get(district=wanzhou.unit_a, sector="industry").direct_co2_t
    with django_capture_on_commit_callbacks(execute=True) as queued:
        n = services.factor_update(
            actor=wanzhou.office,
            factor=coal,
            values={"ncv_gj": "20.000", "oxidation": "0.94"},
            reason="本地实测",
        )
        # Within the edit's transaction: recorded as waiting, nothing recomputed yet.
        run = RecomputeRun.objects.get()
        assert (run.status, run.requested_by) == ("pending", wanzhou.office)
        assert run.reason.endswith(" · 原煤")
        steel = InventoryCell.objects.get(district=wanzhou.unit_a, sector="industry")
        assert steel.direct_co2_t == before
    assert n == 1 and len(queued) == 1
    run.refresh_from_db()  # the immediate backend ran it once the edit committed
    assert run.status == "done" and run.cells and run.finished_at and run.task_id
    change = FactorChange.objects.get()
    assert (change.field, change.old, change.new, change.actor) == (
        "ncv_gj",
        "20.9080",
        "20.0000",
        wanzhou.office,
    )
    steel = InventoryCell.objects.get(district=wanzhou.unit_a, sector="industry")
    assert steel.direct_co2_t == pytest.approx(1000 * 20.0 / 1000 * 26.37 * 0.94 * 44 / 12)


def test_the_office_switches_to_the_ipcc_set(wanzhou, django_capture_on_commit_callbacks):
    ipcc = FactorSet.objects.get(key="ipcc-2006")
    with django_capture_on_commit_callbacks(execute=True):
        services.factor_set_use(actor=wanzhou.office, factor_set=ipcc, reason="对比")
    assert FactorSet.objects.get(in_use=True) == ipcc
    steel = InventoryCell.objects.get(district=wanzhou.unit_a, sector="industry")
    assert steel.direct_co2_t == pytest.approx(1000 * 25.8 / 1000 * 25.8 * 1 * 44 / 12)
    assert FactorChange.objects.filter(field="in_use").count() == 1


def test_only_the_office_edits_factors(wanzhou):
    from django.core.exceptions import PermissionDenied

    coal = EmissionFactor.objects.get(factor_set__in_use=True, energy_type__name="原煤")
    with pytest.raises(PermissionDenied):
        services.factor_update(actor=wanzhou.department, factor=coal, values={}, reason="")
