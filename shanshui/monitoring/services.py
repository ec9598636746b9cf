"""Business actions of the monitoring app: district targets, CSV imports of hourly air readings
and water samples, the recomputation of daily values, and a draft ledger task for a missed target.

Each action checks the actor's role (the office only: 督察整改办 sets targets, loads data and
turns a miss into a task), writes an audit entry (``orgs.AuditEntry``) and a log line — or, for
the task, the ledger's own creation event. The heavy lifting lives in ``loading/`` (parsing,
validation, bulk upserts) and ``daily.py`` (daily statistics).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shanshui.ledger import services as ledger_services
from shanshui.ledger.models import Campaign, DeadlineKind, Task, UnitRole
from shanshui.monitoring import daily, water
from shanshui.monitoring.indicators.air import AirFigures
from shanshui.monitoring.indicators.periods import Period
from shanshui.monitoring.indicators.targets import AIR_INDICATORS, DECIMALS, Assessment, targets_for
from shanshui.monitoring.indicators.water import SectionStatus, WaterFigures
from shanshui.monitoring.loading.air import load_air_csv
from shanshui.monitoring.loading.results import ImportResult
from shanshui.monitoring.loading.water import load_water_csv
from shanshui.monitoring.models import Indicator, Target
from shanshui.monitoring.selectors import existing_task, lead_unit
from shanshui.orgs.models import Unit
from shanshui.orgs.scope import scope_for
from shanshui.orgs.services import audit

logger = logging.getLogger(__name__)

# Indicators given in per cent: a target outside 0..100 is a typing error.
PERCENT_INDICATORS = frozenset({Indicator.GOOD_DAY_RATIO, Indicator.WATER_GOOD_RATIO})
MIN_YEAR, MAX_YEAR = 2000, 2100


def _require_office(actor, message: str) -> None:
    scope_for(actor).require_office(message)


# --- targets ---------------------------------------------------------------------------------


def clean_target_value(indicator: str, value) -> Decimal:
    """A target's value as stored (two decimals), or ``ValidationError`` keyed ``value``."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"value": _("Enter a number.")}, code="invalid") from exc
    if not number.is_finite():
        raise ValidationError({"value": _("Enter a number.")}, code="invalid")
    if number < 0:
        raise ValidationError({"value": _("A target cannot be negative.")}, code="negative")
    if indicator in PERCENT_INDICATORS and number > 100:
        raise ValidationError({"value": _("A share is at most 100 (per cent).")}, code="over_100")
    if number >= Decimal("1000000"):
        raise ValidationError({"value": _("The number is too large.")}, code="too_large")
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError({"value": _("At most two decimal places.")}, code="decimals")
    return number.quantize(Decimal("0.01"))


@transaction.atomic
def target_set(*, actor, district: Unit, year: int, indicator: str, value) -> Target | None:
    """Set (or, with ``value`` None or "", remove) a district's target for a year.

    Office only (403 otherwise). ``indicator`` is an :class:`Indicator` value; ``value`` a number
    (Decimal, int, float or text) — per cent for the two ratio indicators (0..100), µg/m³ for the
    PM2.5 mean, a count for heavy-pollution days and 劣V sections. Raises ``ValidationError``
    (with Chinese messages, keyed by field) for a bad value. Returns the target, or None when
    it was removed. The row keeps ``updated_at``; every change is also an audit entry.
    """
    _require_office(actor, _("Only the office sets targets."))
    if not isinstance(district, Unit) or not district.is_territorial:
        raise ValidationError(
            {"district": _("Targets are set for districts and counties.")}, code="district"
        )
    try:
        year = int(year)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"year": _("Enter a year.")}, code="year") from exc
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            {
                "year": _("The year must be between %(lo)d and %(hi)d.")
                % {"lo": MIN_YEAR, "hi": MAX_YEAR}
            },
            code="year",
        )
    if indicator not in Indicator.values:
        raise ValidationError({"indicator": _("Unknown indicator.")}, code="indicator")

    existing = (
        Target.objects.select_for_update()
        .filter(district=district, year=year, indicator=indicator)
        .first()
    )
    if value is None or (isinstance(value, str) and not value.strip()):
        if existing is None:
            return None
        old = str(existing.value)
        existing.delete()
        _log_target(actor, district, year, indicator, old, None)
        return None

    number = clean_target_value(indicator, value)
    if existing is not None and existing.value == number:
        return existing  # unchanged: no new audit entry
    old = None if existing is None else str(existing.value)
    target = existing or Target(district=district, year=year, indicator=indicator)
    target.value = number
    target.full_clean()
    target.save()
    _log_target(actor, district, year, indicator, old, str(number), obj=target)
    return target


