"""Air quality index (环境空气质量指数, AQI) per HJ 633-2012, plus a provisional HJ 633-2026.

Sources (see ``shared/reference/standards.md`` §0–§1):

* HJ 633-2012《环境空气质量指数(AQI)技术规定(试行)》, Table 1 (IAQI breakpoints and footnotes),
  Table 2 (levels, categories, health advice), Appendix A (colours);
  https://www.mee.gov.cn/ywgz/fgbz/bz/bzwb/jcffbz/201203/t20120302_224166.shtml .
* HJ 633-2026 (in force 2026-03-01), **provisional** here — see :data:`PROVISIONAL`.

Computation (HJ 633-2012):

* ``IAQI_P = (IAQI_Hi − IAQI_Lo) / (BP_Hi − BP_Lo) × (C_P − BP_Lo) + IAQI_Lo`` on the adjacent
  breakpoints ``BP_Lo ≤ C_P ≤ BP_Hi`` of the indicator's row in Table 1;
* IAQI is **rounded up** to an integer (全部进位取整, HJ 633-2012 §6.2 as quoted in the reference
  §1.2; ceil is the only rule that reproduces 51/51 published CNEMC hourly AQIs);
* AQI = max(IAQI); primary pollutant(s) (首要污染物) only when AQI > 50, every pollutant whose IAQI
  equals the AQI; exceeding pollutants (超标污染物) are those with IAQI > 100 (§1.3).

Exactness. A value exactly on a breakpoint must give exactly that breakpoint's IAQI (PM2.5 24-h 75
→ 100, 35 → 50), and a decimal such as CO 2.2 mg/m³ must give 55, not the 56 that the binary
approximation 2.2000000000000002 would give after ``ceil``. The concentration is therefore first
quantised to 10⁻⁶ of its unit (``q = round(C × 10⁶)``, half-even, the same IEEE operation in the
scalar and the array path), which is far below any reported precision (integers in µg/m³, CO to
0.1 mg/m³), and the interpolation and the ceiling are then done in exact integer arithmetic:
``IAQI = IAQI_Lo + ceil((IAQI_Hi − IAQI_Lo) × (q − BP_Lo·10⁶) / ((BP_Hi − BP_Lo)·10⁶))``.

Values on a breakpoint. The segment is chosen as ``BP_Lo < C ≤ BP_Hi`` (``C = 0`` → the first
segment). Either adjacent segment gives the same IAQI because the segments are continuous:
for ``C = BP_k`` the lower segment gives ``IAQI_{k−1} + (IAQI_k − IAQI_{k−1}) × (BP_k − BP_{k−1}) /
(BP_k − BP_{k−1}) = IAQI_k`` and the upper one ``IAQI_k + (…) × 0 = IAQI_k``, both integers, so the
ceiling changes neither (tested for every breakpoint of every row).

Inputs: µg/m³, CO in mg/m³; ``None``, NaN, ±inf and negative values are missing (excluded from the
maximum, reported in ``excluded``). A value above the top of its row (e.g. PM2.5 > 500) has no
formula: its IAQI is capped at 500 and it is listed in ``above_table`` (common "爆表" practice,
reference §1.2 table). Values are used as given: round them to the reported precision first if the
AQI must match published figures (PM2.5 35.4 → 51 as given, 50 after rounding to 35).

Which indicators to pass is the caller's choice of report: :data:`DAILY_INDICATORS` for the daily
report (日报, reference §1.4), :data:`HOURLY_INDICATORS` for CNEMC's published hourly AQI.

This module is pure (stdlib + numpy), with no Django imports.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "AQI_LEVELS",
    "BREAKPOINTS",
    "DAILY_INDICATORS",
    "HJ633_2026_EFFECTIVE",
    "HOURLY_INDICATORS",
    "IAQI_STEPS",
    "INDICATORS",
    "POLLUTANTS",
    "POLLUTANT_LABELS_ZH",
    "POLLUTANT_NAMES",
    "PROVISIONAL",
    "STANDARDS",
    "STANDARD_2012",
    "STANDARD_2026",
    "AqiArrays",
    "AqiLevel",
    "AqiResult",
    "compute_aqi",
    "compute_aqi_arrays",
    "compute_iaqi",
    "compute_iaqi_array",
    "indicator_pollutant",
    "level_for",
    "standard_for",
]

STANDARD_2012: Final = "HJ633-2012"
STANDARD_2026: Final = "HJ633-2026"
STANDARDS: Final = (STANDARD_2012, STANDARD_2026)

#: HJ 633-2026 applies to data dated on or after this day (reference §0).
HJ633_2026_EFFECTIVE: Final = dt.date(2026, 3, 1)

#: Profiles whose tables have not been checked against the official text, with the reason.
PROVISIONAL: Final[Mapping[str, str]] = MappingProxyType(
    {
        STANDARD_2026: (
            "HJ 633-2026 PM10/PM2.5 breakpoints (IAQI 100 ↔ PM10 120, PM2.5 60), SO2 1-h > 800 → "
            "IAQI 200, O3 8-h > 800 → IAQI 300 and the dropped 'exceeding pollutant' come from two "
            "third-party transcriptions that agree (aqi-hub on PyPI; OpenMapX hj633-2026.json "
            "citing https://www.mee.gov.cn/ywgz/fgbz/bz/bzwb/jcffbz/202602/"
            "W020260225366493492011.pdf), not from the official text; levels, colours and the "
            "remaining rows are assumed unchanged from HJ 633-2012 (reference §0)."
        ),
    }
)

#: Indicator codes. ``_24H``: 24-h mean; ``_1H``: 1-h mean; ``O3_8H``: 8-h moving mean (or its
#: daily maximum in the daily report); ``O3_1H``: 1-h mean (its daily maximum in the daily report).
INDICATORS: Final = (
    "SO2_24H",
    "SO2_1H",
    "NO2_24H",
    "NO2_1H",
    "PM10_24H",
    "PM10_1H",
    "PM25_24H",
    "PM25_1H",
    "CO_24H",
    "CO_1H",
    "O3_1H",
    "O3_8H",
)
#: Pollutants in a fixed order; also the bit order of the bitmasks in :class:`AqiArrays`.
POLLUTANTS: Final = ("SO2", "NO2", "PM10", "PM25", "CO", "O3")
#: How a pollutant is named in results ("PM2.5", not the code "PM25").
POLLUTANT_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {"SO2": "SO2", "NO2": "NO2", "PM10": "PM10", "PM25": "PM2.5", "CO": "CO", "O3": "O3"}
)
#: Names as CNEMC publishes them (e.g. "颗粒物(PM10),细颗粒物(PM2.5)" for a tie).
POLLUTANT_LABELS_ZH: Final[Mapping[str, str]] = MappingProxyType(
    {
        "SO2": "二氧化硫",
        "NO2": "二氧化氮",
        "PM10": "颗粒物(PM10)",
        "PM25": "细颗粒物(PM2.5)",
        "CO": "一氧化碳",
        "O3": "臭氧",
    }
)
_NAME_TO_POLLUTANT = {name: code for code, name in POLLUTANT_NAMES.items()}

#: Daily report (日报): 24-h means, O3 daily max 1-h and daily max 8-h moving mean (reference §1.4).
DAILY_INDICATORS: Final = ("SO2_24H", "NO2_24H", "PM10_24H", "PM25_24H", "CO_24H", "O3_1H", "O3_8H")
#: What CNEMC's published hourly AQI uses (reference §1.4, checked on 51 published values): the six
#: 1-h values, PM indexed with the 24-h PM rows, no O3 8-h.
HOURLY_INDICATORS: Final = ("SO2_1H", "NO2_1H", "PM10_1H", "PM25_1H", "CO_1H", "O3_1H")

#: IAQI values of the breakpoint columns of HJ 633-2012 Table 1.
IAQI_STEPS: Final = (0, 50, 100, 150, 200, 300, 400, 500)

# HJ 633-2012 Table 1 (reference §1.1), one tuple per row, aligned with IAQI_STEPS; a shorter row
# ends where the table has "—" (SO2 1-h above 800, O3 8-h above 800: footnotes 2 and 3).
_ROWS_2012: dict[str, tuple[int, ...]] = {
    "SO2_24H": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "SO2_1H": (0, 150, 500, 650, 800),
    "NO2_24H": (0, 40, 80, 180, 280, 565, 750, 940),
    "NO2_1H": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "PM10_24H": (0, 50, 150, 250, 350, 420, 500, 600),
    "PM25_24H": (0, 35, 75, 115, 150, 250, 350, 500),
    "CO_24H": (0, 2, 4, 14, 24, 36, 48, 60),
    "CO_1H": (0, 5, 10, 35, 60, 90, 120, 150),
    "O3_1H": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "O3_8H": (0, 100, 160, 215, 265, 800),
}
# Hourly PM values are indexed with the 24-h PM rows (Table 1 has no 1-h PM rows; CNEMC practice,
# reference §1.4).
_ROWS_2012["PM10_1H"] = _ROWS_2012["PM10_24H"]
_ROWS_2012["PM25_1H"] = _ROWS_2012["PM25_24H"]

# HJ 633-2026 (provisional): only the PM rows change (reference §0).
_ROWS_2026 = dict(_ROWS_2012)
_ROWS_2026["PM10_24H"] = _ROWS_2026["PM10_1H"] = (0, 50, 120, 250, 350, 420, 500, 600)
_ROWS_2026["PM25_24H"] = _ROWS_2026["PM25_1H"] = (0, 35, 60, 115, 150, 250, 350, 500)

#: Breakpoint rows by standard and indicator (µg/m³; CO mg/m³), aligned with :data:`IAQI_STEPS`.
BREAKPOINTS: Final[Mapping[str, Mapping[str, tuple[int, ...]]]] = MappingProxyType(
    {
        STANDARD_2012: MappingProxyType({code: _ROWS_2012[code] for code in INDICATORS}),
        STANDARD_2026: MappingProxyType({code: _ROWS_2026[code] for code in INDICATORS}),
    }
)

# Quantum of the concentration: 10⁻⁶ of the unit (see the module docstring).
_SCALE: Final = 1_000_000
_FSCALE: Final = float(_SCALE)
_CAP: Final = 500  # IAQI given to values above the top of their row
_SPECIAL_LIMIT: Final = 800  # SO2 1-h and O3 8-h footnotes
#: Elements per block in compute_aqi_arrays (chosen by measurement: docs/benchmarks.md, Monitoring).
_AQI_CHUNK = 1 << 18


@dataclass(frozen=True, slots=True)
class _Row:
    bp: tuple[int, ...]  # scaled breakpoints (× _SCALE)
    iaqi: tuple[int, ...]
    top: int  # unscaled last breakpoint
    bp_arr: np.ndarray
    iaqi_arr: np.ndarray


@dataclass(frozen=True, slots=True)
class _Profile:
    name: str
    rows: Mapping[str, _Row]
    # What happens above 800 for SO2 1-h and O3 8-h: None = no IAQI, fall back to the other
    # indicator (HJ 633-2012 footnotes 2, 3); an int = that IAQI (HJ 633-2026).
    so2_1h_over_800: int | None
    o3_8h_over_800: int | None
    exceeding_defined: bool


def _make_row(bps: tuple[int, ...]) -> _Row:
    steps = IAQI_STEPS[: len(bps)]
    scaled = tuple(b * _SCALE for b in bps)
    return _Row(
        bp=scaled,
        iaqi=steps,
        top=bps[-1],
        bp_arr=np.array(scaled, dtype=np.int64),
        iaqi_arr=np.array(steps, dtype=np.int64),
    )


_PROFILES: Final[Mapping[str, _Profile]] = MappingProxyType(
    {
        STANDARD_2012: _Profile(
            name=STANDARD_2012,
            rows={code: _make_row(bps) for code, bps in BREAKPOINTS[STANDARD_2012].items()},
            so2_1h_over_800=None,
            o3_8h_over_800=None,
            exceeding_defined=True,
        ),
        STANDARD_2026: _Profile(
            name=STANDARD_2026,
            rows={code: _make_row(bps) for code, bps in BREAKPOINTS[STANDARD_2026].items()},
            so2_1h_over_800=200,
            o3_8h_over_800=300,
            exceeding_defined=False,
        ),
    }
)


# --- levels (HJ 633-2012 Table 2, Appendix A) -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class AqiLevel:
    """One row of HJ 633-2012 Table 2 with its Appendix A colour."""

    level: int  # 1..6
    roman: str  # "I".."VI"
    name: str  # 一级..六级
    category: str  # 优 良 轻度污染 中度污染 重度污染 严重污染
    aqi_min: int
    aqi_max: int | None  # None: open-ended (> 300)
    colour_name: str
    rgb: tuple[int, int, int]
    cmyk: tuple[int, int, int, int]
    health_effect: str
    advice: str

    @property
    def hex(self) -> str:
        return "#{:02X}{:02X}{:02X}".format(*self.rgb)


AQI_LEVELS: Final[tuple[AqiLevel, ...]] = (
    AqiLevel(
        1, "I", "一级", "优", 0, 50, "绿色", (0, 228, 0), (40, 0, 100, 0),
        "空气质量令人满意，基本无空气污染",
        "各类人群可正常活动",
    ),
    AqiLevel(
        2, "II", "二级", "良", 51, 100, "黄色", (255, 255, 0), (0, 0, 100, 0),
        "空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响",
        "极少数异常敏感人群应减少户外活动",
    ),
    AqiLevel(
        3, "III", "三级", "轻度污染", 101, 150, "橙色", (255, 126, 0), (0, 52, 100, 0),
        "易感人群症状有轻度加剧，健康人群出现刺激症状",
        "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼",
    ),
    AqiLevel(
        4, "IV", "四级", "中度污染", 151, 200, "红色", (255, 0, 0), (0, 100, 100, 0),
        "进一步加剧易感人群症状，可能对健康人群心脏、呼吸系统有影响",
        "儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，"
        "一般人群适量减少户外运动",
    ),
    AqiLevel(
        5, "V", "五级", "重度污染", 201, 300, "紫色", (153, 0, 76), (10, 100, 40, 30),
        "心脏病和肺病患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状",
        "儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动",
    ),
    AqiLevel(
        6, "VI", "六级", "严重污染", 301, None, "褐红色", (126, 0, 35), (30, 100, 100, 30),
        "健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病",
        "儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动",
    ),
)  # fmt: skip
# Upper bounds of levels 1..5; np.searchsorted(…, side="left") + 1 gives the level of an AQI.
_LEVEL_UPPER = np.array([50, 100, 150, 200, 300])


def level_for(aqi: int) -> AqiLevel:
    """The Table 2 level of an (integer) AQI: 0–50 → 1, 51–100 → 2, …, > 300 → 6."""
    if isinstance(aqi, bool) or not isinstance(aqi, int | np.integer):
        raise TypeError(f"AQI must be an integer, got {type(aqi).__name__}")
    if aqi < 0:
        raise ValueError(f"AQI cannot be negative: {aqi}")
    return AQI_LEVELS[bisect.bisect_left((50, 100, 150, 200, 300), int(aqi))]


# --- helpers --------------------------------------------------------------------------------------


def standard_for(day: dt.date) -> str:
    """The AQI standard that applies to data of ``day`` (a local Asia/Shanghai calendar date).

    Before 2026-03-01 → ``"HJ633-2012"``; from then on → ``"HJ633-2026"`` (reference §0; DESIGN §3).
    """
    # A datetime would compare by its date part only after a decision about its time zone,
    # which belongs to the caller (e.g. django.utils.timezone.localdate).
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise TypeError(f"expected a datetime.date, got {type(day).__name__}")
    return STANDARD_2026 if day >= HJ633_2026_EFFECTIVE else STANDARD_2012


def indicator_pollutant(code: str) -> str:
    """``"PM25_1H"`` → ``"PM25"``."""
    _check_code(code)
    return code.rsplit("_", 1)[0]


def _profile(standard: str) -> _Profile:
    try:
        return _PROFILES[standard]
    except KeyError:
        raise ValueError(
            f"unknown AQI standard {standard!r}; expected one of {STANDARDS}"
        ) from None


def _check_code(code: str) -> None:
    if code not in BREAKPOINTS[STANDARD_2012]:
        raise ValueError(f"unknown indicator {code!r}; expected one of {INDICATORS}")


def _as_float(value: object, code: str) -> float:
    """A concentration as a float (NaN for None); rejects bools and non-numbers."""
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(
        value, int | float | Decimal | Fraction | np.integer | np.floating
    ):
        raise TypeError(f"{code}: expected a number or None, got {type(value).__name__}")
    return float(value)


def _iaqi_scaled(row: _Row, q: int) -> int:
    """Exact ceil-interpolated IAQI for a quantised concentration ``0 <= q <= top``."""
    k = max(bisect.bisect_left(row.bp, q), 1)  # segment BP_{k-1} < q <= BP_k (q = 0 → k = 1)
    lo_bp, hi_bp = row.bp[k - 1], row.bp[k]
    lo_i, hi_i = row.iaqi[k - 1], row.iaqi[k]
    num = (hi_i - lo_i) * (q - lo_bp)
    den = hi_bp - lo_bp
    return lo_i + -(-num // den)


# Outcome of looking one value up in its row.
_MISSING, _OK, _ABOVE, _OVER_800 = "missing", "ok", "above_table", "over_800"


def _lookup(profile: _Profile, code: str, c: float) -> tuple[str, int | None]:
    if not math.isfinite(c) or c < 0:
        return _MISSING, None
    if c > _SPECIAL_LIMIT and code in ("SO2_1H", "O3_8H"):
        special = profile.so2_1h_over_800 if code == "SO2_1H" else profile.o3_8h_over_800
        return _OVER_800, special
    row = profile.rows[code]
    if c > row.top:
        return _ABOVE, _CAP
    return _OK, _iaqi_scaled(row, round(c * _FSCALE))


def compute_iaqi(code: str, concentration: object, *, standard: str = STANDARD_2012) -> int | None:
    """IAQI of one indicator value (see the module docstring for the rules).

    ``None`` when the value is missing/negative/non-finite, and for SO2 1-h or O3 8-h above
    800 µg/m³ under HJ 633-2012 (the standard computes no IAQI from them; :func:`compute_aqi` then
    falls back on the 24-h SO2 / 1-h O3 value). Above the row's top → 500.
    """
    _check_code(code)
    return _lookup(_profile(standard), code, _as_float(concentration, code))[1]


# --- scalar AQI -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AqiResult:
    """AQI of one set of indicator values (one station-hour or one station-day)."""

    standard: str
    #: IAQI per indicator code (``None``: no IAQI). Holds every code passed in ``values`` and, when
    #: a special rule used it, the fallback indicator (``SO2_24H`` / ``O3_1H``).
    iaqi: Mapping[str, int | None]
    aqi: int | None
    level: AqiLevel | None
    #: Names ("PM2.5", "O3", …) of the pollutants whose IAQI equals the AQI, only when AQI > 50.
    primary_pollutants: tuple[str, ...]
    #: The indicator codes that gave those IAQIs (e.g. ``("O3_8H",)``).
    primary_indicators: tuple[str, ...]
    #: Names of pollutants with IAQI > 100; ``None`` under HJ 633-2026, which drops the notion.
    exceeding_pollutants: tuple[str, ...] | None
    #: Codes whose value lies above the top of the row (IAQI capped at 500).
    above_table: tuple[str, ...]
    #: Codes passed with no usable value (None, NaN, ±inf, negative).
    excluded: tuple[str, ...]
    #: Machine-readable notes: ``above_table:<code>``, ``excluded:<code>``,
    #: ``so2_1h_over_800:iaqi_from_so2_24h`` / ``…:no_so2_24h`` / ``…:iaqi_200``,
    #: ``o3_8h_over_800:iaqi_from_o3_1h`` / ``…:no_o3_1h`` / ``…:iaqi_300``, ``fallback:<code>``.
    flags: tuple[str, ...]

    @property
    def level_number(self) -> int | None:
        return None if self.level is None else self.level.level

    @property
    def category(self) -> str | None:
        return None if self.level is None else self.level.category

    @property
    def colour_hex(self) -> str | None:
        return None if self.level is None else self.level.hex

    @property
    def pollutant_iaqi(self) -> dict[str, int]:
        """IAQI per pollutant code (the largest of its indicators), pollutants with an IAQI only."""
        out: dict[str, int] = {}
        for code, value in self.iaqi.items():
            if value is not None:
                p = code.rsplit("_", 1)[0]
                out[p] = max(out.get(p, value), value)
        return out


_FALLBACK_CODES = frozenset({"SO2_24H", "O3_1H"})  # the special rules' stand-ins


def compute_aqi(
    values: Mapping[str, object],
    *,
    fallback: Mapping[str, object] | None = None,
    standard: str = STANDARD_2012,
) -> AqiResult:
    """AQI, level, primary and exceeding pollutants of one set of indicator values.

    ``values`` maps indicator codes (:data:`INDICATORS`) to concentrations (µg/m³; CO mg/m³;
    ``None`` = missing). ``fallback`` may hold ``SO2_24H`` and ``O3_1H`` for the HJ 633-2012 special
    rules — SO2 1-h > 800 µg/m³: SO2 is indexed from its 24-h mean (Table 1 footnote 2); O3 8-h >
    800 µg/m³: O3 is indexed from its 1-h mean (footnote 3). A value in ``values`` takes precedence
    over the fallback; when neither is usable the pollutant has no IAQI and a ``…:no_…`` flag says
    so. Under HJ 633-2026 (provisional) the same cases give IAQI 200 and 300 instead.
    """
    profile = _profile(standard)
    fallback = fallback or {}
    for code in values:
        _check_code(code)
    for code in fallback:
        if code not in _FALLBACK_CODES:
            raise ValueError(f"fallback accepts only {sorted(_FALLBACK_CODES)}, got {code!r}")
    found = _Indexed()
    for code in INDICATORS:
        if code in values:
            found.index(profile, code, _as_float(values[code], code))
    _index_over_800(profile, found, fallback)
    return _summary(profile, found)


@dataclass
class _Indexed:
    """The IAQIs of one set of values as :func:`compute_aqi` works them out, and what it noticed
    on the way (in the order the result lists it)."""

    iaqi: dict[str, int | None] = field(default_factory=dict)
    above: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    over_800: list[str] = field(default_factory=list)  # SO2 1-h / O3 8-h over 800 µg/m³

    def index(self, profile: _Profile, code: str, c: float) -> None:
        state, result = _lookup(profile, code, c)
        self.iaqi[code] = result
        if state == _MISSING:
            self.excluded.append(code)
            self.flags.append(f"excluded:{code}")
        elif state == _ABOVE:
            self.above.append(code)
            self.flags.append(f"above_table:{code}")
        elif state == _OVER_800:
            self.over_800.append(code)


def _index_over_800(profile: _Profile, found: _Indexed, fallback: Mapping[str, object]) -> None:
    """HJ 633-2012 footnotes 2 and 3: SO2 1-h over 800 µg/m³ is indexed from the 24-h mean, O3
    8-h over 800 from the 1-h value — the one in ``values`` or else the fallback. Under HJ
    633-2026 the profile gives a fixed IAQI instead (already in ``found``)."""
    for code in found.over_800:
        use, label = ("SO2_24H", "so2_24h") if code == "SO2_1H" else ("O3_1H", "o3_1h")
        prefix = f"{code.lower()}_over_800"
        if found.iaqi[code] is not None:  # HJ 633-2026: a fixed IAQI
            found.flags.append(f"{prefix}:iaqi_{found.iaqi[code]}")
            continue
        if found.iaqi.get(use) is not None:
            found.flags.append(f"{prefix}:iaqi_from_{label}")
            continue
        state, result = _lookup(profile, use, _as_float(fallback.get(use), use))
        if result is None:
            found.flags.append(f"{prefix}:no_{label}")
            continue
        found.iaqi[use] = result
        found.flags.append(f"{prefix}:iaqi_from_{label}")
        found.flags.append(f"fallback:{use}")
        if state == _ABOVE:
            found.above.append(use)
            found.flags.append(f"above_table:{use}")


def _summary(profile: _Profile, found: _Indexed) -> AqiResult:
    """The AQI (the largest IAQI), its level, the primary pollutants (IAQI = AQI, when AQI > 50)
    and the exceeding ones (IAQI > 100, where the standard defines them)."""
    valid = {code: v for code, v in found.iaqi.items() if v is not None}
    if not valid:
        aqi = None
        level = None
        primary: tuple[str, ...] = ()
        primary_codes: tuple[str, ...] = ()
    else:
        aqi = max(valid.values())
        level = level_for(aqi)
        if aqi > 50:
            primary_codes = tuple(code for code in INDICATORS if valid.get(code) == aqi)
            pollutants = {code.rsplit("_", 1)[0] for code in primary_codes}
            primary = tuple(POLLUTANT_NAMES[p] for p in POLLUTANTS if p in pollutants)
        else:
            primary, primary_codes = (), ()
    exceeding: tuple[str, ...] | None
    if profile.exceeding_defined:
        over = {code.rsplit("_", 1)[0] for code, v in valid.items() if v > 100}
        exceeding = tuple(POLLUTANT_NAMES[p] for p in POLLUTANTS if p in over)
    else:
        exceeding = None

    return AqiResult(
        standard=profile.name,
        iaqi=MappingProxyType(found.iaqi),
        aqi=aqi,
        level=level,
        primary_pollutants=primary,
        primary_indicators=primary_codes,
        exceeding_pollutants=exceeding,
        above_table=tuple(found.above),
        excluded=tuple(found.excluded),
        flags=tuple(found.flags),
    )


# --- arrays ---------------------------------------------------------------------------------------


def _lookup_array(
    profile: _Profile, code: str, conc: npt.ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Array :func:`_lookup`: (IAQI float64 with NaN, above-table mask, over-800 mask)."""
    c = np.asarray(conc, dtype=np.float64)
    row = profile.rows[code]
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(c) & (c >= 0)
        over_800 = np.zeros(c.shape, dtype=bool)
        if code in ("SO2_1H", "O3_8H"):
            over_800 = valid & (c > _SPECIAL_LIMIT)
        above = valid & ~over_800 & (c > row.top)
        inside = valid & ~over_800 & ~above
    # Same IEEE operation as round(c * _FSCALE) in the scalar path: multiply, then round half-even.
    q = np.rint(np.where(inside, c, 0.0) * _FSCALE).astype(np.int64)
    k = np.clip(np.searchsorted(row.bp_arr, q, side="left"), 1, len(row.bp) - 1)
    lo_bp, hi_bp = row.bp_arr[k - 1], row.bp_arr[k]
    lo_i, hi_i = row.iaqi_arr[k - 1], row.iaqi_arr[k]
    num = (hi_i - lo_i) * (q - lo_bp)
    iaqi = (lo_i - (-num // (hi_bp - lo_bp))).astype(np.float64)
    out = np.where(inside, iaqi, np.nan)
    out[above] = _CAP
    special = profile.so2_1h_over_800 if code == "SO2_1H" else profile.o3_8h_over_800
    out[over_800] = np.nan if special is None else special
    return out, above, over_800


def compute_iaqi_array(code: str, conc: npt.ArrayLike, standard: str = STANDARD_2012) -> np.ndarray:
    """IAQI of an array of values of one indicator: float64, NaN where :func:`compute_iaqi` is None.

    Gives exactly :func:`compute_iaqi` element by element (same quantisation, integer ceiling).
    """
    _check_code(code)
    return _lookup_array(_profile(standard), code, conc)[0]


_POLLUTANT_BIT: Final[Mapping[str, int]] = MappingProxyType(
    {p: 1 << i for i, p in enumerate(POLLUTANTS)}
)
_INDICATOR_BIT: Final[Mapping[str, int]] = MappingProxyType(
    {code: 1 << i for i, code in enumerate(INDICATORS)}
)


def _decode(bits: int, order: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(POLLUTANT_NAMES[p] for i, p in enumerate(order) if bits >> i & 1)


@dataclass(frozen=True)
class AqiArrays:
    """Element-wise AQI results; every array has the broadcast shape of the inputs."""

    standard: str
    #: IAQI per indicator (float64, NaN = none); includes ``SO2_24H`` / ``O3_1H`` when a fallback
    #: array was given for them.
    iaqi: Mapping[str, np.ndarray]
    aqi: np.ndarray  # float64, NaN where no indicator has an IAQI
    level: np.ndarray  # int8, 1..6; 0 where the AQI is missing
    primary: np.ndarray  # uint8 bitmask over POLLUTANTS (bit i = POLLUTANTS[i]); 0 if AQI <= 50
    exceeding: np.ndarray | None  # uint8 bitmask of IAQI > 100; None under HJ 633-2026
    above_table: np.ndarray  # uint16 bitmask over INDICATORS

    def primary_pollutants(self, index: int | tuple[int, ...]) -> tuple[str, ...]:
        """Names of the primary pollutants at ``index`` (see ``AqiResult``)."""
        return _decode(int(self.primary[index]), POLLUTANTS)

    def exceeding_pollutants(self, index: int | tuple[int, ...]) -> tuple[str, ...] | None:
        if self.exceeding is None:
            return None
        return _decode(int(self.exceeding[index]), POLLUTANTS)

    def above_table_codes(self, index: int | tuple[int, ...]) -> tuple[str, ...]:
        bits = int(self.above_table[index])
        return tuple(code for i, code in enumerate(INDICATORS) if bits >> i & 1)


def compute_aqi_arrays(
    values: Mapping[str, npt.ArrayLike],
    *,
    fallback: Mapping[str, npt.ArrayLike] | None = None,
    standard: str = STANDARD_2012,
) -> AqiArrays:
    """Vectorised :func:`compute_aqi`: same rules, same integers, NaN for missing.

    ``values`` maps indicator codes to arrays (broadcast together); ``fallback`` may hold
    ``SO2_24H`` / ``O3_1H`` arrays for the HJ 633-2012 special rules, used element by element
    exactly as in :func:`compute_aqi`.
    """
    profile = _profile(standard)
    fallback = fallback or {}
    for code in values:
        _check_code(code)
    for code in fallback:
        if code not in _FALLBACK_CODES:
            raise ValueError(f"fallback accepts only {sorted(_FALLBACK_CODES)}, got {code!r}")
    codes = [code for code in INDICATORS if code in values]
    if not codes:
        raise ValueError("no indicator values given")
    arrays = np.broadcast_arrays(
        *[np.asarray(values[c], dtype=np.float64) for c in codes],
        *[np.asarray(fallback[c], dtype=np.float64) for c in fallback],
    )
    shape = arrays[0].shape
    size = math.prod(shape)
    # In blocks of _AQI_CHUNK elements: every rule is element by element, and a block's dozens of
    # temporaries stay in cache instead of each being as large as the whole input.
    flat = [a.reshape(-1) if a.flags.c_contiguous else a for a in arrays]
    out: dict[str, np.ndarray] = {}
    for lo in range(0, max(size, 1), _AQI_CHUNK):
        hi = min(lo + _AQI_CHUNK, size)
        block = [a[lo:hi] if a.ndim == 1 else a.flat[lo:hi] for a in flat]
        given = dict(zip(codes, block[: len(codes)], strict=True))
        fb = dict(zip(fallback, block[len(codes) :], strict=True))
        for name, arr in _aqi_block(profile, codes, given, fb).items():
            if name not in out:
                out[name] = np.empty(size, dtype=arr.dtype)
            out[name][lo:hi] = arr
    out = {name: arr.reshape(shape) for name, arr in out.items()}
    return AqiArrays(
        standard=profile.name,
        iaqi=MappingProxyType({n[5:]: a for n, a in out.items() if n.startswith("iaqi:")}),
        aqi=out["aqi"],
        level=out["level"],
        primary=out["primary"],
        exceeding=out.get("exceeding"),
        above_table=out["above_table"],
    )


def _aqi_block(
    profile: _Profile,
    codes: list[str],
    given: dict[str, np.ndarray],
    fb: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """:func:`compute_aqi_arrays` on one block of 1-D arrays: its outputs by name."""
    shape = next(iter(given.values())).shape
    iaqi: dict[str, np.ndarray] = {}
    above_bits = np.zeros(shape, dtype=np.uint16)
    over: dict[str, np.ndarray] = {}
    for code in codes:
        iaqi[code], above, over[code] = _lookup_array(profile, code, given[code])
        above_bits |= np.where(above, np.uint16(_INDICATOR_BIT[code]), np.uint16(0))

    for code, use in (("SO2_1H", "SO2_24H"), ("O3_8H", "O3_1H")):
        if code not in over or use not in fb:
            continue
        special = profile.so2_1h_over_800 if code == "SO2_1H" else profile.o3_8h_over_800
        if special is not None:
            continue
        current = iaqi.get(use, np.full(shape, np.nan))
        take = over[code] & np.isnan(current)
        fb_iaqi, fb_above, _ = _lookup_array(profile, use, fb[use])
        iaqi[use] = np.where(take, fb_iaqi, current)
        above_bits |= np.where(take & fb_above, np.uint16(_INDICATOR_BIT[use]), np.uint16(0))

    per_pollutant: dict[str, np.ndarray] = {}
    for code, arr in iaqi.items():
        p = code.rsplit("_", 1)[0]
        per_pollutant[p] = np.fmax(per_pollutant[p], arr) if p in per_pollutant else arr
    aqi = np.full(shape, np.nan)
    for arr in per_pollutant.values():
        np.fmax(aqi, arr, out=aqi)

    has = ~np.isnan(aqi)
    level = np.zeros(shape, dtype=np.int8)
    level[has] = np.searchsorted(_LEVEL_UPPER, aqi[has], side="left") + 1
    primary = np.zeros(shape, dtype=np.uint8)
    exceeding = np.zeros(shape, dtype=np.uint8) if profile.exceeding_defined else None
    with np.errstate(invalid="ignore"):
        for p, arr in per_pollutant.items():
            bit = np.uint8(_POLLUTANT_BIT[p])
            primary |= np.where((arr == aqi) & (aqi > 50), bit, np.uint8(0))
            if exceeding is not None:
                exceeding |= np.where(arr > 100, bit, np.uint8(0))

    out = {f"iaqi:{code}": arr for code, arr in iaqi.items()}
    out.update(aqi=aqi, level=level, primary=primary, above_table=above_bits)
    if exceeding is not None:
        out["exceeding"] = exceeding
    return out
