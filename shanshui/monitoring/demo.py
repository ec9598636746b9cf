"""Demo monitoring data: 12 air stations in six districts with hourly readings from 1 January of
last year up to the current hour, 10 water sections with monthly samples, and this year's
targets for the six districts. Idempotent: nothing is created when the first demo station
exists. Never used in production.

The readings are synthetic but shaped like Chongqing's: PM2.5 about 60 µg/m³ in January and 20
in summer (two winter episodes reach heavy pollution), O3 peaking on summer afternoons, NO2 with
rush-hour peaks, about 3 % of hours missing. They are generated with numpy and loaded through the
same bulk path as a CSV import (``loading.air.load_air_rows``), which also computes the daily
values.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import numpy as np
from django.contrib.auth import get_user_model
from django.utils import timezone

from shanshui.monitoring import services, water
from shanshui.monitoring.loading.air import load_air_rows
from shanshui.monitoring.loading.parsing import parse_hour
from shanshui.monitoring.models import (
    ControlLevel,
    Indicator,
    Station,
    StationKind,
    Waterbody,
    WaterSample,
)
from shanshui.orgs.models import Unit

SEED = 20260301

# (code, name, district key, latitude, longitude, pollution factor)
AIR_STATIONS = [
    ("5001A", "天城", "cq-wanzhou", "30.8251", "108.3716", 0.95),
    ("5002A", "白岩", "cq-wanzhou", "30.8075", "108.4030", 1.00),
    ("5003A", "解放碑", "cq-yuzhong", "29.5576", "106.5772", 1.05),
    ("5004A", "两路口", "cq-yuzhong", "29.5528", "106.5420", 1.08),
    ("5005A", "天星桥", "cq-shapingba", "29.5664", "106.4587", 1.10),
    ("5006A", "虎溪", "cq-shapingba", "29.6050", "106.3158", 0.98),
    ("5007A", "杨家坪", "cq-jiulongpo", "29.5122", "106.5093", 1.12),
    ("5008A", "白市驿", "cq-jiulongpo", "29.4955", "106.3632", 1.02),
    ("5009A", "南坪", "cq-nanan", "29.5319", "106.5700", 1.06),
    ("5010A", "茶园", "cq-nanan", "29.4978", "106.6624", 0.97),
    ("5011A", "荔枝", "cq-fuling", "29.7130", "107.3925", 0.92),
    ("5012A", "李渡", "cq-fuling", "29.7890", "107.2857", 0.90),
]

# (code, name, district key, river, waterbody, target class, how it usually fares)
WATER_SECTIONS = [
    ("W001", "晒网坝", "cq-wanzhou", "长江", Waterbody.RIVER, 2, "good"),
    ("W002", "苎溪河口", "cq-wanzhou", "苎溪河", Waterbody.RIVER, 3, "fair"),
    ("W003", "朝天门", "cq-yuzhong", "长江", Waterbody.RIVER, 2, "good"),
    ("W004", "大溪沟", "cq-yuzhong", "嘉陵江", Waterbody.RIVER, 2, "good"),
    ("W005", "井口", "cq-shapingba", "嘉陵江", Waterbody.RIVER, 2, "good"),
    ("W006", "梁滩河口", "cq-shapingba", "梁滩河", Waterbody.RIVER, 4, "poor"),
    ("W007", "跳磴河口", "cq-jiulongpo", "跳磴河", Waterbody.RIVER, 4, "worst"),
    ("W008", "花溪河口", "cq-nanan", "花溪河", Waterbody.RIVER, 3, "fair"),
    ("W009", "迎龙湖", "cq-nanan", "迎龙湖", Waterbody.LAKE, 3, "fair"),
    ("W010", "麻柳嘴", "cq-fuling", "乌江", Waterbody.RIVER, 2, "good"),
]

# This year's targets (优良天数比例 %, PM2.5 µg/m³, 重污染天数, Ⅲ类及以上断面比例 %, 劣Ⅴ断面):
# some met, some missed by the generated data (HJ 633-2026's stricter PM2.5 breakpoints, in force
# from 2026-03-01, lower the good-day ratio by several points).
TARGETS = {
    "cq-wanzhou": ("85", "33", "1", "100", "0"),
    "cq-yuzhong": ("83", "34", "1", "100", "0"),
    "cq-shapingba": ("82", "35", "0", "50", "0"),
    "cq-jiulongpo": ("84", "36", "1", "50", "0"),
    "cq-nanan": ("83", "32", "1", "100", "0"),
    "cq-fuling": ("86", "30", "0", "100", "0"),
}
_TARGET_ORDER = (
    Indicator.GOOD_DAY_RATIO,
    Indicator.PM25_MEAN,
    Indicator.HEAVY_DAYS,
    Indicator.WATER_GOOD_RATIO,
    Indicator.WATER_INFERIOR_V,
)

# Typical level, seasonal amplitude (+: winter high) and diurnal shape per pollutant, in
# aqi.POLLUTANTS order (SO2, NO2, PM10, PM2.5, CO, O3).
_LEVEL = np.array([7.0, 28.0, 46.0, 29.0, 0.75, 46.0])
_SEASON = np.array([0.30, 0.25, 0.45, 0.55, 0.25, -0.55])


def _hours(now_local: dt.datetime) -> tuple[dt.date, int]:
    """First day (1 January of last year) and the number of hourly labels from its 01:00 up
    to the current hour."""
    start = dt.date(now_local.year - 1, 1, 1)
    first_label = dt.datetime.combine(start, dt.time(1))
    current = now_local.replace(minute=0, second=0, microsecond=0)
    return start, int((current - first_label).total_seconds() // 3600) + 1


def generate_air(stations: int, factors: list[float], start: dt.date, hours: int) -> np.ndarray:
    """Hourly values (stations × hours × 6), NaN for missing; slot ``i`` is labelled ``i+1``
    o'clock after 00:00 of ``start``."""
    rng = np.random.default_rng(SEED)
    i = np.arange(hours)
    hour_of_day = i % 24  # the hour the mean window starts
    day = i // 24
    day_of_year = np.array(
        [(start + dt.timedelta(days=int(d))).timetuple().tm_yday for d in range(day[-1] + 1)]
    )[day]
    winter = np.cos(2 * np.pi * (day_of_year - 15) / 365.25)  # 1 mid-January, -1 mid-July
    # Weather: a regional AR(1) factor per day (stagnant spells), shared by all stations.
    days = int(day[-1]) + 1
    w = np.zeros(days)
    shocks = rng.normal(0, 0.45, size=days)
    for d in range(1, days):
        w[d] = 0.72 * w[d - 1] + shocks[d]
    # Two winter episodes of heavy pollution (stagnant air, mid-January of each year).
    for year in (start.year, start.year + 1):
        first = (dt.date(year, 1, 9) - start).days
        if 0 <= first < days - 3:
            w[first : first + 3] += np.array([1.0, 1.5, 1.1])
    weather = w[day]
    diurnal = {
        0: 1 + 0.20 * np.cos(2 * np.pi * (hour_of_day - 10) / 24),
        1: 1 + 0.28 * np.cos(4 * np.pi * (hour_of_day - 8) / 24),
        2: 1 + 0.15 * np.cos(2 * np.pi * (hour_of_day - 21) / 24),
        3: 1 + 0.13 * np.cos(2 * np.pi * (hour_of_day - 22) / 24),
        4: 1 + 0.18 * np.cos(4 * np.pi * (hour_of_day - 8) / 24),
        5: np.maximum(0.15, 1 + 0.85 * np.cos(2 * np.pi * (hour_of_day - 14) / 24)),
    }
    out = np.empty((stations, hours, 6))
    for s in range(stations):
        factor = factors[s]
        for p in range(6):
            season = 1 + _SEASON[p] * winter
            # Stagnant air raises primary pollutants; O3 follows sunny, dry (opposite) weather,
            # mostly in the warm half of the year.
            sign = -0.6 if p == 5 else 1.0
            spell = np.exp(sign * 0.55 * weather * (1.15 if p == 3 else 1.0))
            noise = np.exp(rng.normal(0, 0.22, size=hours))
            level = _LEVEL[p] * (factor if p != 5 else 2 - factor)
            x = level * season * spell * diurnal[p] * noise
            out[s, :, p] = np.round(x, 1 if p == 4 else 0)
        # PM10 is at least PM2.5.
        out[s, :, 2] = np.maximum(out[s, :, 2], out[s, :, 3])
    # Missing: ~2.5 % of station-hours entirely, ~0.5 % of single values.
    gone = rng.random((stations, hours)) < 0.025
    out[gone] = np.nan
    out[rng.random(out.shape) < 0.005] = np.nan
    return out


