"""The pure arithmetic: per-unit factors, units, grid-year selection, intensities (no database)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest

from shanshui.carbon import factors, inventory

D = Decimal


def q(value: Decimal, places: str) -> Decimal:
    return value.quantize(D(places), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize(
    ("ncv", "carbon", "oxidation", "published", "places"),
    [
        ("20.908", "26.37", "0.94", "1.9003", "0.0001"),  # 原煤 tCO2/t
        ("28.435", "29.5", "0.93", "2.8604", "0.0001"),  # 焦炭
        ("41.816", "20.1", "0.98", "3.0202", "0.0001"),  # 原油
        ("41.816", "21.1", "0.98", "3.1705", "0.0001"),  # 燃料油
        ("43.070", "18.9", "0.98", "2.9251", "0.0001"),  # 汽油
        ("43.070", "19.5", "0.98", "3.0179", "0.0001"),  # 煤油
        ("42.652", "20.2", "0.98", "3.0959", "0.0001"),  # 柴油
        ("50.179", "17.2", "0.98", "3.1013", "0.0001"),  # 液化石油气
        ("389.31", "15.3", "0.99", "21.622", "0.001"),  # 天然气 t/万m³
    ],
)
def test_it_reproduces_the_published_per_unit_factors(ncv, carbon, oxidation, published, places):
    value = factors.co2_per_unit(D(ncv), D(carbon), D(oxidation))
    assert q(value, places) == D(published)


def test_it_gives_no_carbon_without_a_carbon_content():
    assert factors.co2_per_unit(None, None, None) == 0


@pytest.mark.parametrize(
    ("quantity", "unit", "target", "expected"),
    [
        ("2500", "千克", "吨", "2.5"),
        ("3", "吨", "吨", "3"),
        ("1.5", "万吨", "吨", "15000"),
        ("120000", "千瓦时", "万千瓦时", "12"),
        ("7", "万千瓦时", "万千瓦时", "7"),
        ("45000", "立方米", "万立方米", "4.5"),
        ("45000", " m³ ", "万立方米", "4.5"),
        ("2", "万立方米", "万立方米", "2"),
    ],
)
def test_it_converts_units(quantity, unit, target, expected):
    assert factors.convert(D(quantity), unit, target) == D(expected)


def test_it_refuses_units_of_another_dimension_or_unknown():
    with pytest.raises(factors.UnitProblem) as exc:
        factors.convert(D(1), "吨", "万立方米")
    assert exc.value.code == "mismatch"
    with pytest.raises(factors.UnitProblem) as exc:
        factors.convert(D(1), "桶", "吨")
    assert exc.value.code == "unknown"


GRID = {2021: 0.5568, 2022: 0.5366, 2023: 0.5306}


def test_it_uses_the_years_own_grid_factor_or_the_latest_earlier_one():
    assert factors.grid_factor_for(2022, GRID) == (0.5366, 2022, True)
    assert factors.grid_factor_for(2025, GRID) == (0.5306, 2023, False)
    # Before the first published year: the first one, marked as not exact.
    assert factors.grid_factor_for(2019, GRID) == (0.5568, 2021, False)
    assert factors.grid_factor_for(2023, {}) is None


def test_it_sums_rows_per_district_year_and_sector():
    coal = inventory.EnergyFactor(inventory.FUEL, 1.9003, 0.7143)
    power = inventory.EnergyFactor(inventory.ELECTRICITY, 0.0, 1.229)
    hydro = inventory.EnergyFactor(inventory.NON_FOSSIL, 0.0, 1.229)
    cells = inventory.compute(
        district=np.array([1, 1, 1, 2, 1]),
        year=np.array([2023, 2023, 2023, 2023, 2025]),
        sector=np.array([0, 0, 1, 0, 0]),
        energy=np.array([10, 11, 12, 10, 11]),
        quantity=np.array([100.0, 50.0, 20.0, 1.0, 10.0]),
        factors={10: coal, 11: power, 12: hydro},
        grid=GRID,
    )
    got = {
        (int(d), int(y), int(s)): (round(a, 4), round(b, 4), round(c, 4), round(n, 4), int(r))
        for d, y, s, a, b, c, n, r in zip(
            cells.district,
            cells.year,
            cells.sector,
            cells.direct_co2_t,
            cells.indirect_co2_t,
            cells.energy_tce,
            cells.non_fossil_tce,
            cells.rows,
            strict=True,
        )
    }
    assert got == {
        (1, 2023, 0): (190.03, 265.3, 132.88, 0.0, 2),  # 50 万kWh × 10 MWh × 0.5306
        (1, 2023, 1): (0.0, 0.0, 24.58, 24.58, 1),
        (2, 2023, 0): (1.9003, 0.0, 0.7143, 0.0, 1),
        (1, 2025, 0): (0.0, 53.06, 12.29, 0.0, 1),  # 2025 uses 2023's factor
    }
    assert cells.grid_years[2025] == (0.5306, 2023, False)


def test_it_refuses_an_energy_type_without_factor():
    with pytest.raises(KeyError):
        inventory.compute(
            district=[1], year=[2023], sector=[0], energy=[99], quantity=[1.0], factors={}, grid={}
        )


def test_intensity_uses_comparable_prices():
    # GDP 120 亿元 at current prices, deflator 120 (base year = 100): 100 亿元 = 1,000,000 万元
    gdp = inventory.comparable_gdp_10k_yuan(120.0, 120.0)
    assert gdp == pytest.approx(1_000_000)
    assert inventory.ratio(500_000.0, gdp) == pytest.approx(0.5)  # t per 10,000 yuan
    assert inventory.comparable_gdp_10k_yuan(120.0, None) is None
    assert inventory.per_capita_t(1_000_000.0, 50.0) == pytest.approx(2.0)
    assert inventory.change(82.0, 100.0) == pytest.approx(-0.18)
