"""Pasted coordinates: GCJ-02 (高德, 腾讯) and BD-09 (百度) back to WGS84 (lib/geo.py), against
published reference pairs and by round trips; the name of a system as people write it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shanshui.lib import geo

# The published pairs of the open-source eviltransform implementations (WGS84 → GCJ-02).
EVILTRANSFORM = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]
# The published example of the open-source coordtransform library, at (39.915, 116.404).
COORDTRANSFORM = {
    "gcj02_to_bd09": (39.92133699351021, 116.41036949371029),
    "bd09_to_gcj02": (39.90865673957631, 116.39762729119315),  # its one-step approximation
    "wgs84_to_gcj02": (39.91640428150164, 116.41024449916938),
}

china = st.tuples(
    st.floats(min_value=18.0, max_value=53.0), st.floats(min_value=74.0, max_value=134.0)
)
chongqing = st.tuples(
    st.floats(min_value=geo.CHONGQING_BOUNDS[0], max_value=geo.CHONGQING_BOUNDS[1]),
    st.floats(min_value=geo.CHONGQING_BOUNDS[2], max_value=geo.CHONGQING_BOUNDS[3]),
)


@pytest.mark.parametrize("wgs,gcj", EVILTRANSFORM)
def test_gcj02_reference_pairs_both_ways(wgs, gcj):
    assert geo.wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)
    back = geo.gcj02_to_wgs84(*gcj)
    assert geo.haversine_m(*back, *wgs) < 0.5
    assert geo.to_wgs84(*gcj, geo.GCJ02) == back


def test_bd09_reference_example():
    point = (39.915, 116.404)
    assert geo.gcj02_to_bd09(*point) == pytest.approx(COORDTRANSFORM["gcj02_to_bd09"], abs=1e-9)
    assert geo.wgs84_to_gcj02(*point) == pytest.approx(COORDTRANSFORM["wgs84_to_gcj02"], abs=1e-9)
    # Our inverse is exact; the library's one-step inverse is a few centimetres off.
    gcj = geo.bd09_to_gcj02(*point)
    assert geo.haversine_m(*gcj, *COORDTRANSFORM["bd09_to_gcj02"]) < 0.1
    assert geo.gcj02_to_bd09(*gcj) == pytest.approx(point, abs=1e-10)


def test_bd09_to_wgs84_in_chongqing():
    # 解放碑 in WGS84; Baidu shows it about a kilometre away.
    wgs = (29.5576, 106.5770)
    bd = geo.wgs84_to_bd09(*wgs)
    assert 500 < geo.haversine_m(*bd, *wgs) < 1500
    assert geo.haversine_m(*geo.bd09_to_wgs84(*bd), *wgs) < 0.01
    assert geo.haversine_m(*geo.to_wgs84(*bd, geo.BD09), *wgs) < 0.01


@settings(max_examples=300, deadline=None)
@given(china)
def test_wgs_gcj_wgs_round_trip_within_half_a_metre(point):
    back = geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(*point))
    assert geo.haversine_m(*back, *point) < 0.5


@settings(max_examples=300, deadline=None)
@given(chongqing)
def test_wgs_bd_wgs_round_trip_within_half_a_metre(point):
    back = geo.bd09_to_wgs84(*geo.wgs84_to_bd09(*point))
    assert geo.haversine_m(*back, *point) < 0.5


@pytest.mark.parametrize("point", [(51.5007, -0.1246), (-33.8568, 151.2153), (40.6892, -74.0445)])
def test_gcj_is_the_identity_outside_china(point):
    assert geo.to_wgs84(*point, geo.GCJ02) == point
    assert geo.wgs84_to_gcj02(*point) == point


def test_wgs84_is_stored_as_given_and_an_unknown_system_is_an_error():
    assert geo.to_wgs84(29.5, 106.5, geo.WGS84) == (29.5, 106.5)
    with pytest.raises(ValueError):
        geo.to_wgs84(29.5, 106.5, "cgcs2000-ish")


@pytest.mark.parametrize(
    "text,system",
    [
        ("", geo.WGS84),
        (None, geo.WGS84),
        ("WGS84", geo.WGS84),
        ("wgs-84", geo.WGS84),
        ("GPS", geo.WGS84),
        ("GCJ-02", geo.GCJ02),
        ("gcj02", geo.GCJ02),
        ("高德", geo.GCJ02),
        ("腾讯地图", geo.GCJ02),
        ("火星坐标系", geo.GCJ02),
        ("BD-09", geo.BD09),
        ("百度", geo.BD09),
        ("百度坐标", geo.BD09),
        (" bd09 ", geo.BD09),
    ],
)
def test_parse_system(text, system):
    assert geo.parse_system(text) == system


def test_parse_system_rejects_with_a_chinese_message():
    with pytest.raises(ValueError, match="不认识的坐标系“谷歌”"):
        geo.parse_system("谷歌")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("29.5630（高德）", ("29.5630", geo.GCJ02)),
        ("106.55,29.56 BD-09", ("106.55,29.56", geo.BD09)),
        ("106.5516，29.5630 gcj-02", ("106.5516，29.5630", geo.GCJ02)),
        ("29.56 (百度坐标)", ("29.56", geo.BD09)),
        ("29.56WGS84", ("29.56", geo.WGS84)),
        ("106.55,29.56", ("106.55,29.56", None)),
        ("-106.5", ("-106.5", None)),
        ("29.56°", ("29.56°", None)),  # not a system: the number check words the error
        ("", ("", None)),
    ],
)
def test_split_system_reads_a_suffix(text, expected):
    assert geo.split_system(text) == expected
