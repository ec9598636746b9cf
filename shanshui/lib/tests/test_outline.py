"""The built-in district outline: the shipped GeoJSON (every current district and county under
our units' names, 两江新区 marked approximate, small enough for a phone) and the pure steps that
build it from the registry package (lib/outline.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from shanshui.lib import geo, outline
from shanshui.orgs.reference_units import reference_units

GEOJSON = Path(settings.BASE_DIR) / "static" / "geo" / "chongqing-districts.geojson"


@pytest.fixture(scope="module")
def collection() -> dict:
    return json.loads(GEOJSON.read_text(encoding="utf-8"))


def _rings(feature: dict) -> list[list[list[float]]]:
    g = feature["geometry"]
    polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
    return [ring for poly in polys for ring in poly]


def test_every_current_district_and_county_under_our_names(collection):
    current = {
        u["short"]: u
        for u in reference_units()
        if u["kind"] in ("district", "county", "autonomous_county") and not u.get("valid_to")
    }
    assert len(current) == 37  # 38 before 江北区 and 渝北区 became 两江新区
    features = {f["properties"]["short"]: f["properties"] for f in collection["features"]}
    assert set(features) == set(current)
    for short, props in features.items():
        assert props["name"] == current[short]["name"].removeprefix("重庆市")
        assert props["code"] == current[short]["code"]
    assert "江北区" not in features and "渝北区" not in features


def test_liangjiang_is_marked_approximate(collection):
    (liangjiang,) = [f for f in collection["features"] if f["properties"]["name"] == "两江新区"]
    props = liangjiang["properties"]
    assert props["approximate"] is True
    assert props["merged_from"] == ["江北区", "渝北区"] and "近似" in props["note"]
    assert sum(1 for f in collection["features"] if f["properties"].get("approximate")) == 1
    # One piece: the old districts' shared border is gone.
    assert len(_rings(liangjiang)) == 1


def test_source_licence_and_size(collection):
    props = collection["properties"]
    assert props["source"] == "npm echarts@4.9.0 map/json/province/chongqing.json"
    assert props["licence"] == "Apache-2.0"
    assert (GEOJSON.parent / "LICENSE").exists() and (GEOJSON.parent / "NOTICE").exists()
    assert GEOJSON.stat().st_size < 300 * 1024


def test_coordinates_lie_in_chongqing_with_four_decimals(collection):
    min_lat, max_lat, min_lon, max_lon = geo.CHONGQING_BOUNDS
    for feature in collection["features"]:
        for ring in _rings(feature):
            assert ring[0] == ring[-1] and len(ring) >= 4
            for lon, lat in ring:
                assert min_lon - 0.05 <= lon <= max_lon + 0.05
                assert min_lat - 0.05 <= lat <= max_lat + 0.05
                assert round(lon, 4) == lon and round(lat, 4) == lat
        lon, lat = feature["properties"]["label"]
        assert geo.in_chongqing(lat, lon)


def test_neighbours_still_share_their_simplified_border(collection):
    # 渝中区 lies between the rivers, its land border all shared with its neighbours: after the
    # simplification, each of its points is still a point of a neighbour.
    by_name = {f["properties"]["name"]: f for f in collection["features"]}
    yuzhong = {tuple(p) for ring in _rings(by_name["渝中区"]) for p in ring}
    others = {
        tuple(p)
        for name in ("两江新区", "南岸区", "沙坪坝区", "九龙坡区")
        for ring in _rings(by_name[name])
        for p in ring
    }
    assert len(yuzhong & others) >= len(yuzhong) // 2


def test_the_outline_is_in_wgs84(collection):
    # 朝天门, where the Jialing meets the Yangtze at the tip of 渝中区: 29.5647 N, 106.5869 E in
    # WGS84. The package's GCJ-02 puts the tip some 400 m away; converted, it is where it is.
    (yuzhong,) = [f for f in collection["features"] if f["properties"]["name"] == "渝中区"]
    nearest = min(geo.haversine_m(lat, lon, 29.5647, 106.5869) for lon, lat in _rings(yuzhong)[0])
    assert nearest < 250


# -- the pure steps -----------------------------------------------------------------------------


def _encode(points: list[tuple[int, int]], offset: tuple[int, int]) -> str:
    """ECharts' UTF8Encoding, for the test: zig-zag deltas, each + 64, two characters a point."""
    out, (px, py) = [], offset
    for x, y in points:
        for d in (x - px, y - py):
            out.append(chr(((d << 1) ^ (d >> 31)) + 64))
        px, py = x, y
    return "".join(out)


def test_decode_ring_reads_echarts_encoding():
    points = [(110587, 31651), (110594, 31654), (110580, 31640), (110587, 31651)]
    assert outline.decode_ring(_encode(points, (110587, 31651)), [110587, 31651]) == points


def test_merge_rings_removes_the_shared_border():
    left = [(0, 0), (2, 0), (2, 2), (0, 2), (0, 0)]
    right = [(2, 0), (4, 0), (4, 2), (2, 2), (2, 0)]
    (merged,) = outline.merge_rings([left, right])
    assert merged[0] == merged[-1]
    assert set(merged) == {(0, 0), (2, 0), (4, 0), (4, 2), (2, 2), (0, 2)}
    assert abs(outline.ring_area2(merged)) == 2 * 8


def test_simplify_keeps_shared_stretches_identical():
    # Two squares sharing a wiggly border; the wiggle is below the tolerance.
    border = [(2, 0), (2.2, 1), (1.9, 2), (2.1, 3), (2, 4)]
    left = [(0, 0), *border, (0, 4), (0, 0)]
    right = [(2, 0), (4, 0), (4, 4), *border[::-1]]
    a, b = outline.simplify_rings([left, right], tolerance=0.5)
    assert {p for p in a if p[0] not in (0, 4)} == {(2, 0), (2, 4)}
    assert {p for p in b if p[0] not in (0, 4)} == {(2, 0), (2, 4)}
    assert a[0] == a[-1] and b[0] == b[-1]


def test_douglas_peucker_keeps_the_ends_and_far_points():
    line = [(0, 0), (1, 0.1), (2, -0.1), (3, 5), (4, 0), (5, 0)]
    assert outline.douglas_peucker(line, 1.0) == [(0, 0), (2, -0.1), (3, 5), (5, 0)]
    assert outline.douglas_peucker(line, 10.0) == [(0, 0), (5, 0)]
