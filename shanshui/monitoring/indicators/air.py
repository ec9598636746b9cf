"""Air figures of a period from the stored daily values: per district, per station and for the
city; month by month; the AQI calendar. See the package docstring for the definitions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from django.db.models import Count, Sum

from shanshui.monitoring import airstats
from shanshui.monitoring import aqi as aqimod
from shanshui.monitoring.indicators.periods import Period, percent
from shanshui.monitoring.models import AirDaily, Station
from shanshui.orgs.models import Unit

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
CODES = tuple(FIELDS)
COLUMNS = tuple(FIELDS.values())


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
    values = {code: np.full(shape, np.nan) for code in CODES}
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
        for c, code in enumerate(CODES):
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


def figures_from_rows(keys: Sequence, rows: Sequence[Sequence], period: Period) -> dict:
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
            good_ratio=percent(s.good_days, s.aqi_days),
            pm25_mean=means["PM25"],
            pm25_valid=s.valid["PM25"],
            pm25_days=s.valid_days["PM25"],
            means=MappingProxyType(means),
            valid=MappingProxyType(dict(s.valid)),
            percentiles=MappingProxyType(dict(s.percentile)),
            exceed_days=MappingProxyType(dict(s.exceed_days)),
        )
    return out


ROW_FIELDS = ("day", *COLUMNS, "aqi", "level", "complete")


def district_rows(period: Period, district_ids: Sequence[int] | None) -> list[tuple]:
    qs = AirDaily.objects.filter(
        station__isnull=True, day__gte=period.first_day, day__lte=period.last_day
    )
    if district_ids is not None:
        qs = qs.filter(district_id__in=list(district_ids))
    return list(qs.values_list("district_id", *ROW_FIELDS))


def air_figures(period: Period, district_ids: Sequence[int]) -> dict[int, AirFigures]:
    """AirFigures of each district from its district daily rows (one query)."""
    ids = list(district_ids)
    return figures_from_rows(ids, district_rows(period, ids), period)


def station_figures(period: Period, station_ids: Sequence[int]) -> dict[int, AirFigures]:
    """AirFigures of each air station from its own daily rows (one query)."""
    ids = list(station_ids)
    rows = list(
        AirDaily.objects.filter(
            station_id__in=ids, day__gte=period.first_day, day__lte=period.last_day
        ).values_list("station_id", *ROW_FIELDS)
    )
    return figures_from_rows(ids, rows, period)


def _round_units(total_units: np.ndarray, n: np.ndarray) -> np.ndarray:
    """half-even(total_units / n) for int64 arrays (n > 0)."""
    q, r = np.divmod(total_units, n)
    twice = 2 * r
    return q + ((twice > n) | ((twice == n) & (q % 2 == 1)))


def city_daily_rows(first: dt.date, last: dt.date) -> list[tuple]:
    """The city's daily rows ``("city", day, 7 values, aqi, level, complete)`` from all air
    stations' daily values (one aggregate query; see the package docstring)."""
    aggregates = {}
    for col in COLUMNS:
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
        vals = [None if np.isnan(values[c][i]) else float(values[c][i]) for c in CODES]
        a = None if np.isnan(aqi[i]) else int(aqi[i])
        rows.append(("city", day, *vals, a, int(level[i]) or None, bool(complete[i])))
    return rows


def city_air_figures(period: Period) -> AirFigures:
    rows = city_daily_rows(period.first_day, period.last_day)
    return figures_from_rows(["city"], rows, period)["city"]


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
                good_ratio=percent(s.good_days, s.aqi_days),
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
