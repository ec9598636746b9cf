"""The inventory arithmetic (pure: numpy, no Django).

Each activity row (district × year × month × sector × energy type, quantity in the energy
type's unit) contributes:

- a fuel: direct CO2 = quantity × tCO2 per unit (:func:`factors.co2_per_unit`);
- grid electricity: indirect CO2 = quantity (万千瓦时) × 10 MWh × the grid factor of the row's
  year (:func:`factors.grid_factor_for`: the latest published year at or before it);
- a non-fossil source: no CO2, its energy counted as non-fossil;
- every row: energy in tce = quantity × tce per unit.

:func:`compute` sums them per (district, year, sector) for any number of rows at once: 351,000
rows (39 districts × 15 years × 20 sectors × 30 energy types) take a few tens of milliseconds.
:func:`row_figures` is the same sum for one row, which the drill-down shows beside its factors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shanshui.carbon.factors import grid_factor_for

FUEL, ELECTRICITY, NON_FOSSIL = "fuel", "electricity", "non_fossil"
MWH_PER_UNIT = 10.0  # 1 万千瓦时 = 10 MWh


@dataclass(frozen=True)
class EnergyFactor:
    kind: str  # FUEL, ELECTRICITY or NON_FOSSIL
    co2_per_unit: float  # tCO2 per unit (fuels)
    tce_per_unit: float


@dataclass
class Cells:
    """Sums per (district, year, sector), one entry per combination that has rows."""

    district: np.ndarray
    year: np.ndarray
    sector: np.ndarray  # index into the caller's list of sectors
    direct_co2_t: np.ndarray
    indirect_co2_t: np.ndarray
    energy_tce: np.ndarray
    non_fossil_tce: np.ndarray
    rows: np.ndarray
    grid_years: dict[int, tuple[float, int, bool] | None]  # year → grid_factor_for(year)

    def __len__(self) -> int:
        return len(self.district)


def row_figures(
    factor: EnergyFactor, quantity: float, grid_t_per_mwh: float | None
) -> tuple[float, float, float]:
    """(direct tCO2, indirect tCO2, tce) of one row."""
    direct = quantity * factor.co2_per_unit if factor.kind == FUEL else 0.0
    indirect = 0.0
    if factor.kind == ELECTRICITY and grid_t_per_mwh is not None:
        indirect = quantity * MWH_PER_UNIT * grid_t_per_mwh
    return direct, indirect, quantity * factor.tce_per_unit


def compute(
    *,
    district: np.ndarray,
    year: np.ndarray,
    sector: np.ndarray,
    energy: np.ndarray,
    quantity: np.ndarray,
    factors: dict[int, EnergyFactor],
    grid: dict[int, float],
) -> Cells:
    """Sum the rows (parallel arrays) per (district, year, sector).

    ``energy`` holds energy-type ids, which must all be in ``factors`` (KeyError otherwise:
    a row without a factor is a data error the caller reports, not a zero).
    """
    district = np.asarray(district, dtype=np.int64)
    year = np.asarray(year, dtype=np.int64)
    sector = np.asarray(sector, dtype=np.int64)
    energy = np.asarray(energy, dtype=np.int64)
    quantity = np.asarray(quantity, dtype=np.float64)
    empty = np.zeros(0)
    if len(quantity) == 0:
        ints = np.zeros(0, dtype=np.int64)
        return Cells(ints, ints, ints, empty, empty, empty, empty, ints, {})

    # Per energy type, dense: the factors and kinds looked up by position.
    ids = np.array(sorted(factors), dtype=np.int64)
    pos = np.searchsorted(ids, energy)
    if (pos >= len(ids)).any() or (ids[np.minimum(pos, len(ids) - 1)] != energy).any():
        missing = sorted(set(energy.tolist()) - set(ids.tolist()))
        raise KeyError(f"no factor for energy types {missing[:10]}")
    co2 = np.array([factors[i].co2_per_unit for i in ids])
    tce = np.array([factors[i].tce_per_unit for i in ids])
    kind = np.array([factors[i].kind for i in ids])
    is_fuel = (kind == FUEL)[pos]
    is_elec = (kind == ELECTRICITY)[pos]
    is_nonfossil = (kind == NON_FOSSIL)[pos]

    years, year_idx = np.unique(year, return_inverse=True)
    grid_years = {int(y): grid_factor_for(int(y), grid) for y in years}
    grid_by_year = np.array([grid_years[int(y)][0] if grid_years[int(y)] else 0.0 for y in years])

    direct = np.where(is_fuel, quantity * co2[pos], 0.0)
    indirect = np.where(is_elec, quantity * MWH_PER_UNIT * grid_by_year[year_idx], 0.0)
    energy_tce = quantity * tce[pos]
    non_fossil = np.where(is_nonfossil, energy_tce, 0.0)

    districts, d_idx = np.unique(district, return_inverse=True)
    sectors, s_idx = np.unique(sector, return_inverse=True)
    key = (d_idx * len(years) + year_idx) * len(sectors) + s_idx
    keys, inverse = np.unique(key, return_inverse=True)
    n = len(keys)

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(inverse, weights=values, minlength=n)

    s_of = keys % len(sectors)
    y_of = (keys // len(sectors)) % len(years)
    d_of = keys // (len(sectors) * len(years))
    return Cells(
        district=districts[d_of],
        year=years[y_of],
        sector=sectors[s_of],
        direct_co2_t=total(direct),
        indirect_co2_t=total(indirect),
        energy_tce=total(energy_tce),
        non_fossil_tce=total(non_fossil),
        rows=np.bincount(inverse, minlength=n),
        grid_years=grid_years,
    )


# --- indicators --------------------------------------------------------------------------------


def comparable_gdp_10k_yuan(gdp_100m_yuan: float | None, deflator: float | None) -> float | None:
    """GDP in 10,000 yuan at the base year's prices: current-price GDP (亿元) × 10,000 × 100 /
    the deflator (base year = 100). None without GDP or deflator."""
    if not gdp_100m_yuan or not deflator:
        return None
    return gdp_100m_yuan * 10_000 * 100 / deflator


def ratio(value: float | None, base: float | None) -> float | None:
    if value is None or not base:
        return None
    return value / base


def per_capita_t(total_t: float, population_10k: float | None) -> float | None:
    """Tonnes per resident (population in 万人)."""
    return ratio(total_t, population_10k * 10_000 if population_10k else None)


def change(value: float | None, base: float | None) -> float | None:
    """Relative change against the base year's value (−0.18 = 18 % lower)."""
    if value is None or not base:
        return None
    return (value - base) / base
