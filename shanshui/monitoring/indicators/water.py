"""Water figures of a period: each section's class from the means of its samples, and a
district's shares. See the package docstring for the definitions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from shanshui.monitoring import water
from shanshui.monitoring.indicators.periods import Period, percent
from shanshui.monitoring.models import Station, StationKind, WaterSample


@dataclass(frozen=True)
class SectionStatus:
    """A water section's class for a period (from the means of its samples) and its target."""

    station: Station
    samples: int
    water_class: int | None  # 1..6 (6 = 劣V), None without samples
    main_pollutants: tuple[str, ...]
    target_class: int | None
    latest_on: dt.date | None
    latest_class: int | None

    @property
    def meets_target(self) -> bool | None:
        if self.water_class is None or self.target_class is None:
            return None
        return self.water_class <= self.target_class

    @property
    def class_label(self) -> str:
        return class_label(self.water_class)

    @property
    def latest_label(self) -> str:
        return class_label(self.latest_class)

    @property
    def target_label(self) -> str:
        return class_label(self.target_class)

    @property
    def main_pollutant_names(self) -> list[str]:
        return [water.ITEMS.get(code, code) for code in self.main_pollutants]


#: Class labels in Latin letters: the Roman-numeral character Ⅴ (U+2164) is blank in
#: WenQuanYi Micro Hei, the CJK font named for servers (docs/deployment.md).
CLASS_LABELS: Mapping[int, str] = MappingProxyType(
    {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "劣V"}
)


def class_label(number: int | None) -> str:
    """1..6 → I … V, 劣V; "" for None."""
    if number is None:
        return ""
    return CLASS_LABELS.get(int(number), str(number))


def decimal_or_none(value) -> Decimal | None:
    """A stored item value as a Decimal (None when missing or not a finite number)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _period_class(samples: list[dict], waterbody: str) -> tuple[int | None, tuple[str, ...]]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for values in samples:
        for code, raw in (values or {}).items():
            if code not in water.ITEMS:
                continue
            number = decimal_or_none(raw)
            if number is None:
                continue
            sums[code] += number
            counts[code] += 1
    means = {code: sums[code] / counts[code] for code in sums}
    try:
        result = water.classify_sample(means, waterbody=waterbody or "river")
    except (ValueError, TypeError):
        return None, ()
    if result.water_class is None:
        return None, ()
    return int(result.water_class), result.main_pollutants


def section_statuses(
    period: Period,
    *,
    district_ids: Sequence[int] | None = None,
    stations: Sequence[Station] | None = None,
) -> list[SectionStatus]:
    """The active water sections (of the districts, or all) with their period class (2 queries)."""
    if stations is None:
        qs = Station.objects.filter(kind=StationKind.WATER, is_active=True).select_related(
            "district"
        )
        if district_ids is not None:
            qs = qs.filter(district_id__in=list(district_ids))
        stations = list(qs)
    by_station: dict[int, list] = defaultdict(list)
    if stations:
        samples = WaterSample.objects.filter(
            station_id__in=[s.pk for s in stations],
            sampled_on__gte=period.first_day,
            sampled_on__lte=period.last_day,
        ).order_by("station_id", "sampled_on")
        for row in samples.values_list("station_id", "sampled_on", "values", "water_class"):
            by_station[row[0]].append(row)
    out = []
    for station in stations:
        rows = by_station.get(station.pk, [])
        cls, main = _period_class([r[2] for r in rows], station.waterbody)
        out.append(
            SectionStatus(
                station=station,
                samples=len(rows),
                water_class=cls,
                main_pollutants=main,
                target_class=station.target_class,
                latest_on=rows[-1][1] if rows else None,
                latest_class=rows[-1][3] if rows else None,
            )
        )
    return out


@dataclass(frozen=True)
class WaterFigures:
    sections: int  # active sections
    classified: int  # sections with a class in the period
    good: int  # class I–III
    inferior_v: int  # 劣V
    good_ratio: float | None  # per cent, one decimal
    meeting_target: int  # sections at or better than their target class

    @property
    def has_data(self) -> bool:
        return self.classified > 0


def water_figures(statuses: Iterable[SectionStatus]) -> WaterFigures:
    statuses = list(statuses)
    classified = [s for s in statuses if s.water_class is not None]
    good = sum(1 for s in classified if s.water_class <= water.WaterClass.III)
    return WaterFigures(
        sections=len(statuses),
        classified=len(classified),
        good=good,
        inferior_v=sum(1 for s in classified if s.water_class == water.WaterClass.WORSE_THAN_V),
        good_ratio=percent(good, len(classified)),
        meeting_target=sum(1 for s in classified if s.meets_target),
    )
