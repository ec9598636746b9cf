"""The built-in outline of Chongqing's districts and counties (区县轮廓): the maps' base
without tiles.

Maps must work on a government network that reaches no tile server: without a 天地图 key the
maps draw ``static/geo/chongqing-districts.geojson`` instead of tiles. This module builds that
file from a registry package, once, by hand, whenever the source or the districts change::

    npm pack echarts@4.9.0 && tar xzf echarts-4.9.0.tgz
    python -m shanshui.lib.outline package/map/json/province/chongqing.json \\
        static/geo/chongqing-districts.geojson

The source is ``map/json/province/chongqing.json`` of the ``echarts`` npm package, version 4.9.0
(Apache-2.0; the last version that shipped map outlines). It stores each ring in ECharts'
"UTF8Encoding": zig-zag delta-coded integers on a grid of 1/1024 degree, two characters per
point (:func:`decode_ring`). Working on that integer grid keeps shared borders exact, so

- 江北区 and 渝北区 become one feature, 两江新区 (the 2025-11-06 merger), by cancelling the
  border they share (:func:`merge_rings`). The new district's real boundary differs (five towns
  of the former 渝北区 went to 北碚区 and some of 北碚区 came in), so the feature is marked
  ``approximate`` with a note the maps show;
- borders are simplified once per shared stretch (Douglas-Peucker between junctions,
  :func:`simplify_rings`), so neighbours still meet without gaps or overlaps;
- islands smaller than :data:`MIN_ISLAND_UNITS2` are dropped.

Feature names follow our units (``shanshui.orgs.reference_units``): the full name in ``name``,
the short name used in lists in ``short``, the GB/T 2260 code in ``code``; the renamed counties
(梁平县 → 梁平区, 武隆县 → 武隆区, 2016) carry today's names. Coordinates are written with four
decimals (about 10 m, finer than the source's grid). The outline is for orientation, not for
surveying: the source grid is about 100 m, and the simplification moves borders by up to
:data:`TOLERANCE_UNITS` grid steps.

The package does not name its datum; its points sit where GCJ-02 (the datum of 高德 and 腾讯)
puts places, some 300–500 m from WGS84 in Chongqing (the tip of 渝中区 at 朝天门, where the
rivers meet, matches GCJ-02 and not WGS84), so the points are converted to WGS84, the datum the
project stores and 天地图 draws, when the file is written. The conversion is a smooth function of
the point, so shared borders stay shared.

Pure module: standard library only, no Django imports.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Final

from shanshui.lib import geo

Point = tuple[int, int]
Ring = list[Point]

SOURCE_PACKAGE: Final = "echarts"
SOURCE_VERSION: Final = "4.9.0"
SOURCE_FILE: Final = "map/json/province/chongqing.json"
SOURCE_LICENCE: Final = "Apache-2.0"

#: ECharts' default quantisation: grid units per degree.
DEFAULT_SCALE: Final = 1024
#: Douglas-Peucker tolerance in grid units (1 unit is about 100 m; the file stays under 200 KB).
TOLERANCE_UNITS: Final = 2.0
#: Islands (outer rings) below this area in square grid units (about 0.01 km² each) are dropped.
MIN_ISLAND_UNITS2: Final = 40

MERGED_NAME: Final = "两江新区"
MERGED_FROM: Final = ("江北区", "渝北区")
MERGED_NOTE: Final = (
    "两江新区于2025年11月6日设立（撤销江北区、渝北区），此处按原江北区与原渝北区的合并范围绘制，"
    "边界为近似。"
)

# Source name → (name, short name, GB/T 2260 code), as our reference units have them.
RENAMED: Final = {"梁平县": "梁平区", "武隆县": "武隆区"}
SHORT_NAMES: Final = {
    "石柱土家族自治县": "石柱县",
    "秀山土家族苗族自治县": "秀山县",
    "酉阳土家族苗族自治县": "酉阳县",
    "彭水苗族土家族自治县": "彭水县",
}
CODES: Final = {
    "万州区": "500101", "涪陵区": "500102", "渝中区": "500103", "大渡口区": "500104",
    "沙坪坝区": "500106", "九龙坡区": "500107", "南岸区": "500108", "北碚区": "500109",
    "綦江区": "500110", "大足区": "500111", "巴南区": "500113", "黔江区": "500114",
    "长寿区": "500115", "江津区": "500116", "合川区": "500117", "永川区": "500118",
    "南川区": "500119", "璧山区": "500120", "铜梁区": "500151", "潼南区": "500152",
    "荣昌区": "500153", "开州区": "500154", "梁平区": "500155", "武隆区": "500156",
    "城口县": "500229", "丰都县": "500230", "垫江县": "500231", "忠县": "500233",
    "云阳县": "500235", "奉节县": "500236", "巫山县": "500237", "巫溪县": "500238",
    "石柱土家族自治县": "500240", "秀山土家族苗族自治县": "500241",
    "酉阳土家族苗族自治县": "500242", "彭水苗族土家族自治县": "500243",
}  # fmt: skip


# -- ECharts' encoding --------------------------------------------------------------------------


def decode_ring(text: str, offset: Sequence[int]) -> Ring:
    """One ring of ECharts' UTF8Encoding: per point two characters, each ``code - 64`` a
    zig-zag coded difference from the previous point, starting at ``offset`` (grid units)."""
    x, y = int(offset[0]), int(offset[1])
    ring: Ring = []
    for i in range(0, len(text) - 1, 2):
        dx = ord(text[i]) - 64
        dy = ord(text[i + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        ring.append((x, y))
    return ring


def decode_polygons(geometry: dict) -> list[list[Ring]]:
    """The polygons (outer ring first, then holes) of an encoded Polygon or MultiPolygon."""
    coords, offsets = geometry["coordinates"], geometry["encodeOffsets"]
    if geometry["type"] == "Polygon":
        coords, offsets = [coords], [offsets]
    return [
        [_closed(decode_ring(text, off)) for text, off in zip(poly, poly_offsets, strict=True)]
        for poly, poly_offsets in zip(coords, offsets, strict=True)
    ]


def _closed(ring: Ring) -> Ring:
    """The ring without repeated points, its last point equal to its first."""
    out: Ring = []
    for p in ring:
        if not out or out[-1] != p:
            out.append(p)
    if out and out[0] != out[-1]:
        out.append(out[0])
    return out


# -- geometry on the integer grid ---------------------------------------------------------------


def ring_area2(ring: Sequence[Point]) -> int:
    """Twice the signed area (shoelace; positive anticlockwise) of a closed ring."""
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in pairwise(ring))


def merge_rings(rings: Iterable[Ring]) -> list[Ring]:
    """The outline of the union of polygons that share whole edges (the same grid points), as
    closed rings: every edge used by two of them in opposite directions is an inner border and
    is dropped; the others are chained back into rings. Rings are oriented anticlockwise first
    so that shared edges run in opposite directions."""
    edges: Counter[tuple[Point, Point]] = Counter()
    for ring in rings:
        ring = ring if ring_area2(ring) > 0 else ring[::-1]
        for a, b in pairwise(ring):
            edges[(a, b)] += 1
    for a, b in list(edges):
        if edges[(a, b)] and edges[(b, a)]:
            n = min(edges[(a, b)], edges[(b, a)])
            edges[(a, b)] -= n
            edges[(b, a)] -= n
    following: dict[Point, list[Point]] = defaultdict(list)
    for (a, b), n in edges.items():
        following[a].extend([b] * n)
    out: list[Ring] = []
    while True:
        start = next((p for p, nxt in following.items() if nxt), None)
        if start is None:
            return out
        ring = [start]
        while True:
            nxt = following[ring[-1]].pop()
            ring.append(nxt)
            if nxt == start:
                break
        out.append(ring)


def _perpendicular2(p: Point, a: Point, b: Point) -> float:
    """Squared distance from ``p`` to the segment ``a``–``b``."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    if dx == dy == 0:
        return (p[0] - a[0]) ** 2 + (p[1] - a[1]) ** 2
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    ex, ey = a[0] + t * dx - p[0], a[1] + t * dy - p[1]
    return ex * ex + ey * ey


