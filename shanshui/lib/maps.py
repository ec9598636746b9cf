"""The one place every Leaflet map takes its tile source from. 地图底图

The source is configured in settings (天地图 with a key in production, any XYZ template
otherwise; see ``SHANSHUI_MAP_TILE_*``); pages pass these values to ``static/js/maps.js`` as
``data-`` attributes of the map element. Without a reachable tile server a map still works:
its points and its picker do not need the tiles.
"""

from __future__ import annotations

from django.conf import settings
from django.templatetags.static import static


def tile_settings() -> dict[str, str]:
    """The tile source: URL template, subdomains, attribution, and the tiles' coordinate system
    (``wgs84`` or ``gcj02``: points are shifted for display on GCJ-02 tiles)."""
    return {
        "tiles": settings.SHANSHUI_MAP_TILE_URL,
        "subdomains": settings.SHANSHUI_MAP_TILE_SUBDOMAINS,
        "attribution": settings.SHANSHUI_MAP_TILE_ATTRIBUTION,
        "crs": settings.SHANSHUI_MAP_TILE_CRS,
    }


def map_data_attrs() -> dict[str, str]:
    """The tile source and the vendored Leaflet files as the map element's ``data-`` attributes
    (``maps.js`` loads Leaflet itself when a map appears in content loaded later)."""
    return {
        **{f"data-{key}": value for key, value in tile_settings().items()},
        "data-leaflet-js": static("vendor/leaflet/leaflet.js"),
        "data-leaflet-css": static("vendor/leaflet/leaflet.css"),
    }
