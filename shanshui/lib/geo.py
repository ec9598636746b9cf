"""Coordinate helpers: WGS84 / GCJ-02 conversion, distances, bounding boxes, validation.

Maps served in mainland China (AMap / Gaode, Tencent, and the Chinese tiles of most pickers)
use GCJ-02, an obfuscated datum whose coordinates are shifted by a few hundred metres from
WGS84. GPS receivers, EXIF data and international tools use WGS84, and that is what the project
stores. :func:`gcj02_to_wgs84` converts what a Chinese map picker returns; :func:`wgs84_to_gcj02`
converts stored points for display on such a map.

The forward transform is the widely published "eviltransform" formula set (Krasovsky 1940
ellipsoid, ``a = 6378245.0``, ``ee = 0.00669342162296594323``). It is applied only inside the
customary rough bounding box of China (:func:`out_of_china`); elsewhere both datums coincide.
No closed-form inverse exists, so :func:`gcj02_to_wgs84` solves ``wgs + delta(wgs) = gcj`` by
fixed-point iteration: the offset changes by less than 1 % per degree, so each step gains more
than two decimal digits and the result is exact to ~1e-12 degrees after a handful of steps
(the common one-step "approximate inverse" is off by up to a few metres).

:func:`haversine_m` gives great-circle distances on the mean Earth sphere; :func:`bbox` returns
a latitude / longitude box that contains a whole circle, for a cheap indexed SQL prefilter
before the exact distance check. :func:`validate_wgs84` checks user input (messages in
Simplified Chinese) and :func:`in_chongqing` is a soft plausibility check for reports;
:func:`parse_point` reads a point written in one spreadsheet cell ("106.55,29.56").

Baidu's maps use BD-09, a further published transform of GCJ-02; :func:`bd09_to_wgs84` goes back
through GCJ-02. :func:`parse_system` reads the system people name for pasted numbers ("高德",
"百度", "GCJ-02"…) and :func:`to_wgs84` converts from it: the project stores WGS84 only.

Pure module: standard library only, no Django imports.
"""

from __future__ import annotations

import math
from typing import Final

__all__ = [
    "BD09",
    "CHONGQING_BOUNDS",
    "EARTH_RADIUS_M",
    "GCJ02",
    "WGS84",
    "bbox",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "haversine_m",
    "in_chongqing",
    "out_of_china",
    "parse_point",
    "parse_system",
    "split_system",
    "to_wgs84",
    "validate_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M: Final = 6371008.8

#: (min_lat, max_lat, min_lon, max_lon) of Chongqing municipality, WGS84.
CHONGQING_BOUNDS: Final[tuple[float, float, float, float]] = (28.15, 32.21, 105.28, 110.20)

# Krasovsky 1940 ellipsoid, as used by GCJ-02.
_A: Final = 6378245.0
_EE: Final = 0.00669342162296594323

_INVERSE_TOLERANCE: Final = 1e-12  # degrees
_INVERSE_MAX_STEPS: Final = 30


def out_of_china(lat: float, lon: float) -> bool:
    """Whether the point lies outside the rough box where GCJ-02 differs from WGS84."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _delta(lat: float, lon: float) -> tuple[float, float]:
    """GCJ-02 minus WGS84 offset (degrees) at the WGS84 point ``(lat, lon)``."""
    d_lat = _transform_lat(lon - 105.0, lat - 35.0)
    d_lon = _transform_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Convert WGS84 to GCJ-02; identity outside China."""
    if out_of_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _delta(lat, lon)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Convert GCJ-02 to WGS84 (exact inverse of :func:`wgs84_to_gcj02`); identity outside China.

    Solves ``w + delta(w) = g`` by the fixed-point iteration ``w <- g - delta(w)``, which is a
    strong contraction (the offset varies by well under 1 % per degree).
    """
    if out_of_china(lat, lon):
        return lat, lon
    w_lat, w_lon = lat, lon
    for _ in range(_INVERSE_MAX_STEPS):
        d_lat, d_lon = _delta(w_lat, w_lon)
        n_lat, n_lon = lat - d_lat, lon - d_lon
        done = abs(n_lat - w_lat) < _INVERSE_TOLERANCE and abs(n_lon - w_lon) < _INVERSE_TOLERANCE
        w_lat, w_lon = n_lat, n_lon
        if done:
            break
    return w_lat, w_lon


# BD-09 (百度地图): a further rotation and shift of GCJ-02, the published formula pair.
_BD_X_PI: Final = math.pi * 3000.0 / 180.0


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """Convert GCJ-02 to BD-09 (Baidu's datum), the published forward formula."""
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _BD_X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _BD_X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Convert BD-09 to GCJ-02: the published approximate inverse, then refined by fixed-point
    iteration on :func:`gcj02_to_bd09` until it is exact to ~1e-12 degrees."""
    x, y = lon - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    g_lat, g_lon = z * math.sin(theta), z * math.cos(theta)
    for _ in range(_INVERSE_MAX_STEPS):
        b_lat, b_lon = gcj02_to_bd09(g_lat, g_lon)
        d_lat, d_lon = lat - b_lat, lon - b_lon
        g_lat, g_lon = g_lat + d_lat, g_lon + d_lon
        if abs(d_lat) < _INVERSE_TOLERANCE and abs(d_lon) < _INVERSE_TOLERANCE:
            break
    return g_lat, g_lon


def wgs84_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """Convert WGS84 to BD-09 (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))


def bd09_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Convert BD-09 to WGS84 (through GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))