def douglas_peucker(points: Sequence[Point], tolerance: float) -> list[Point]:
    """The points of an open line kept by Douglas-Peucker (both ends always kept)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    limit = tolerance * tolerance
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, 0
        for i in range(first + 1, last):
            d = _perpendicular2(points[i], points[first], points[last])
            if d > worst:
                worst, index = d, i
        if worst > limit:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_rings(rings: Sequence[Ring], tolerance: float) -> list[Ring]:
    """Simplify closed rings that share borders, each shared stretch the same way for both.

    The rings are cut at junctions (points with other than two distinct neighbours over all
    rings); each stretch between two junctions is simplified once and reused, reversed where the
    neighbour runs it the other way. A ring without junctions (an island, the outer border of a
    lone polygon) is cut at its first point and at the point farthest from it.
    """
    neighbours: dict[Point, set[Point]] = defaultdict(set)
    for ring in rings:
        for a, b in pairwise(ring):
            neighbours[a].add(b)
            neighbours[b].add(a)
    fixed = {p for p, n in neighbours.items() if len(n) != 2}
    done: dict[tuple[Point, ...], list[Point]] = {}

    def stretch(points: list[Point]) -> list[Point]:
        key = tuple(points)
        back = key[::-1]
        if back in done:
            return done[back][::-1]
        if key not in done:
            done[key] = douglas_peucker(points, tolerance)
        return done[key]

    out: list[Ring] = []
    for ring in rings:
        body = ring[:-1]
        cuts = [i for i, p in enumerate(body) if p in fixed]
        if not cuts:
            far = max(range(len(body)), key=lambda i: _perpendicular2(body[i], body[0], body[0]))
            cuts = [0, far] if far else [0]
        start = cuts[0]
        body = body[start:] + body[:start]  # begins at a junction
        cuts = [i - start for i in cuts] + [len(body)]
        body = [*body, body[0]]
        result: Ring = [body[0]]
        for a, b in pairwise(cuts):
            result.extend(stretch(body[a : b + 1])[1:])
        if len(result) >= 4 and ring_area2(result) != 0:
            out.append(result)
        else:
            out.append(ring)  # too small to simplify: keep as it is
    return out


# -- the feature collection ---------------------------------------------------------------------


def _lonlat(p: Sequence[float], scale: float = 1) -> list[float]:
    """A source point (GCJ-02 longitude, latitude, in grid units) as WGS84 [lon, lat]."""
    lat, lon = geo.gcj02_to_wgs84(p[1] / scale, p[0] / scale)
    return [round(lon, 4), round(lat, 4)]


def _inside(p: Sequence[float], ring: Sequence[Sequence[float]]) -> bool:
    """Whether the point lies inside the closed ring (even-odd rule)."""
    x, y = p
    inside = False
    for (x1, y1), (x2, y2) in pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def build(source: dict, *, tolerance: float = TOLERANCE_UNITS) -> dict:
    """The simplified GeoJSON FeatureCollection of the districts from the decoded package JSON."""
    scale = int(source.get("UTF8Scale") or DEFAULT_SCALE)
    names: list[str] = []
    polygons: list[list[list[Ring]]] = []
    labels: list[list[float] | None] = []
    merged: list[Ring] = []
    merged_labels: list[list[float]] = []
    for feature in source["features"]:
        name = feature["properties"]["name"]
        polys = decode_polygons(feature["geometry"])
        polys = [p for p in polys if abs(ring_area2(p[0])) >= 2 * MIN_ISLAND_UNITS2]
        label = feature["properties"].get("cp")
        if name in MERGED_FROM:
            merged.extend(ring for poly in polys for ring in poly)
            if label:
                merged_labels.append(label)
            continue
        names.append(RENAMED.get(name, name))
        polygons.append(polys)
        labels.append(label)
    if merged:
        # Slivers where the two old districts' border was not drawn the same way are dropped.
        outline = [r for r in merge_rings(merged) if abs(ring_area2(r)) >= 2 * MIN_ISLAND_UNITS2]
        outline.sort(key=lambda r: -abs(ring_area2(r)))
        names.append(MERGED_NAME)
        # The rings left are the outer border (largest) and any islands; no holes here.
        polygons.append([[ring] for ring in outline])
        labels.append(merged_labels[-1] if merged_labels else None)

    # Simplify all rings together, so shared borders stay shared.
    flat = [ring for polys in polygons for poly in polys for ring in poly]
    simple = iter(simplify_rings(flat, tolerance))
    features = []
    for name, polys, label in zip(names, polygons, labels, strict=True):
        coords = [[[_lonlat(p, scale) for p in next(simple)] for _ in poly] for poly in polys]
        label = _lonlat(label) if label else None
        if label is None or not any(_inside(label, poly[0]) for poly in coords):
            outer = max(coords, key=lambda poly: len(poly[0]))[0]
            label = [sum(c) / len(outer) for c in zip(*outer, strict=True)]
        properties = {
            "name": name,
            "short": SHORT_NAMES.get(name, name),
            "code": CODES.get(name, ""),
            "label": [round(label[0], 4), round(label[1], 4)],
        }
        if name == MERGED_NAME:
            properties.update(approximate=True, note=MERGED_NOTE, merged_from=list(MERGED_FROM))
        geometry = (
            {"type": "Polygon", "coordinates": coords[0]}
            if len(coords) == 1
            else {"type": "MultiPolygon", "coordinates": coords}
        )
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return {
        "type": "FeatureCollection",
        "properties": {
            "title": "重庆市区县轮廓（简化）",
            "source": f"npm {SOURCE_PACKAGE}@{SOURCE_VERSION} {SOURCE_FILE}",
            "licence": SOURCE_LICENCE,
            "crs": (
                "WGS84 lon, lat (the source's GCJ-02 converted); grid 1/1024°, simplified: "
                "approximate, for orientation"
            ),
            "note": MERGED_NOTE,
        },
        "features": features,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    source = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    if not source.get("UTF8Encoding"):
        print("The source is not in ECharts' UTF8Encoding.", file=sys.stderr)
        return 1
    collection = build(source)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    Path(args[1]).write_text(text + "\n", encoding="utf-8")
    points = sum(
        len(ring)
        for f in collection["features"]
        for ring in (
            f["geometry"]["coordinates"]
            if f["geometry"]["type"] == "Polygon"
            else [r for poly in f["geometry"]["coordinates"] for r in poly]
        )
    )
    print(f"{len(collection['features'])} features, {points} points, {len(text.encode())} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
