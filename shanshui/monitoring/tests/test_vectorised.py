"""The array paths give exactly what the scalar paths and straightforward loops give.

Property tests (hypothesis) on random inputs that include NaN, ±inf, negative values, huge values,
values exactly on breakpoints and a hair either side of them.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from shanshui.monitoring import airstats
from shanshui.monitoring.aqi import (
    BREAKPOINTS,
    INDICATORS,
    STANDARDS,
    compute_aqi,
    compute_aqi_arrays,
    compute_iaqi,
    compute_iaqi_array,
)

# Hypothesis caches data in ./.hypothesis by default; keep the shared working tree clean.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "shanshui-hypothesis")

_POINTS = sorted({b for rows in BREAKPOINTS.values() for row in rows.values() for b in row})


def _near(b: int) -> st.SearchStrategy[float]:
    return st.sampled_from(
        [
            float(b),
            b - 1.0,
            b + 1.0,
            b - 0.1,
            b + 0.1,
            b - 1e-7,
            b + 1e-7,
            b + 5e-7,  # exactly half a quantum above (q = round half-even)
            float(np.nextafter(b, np.inf)),
            float(np.nextafter(b, -np.inf)),
        ]
    )


CONCENTRATIONS = st.one_of(
    st.sampled_from(_POINTS).flatmap(_near),
    st.floats(min_value=0, max_value=4000, allow_nan=False),
    st.integers(min_value=0, max_value=1300).map(float),
    st.integers(min_value=0, max_value=1500).map(lambda t: t / 10),  # one decimal (CO style)
    st.floats(allow_nan=True, allow_infinity=True),  # huge, tiny, negative, NaN, ±inf
    st.sampled_from([math.nan, -1.0, -0.0, 0.0, 1e300, math.inf, -math.inf, 2.2, 35.4]),
)
FAST = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _none_if_nan(x: float) -> int | None:
    return None if math.isnan(x) else int(x)


@FAST
@given(
    code=st.sampled_from(INDICATORS),
    standard=st.sampled_from(STANDARDS),
    values=st.lists(CONCENTRATIONS, min_size=1, max_size=40),
)
def test_iaqi_array_equals_scalar(code: str, standard: str, values: list[float]) -> None:
    got = compute_iaqi_array(code, np.array(values), standard=standard)
    assert got.dtype == np.float64
    expected = [compute_iaqi(code, v, standard=standard) for v in values]
    assert [_none_if_nan(x) for x in got] == expected


@st.composite
def aqi_inputs(draw: st.DrawFn) -> tuple[dict[str, list[float]], dict[str, list[float]], str]:
    n = draw(st.integers(min_value=1, max_value=12))
    codes = draw(st.lists(st.sampled_from(INDICATORS), min_size=1, max_size=7, unique=True))
    column = st.lists(CONCENTRATIONS, min_size=n, max_size=n)
    values = {code: draw(column) for code in codes}
    fallback_codes = draw(st.lists(st.sampled_from(["SO2_24H", "O3_1H"]), unique=True))
    fallback = {code: draw(column) for code in fallback_codes}
    return values, fallback, draw(st.sampled_from(STANDARDS))


@FAST
@given(aqi_inputs())
def test_aqi_arrays_equal_scalar(case: tuple[dict, dict, str]) -> None:
    values, fallback, standard = case
    arrays = compute_aqi_arrays(
        {c: np.array(v) for c, v in values.items()},
        fallback={c: np.array(v) for c, v in fallback.items()},
        standard=standard,
    )
    n = len(next(iter(values.values())))
    for i in range(n):
        scalar = compute_aqi(
            {c: v[i] for c, v in values.items()},
            fallback={c: v[i] for c, v in fallback.items()},
            standard=standard,
        )
        assert _none_if_nan(arrays.aqi[i]) == scalar.aqi
        assert int(arrays.level[i]) == (scalar.level_number or 0)
        assert arrays.primary_pollutants(i) == scalar.primary_pollutants
        assert arrays.exceeding_pollutants(i) == scalar.exceeding_pollutants
        assert set(arrays.above_table_codes(i)) == set(scalar.above_table)
        for code in set(arrays.iaqi) | set(scalar.iaqi):
            vec = arrays.iaqi[code][i] if code in arrays.iaqi else math.nan
            assert _none_if_nan(vec) == scalar.iaqi.get(code), code


# --- airstats: arrays against a per-reading loop ------------------------------------------------

HOURLY = st.one_of(
    st.integers(min_value=0, max_value=600).map(float),
    st.integers(min_value=0, max_value=100).map(lambda t: t / 10),
    st.floats(min_value=0, max_value=2000, allow_nan=False),
    st.sampled_from(
        [math.nan, math.nan, math.nan, -3.0, -0.0, math.inf, 5e9, 1e8, 1.0000001e8, 0.0]
    ),
)


def _rhe(num: int, den: int) -> int:
    q, r = divmod(num, den)
    return q + (2 * r > den or (2 * r == den and q % 2 == 1))


def _finish(total: int, n: int, valid: bool, decimals: int, rounding: bool) -> float:
    if not valid:
        return math.nan
    if rounding:
        return _rhe(total * 10**decimals, n * 1_000_000) / 10**decimals
    return float(total) / n / 1e6


def loop_daily(hourly: dict[str, list[float]], rounding: bool, min_o3_1h: int) -> dict:
    """Daily statistics of one station, one reading at a time (rules of the module docstring)."""
    days = len(hourly["SO2"]) // 24
    out: dict[str, list[float]] = {code: [] for code in airstats._aqi.DAILY_INDICATORS}
    for p in airstats.POLLUTANTS:
        dec = airstats.DECIMALS[p]
        for day in range(days):
            q: list[int | None] = []
            for x in hourly[p][day * 24 : day * 24 + 24]:
                ok = math.isfinite(x) and 0 <= x <= airstats.MAX_HOURLY
                q.append(round(x * 1e6) if ok else None)
            valid = [v for v in q if v is not None]
            if p != "O3":
                out[f"{p}_24H"].append(
                    _finish(sum(valid), len(valid), len(valid) >= 20, dec, rounding)
                )
                continue
            out["O3_1H"].append(
                _finish(max(valid, default=0), 1, len(valid) >= max(min_o3_1h, 1), dec, rounding)
            )
            best: tuple[int, int] | None = None
            count = 0
            for w in range(17):
                win = [v for v in q[w : w + 8] if v is not None]
                if len(win) >= 6:
                    count += 1
                    if best is None or Fraction(sum(win), len(win)) > Fraction(*best):
                        best = (sum(win), len(win))
            total, n = best or (0, 1)
            out["O3_8H"].append(_finish(total, n, count >= 14, dec, rounding))
    return out


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    stations=st.integers(min_value=1, max_value=3),
    days=st.integers(min_value=1, max_value=3),
    rounding=st.booleans(),
    min_o3_1h=st.sampled_from([1, 20]),
    data=st.data(),
)
def test_daily_arrays_equal_a_loop(
    stations: int, days: int, rounding: bool, min_o3_1h: int, data: st.DataObject
) -> None:
    hours = days * 24
    # Columns with a given share of missing hours, so that the 20-hour, 6-of-8 and 14-window
    # thresholds are crossed in both directions.
    hourly = np.empty((stations, hours, 6))
    for s in range(stations):
        for j in range(6):
            col = data.draw(st.lists(HOURLY, min_size=hours, max_size=hours))
            missing = data.draw(st.integers(min_value=0, max_value=8))
            for h in data.draw(st.lists(st.integers(0, hours - 1), max_size=missing * days)):
                col[h] = math.nan
            hourly[s, :, j] = col
    start = data.draw(st.sampled_from([dt.date(2025, 6, 1), dt.date(2026, 2, 28)]))
    got = airstats.daily_statistics_batch(
        hourly, start=start, rounding=rounding, min_hours_o3_1h=min_o3_1h
    )
    for s in range(stations):
        cols = {p: hourly[s, :, j].tolist() for j, p in enumerate(airstats.POLLUTANTS)}
        expected = loop_daily(cols, rounding, min_o3_1h)
        for code, want in expected.items():
            np.testing.assert_array_equal(got.values[code][s], np.array(want), err_msg=code)
        for day in range(days):
            values = {c: v[day] for c, v in expected.items()}
            scalar = compute_aqi(
                {c: (None if math.isnan(v) else v) for c, v in values.items()},
                standard=got.standards[day],
            )
            assert _none_if_nan(got.aqi[s, day]) == scalar.aqi
            assert got.primary_pollutants(s, day) == scalar.primary_pollutants


def _exact_percentile(xs: list[Fraction], p: int) -> Fraction:
    xs = sorted(xs)
    pos = Fraction((len(xs) - 1) * p, 100)
    s = int(pos)
    if s + 1 >= len(xs):
        return xs[s]
    return xs[s] + (xs[s + 1] - xs[s]) * (pos - s)


@settings(max_examples=40, deadline=None, database=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    missing=st.sampled_from([0.0, 0.02, 0.08, 0.2]),
    top=st.sampled_from([3, 20, 400]),
)
def test_period_statistics_are_exact(seed: int, missing: float, top: int) -> None:
    # Daily values (integers; CO with one decimal) with missing days; the annual mean and
    # percentile must be the exact rational value rounded half-even. Small ``top`` values make
    # exact halves (x.5 means, percentile fractions of 0.5) frequent.
    rng = np.random.default_rng(seed)
    year = 2025
    hourly = {}
    daily_expect: dict[str, list[float]] = {}
    for p in airstats.POLLUTANTS:
        per_day = rng.integers(0, top + 1, size=365).astype(float)
        if p == "CO":
            per_day = per_day / 10
        per_day[rng.random(365) < missing] = np.nan
        daily_expect[p] = per_day.tolist()
        hourly[p] = np.repeat(per_day, 24)
    daily = airstats.daily_statistics(hourly, start=dt.date(year, 1, 1))
    stats = airstats.annual_statistics(daily, year=year)
    for p in airstats.POLLUTANTS:
        dec = airstats.DECIMALS[p]
        xs = [Fraction(str(v)) for v in daily_expect[p] if not math.isnan(v)]
        assert stats.valid_days[p][0] == len(xs)
        if not stats.valid[p][0]:
            assert np.isnan(stats.mean[p][0])
            assert np.isnan(stats.percentile[p][0])
            continue
        mean = sum(xs) / len(xs)
        assert stats.mean[p][0] == airstats.round_half_even(mean, dec)
        pct = _exact_percentile(xs, airstats.PERCENTILE_OF[p])
        assert stats.percentile[p][0] == airstats.round_half_even(pct, dec)
        # The float method agrees with numpy's linear percentile.
        floats = [float(x) for x in xs]
        assert math.isclose(
            airstats.percentile_hj663(floats, airstats.PERCENTILE_OF[p]),
            float(np.percentile(floats, airstats.PERCENTILE_OF[p])),
            rel_tol=1e-12,
            abs_tol=1e-12,
        )
