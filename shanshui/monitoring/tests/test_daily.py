"""Daily values computed after a load: station rows equal airstats' results on the same hourly
data; district rows are the means of their stations' daily values (HJ 663) with the AQI
computed from them; day boundaries; only touched days are recomputed."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import numpy as np
import pytest

from shanshui.monitoring import airstats, aqi, daily, services
from shanshui.monitoring.models import AirDaily, AirHourly
from shanshui.monitoring.tests.loading_helpers import air_csv, day_rows, hour_text, make_stations

pytestmark = pytest.mark.django_db

COLUMNS = ("so2", "no2", "pm10", "pm25", "co", "o3_1h_max", "o3_8h_max")
CODE_OF = dict(zip(COLUMNS, aqi.DAILY_INDICATORS, strict=True))
START = dt.date(2026, 2, 26)  # four days across HJ 633-2026's first day (2026-03-01)
DAYS = 4


@pytest.fixture
def stations(db):
    return make_stations()


def random_hours(seed: int, stations: int, days: int) -> np.ndarray:
    """Plausible hourly values, rounded as published, with gaps (some days under 20 hours)."""
    rng = np.random.default_rng(seed)
    level = np.array([9.0, 35.0, 70.0, 55.0, 0.9, 80.0])
    x = level * rng.lognormal(0, 0.5, size=(stations, days * 24, 6))
    x = np.round(x, 0)
    x[..., 4] = np.round(x[..., 4] / 10 * 1.0, 1)
    x[rng.random(x.shape) < 0.06] = np.nan
    x[0, 30:36, :] = np.nan  # station 0, day 1: 18 hours left at most
    x[1, 0:10, 5] = np.nan  # station 1, day 0: O3 too short for the 8-h windows
    return x


def to_rows(code: str, values: np.ndarray, start: dt.date):
    out = []
    for i, v in enumerate(values.tolist()):
        label = hour_text(start + dt.timedelta(days=i // 24), i % 24 + 1)
        out.append((code, label, *("" if c != c else c for c in v)))
    return out


def import_hours(personas, codes, values, start=START):
    rows = []
    for s, code in enumerate(codes):
        rows += to_rows(code, values[s], start)
    result = services.air_csv_import(actor=personas.office, fileobj=air_csv(rows), dry_run=False)
    assert result.ok, result.errors
    return result


def as_number(v):
    return None if v is None or v != v else float(v)


def test_station_daily_values_equal_airstats_on_the_same_hours(personas, stations):
    codes = ["5001A", "5002A", "5003A"]
    values = random_hours(1, len(codes), DAYS)
    result = import_hours(personas, codes, values)
    assert result.station_days == 3 * DAYS

    expected = airstats.daily_statistics_batch(values, start=START)
    checked = 0
    for s, code in enumerate(codes):
        for d in range(DAYS):
            day = START + dt.timedelta(days=d)
            row = AirDaily.objects.get(station__code=code, day=day)
            for col in COLUMNS:
                assert as_number(getattr(row, col)) == as_number(
                    expected.values[CODE_OF[col]][s, d]
                ), (code, day, col)
            want_aqi = expected.aqi[s, d]
            assert row.aqi == (None if want_aqi != want_aqi else int(want_aqi))
            assert (row.level or 0) == int(expected.level[s, d])
            assert row.primary == ",".join(expected.primary_pollutants(s, d))
            assert row.complete == bool(expected.complete[s, d])
            assert row.standard == aqi.standard_for(day)
            assert row.district_id == stations[{0: "A1", 1: "A2", 2: "B1"}[s]].district_id
            checked += 1
    assert checked == 12
    # The gaps were real: some day is incomplete, and the standard changed on 2026-03-01.
    assert AirDaily.objects.filter(station__isnull=False, complete=False).exists()
    assert set(AirDaily.objects.values_list("standard", flat=True)) == {
        aqi.STANDARD_2012,
        aqi.STANDARD_2026,
    }


def rounded_mean(values, decimals):
    """Exact round-half-even mean of the valid values, or None."""
    good = [Fraction(str(v)) for v in values if v is not None]
    if not good:
        return None
    mean = sum(good) / len(good) * 10**decimals
    return round(mean) / 10**decimals


def test_district_daily_values_are_the_mean_of_its_stations(personas, stations):
    codes = ["5001A", "5002A", "5003A"]  # two in 万州区, one in 渝中区
    import_hours(personas, codes, random_hours(2, len(codes), DAYS))
    for district in (stations["A1"].district, stations["B1"].district):
        for d in range(DAYS):
            day = START + dt.timedelta(days=d)
            members = AirDaily.objects.filter(district=district, day=day, station__isnull=False)
            row = AirDaily.objects.get(district=district, day=day, station__isnull=True)
            means = {}
            for col in COLUMNS:
                decimals = airstats.DECIMALS[aqi.indicator_pollutant(CODE_OF[col])]
                means[col] = rounded_mean([getattr(m, col) for m in members], decimals)
                assert as_number(getattr(row, col)) == means[col], (district, day, col)
            result = aqi.compute_aqi(
                {CODE_OF[c]: v for c, v in means.items()}, standard=aqi.standard_for(day)
            )
            assert row.aqi == result.aqi
            assert row.level == result.level_number
            assert row.primary == ",".join(result.primary_pollutants)
            pollutants_with_values = {
                aqi.indicator_pollutant(CODE_OF[c]) for c, v in means.items() if v is not None
            }
            assert row.complete == (pollutants_with_values == set(aqi.POLLUTANTS))
            assert row.standard == aqi.standard_for(day)


def test_the_district_mean_rounds_half_to_even_and_skips_missing_stations(personas, stations):
    day = dt.date(2025, 6, 1)
    rows = day_rows("5001A", day, values=(8, 30, 60, 36, 0.8, 70)) + day_rows(
        "5002A", day, values=(8, 30, 60, 37, 0.9, 70)
    )
    services.air_csv_import(actor=personas.office, fileobj=air_csv(rows), dry_run=False)
    district = AirDaily.objects.get(district=stations["A1"].district, station__isnull=True)
    assert district.pm25 == 36  # (36 + 37) / 2 = 36.5 → 36 (half to even)
    assert district.co == 0.8  # (0.8 + 0.9) / 2 = 0.85 → 0.8
    # A station without PM2.5 that day does not count in the district's PM2.5.
    more = day_rows("5002A", day, values=(8, 30, 60, "", 0.9, 70))
    services.air_csv_import(actor=personas.office, fileobj=air_csv(more), dry_run=False)
    district.refresh_from_db()
    assert district.pm25 == 36 and district.pm10 == 60


def test_a_day_is_the_readings_labelled_0100_to_2400(personas, stations):
    day = dt.date(2025, 6, 1)
    rows = day_rows("5001A", day, values=(8, 30, 60, 40, 0.8, 70))
    # The 24:00 reading is written as the next day's 00:00, and belongs to this day.
    assert rows[-1][1] == "2025-06-02 00:00"
    rows[-1] = ("5001A", "2025-06-02 00:00", 8, 30, 60, 64, 0.8, 70)
    services.air_csv_import(actor=personas.office, fileobj=air_csv(rows), dry_run=False)
    assert list(AirDaily.objects.filter(station__isnull=False).values_list("day", flat=True)) == [
        day
    ]
    assert AirDaily.objects.get(station__isnull=False).pm25 == 41  # (23 × 40 + 64) / 24 = 41


def test_the_hourly_array_puts_each_label_in_airstats_slot(personas, stations):
    day = dt.date(2025, 6, 1)
    rows = [("5001A", hour_text(day, h), 1, 1, 1, h, 1, 1) for h in range(1, 25)]
    services.air_csv_import(actor=personas.office, fileobj=air_csv(rows), dry_run=False)
    arr = daily.hourly_array([stations["A2"].pk, stations["A1"].pk], day, day)
    assert arr.shape == (2, 24, 6)
    assert np.isnan(arr[0]).all()
    assert arr[1, :, 3].tolist() == [float(h) for h in range(1, 25)]


def test_fewer_than_20_hours_make_no_24_hour_mean(personas, stations):
    day = dt.date(2025, 6, 1)
    rows = day_rows("5001A", day, labels=range(1, 20))
    services.air_csv_import(actor=personas.office, fileobj=air_csv(rows), dry_run=False)
    row = AirDaily.objects.get(station__code="5001A")
    assert row.pm25 is None and not row.complete
    rows = day_rows("5001A", day, labels=range(1, 21))
    services.air_csv_import(actor=personas.office, fileobj=air_csv(rows), dry_run=False)
    row.refresh_from_db()
    assert row.pm25 == 40 and row.complete


def test_only_the_days_a_load_touched_are_recomputed(personas, stations):
    day1, day2 = dt.date(2025, 6, 1), dt.date(2025, 6, 2)
    services.air_csv_import(
        actor=personas.office, fileobj=air_csv(day_rows("5001A", day1)), dry_run=False
    )
    # Mark day 1's rows: a load of day 2 must not rewrite them.
    AirDaily.objects.filter(day=day1).update(aqi=999)
    result = services.air_csv_import(
        actor=personas.office, fileobj=air_csv(day_rows("5001A", day2)), dry_run=False
    )
    assert (result.station_days, result.district_days) == (1, 1)
    assert set(AirDaily.objects.filter(day=day1).values_list("aqi", flat=True)) == {999}
    assert AirDaily.objects.get(station__code="5001A", day=day2).aqi == 57
    # The repair service recomputes what it is told to.
    assert services.recompute_daily([stations["A1"].pk], [day1]) == (1, 1)
    assert set(AirDaily.objects.filter(day=day1).values_list("aqi", flat=True)) == {57}


def test_recompute_all_and_district_recompute(personas, stations):
    day = dt.date(2025, 6, 1)
    services.air_csv_import(
        actor=personas.office,
        fileobj=air_csv(day_rows("5001A", day) + day_rows("5003A", day)),
        dry_run=False,
    )
    AirDaily.objects.update(aqi=999)
    assert daily.recompute_all() == (2, 2)
    assert set(AirDaily.objects.values_list("aqi", flat=True)) == {57}
    AirDaily.objects.filter(station__isnull=True).update(pm25=1)
    district = stations["A1"].district_id
    assert services.recompute_district_daily([district], [day]) == 1
    assert AirDaily.objects.get(district_id=district, station__isnull=True).pm25 == 40


def test_touched_days_far_apart_are_computed_in_separate_runs(personas, stations):
    days = [dt.date(2024, 1, 5), dt.date(2025, 6, 1), dt.date(2025, 6, 3)]
    rows = [r for d in days for r in day_rows("5001A", d)]
    result = services.air_csv_import(actor=personas.office, fileobj=air_csv(rows), dry_run=False)
    assert (result.station_days, result.district_days) == (3, 3)
    assert (
        sorted(AirDaily.objects.filter(station__isnull=False).values_list("day", flat=True)) == days
    )
    assert daily._segments(np.array([1, 2, 40, 41, 500])) == [(1, 2), (40, 41), (500, 500)]


def test_standards_follow_the_date(personas, stations):
    # PM2.5 70 µg/m³ is 良 (IAQI 94) under HJ 633-2012 and 轻度污染 under HJ 633-2026.
    rows = day_rows("5001A", dt.date(2026, 2, 28), values=(8, 30, 70, 70, 0.8, 70))
    rows += day_rows("5001A", dt.date(2026, 3, 1), values=(8, 30, 70, 70, 0.8, 70))
    services.air_csv_import(actor=personas.office, fileobj=air_csv(rows), dry_run=False)
    before = AirDaily.objects.get(station__code="5001A", day=dt.date(2026, 2, 28))
    after = AirDaily.objects.get(station__code="5001A", day=dt.date(2026, 3, 1))
    assert (before.standard, before.aqi, before.level) == ("HJ633-2012", 94, 2)
    assert after.standard == "HJ633-2026" and after.level == 3
    assert after.aqi == aqi.compute_aqi({"PM25_24H": 70}, standard=aqi.STANDARD_2026).aqi
    assert AirHourly.objects.count() == 48
