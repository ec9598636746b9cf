"""District indicators of the pollution-prevention battles (蓝天、碧水保卫战): read-only selectors.

Air and water quality figures are published information: every logged-in user may read every
district's figures, so nothing here is scoped (the views still require a login).

Definitions (the pages and ``/api/v1/`` show exactly these numbers):

* **Period**: a calendar year, or one month of it. A period that has not ended yet is computed
  on the days that have data ("year to date") and its assessments are flagged ``provisional``.
* **Air, per district**: from the district's ``AirDaily`` rows (``station`` empty; their daily
  concentrations are the means of the district's stations, HJ 663) the arrays of the seven daily
  statistics, the daily AQI, its level and the ``complete`` flag are rebuilt as an
  :class:`airstats.DailyStats` covering the whole period, and :func:`airstats.annual_statistics`
  / :func:`airstats.monthly_statistics` compute the period statistics — the figures are airstats'
  figures on the stored daily values:

  - good-air-day ratio (优良天数比例) = complete days with AQI ≤ 100 / complete days, shown in per
    cent with one decimal (GB/T 8170 half-even rounding of the exact ratio);
  - heavy-pollution days (重污染天数) = complete days with AQI > 200;
  - PM2.5 mean = mean of the valid daily PM2.5 values, an integer in µg/m³. airstats gives it only
    when the period is valid (GB 3095-2012 Table 4: a year ≥ 324 days and ≥ 27 in every month,
    25 in February; a month ≥ 27/25). When it is not (a year in progress, gaps in the data) the
    same arithmetic (sum of the rounded daily values, exact half-even division) gives the mean
    of the days there are, flagged ``valid=False`` — the "1—N月" figure of monthly bulletins.

* **Air, city**: the city's daily concentrations are the means over all its air stations of their
  daily values (each of the seven statistics over the stations that have it), rounded like a
  daily value (integers, CO to 0.1 mg/m³; half-even on the exact mean); the city's AQI is
  computed from them with the standard of the day (HJ 633-2012 before 2026-03-01, HJ 633-2026,
  provisional, from then); a day is complete when every pollutant has a value. The period
  figures then follow exactly as for a district.
* **Limits**: periods reaching 2026-03-01 fall under GB 3095-2026, whose limits are not built
  in: airstats is given the GB 3095-2012 Class II limits explicitly and the period is flagged
  ``provisional_limits`` (none of the five indicators depends on limits; exceedance days do).
* **Water, per section**: the section's class for a period is the GB 3838-2002 single-factor
  class (:func:`water.classify_sample`) of the arithmetic means of each item over the period's
  samples (地表水环境质量评价办法: several samples in a period are judged on their means). A
  district's "class III or better" share = sections of class I–III / sections with a class, in
  per cent with one decimal; 劣V sections = sections whose period class is worse than V.
* **Targets**: the office's :class:`Target` for the district and the period's year. Met when the
  shown (rounded) value is at or above a floor (``HIGHER_IS_BETTER``) or at or below a ceiling;
  gap = value − target. In a month view the annual ceiling on heavy-pollution days is not
  compared. Statuses: ``met``, ``missed``, ``no_target``, ``no_data``, ``not_assessed``.
* **Ranking**: by good-day ratio (highest first) or PM2.5 mean (lowest first); districts without
  the figure come last; equal figures share a rank (1, 2, 2, 4).

Query count: an overview is a fixed number of queries (stations, districts, the district rows of
the period, the city's per-day aggregates, the water samples, the targets) whatever the number
of days or districts; the arithmetic is numpy on (districts × days) arrays.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from types import MappingProxyType

import numpy as np
from django.db.models import Count, Sum
from django.utils import timezone

from shanshui.monitoring import airstats, water
from shanshui.monitoring import aqi as aqimod
from shanshui.monitoring.models import (
    HIGHER_IS_BETTER,
    AirDaily,
    Indicator,
    Station,
    StationKind,
    Target,
    WaterSample,
)
from shanshui.orgs.models import Unit

__all__ = [
    "AIR_INDICATORS",
    "CLASS_LABELS",
    "CODE_OF",
    "DECIMALS",
    "FIELDS",
    "INDICATOR_ORDER",
    "LIMITS_PROVISIONAL",
    "MET",
    "MISSED",
    "NOT_ASSESSED",
    "NO_DATA",
    "NO_TARGET",
    "SORTS",
    "AirFigures",
    "Assessment",
    "DistrictDetail",
    "DistrictRow",
    "MonthFigures",
    "Overview",
    "Period",
    "SectionStatus",
    "StationFigures",
    "TaskProposal",
    "WaterFigures",
    "air_figures",
    "assess",
    "build_row",
    "calendar_days",
    "city_air_figures",
    "city_daily_rows",
    "class_label",
    "daily_stats",
    "decimal_or_none",
    "district_detail",
    "district_short",
    "miss_code",
    "monthly_figures",
    "overview",
    "rank",
    "section_statuses",
    "station_figures",
    "targets_for",
    "task_proposal",
    "water_figures",
]

#: AirDaily column of each of airstats' daily statistics (``aqi.DAILY_INDICATORS`` order).
FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "SO2_24H": "so2",
        "NO2_24H": "no2",
        "PM10_24H": "pm10",
        "PM25_24H": "pm25",
        "CO_24H": "co",
        "O3_1H": "o3_1h_max",
        "O3_8H": "o3_8h_max",
    }
)
_CODES = tuple(FIELDS)
_COLUMNS = tuple(FIELDS.values())

#: The five indicators in the order the pages show them.
INDICATOR_ORDER = (
    Indicator.GOOD_DAY_RATIO,
    Indicator.PM25_MEAN,
    Indicator.HEAVY_DAYS,
    Indicator.WATER_GOOD_RATIO,
    Indicator.WATER_INFERIOR_V,
)
#: Decimals each indicator is shown (and compared) with.
DECIMALS: Mapping[str, int] = MappingProxyType(
    {
        Indicator.GOOD_DAY_RATIO: 1,
        Indicator.PM25_MEAN: 0,
        Indicator.HEAVY_DAYS: 0,
        Indicator.WATER_GOOD_RATIO: 1,
        Indicator.WATER_INFERIOR_V: 0,
    }
)
AIR_INDICATORS = (Indicator.GOOD_DAY_RATIO, Indicator.PM25_MEAN, Indicator.HEAVY_DAYS)

#: Limits given to airstats for periods reaching 2026-03-01 (GB 3095-2026's are not built in).
LIMITS_PROVISIONAL = airstats.LIMITS_GB3095_2012[2]

MET, MISSED, NO_TARGET, NO_DATA, NOT_ASSESSED = (
    "met",
    "missed",
    "no_target",
    "no_data",
    "not_assessed",
)


# --- periods --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A calendar year, or one month of it."""

    year: int
    month: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise TypeError("year must be an int")
        if not 2000 <= self.year <= 2100:
            raise ValueError(f"year must be within 2000..2100, got {self.year}")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month must be within 1..12, got {self.month}")

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, 1)

    @property
    def last_day(self) -> dt.date:
        month = self.month or 12
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def key(self) -> str:
        return str(self.year) if self.month is None else f"{self.year:04d}-{self.month:02d}"

    @property
    def is_year(self) -> bool:
        return self.month is None

    @property
    def provisional_limits(self) -> bool:
        """Whether the period reaches 2026-03-01 (GB 3095-2012 limits used provisionally)."""
        return self.last_day >= aqimod.HJ633_2026_EFFECTIVE

    @property
    def limits(self) -> Mapping[str, float] | None:
        return LIMITS_PROVISIONAL if self.provisional_limits else None

    @property
    def standards(self) -> tuple[str, ...]:
        """The AQI standards that apply to the period's days."""
        return tuple(dict.fromkeys(aqimod.standard_for(d) for d in (self.first_day, self.last_day)))

    def is_over(self, today: dt.date) -> bool:
        return today > self.last_day

    def months(self) -> list[Period]:
        return [Period(self.year, m) for m in range(1, 13)] if self.is_year else [self]