@dataclass(frozen=True)
class TargetChange:
    """One target of a batch: set to ``value`` (a number or its text), or removed when ``value``
    is None or "". ``district`` None stands for a district that was not found."""

    district: Unit | None
    indicator: str
    value: object


class TargetsRefused(Exception):
    """Changes of a batch were refused, so none was saved. ``errors``: the position of each
    refused change → ``{field: [messages]}`` (field ``value``, ``district``, ``district_id`` …)."""

    def __init__(self, errors: dict[int, dict[str, list[str]]]) -> None:
        super().__init__(errors)
        self.errors = errors


@transaction.atomic
def targets_set(*, actor, year: int, changes: Sequence[TargetChange]) -> int:
    """Set several targets of a year (the targets grid, ``PUT /api/v1/monitoring/targets``), all
    or nothing: each change goes through :func:`target_set`; when any is refused, none is saved
    and :class:`TargetsRefused` names every refusal. Office only (403 otherwise, even for an
    empty batch). Returns the number of changes that changed a stored value."""
    _require_office(actor, _("Only the office sets targets."))
    before = targets_for(year, [c.district.pk for c in changes if c.district is not None])
    errors: dict[int, dict[str, list[str]]] = {}
    changed = 0
    for i, change in enumerate(changes):
        if change.district is None:
            errors[i] = {"district_id": [_("Unknown district.")]}
            continue
        try:
            saved = target_set(
                actor=actor,
                district=change.district,
                year=year,
                indicator=change.indicator,
                value=change.value,
            )
        except ArithmeticError:
            # A number too large for two decimals ("1e400") is refused by decimal.quantize
            # itself.
            errors[i] = {"value": [_("Enter a number.")]}
            continue
        except ValidationError as exc:
            errors[i] = exc.message_dict if hasattr(exc, "error_dict") else {"value": exc.messages}
            continue
        old = before.get((change.district.pk, change.indicator))
        changed += (None if saved is None else saved.value) != old
    if errors:
        raise TargetsRefused(errors)  # leaving the transaction undoes the changes made so far
    return changed


def _log_target(actor, district, year, indicator, old, new, obj=None) -> None:
    audit(
        actor=actor,
        action="monitoring.target_set",
        obj=obj,
        summary=f"{district.display_name} {year} {indicator}: {old} → {new}",
        data={
            "district": district.pk,
            "year": year,
            "indicator": indicator,
            "old": old,
            "new": new,
        },
    )
    logger.info(
        "target set by %s: %s %s %s %s -> %s",
        getattr(actor, "username", actor),
        district.key or district.pk,
        year,
        indicator,
        old,
        new,
    )


# --- imports -------------------------------------------------------------------------------------


def air_csv_import(*, actor, fileobj, dry_run: bool, max_bytes: int | None = None) -> ImportResult:
    """Import hourly air readings from a CSV file (the national platform's hourly layout), all
    or nothing, idempotently; then recompute the daily values of the days it changed. Office
    only. With ``dry_run`` nothing is written; the result says what an import would do."""
    _require_office(actor, _("Only the office imports monitoring data."))
    result = load_air_csv(fileobj, dry_run=dry_run, max_bytes=max_bytes)
    _log_import(actor, result)
    return result


def water_csv_import(
    *, actor, fileobj, dry_run: bool, max_bytes: int | None = None
) -> ImportResult:
    """Import water samples from a CSV file, all or nothing, idempotently; each sample's class is
    computed by GB 3838 (water.classify_sample). Office only."""
    _require_office(actor, _("Only the office imports monitoring data."))
    result = load_water_csv(fileobj, dry_run=dry_run, max_bytes=max_bytes)
    _log_import(actor, result)
    return result


def _log_import(actor, result: ImportResult) -> None:
    summary = (
        f"{result.kind} {result.file_name or '-'}: {result.total_rows} rows, "
        f"{result.inserted} new, {result.updated} changed, {result.unchanged} unchanged, "
        f"{result.error_count} errors"
    )
    if result.written:
        audit(
            actor=actor,
            action=f"monitoring.{result.kind}_import",
            summary=summary,
            data={k: v for k, v in result.to_dict().items() if k != "errors"},
        )
    logger.info(
        "%s import by %s (%s): %s",
        result.kind,
        getattr(actor, "username", actor),
        "dry run" if result.dry_run else ("written" if result.written else "refused"),
        summary,
    )


# --- daily values --------------------------------------------------------------------------------


def recompute_daily(station_ids, days) -> tuple[int, int]:
    """Recompute the daily values of the given stations on the given days (dates), and of their
    districts on those days. Returns (station-days, district-days) written. For commands and
    repairs; imports recompute what they touch by themselves."""
    return daily.recompute(station_ids, days)


