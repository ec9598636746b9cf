"""Factories of the indicator and page tests: stations, sections, stored daily rows, water
samples and targets, built directly (not through the loader), and synthetic hourly years."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from shanshui.monitoring import aqi, water
from shanshui.monitoring.indicators.air import FIELDS
from shanshui.monitoring.models import AirDaily, Station, StationKind, Target, WaterSample
from shanshui.orgs.models import Unit

COLUMNS = FIELDS  # airstats daily code → AirDaily column


def unit(key: str) -> Unit:
    return Unit.objects.get(key=key)


def make_station(district, code, *, kind=StationKind.AIR, name=None, **kwargs) -> Station:
    return Station.objects.create(
        code=code,
        name=name or f"{district.display_name}{code}",
        kind=kind,
        district=district,
        **kwargs,
    )


def make_section(district, code, *, target_class=3, waterbody="river", **kwargs) -> Station:
    return make_station(
        district,
        code,
        kind=StationKind.WATER,
        target_class=target_class,
        waterbody=waterbody,
        river=kwargs.pop("river", "长江"),
        **kwargs,
    )


def synthetic_hourly(seed: int, stations: int, year: int, *, gap_days=(), episode=True):
    """Hourly arrays (stations × hours × 6) for a calendar year: seasonal PM, summer O3, ~3 %
    missing hours, whole days missing (``gap_days``, day-of-year indices) and a winter
    pollution episode (AQI above 200 for a few days)."""
    rng = np.random.default_rng(seed)
    days = 366 if year % 4 == 0 else 365
    hours = days * 24
    t = np.arange(hours) / 24.0
    winter = 0.5 + 0.5 * np.cos(2 * np.pi * t / days)
    out = np.empty((stations, hours, 6))
    for s in range(stations):
        scale = 1 + 0.15 * s
        pm25 = scale * (18 + 45 * winter) * rng.lognormal(0, 0.35, hours)
        out[s, :, 0] = rng.gamma(3, 3, hours)  # SO2
        out[s, :, 1] = 20 + 15 * winter + rng.gamma(2, 5, hours)  # NO2
        out[s, :, 2] = pm25 * 1.6 + rng.gamma(2, 4, hours)  # PM10
        out[s, :, 3] = pm25
        out[s, :, 4] = np.round(0.5 + 0.6 * winter + rng.gamma(2, 0.1, hours), 1)  # CO
        diurnal = np.clip(np.sin(2 * np.pi * ((t % 1) - 0.3)), 0, None)
        out[s, :, 5] = (40 + 120 * (1 - winter) * diurnal) * rng.lognormal(0, 0.2, hours)  # O3
        if episode:
            out[s, 10 * 24 : 14 * 24, 3] = 240 * scale  # PM2.5 24-h ≈ 240 → AQI ≈ 290
            out[s, 10 * 24 : 14 * 24, 2] = 300 * scale
    out[rng.random(out.shape) < 0.03] = np.nan
    for d in gap_days:
        out[:, d * 24 : (d + 1) * 24, :] = np.nan
    return np.round(out, 1)


def store_daily(daily, *, district, stations, index_of=None) -> int:
    """Store airstats' daily results as AirDaily rows (as the data layer does): one row per day
    of each series; ``stations`` holds a Station per series, or None for district rows."""
    rows = []
    for s, station in enumerate(stations):
        i = s if index_of is None else index_of[s]
        for d in range(daily.days):
            a = daily.aqi[i, d]
            values = {
                col: (
                    None if np.isnan(daily.values[code][i, d]) else float(daily.values[code][i, d])
                )
                for code, col in COLUMNS.items()
            }
            rows.append(
                AirDaily(
                    station=station,
                    district=district,
                    day=daily.date(d),
                    aqi=None if np.isnan(a) else int(a),
                    level=int(daily.level[i, d]) or None,
                    primary=",".join(daily.primary_pollutants(i, d)),
                    complete=bool(daily.complete[i, d]),
                    standard=daily.standards[d],
                    **values,
                )
            )
    AirDaily.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def daily_row(district, day, *, station=None, pm25, pm10=40, so2=8, no2=25, co=0.6, o3=90):
    """One stored daily row with its AQI computed by aqi.py (the day's standard)."""
    values = {
        "SO2_24H": so2,
        "NO2_24H": no2,
        "PM10_24H": pm10,
        "PM25_24H": pm25,
        "CO_24H": co,
        "O3_1H": None if o3 is None else o3 + 30,
        "O3_8H": o3,
    }
    result = aqi.compute_aqi(values, standard=aqi.standard_for(day))
    complete = all(v is not None for v in values.values())
    return AirDaily(
        station=station,
        district=district,
        day=day,
        so2=so2,
        no2=no2,
        pm10=pm10,
        pm25=pm25,
        co=co,
        o3_1h_max=values["O3_1H"],
        o3_8h_max=o3,
        aqi=result.aqi,
        level=result.level_number,
        primary=",".join(result.primary_pollutants),
        complete=complete,
        standard=result.standard,
    )


def simple_year(district, year, *, days=365, pm25=30, heavy=0, bad=0, station=None, start=None):
    """``days`` daily rows from ``start`` (default 1 January): ``heavy`` days with PM2.5 180
    (AQI > 200), ``bad`` days with PM2.5 90 (light pollution), the rest at ``pm25``."""
    first = start or dt.date(year, 1, 1)
    rows = []
    for i in range(days):
        value = 180 if i < heavy else 90 if i < heavy + bad else pm25
        rows.append(daily_row(district, first + dt.timedelta(days=i), station=station, pm25=value))
    AirDaily.objects.bulk_create(rows)
    return rows


def sample(section, day, **values) -> WaterSample:
    result = water.classify_sample(values, waterbody=section.waterbody or "river")
    return WaterSample.objects.create(
        station=section,
        sampled_on=day,
        values={k: v for k, v in values.items()},
        water_class=int(result.water_class) if result.water_class else None,
        main_pollutants=",".join(result.main_pollutants),
    )


GOOD_WATER = {"pH": 7.5, "DO": 7.0, "CODMn": 3.0, "COD": 14, "NH3N": 0.3, "TP": 0.08}


def target(district, year, indicator, value) -> Target:
    return Target.objects.create(
        district=district, year=year, indicator=indicator, value=Decimal(str(value))
    )