# --- air --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AirFigures:
    """A district's (station's, the city's) air figures for a period."""

    period: Period
    days_with_data: int  # days with a daily AQI in the period
    last_day: dt.date | None  # the last of them
    aqi_days: int  # complete days (the denominator of the good-day ratio)
    good_days: int
    heavy_days: int
    level_days: tuple[int, ...]  # complete days per AQI level 1..6
    good_ratio: float | None  # per cent, one decimal
    pm25_mean: float | None  # µg/m³, integer
    pm25_valid: bool  # airstats' validity of the period mean (GB 3095-2012 Table 4)
    pm25_days: int  # valid daily PM2.5 values
    #: Per pollutant (airstats.POLLUTANTS): the period mean (O3: of the daily max 8-h), valid or
    #: over the days there are; validity; the HJ 663 percentile (None unless valid).
    means: Mapping[str, float | None]
    valid: Mapping[str, bool]
    percentiles: Mapping[str, float | None]
    exceed_days: Mapping[str, int]

    @property
    def has_data(self) -> bool:
        return self.aqi_days > 0


def _percent(num: int, den: int) -> float | None:
    """``num / den`` in per cent with one decimal, GB/T 8170 (half-even) on the exact ratio."""
    if den <= 0:
        return None
    return float(round(Fraction(num * 1000, den))) / 10


def _plain_mean(values: np.ndarray, decimals: int) -> float | None:
    """airstats' period mean without the validity rule: the rounded daily values summed in units
    of the last decimal and divided exactly, half-even."""
    ok = ~np.isnan(values)
    n = int(ok.sum())
    if not n:
        return None
    total = int(np.rint(values[ok] * 10**decimals).astype(np.int64).sum())
    q, r = divmod(total, n)
    q += 2 * r > n or (2 * r == n and q % 2 == 1)
    return q / 10**decimals


