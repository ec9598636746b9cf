"""A district's (or the city's) row for a period — its figures assessed against its targets —
and ranking rows by an indicator: best first, districts without the figure last, equal figures
sharing a rank (1, 2, 2, 4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from shanshui.monitoring.indicators.air import AirFigures
from shanshui.monitoring.indicators.periods import Period
from shanshui.monitoring.indicators.targets import INDICATOR_ORDER, Assessment, assess
from shanshui.monitoring.indicators.water import WaterFigures
from shanshui.monitoring.models import HIGHER_IS_BETTER, Indicator
from shanshui.orgs.models import Unit


@dataclass
class DistrictRow:
    """One district (or, with ``district`` None, the city) for a period."""

    district: Unit | None
    air_stations: int
    water_sections: int
    air: AirFigures | None
    water: WaterFigures | None
    assessments: dict[str, Assessment] = field(default_factory=dict)
    rank_good: int | None = None
    rank_pm25: int | None = None

    @property
    def name(self) -> str:
        return self.district.display_name if self.district else ""

    @property
    def missed(self) -> list[Assessment]:
        return [a for a in self.assessments.values() if a.missed]

    def value(self, indicator: str) -> float | None:
        return self.assessments[indicator].value

    @property
    def ordered(self) -> list[Assessment]:
        return [self.assessments[i] for i in INDICATOR_ORDER]


def _values(air: AirFigures | None, wat: WaterFigures | None) -> dict[str, float | None]:
    has_air = air is not None and air.has_data
    has_water = wat is not None and wat.has_data
    return {
        Indicator.GOOD_DAY_RATIO: air.good_ratio if has_air else None,
        Indicator.PM25_MEAN: air.pm25_mean if air is not None else None,
        Indicator.HEAVY_DAYS: air.heavy_days if has_air else None,
        Indicator.WATER_GOOD_RATIO: wat.good_ratio if has_water else None,
        Indicator.WATER_INFERIOR_V: wat.inferior_v if has_water else None,
    }


def build_row(
    *,
    district: Unit | None,
    period: Period,
    air: AirFigures | None,
    wat: WaterFigures | None,
    air_stations: int,
    water_sections: int,
    targets: Mapping,
    today: dt.date,
) -> DistrictRow:
    running = not period.is_over(today)
    row = DistrictRow(district, air_stations, water_sections, air, wat)
    for indicator, value in _values(air, wat).items():
        target = targets.get((district.pk, indicator)) if district is not None else None
        provisional = running or (
            indicator == Indicator.PM25_MEAN and air is not None and not air.pm25_valid
        )
        comparable = period.is_year or indicator != Indicator.HEAVY_DAYS
        row.assessments[indicator] = assess(
            indicator, value, target, provisional=provisional, comparable=comparable
        )
    return row


SORTS = ("good", "pm25", "heavy", "water", "name")


def rank(rows: Sequence[DistrictRow], indicator: str) -> dict[int, int]:
    """Competition ranks (1, 2, 2, 4) by an indicator, best first; ``id(row)`` → rank."""
    higher = HIGHER_IS_BETTER[Indicator(indicator)]
    valued = [r for r in rows if r.value(indicator) is not None]
    valued.sort(key=lambda r: -r.value(indicator) if higher else r.value(indicator))
    ranks: dict[int, int] = {}
    previous, position = None, 0
    for i, row in enumerate(valued, start=1):
        if row.value(indicator) != previous:
            position, previous = i, row.value(indicator)
        ranks[id(row)] = position
    return ranks


def sort_rows(rows: list[DistrictRow], sort: str) -> list[DistrictRow]:
    if sort == "name":
        return rows
    indicator = {
        "good": Indicator.GOOD_DAY_RATIO,
        "pm25": Indicator.PM25_MEAN,
        "heavy": Indicator.HEAVY_DAYS,
        "water": Indicator.WATER_GOOD_RATIO,
    }[sort]
    ranks = rank(rows, indicator)
    # Stable: equal ranks (and the unranked, last) keep the districts' own order.
    return sorted(rows, key=lambda r: ranks.get(id(r), len(rows) + 1))
