"""compute_aqi_arrays in bounded blocks gives exactly what it gives in one block: every output,
on random data with NaN, ±inf, negative values, values on and around every breakpoint, above the
table and over 800, in any shape (2-D, broadcast, strided, 0-d, empty)."""

from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shanshui.monitoring import aqi
from shanshui.monitoring.aqi import BREAKPOINTS, HOURLY_INDICATORS, INDICATORS, STANDARDS

_POINTS = sorted({b for rows in BREAKPOINTS.values() for row in rows.values() for b in row})


@contextmanager
def chunk(size: int):
    before = aqi._AQI_CHUNK
    aqi._AQI_CHUNK = size
    try:
        yield
    finally:
        aqi._AQI_CHUNK = before


def assert_identical(a: aqi.AqiArrays, b: aqi.AqiArrays) -> None:
    assert a.standard == b.standard
    assert list(a.iaqi) == list(b.iaqi)  # the same indicators, in the same order
    for code in a.iaqi:
        assert a.iaqi[code].dtype == b.iaqi[code].dtype
        np.testing.assert_array_equal(a.iaqi[code], b.iaqi[code])
    for name in ("aqi", "level", "primary", "exceeding", "above_table"):
        x, y = getattr(a, name), getattr(b, name)
        if x is None or y is None:
            assert x is None and y is None, name
            continue
        assert x.dtype == y.dtype and x.shape == y.shape, name
        np.testing.assert_array_equal(x, y, err_msg=name)


def both(values, fallback=None, standard=aqi.STANDARD_2012, size=7):
    with chunk(10**12):
        whole = aqi.compute_aqi_arrays(values, fallback=fallback, standard=standard)
    with chunk(size):
        blocks = aqi.compute_aqi_arrays(values, fallback=fallback, standard=standard)
    assert_identical(whole, blocks)
    return whole


def awkward(rng: np.random.Generator, shape) -> np.ndarray:
    """Concentrations: typical, on and a hair around breakpoints, above the table, > 800,
    missing (NaN), ±inf and negative."""
    n = math.prod(shape)
    x = np.round(rng.lognormal(3.5, 1.2, n), 1)
    points = np.array(_POINTS, dtype=np.float64)
    pick = rng.random(n)
    on = pick < 0.2
    x[on] = points[rng.integers(0, points.size, on.sum())]
    near = (pick >= 0.2) & (pick < 0.3)
    x[near] = points[rng.integers(0, points.size, near.sum())] + rng.choice(
        [-1e-7, 1e-7, 5e-7, -0.1, 0.1], near.sum()
    )
    x[(pick >= 0.3) & (pick < 0.35)] = np.nan
    x[(pick >= 0.35) & (pick < 0.37)] = rng.choice([np.inf, -np.inf, -1.0, -0.0, 1e300], 1)
    x[(pick >= 0.37) & (pick < 0.40)] = rng.uniform(
        500, 3000, ((pick >= 0.37) & (pick < 0.40)).sum()
    )
    return x.reshape(shape)


@pytest.mark.parametrize("standard", STANDARDS)
@pytest.mark.parametrize("size", [97, 1000, 4096, 65_536])
def test_blocks_give_what_one_block_gives(standard, size):
    rng = np.random.default_rng(size)
    shape = (37, 24 * 9)  # stations × hours
    values = {code: awkward(rng, shape) for code in INDICATORS}
    fallback = {"SO2_24H": awkward(rng, shape), "O3_1H": awkward(rng, shape)}
    both(values, fallback, standard, size=size)
    both({c: values[c] for c in HOURLY_INDICATORS}, None, standard, size=size)


def test_broadcast_strided_scalar_and_empty_inputs():
    rng = np.random.default_rng(1)
    grid = awkward(rng, (50, 300))
    values = {
        "PM25_24H": grid[:, ::3],  # strided
        "PM10_24H": awkward(rng, (50, 1)),  # broadcast along hours
        "CO_24H": 2.2,  # a scalar
        "O3_8H": grid.T[:100].T,  # not C-contiguous
    }
    result = both(values, {"O3_1H": awkward(rng, (100,))}, size=97)
    assert result.aqi.shape == (50, 100)
    scalar = both({"PM25_24H": 75.0, "SO2_1H": 900.0}, {"SO2_24H": 30.0}, size=1)
    assert scalar.aqi.shape == () and int(scalar.aqi) == 100
    empty = both({"PM25_24H": np.empty((0, 5))}, size=3)
    assert empty.aqi.shape == (0, 5) and empty.level.dtype == np.int8


CONCENTRATIONS = st.one_of(
    st.sampled_from(_POINTS).flatmap(lambda b: st.sampled_from([b, b - 1e-7, b + 5e-7, b + 0.1])),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0, max_value=1200),
)


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    n=st.integers(min_value=0, max_value=30),
    size=st.integers(min_value=1, max_value=8),
    codes=st.lists(st.sampled_from(INDICATORS), min_size=1, max_size=7, unique=True),
    fallback=st.lists(st.sampled_from(["SO2_24H", "O3_1H"]), unique=True),
    standard=st.sampled_from(STANDARDS),
    data=st.data(),
)
def test_any_block_size_gives_the_same(n, size, codes, fallback, standard, data):
    column = st.lists(CONCENTRATIONS, min_size=n, max_size=n).map(np.array)
    values = {c: data.draw(column) for c in codes}
    fb = {c: data.draw(column) for c in fallback}
    both(values, fb, standard, size=size)
