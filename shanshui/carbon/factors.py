"""Emission-factor arithmetic and units of measure (pure: no Django).

The Chinese inventory method (provincial GHG inventory guideline; GB/T 2589 for net calorific
values and standard coal):

    CO2 (t) = quantity × NCV (GJ per unit) / 1000 × carbon content (tC/TJ) × oxidation × 44/12

so the per-unit factor of 原煤 is 20.908 / 1000 × 26.37 × 0.94 × 44/12 = 1.9003 tCO2/t. The
numbers themselves are data (``EmissionFactor`` rows, loaded by a migration): nothing here
knows a fuel.

Quantities are converted to the energy type's own unit before any factor applies: 千克 → 吨,
千瓦时 → 万千瓦时, 立方米 → 万立方米 and so on (:func:`convert`). Units of another dimension
(吨 of natural gas measured in 万立方米) are refused rather than guessed: a density is a factor
too, and none is assumed.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

C_TO_CO2 = Decimal(44) / Decimal(12)
GJ_PER_TJ = Decimal(1000)
MWH_PER_10K_KWH = Decimal(10)  # 1 万千瓦时 = 10,000 kWh = 10 MWh

# The canonical units an energy type is measured in, and what each accepted unit is in them.
TONNE, TEN_K_M3, TEN_K_KWH = "吨", "万立方米", "万千瓦时"
_UNITS: dict[str, tuple[str, Decimal]] = {
    "千克": (TONNE, Decimal("0.001")),
    "公斤": (TONNE, Decimal("0.001")),
    "kg": (TONNE, Decimal("0.001")),
    "吨": (TONNE, Decimal(1)),
    "t": (TONNE, Decimal(1)),
    "万吨": (TONNE, Decimal(10_000)),
    "千瓦时": (TEN_K_KWH, Decimal("0.0001")),
    "度": (TEN_K_KWH, Decimal("0.0001")),
    "kwh": (TEN_K_KWH, Decimal("0.0001")),
    "兆瓦时": (TEN_K_KWH, Decimal("0.1")),
    "mwh": (TEN_K_KWH, Decimal("0.1")),
    "万千瓦时": (TEN_K_KWH, Decimal(1)),
    "亿千瓦时": (TEN_K_KWH, Decimal(10_000)),
    "立方米": (TEN_K_M3, Decimal("0.0001")),
    "m3": (TEN_K_M3, Decimal("0.0001")),
    "万立方米": (TEN_K_M3, Decimal(1)),
    "万m3": (TEN_K_M3, Decimal(1)),
    "亿立方米": (TEN_K_M3, Decimal(10_000)),
}
CANONICAL_UNITS = (TONNE, TEN_K_M3, TEN_K_KWH)


class UnitProblem(ValueError):
    """``code`` is ``unknown`` (not a unit we know) or ``mismatch`` (another dimension)."""

    def __init__(self, code: str, unit: str, target: str) -> None:
        super().__init__(code)
        self.code, self.unit, self.target = code, unit, target


def unit_key(text: str) -> str:
    """A unit as typed ("m³", "M3 ", "万 m3", "KWh") in the form :data:`_UNITS` knows."""
    text = unicodedata.normalize("NFKC", text or "").replace("³", "3")
    return "".join(text.split()).lower()


def known_unit(text: str) -> bool:
    return unit_key(text) in _UNITS


def convert(quantity: Decimal, unit: str, target: str) -> Decimal:
    """``quantity`` in ``unit`` expressed in ``target`` (a canonical unit)."""
    found = _UNITS.get(unit_key(unit))
    if found is None:
        raise UnitProblem("unknown", unit, target)
    canonical, scale = found
    if canonical != target:
        raise UnitProblem("mismatch", unit, target)
    return quantity * scale


def accepted_units(target: str) -> list[str]:
    """The Chinese unit names that convert to ``target`` (for messages and the help text)."""
    return [u for u, (c, _s) in _UNITS.items() if c == target and not u.isascii()]


def co2_per_unit(
    ncv_gj: Decimal | None, carbon_tc_per_tj: Decimal | None, oxidation: Decimal | None
) -> Decimal:
    """tCO2 per unit of fuel; 0 when the factor has no carbon (electricity, non-fossil)."""
    if ncv_gj is None or carbon_tc_per_tj is None or oxidation is None:
        return Decimal(0)
    return ncv_gj / GJ_PER_TJ * carbon_tc_per_tj * oxidation * C_TO_CO2


def grid_factor_for(year: int, published: dict[int, float]) -> tuple[float, int, bool] | None:
    """(tCO2/MWh, year of the factor used, exact) for ``year``: the factor published for that
    year, else the latest earlier one. A year before the first published factor uses the first
    one (``exact`` is False in both fallbacks, and the explanation says so). None without any
    factor."""
    if not published:
        return None
    if year in published:
        return published[year], year, True
    earlier = [y for y in published if y < year]
    used = max(earlier) if earlier else min(published)
    return published[used], used, False
