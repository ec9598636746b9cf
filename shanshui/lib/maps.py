"""The one place every Leaflet map takes its base map from. 地图底图

Three cases, from the settings (``SHANSHUI_TIANDITU_KEY``, ``SHANSHUI_MAP_*``):

- an explicit ``SHANSHUI_MAP_TILE_URL``: that XYZ template, with its own attribution and
  coordinate system (``SHANSHUI_MAP_TILE_CRS``);
- a 天地图 key: 天地图's vector tiles (``vec_w``) with their place names (``cva_w``) drawn on top,
  credited "© 天地图 审图号：…" (the review number of the published map, a setting);
- neither: no tile at all. The maps draw the shipped outline of Chongqing's districts and
  counties (``static/geo/chongqing-districts.geojson``, built by ``lib/outline.py``), on which
  the point picker, the markers and the clusters work as on tiles. Nothing is requested from a
  server outside the site, which is what a government network without internet needs.

Pages pass these values to ``static/js/maps.js`` as ``data-`` attributes of the map element.
"""

from __future__ import annotations

from django.conf import settings
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanshui.lib import geo

# 天地图's WMTS in Web Mercator ("_w"), eight hosts t0–t7.
TIANDITU_WMTS = (
    "https://t{s}.tianditu.gov.cn/%(layer)s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=%(layer)s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
    "&TILECOL={x}&tk=%(key)s"
)
TIANDITU_SUBDOMAINS = "01234567"
OUTLINE_FILE = "geo/chongqing-districts.geojson"


def tile_settings() -> dict[str, str]:
    """The base map: tile and annotation URL templates (empty for the outline), subdomains,
    attribution, the tiles' coordinate system (``wgs84`` or ``gcj02``: points are shifted for
    display on GCJ-02 tiles) and, without tiles, the outline's URL and its note."""
    url = settings.SHANSHUI_MAP_TILE_URL
    key = settings.SHANSHUI_TIANDITU_KEY
    if url:
        return {
            "tiles": url,
            "labels": "",
            "subdomains": settings.SHANSHUI_MAP_TILE_SUBDOMAINS or "abc",
            "attribution": settings.SHANSHUI_MAP_TILE_ATTRIBUTION,
            "crs": settings.SHANSHUI_MAP_TILE_CRS,
        }
    if key:
        review = settings.SHANSHUI_MAP_REVIEW_NUMBER
        credit = settings.SHANSHUI_MAP_TILE_ATTRIBUTION or "© 天地图"
        return {
            "tiles": TIANDITU_WMTS % {"layer": "vec", "key": key},
            "labels": TIANDITU_WMTS % {"layer": "cva", "key": key},
            "subdomains": TIANDITU_SUBDOMAINS,
            "attribution": f"{credit} 审图号：{review}" if review else credit,
            "crs": "wgs84",
        }
    return {
        "tiles": "",
        "labels": "",
        "subdomains": "",
        "attribution": _("District outline: simplified, for orientation only"),
        "crs": "wgs84",
        "outline": static(OUTLINE_FILE),
        "outline-note": _("两江新区 drawn as the former 江北区 and 渝北区 (approximate)"),
    }


def coord_system_choices() -> list[tuple[str, str]]:
    """The systems a person may say typed or pasted coordinates are in; converted to WGS84
    (``geo.to_wgs84``) before they are stored. Open311 stays WGS84, as its specification says."""
    return [
        (geo.WGS84, gettext_lazy("WGS84 (GPS, 天地图)")),
        (geo.GCJ02, gettext_lazy("GCJ-02 (copied from 高德 or 腾讯 maps)")),
        (geo.BD09, gettext_lazy("BD-09 (copied from 百度 maps)")),
    ]


def map_data_attrs() -> dict[str, str]:
    """The base map and the vendored Leaflet files as the map element's ``data-`` attributes
    (``maps.js`` loads Leaflet itself when a map appears in content loaded later)."""
    return {
        **{f"data-{key}": value for key, value in tile_settings().items()},
        "data-leaflet-js": static("vendor/leaflet/leaflet.js"),
        "data-leaflet-css": static("vendor/leaflet/leaflet.css"),
    }