def daily_stats(keys: Sequence, rows: Iterable[Sequence], *, start: dt.date, days: int):
    """An :class:`airstats.DailyStats` of ``len(keys)`` series × ``days`` days from stored daily
    rows ``(key, day, so2, no2, pm10, pm25, co, o3_1h_max, o3_8h_max, aqi, level, complete)``.

    Days without a row are missing (NaN, not complete). Rows of other keys or days are ignored.
    """
    index = {k: i for i, k in enumerate(keys)}
    shape = (len(keys), days)
    values = {code: np.full(shape, np.nan) for code in _CODES}
    aqi = np.full(shape, np.nan)
    level = np.zeros(shape, dtype=np.int8)
    complete = np.zeros(shape, dtype=bool)
    picked = [
        (index[r[0]], (r[1] - start).days, r)
        for r in rows
        if r[0] in index and 0 <= (r[1] - start).days < days
    ]
    if picked:
        ki = np.fromiter((p[0] for p in picked), dtype=np.int64, count=len(picked))
        di = np.fromiter((p[1] for p in picked), dtype=np.int64, count=len(picked))
        # None → NaN in a float array.
        nums = np.array([p[2][2:10] for p in picked], dtype=np.float64)
        for c, code in enumerate(_CODES):
            values[code][ki, di] = nums[:, c]
        aqi[ki, di] = nums[:, 7]
        level[ki, di] = np.array([p[2][10] or 0 for p in picked], dtype=np.int8)
        complete[ki, di] = np.array([bool(p[2][11]) for p in picked])
    return airstats.DailyStats(
        start=start,
        rounded=True,
        values=MappingProxyType(values),
        valid_hours=MappingProxyType(
            {p: np.zeros(shape, dtype=np.int16) for p in airstats.POLLUTANTS}
        ),
        o3_8h_windows=np.zeros(shape, dtype=np.int16),
        aqi=aqi,
        level=level,
        primary=np.zeros(shape, dtype=np.uint8),
        iaqi=MappingProxyType({}),
        complete=complete,
        standards=tuple(aqimod.standard_for(start + dt.timedelta(days=i)) for i in range(days)),
    )


def _period_statistics(daily, period: Period):
    if period.is_year:
        return airstats.annual_statistics(daily, year=period.year, limits=period.limits)
    return airstats.monthly_statistics(
        daily, year=period.year, month=period.month, limits=period.limits
    )


def _figures(keys: Sequence, rows: Sequence[Sequence], period: Period) -> dict:
    """AirFigures per key from stored daily rows (see :func:`daily_stats`)."""
    start, days = period.first_day, period.days
    daily = daily_stats(keys, rows, start=start, days=days)
    stats = _period_statistics(daily, period)
    counts: dict = defaultdict(int)
    last: dict = {}
    for r in rows:
        # A row without an AQI (every value missing) is not a day with data.
        if r[9] is not None and start <= r[1] <= period.last_day:
            counts[r[0]] += 1
            if r[0] not in last or r[1] > last[r[0]]:
                last[r[0]] = r[1]
    out = {}
    for i, key in enumerate(keys):
        s = stats.station(i)
        means = {}
        for p in airstats.POLLUTANTS:
            if s.valid[p]:
                means[p] = s.mean[p]
            else:
                row = daily.values[airstats.STATISTIC_OF[p]][i]
                means[p] = _plain_mean(row, airstats.DECIMALS[p])
        out[key] = AirFigures(
            period=period,
            days_with_data=counts.get(key, 0),
            last_day=last.get(key),
            aqi_days=s.aqi_days,
            good_days=s.good_days,
            heavy_days=s.heavy_days,
            level_days=s.level_days,
            good_ratio=_percent(s.good_days, s.aqi_days),
            pm25_mean=means["PM25"],
            pm25_valid=s.valid["PM25"],
            pm25_days=s.valid_days["PM25"],
            means=MappingProxyType(means),
            valid=MappingProxyType(dict(s.valid)),
            percentiles=MappingProxyType(dict(s.percentile)),
            exceed_days=MappingProxyType(dict(s.exceed_days)),
        )
    return out


_ROW_FIELDS = ("day", *_COLUMNS, "aqi", "level", "complete")


def _district_rows(period: Period, district_ids: Sequence[int] | None) -> list[tuple]:
    qs = AirDaily.objects.filter(
        station__isnull=True, day__gte=period.first_day, day__lte=period.last_day
    )
    if district_ids is not None:
        qs = qs.filter(district_id__in=list(district_ids))
    return list(qs.values_list("district_id", *_ROW_FIELDS))


def air_figures(period: Period, district_ids: Sequence[int]) -> dict[int, AirFigures]:
    """AirFigures of each district from its district daily rows (one query)."""
    ids = list(district_ids)
    return _figures(ids, _district_rows(period, ids), period)


def station_figures(period: Period, station_ids: Sequence[int]) -> dict[int, AirFigures]:
    """AirFigures of each air station from its own daily rows (one query)."""
    ids = list(station_ids)
    rows = list(
        AirDaily.objects.filter(
            station_id__in=ids, day__gte=period.first_day, day__lte=period.last_day
        ).values_list("station_id", *_ROW_FIELDS)
    )
    return _figures(ids, rows, period)


def _round_units(total_units: np.ndarray, n: np.ndarray) -> np.ndarray:
    """half-even(total_units / n) for int64 arrays (n > 0)."""
    q, r = np.divmod(total_units, n)
    twice = 2 * r
    return q + ((twice > n) | ((twice == n) & (q % 2 == 1)))


