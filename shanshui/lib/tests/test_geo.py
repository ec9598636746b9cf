"""Tests for shanshui.lib.geo.

Reference values were computed once with the module's formulas and cross-checked by hand
(spherical geometry) where a closed form exists; tolerances are stated next to each assert.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal

import pytest

from shanshui.lib.geo import (
    CHONGQING_BOUNDS,
    EARTH_RADIUS_M,
    bbox,
    gcj02_to_wgs84,
    haversine_m,
    in_chongqing,
    out_of_china,
    validate_wgs84,
    wgs84_to_gcj02,
)

TIANANMEN_WGS = (39.90872, 116.39748)
JIEFANGBEI = (29.5576, 106.5770)
CHAOTIANMEN = (29.5650, 106.5870)


def _random_points_in_china(seed: str, count: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(rng.uniform(18.0, 53.5), rng.uniform(73.5, 135.0)) for _ in range(count)]


# ------------------------------------------------------------------------------------------
# out_of_china
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (*TIANANMEN_WGS, False),
        (29.56, 106.55, False),  # Chongqing
        (22.28, 114.16, False),  # Hong Kong lies inside the rough box
        (51.5074, -0.1278, True),  # London
        (40.7128, -74.0060, True),  # New York
        (-33.87, 151.21, True),  # Sydney
        (35.0, 72.003, True),  # just west of the box
        (35.0, 72.004, False),  # on the western edge
        (35.0, 137.8347, False),  # on the eastern edge
        (35.0, 137.8348, True),
        (0.8292, 110.0, True),
        (0.8293, 110.0, False),
        (55.8271, 110.0, False),
        (55.8272, 110.0, True),
    ],
)
def test_out_of_china(lat: float, lon: float, expected: bool) -> None:
    assert out_of_china(lat, lon) is expected


# ------------------------------------------------------------------------------------------
# WGS84 <-> GCJ-02
# ------------------------------------------------------------------------------------------


def test_tiananmen_known_offset() -> None:
    lat, lon = wgs84_to_gcj02(*TIANANMEN_WGS)
    assert lat == pytest.approx(39.91012, abs=5e-6)
    assert lon == pytest.approx(116.40372, abs=5e-6)
    # Full-precision value of the published formulas.
    assert lat == pytest.approx(39.910123495814, abs=1e-9)
    assert lon == pytest.approx(116.403723571266, abs=1e-9)


def test_chongqing_offset_is_a_few_hundred_metres() -> None:
    gcj = wgs84_to_gcj02(29.56, 106.55)
    assert gcj == pytest.approx((29.557153428542, 106.553720337469), abs=1e-9)
    shift = haversine_m(29.56, 106.55, *gcj)
    assert 300 < shift < 600


def test_round_trip_chongqing_and_tiananmen() -> None:
    for point in ((29.56, 106.55), TIANANMEN_WGS, JIEFANGBEI, CHAOTIANMEN):
        back = gcj02_to_wgs84(*wgs84_to_gcj02(*point))
        assert back == pytest.approx(point, abs=1e-9)


def test_round_trip_random_points_across_china() -> None:
    worst = 0.0
    for lat, lon in _random_points_in_china("round-trip", 5000):
        back_lat, back_lon = gcj02_to_wgs84(*wgs84_to_gcj02(lat, lon))
        worst = max(worst, abs(back_lat - lat), abs(back_lon - lon))
    assert worst < 1e-7
    assert worst < 1e-10  # in practice the iteration converges to rounding noise


def test_inverse_is_exact_from_the_gcj_side() -> None:
    # For GCJ-02 input g, the WGS84 result w must map forward onto g again.
    for lat, lon in _random_points_in_china("inverse", 2000):
        w = gcj02_to_wgs84(lat, lon)
        assert wgs84_to_gcj02(*w) == pytest.approx((lat, lon), abs=1e-9)


def test_inverse_beats_the_one_step_approximation() -> None:
    # The usual shortcut w = g - delta(g) is off by metres; the iteration is not.
    g = wgs84_to_gcj02(*TIANANMEN_WGS)
    shifted = wgs84_to_gcj02(*g)
    one_step = (2 * g[0] - shifted[0], 2 * g[1] - shifted[1])
    assert haversine_m(*one_step, *TIANANMEN_WGS) > 0.01
    assert haversine_m(*gcj02_to_wgs84(*g), *TIANANMEN_WGS) < 1e-5


@pytest.mark.parametrize(
    "point", [(51.5074, -0.1278), (40.7128, -74.0060), (-33.87, 151.21), (0.0, 0.0), (89.9, 0.0)]
)
def test_identity_outside_china(point: tuple[float, float]) -> None:
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


def test_conversion_returns_floats() -> None:
    lat, lon = gcj02_to_wgs84(29, 106)
    assert isinstance(lat, float) and isinstance(lon, float)


# ------------------------------------------------------------------------------------------
# haversine
# ------------------------------------------------------------------------------------------


def test_one_degree_of_latitude() -> None:
    expected = EARTH_RADIUS_M * math.pi / 180  # 111,195.08 m
    assert haversine_m(0, 0, 1, 0) == pytest.approx(expected, rel=1e-12)
    assert haversine_m(29, 106.5, 30, 106.5) == pytest.approx(expected, rel=1e-12)
    assert haversine_m(0, 0, 1, 0) == pytest.approx(111_195.08, abs=0.01)


def test_jiefangbei_to_chaotianmen() -> None:
    distance = haversine_m(*JIEFANGBEI, *CHAOTIANMEN)
    assert distance == pytest.approx(1269.87, abs=0.05)
    assert 1200 < distance < 1300


def test_haversine_properties() -> None:
    assert haversine_m(*JIEFANGBEI, *JIEFANGBEI) == 0.0
    assert haversine_m(*JIEFANGBEI, *CHAOTIANMEN) == haversine_m(*CHAOTIANMEN, *JIEFANGBEI)
    half_circumference = math.pi * EARTH_RADIUS_M
    assert haversine_m(0, 0, 0, 180) == pytest.approx(half_circumference)
    assert haversine_m(90, 0, -90, 0) == pytest.approx(half_circumference)
    assert haversine_m(0, 179.5, 0, -179.5) == pytest.approx(EARTH_RADIUS_M * math.pi / 180)
    # One degree of longitude shrinks with cos(latitude).
    at_60 = haversine_m(60, 10, 60, 11)
    assert at_60 == pytest.approx(EARTH_RADIUS_M * math.pi / 180 * 0.5, rel=1e-4)


def test_haversine_never_exceeds_half_circumference() -> None:
    rng = random.Random("haversine")
    limit = math.pi * EARTH_RADIUS_M
    for _ in range(2000):
        d = haversine_m(
            rng.uniform(-90, 90),
            rng.uniform(-180, 180),
            rng.uniform(-90, 90),
            rng.uniform(-180, 180),
        )
        assert 0.0 <= d <= limit * (1 + 1e-12)


# ------------------------------------------------------------------------------------------
# bbox
# ------------------------------------------------------------------------------------------


def _inside(box: tuple[float, float, float, float], lat: float, lon: float) -> bool:
    min_lat, max_lat, min_lon, max_lon = box
    return min_lat <= lat <= max_lat and min_lon <= lon <= max_lon


def _destination(lat: float, lon: float, bearing: float, distance: float) -> tuple[float, float]:
    """Point reached from (lat, lon) along a great circle (bearing in radians)."""
    phi1, lam1, delta = math.radians(lat), math.radians(lon), distance / EARTH_RADIUS_M
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(bearing)
    )
    lam2 = lam1 + math.atan2(
        math.sin(bearing) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    lon2 = (math.degrees(lam2) + 540.0) % 360.0 - 180.0
    return math.degrees(phi2), lon2


def test_bbox_chongqing_one_kilometre() -> None:
    min_lat, max_lat, min_lon, max_lon = bbox(29.56, 106.55, 1000)
    d_lat = math.degrees(1000 / EARTH_RADIUS_M)  # 0.0089932 degrees
    assert max_lat - 29.56 == pytest.approx(d_lat, abs=1e-8)
    assert 29.56 - min_lat == pytest.approx(d_lat, abs=1e-8)
    # Longitude half-width ~ d_lat / cos(29.56 deg) = 0.0103388 degrees.
    assert max_lon - 106.55 == pytest.approx(0.0103388, abs=1e-6)
    assert 106.55 - min_lon == pytest.approx(max_lon - 106.55)


@pytest.mark.parametrize(
    ("lat", "lon", "radius"),
    [
        (29.56, 106.55, 50.0),
        (29.56, 106.55, 1_000.0),
        (29.56, 106.55, 25_000.0),
        (39.9, 116.4, 300_000.0),
        (0.0, 0.0, 10_000.0),
        (-45.0, 170.0, 500_000.0),
        (75.0, 20.0, 800_000.0),
        (85.0, 0.0, 400_000.0),
        (-85.0, 100.0, 200_000.0),
    ],
)
def test_bbox_contains_every_point_within_radius(lat: float, lon: float, radius: float) -> None:
    box = bbox(lat, lon, radius)
    rng = random.Random(f"bbox-{lat}-{lon}-{radius}")
    for _ in range(3000):
        point = _destination(lat, lon, rng.uniform(0, 2 * math.pi), radius * rng.random() ** 0.5)
        assert _inside(box, *point), point
    # Points exactly on the circle, including the extreme east / west tangents.
    for i in range(720):
        point = _destination(lat, lon, i * math.pi / 360, radius)
        if haversine_m(lat, lon, *point) <= radius:
            assert _inside(box, *point), point


def test_bbox_containment_on_random_centres_and_random_points() -> None:
    rng = random.Random("bbox-random")
    for _ in range(300):
        lat, lon = rng.uniform(-89.0, 89.0), rng.uniform(-179.0, 179.0)
        radius = 10 ** rng.uniform(0, 6.3)  # 1 m .. 2000 km
        box = bbox(lat, lon, radius)
        for _ in range(50):
            point = _destination(lat, lon, rng.uniform(0, 2 * math.pi), radius * rng.random())
            assert haversine_m(lat, lon, *point) <= radius * (1 + 1e-9)
            assert _inside(box, *point)


def test_bbox_is_tight() -> None:
    # The extreme points of the circle touch the box edges (within the 1e-9 degree margin).
    lat, lon, radius = 29.56, 106.55, 5000.0
    _, max_lat, _, max_lon = bbox(lat, lon, radius)
    north = _destination(lat, lon, 0.0, radius)
    assert north[0] == pytest.approx(max_lat, abs=2e-9)
    east_most = max(_destination(lat, lon, i * math.pi / 20000, radius)[1] for i in range(20001))
    assert east_most == pytest.approx(max_lon, abs=1e-8)


def test_bbox_zero_radius() -> None:
    min_lat, max_lat, min_lon, max_lon = bbox(29.56, 106.55, 0)
    assert min_lat <= 29.56 <= max_lat and min_lon <= 106.55 <= max_lon
    assert max_lat - min_lat < 1e-8 and max_lon - min_lon < 1e-8


@pytest.mark.parametrize(
    ("lat", "lon", "radius"),
    [(89.5, 10.0, 100_000.0), (-89.99, 0.0, 5_000.0), (90.0, 0.0, 1.0), (10.0, 0.0, 2e7)],
)
def test_bbox_reaching_a_pole_spans_all_longitudes(lat: float, lon: float, radius: float) -> None:
    min_lat, max_lat, min_lon, max_lon = bbox(lat, lon, radius)
    assert (min_lon, max_lon) == (-180.0, 180.0)
    assert -90.0 <= min_lat <= max_lat <= 90.0
    assert min_lat == -90.0 or max_lat == 90.0


@pytest.mark.parametrize("lon", [179.99, -179.99, 180.0, -180.0])
def test_bbox_crossing_the_antimeridian_spans_all_longitudes(lon: float) -> None:
    box = bbox(10.0, lon, 5_000.0)
    assert box[2:] == (-180.0, 180.0)
    assert _inside(box, 10.0, 179.999) and _inside(box, 10.0, -179.999)


@pytest.mark.parametrize(
    ("lat", "lon", "radius"),
    [
        (29.56, 106.55, -1.0),
        (29.56, 106.55, math.nan),
        (29.56, 106.55, math.inf),
        (91.0, 106.55, 10.0),
        (29.56, 181.0, 10.0),
        (math.nan, 106.55, 10.0),
    ],
)
def test_bbox_rejects_bad_input(lat: float, lon: float, radius: float) -> None:
    with pytest.raises(ValueError):
        bbox(lat, lon, radius)


# ------------------------------------------------------------------------------------------
# validate_wgs84
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (29.56, 106.55, (29.56, 106.55)),
        ("29.56", "106.55", (29.56, 106.55)),
        (" 29.56 ", "\t106.55\n", (29.56, 106.55)),
        (29, 106, (29.0, 106.0)),
        (Decimal("29.5600001"), Decimal("106.55"), (29.5600001, 106.55)),
        ("-90", "-180", (-90.0, -180.0)),
        (90, 180, (90.0, 180.0)),
        ("1e1", "0", (10.0, 0.0)),
    ],
)
def test_validate_accepts(lat: object, lon: object, expected: tuple[float, float]) -> None:
    result = validate_wgs84(lat, lon)
    assert result == expected
    assert all(type(v) is float for v in result)


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        (math.nan, 106.55, "纬度"),
        (29.56, math.nan, "经度"),
        (math.inf, 106.55, "纬度"),
        (29.56, -math.inf, "经度"),
        ("nan", 106.55, "纬度"),
        (29.56, "inf", "经度"),
        ("abc", 106.55, "纬度"),
        (29.56, "", "经度"),
        (None, 106.55, "纬度"),
        (29.56, None, "经度"),
        (True, 106.55, "纬度"),
        ([29.56], 106.55, "纬度"),
        (91, 106.55, "纬度必须在 -90 到 90 之间"),
        (-90.0001, 106.55, "纬度必须在 -90 到 90 之间"),
        (29.56, -181, "经度必须在 -180 到 180 之间"),
        (29.56, "180.5", "经度必须在 -180 到 180 之间"),
        (10**400, 106.55, "纬度"),
    ],
)
def test_validate_rejects(lat: object, lon: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_wgs84(lat, lon)


def test_validate_messages_are_chinese_sentences() -> None:
    for lat, lon in ((None, 0), ("abc", 0), (math.nan, 0), (91, 0), (0, -181)):
        with pytest.raises(ValueError) as info:
            validate_wgs84(lat, lon)
        text = str(info.value)
        assert text.endswith("。") and ("纬度" in text or "经度" in text)


# ------------------------------------------------------------------------------------------
# Chongqing
# ------------------------------------------------------------------------------------------


def test_chongqing_bounds_constant() -> None:
    assert CHONGQING_BOUNDS == (28.15, 32.21, 105.28, 110.20)


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (*JIEFANGBEI, True),
        (*CHAOTIANMEN, True),
        (31.0, 109.5, True),  # Wanzhou / Three Gorges area
        (28.15, 105.28, True),  # corner, inclusive
        (32.21, 110.20, True),  # corner, inclusive
        (30.67, 104.06, False),  # Chengdu
        (*TIANANMEN_WGS, False),
        (28.1499, 106.0, False),
        (29.5, 110.2001, False),
    ],
)
def test_in_chongqing(lat: float, lon: float, expected: bool) -> None:
    assert in_chongqing(lat, lon) is expected


def test_gcj_shift_can_matter_for_chongqing_edge() -> None:
    # A GCJ-02 point just inside the box may be outside once converted, so callers must
    # convert before the plausibility check. Find such a point on the western edge.
    lat, lon = 29.5, CHONGQING_BOUNDS[2] + 0.001
    assert in_chongqing(lat, lon)
    assert not in_chongqing(*gcj02_to_wgs84(lat, lon))
