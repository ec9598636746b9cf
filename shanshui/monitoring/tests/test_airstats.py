"""Tests for shanshui.monitoring.airstats (GB 3095-2012 Table 4, HJ 663-2013).

Expected values are computed by hand in the comments. The reference has no published daily or
annual example; the percentile example is the worked one in a public note on the HJ 663 method
(see ``test_it_computes_percentiles_by_the_hj663_formula``), and re-derived here.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pytest

from shanshui.monitoring import airstats
from shanshui.monitoring.airstats import (
    POLLUTANTS,
    annual_statistics,
    daily_statistics,
    daily_statistics_batch,
    monthly_statistics,
    percentile_hj663,
    round_half_even,
    station_annual_statistics,
)

D = dt.date
BACKGROUND = {"SO2": 10.0, "NO2": 20.0, "PM10": 40.0, "PM25": 20.0, "CO": 0.5, "O3": 60.0}


def series(days: int, **overrides: object) -> dict[str, np.ndarray]:
    """One station's hourly series: every pollutant at its background level unless overridden.

    An override may be a number (every hour) or an array of ``days * 24`` values.
    """
    out = {}
    for p in POLLUTANTS:
        value = overrides.get(p, BACKGROUND[p])
        arr = np.full(days * 24, np.nan)
        arr[:] = value
        out[p] = arr
    return out


def daily_from(values: dict[str, list[float]], start: dt.date) -> dict[str, np.ndarray]:
    """Hourly series whose daily means are exactly ``values[p][day]`` (constant within each day)."""
    days = len(next(iter(values.values())))
    out = series(days)
    for p, per_day in values.items():
        out[p] = np.repeat(np.asarray(per_day, dtype=float), 24)
    return out


# --- 24-h means ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("valid_hours", "expected"), [(24, 50.0), (20, 50.0), (19, None)])
def test_it_needs_20_valid_hours_for_a_24h_mean(valid_hours: int, expected: float | None) -> None:
    pm = np.full(24, 50.0)
    pm[valid_hours:] = np.nan
    day = daily_statistics(series(1, PM25=pm, SO2=pm), start=D(2025, 1, 1))
    assert day.valid_hours["PM25"][0, 0] == valid_hours
    for code in ("PM25_24H", "SO2_24H"):
        got = day.values[code][0, 0]
        assert np.isnan(got) if expected is None else got == expected, code


def test_it_counts_negative_non_finite_and_absurd_hours_as_missing() -> None:
    no2 = np.full(24, 30.0)
    no2[:4] = [-1.0, np.inf, 2e8, np.nan]
    day = daily_statistics(series(1, NO2=no2), start=D(2025, 1, 1))
    assert day.valid_hours["NO2"][0, 0] == 20
    assert day.values["NO2_24H"][0, 0] == 30.0


def test_it_rounds_daily_means_half_even_on_the_exact_value() -> None:
    def mean_of(p: str, a: float, b: float, *, rounding: bool = True) -> float:
        hours = np.array([a] * 12 + [b] * 12)
        day = daily_statistics(series(1, **{p: hours}), start=D(2025, 1, 1), rounding=rounding)
        return float(day.values[f"{p}_24H"][0, 0])

    assert mean_of("PM25", 75, 76) == 76  # 75.5 → 76 (5 after an odd digit: up)
    assert mean_of("PM25", 76, 77) == 76  # 76.5 → 76 (5 after an even digit: down)
    assert mean_of("PM25", 76, 77, rounding=False) == 76.5
    assert mean_of("CO", 0.2, 0.3) == 0.2  # 0.25 → 0.2
    assert mean_of("CO", 0.3, 0.4) == 0.4  # 0.35 → 0.4, although 0.35 is binary 0.34999…
    assert mean_of("CO", 1.1, 1.2) == 1.2  # 1.15 → 1.2
    # 20 hours: (13 × 1 + 7 × 2) / 20 = 1.35 → 1.4 with CO to one decimal.
    co = np.array([1.0] * 13 + [2.0] * 7 + [np.nan] * 4)
    day = daily_statistics(series(1, CO=co), start=D(2025, 1, 1))
    assert day.values["CO_24H"][0, 0] == 1.4


def test_round_half_even_matches_gbt8170_examples() -> None:
    assert round_half_even(2.5, 0) == 2.0
    assert round_half_even(3.5, 0) == 4.0
    assert round_half_even(0.125, 2) == 0.12  # 0.125 is exact in binary
    assert round_half_even(1.351, 1) == 1.4


# --- O3 8-h windows and daily maxima ------------------------------------------------------------


def test_it_needs_6_valid_hours_in_an_8h_window() -> None:
    six = np.full(24, np.nan)
    six[:6] = 100.0  # window 00–08 has 6 valid hours; window 01–09 has 5
    five = np.full(24, np.nan)
    five[:5] = 100.0
    d6 = daily_statistics(series(1, O3=six), start=D(2025, 7, 1))
    d5 = daily_statistics(series(1, O3=five), start=D(2025, 7, 1))
    assert d6.o3_8h_windows[0, 0] == 1
    assert d5.o3_8h_windows[0, 0] == 0


@pytest.mark.parametrize(("first_missing", "windows", "valid"), [(19, 14, True), (18, 13, False)])
def test_it_needs_14_valid_windows_for_the_daily_max_8h(
    first_missing: int, windows: int, valid: bool
) -> None:
    # Hours first_missing..23 missing. A window starting at w (hours w..w+7) is valid while at
    # most 2 of its hours are missing: with 19..23 missing, w = 0..13 (13..20 misses 19, 20) → 14;
    # with 18..23 missing, w = 0..12 → 13.
    o3 = np.arange(24, dtype=float) * 10
    o3[first_missing:] = np.nan
    day = daily_statistics(series(1, O3=o3), start=D(2025, 7, 1))
    assert day.o3_8h_windows[0, 0] == windows
    got = day.values["O3_8H"][0, 0]
    if valid:
        # Best window w = 13: hours 13..18 valid (19, 20 missing) → (130 + … + 180) / 6 = 155.
        assert got == 155
    else:
        assert np.isnan(got)


def test_it_takes_the_windows_ending_08_to_24_inside_the_natural_day() -> None:
    # Day 1: 100 everywhere except hours 16..23 (16:00–24:00) at 200 → the window starting at
    # 16:00 (ending 24:00) counts: max 8-h = 200. Day 2: 100 everywhere; a window crossing
    # midnight (e.g. 20:00 day 1 – 04:00 day 2) would give day 2 a max of 150: it must not count.
    o3 = np.full(48, 100.0)
    o3[16:24] = 200.0
    days = daily_statistics(series(2, O3=o3), start=D(2025, 7, 1))
    assert days.values["O3_8H"][0].tolist() == [200.0, 100.0]
    assert days.values["O3_1H"][0].tolist() == [200.0, 100.0]
    assert days.o3_8h_windows[0].tolist() == [17, 17]


def test_it_averages_the_valid_hours_of_a_window() -> None:
    # Window 0 (hours 0..7) misses hours 1 and 3: mean of 6 values (60 + 5 × 80) / 6 = 76.67.
    o3 = np.full(24, 10.0)
    o3[:8] = [60, np.nan, 80, np.nan, 80, 80, 80, 80]
    day = daily_statistics(series(1, O3=o3), start=D(2025, 7, 1), rounding=False)
    assert day.values["O3_8H"][0, 0] == pytest.approx(460 / 6)
    rounded = daily_statistics(series(1, O3=o3), start=D(2025, 7, 1))
    assert rounded.values["O3_8H"][0, 0] == 77


@pytest.mark.parametrize(("valid_hours", "ok"), [(20, True), (19, False)])
def test_it_needs_20_hours_for_the_o3_daily_max_1h_by_default(valid_hours: int, ok: bool) -> None:
    o3 = np.full(24, np.nan)
    o3[:valid_hours] = np.arange(valid_hours) + 100.0
    day = daily_statistics(series(1, O3=o3), start=D(2025, 7, 1))
    got = day.values["O3_1H"][0, 0]
    assert (got == 100.0 + valid_hours - 1) if ok else np.isnan(got)
    relaxed = daily_statistics(series(1, O3=o3), start=D(2025, 7, 1), min_hours_o3_1h=1)
    assert relaxed.values["O3_1H"][0, 0] == 100.0 + valid_hours - 1


# --- daily AQI ----------------------------------------------------------------------------------


def test_it_computes_the_daily_aqi_from_the_seven_daily_indicators() -> None:
    # PM2.5 24-h 115 → 150; O3 1-h max 200 → 100; background others lower.
    pm = np.full(24, 115.0)
    day = daily_statistics(series(1, PM25=pm), start=D(2025, 1, 1))
    assert day.aqi[0, 0] == 150
    assert day.level[0, 0] == 3
    assert day.primary_pollutants(0, 0) == ("PM2.5",)
    assert day.complete[0, 0]
    assert set(day.iaqi) == {
        "SO2_24H",
        "NO2_24H",
        "PM10_24H",
        "PM25_24H",
        "CO_24H",
        "O3_1H",
        "O3_8H",
    }


def test_it_switches_to_hj633_2026_on_2026_03_01() -> None:
    # PM2.5 70 on both days: 2012 → 50 + 1.25 × 35 = 93.75 → 94; 2026 → 100 + 50 × 10/55 → 110.
    days = daily_statistics(series(2, PM25=70.0), start=D(2026, 2, 28))
    assert days.standards == ("HJ633-2012", "HJ633-2026")
    assert days.aqi[0].tolist() == [94.0, 110.0]
    forced = daily_statistics(series(2, PM25=70.0), start=D(2026, 2, 28), standard="HJ633-2012")
    assert forced.aqi[0].tolist() == [94.0, 94.0]


def test_a_day_is_complete_only_when_every_pollutant_has_a_valid_indicator() -> None:
    so2 = np.full(48, 10.0)
    so2[24:] = np.nan
    days = daily_statistics(series(2, SO2=so2), start=D(2025, 1, 1))
    assert days.complete[0].tolist() == [True, False]
    assert not np.isnan(days.aqi[0, 1])  # the AQI of the other indicators is still there


# --- percentiles --------------------------------------------------------------------------------


def test_it_computes_percentiles_by_the_hj663_formula() -> None:
    # Worked example of the HJ 663 method in a public note
    # (https://blog.youkuaiyun.com/weixin_44237659/article/details/124068041, not the standard
    # itself): {3,4,8,2,5,4}, 90th: sorted 2 3 4 4 5 8, k = 1 + 5 × 0.9 = 5.5, s = 5,
    # m = X(5) + (X(6) − X(5)) × 0.5 = 5 + 3 × 0.5 = 6.5.
    assert percentile_hj663([3, 4, 8, 2, 5, 4], 90) == 6.5
    # 1..10, 95th: k = 1 + 9 × 0.95 = 9.55 → 9 + 1 × 0.55 = 9.55.
    assert percentile_hj663(range(1, 11), 95) == pytest.approx(9.55)
    # 1..365, 90th: k = 1 + 364 × 0.9 = 328.6 → 328.6. 98th: k = 1 + 364 × 0.98 = 357.72.
    assert percentile_hj663(range(1, 366), 90) == pytest.approx(328.6)
    assert percentile_hj663(range(1, 366), 98) == pytest.approx(357.72)
    assert percentile_hj663([7.0], 95) == 7.0
    assert percentile_hj663([1, 2, 3], 100) == 3
    assert percentile_hj663([1, 2, 3], 0) == 1
    assert np.isnan(percentile_hj663([], 90))
    assert percentile_hj663([np.nan, 1, 2], 50) == 1.5
    with pytest.raises(ValueError):
        percentile_hj663([1, 2], 101)


def test_it_matches_numpy_linear_percentiles() -> None:
    rng = np.random.default_rng(663)
    for _ in range(200):
        xs = rng.gamma(2.0, 40.0, size=rng.integers(1, 400))
        for p in (90, 95, 98):
            assert percentile_hj663(xs, p) == pytest.approx(np.percentile(xs, p), rel=1e-12)


# --- annual and monthly statistics --------------------------------------------------------------


def year_of(pm25_by_day: list[float], year: int = 2025) -> airstats.DailyStats:
    return daily_statistics(daily_from({"PM25": pm25_by_day}, D(year, 1, 1)), start=D(year, 1, 1))


def test_it_computes_annual_means_and_percentiles_from_daily_values() -> None:
    # PM2.5 daily values 1..365 in 2025: mean 183; 95th percentile k = 1 + 364 × 0.95 = 346.8
    # → 346 + 0.8 = 346.8 → 347.
    stats = annual_statistics(year_of([float(i) for i in range(1, 366)]), year=2025)
    assert stats.mean["PM25"][0] == 183
    assert stats.percentile["PM25"][0] == 347
    assert stats.valid_days["PM25"][0] == 365
    assert stats.valid["PM25"][0]
    assert stats.mean["SO2"][0] == 10
    assert stats.percentile["CO"][0] == 0.5
    assert stats.percentile["O3"][0] == 60


def test_it_rounds_annual_statistics_half_even_exactly() -> None:
    # 365 days: 182 days of 35, 183 days of 36 → mean 35.50137 → 36. Make it exactly x.5:
    # 2024 is a leap year (366 days): 183 × 35 + 183 × 36 → 35.5 → 36; 183 × 36 + 183 × 37 → 36.5
    # → 36.
    low = daily_from({"PM25": [35.0] * 183 + [36.0] * 183}, D(2024, 1, 1))
    high = daily_from({"PM25": [36.0] * 183 + [37.0] * 183}, D(2024, 1, 1))
    assert (
        annual_statistics(daily_statistics(low, start=D(2024, 1, 1)), year=2024).mean["PM25"][0]
        == 36
    )
    assert (
        annual_statistics(daily_statistics(high, start=D(2024, 1, 1)), year=2024).mean["PM25"][0]
        == 36
    )


def _drop_days(missing_per_month: dict[int, int], year: int = 2025) -> airstats.DailyStats:
    values = []
    for month in range(1, 13):
        n = calendar.monthrange(year, month)[1]
        k = missing_per_month.get(month, 0)
        values += [np.nan] * k + [20.0] * (n - k)
    return year_of(values, year)


@pytest.mark.parametrize(
    ("missing", "valid_days", "valid"),
    [
        # 41 missing days spread within the monthly allowances → 324 valid days: valid.
        ({1: 4, 2: 3, 3: 4, 4: 3, 5: 4, 6: 3, 7: 4, 8: 4, 9: 3, 10: 4, 11: 1, 12: 4}, 324, True),
        # One more missing day (November) → 323: invalid although every month has enough.
        ({1: 4, 2: 3, 3: 4, 4: 3, 5: 4, 6: 3, 7: 4, 8: 4, 9: 3, 10: 4, 11: 2, 12: 4}, 323, False),
        ({1: 4}, 361, True),  # January 27 days: enough
        ({1: 5}, 360, False),  # January 26 days: < 27
        ({2: 3}, 362, True),  # February 25 days: enough
        ({2: 4}, 361, False),  # February 24 days: < 25
        ({4: 3}, 362, True),  # April 27 of 30
        ({4: 4}, 361, False),
    ],
)
def test_it_applies_the_annual_validity_rule(
    missing: dict[int, int], valid_days: int, valid: bool
) -> None:
    stats = annual_statistics(_drop_days(missing), year=2025)
    assert stats.valid_days["PM25"][0] == valid_days
    assert bool(stats.valid["PM25"][0]) is valid
    assert (stats.mean["PM25"][0] == 20) if valid else np.isnan(stats.mean["PM25"][0])
    assert (
        (stats.compliance["PM25_ANNUAL"][0] == 1)
        if valid
        else (stats.compliance["PM25_ANNUAL"][0] == -1)
    )


@pytest.mark.parametrize(("missing", "valid"), [(3, True), (4, False)])
def test_it_needs_25_days_in_february(missing: int, valid: bool) -> None:
    stats = monthly_statistics(_drop_days({2: missing}), year=2025, month=2)
    assert stats.period == "2025-02"
    assert stats.valid_days["PM25"][0] == 28 - missing
    assert bool(stats.valid["PM25"][0]) is valid
    assert stats.compliance is None


@pytest.mark.parametrize(("missing", "valid"), [(4, True), (5, False)])
def test_it_needs_27_days_in_other_months(missing: int, valid: bool) -> None:
    stats = monthly_statistics(_drop_days({3: missing}), year=2025, month=3)
    assert bool(stats.valid["PM25"][0]) is valid


def test_it_counts_good_and_heavy_days() -> None:
    # PM2.5 30 → 42.9 → 43 (优); 70 → 93.75 → 94 (良); 140 → 150 + 50 × 25/35 = 185.7 → 186
    # (中度); 200 → 200 + 100 × 50/100 = 250 (重度); 300 → 350 (严重).
    values = [30.0] * 200 + [70.0] * 100 + [140.0] * 45 + [200.0] * 15 + [300.0] * 5
    stats = annual_statistics(year_of(values), year=2025)
    assert stats.aqi_days[0] == 365
    assert stats.good_days[0] == 300
    assert stats.heavy_days[0] == 20
    assert stats.good_ratio[0] == pytest.approx(300 / 365)
    assert stats.level_days[0].tolist() == [200, 100, 0, 45, 15, 5]
    assert stats.exceed_days["PM25_24H"][0] == 65  # > 75


def test_good_day_ratio_counts_complete_days_only() -> None:
    hourly = daily_from({"PM25": [30.0] * 365}, D(2025, 1, 1))
    hourly["CO"][: 24 * 10] = np.nan  # ten days without CO
    stats = annual_statistics(daily_statistics(hourly, start=D(2025, 1, 1)), year=2025)
    assert stats.aqi_days[0] == 355
    assert stats.good_days[0] == 355
    assert stats.good_ratio[0] == 1.0


@pytest.mark.parametrize(
    ("pm25", "annual_ok", "p95_ok"),
    [
        # Every day the same value: the annual mean and the 95th percentile equal it.
        (35.0, True, True),  # 35 ≤ 35 (annual limit)
        (36.0, False, True),
        (75.0, False, True),  # 75 ≤ 75 (24-h limit)
        (76.0, False, False),
    ],
)
def test_it_checks_compliance_against_class_ii(pm25: float, annual_ok: bool, p95_ok: bool) -> None:
    stats = annual_statistics(year_of([pm25] * 365), year=2025)
    assert stats.compliance["PM25_ANNUAL"][0] == int(annual_ok)
    assert stats.compliance["PM25_P95"][0] == int(p95_ok)
    assert stats.compliant[0] == int(annual_ok and p95_ok)
    class_i = annual_statistics(year_of([pm25] * 365), year=2025, limit_class=1)
    assert class_i.compliance["PM25_ANNUAL"][0] == 0  # Class I: 15
    assert set(stats.compliance) == {
        "SO2_ANNUAL",
        "SO2_P98",
        "NO2_ANNUAL",
        "NO2_P98",
        "PM10_ANNUAL",
        "PM10_P95",
        "PM25_ANNUAL",
        "PM25_P95",
        "CO_P95",
        "O3_8H_P90",
    }


def test_overall_compliance_is_unknown_when_a_statistic_is_invalid_and_none_exceeds() -> None:
    hourly = daily_from({"PM25": [20.0] * 365}, D(2025, 1, 1))
    hourly["O3"][:] = np.nan
    stats = annual_statistics(daily_statistics(hourly, start=D(2025, 1, 1)), year=2025)
    assert stats.compliance["O3_8H_P90"][0] == -1
    assert stats.compliant[0] == -1
    hourly["PM25"][:] = 80.0
    worse = annual_statistics(daily_statistics(hourly, start=D(2025, 1, 1)), year=2025)
    assert worse.compliant[0] == 0


def test_it_refuses_to_judge_2026_data_by_the_2012_limits() -> None:
    daily = year_of([20.0] * 365, year=2026)
    with pytest.raises(ValueError, match="GB 3095-2026"):
        annual_statistics(daily, year=2026)
    with pytest.raises(ValueError, match="GB 3095-2026"):
        monthly_statistics(daily, year=2026, month=3)
    monthly_statistics(daily, year=2026, month=2)  # before 2026-03-01: fine
    limits = dict(airstats.LIMITS_GB3095_2012[2])
    assert annual_statistics(daily, year=2026, limits=limits).valid["PM25"][0]


def test_it_summarises_one_station_end_to_end() -> None:
    hourly = daily_from({"PM25": [float(i % 100) for i in range(365)]}, D(2025, 1, 1))
    matrix = np.stack([hourly[p] for p in POLLUTANTS], axis=1)  # hours × 6
    summary = station_annual_statistics(matrix, year=2025)
    assert summary.period == "2025"
    # 0..99 three times and 0..64: sum 3 × 4950 + 2080 = 16930, / 365 = 46.38 → 46.
    assert summary.mean["PM25"] == 46
    assert summary.valid["PM25"] is True
    assert summary.compliance is not None and summary.compliance["PM25_ANNUAL"] is False
    assert summary.compliant is False
    with pytest.raises(ValueError, match="all of 2025"):
        station_annual_statistics(matrix[:-24], year=2025)


# --- batch and input checks ---------------------------------------------------------------------


def test_the_batch_gives_the_per_station_results() -> None:
    rng = np.random.default_rng(7)
    stations, days = 5, 40
    data = rng.gamma(2.0, 30.0, size=(stations, days * 24, 6)).round(0)
    data[..., 4] = (data[..., 4] / 50).round(1)  # CO in mg/m³ with one decimal
    data[rng.random(data.shape) < 0.1] = np.nan
    batch = daily_statistics_batch(data, start=D(2025, 1, 1))
    for s in range(stations):
        one = daily_statistics(data[s], start=D(2025, 1, 1))
        for code, values in batch.values.items():
            np.testing.assert_array_equal(values[s], one.values[code][0])
        np.testing.assert_array_equal(batch.aqi[s], one.aqi[0])
        np.testing.assert_array_equal(batch.primary[s], one.primary[0])
    mapping = {p: data[..., i] for i, p in enumerate(POLLUTANTS)}
    again = daily_statistics_batch(mapping, start=D(2025, 1, 1))
    np.testing.assert_array_equal(again.aqi, batch.aqi)


def test_it_rejects_bad_shapes_and_starts() -> None:
    with pytest.raises(ValueError, match="multiple of 24"):
        daily_statistics(np.zeros((23, 6)), start=D(2025, 1, 1))
    with pytest.raises(ValueError, match="hours × 6"):
        daily_statistics(np.zeros((24, 5)), start=D(2025, 1, 1))
    with pytest.raises(ValueError, match="unknown pollutants"):
        daily_statistics({"PM2.5": np.zeros(24)}, start=D(2025, 1, 1))
    with pytest.raises(TypeError):
        daily_statistics(series(1), start=dt.datetime(2025, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="min_hours_o3_1h"):
        daily_statistics(series(1), start=D(2025, 1, 1), min_hours_o3_1h=0)
    with pytest.raises(ValueError, match="outside"):
        annual_statistics(year_of([1.0] * 365), year=2024)


def test_missing_pollutants_in_a_mapping_are_all_missing() -> None:
    day = daily_statistics({"PM25": np.full(24, 40.0)}, start=D(2025, 1, 1))
    assert day.values["PM25_24H"][0, 0] == 40
    assert np.isnan(day.values["SO2_24H"][0, 0])
    assert not day.complete[0, 0]
    assert day.aqi[0, 0] == 57
