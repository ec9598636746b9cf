"""/api/v1/ endpoints of the monitoring app: district indicators against their targets, daily AQI
of a district or a station, and the targets themselves (read by every user, written by the
office). The data helper's endpoints (uploads, stations) live in ``api_data.py``.

The figures are those of :mod:`shanshui.monitoring.indicators` (definitions there)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError

from shanshui.monitoring import aqi, services
from shanshui.monitoring.indicators import districts as district_figures
from shanshui.monitoring.indicators.air import AirFigures
from shanshui.monitoring.indicators.periods import Period
from shanshui.monitoring.indicators.ranking import DistrictRow
from shanshui.monitoring.indicators.targets import INDICATOR_ORDER, Assessment
from shanshui.monitoring.indicators.water import WaterFigures
from shanshui.monitoring.models import (
    HIGHER_IS_BETTER,
    AirDaily,
    Indicator,
    Station,
    StationKind,
    Target,
)
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit
from shanshui.orgs.scope import scope_for

router = Router(tags=["monitoring"])

Id = Path(..., ge=1, le=2**31 - 1)
MAX_DAYS = 3 * 366  # one request returns at most about three years of daily rows
MAX_TARGETS = 2000
LIMITS_2012 = "GB3095-2012 class II"


# --- schemas ------------------------------------------------------------------------------------


class AssessmentOut(Schema):
    value: float | None
    target: float | None
    status: str = Field(..., description="met, missed, no_target, no_data or not_assessed")
    gap: float | None = Field(..., description="value − target")
    higher_is_better: bool
    provisional: bool = Field(
        ..., description="The period is still running or the statistic is not valid yet."
    )


class AirOut(Schema):
    days_with_data: int
    last_day: dt.date | None
    aqi_days: int = Field(..., description="Complete days (the good-day ratio's denominator).")
    good_days: int
    heavy_days: int
    level_days: list[int] = Field(..., description="Complete days per AQI level 1..6.")
    good_ratio: float | None = Field(..., description="Per cent, one decimal.")
    pm25_mean: float | None = Field(..., description="µg/m³.")
    pm25_valid: bool = Field(..., description="Valid per GB 3095-2012 Table 4.")
    pm25_days: int


class WaterOut(Schema):
    sections: int
    classified: int
    good: int = Field(..., description="Sections of class I–III.")
    inferior_v: int = Field(..., description="Sections worse than class V (劣V).")
    good_ratio: float | None = Field(..., description="Per cent, one decimal.")
    meeting_target: int


class DistrictIndicatorsOut(Schema):
    district_id: int | None = Field(..., description="None for the city.")
    name: str
    air_stations: int
    water_sections: int
    rank_good: int | None
    rank_pm25: int | None
    indicators: dict[str, AssessmentOut]
    air: AirOut | None
    water: WaterOut | None


class IndicatorsOut(Schema):
    period: str
    year: int
    month: int | None
    first_day: dt.date
    last_day: dt.date
    in_progress: bool
    aqi_standards: list[str]
    provisional_aqi: bool = Field(..., description="HJ 633-2026 (provisional profile) applies.")
    limits: str
    provisional_limits: bool = Field(
        ..., description="GB 3095-2012 limits stand in for GB 3095-2026 (periods from 2026-03)."
    )
    city: DistrictIndicatorsOut
    districts: list[DistrictIndicatorsOut]


class DailyOut(Schema):
    day: dt.date
    aqi: int | None
    level: int | None
    category: str
    primary: str
    so2: float | None
    no2: float | None
    pm10: float | None
    pm25: float | None
    co: float | None
    o3_1h_max: float | None
    o3_8h_max: float | None
    complete: bool
    standard: str


class DailyListOut(Schema):
    district_id: int
    station_id: int | None
    date_from: dt.date = Field(..., alias="from")
    date_to: dt.date = Field(..., alias="to")
    days: list[DailyOut]


class DistrictTargetOut(Schema):
    district_id: int
    district: str
    year: int
    indicator: str
    value: float
    higher_is_better: bool
    updated_at: dt.datetime


class TargetIn(Schema):
    district_id: int = Field(..., ge=1, le=2**31 - 1)
    indicator: Indicator
    value: Decimal | None = Field(..., description="None removes the target.")


class TargetsIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    targets: list[TargetIn] = Field(..., max_length=MAX_TARGETS)


class TargetsOut(Schema):
    year: int
    changed: int
    targets: list[DistrictTargetOut]


# --- helpers ------------------------------------------------------------------------------------


def _assessment(a: Assessment) -> dict:
    return {
        "value": a.value,
        "target": None if a.target is None else float(a.target),
        "status": a.status,
        "gap": a.gap,
        "higher_is_better": a.higher_is_better,
        "provisional": a.provisional,
    }


def _air(air: AirFigures | None) -> dict | None:
    if air is None:
        return None
    return {
        "days_with_data": air.days_with_data,
        "last_day": air.last_day,
        "aqi_days": air.aqi_days,
        "good_days": air.good_days,
        "heavy_days": air.heavy_days,
        "level_days": list(air.level_days),
        "good_ratio": air.good_ratio,
        "pm25_mean": air.pm25_mean,
        "pm25_valid": air.pm25_valid,
        "pm25_days": air.pm25_days,
    }


def _water(w: WaterFigures | None) -> dict | None:
    if w is None:
        return None
    return {
        "sections": w.sections,
        "classified": w.classified,
        "good": w.good,
        "inferior_v": w.inferior_v,
        "good_ratio": w.good_ratio,
        "meeting_target": w.meeting_target,
    }


def _row(row: DistrictRow) -> dict:
    return {
        "district_id": row.district.pk if row.district else None,
        "name": row.name or _("Whole city"),
        "air_stations": row.air_stations,
        "water_sections": row.water_sections,
        "rank_good": row.rank_good,
        "rank_pm25": row.rank_pm25,
        "indicators": {i.value: _assessment(row.assessments[i]) for i in INDICATOR_ORDER},
        "air": _air(row.air),
        "water": _water(row.water),
    }


def _period(year: int | None, month: int | None) -> Period:
    return Period(year or timezone.localdate().year, month)


def _range(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date]:
    date_to = date_to or timezone.localdate()
    date_from = date_from or dt.date(date_to.year, 1, 1)
    if date_from > date_to:
        raise HttpError(422, _("“from” must not be after “to”."))
    if (date_to - date_from).days >= MAX_DAYS:
        raise HttpError(422, _("Ask for at most %(n)d days at a time.") % {"n": MAX_DAYS})
    return date_from, date_to


def _daily(qs) -> list[dict]:
    out = []
    for row in qs.order_by("day"):
        level = aqi.AQI_LEVELS[row.level - 1] if row.level else None
        out.append(
            {
                "day": row.day,
                "aqi": row.aqi,
                "level": row.level,
                "category": level.category if level else "",
                "primary": row.primary,
                "so2": row.so2,
                "no2": row.no2,
                "pm10": row.pm10,
                "pm25": row.pm25,
                "co": row.co,
                "o3_1h_max": row.o3_1h_max,
                "o3_8h_max": row.o3_8h_max,
                "complete": row.complete,
                "standard": row.standard,
            }
        )
    return out


def _targets(year: int, district_id: int | None = None) -> list[dict]:
    qs = Target.objects.filter(year=year).select_related("district")
    if district_id is not None:
        qs = qs.filter(district_id=district_id)
    order = {i: n for n, i in enumerate(INDICATOR_ORDER)}
    rows = sorted(qs, key=lambda t: (t.district.sort_order, t.district.path, order[t.indicator]))
    return [
        {
            "district_id": t.district_id,
            "district": t.district.display_name,
            "year": t.year,
            "indicator": t.indicator,
            "value": float(t.value),
            "higher_is_better": HIGHER_IS_BETTER[Indicator(t.indicator)],
            "updated_at": t.updated_at,
        }
        for t in rows
    ]


# --- endpoints ----------------------------------------------------------------------------------


@router.get(
    "/monitoring/indicators",
    response=IndicatorsOut,
    summary="Every district's indicators against its targets, and the city's",
)
def get_indicators(
    request,
    year: int | None = Query(None, ge=2000, le=2100),
    month: int | None = Query(None, ge=1, le=12),
    sort: str = Query("good", pattern="^(good|pm25|heavy|water|name)$"),
):
    period = _period(year, month)
    data = district_figures.overview(period, sort=sort, today=timezone.localdate())
    return {
        "period": period.key,
        "year": period.year,
        "month": period.month,
        "first_day": period.first_day,
        "last_day": period.last_day,
        "in_progress": data.in_progress,
        "aqi_standards": list(period.standards),
        "provisional_aqi": data.provisional_aqi,
        "limits": LIMITS_2012 + (" (provisional)" if period.provisional_limits else ""),
        "provisional_limits": period.provisional_limits,
        "city": _row(data.city),
        "districts": [_row(r) for r in data.rows],
    }


@router.get(
    "/monitoring/districts/{district_id}/daily",
    response=DailyListOut,
    by_alias=True,
    summary="A district's daily values and AQI",
)
def district_daily(
    request,
    district_id: int = Id,
    date_from: dt.date | None = Query(None, alias="from"),
    date_to: dt.date | None = Query(None, alias="to"),
):
    unit = get_object_or_404(Unit, pk=district_id, kind__in=TERRITORIAL_KINDS)
    first, last = _range(date_from, date_to)
    qs = AirDaily.objects.filter(district=unit, station=None, day__gte=first, day__lte=last)
    return {
        "district_id": unit.pk,
        "station_id": None,
        "from": first,
        "to": last,
        "days": _daily(qs),
    }


@router.get(
    "/monitoring/stations/{station_id}/daily",
    response=DailyListOut,
    by_alias=True,
    summary="An air station's daily values and AQI",
)
def station_daily(
    request,
    station_id: int = Id,
    date_from: dt.date | None = Query(None, alias="from"),
    date_to: dt.date | None = Query(None, alias="to"),
):
    station = get_object_or_404(Station, pk=station_id)
    if station.kind != StationKind.AIR:
        raise Http404
    first, last = _range(date_from, date_to)
    qs = AirDaily.objects.filter(station=station, day__gte=first, day__lte=last)
    return {
        "district_id": station.district_id,
        "station_id": station.pk,
        "from": first,
        "to": last,
        "days": _daily(qs),
    }


@router.get(
    "/monitoring/targets", response=list[DistrictTargetOut], summary="The targets of a year"
)
def list_targets(
    request,
    year: int | None = Query(None, ge=2000, le=2100),
    district: int | None = Query(None, ge=1, le=2**31 - 1),
):
    return _targets(year or timezone.localdate().year, district)


@router.put(
    "/monitoring/targets",
    response=TargetsOut,
    summary="Set targets of a year (office; all or nothing; a null value removes one)",
)
def put_targets(request, payload: TargetsIn):
    if not scope_for(request.user).sees_all:
        raise PermissionDenied(_("Only the office sets targets."))
    units = {u.pk: u for u in Unit.objects.filter(pk__in={t.district_id for t in payload.targets})}
    changes = [
        services.TargetChange(
            district=units.get(item.district_id),  # None: refused as an unknown district
            indicator=item.indicator.value,
            value=None if item.value is None else str(item.value),
        )
        for item in payload.targets
    ]
    try:
        changed = services.targets_set(actor=request.user, year=payload.year, changes=changes)
    except services.TargetsRefused as exc:
        raise ValidationError(
            {
                f"targets[{i}].{key}": messages
                for i, found in exc.errors.items()
                for key, messages in found.items()
            }
        ) from None
    return {"year": payload.year, "changed": changed, "targets": _targets(payload.year)}