def city_daily_rows(first: dt.date, last: dt.date) -> list[tuple]:
    """The city's daily rows ``("city", day, 7 values, aqi, level, complete)`` from all air
    stations' daily values (one aggregate query; see the module docstring)."""
    aggregates = {}
    for col in _COLUMNS:
        aggregates[f"s_{col}"] = Sum(col)
        aggregates[f"n_{col}"] = Count(col)
    per_day = list(
        AirDaily.objects.filter(station__isnull=False, day__gte=first, day__lte=last)
        .values("day")
        .annotate(**aggregates)
        .order_by("day")
    )
    if not per_day:
        return []
    days = [r["day"] for r in per_day]
    values: dict[str, np.ndarray] = {}
    for code, col in FIELDS.items():
        dec = airstats.DECIMALS[aqimod.indicator_pollutant(code)]
        total = np.array([r[f"s_{col}"] or 0.0 for r in per_day], dtype=np.float64)
        n = np.array([r[f"n_{col}"] for r in per_day], dtype=np.int64)
        units = np.rint(total * 10**dec).astype(np.int64)
        mean = _round_units(units, np.maximum(n, 1)) / 10**dec
        values[code] = np.where(n > 0, mean, np.nan)
    standards = [aqimod.standard_for(d) for d in days]
    aqi = np.full(len(days), np.nan)
    level = np.zeros(len(days), dtype=np.int8)
    for std in dict.fromkeys(standards):
        sel = np.array([s == std for s in standards])
        res = aqimod.compute_aqi_arrays({c: v[sel] for c, v in values.items()}, standard=std)
        aqi[sel], level[sel] = res.aqi, res.level
    has = {p: np.zeros(len(days), dtype=bool) for p in airstats.POLLUTANTS}
    for code, v in values.items():
        has[aqimod.indicator_pollutant(code)] |= ~np.isnan(v)
    complete = np.logical_and.reduce(list(has.values()))
    rows = []
    for i, day in enumerate(days):
        vals = [None if np.isnan(values[c][i]) else float(values[c][i]) for c in _CODES]
        a = None if np.isnan(aqi[i]) else int(aqi[i])
        rows.append(("city", day, *vals, a, int(level[i]) or None, bool(complete[i])))
    return rows


def city_air_figures(period: Period) -> AirFigures:
    rows = city_daily_rows(period.first_day, period.last_day)
    return _figures(["city"], rows, period)["city"]


@dataclass(frozen=True)
class MonthFigures:
    month: int
    good_ratio: float | None
    pm25_mean: float | None
    pm25_valid: bool
    heavy_days: int
    aqi_days: int


def monthly_figures(rows: Sequence[Sequence], year: int, key) -> list[MonthFigures]:
    """Month by month figures of one series (``key``) of a year's stored daily rows."""
    daily = daily_stats([key], rows, start=dt.date(year, 1, 1), days=Period(year).days)
    out = []
    for month in range(1, 13):
        p = Period(year, month)
        s = airstats.monthly_statistics(daily, year=year, month=month, limits=p.limits).station(0)
        if s.valid["PM25"]:
            pm25 = s.mean["PM25"]
        else:
            lo = (p.first_day - dt.date(year, 1, 1)).days
            pm25 = _plain_mean(daily.values["PM25_24H"][0, lo : lo + p.days], 0)
        out.append(
            MonthFigures(
                month=month,
                good_ratio=_percent(s.good_days, s.aqi_days),
                pm25_mean=pm25,
                pm25_valid=s.valid["PM25"],
                heavy_days=s.heavy_days,
                aqi_days=s.aqi_days,
            )
        )
    return out


def calendar_days(*, year: int, district: Unit | None = None, station: Station | None = None):
    """The daily AQI of a district (its district rows) or a station for a calendar year:
    ``[(day, aqi, level, primary), …]`` in date order (days without a row left out)."""
    if (district is None) == (station is None):
        raise ValueError("give a district or a station")
    qs = AirDaily.objects.filter(day__gte=dt.date(year, 1, 1), day__lte=dt.date(year, 12, 31))
    qs = qs.filter(station=station) if station else qs.filter(district=district, station=None)
    return list(qs.order_by("day").values_list("day", "aqi", "level", "primary"))


# --- water ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionStatus:
    """A water section's class for a period (from the means of its samples) and its target."""

    station: Station
    samples: int
    water_class: int | None  # 1..6 (6 = 劣V), None without samples
    main_pollutants: tuple[str, ...]
    target_class: int | None
    latest_on: dt.date | None
    latest_class: int | None

    @property
    def meets_target(self) -> bool | None:
        if self.water_class is None or self.target_class is None:
            return None
        return self.water_class <= self.target_class

    @property
    def class_label(self) -> str:
        return class_label(self.water_class)

    @property
    def latest_label(self) -> str:
        return class_label(self.latest_class)

    @property
    def target_label(self) -> str:
        return class_label(self.target_class)

    @property
    def main_pollutant_names(self) -> list[str]:
        return [water.ITEMS.get(code, code) for code in self.main_pollutants]


