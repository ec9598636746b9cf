"""Every district against its targets (the overview), and one district in detail: the figures
the pages and ``/api/v1/`` show. A fixed number of queries whatever the number of days or
districts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from shanshui.monitoring import aqi as aqimod
from shanshui.monitoring.indicators.air import (
    AirFigures,
    MonthFigures,
    air_figures,
    calendar_days,
    city_air_figures,
    district_rows,
    figures_from_rows,
    monthly_figures,
    station_figures,
)
from shanshui.monitoring.indicators.periods import Period
from shanshui.monitoring.indicators.ranking import SORTS, DistrictRow, build_row, rank, sort_rows
from shanshui.monitoring.indicators.targets import targets_for
from shanshui.monitoring.indicators.water import SectionStatus, section_statuses, water_figures
from shanshui.monitoring.models import Indicator, Station, StationKind
from shanshui.orgs.models import Unit


@dataclass
class Overview:
    period: Period
    rows: list[DistrictRow]
    city: DistrictRow
    sort: str
    today: dt.date

    @property
    def provisional_limits(self) -> bool:
        return self.period.provisional_limits

    @property
    def standards(self) -> tuple[str, ...]:
        return self.period.standards

    @property
    def provisional_aqi(self) -> bool:
        return aqimod.STANDARD_2026 in self.standards

    @property
    def in_progress(self) -> bool:
        return not self.period.is_over(self.today)

    @property
    def data_until(self) -> dt.date | None:
        return self.city.air.last_day if self.city.air else None


def _station_counts(district_ids: Sequence[int] | None = None) -> dict[int, dict[str, int]]:
    qs = Station.objects.filter(is_active=True)
    if district_ids is not None:
        qs = qs.filter(district_id__in=list(district_ids))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"air": 0, "water": 0})
    for district_id, kind, n in (
        qs.values_list("district_id", "kind").annotate(n=Count("pk")).order_by()
    ):
        counts[district_id][kind] = n
    return counts


def overview(period: Period, *, sort: str = "good", today: dt.date | None = None) -> Overview:
    """Every district with active stations or sections, against its targets, and the city."""
    today = today or timezone.localdate()
    if sort not in SORTS:
        sort = "good"
    counts = _station_counts()
    districts = list(Unit.objects.filter(pk__in=list(counts)).order_by("sort_order", "path"))
    ids = [d.pk for d in districts]
    air = air_figures(period, ids)
    statuses = section_statuses(period)
    by_district: dict[int, list[SectionStatus]] = defaultdict(list)
    for status in statuses:
        by_district[status.station.district_id].append(status)
    targets = targets_for(period.year, ids)
    rows = []
    for d in districts:
        n_air, n_water = counts[d.pk]["air"], counts[d.pk]["water"]
        rows.append(
            build_row(
                district=d,
                period=period,
                air=air[d.pk] if n_air or air[d.pk].has_data else None,
                wat=water_figures(by_district[d.pk]) if n_water else None,
                air_stations=n_air,
                water_sections=n_water,
                targets=targets,
                today=today,
            )
        )
    good, pm25 = rank(rows, Indicator.GOOD_DAY_RATIO), rank(rows, Indicator.PM25_MEAN)
    for row in rows:
        row.rank_good, row.rank_pm25 = good.get(id(row)), pm25.get(id(row))
    city = build_row(
        district=None,
        period=period,
        air=city_air_figures(period),
        wat=water_figures(statuses),
        air_stations=sum(c["air"] for c in counts.values()),
        water_sections=len(statuses),
        targets={},
        today=today,
    )
    return Overview(period=period, rows=sort_rows(rows, sort), city=city, sort=sort, today=today)


# --- one district ---------------------------------------------------------------------------------


@dataclass
class StationFigures:
    station: Station
    air: AirFigures


@dataclass
class DistrictDetail:
    period: Period
    row: DistrictRow
    months: list[MonthFigures]
    calendar: list[tuple]
    stations: list[StationFigures]
    sections: list[SectionStatus]
    targets: dict[str, Decimal]
    today: dt.date

    @property
    def provisional_aqi(self) -> bool:
        return aqimod.STANDARD_2026 in self.period.standards


def district_detail(
    district: Unit, period: Period, *, today: dt.date | None = None
) -> DistrictDetail:
    """A district's indicators against its targets, its year month by month, its AQI calendar,
    its air stations' figures and its water sections' classes."""
    today = today or timezone.localdate()
    year = Period(period.year)
    year_rows = district_rows(year, [district.pk])
    in_period = [r for r in year_rows if period.first_day <= r[1] <= period.last_day]
    air = figures_from_rows([district.pk], in_period, period)[district.pk]
    stations = list(
        Station.objects.filter(district=district, is_active=True).order_by("kind", "code")
    )
    air_stations = [s for s in stations if s.kind == StationKind.AIR]
    sections = [s for s in stations if s.kind == StationKind.WATER]
    statuses = section_statuses(period, stations=sections)
    targets = targets_for(period.year, [district.pk])
    row = build_row(
        district=district,
        period=period,
        air=air if air_stations or air.has_data else None,
        wat=water_figures(statuses) if sections else None,
        air_stations=len(air_stations),
        water_sections=len(sections),
        targets=targets,
        today=today,
    )
    per_station = station_figures(period, [s.pk for s in air_stations])
    return DistrictDetail(
        period=period,
        row=row,
        months=monthly_figures(year_rows, period.year, district.pk),
        calendar=calendar_days(year=period.year, district=district),
        stations=[StationFigures(s, per_station[s.pk]) for s in air_stations],
        sections=statuses,
        targets={i: v for (_, i), v in targets.items()},
        today=today,
    )