def _sample_values(rng: np.random.Generator, fares: str, month: int) -> dict[str, float]:
    """One month's sample of a section that usually fares ``fares`` (good, fair, poor, worst)."""
    dry = 1 + 0.25 * math.cos(2 * math.pi * (month - 1) / 12)  # dry season concentrates
    scale = {"good": 0.55, "fair": 1.0, "poor": 1.55, "worst": 3.8}[fares] * dry
    jitter = rng.lognormal(0, 0.2)

    def v(base, decimals=2):
        return round(float(base * scale * jitter * rng.lognormal(0, 0.15)), decimals)

    return {
        "pH": round(float(rng.normal(7.6, 0.25)), 2),
        "DO": round(float(max(1.5, rng.normal(8.6 - 2.2 * (scale - 0.55), 0.6))), 1),
        "CODMn": v(3.2, 1),
        "COD": v(13.0, 0),
        "BOD5": v(2.4, 1),
        "NH3N": v(0.55, 3),
        "TP": v(0.12, 3),
        "TN": v(1.1, 2),
        "F": round(float(rng.uniform(0.15, 0.45)), 2),
        "Petroleum": round(float(rng.uniform(0.01, 0.04)), 2),
    }


def load_demo() -> list[str]:
    if Station.objects.filter(code=AIR_STATIONS[0][0]).exists():
        return []
    units = {u.key: u for u in Unit.objects.filter(key__in=TARGETS)}
    if len(units) < len(TARGETS):
        return []
    air, sections = _create_stations(units)
    created = [f"{len(air)} air stations, {len(sections)} water sections"]
    now = timezone.localtime().replace(tzinfo=None)
    start, hours = _hours(now)
    result = _load_air(air, start, hours)
    created.append(
        f"{result.inserted} hourly air readings, {result.station_days} station-days and "
        f"{result.district_days} district-days of daily values"
    )
    samples = _load_water(sections, start.year, now.date())
    created.append(f"{samples} water samples")
    office = get_user_model().objects.filter(username="office").first()
    if office is not None:
        count = _set_targets(office, units, now.year)
        created.append(f"{count} monitoring targets for {now.year}")
    return created