#: Class labels in Latin letters: the Roman-numeral character Ⅴ (U+2164) is blank in
#: WenQuanYi Micro Hei, the CJK font named for servers (docs/deployment.md).
CLASS_LABELS: Mapping[int, str] = MappingProxyType(
    {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "劣V"}
)


def class_label(number: int | None) -> str:
    """1..6 → I … V, 劣V; "" for None."""
    if number is None:
        return ""
    return CLASS_LABELS.get(int(number), str(number))


def decimal_or_none(value) -> Decimal | None:
    """A stored item value as a Decimal (None when missing or not a finite number)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _period_class(samples: list[dict], waterbody: str) -> tuple[int | None, tuple[str, ...]]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for values in samples:
        for code, raw in (values or {}).items():
            if code not in water.ITEMS:
                continue
            number = decimal_or_none(raw)
            if number is None:
                continue
            sums[code] += number
            counts[code] += 1
    means = {code: sums[code] / counts[code] for code in sums}
    try:
        result = water.classify_sample(means, waterbody=waterbody or "river")
    except (ValueError, TypeError):
        return None, ()
    if result.water_class is None:
        return None, ()
    return int(result.water_class), result.main_pollutants


def section_statuses(
    period: Period,
    *,
    district_ids: Sequence[int] | None = None,
    stations: Sequence[Station] | None = None,
) -> list[SectionStatus]:
    """The active water sections (of the districts, or all) with their period class (2 queries)."""
    if stations is None:
        qs = Station.objects.filter(kind=StationKind.WATER, is_active=True).select_related(
            "district"
        )
        if district_ids is not None:
            qs = qs.filter(district_id__in=list(district_ids))
        stations = list(qs)
    by_station: dict[int, list] = defaultdict(list)
    if stations:
        samples = WaterSample.objects.filter(
            station_id__in=[s.pk for s in stations],
            sampled_on__gte=period.first_day,
            sampled_on__lte=period.last_day,
        ).order_by("station_id", "sampled_on")
        for row in samples.values_list("station_id", "sampled_on", "values", "water_class"):
            by_station[row[0]].append(row)
    out = []
    for station in stations:
        rows = by_station.get(station.pk, [])
        cls, main = _period_class([r[2] for r in rows], station.waterbody)
        out.append(
            SectionStatus(
                station=station,
                samples=len(rows),
                water_class=cls,
                main_pollutants=main,
                target_class=station.target_class,
                latest_on=rows[-1][1] if rows else None,
                latest_class=rows[-1][3] if rows else None,
            )
        )
    return out


@dataclass(frozen=True)
class WaterFigures:
    sections: int  # active sections
    classified: int  # sections with a class in the period
    good: int  # class I–III
    inferior_v: int  # 劣V
    good_ratio: float | None  # per cent, one decimal
    meeting_target: int  # sections at or better than their target class

    @property
    def has_data(self) -> bool:
        return self.classified > 0


def water_figures(statuses: Iterable[SectionStatus]) -> WaterFigures:
    statuses = list(statuses)
    classified = [s for s in statuses if s.water_class is not None]
    good = sum(1 for s in classified if s.water_class <= water.WaterClass.III)
    return WaterFigures(
        sections=len(statuses),
        classified=len(classified),
        good=good,
        inferior_v=sum(1 for s in classified if s.water_class == water.WaterClass.WORSE_THAN_V),
        good_ratio=_percent(good, len(classified)),
        meeting_target=sum(1 for s in classified if s.meets_target),
    )


# --- targets ----------------------------------------------------------------------------------


def targets_for(year: int, district_ids: Sequence[int] | None = None) -> dict:
    """``{(district_id, indicator): Decimal}`` of a year's targets (one query)."""
    qs = Target.objects.filter(year=year)
    if district_ids is not None:
        qs = qs.filter(district_id__in=list(district_ids))
    return {(d, i): v for d, i, v in qs.values_list("district_id", "indicator", "value")}


@dataclass(frozen=True)
class Assessment:
    """An indicator's value against its target."""

    indicator: str
    value: float | None
    target: Decimal | None
    status: str
    gap: float | None  # value − target, in the indicator's decimals
    provisional: bool  # the period is not over, or the statistic is not valid yet

    @property
    def higher_is_better(self) -> bool:
        return HIGHER_IS_BETTER[Indicator(self.indicator)]

    @property
    def label(self) -> str:
        return str(Indicator(self.indicator).label)

    @property
    def decimals(self) -> int:
        return DECIMALS[self.indicator]

    @property
    def met(self) -> bool:
        return self.status == MET

    @property
    def missed(self) -> bool:
        return self.status == MISSED


def _as_shown(value: float, decimals: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals))


def assess(
    indicator: str,
    value: float | None,
    target: Decimal | None,
    *,
    provisional: bool = False,
    comparable: bool = True,
) -> Assessment:
    """Compare a shown value with a target: a floor when higher is better, else a ceiling."""
    indicator = Indicator(indicator)
    decimals = DECIMALS[indicator]
    if value is None:
        return Assessment(indicator.value, None, target, NO_DATA, None, provisional)
    if not comparable:
        return Assessment(indicator.value, value, None, NOT_ASSESSED, None, provisional)
    if target is None:
        return Assessment(indicator.value, value, None, NO_TARGET, None, provisional)
    shown = _as_shown(value, decimals)
    target = Decimal(target)
    met = shown >= target if HIGHER_IS_BETTER[indicator] else shown <= target
    gap = float((shown - target).quantize(Decimal(1).scaleb(-max(decimals, 1))))
    return Assessment(indicator.value, value, target, MET if met else MISSED, gap, provisional)