# -- the coordinate system a person says their numbers are in ----------------------------------

WGS84: Final = "wgs84"
GCJ02: Final = "gcj02"
BD09: Final = "bd09"
# What people write for each system in a sheet's 坐标系 column, compared without case, spaces,
# hyphens and underscores.
_SYSTEM_NAMES: Final = {
    WGS84: ("wgs84", "wgs", "gps", "天地图", "cgcs2000", "国家2000"),
    GCJ02: ("gcj02", "gcj", "火星", "火星坐标", "高德", "高德地图", "腾讯", "腾讯地图", "amap"),
    BD09: ("bd09", "bd09ll", "bd", "百度", "百度地图", "baidu"),
}


def parse_system(text: object) -> str:
    """The system named by ``text`` ("WGS84", "GCJ-02", "高德", "百度", …); an empty value is
    WGS84. Raises ``ValueError`` with a message in Simplified Chinese for anything else."""
    key = "".join(str(text or "").split()).lower()
    for part in ("-", "_", "(", ")", "（", "）", "坐标系", "坐标"):
        key = key.replace(part, "")
    if not key:
        return WGS84
    for system, names in _SYSTEM_NAMES.items():
        if key in names:
            return system
    raise ValueError(f"不认识的坐标系“{text}”，应为 WGS84、GCJ-02（高德、腾讯）或 BD-09（百度）。")


def split_system(text: object) -> tuple[str, str | None]:
    """A cell's numbers and the system named after them: "29.5630（高德）" → ("29.5630",
    "gcj02"), "106.55,29.56 BD-09" → ("106.55,29.56", "bd09"). Without a known name after the
    last digit the text comes back whole, with ``None``."""
    body = str(text or "").strip()
    for i in range(len(body) - 1, 0, -1):
        if not (body[i - 1].isdigit() or body[i - 1] == "."):
            continue
        tail = body[i:].strip(" \t,，;；/()（）[]【】")
        if not tail or tail[0].isdigit():
            continue
        try:
            return body[:i], parse_system(tail)
        except ValueError:
            continue
    return body, None


