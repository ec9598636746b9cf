"""Air figures of a period: airstats' own figures on the stored daily values, a year in
progress, complete days only, and the city's daily means."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import numpy as np
import pytest

from shanshui.monitoring import airstats, aqi
from shanshui.monitoring.indicators.air import (
    COLUMNS,
    ROW_FIELDS,
    air_figures,
    city_air_figures,
    city_daily_rows,
    monthly_figures,
    station_figures,
)
from shanshui.monitoring.indicators.periods import Period
from shanshui.monitoring.models import AirDaily
from shanshui.monitoring.tests.indicator_helpers import (
    daily_row,
    make_station,
    store_daily,
    synthetic_hourly,
    unit,
)


@pytest.mark.parametrize("year", [2025, 2026])
def test_it_gives_airstats_annual_and_monthly_figures_on_the_stored_values(db, year):
    wanzhou = unit("cq-wanzhou")
    hourly = synthetic_hourly(6, 2, year, gap_days=(40, 41, 200, 201, 300))
    daily = airstats.daily_statistics_batch(hourly, start=dt.date(year, 1, 1))
    stations = [make_station(wanzhou, "WZ-A"), make_station(wanzhou, "WZ-B")]
    store_daily(daily, district=wanzhou, stations=stations)
    # The district's rows carry the first series (the mean of stations is the data layer's job).
    store_daily(daily, district=wanzhou, stations=[None])

    limits = airstats.LIMITS_GB3095_2012[2] if year >= 2026 else None
    expected = airstats.annual_statistics(daily, year=year, limits=limits)
    period = Period(year)
    assert period.provisional_limits is (year >= 2026)

    figures = air_figures(period, [wanzhou.pk])[wanzhou.pk]
    first = expected.station(0)
    assert first.valid["PM25"], "the synthetic year must be a valid year"
    assert figures.pm25_valid is True
    assert figures.pm25_mean == first.mean["PM25"]
    assert figures.good_days == first.good_days
    assert figures.aqi_days == first.aqi_days
    assert figures.heavy_days == first.heavy_days > 0
    assert figures.level_days == first.level_days
    assert figures.good_ratio == round(first.good_ratio * 100, 1)
    assert figures.good_ratio == float(round(Fraction(first.good_days * 1000, first.aqi_days))) / 10
    for p in airstats.POLLUTANTS:
        assert figures.means[p] == first.mean[p]
        assert figures.percentiles[p] == first.percentile[p]
    assert dict(figures.exceed_days) == dict(first.exceed_days)

    per_station = station_figures(period, [s.pk for s in stations])
    for i, station in enumerate(stations):
        s = expected.station(i)
        got = per_station[station.pk]
        assert (got.good_days, got.aqi_days, got.heavy_days) == (
            s.good_days,
            s.aqi_days,
            s.heavy_days,
        )
        assert got.pm25_mean == s.mean["PM25"]

    rows = list(
        AirDaily.objects.filter(station=None, district=wanzhou).values_list(
            "district_id", *ROW_FIELDS
        )
    )
    months = monthly_figures(rows, year, wanzhou.pk)
    for m in months:
        month_limits = limits if Period(year, m.month).provisional_limits else None
        exp = airstats.monthly_statistics(
            daily, year=year, month=m.month, limits=month_limits
        ).station(0)
        assert m.good_ratio == round(exp.good_ratio * 100, 1)
        assert m.heavy_days == exp.heavy_days
        assert m.aqi_days == exp.aqi_days
        if exp.valid["PM25"]:
            assert m.pm25_valid and m.pm25_mean == exp.mean["PM25"]
        one = air_figures(Period(year, m.month), [wanzhou.pk])[wanzhou.pk]
        assert (one.good_ratio, one.heavy_days) == (m.good_ratio, m.heavy_days)
        if exp.valid["PM25"]:
            assert one.pm25_mean == exp.mean["PM25"]


def test_a_year_in_progress_gives_the_mean_of_the_days_so_far_flagged_not_valid(db):
    yuzhong = unit("cq-yuzhong")
    days = 150
    hourly = synthetic_hourly(11, 1, 2025)
    daily = airstats.daily_statistics_batch(hourly, start=dt.date(2025, 1, 1))
    store_daily(daily, district=yuzhong, stations=[None])
    AirDaily.objects.filter(day__gte=dt.date(2025, 1, 1) + dt.timedelta(days=days)).delete()

    figures = air_figures(Period(2025), [yuzhong.pk])[yuzhong.pk]
    values = [v for v in daily.values["PM25_24H"][0, :days] if not np.isnan(v)]
    exact = Fraction(sum(int(v) for v in values), len(values))
    assert figures.pm25_valid is False
    assert figures.pm25_mean == float(round(exact))  # Fraction rounds half to even
    assert figures.pm25_days == len(values)
    assert figures.days_with_data == days
    assert figures.last_day == dt.date(2025, 1, 1) + dt.timedelta(days=days - 1)
    # airstats itself refuses the annual mean of such a year.
    assert np.isnan(airstats.annual_statistics(daily_cut(daily, days), year=2025).mean["PM25"][0])


def daily_cut(daily, days):
    """The same DailyStats with every day from ``days`` on missing."""
    values = {k: v.copy() for k, v in daily.values.items()}
    for v in values.values():
        v[:, days:] = np.nan
    aqi_ = daily.aqi.copy()
    aqi_[:, days:] = np.nan
    complete = daily.complete.copy()
    complete[:, days:] = False
    return airstats.DailyStats(
        start=daily.start,
        rounded=daily.rounded,
        values=values,
        valid_hours=daily.valid_hours,
        o3_8h_windows=daily.o3_8h_windows,
        aqi=aqi_,
        level=daily.level,
        primary=daily.primary,
        iaqi=daily.iaqi,
        complete=complete,
        standards=daily.standards,
    )


def test_good_day_ratio_counts_complete_days_only(db):
    nanan = unit("cq-nanan")
    day = dt.date(2025, 3, 1)
    rows = [daily_row(nanan, day + dt.timedelta(days=i), pm25=30) for i in range(8)]
    rows.append(daily_row(nanan, day + dt.timedelta(days=8), pm25=90))  # light pollution
    incomplete = daily_row(nanan, day + dt.timedelta(days=9), pm25=20, o3=None)
    incomplete.o3_1h_max = None
    rows.append(incomplete)
    AirDaily.objects.bulk_create(rows)
    figures = air_figures(Period(2025, 3), [nanan.pk])[nanan.pk]
    assert (figures.good_days, figures.aqi_days) == (8, 9)
    assert figures.good_ratio == 88.9  # 8/9 = 88.888…
    assert figures.days_with_data == 10


def test_the_city_is_the_mean_of_all_stations_daily_values(db):
    a, b = unit("cq-wanzhou"), unit("cq-yuzhong")
    sa, sb = make_station(a, "A1"), make_station(b, "B1")
    day = dt.date(2025, 5, 1)
    AirDaily.objects.bulk_create(
        [
            daily_row(a, day, station=sa, pm25=35, pm10=50, co=0.7, o3=100),
            daily_row(b, day, station=sb, pm25=36, pm10=51, co=0.8, o3=161),
            daily_row(a, day + dt.timedelta(days=1), station=sa, pm25=80, pm10=120),
            # The second station has no PM2.5 that day: the city takes the first one's.
            daily_row(b, day + dt.timedelta(days=1), station=sb, pm25=None, pm10=100),
            # District rows must not count for the city.
            daily_row(a, day, pm25=500),
        ]
    )
    rows = city_daily_rows(day, day + dt.timedelta(days=1))
    assert [r[1] for r in rows] == [day, day + dt.timedelta(days=1)]
    first = dict(zip(COLUMNS, rows[0][2:9], strict=True))
    assert first["pm25"] == 36  # 35.5 → 36 (half-even)
    assert first["pm10"] == 50  # 50.5 → 50 (half-even)
    assert first["co"] == 0.8  # 0.75 → 0.8 (half-even)
    assert first["o3_8h_max"] == 130  # 130.5 → 130
    expected = aqi.compute_aqi(
        {
            "SO2_24H": 8,
            "NO2_24H": 25,
            "PM10_24H": 50,
            "PM25_24H": 36,
            "CO_24H": 0.8,
            "O3_1H": 160,
            "O3_8H": 130,
        }
    )
    assert rows[0][9] == expected.aqi and rows[0][10] == expected.level_number
    assert rows[0][11] is True
    second = dict(zip(COLUMNS, rows[1][2:9], strict=True))
    assert second["pm25"] == 80 and second["pm10"] == 110

    city = city_air_figures(Period(2025, 5))
    assert city.aqi_days == 2
    assert city.good_days == (expected.aqi <= 100) + 0  # the second day: PM2.5 80 → AQI 106
    assert city.pm25_mean == 58  # (36 + 80) / 2