def recompute_district_daily(district_ids, days) -> int:
    """Recompute the district rows of the given districts on the given days from the stored
    station rows."""
    day_ns = [daily.day_number(d) for d in days]
    return daily.recompute_districts((int(d), n) for d in district_ids for n in day_ns)


# --- a ledger task from a missed target ---------------------------------------------------------

#: Short codes of the indicators in task numbers ("MON-2026-万州-PM25").
CODE_OF: Mapping[str, str] = MappingProxyType(
    {
        Indicator.GOOD_DAY_RATIO: "GOODDAYS",
        Indicator.PM25_MEAN: "PM25",
        Indicator.HEAVY_DAYS: "HEAVY",
        Indicator.WATER_GOOD_RATIO: "WATERIII",
        Indicator.WATER_INFERIOR_V: "INFERIORV",
    }
)
DEADLINE_DAYS = 90  # when the year's end is too close (or past), the deadline is today + 90 days
MIN_DAYS_TO_YEAR_END = 30


def district_short(unit: Unit) -> str:
    """万州区 → 万州, 石柱县 → 石柱, 两江新区 → 两江; names of two characters stay (忠县)."""
    name = unit.display_name
    if name.endswith("新区") and len(name) > 3:
        return name[:-2]
    if name[-1:] in ("区", "县") and len(name) > 2:
        return name[:-1]
    return name


def miss_code(district: Unit, year: int, indicator: str) -> str:
    """The ledger task number of a district's missed target: one task per miss."""
    return f"MON-{year}-{district_short(district)}-{CODE_OF[indicator]}"


@dataclass(frozen=True)
class TaskProposal:
    """What the confirm form is prefilled with (the office may edit all but the code)."""

    code: str
    title: str
    problem: str
    target: str
    measures: tuple[str, ...]
    category: str  # a ledger category: "air" or "water"
    deadline: dt.date


_TITLES = {
    Indicator.GOOD_DAY_RATIO: "{d}{y}年空气质量优良天数比例未达目标",
    Indicator.PM25_MEAN: "{d}{y}年PM2.5年均浓度未达目标",
    Indicator.HEAVY_DAYS: "{d}{y}年重污染天数超过目标",
    Indicator.WATER_GOOD_RATIO: "{d}{y}年地表水水质优良断面比例未达目标",
    Indicator.WATER_INFERIOR_V: "{d}{y}年劣V类水质断面数超过目标",
}
_AIR_MEASURES = (
    "分析污染成因，明确细颗粒物（PM2.5）、臭氧等主要污染物的来源",
    "加强工业企业、施工扬尘、道路扬尘、机动车和餐饮油烟等污染源管控",
    "落实重污染天气应急响应和错峰生产措施",
    "每月调度空气质量改善进展，确保完成年度目标",
)
_WATER_MEASURES = (
    "排查未达标断面上游入河排污口和污染源，建立问题清单",
    "推进城镇污水管网建设、雨污分流改造和污水处理设施提标",
    "加强农业面源、畜禽养殖和农村生活污水治理",
    "加密断面监测，每月调度水质改善进展",
)


def _number(value: float | Decimal, decimals: int) -> str:
    return f"{Decimal(str(value)):.{decimals}f}"


def task_proposal(
    *,
    district: Unit,
    period: Period,
    assessment: Assessment,
    air: AirFigures | None,
    wat: WaterFigures | None,
    sections: Sequence[SectionStatus] = (),
    today: dt.date,
) -> TaskProposal:
    """The draft ledger task for a missed annual target, with the numbers in its problem text.
    Writes nothing: :func:`missed_target_task_create` puts the confirmed draft on the ledger.

    The texts are Chinese document content (the ledger's language), not interface strings.
    """
    indicator = Indicator(assessment.indicator)
    problem, goal = _problem_and_goal(
        indicator, district.display_name, period, assessment, air, wat, _when(period, air, today)
    )
    if indicator in (Indicator.WATER_GOOD_RATIO, Indicator.WATER_INFERIOR_V):
        problem += _sections_missing(indicator, sections)
    if assessment.provisional:
        problem += "（年度尚未结束，数据为阶段性统计。）"
    year_end = dt.date(period.year, 12, 31)
    deadline = (
        year_end
        if (year_end - today).days >= MIN_DAYS_TO_YEAR_END
        else today + dt.timedelta(days=DEADLINE_DAYS)
    )
    is_air = indicator in AIR_INDICATORS
    return TaskProposal(
        code=miss_code(district, period.year, indicator),
        title=_TITLES[indicator].format(d=district.display_name, y=period.year),
        problem=problem,
        target=goal,
        measures=_AIR_MEASURES if is_air else _WATER_MEASURES,
        category="air" if is_air else "water",
        deadline=deadline,
    )