def to_wgs84(lat: float, lon: float, system: str) -> tuple[float, float]:
    """The WGS84 point of ``(lat, lon)`` given in ``system`` (:data:`WGS84`, :data:`GCJ02`,
    :data:`BD09`), as stored. An unknown system is an error, never silently WGS84."""
    if system == WGS84:
        return lat, lon
    if system == GCJ02:
        return gcj02_to_wgs84(lat, lon)
    if system == BD09:
        return bd09_to_wgs84(lat, lon)
    raise ValueError(f"unknown coordinate system {system!r}")


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres on a sphere of radius :data:`EARTH_RADIUS_M`."""
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2.0) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, max(0.0, h))))


# Widening of the box, in degrees (~0.1 mm), so that rounding never excludes a boundary point.
_BBOX_MARGIN: Final = 1e-9


def bbox(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """``(min_lat, max_lat, min_lon, max_lon)`` containing every point within ``radius_m``.

    Meant as an indexable prefilter (``lat BETWEEN ... AND lon BETWEEN ...``) before the exact
    :func:`haversine_m` check. The longitude half-width is the exact extent of a spherical cap,
    ``asin(sin(r) / cos(lat))``, so the box is tight at every latitude. When the circle reaches a
    pole, or its longitude range would cross the antimeridian (±180°), the box spans all
    longitudes (-180, 180) so that it still contains the circle; latitudes are clamped to
    [-90, 90].
    """
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        raise ValueError(f"invalid centre ({lat!r}, {lon!r})")
    if not math.isfinite(radius_m) or radius_m < 0:
        raise ValueError(f"invalid radius {radius_m!r}")
    angle = radius_m / EARTH_RADIUS_M  # angular radius, radians
    d_lat = math.degrees(angle) + _BBOX_MARGIN
    min_lat = max(-90.0, lat - d_lat)
    max_lat = min(90.0, lat + d_lat)
    if angle >= math.pi / 2 or min_lat <= -90.0 or max_lat >= 90.0:
        return min_lat, max_lat, -180.0, 180.0
    # Here |lat| + angle < 90°, hence sin(angle) < cos(lat) and the asin argument is below 1.
    d_lon = math.degrees(math.asin(math.sin(angle) / math.cos(math.radians(lat)))) + _BBOX_MARGIN
    min_lon, max_lon = lon - d_lon, lon + d_lon
    if min_lon < -180.0 or max_lon > 180.0:
        return min_lat, max_lat, -180.0, 180.0
    return min_lat, max_lat, min_lon, max_lon


def _coordinate(value: object, name: str) -> float:
    if value is None or isinstance(value, bool):
        raise ValueError(f"{name}必须是数字。")
    if isinstance(value, str):
        value = value.strip()
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name}必须是数字。") from None
    if not math.isfinite(number):
        raise ValueError(f"{name}必须是有限的数字。")
    return number


def validate_wgs84(lat: object, lon: object) -> tuple[float, float]:
    """Parse and check a WGS84 coordinate pair; numbers or numeric strings are accepted.

    Returns ``(lat, lon)`` as floats. Raises ``ValueError`` with a message in Simplified Chinese
    when a value is missing, not numeric, not finite, or out of range (latitude -90..90,
    longitude -180..180).
    """
    lat_f = _coordinate(lat, "纬度")
    lon_f = _coordinate(lon, "经度")
    if not -90.0 <= lat_f <= 90.0:
        raise ValueError("纬度必须在 -90 到 90 之间。")
    if not -180.0 <= lon_f <= 180.0:
        raise ValueError("经度必须在 -180 到 180 之间。")
    return lat_f, lon_f


def in_chongqing(lat: float, lon: float) -> bool:
    """Whether the WGS84 point lies in the bounding box of Chongqing municipality."""
    min_lat, max_lat, min_lon, max_lon = CHONGQING_BOUNDS
    return min_lat <= lat <= max_lat and min_lon <= lon <= max_lon


# Separators people put between two numbers in one cell: comma, full-width comma, 、, ；,
# semicolon, slash or plain spaces.
_POINT_SEPARATORS: Final = str.maketrans(
    {",": " ", "，": " ", "、": " ", ";": " ", "；": " ", "/": " "}
)


def parse_point(text: str) -> tuple[float, float]:
    """``(lat, lon)`` from one cell holding two numbers, "106.55,29.56" or "29.56, 106.55".

    The usual order in Chinese sheets (经纬度) is longitude first; a pair whose first number
    cannot be a latitude (beyond ±90) or whose second can only be a longitude is read that way
    round, and when both orders are possible, longitude first. Raises ``ValueError`` with a
    message in Simplified Chinese like :func:`validate_wgs84`.
    """
    parts = str(text).translate(_POINT_SEPARATORS).split()
    if len(parts) != 2:
        raise ValueError("坐标应写成“经度,纬度”两个数字，例如 106.5516,29.5630。")
    first = _coordinate(parts[0], "坐标")
    second = _coordinate(parts[1], "坐标")
    if abs(first) <= 90.0 and abs(second) > 90.0:
        return validate_wgs84(first, second)
    return validate_wgs84(second, first)