# --- rows, ranking, overview ------------------------------------------------------------------


@dataclass
class DistrictRow:
    """One district (or, with ``district`` None, the city) for a period."""

    district: Unit | None
    air_stations: int
    water_sections: int
    air: AirFigures | None
    water: WaterFigures | None
    assessments: dict[str, Assessment] = field(default_factory=dict)
    rank_good: int | None = None
    rank_pm25: int | None = None

    @property
    def name(self) -> str:
        return self.district.display_name if self.district else ""

    @property
    def missed(self) -> list[Assessment]:
        return [a for a in self.assessments.values() if a.missed]

    def value(self, indicator: str) -> float | None:
        return self.assessments[indicator].value

    @property
    def ordered(self) -> list[Assessment]:
        return [self.assessments[i] for i in INDICATOR_ORDER]


def _values(air: AirFigures | None, wat: WaterFigures | None) -> dict[str, float | None]:
    has_air = air is not None and air.has_data
    has_water = wat is not None and wat.has_data
    return {
        Indicator.GOOD_DAY_RATIO: air.good_ratio if has_air else None,
        Indicator.PM25_MEAN: air.pm25_mean if air is not None else None,
        Indicator.HEAVY_DAYS: air.heavy_days if has_air else None,
        Indicator.WATER_GOOD_RATIO: wat.good_ratio if has_water else None,
        Indicator.WATER_INFERIOR_V: wat.inferior_v if has_water else None,
    }


def build_row(
    *,
    district: Unit | None,
    period: Period,
    air: AirFigures | None,
    wat: WaterFigures | None,
    air_stations: int,
    water_sections: int,
    targets: Mapping,
    today: dt.date,
) -> DistrictRow:
    running = not period.is_over(today)
    row = DistrictRow(district, air_stations, water_sections, air, wat)
    for indicator, value in _values(air, wat).items():
        target = targets.get((district.pk, indicator)) if district is not None else None
        provisional = running or (
            indicator == Indicator.PM25_MEAN and air is not None and not air.pm25_valid
        )
        comparable = period.is_year or indicator != Indicator.HEAVY_DAYS
        row.assessments[indicator] = assess(
            indicator, value, target, provisional=provisional, comparable=comparable
        )
    return row


SORTS = ("good", "pm25", "heavy", "water", "name")


def rank(rows: Sequence[DistrictRow], indicator: str) -> dict[int, int]:
    """Competition ranks (1, 2, 2, 4) by an indicator, best first; ``id(row)`` → rank."""
    higher = HIGHER_IS_BETTER[Indicator(indicator)]
    valued = [r for r in rows if r.value(indicator) is not None]
    valued.sort(key=lambda r: -r.value(indicator) if higher else r.value(indicator))
    ranks: dict[int, int] = {}
    previous, position = None, 0
    for i, row in enumerate(valued, start=1):
        if row.value(indicator) != previous:
            position, previous = i, row.value(indicator)
        ranks[id(row)] = position
    return ranks


def _sorted(rows: list[DistrictRow], sort: str) -> list[DistrictRow]:
    if sort == "name":
        return rows
    indicator = {
        "good": Indicator.GOOD_DAY_RATIO,
        "pm25": Indicator.PM25_MEAN,
        "heavy": Indicator.HEAVY_DAYS,
        "water": Indicator.WATER_GOOD_RATIO,
    }[sort]
    ranks = rank(rows, indicator)
    # Stable: equal ranks (and the unranked, last) keep the districts' own order.
    return sorted(rows, key=lambda r: ranks.get(id(r), len(rows) + 1))


@dataclass
class Overview:
    period: Period
    rows: list[DistrictRow]
    city: DistrictRow
    sort: str
    today: dt.date

    @property
    def provisional_limits(self) -> bool:
        return self.period.provisional_limits

    @property
    def standards(self) -> tuple[str, ...]:
        return self.period.standards

    @property
    def provisional_aqi(self) -> bool:
        return aqimod.STANDARD_2026 in self.standards

    @property
    def in_progress(self) -> bool:
        return not self.period.is_over(self.today)

    @property
    def data_until(self) -> dt.date | None:
        return self.city.air.last_day if self.city.air else None


def _station_counts(district_ids: Sequence[int] | None = None) -> dict[int, dict[str, int]]:
    qs = Station.objects.filter(is_active=True)
    if district_ids is not None:
        qs = qs.filter(district_id__in=list(district_ids))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"air": 0, "water": 0})
    for district_id, kind, n in (
        qs.values_list("district_id", "kind").annotate(n=Count("pk")).order_by()
    ):
        counts[district_id][kind] = n
    return counts


