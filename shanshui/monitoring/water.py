"""Surface-water quality class (地表水水质类别) by single-factor evaluation per GB 3838-2002.

Sources (``shared/reference/standards.md`` §3): GB 3838-2002《地表水环境质量标准》 Table 1 (basic
items, limits for classes I–V); the national《地表水环境质量评价办法(试行)》(环办[2011]22号) for
which items take part and how the section class and main pollutants are derived.

Rules implemented:

* Item class = the best class whose limit the value meets. Upper limits (``≤``): a value equal to
  a limit meets it, so COD 15 → I and 15.1 → III (classes I and II share 15; the best class wins).
  Dissolved oxygen is a lower limit (``≥``): DO 7.5 → I, 5 → III, 1.9 → 劣V. pH meets every class
  when 6 ≤ pH ≤ 9 (→ I), otherwise 劣V. Worse than class V → 劣V.
* Total phosphorus uses the lake/reservoir column (湖、库) when ``waterbody="lake"``.
* The section class (断面水质类别) is the worst class among the participating items
  (参评指标), which are Table 1 without water temperature, total nitrogen and fecal coliform
  (评价办法; reference §3). TN and fecal coliform are still classified and reported per item
  (``evaluated=False``); Table 1 states the TN limits for lakes and reservoirs, so for rivers its
  class is for information only.
* Exceedance multiple (超标倍数) = (C − class III limit) / class III limit, for items whose value
  is above the class III limit; not computed for pH and DO (reference §3). The exact multiple
  orders the main pollutants; the reported multiple is rounded to 2 decimals half-even
  (GB/T 8170) — the reference states no precision; two decimals is the usual published form (a
  decision).
* Main pollutants (主要污染指标): participating items worse than class III, the worst class first,
  ties by exceedance multiple (largest first; items without a multiple — DO, pH — after those with
  one, then in Table 1 order), at most three (reference §3).
* Qualitative grade (水质定性评价): I–II 优, III 良好, IV 轻度污染, V 中度污染, 劣V 重度污染.

Not implemented: water temperature (a change against a baseline, not a level); DO as saturation %
(class I "饱和率 90%" alternative); detection limits (pass the number your practice uses); grading
of a whole river or lake from the share of sections per class; rules in practice documents beyond
the reference (e.g. listing cyanide or heavy metals whenever they exceed — unverified here).

Values are taken as the decimal numbers they denote: floats go through ``str`` (so 0.3 is 3/10,
not its binary neighbour) and all comparisons and ratios are exact.

This module is pure (stdlib only), with no Django imports.
"""

from __future__ import annotations

import enum
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Final

__all__ = [
    "ITEMS",
    "LIMITS",
    "PARTICIPATING",
    "WATERBODIES",
    "ItemResult",
    "WaterClass",
    "WaterResult",
    "classify_sample",
]

WATERBODIES: Final = ("river", "lake")  # "lake" = lakes and reservoirs (湖、库)


class WaterClass(enum.IntEnum):
    """GB 3838-2002 water quality classes; a larger number is worse."""

    I = 1  # noqa: E741 - the standard's own name
    II = 2
    III = 3
    IV = 4
    V = 5
    WORSE_THAN_V = 6  # 劣Ⅴ

    @property
    def label(self) -> str:
        """As written in bulletins: Ⅰ Ⅱ Ⅲ Ⅳ Ⅴ 劣Ⅴ."""
        return ("Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ")[self - 1]

    @property
    def quality(self) -> str:
        """水质定性评价: 优 (I–II), 良好 (III), 轻度污染 (IV), 中度污染 (V), 重度污染 (劣V)."""
        return ("优", "优", "良好", "轻度污染", "中度污染", "重度污染")[self - 1]

    @classmethod
    def parse(cls, value: WaterClass | int | str) -> WaterClass:
        """Accept a WaterClass, 1–6, or "I"…"V" / "Ⅰ"…"Ⅴ" / "劣V" / "劣Ⅴ" (optionally with "类")."""
        if isinstance(value, WaterClass):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return cls(value)
        if isinstance(value, str):
            text = value.strip().removesuffix("类").replace("Ⅴ", "V")
            text = text.replace("Ⅰ", "I").replace("Ⅱ", "II").replace("Ⅲ", "III")
            text = text.replace("Ⅳ", "IV")
            if text in ("劣V", "WORSE_THAN_V"):
                return cls.WORSE_THAN_V
            if text in ("I", "II", "III", "IV", "V"):
                return cls[text]
        raise ValueError(f"not a water class: {value!r}")