def _when(period: Period, air: AirFigures | None, today: dt.date) -> str:
    """The time the figures cover: the year, or "1—N月" up to the last day with data while the
    year runs."""
    until = air.last_day if air is not None and air.last_day else None
    if period.is_over(today) or until is None or until >= period.last_day:
        return f"{period.year}年"
    return f"{period.year}年1—{until.month}月（截至{until.month}月{until.day}日）"


def _problem_and_goal(
    indicator: Indicator,
    name: str,
    period: Period,
    assessment: Assessment,
    air: AirFigures | None,
    wat: WaterFigures | None,
    when: str,
) -> tuple[str, str]:
    """The problem as found (the value against the target) and the rectification goal."""
    dec = DECIMALS[indicator]
    value = _number(assessment.value, dec)
    target = _number(assessment.target, dec)
    gap = _number(abs(assessment.gap or 0), dec)
    year = period.year
    if indicator == Indicator.GOOD_DAY_RATIO:
        return (
            f"{when}，{name}空气质量优良天数比例为{value}%（优良天数{air.good_days}天，"
            f"有效监测天数{air.aqi_days}天），目标为不低于{target}%，相差{gap}个百分点。",
            f"{year}年空气质量优良天数比例不低于{target}%。",
        )
    if indicator == Indicator.PM25_MEAN:
        return (
            f"{when}，{name}细颗粒物（PM2.5）平均浓度为{value}微克/立方米，目标为不高于"
            f"{target}微克/立方米，超出{gap}微克/立方米。",
            f"{year}年PM2.5年均浓度不高于{target}微克/立方米。",
        )
    if indicator == Indicator.HEAVY_DAYS:
        return (
            f"{when}，{name}重污染天数为{value}天，目标为不超过{target}天，超出{gap}天。",
            f"{year}年重污染天数不超过{target}天。",
        )
    if indicator == Indicator.WATER_GOOD_RATIO:
        return (
            f"{when}，{name}{wat.classified}个地表水监测断面中水质达到或好于III类的{wat.good}个，"
            f"比例为{value}%，目标为不低于{target}%，相差{gap}个百分点。",
            f"{year}年水质达到或好于III类的断面比例不低于{target}%。",
        )
    return (
        f"{when}，{name}劣V类水质断面{value}个，目标为不超过{target}个。",
        f"{year}年劣V类水质断面不超过{target}个。",
    )


def _sections_missing(indicator: Indicator, sections: Sequence[SectionStatus]) -> str:
    """The sections behind a water miss, with their class and main pollutants ("" if none)."""
    worse = [
        s
        for s in sections
        if s.water_class is not None
        and (
            s.water_class == water.WaterClass.WORSE_THAN_V
            if indicator == Indicator.WATER_INFERIOR_V
            else s.water_class > water.WaterClass.III
        )
    ]
    if not worse:
        return ""
    parts = []
    for s in worse:
        main = "、".join(s.main_pollutant_names)
        parts.append(f"{s.station.name}（{s.class_label}类" + (f"，{main}" if main else "") + "）")
    return "未达标断面：" + "；".join(parts) + "。"


@transaction.atomic
def missed_target_task_create(
    *,
    actor,
    district: Unit,
    proposal: TaskProposal,
    campaign: Campaign,
    title: str,
    problem: str,
    target: str,
    measures: Sequence[str],
    deadline: dt.date,
) -> tuple[Task, bool]:
    """Put the confirmed draft task for a miss on the ledger: created as a draft (``True``) with
    the district implementing and 市生态环境局 leading, or the task already there (``False``).
    Office only. The ledger's ``task_create`` checks the fields and writes the creation event;
    the event's note says the task came from monitoring."""
    _require_office(actor, _("Only the office may do this."))
    units = [ledger_services.UnitAssignment(district, UnitRole.IMPLEMENTING)]
    lead = lead_unit()
    if lead is not None:
        units.insert(0, ledger_services.UnitAssignment(lead, UnitRole.LEAD))
    # Two clicks at once: the lock on the district's row lets one of them create and the other
    # find its task (SQLite serialises writers anyway).
    list(Unit.objects.select_for_update().filter(pk=district.pk).values_list("pk"))
    found = existing_task(proposal.code)
    if found is not None:
        return found, False
    task = ledger_services.task_create(
        actor=actor,
        campaign=campaign,
        code=proposal.code,
        title=title,
        problem=problem,
        target=target,
        measures=measures,
        categories=[proposal.category],
        deadline_kind=DeadlineKind.DATED,
        deadline=deadline,
        units=units,
        note={"source": "monitoring", "miss": proposal.code},
    )
    return task, True