def overview(period: Period, *, sort: str = "good", today: dt.date | None = None) -> Overview:
    """Every district with active stations or sections, against its targets, and the city."""
    today = today or timezone.localdate()
    if sort not in SORTS:
        sort = "good"
    counts = _station_counts()
    districts = list(Unit.objects.filter(pk__in=list(counts)).order_by("sort_order", "path"))
    ids = [d.pk for d in districts]
    air = air_figures(period, ids)
    statuses = section_statuses(period)
    by_district: dict[int, list[SectionStatus]] = defaultdict(list)
    for status in statuses:
        by_district[status.station.district_id].append(status)
    targets = targets_for(period.year, ids)
    rows = []
    for d in districts:
        n_air, n_water = counts[d.pk]["air"], counts[d.pk]["water"]
        rows.append(
            build_row(
                district=d,
                period=period,
                air=air[d.pk] if n_air or air[d.pk].has_data else None,
                wat=water_figures(by_district[d.pk]) if n_water else None,
                air_stations=n_air,
                water_sections=n_water,
                targets=targets,
                today=today,
            )
        )
    good, pm25 = rank(rows, Indicator.GOOD_DAY_RATIO), rank(rows, Indicator.PM25_MEAN)
    for row in rows:
        row.rank_good, row.rank_pm25 = good.get(id(row)), pm25.get(id(row))
    city = build_row(
        district=None,
        period=period,
        air=city_air_figures(period),
        wat=water_figures(statuses),
        air_stations=sum(c["air"] for c in counts.values()),
        water_sections=len(statuses),
        targets={},
        today=today,
    )
    return Overview(period=period, rows=_sorted(rows, sort), city=city, sort=sort, today=today)


# --- one district -----------------------------------------------------------------------------


@dataclass
class StationFigures:
    station: Station
    air: AirFigures


@dataclass
class DistrictDetail:
    period: Period
    row: DistrictRow
    months: list[MonthFigures]
    calendar: list[tuple]
    stations: list[StationFigures]
    sections: list[SectionStatus]
    targets: dict[str, Decimal]
    today: dt.date

    @property
    def provisional_aqi(self) -> bool:
        return aqimod.STANDARD_2026 in self.period.standards


def district_detail(
    district: Unit, period: Period, *, today: dt.date | None = None
) -> DistrictDetail:
    """A district's indicators against its targets, its year month by month, its AQI calendar,
    its air stations' figures and its water sections' classes."""
    today = today or timezone.localdate()
    year = Period(period.year)
    year_rows = _district_rows(year, [district.pk])
    in_period = [r for r in year_rows if period.first_day <= r[1] <= period.last_day]
    air = _figures([district.pk], in_period, period)[district.pk]
    stations = list(
        Station.objects.filter(district=district, is_active=True).order_by("kind", "code")
    )
    air_stations = [s for s in stations if s.kind == StationKind.AIR]
    sections = [s for s in stations if s.kind == StationKind.WATER]
    statuses = section_statuses(period, stations=sections)
    targets = targets_for(period.year, [district.pk])
    row = build_row(
        district=district,
        period=period,
        air=air if air_stations or air.has_data else None,
        wat=water_figures(statuses) if sections else None,
        air_stations=len(air_stations),
        water_sections=len(sections),
        targets=targets,
        today=today,
    )
    per_station = station_figures(period, [s.pk for s in air_stations])
    return DistrictDetail(
        period=period,
        row=row,
        months=monthly_figures(year_rows, period.year, district.pk),
        calendar=calendar_days(year=period.year, district=district),
        stations=[StationFigures(s, per_station[s.pk]) for s in air_stations],
        sections=statuses,
        targets={i: v for (_, i), v in targets.items()},
        today=today,
    )


# --- a ledger task from a missed target -----------------------------------------------------------

#: Short codes of the indicators in task numbers ("MON-2026-万州-PM25").
CODE_OF: Mapping[str, str] = MappingProxyType(
    {
        Indicator.GOOD_DAY_RATIO: "GOODDAYS",
        Indicator.PM25_MEAN: "PM25",
        Indicator.HEAVY_DAYS: "HEAVY",
        Indicator.WATER_GOOD_RATIO: "WATERIII",
        Indicator.WATER_INFERIOR_V: "INFERIORV",
    }
)
DEADLINE_DAYS = 90  # when the year's end is too close (or past), the deadline is today + 90 days
MIN_DAYS_TO_YEAR_END = 30


def district_short(unit: Unit) -> str:
    """万州区 → 万州, 石柱县 → 石柱, 两江新区 → 两江; names of two characters stay (忠县)."""
    name = unit.display_name
    if name.endswith("新区") and len(name) > 3:
        return name[:-2]
    if name[-1:] in ("区", "县") and len(name) > 2:
        return name[:-1]
    return name


def miss_code(district: Unit, year: int, indicator: str) -> str:
    """The ledger task number of a district's missed target: one task per miss."""
    return f"MON-{year}-{district_short(district)}-{CODE_OF[indicator]}"


@dataclass(frozen=True)
class TaskProposal:
    """What the confirm form is prefilled with (the office may edit all but the code)."""

    code: str
    title: str
    problem: str
    target: str
    measures: tuple[str, ...]
    category: str  # a ledger category: "air" or "water"
    deadline: dt.date