@dataclass(frozen=True, slots=True)
class _Item:
    code: str
    name: str  # Chinese name in GB 3838-2002 Table 1
    unit: str
    kind: str  # "max" (≤ limit), "min" (≥ limit, DO) or "range" (pH)
    limits: tuple[Decimal, ...]  # classes I..V


def _d(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


# GB 3838-2002 Table 1 (reference §3), mg/L unless stated; in Table 1 order.
_TABLE: Final = (
    _Item("pH", "pH值", "无量纲", "range", _d("6", "9")),
    _Item("DO", "溶解氧", "mg/L", "min", _d("7.5", "6", "5", "3", "2")),
    _Item("CODMn", "高锰酸盐指数", "mg/L", "max", _d("2", "4", "6", "10", "15")),
    _Item("COD", "化学需氧量", "mg/L", "max", _d("15", "15", "20", "30", "40")),
    _Item("BOD5", "五日生化需氧量", "mg/L", "max", _d("3", "3", "4", "6", "10")),
    _Item("NH3N", "氨氮", "mg/L", "max", _d("0.15", "0.5", "1.0", "1.5", "2.0")),
    _Item("TP", "总磷", "mg/L", "max", _d("0.02", "0.1", "0.2", "0.3", "0.4")),
    _Item("TN", "总氮", "mg/L", "max", _d("0.2", "0.5", "1.0", "1.5", "2.0")),
    _Item("Cu", "铜", "mg/L", "max", _d("0.01", "1.0", "1.0", "1.0", "1.0")),
    _Item("Zn", "锌", "mg/L", "max", _d("0.05", "1.0", "1.0", "2.0", "2.0")),
    _Item("F", "氟化物", "mg/L", "max", _d("1.0", "1.0", "1.0", "1.5", "1.5")),
    _Item("Se", "硒", "mg/L", "max", _d("0.01", "0.01", "0.01", "0.02", "0.02")),
    _Item("As", "砷", "mg/L", "max", _d("0.05", "0.05", "0.05", "0.1", "0.1")),
    _Item("Hg", "汞", "mg/L", "max", _d("0.00005", "0.00005", "0.0001", "0.001", "0.001")),
    _Item("Cd", "镉", "mg/L", "max", _d("0.001", "0.005", "0.005", "0.005", "0.01")),
    _Item("Cr6", "铬(六价)", "mg/L", "max", _d("0.01", "0.05", "0.05", "0.05", "0.1")),
    _Item("Pb", "铅", "mg/L", "max", _d("0.01", "0.01", "0.05", "0.05", "0.1")),
    _Item("CN", "氰化物", "mg/L", "max", _d("0.005", "0.05", "0.2", "0.2", "0.2")),
    _Item("VolatilePhenol", "挥发酚", "mg/L", "max", _d("0.002", "0.002", "0.005", "0.01", "0.1")),
    _Item("Petroleum", "石油类", "mg/L", "max", _d("0.05", "0.05", "0.05", "0.5", "1.0")),
    _Item("LAS", "阴离子表面活性剂", "mg/L", "max", _d("0.2", "0.2", "0.2", "0.3", "0.3")),
    _Item("Sulfide", "硫化物", "mg/L", "max", _d("0.05", "0.1", "0.2", "0.5", "1.0")),
    _Item(
        "FecalColiform", "粪大肠菌群", "个/L", "max", _d("200", "2000", "10000", "20000", "40000")
    ),
)
_TP_LAKE: Final = _d("0.01", "0.025", "0.05", "0.1", "0.2")  # 总磷, 湖、库

#: Item codes in Table 1 order, with their Chinese names.
ITEMS: Final[Mapping[str, str]] = MappingProxyType({it.code: it.name for it in _TABLE})
#: Limits per waterbody and item: pH (low, high); other items classes I..V.
LIMITS: Final[Mapping[str, Mapping[str, tuple[Decimal, ...]]]] = MappingProxyType(
    {
        "river": MappingProxyType({it.code: it.limits for it in _TABLE}),
        "lake": MappingProxyType(
            {it.code: (_TP_LAKE if it.code == "TP" else it.limits) for it in _TABLE}
        ),
    }
)
#: Items that take part in the section class (all of ITEMS but TN and fecal coliform).
PARTICIPATING: Final = tuple(code for code in ITEMS if code not in ("TN", "FecalColiform"))
_ORDER: Final = {code: i for i, code in enumerate(ITEMS)}
_KIND: Final = {it.code: it.kind for it in _TABLE}


@dataclass(frozen=True, slots=True)
class ItemResult:
    code: str
    name: str
    value: Decimal
    water_class: WaterClass
    #: Whether the item takes part in the section class (False for TN and fecal coliform).
    evaluated: bool
    #: Class III limit the exceedance multiple refers to (None for pH).
    limit_iii: Decimal | None
    #: (C − limit_iii) / limit_iii rounded to 0.01, when C is above limit_iii (not for pH, DO).
    exceedance: Decimal | None


@dataclass(frozen=True, slots=True)
class WaterResult:
    waterbody: str
    items: Mapping[str, ItemResult]
    #: Worst class among the evaluated items; None when no participating item was given.
    water_class: WaterClass | None
    #: Up to three participating items worse than class III (codes), worst first.
    main_pollutants: tuple[str, ...]
    #: Participating items not supplied (the class rests on the others).
    missing: tuple[str, ...]

    @property
    def quality(self) -> str | None:
        return None if self.water_class is None else self.water_class.quality

    def meets(self, target_class: WaterClass | int | str) -> bool:
        """Whether the section class is ``target_class`` or better (e.g. 达到Ⅲ类 target)."""
        target = WaterClass.parse(target_class)
        if self.water_class is None:
            raise ValueError("no participating item was given; the class is unknown")
        return self.water_class <= target


def _as_decimal(code: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral | float | Decimal):
        raise TypeError(f"{code}: expected a number, got {type(value).__name__}")
    if isinstance(value, numbers.Integral):  # int, numpy integers
        value = int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{code}: not a finite number: {value}")
        # str() is the shortest repr, i.e. the decimal the float was written as.
        value = Decimal(str(value))
    dec = Decimal(value)
    if not dec.is_finite():
        raise ValueError(f"{code}: not a finite number: {value}")
    if dec < 0:
        raise ValueError(f"{code}: a concentration cannot be negative: {value}")
    if code == "pH" and dec > 14:
        raise ValueError(f"pH must be within 0..14, got {value}")
    return dec


def _item_class(kind: str, limits: tuple[Decimal, ...], value: Decimal) -> WaterClass:
    if kind == "range":
        low, high = limits
        return WaterClass.I if low <= value <= high else WaterClass.WORSE_THAN_V
    for number, limit in enumerate(limits, start=1):
        if (value >= limit) if kind == "min" else (value <= limit):
            return WaterClass(number)
    return WaterClass.WORSE_THAN_V


def classify_sample(values: Mapping[str, object], *, waterbody: str = "river") -> WaterResult:
    """Classify one sample by GB 3838-2002 single-factor evaluation (see the module docstring).

    ``values`` maps item codes (:data:`ITEMS`) to numbers (mg/L; pH dimensionless; fecal coliform
    个/L) or ``None`` for not measured. ``waterbody``: ``"river"`` or ``"lake"`` (lakes and
    reservoirs). Raises ``ValueError`` for unknown items, negative or non-finite values.
    """
    if waterbody not in WATERBODIES:
        raise ValueError(f"waterbody must be one of {WATERBODIES}, got {waterbody!r}")
    unknown = set(values) - set(ITEMS)
    if unknown:
        raise ValueError(f"unknown items {sorted(unknown)}; expected some of {tuple(ITEMS)}")
    limits = LIMITS[waterbody]

    items: dict[str, ItemResult] = {}
    exact_multiple: dict[str, Fraction] = {}
    for code in ITEMS:
        raw = values.get(code)
        if raw is None:
            continue
        value = _as_decimal(code, raw)
        kind = _KIND[code]
        cls = _item_class(kind, limits[code], value)
        limit_iii = None if kind == "range" else limits[code][2]
        exceedance = None
        if kind == "max" and limit_iii is not None and value > limit_iii:
            multiple = (Fraction(value) - Fraction(limit_iii)) / Fraction(limit_iii)
            exact_multiple[code] = multiple
            # Fraction.__round__ rounds half to even, on the exact value.
            exceedance = Decimal(round(multiple * 100)).scaleb(-2)
        items[code] = ItemResult(
            code=code,
            name=ITEMS[code],
            value=value,
            water_class=cls,
            evaluated=code in PARTICIPATING,
            limit_iii=limit_iii,
            exceedance=exceedance,
        )

    evaluated = [r for r in items.values() if r.evaluated]
    section = max((r.water_class for r in evaluated), default=None)
    worse = [r for r in evaluated if r.water_class > WaterClass.III]
    worse.sort(
        key=lambda r: (
            -r.water_class,
            r.code not in exact_multiple,
            -exact_multiple.get(r.code, Fraction(0)),
            _ORDER[r.code],
        )
    )
    return WaterResult(
        waterbody=waterbody,
        items=MappingProxyType(items),
        water_class=section,
        main_pollutants=tuple(r.code for r in worse[:3]),
        missing=tuple(code for code in PARTICIPATING if code not in items),
    )
