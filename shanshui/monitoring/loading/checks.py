"""What both passes check about a row beyond parsing: the station register, and the user's
messages for a bad station, time, date or value (the codes of :mod:`.parsing` in words)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shanshui.monitoring.loading.parsing import ValueProblem
from shanshui.monitoring.models import Station, StationKind

StationHit = tuple[int, str, int, str]  # (id, kind, district id, waterbody)


class Stations:
    """Station code → (id, kind, district, waterbody), exact or case-insensitive."""

    def __init__(self) -> None:
        self.by_code: dict[str, StationHit] = {}
        self.by_upper: dict[str, StationHit] = {}
        for code, pk, kind, district, waterbody in Station.objects.values_list(
            "code", "pk", "kind", "district_id", "waterbody"
        ):
            self.by_code[code] = (pk, kind, district, waterbody)
            self.by_upper.setdefault(code.strip().upper(), (pk, kind, district, waterbody))

    def get(self, code: str) -> StationHit | None:
        hit = self.by_code.get(code)
        if hit is None:
            hit = self.by_upper.get(code.strip().upper())
        return hit

    def code_of(self, station_id: int) -> str:
        for code, hit in self.by_code.items():
            if hit[0] == station_id:
                return code
        return str(station_id)


def station_problem(code: str, hit: StationHit | None, want: str) -> str | None:
    """Why a row's station cannot be used (unknown, empty, or the wrong kind), or None."""
    if not code.strip():
        return _("The station code is empty.")
    if hit is None:
        return _("Unknown station code “%(code)s”.") % {"code": code.strip()[:40]}
    if hit[1] != want:
        if want == StationKind.AIR:
            return _("“%(code)s” is a water section, not an air station.") % {"code": code.strip()}
        return _("“%(code)s” is an air station, not a water section.") % {"code": code.strip()}
    return None


def time_message(code: str, text: str) -> str:
    if code == "not_on_hour":
        return _("The time “%(v)s” is not on the hour: hourly data are labelled 01:00 … 24:00.") % {
            "v": text
        }
    if code == "date":
        return _("“%(v)s” is not a valid date.") % {"v": text}
    if code == "year":
        return _("The year of “%(v)s” is out of range.") % {"v": text}
    if code == "no_hour":
        return _("“%(v)s” has no hour: write the time as 2026-01-01 01:00.") % {"v": text}
    if code == "hour":
        return _("The hour “%(v)s” is not valid: use 0 to 24.") % {"v": text}
    return _(
        "The time “%(v)s” cannot be read: write it as 2026-01-01 01:00, 2026/1/1 1:00 or "
        "2026-01-01T01:00:00+08:00."
    ) % {"v": text}


def date_message(code: str, text: str) -> str:
    if code in ("date", "year"):
        return time_message(code, text)
    return _("The date “%(v)s” cannot be read: write it as 2026-01-15 or 2026/1/15.") % {"v": text}


def value_message(problem: ValueProblem) -> str:
    text = problem.text.strip()
    if problem.code == "negative":
        return _("A concentration cannot be negative (“%(v)s”).") % {"v": text}
    if problem.code == "too_large":
        return _("“%(v)s” is implausibly large.") % {"v": text[:40]}
    return _("“%(v)s” is not a number.") % {"v": text[:40]}