_TITLES = {
    Indicator.GOOD_DAY_RATIO: "{d}{y}年空气质量优良天数比例未达目标",
    Indicator.PM25_MEAN: "{d}{y}年PM2.5年均浓度未达目标",
    Indicator.HEAVY_DAYS: "{d}{y}年重污染天数超过目标",
    Indicator.WATER_GOOD_RATIO: "{d}{y}年地表水水质优良断面比例未达目标",
    Indicator.WATER_INFERIOR_V: "{d}{y}年劣V类水质断面数超过目标",
}
_AIR_MEASURES = (
    "分析污染成因，明确细颗粒物（PM2.5）、臭氧等主要污染物的来源",
    "加强工业企业、施工扬尘、道路扬尘、机动车和餐饮油烟等污染源管控",
    "落实重污染天气应急响应和错峰生产措施",
    "每月调度空气质量改善进展，确保完成年度目标",
)
_WATER_MEASURES = (
    "排查未达标断面上游入河排污口和污染源，建立问题清单",
    "推进城镇污水管网建设、雨污分流改造和污水处理设施提标",
    "加强农业面源、畜禽养殖和农村生活污水治理",
    "加密断面监测，每月调度水质改善进展",
)


def _number(value: float | Decimal, decimals: int) -> str:
    return f"{Decimal(str(value)):.{decimals}f}"


def task_proposal(
    *,
    district: Unit,
    period: Period,
    assessment: Assessment,
    air: AirFigures | None,
    wat: WaterFigures | None,
    sections: Sequence[SectionStatus] = (),
    today: dt.date,
) -> TaskProposal:
    """The draft ledger task for a missed annual target, with the numbers in its problem text.

    The texts are Chinese document content (the ledger's language), not interface strings.
    """
    indicator = Indicator(assessment.indicator)
    name = district.display_name
    dec = DECIMALS[indicator]
    value = _number(assessment.value, dec)
    target = _number(assessment.target, dec)
    gap = _number(abs(assessment.gap or 0), dec)
    until = air.last_day if air is not None and air.last_day else None
    if period.is_over(today) or until is None or until >= period.last_day:
        when = f"{period.year}年"
    else:
        when = f"{period.year}年1—{until.month}月（截至{until.month}月{until.day}日）"
    if indicator == Indicator.GOOD_DAY_RATIO:
        problem = (
            f"{when}，{name}空气质量优良天数比例为{value}%（优良天数{air.good_days}天，"
            f"有效监测天数{air.aqi_days}天），目标为不低于{target}%，相差{gap}个百分点。"
        )
        goal = f"{period.year}年空气质量优良天数比例不低于{target}%。"
    elif indicator == Indicator.PM25_MEAN:
        problem = (
            f"{when}，{name}细颗粒物（PM2.5）平均浓度为{value}微克/立方米，目标为不高于"
            f"{target}微克/立方米，超出{gap}微克/立方米。"
        )
        goal = f"{period.year}年PM2.5年均浓度不高于{target}微克/立方米。"
    elif indicator == Indicator.HEAVY_DAYS:
        problem = f"{when}，{name}重污染天数为{value}天，目标为不超过{target}天，超出{gap}天。"
        goal = f"{period.year}年重污染天数不超过{target}天。"
    elif indicator == Indicator.WATER_GOOD_RATIO:
        problem = (
            f"{when}，{name}{wat.classified}个地表水监测断面中水质达到或好于III类的{wat.good}个，"
            f"比例为{value}%，目标为不低于{target}%，相差{gap}个百分点。"
        )
        goal = f"{period.year}年水质达到或好于III类的断面比例不低于{target}%。"
    else:
        problem = f"{when}，{name}劣V类水质断面{value}个，目标为不超过{target}个。"
        goal = f"{period.year}年劣V类水质断面不超过{target}个。"
    if indicator in (Indicator.WATER_GOOD_RATIO, Indicator.WATER_INFERIOR_V):
        worse = [
            s
            for s in sections
            if s.water_class is not None
            and (
                s.water_class == water.WaterClass.WORSE_THAN_V
                if indicator == Indicator.WATER_INFERIOR_V
                else s.water_class > water.WaterClass.III
            )
        ]
        if worse:
            parts = []
            for s in worse:
                main = "、".join(s.main_pollutant_names)
                parts.append(
                    f"{s.station.name}（{s.class_label}类" + (f"，{main}" if main else "") + "）"
                )
            problem += "未达标断面：" + "；".join(parts) + "。"
    if assessment.provisional:
        problem += "（年度尚未结束，数据为阶段性统计。）"
    year_end = dt.date(period.year, 12, 31)
    deadline = (
        year_end
        if (year_end - today).days >= MIN_DAYS_TO_YEAR_END
        else today + dt.timedelta(days=DEADLINE_DAYS)
    )
    is_air = indicator in AIR_INDICATORS
    return TaskProposal(
        code=miss_code(district, period.year, indicator),
        title=_TITLES[indicator].format(d=name, y=period.year),
        problem=problem,
        target=goal,
        measures=_AIR_MEASURES if is_air else _WATER_MEASURES,
        category="air" if is_air else "water",
        deadline=deadline,
    )
