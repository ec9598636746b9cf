"""District indicators: airstats' own figures on the stored daily values, the city's daily means,
water classes from the means of a period's samples, targets met and missed both ways, ranking,
and the ledger task proposed for a miss.

The factories below build stations, daily rows and samples directly (not through the loader);
the other test modules of the pages import them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from shanshui.monitoring import airstats, aqi, indicators, water
from shanshui.monitoring.indicators import (
    MET,
    MISSED,
    NO_DATA,
    NO_TARGET,
    NOT_ASSESSED,
    Period,
    assess,
)
from shanshui.monitoring.models import (
    AirDaily,
    Indicator,
    Station,
    StationKind,
    Target,
    WaterSample,
)
from shanshui.orgs.models import Unit

COLUMNS = indicators.FIELDS  # airstats daily code → AirDaily column


# --- factories (used by the other test modules too) -----------------------------------------------


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


# --- air: the figures are airstats' figures -------------------------------------------------------


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

    figures = indicators.air_figures(period, [wanzhou.pk])[wanzhou.pk]
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

    per_station = indicators.station_figures(period, [s.pk for s in stations])
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
            "district_id", *indicators._ROW_FIELDS
        )
    )
    months = indicators.monthly_figures(rows, year, wanzhou.pk)
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
        one = indicators.air_figures(Period(year, m.month), [wanzhou.pk])[wanzhou.pk]
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

    figures = indicators.air_figures(Period(2025), [yuzhong.pk])[yuzhong.pk]
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
    figures = indicators.air_figures(Period(2025, 3), [nanan.pk])[nanan.pk]
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
    rows = indicators.city_daily_rows(day, day + dt.timedelta(days=1))
    assert [r[1] for r in rows] == [day, day + dt.timedelta(days=1)]
    first = dict(zip(indicators._COLUMNS, rows[0][2:9], strict=True))
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
    second = dict(zip(indicators._COLUMNS, rows[1][2:9], strict=True))
    assert second["pm25"] == 80 and second["pm10"] == 110

    city = indicators.city_air_figures(Period(2025, 5))
    assert city.aqi_days == 2
    assert city.good_days == (expected.aqi <= 100) + 0  # the second day: PM2.5 80 → AQI 106
    assert city.pm25_mean == 58  # (36 + 80) / 2


# --- water ----------------------------------------------------------------------------------------


def test_water_shares_and_inferior_v_count_on_hand_made_samples(db):
    wanzhou = unit("cq-wanzhou")
    good = make_section(wanzhou, "W1")
    fair = make_section(wanzhou, "W2")
    bad = make_section(wanzhou, "W3", target_class=4)
    averaged = make_section(wanzhou, "W4")
    lake = make_section(wanzhou, "W5", waterbody="lake", target_class=3)
    make_section(wanzhou, "W6")  # no samples: not counted
    make_section(wanzhou, "W7", is_active=False)  # inactive: not a section of the district
    sample(good, dt.date(2025, 3, 5), **GOOD_WATER)
    sample(fair, dt.date(2025, 3, 5), **{**GOOD_WATER, "CODMn": 8.0})  # IV
    sample(bad, dt.date(2025, 3, 5), **{**GOOD_WATER, "NH3N": 2.6, "TP": 0.5})  # 劣V
    # Two samples of class III (NH3N 0.9) and IV (1.2): judged on the mean 1.05 → IV.
    sample(averaged, dt.date(2025, 3, 5), **{**GOOD_WATER, "NH3N": 0.9})
    sample(averaged, dt.date(2025, 4, 5), **{**GOOD_WATER, "NH3N": 1.2})
    # TP 0.08 is class II in a river but IV in a lake.
    sample(lake, dt.date(2025, 3, 5), **GOOD_WATER)

    statuses = {s.station.code: s for s in indicators.section_statuses(Period(2025))}
    assert set(statuses) == {"W1", "W2", "W3", "W4", "W5", "W6"}
    assert statuses["W1"].water_class == 2 and statuses["W1"].meets_target is True
    assert statuses["W2"].water_class == 4 and statuses["W2"].main_pollutants == ("CODMn",)
    assert statuses["W3"].water_class == 6 and statuses["W3"].meets_target is False
    assert statuses["W3"].main_pollutants[:2] == ("NH3N", "TP")
    assert statuses["W4"].water_class == 4 and statuses["W4"].samples == 2
    assert statuses["W4"].latest_class == 4 and statuses["W4"].latest_on == dt.date(2025, 4, 5)
    assert statuses["W5"].water_class == 4
    assert statuses["W6"].water_class is None and statuses["W6"].samples == 0

    figures = indicators.water_figures(statuses.values())
    assert (figures.sections, figures.classified, figures.good, figures.inferior_v) == (
        6,
        5,
        1,
        1,
    )
    assert figures.good_ratio == 20.0
    assert figures.meeting_target == 1

    march = {s.station.code: s for s in indicators.section_statuses(Period(2025, 3))}
    assert march["W4"].water_class == 3  # only the March sample
    assert indicators.water_figures(march.values()).good_ratio == 40.0  # W1, W4 of 5


def test_a_ratio_rounds_half_to_even_on_the_exact_value():
    assert indicators._percent(1, 3) == 33.3
    assert indicators._percent(2, 3) == 66.7
    assert indicators._percent(1, 8) == 12.5  # 12.5 exactly, one decimal
    assert indicators._percent(1, 16) == 6.2  # 6.25 → 6.2 (half-even)
    assert indicators._percent(3, 16) == 18.8  # 18.75 → 18.8
    assert indicators._percent(0, 0) is None


# --- targets --------------------------------------------------------------------------------------


def test_a_floor_is_met_at_or_above_and_missed_below():
    ratio = Indicator.GOOD_DAY_RATIO
    assert assess(ratio, 92.5, Decimal("90")).status == MET
    assert assess(ratio, 90.0, Decimal("90.00")).status == MET  # equal meets
    missed = assess(ratio, 85.3, Decimal("90"))
    assert missed.status == MISSED and missed.gap == -4.7
    assert assess(Indicator.WATER_GOOD_RATIO, 80.0, Decimal("85")).status == MISSED
    assert assess(Indicator.WATER_GOOD_RATIO, 100.0, Decimal("85")).status == MET


def test_a_ceiling_is_met_at_or_below_and_missed_above():
    pm25 = Indicator.PM25_MEAN
    assert assess(pm25, 33, Decimal("35")).status == MET
    assert assess(pm25, 35, Decimal("35")).status == MET
    missed = assess(pm25, 38, Decimal("35"))
    assert missed.status == MISSED and missed.gap == 3.0
    assert assess(Indicator.HEAVY_DAYS, 3, Decimal("2")).status == MISSED
    assert assess(Indicator.HEAVY_DAYS, 0, Decimal("2")).status == MET
    assert assess(Indicator.WATER_INFERIOR_V, 1, Decimal("0")).status == MISSED
    assert assess(Indicator.WATER_INFERIOR_V, 0, Decimal("0")).status == MET


def test_no_target_no_data_and_not_assessed():
    assert assess(Indicator.PM25_MEAN, 30, None).status == NO_TARGET
    assert assess(Indicator.PM25_MEAN, None, Decimal("35")).status == NO_DATA
    assert assess(Indicator.HEAVY_DAYS, 1, Decimal("0"), comparable=False).status == NOT_ASSESSED


def test_the_overview_assesses_every_district_against_its_own_targets(db):
    wanzhou, yuzhong, nanan = unit("cq-wanzhou"), unit("cq-yuzhong"), unit("cq-nanan")
    for d, code in ((wanzhou, "WZ"), (yuzhong, "YZ"), (nanan, "NA")):
        make_station(d, code)
    simple_year(wanzhou, 2025, pm25=30, heavy=2, bad=30)  # 333/365 = 91.2 %, PM2.5 36
    simple_year(yuzhong, 2025, pm25=30, bad=10)  # 355/365 = 97.3 %
    simple_year(nanan, 2025, pm25=30, bad=30)  # 335/365 = 91.8 %
    target(wanzhou, 2025, Indicator.GOOD_DAY_RATIO, 92)
    target(wanzhou, 2025, Indicator.PM25_MEAN, 35)
    target(wanzhou, 2025, Indicator.HEAVY_DAYS, 2)
    target(yuzhong, 2025, Indicator.GOOD_DAY_RATIO, 92)
    target(yuzhong, 2024, Indicator.PM25_MEAN, 20)  # another year: no target for 2025

    data = indicators.overview(Period(2025), today=dt.date(2026, 2, 1))
    rows = {r.district.pk: r for r in data.rows}
    wz = rows[wanzhou.pk]
    assert wz.assessments[Indicator.GOOD_DAY_RATIO].value == 91.2
    assert wz.assessments[Indicator.GOOD_DAY_RATIO].status == MISSED
    assert wz.assessments[Indicator.PM25_MEAN].status == MISSED
    assert wz.assessments[Indicator.HEAVY_DAYS].status == MET  # 2 ≤ 2
    assert wz.assessments[Indicator.WATER_GOOD_RATIO].status == NO_DATA
    assert not wz.assessments[Indicator.GOOD_DAY_RATIO].provisional  # the year is over
    assert rows[yuzhong.pk].assessments[Indicator.GOOD_DAY_RATIO].status == MET
    assert rows[yuzhong.pk].assessments[Indicator.PM25_MEAN].status == NO_TARGET
    assert [r.name for r in data.rows] == ["渝中区", "南岸区", "万州区"]  # by good-day ratio
    assert [r.rank_good for r in data.rows] == [1, 2, 3]
    by_pm25 = indicators.overview(Period(2025), sort="pm25", today=dt.date(2026, 2, 1))
    assert by_pm25.rows[0].name == "渝中区" and by_pm25.rows[-1].name == "万州区"

    running = indicators.overview(Period(2025), today=dt.date(2025, 12, 31))
    assert all(a.provisional for r in running.rows for a in r.assessments.values())
    month = indicators.overview(Period(2025, 1), today=dt.date(2026, 2, 1))
    heavy = {r.district.pk: r.assessments[Indicator.HEAVY_DAYS] for r in month.rows}
    assert heavy[wanzhou.pk].status == NOT_ASSESSED  # an annual ceiling, not a month's


def test_equal_figures_share_a_rank_and_missing_ones_come_last(db):
    districts = [unit(k) for k in ("cq-wanzhou", "cq-yuzhong", "cq-nanan", "cq-fuling")]
    for d in districts:
        make_station(d, d.key)
    for d, bad in zip(districts[:3], (10, 10, 30), strict=True):
        simple_year(d, 2025, bad=bad)
    data = indicators.overview(Period(2025), today=dt.date(2026, 2, 1))
    ranks = {r.name: r.rank_good for r in data.rows}
    assert ranks == {"万州区": 1, "渝中区": 1, "南岸区": 3, "涪陵区": None}
    assert data.rows[-1].name == "涪陵区"


def test_period_rejects_nonsense():
    with pytest.raises(ValueError):
        Period(1999)
    with pytest.raises(ValueError):
        Period(2025, 13)
    with pytest.raises(TypeError):
        Period("2025")
    assert Period(2024, 2).days == 29 and Period(2025).days == 365
    assert Period(2026, 2).provisional_limits is False
    assert Period(2026, 3).provisional_limits is True
    assert Period(2026).standards == (aqi.STANDARD_2012, aqi.STANDARD_2026)


# --- a ledger task from a miss --------------------------------------------------------------------


def test_the_proposed_task_names_the_numbers(db):
    wanzhou = unit("cq-wanzhou")
    make_station(wanzhou, "WZ")
    simple_year(wanzhou, 2025, pm25=30, heavy=2, bad=30)
    target(wanzhou, 2025, Indicator.PM25_MEAN, 35)
    detail = indicators.district_detail(wanzhou, Period(2025), today=dt.date(2026, 2, 1))
    miss = detail.row.assessments[Indicator.PM25_MEAN]
    assert miss.status == MISSED and miss.value == 36
    proposal = indicators.task_proposal(
        district=wanzhou,
        period=Period(2025),
        assessment=miss,
        air=detail.row.air,
        wat=detail.row.water,
        today=dt.date(2026, 2, 1),
    )
    assert proposal.code == "MON-2025-万州-PM25"
    assert proposal.title == "万州区2025年PM2.5年均浓度未达目标"
    assert "36微克/立方米" in proposal.problem and "35微克/立方米" in proposal.problem
    assert proposal.category == "air" and len(proposal.measures) >= 3
    assert proposal.deadline == dt.date(2026, 2, 1) + dt.timedelta(days=90)  # the year is over
    early = indicators.task_proposal(
        district=wanzhou,
        period=Period(2025),
        assessment=miss,
        air=detail.row.air,
        wat=None,
        today=dt.date(2025, 6, 1),
    )
    assert early.deadline == dt.date(2025, 12, 31)


def test_short_district_names_in_task_numbers(db):
    assert indicators.district_short(unit("cq-wanzhou")) == "万州"
    assert indicators.district_short(unit("cq-liangjiang")) == "两江"
    assert indicators.district_short(unit("cq-zhongxian")) == "忠县"
    assert indicators.district_short(unit("cq-shizhu")) == "石柱"
