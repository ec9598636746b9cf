"""What an evidence photo's own metadata says about it, against the task it is filed for.

Field staff prove time and place with watermark cameras; a photo's EXIF capture time and GPS
position (read at upload, :mod:`shanshui.lib.imagemeta`) give the same proof. A photo taken
before the task was assigned cannot show the rectification, and one taken far from the task's
site may show another place: both are flagged for the reviewer, never refused (clocks and GPS
fixes are sometimes wrong, and a photo of the problem before work began is useful too).

Pure module: no Django; the view passes plain values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from shanshui.lib.geo import haversine_m

#: A photo taken farther than this from the task's site is flagged.
FAR_FROM_SITE_M: Final = 1000.0


@dataclass(frozen=True)
class PhotoFacts:
    """A photo's capture time and place and what is noteworthy about them."""

    taken_at: dt.datetime | None
    lat: float | None
    lon: float | None
    #: Metres from the task's site; None without both a site and a photo position.
    distance_m: float | None = None
    #: Taken before the task was assigned (its capture time precedes ``assigned_at``).
    before_assignment: bool = False
    #: Taken farther than the threshold from the task's site.
    far_from_site: bool = False
    #: The distance beyond which a photo is flagged, metres.
    threshold_m: float = FAR_FROM_SITE_M

    @property
    def has_time(self) -> bool:
        return self.taken_at is not None

    @property
    def has_place(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def distance_km(self) -> float | None:
        return None if self.distance_m is None else self.distance_m / 1000.0

    @property
    def threshold_km(self) -> float:
        return self.threshold_m / 1000.0

    @property
    def flagged(self) -> bool:
        return self.before_assignment or self.far_from_site


def photo_facts(
    *,
    taken_at: dt.datetime | None,
    taken_lat: float | None,
    taken_lon: float | None,
    assigned_at: dt.datetime | None,
    site_lat: float | None,
    site_lon: float | None,
    far_m: float = FAR_FROM_SITE_M,
) -> PhotoFacts:
    """The photo's facts and flags. Times are aware datetimes; points WGS84 degrees.

    No flag without the facts to judge by: a photo without a capture time is never "before
    assignment", a draft task (not assigned) flags nothing by time, and a task without a site
    or a photo without a position gets no distance and no distance flag.
    """
    before = taken_at is not None and assigned_at is not None and taken_at < assigned_at
    distance = None
    if None not in (taken_lat, taken_lon, site_lat, site_lon):
        distance = haversine_m(taken_lat, taken_lon, site_lat, site_lon)  # type: ignore[arg-type]
    return PhotoFacts(
        taken_at=taken_at,
        lat=taken_lat,
        lon=taken_lon,
        distance_m=distance,
        before_assignment=before,
        far_from_site=distance is not None and distance > far_m,
        threshold_m=far_m,
    )
