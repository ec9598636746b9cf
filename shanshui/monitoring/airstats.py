"""Daily, monthly and annual air-quality statistics per GB 3095-2012 and HJ 663-2013.

Sources (``shared/reference/standards.md`` §1.4, §2): GB 3095-2012《环境空气质量标准》 Table 1
(limits) and Table 4 (data validity, 数据有效性规定); HJ 663-2013《环境空气质量评价技术规范(试行)》
(O3 daily maximum 8-h mean, annual statistics, percentile method); HJ 633-2012 for the daily AQI.

Data layout. Hourly arrays have one column per pollutant in :data:`POLLUTANTS` order (SO2, NO2,
PM10, PM2.5 in µg/m³; CO in mg/m³; O3 in µg/m³), NaN for missing. Element ``i`` of a station's
series is the mean over ``[start 00:00 + i h, start 00:00 + (i+1) h)`` local time — the value
CNEMC labels ``i+1`` o'clock ("16时的小时均值为15:00-16:00的算术平均值", reference §2.2), so a
value CNEMC labels 00:00 belongs to the *previous* day's last slot. The series starts at 00:00
of ``start`` and covers whole natural days (24 values each).

Daily statistics (reference §2.2 table, GB 3095-2012 Table 4, HJ 663-2013):

* 24-h means of SO2, NO2, PM10, PM2.5, CO: at least :data:`MIN_HOURS_24H` (20) valid hours.
* O3 8-h moving mean labelled *h* = mean of the hourly values labelled *h−7 … h*, valid with at
  least :data:`MIN_HOURS_8H` (6) valid hours, the mean taken over the valid hours. The daily
  maximum 8-h mean (日最大8小时平均) is taken over the 17 windows ending 08:00 … 24:00 of the
  natural day, i.e. starting at slots 0 … 16 (00:00 … 16:00), so every window lies inside the
  day; it is valid with at least :data:`MIN_WINDOWS_8H` (14) valid windows. HJ 663's exception
  that keeps an under-filled statistic valid when it already exceeds the limit is **not** applied
  (reference §2.2; the counts are returned so a caller can apply it).
* O3 daily maximum 1-h value: the reference gives no completeness rule; we require
  ``min_hours_o3_1h`` (default 20, as for a 24-h statistic) valid hours — a decision, adjustable.
* Negative, non-finite and absurd (> :data:`MAX_HOURLY`) hourly values count as missing.

Exact arithmetic. Hourly values are quantised to 10⁻⁶ of their unit and summed as integers, so
means are exact rationals and the GB/T 8170 rounding (integers in µg/m³, CO to 0.1 mg/m³,
round-half-even on the exact value, reference §1.2 / §2.3) never suffers from binary noise; the
scalar reference loop (bench) and the array code give identical numbers by construction. With
``rounding=True`` (default) daily values are rounded before the AQI and the period statistics, as
published daily values are; ``rounding=False`` keeps unrounded floats for analysis.

Daily AQI: HJ 633 on the seven daily indicators (:data:`shanshui.monitoring.aqi.DAILY_INDICATORS`),
the standard chosen by each day's date (:func:`shanshui.monitoring.aqi.standard_for`). A day counts
for good-day ratios only when it is ``complete``: every pollutant has at least one valid daily
indicator (a decision: the reference does not define a valid AQI day; otherwise a day with CO alone
could count as 优).

Period statistics (reference §2.3, §2.4): means of the daily values; percentiles of the daily
values — SO2, NO2 98th, PM10, PM2.5, CO 95th, O3 daily max-8h 90th — by the HJ 663-2013 method
(:func:`percentile_hj663`); validity per GB 3095-2012 Table 4: a year needs ≥ 324 daily values and
≥ 27 in every month (≥ 25 in February), a month ≥ 27 (25). Table 4 states the rule for annual
means of SO2, NO2, PM10, PM2.5; we apply it to every annual statistic, CO and O3 percentiles
included (a decision; the counts are returned). Invalid statistics are NaN. Good-air-day ratio
(优良天数比例) = complete days with AQI ≤ 100 / complete days; heavy-pollution days: AQI > 200.
Compliance (达标) for a year compares the rounded statistics with GB 3095-2012 Class II (or I)
limits: annual means with the annual limits, percentiles with the 24-h (O3: 8-h) limits; a value
equal to the limit complies.

GB 3095-2026 / HJ 663-2026 (in force 2026-03-01) change limits, validity and evaluation rules that
are not collected in the reference; :func:`annual_statistics` and :func:`monthly_statistics`
therefore refuse periods reaching 2026-03-01 unless the caller passes ``limits`` explicitly.

This module is pure (stdlib + numpy), with no Django imports.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Final

import numpy as np
import numpy.typing as npt

from shanshui.monitoring import aqi as _aqi

__all__ = [
    "DAILY_LIMIT_CODES",
    "DECIMALS",
    "LIMITS_GB3095_2012",
    "MAX_HOURLY",
    "MIN_DAYS_FEBRUARY",
    "MIN_DAYS_MONTH",
    "MIN_DAYS_YEAR",
    "MIN_HOURS_8H",
    "MIN_HOURS_24H",
    "MIN_WINDOWS_8H",
    "PERCENTILE_OF",
    "POLLUTANTS",
    "STATISTIC_OF",
    "DailyStats",
    "PeriodStats",
    "StationPeriodSummary",
    "annual_statistics",
    "daily_statistics",
    "daily_statistics_batch",
    "monthly_statistics",
    "percentile_hj663",
    "round_half_even",
    "station_annual_statistics",
]

#: Column order of hourly arrays; also the pollutant order of every per-pollutant result.
POLLUTANTS: Final = _aqi.POLLUTANTS

MIN_HOURS_24H: Final = 20  # GB 3095-2012 Table 4: 24-h mean needs ≥ 20 hourly values
MIN_HOURS_8H: Final = 6  # GB 3095-2012 Table 4: 8-h mean needs ≥ 6 hourly values
MIN_WINDOWS_8H: Final = 14  # HJ 663-2013: daily max 8-h needs ≥ 14 valid 8-h means (of 17)
MIN_DAYS_YEAR: Final = 324  # GB 3095-2012 Table 4: annual mean
MIN_DAYS_MONTH: Final = 27
MIN_DAYS_FEBRUARY: Final = 25
#: Hourly values above this (in the pollutant's unit: 100 g/m³ or 100 kg/m³ for CO) are treated
#: as missing: no monitor reports them, and the bound keeps the sums of quantised values exact.
MAX_HOURLY: Final = 1e8

#: Reported decimals (GB/T 8170 rounding; reference §1.2, §2.3): CO 0.1 mg/m³, others 1 µg/m³.
DECIMALS: Final[Mapping[str, int]] = MappingProxyType(
    {"SO2": 0, "NO2": 0, "PM10": 0, "PM25": 0, "CO": 1, "O3": 0}
)

#: The daily statistic each pollutant's period mean and percentile is taken from.
STATISTIC_OF: Final[Mapping[str, str]] = MappingProxyType(
    {
        "SO2": "SO2_24H",
        "NO2": "NO2_24H",
        "PM10": "PM10_24H",
        "PM25": "PM25_24H",
        "CO": "CO_24H",
        "O3": "O3_8H",
    }
)
#: Percentile (in %) evaluated for each pollutant (HJ 663-2013; reference §2.3).
PERCENTILE_OF: Final[Mapping[str, int]] = MappingProxyType(
    {"SO2": 98, "NO2": 98, "PM10": 95, "PM25": 95, "CO": 95, "O3": 90}
)

#: GB 3095-2012 Table 1 limits by class (reference §2.1): ``<P>_ANNUAL`` annual means; daily codes
#: are 24-h limits, ``O3_8H`` the 8-h limit and ``O3_1H`` the 1-h limit (µg/m³; CO mg/m³).
LIMITS_GB3095_2012: Final[Mapping[int, Mapping[str, float]]] = MappingProxyType(
    {
        1: MappingProxyType(
            {
                "SO2_ANNUAL": 20,
                "NO2_ANNUAL": 40,
                "PM10_ANNUAL": 40,
                "PM25_ANNUAL": 15,
                "SO2_24H": 50,
                "NO2_24H": 80,
                "PM10_24H": 50,
                "PM25_24H": 35,
                "CO_24H": 4,
                "O3_8H": 100,
                "O3_1H": 160,
            }
        ),
        2: MappingProxyType(
            {
                "SO2_ANNUAL": 60,
                "NO2_ANNUAL": 40,
                "PM10_ANNUAL": 70,
                "PM25_ANNUAL": 35,
                "SO2_24H": 150,
                "NO2_24H": 80,
                "PM10_24H": 150,
                "PM25_24H": 75,
                "CO_24H": 4,
                "O3_8H": 160,
                "O3_1H": 200,
            }
        ),
    }
)
#: Daily statistics whose exceedance days are counted (daily value > its limit).
DAILY_LIMIT_CODES: Final = _aqi.DAILY_INDICATORS

_MICRO: Final = 1_000_000
_FMICRO: Final = float(_MICRO)
_WINDOWS: Final = 17  # 8-h windows ending 08:00 … 24:00
_CHUNK: Final = 32  # stations per block: keeps the working set in cache


# --- exact rounding and percentiles ---------------------------------------------------------------


def _div_round_half_even(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """round-half-even(num / den) for int64 arrays with ``num >= 0``, ``den > 0`` (exact)."""
    q, r = np.divmod(num, den)
    twice = 2 * r
    return q + ((twice > den) | ((twice == den) & (q % 2 == 1)))


def _div_round_half_even_int(num: int, den: int) -> int:
    q, r = divmod(num, den)
    return q + (2 * r > den or (2 * r == den and q % 2 == 1))


def round_half_even(value: float | Fraction, decimals: int) -> float:
    """GB/T 8170 rounding (四舍六入五成双) of the exact value of ``value`` to ``decimals`` places.

    ``value`` is taken at face value (a float's exact binary value); the module itself rounds exact
    rationals (see the module docstring), this is the public single-value helper.
    """
    frac = Fraction(value) * 10**decimals
    return float(round(frac)) / 10**decimals  # Fraction.__round__ rounds half to even


def percentile_hj663(values: Sequence[float], p: float) -> float:
    """The p-th percentile by HJ 663-2013 (reference §2.3), NaN values ignored.

    Sort ascending X(1) ≤ … ≤ X(n); k = 1 + (n − 1)·p/100; s = integer part of k;
    m_p = X(s) + (X(s+1) − X(s))·(k − s), and m_p = X(n) when s = n. This is numpy's default
    "linear" method (Hyndman–Fan type 7; Excel PERCENTILE.INC). ``k − s`` is computed exactly.
    Returns NaN for an empty series.
    """
    xs = sorted(float(v) for v in values if v == v)
    if not xs:
        return float("nan")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, got {p}")
    pos = (len(xs) - 1) * Fraction(p) / 100
    s = int(pos)  # 0-based index of X(s)
    frac = pos - s
    if s + 1 >= len(xs) or frac == 0:
        return xs[s]
    return xs[s] + (xs[s + 1] - xs[s]) * float(frac)


# --- input normalisation --------------------------------------------------------------------------


def _columns(
    hourly: Mapping[str, npt.ArrayLike] | npt.ArrayLike, ndim: int
) -> dict[str, np.ndarray]:
    """Per-pollutant float64 arrays of ``ndim`` dims (1: one station, 2: stations × hours)."""
    if isinstance(hourly, Mapping):
        unknown = set(hourly) - set(POLLUTANTS)
        if unknown:
            raise ValueError(f"unknown pollutants {sorted(unknown)}; expected {POLLUTANTS}")
        cols = {p: np.asarray(hourly[p], dtype=np.float64) for p in POLLUTANTS if p in hourly}
        if not cols:
            raise ValueError("no pollutant columns given")
        shape = next(iter(cols.values())).shape
        for p, arr in cols.items():
            if arr.ndim != ndim or arr.shape != shape:
                raise ValueError(f"{p}: expected {ndim}-d arrays of one shape, got {arr.shape}")
        return {p: cols.get(p, np.full(shape, np.nan)) for p in POLLUTANTS}
    arr = np.asarray(hourly, dtype=np.float64)
    if arr.ndim != ndim + 1 or arr.shape[-1] != len(POLLUTANTS):
        want = "hours × 6" if ndim == 1 else "stations × hours × 6"
        raise ValueError(f"expected a {want} array ({POLLUTANTS}), got shape {arr.shape}")
    return {p: arr[..., i] for i, p in enumerate(POLLUTANTS)}


def _check_start(start: dt.date) -> dt.date:
    if isinstance(start, dt.datetime) or not isinstance(start, dt.date):
        raise TypeError(f"start must be a datetime.date, got {type(start).__name__}")
    return start


# --- daily statistics -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyStats:
    """Daily statistics of S stations over D days; arrays are shaped (S, D)."""

    start: dt.date
    rounded: bool
    #: The seven daily statistics (``aqi.DAILY_INDICATORS``): 24-h means, ``O3_1H`` daily max 1-h,
    #: ``O3_8H`` daily max 8-h; float64, NaN where not valid.
    values: Mapping[str, np.ndarray]
    #: Valid hourly values per pollutant and day (int16, 0..24).
    valid_hours: Mapping[str, np.ndarray]
    #: Valid O3 8-h means per day among the 17 windows (int16, 0..17).
    o3_8h_windows: np.ndarray
    #: Daily AQI from ``values`` (float64, NaN where no indicator is valid), its level (int8, 0 when
    #: missing), primary pollutants (uint8 bitmask over ``aqi.POLLUTANTS``) and IAQIs.
    aqi: np.ndarray
    level: np.ndarray
    primary: np.ndarray
    iaqi: Mapping[str, np.ndarray]
    #: Whether every pollutant has at least one valid daily indicator (the day counts for ratios).
    complete: np.ndarray
    #: AQI standard used for each day.
    standards: tuple[str, ...]

    @property
    def stations(self) -> int:
        return int(self.aqi.shape[0])

    @property
    def days(self) -> int:
        return int(self.aqi.shape[1])

    def date(self, day_index: int) -> dt.date:
        return self.start + dt.timedelta(days=day_index)

    def primary_pollutants(self, station: int, day_index: int) -> tuple[str, ...]:
        bits = int(self.primary[station, day_index])
        return tuple(_aqi.POLLUTANT_NAMES[p] for i, p in enumerate(POLLUTANTS) if bits >> i & 1)


def _daily_block(
    cols: Mapping[str, np.ndarray], rounding: bool, min_hours_o3_1h: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
    """Daily values, valid-hour counts and O3 window counts of one block of stations."""
    values: dict[str, np.ndarray] = {}
    hours: dict[str, np.ndarray] = {}
    windows = np.zeros(0)
    for p in POLLUTANTS:
        x = cols[p]
        s_count, n_hours = x.shape
        d = n_hours // 24
        # NaN and ±inf fail one of the comparisons.
        ok = x >= 0
        ok &= x <= MAX_HOURLY
        # q = round(x · 10⁶) as an integer-valued float64. With x <= MAX_HOURLY every sum of up to
        # 24 such values stays below 2⁵³, so float sums are exact integers whatever their order.
        q = np.where(ok, x, 0.0)
        q *= _FMICRO
        np.rint(q, out=q)
        ok3 = ok.reshape(s_count, d, 24)
        q3 = q.reshape(s_count, d, 24)
        n = np.count_nonzero(ok3, axis=2).astype(np.int64)
        hours[p] = n.astype(np.int16)
        dec = DECIMALS[p]
        if p != "O3":
            total = q3.sum(axis=2).astype(np.int64)
            values[f"{p}_24H"] = _finish(total, n, n >= MIN_HOURS_24H, dec, rounding)
            continue
        # O3 daily max 1-h.
        qmax = np.where(ok3, q3, 0.0).max(axis=2).astype(np.int64)
        values["O3_1H"] = _finish(qmax, np.ones_like(n), n >= min_hours_o3_1h, dec, rounding)
        # 8-h windows starting at slots 0..16 (ending 08:00..24:00), from exact prefix sums.
        zeros = np.zeros((s_count, d, 1), dtype=np.int64)
        cq = np.concatenate([zeros, np.cumsum(q3, axis=2).astype(np.int64)], axis=2)
        cn = np.concatenate([zeros, np.cumsum(ok3, axis=2, dtype=np.int64)], axis=2)
        wsum = cq[:, :, 8:] - cq[:, :, :_WINDOWS]
        wn = cn[:, :, 8:] - cn[:, :, :_WINDOWS]
        wvalid = wn >= MIN_HOURS_8H
        windows = wvalid.sum(axis=2).astype(np.int16)
        # Exact maximum of the rationals wsum/wn over the valid windows: a/b > c/d ⇔ a·d > c·b.
        best_s = np.zeros((s_count, d), dtype=np.int64)
        best_n = np.ones((s_count, d), dtype=np.int64)
        found = np.zeros((s_count, d), dtype=bool)
        for w in range(_WINDOWS):
            ws, wnn, wv = wsum[:, :, w], wn[:, :, w], wvalid[:, :, w]
            better = wv & (~found | (ws * best_n > best_s * wnn))
            best_s = np.where(better, ws, best_s)
            best_n = np.where(better, wnn, best_n)
            found |= wv
        values["O3_8H"] = _finish(best_s, best_n, windows >= MIN_WINDOWS_8H, dec, rounding)
    return values, hours, windows


def _finish(
    total: np.ndarray, n: np.ndarray, valid: np.ndarray, decimals: int, rounding: bool
) -> np.ndarray:
    """total / n / 10⁶, exactly rounded to ``decimals`` when ``rounding``; NaN where invalid."""
    n_safe = np.where(valid, n, 1)
    if rounding:
        units = _div_round_half_even(np.where(valid, total, 0) * 10**decimals, n_safe * _MICRO)
        value = units / 10**decimals
    else:
        value = total / n_safe / _FMICRO
    return np.where(valid, value, np.nan)


def daily_statistics_batch(
    hourly: Mapping[str, npt.ArrayLike] | npt.ArrayLike,
    *,
    start: dt.date,
    rounding: bool = True,
    standard: str | None = None,
    min_hours_o3_1h: int = MIN_HOURS_24H,
) -> DailyStats:
    """Daily statistics and daily AQI of many stations at once.

    ``hourly`` is either a mapping pollutant → array shaped (stations, hours) (pollutants left out
    are all missing) or one array shaped (stations, hours, 6) in :data:`POLLUTANTS` order. ``hours``
    must be a whole number of days starting at 00:00 of ``start``. ``standard`` forces one AQI
    standard; by default each day uses :func:`shanshui.monitoring.aqi.standard_for` of its date.
    """
    start = _check_start(start)
    if not 1 <= min_hours_o3_1h <= 24:
        raise ValueError(f"min_hours_o3_1h must be within 1..24, got {min_hours_o3_1h}")
    cols = _columns(hourly, ndim=2)
    s_count, n_hours = next(iter(cols.values())).shape
    if n_hours % 24 or n_hours == 0:
        raise ValueError(f"hours must be a positive multiple of 24, got {n_hours}")
    d = n_hours // 24

    values = {code: np.empty((s_count, d)) for code in _aqi.DAILY_INDICATORS}
    hours = {p: np.empty((s_count, d), dtype=np.int16) for p in POLLUTANTS}
    windows = np.empty((s_count, d), dtype=np.int16)
    for lo in range(0, s_count, _CHUNK):
        block = {p: np.ascontiguousarray(a[lo : lo + _CHUNK]) for p, a in cols.items()}
        v, h, w = _daily_block(block, rounding, min_hours_o3_1h)
        for code in values:
            values[code][lo : lo + _CHUNK] = v[code]
        for p in hours:
            hours[p][lo : lo + _CHUNK] = h[p]
        windows[lo : lo + _CHUNK] = w

    day_standards = tuple(
        standard or _aqi.standard_for(start + dt.timedelta(days=i)) for i in range(d)
    )
    aqi = np.full((s_count, d), np.nan)
    level = np.zeros((s_count, d), dtype=np.int8)
    primary = np.zeros((s_count, d), dtype=np.uint8)
    iaqi = {code: np.full((s_count, d), np.nan) for code in _aqi.DAILY_INDICATORS}
    for std in dict.fromkeys(day_standards):
        sel = np.array([s == std for s in day_standards])
        res = _aqi.compute_aqi_arrays({c: v[:, sel] for c, v in values.items()}, standard=std)
        aqi[:, sel], level[:, sel], primary[:, sel] = res.aqi, res.level, res.primary
        for code in iaqi:
            iaqi[code][:, sel] = res.iaqi[code]

    has = {p: np.zeros((s_count, d), dtype=bool) for p in POLLUTANTS}
    for code, v in values.items():
        has[code.rsplit("_", 1)[0]] |= ~np.isnan(v)
    complete = np.logical_and.reduce(list(has.values()))

    return DailyStats(
        start=start,
        rounded=rounding,
        values=MappingProxyType(values),
        valid_hours=MappingProxyType(hours),
        o3_8h_windows=windows,
        aqi=aqi,
        level=level,
        primary=primary,
        iaqi=MappingProxyType(iaqi),
        complete=complete,
        standards=day_standards,
    )


def daily_statistics(
    hourly: Mapping[str, npt.ArrayLike] | npt.ArrayLike,
    *,
    start: dt.date,
    rounding: bool = True,
    standard: str | None = None,
    min_hours_o3_1h: int = MIN_HOURS_24H,
) -> DailyStats:
    """:func:`daily_statistics_batch` for one station: ``hourly`` is (hours, 6) or pollutant →
    1-d array. The result has one station (index 0)."""
    cols = _columns(hourly, ndim=1)
    return daily_statistics_batch(
        {p: a[np.newaxis, :] for p, a in cols.items()},
        start=start,
        rounding=rounding,
        standard=standard,
        min_hours_o3_1h=min_hours_o3_1h,
    )


# --- period statistics ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StationPeriodSummary:
    """One station's period statistics as plain Python values (``None`` = not valid)."""

    period: str
    mean: Mapping[str, float | None]
    percentile: Mapping[str, float | None]
    valid_days: Mapping[str, int]
    valid: Mapping[str, bool]
    aqi_days: int
    good_days: int
    good_ratio: float | None
    heavy_days: int
    level_days: tuple[int, ...]
    exceed_days: Mapping[str, int]
    compliance: Mapping[str, bool | None] | None
    compliant: bool | None


@dataclass(frozen=True)
class PeriodStats:
    """Statistics of S stations over a calendar year or month; arrays are shaped (S,)."""

    period: str  # "2025" or "2025-02"
    first_day: dt.date
    last_day: dt.date
    rounded: bool
    #: Number of valid daily values per pollutant (of its :data:`STATISTIC_OF` statistic).
    valid_days: Mapping[str, np.ndarray]
    #: Whether the period statistics of the pollutant meet the validity rule.
    valid: Mapping[str, np.ndarray]
    #: Period mean of the daily values per pollutant (O3: of the daily max 8-h); NaN if not valid.
    mean: Mapping[str, np.ndarray]
    #: :data:`PERCENTILE_OF` percentile of the daily values per pollutant; NaN if not valid.
    percentile: Mapping[str, np.ndarray]
    aqi_days: np.ndarray  # complete days
    good_days: np.ndarray  # complete days with AQI <= 100 (优 + 良)
    good_ratio: np.ndarray  # good_days / aqi_days (0..1); NaN when aqi_days == 0
    heavy_days: np.ndarray  # complete days with AQI > 200 (重度 + 严重)
    level_days: np.ndarray  # (S, 6) complete days per AQI level 1..6
    #: Valid days whose value exceeds its daily limit, per code in :data:`DAILY_LIMIT_CODES`.
    exceed_days: Mapping[str, np.ndarray]
    #: Years only: per statistic (``SO2_ANNUAL``, ``SO2_P98`` … ``O3_8H_P90``) int8: 1 meets the
    #: limit, 0 exceeds it, -1 not assessable (statistic not valid). ``None`` for months.
    compliance: Mapping[str, np.ndarray] | None
    #: Years only: 1 all ten statistics valid and within limits, 0 any exceeds, -1 otherwise.
    compliant: np.ndarray | None

    def station(self, index: int) -> StationPeriodSummary:
        """Plain-Python summary of one station."""

        def num(a: np.ndarray) -> float | None:
            v = float(a[index])
            return None if v != v else v

        def tri(a: np.ndarray) -> bool | None:
            v = int(a[index])
            return None if v < 0 else bool(v)

        return StationPeriodSummary(
            period=self.period,
            mean={p: num(a) for p, a in self.mean.items()},
            percentile={p: num(a) for p, a in self.percentile.items()},
            valid_days={p: int(a[index]) for p, a in self.valid_days.items()},
            valid={p: bool(a[index]) for p, a in self.valid.items()},
            aqi_days=int(self.aqi_days[index]),
            good_days=int(self.good_days[index]),
            good_ratio=num(self.good_ratio),
            heavy_days=int(self.heavy_days[index]),
            level_days=tuple(int(x) for x in self.level_days[index]),
            exceed_days={c: int(a[index]) for c, a in self.exceed_days.items()},
            compliance=None
            if self.compliance is None
            else {k: tri(a) for k, a in self.compliance.items()},
            compliant=None if self.compliant is None else tri(self.compliant),
        )


def _resolve_limits(
    last_day: dt.date, limit_class: int, limits: Mapping[str, float] | None
) -> Mapping[str, float]:
    if limits is not None:
        return limits
    if last_day >= _aqi.HJ633_2026_EFFECTIVE:
        raise ValueError(
            "periods reaching 2026-03-01 fall under GB 3095-2026 / HJ 663-2026, whose limits are "
            "not built in; pass limits=… explicitly"
        )
    try:
        return LIMITS_GB3095_2012[limit_class]
    except KeyError:
        raise ValueError(f"limit_class must be 1 or 2, got {limit_class}") from None


def _percentile_rows(
    v: np.ndarray, n: np.ndarray, p: int, decimals: int, rounded: bool
) -> np.ndarray:
    """HJ 663 percentile of each row of ``v`` (NaN ignored; ``n`` valid values per row)."""
    xs = np.sort(v, axis=1)  # NaN sort last
    n_safe = np.maximum(n, 1)
    pos_num = (n_safe - 1) * p  # k − 1 = pos_num / 100, exact
    s = pos_num // 100  # 0-based index of X(s)
    r = pos_num % 100  # (k − s)·100
    s1 = np.minimum(s + 1, n_safe - 1)
    lo = np.take_along_axis(xs, s[:, None], axis=1)[:, 0]
    hi = np.take_along_axis(xs, s1[:, None], axis=1)[:, 0]
    if rounded:
        scale = 10**decimals
        lo_u = np.rint(np.nan_to_num(lo) * scale).astype(np.int64)
        hi_u = np.rint(np.nan_to_num(hi) * scale).astype(np.int64)
        out = _div_round_half_even(100 * lo_u + (hi_u - lo_u) * r, np.full_like(r, 100)) / scale
    else:
        out = lo + (hi - lo) * (r / 100)
    return np.where(n > 0, out, np.nan)


def _period_stats(
    daily: DailyStats,
    first: int,
    last: int,
    *,
    period: str,
    month_bounds: list[tuple[int, int, int]],
    min_days: int,
    limits: Mapping[str, float],
    annual: bool,
) -> PeriodStats:
    sl = slice(first, last + 1)
    valid_days, valid, mean, pct = _pollutant_stats(daily, sl, month_bounds, min_days)
    complete = daily.complete[:, sl]
    a = daily.aqi[:, sl]
    with np.errstate(invalid="ignore"):
        aqi_days = complete.sum(axis=1)
        good = (complete & (a <= 100)).sum(axis=1)
        heavy = (complete & (a > 200)).sum(axis=1)
        exceed = {
            code: (daily.values[code][:, sl] > limits[code]).sum(axis=1)
            for code in DAILY_LIMIT_CODES
        }
        ratio = np.where(aqi_days > 0, good / np.maximum(aqi_days, 1), np.nan)
    lv = daily.level[:, sl]
    level_days = np.stack([(complete & (lv == k)).sum(axis=1) for k in range(1, 7)], axis=1)
    compliance, compliant = _compliance(valid, mean, pct, limits) if annual else (None, None)
    return PeriodStats(
        period=period,
        first_day=daily.date(first),
        last_day=daily.date(last),
        rounded=daily.rounded,
        valid_days=MappingProxyType(valid_days),
        valid=MappingProxyType(valid),
        mean=MappingProxyType(mean),
        percentile=MappingProxyType(pct),
        aqi_days=aqi_days,
        good_days=good,
        good_ratio=ratio,
        heavy_days=heavy,
        level_days=level_days,
        exceed_days=MappingProxyType(exceed),
        compliance=None if compliance is None else MappingProxyType(compliance),
        compliant=compliant,
    )


def _pollutant_stats(
    daily: DailyStats, sl: slice, month_bounds: list[tuple[int, int, int]], min_days: int
) -> tuple[dict[str, np.ndarray], ...]:
    """Per pollutant over the days ``sl``: valid days, validity (``min_days`` in all and the
    ``month_bounds`` minimum in each month), the mean and the percentile (NaN unless valid)."""
    valid_days: dict[str, np.ndarray] = {}
    valid: dict[str, np.ndarray] = {}
    mean: dict[str, np.ndarray] = {}
    pct: dict[str, np.ndarray] = {}
    for p in POLLUTANTS:
        v = daily.values[STATISTIC_OF[p]][:, sl]
        ok = ~np.isnan(v)
        n = ok.sum(axis=1)
        is_valid = n >= min_days
        for lo, hi, need in month_bounds:
            is_valid &= ok[:, lo:hi].sum(axis=1) >= need
        dec = DECIMALS[p]
        if daily.rounded:
            units = np.rint(np.where(ok, v, 0.0) * 10**dec).astype(np.int64)
            m = _div_round_half_even(units.sum(axis=1), np.maximum(n, 1)) / 10**dec
        else:
            m = np.where(ok, v, 0.0).sum(axis=1) / np.maximum(n, 1)
        valid_days[p] = n
        valid[p] = is_valid
        mean[p] = np.where(is_valid, m, np.nan)
        pct[p] = np.where(
            is_valid, _percentile_rows(v, n, PERCENTILE_OF[p], dec, daily.rounded), np.nan
        )
    return valid_days, valid, mean, pct


def _compliance(
    valid: Mapping[str, np.ndarray],
    mean: Mapping[str, np.ndarray],
    pct: Mapping[str, np.ndarray],
    limits: Mapping[str, float],
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """A year's compliance per statistic (annual mean where there is an annual limit, and the
    percentile against the daily limit) and overall; see :class:`PeriodStats`."""
    compliance: dict[str, np.ndarray] = {}
    for p in POLLUTANTS:
        checks = []
        if f"{p}_ANNUAL" in limits:
            checks.append((f"{p}_ANNUAL", mean[p], limits[f"{p}_ANNUAL"]))
        stat = STATISTIC_OF[p]
        checks.append((f"{stat if p == 'O3' else p}_P{PERCENTILE_OF[p]}", pct[p], limits[stat]))
        for key, value, limit in checks:
            with np.errstate(invalid="ignore"):
                res = np.where(value <= limit, 1, 0).astype(np.int8)
            compliance[key] = np.where(valid[p], res, np.int8(-1)).astype(np.int8)
    stacked = np.stack(list(compliance.values()))
    compliant = np.where(
        (stacked == 0).any(axis=0), 0, np.where((stacked == 1).all(axis=0), 1, -1)
    ).astype(np.int8)
    return compliance, compliant


def _day_index(daily: DailyStats, day: dt.date) -> int:
    i = (day - daily.start).days
    if not 0 <= i < daily.days:
        raise ValueError(f"{day} is outside the daily data ({daily.start} + {daily.days} days)")
    return i


def _month_need(month: int) -> int:
    return MIN_DAYS_FEBRUARY if month == 2 else MIN_DAYS_MONTH


def annual_statistics(
    daily: DailyStats,
    *,
    year: int,
    limit_class: int = 2,
    limits: Mapping[str, float] | None = None,
) -> PeriodStats:
    """Annual statistics of calendar ``year`` (which ``daily`` must cover entirely).

    Validity: ≥ 324 valid daily values in the year and ≥ 27 in every month (≥ 25 in February),
    GB 3095-2012 Table 4. Compliance against ``LIMITS_GB3095_2012[limit_class]`` unless ``limits``
    (same keys) is given; required for periods reaching 2026-03-01.
    """
    first_day, last_day = dt.date(year, 1, 1), dt.date(year, 12, 31)
    first, last = _day_index(daily, first_day), _day_index(daily, last_day)
    bounds = []
    for month in range(1, 13):
        lo = _day_index(daily, dt.date(year, month, 1)) - first
        hi = lo + calendar.monthrange(year, month)[1]
        bounds.append((lo, hi, _month_need(month)))
    return _period_stats(
        daily,
        first,
        last,
        period=str(year),
        month_bounds=bounds,
        min_days=MIN_DAYS_YEAR,
        limits=_resolve_limits(last_day, limit_class, limits),
        annual=True,
    )


def monthly_statistics(
    daily: DailyStats,
    *,
    year: int,
    month: int,
    limit_class: int = 2,
    limits: Mapping[str, float] | None = None,
) -> PeriodStats:
    """Statistics of one calendar month: valid with ≥ 27 daily values (February ≥ 25).

    Monthly means are not compared with the annual limits (``compliance`` is ``None``); exceedance
    days use the daily limits.
    """
    first_day = dt.date(year, month, 1)
    last_day = dt.date(year, month, calendar.monthrange(year, month)[1])
    first, last = _day_index(daily, first_day), _day_index(daily, last_day)
    return _period_stats(
        daily,
        first,
        last,
        period=f"{year:04d}-{month:02d}",
        month_bounds=[],
        min_days=_month_need(month),
        limits=_resolve_limits(last_day, limit_class, limits),
        annual=False,
    )


def station_annual_statistics(
    hourly: Mapping[str, npt.ArrayLike] | npt.ArrayLike,
    *,
    year: int,
    rounding: bool = True,
    limit_class: int = 2,
    limits: Mapping[str, float] | None = None,
) -> StationPeriodSummary:
    """One station's hourly series for calendar ``year`` (8760 or 8784 values from Jan 1 00:00)
    → its annual statistics as plain values."""
    daily = daily_statistics(hourly, start=dt.date(year, 1, 1), rounding=rounding)
    if daily.days != (366 if calendar.isleap(year) else 365):
        raise ValueError(f"expected the hours of all of {year}, got {daily.days} days")
    stats = annual_statistics(daily, year=year, limit_class=limit_class, limits=limits)
    return stats.station(0)