def _create_stations(units: dict[str, Unit]) -> tuple[list[Station], list[Station]]:
    air = [
        Station.objects.create(
            code=code,
            name=name,
            kind=StationKind.AIR,
            district=units[key],
            control_level=ControlLevel.NATIONAL if n % 2 == 0 else ControlLevel.CITY,
            latitude=Decimal(lat),
            longitude=Decimal(lon),
        )
        for n, (code, name, key, lat, lon, _factor) in enumerate(AIR_STATIONS)
    ]
    sections = [
        Station.objects.create(
            code=code,
            name=name,
            kind=StationKind.WATER,
            district=units[key],
            control_level=ControlLevel.NATIONAL if target <= 2 else ControlLevel.CITY,
            waterbody=body,
            river=river,
            target_class=target,
        )
        for code, name, key, river, body, target, _fares in WATER_SECTIONS
    ]
    return air, sections


def _load_air(air: list[Station], start: dt.date, hours: int):
    """Hourly readings from ``start`` up to the current hour, through the bulk loader."""
    values = generate_air(len(air), [row[5] for row in AIR_STATIONS], start, hours)
    first_hour = parse_hour(f"{start:%Y-%m-%d} 01:00")

    def rows():
        for s, station in enumerate(air):
            block = values[s]
            for i, line in enumerate(block.tolist()):
                yield (station.pk, first_hour + i, *(None if v != v else v for v in line))

    return load_air_rows(rows())


def _load_water(sections: list[Station], first_year: int, today: dt.date) -> int:
    """Monthly water samples, on the 10th, from January of ``first_year`` up to this month."""
    rng = np.random.default_rng(SEED + 1)
    samples = []
    for station, (_c, _n, _k, _r, body, _t, fares) in zip(sections, WATER_SECTIONS, strict=True):
        day = dt.date(first_year, 1, 10)
        while day <= today:
            vals = _sample_values(rng, fares, day.month)
            res = water.classify_sample(vals, waterbody=body)
            samples.append(
                WaterSample(
                    station=station,
                    sampled_on=day,
                    values=vals,
                    water_class=None if res.water_class is None else int(res.water_class),
                    main_pollutants=",".join(res.main_pollutants),
                )
            )
            day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 10)
    WaterSample.objects.bulk_create(samples)
    return len(samples)


def _set_targets(office, units: dict[str, Unit], year: int) -> int:
    count = 0
    for key, values in TARGETS.items():
        for indicator, value in zip(_TARGET_ORDER, values, strict=True):
            services.target_set(
                actor=office,
                district=units[key],
                year=year,
                indicator=indicator,
                value=Decimal(value),
            )
            count += 1
    return count
