"""Targets and trajectories (双碳目标): the office sets the city's and each district's targets
per plan period; progress is computed against the inventory (projection.py states the method);
a district behind its target becomes a ledger task in one step, as a flagged two-high project
does (projects.py).

Reads are scoped like the inventory: the office and departments see the city and every
district, a district its own targets only (404 on another's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shanshui.carbon import inventory, projection, services
from shanshui.carbon.models import (
    CarbonTarget,
    DistrictEconomy,
    FactorChange,
    InventoryCell,
    TargetKind,
)
from shanshui.carbon.selectors import districts_for, sees_city
from shanshui.ledger import services as ledger_services
from shanshui.ledger.models import Campaign
from shanshui.orgs.models import Unit
from shanshui.orgs.scope import scope_for

HORIZON_AFTER = 10  # the projection runs to the period's end + this many years
KIND_TEXT = {  # the ledger's language
    TargetKind.CARBON_INTENSITY: "碳排放强度下降",
    TargetKind.ENERGY_INTENSITY: "能耗强度下降",
    TargetKind.ENERGY_CAP: "能源消费总量控制",
    TargetKind.PEAK_YEAR: "碳达峰",
}

# --- scoped reads -----------------------------------------------------------------------------


def visible_targets(user) -> QuerySet[CarbonTarget]:
    qs = CarbonTarget.objects.select_related("district", "task")
    if sees_city(user):
        return qs
    return qs.filter(district__in=districts_for(user))


def target_for(user, pk: int) -> CarbonTarget:
    try:
        return visible_targets(user).get(pk=pk)
    except CarbonTarget.DoesNotExist as exc:
        raise Http404 from exc


@dataclass
class Series:
    co2: dict[int, float]
    energy: dict[int, float]
    gdp: dict[
        int, float
    ]  # 10,000 yuan at comparable prices; a year only when every district has it


def series(district: Unit | None) -> Series:
    """Total CO2, energy and comparable GDP by year of one district, or the city (the sum of
    the districts with data)."""
    cells = InventoryCell.objects.all()
    economy = DistrictEconomy.objects.all()
    if district is not None:
        cells = cells.filter(district=district)
        economy = economy.filter(district=district)
    co2, energy, members = {}, {}, {}
    for r in (
        cells.values("year", "district")
        .annotate(d=Sum("direct_co2_t"), i=Sum("indirect_co2_t"), e=Sum("energy_tce"))
        .order_by()
    ):
        co2[r["year"]] = co2.get(r["year"], 0.0) + r["d"] + r["i"]
        energy[r["year"]] = energy.get(r["year"], 0.0) + r["e"]
        members.setdefault(r["year"], set()).add(r["district"])
    gdp, counted = {}, {}
    for e in economy.filter(year__in=list(co2)):
        if e.district_id not in members[e.year]:
            continue
        value = inventory.comparable_gdp_10k_yuan(
            float(e.gdp_100m_yuan) if e.gdp_100m_yuan is not None else None,
            float(e.deflator) if e.deflator else None,
        )
        if value is not None:
            gdp[e.year] = gdp.get(e.year, 0.0) + value
            counted[e.year] = counted.get(e.year, 0) + 1
    gdp = {y: v for y, v in gdp.items() if counted[y] == len(members[y])}
    return Series(co2, energy, gdp)


@dataclass
class TargetRow:
    target: CarbonTarget
    progress: projection.Progress
    gauge: float | None  # 0–100 % of the target achieved (intensity), of the cap used …


@dataclass
class Trajectory:
    district: Unit | None
    rows: list[TargetRow]
    co2_path: dict[int, float]
    last_observed: int | None
    peak_year: int | None
    intensity: dict[int, float]
    intensity_path: dict[int, float]

    @property
    def behind(self) -> bool:
        return any(r.progress.status == projection.BEHIND for r in self.rows)

    def chart(self) -> dict:
        years = sorted(set(self.co2_path) | set(self.intensity))
        return {
            "years": years,
            "observed": [
                round(self.co2_path[y]) if y in self.co2_path and y <= self.last_observed else None
                for y in years
            ],
            "projected": [
                round(self.co2_path[y]) if y in self.co2_path and y >= self.last_observed else None
                for y in years
            ],
            "peak": self.peak_year,
        }


def _progress(t: CarbonTarget, s: Series, co2_path, peak, last) -> TargetRow:
    value = float(t.value)
    horizon = t.period_end + HORIZON_AFTER
    if t.kind in (TargetKind.CARBON_INTENSITY, TargetKind.ENERGY_INTENSITY):
        totals = s.co2 if t.kind == TargetKind.CARBON_INTENSITY else s.energy
        p = projection.intensity_progress(
            projection.intensity_path(totals, s.gdp), t.base_year, t.period_end, value
        )
        gauge = p.achieved / value * 100 if p.achieved is not None and value else None
    elif t.kind == TargetKind.ENERGY_CAP:
        p = projection.cap_progress(
            s.energy, projection.project(s.energy, horizon), t.period_end, value
        )
        gauge = p.achieved / value * 100 if p.achieved is not None and value else None
    else:
        p = projection.peak_progress(peak, last, int(value))
        gauge = None
    return TargetRow(t, p, gauge)


def trajectory(district: Unit | None, targets: list[CarbonTarget]) -> Trajectory:
    s = series(district)
    horizon = max([t.period_end for t in targets] + [max(s.co2, default=0)]) + HORIZON_AFTER
    co2_path = projection.project(s.co2, horizon)
    last = max(s.co2) if s.co2 else None
    peak = projection.peak_year(co2_path, last) if last is not None else None
    gdp_path = projection.project_linear(s.gdp, horizon)
    rows = [_progress(t, s, co2_path, peak, last) for t in targets]
    return Trajectory(
        district,
        rows,
        co2_path,
        last,
        peak,
        projection.intensity_path(s.co2, s.gdp),
        projection.intensity_path(co2_path, gdp_path),
    )


def trajectories(user) -> list[Trajectory]:
    """The city first (for those who see it), then each district with targets."""
    by_scope: dict[int | None, list[CarbonTarget]] = {}
    for t in visible_targets(user).order_by("district__path", "period_start", "kind"):
        by_scope.setdefault(t.district_id, []).append(t)
    out = []
    for _key, targets in sorted(by_scope.items(), key=lambda kv: kv[0] is not None):
        out.append(trajectory(targets[0].district, targets))
    return out


# --- writes (the office) ----------------------------------------------------------------------


def require_office(actor) -> None:
    scope_for(actor).require_office(_("Only the office sets carbon targets."))


def _check(t: CarbonTarget) -> None:
    errors = {}
    if t.period_end < t.period_start:
        errors["period_end"] = _("The plan period cannot end before it starts.")
    if not t.base_year < t.period_start:
        errors["base_year"] = _("The base year must come before the plan period.")
    if t.kind in (TargetKind.CARBON_INTENSITY, TargetKind.ENERGY_INTENSITY) and not (
        0 < t.value < 100
    ):
        errors["value"] = _("A reduction is a percentage between 0 and 100.")
    if t.kind == TargetKind.ENERGY_CAP and t.value <= 0:
        errors["value"] = _("The cap must be more than zero.")
    if t.kind == TargetKind.PEAK_YEAR and (t.value != int(t.value) or not 2000 <= t.value <= 2100):
        errors["value"] = _("Give the peak year as a year, e.g. 2030.")
    duplicate = CarbonTarget.objects.filter(
        district=t.district, period_start=t.period_start, kind=t.kind
    ).exclude(pk=t.pk)
    if duplicate.exists():
        errors["kind"] = _("This target is already set for the period; change it instead.")
    if errors:
        raise ValidationError(errors)


FIELDS = ("district", "period_start", "period_end", "base_year", "kind", "value", "note")


def _text(value) -> str:
    if value is None:
        return "全市"
    if isinstance(value, Unit):
        return value.display_name
    return str(value)


@transaction.atomic
def target_save(*, actor, target: CarbonTarget | None = None, reason: str = "", **fields):
    """Add a target or change one; each changed field is kept as a FactorChange (the carbon
    app's history of the office's edits)."""
    require_office(actor)
    is_new = target is None
    t = CarbonTarget() if is_new else CarbonTarget.objects.select_for_update().get(pk=target.pk)
    if "value" in fields and fields["value"] is not None:
        fields["value"] = Decimal(fields["value"]).quantize(Decimal("0.01"))
    old = {name: getattr(t, name, None) if not is_new else None for name in FIELDS}
    for name, value in fields.items():
        setattr(t, name, value)
    _check(t)
    changed = [n for n in FIELDS if n in fields and (is_new or old[n] != fields[n])]
    if not changed:
        return t
    t.updated_at = timezone.now()
    t.save()
    subject = f"{_('Target')} · {t}"[:160]
    FactorChange.objects.bulk_create(
        [
            FactorChange(
                subject=subject,
                field=n,
                old="" if is_new else _text(old[n])[:60],
                new=_text(getattr(t, n))[:60],
                reason=reason,
                actor=actor,
                carbon_target=t,
            )
            for n in (["value"] if is_new else changed)
        ]
    )
    return t


def default_deadline(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) + dt.timedelta(days=90)


def task_text(row: TargetRow, peak: int | None) -> tuple[str, str, list[str]]:
    """Problem, target and measures (Chinese document content, the ledger's language)."""
    t, p = row.target, row.progress
    who = t.district.display_name if t.district_id else "全市"
    period = f"“{t.period_start}—{t.period_end}”期间"
    if t.kind in (TargetKind.CARBON_INTENSITY, TargetKind.ENERGY_INTENSITY):
        name = "碳排放强度" if t.kind == TargetKind.CARBON_INTENSITY else "能耗强度"
        problem = (
            f"{who}{period}{name}下降目标为{t.value:.1f}%，截至{p.latest_year}年较{t.base_year}年"
            f"下降{p.achieved:.1f}%，低于按进度应完成的{p.expected:.1f}%，进度滞后。"
        )
        goal = f"{t.period_end}年{name}较{t.base_year}年下降{t.value:.1f}%以上。"
    elif t.kind == TargetKind.ENERGY_CAP:
        problem = (
            f"{who}{period}能源消费总量控制目标为{t.value:,.0f}吨标准煤，"
            f"{p.latest_year}年能源消费量{p.achieved:,.0f}吨标准煤，按当前趋势将超出控制目标。"
        )
        goal = f"{t.period_end}年能源消费总量控制在{t.value:,.0f}吨标准煤以内。"
    else:
        when = f"{peak}年" if peak else "预测期内仍未"
        problem = f"{who}碳达峰目标为{int(t.value)}年，按当前趋势二氧化碳排放{when}达峰，晚于目标。"
        goal = f"{int(t.value)}年前实现碳达峰。"
    measures = ["分析目标进度滞后原因", "制定并落实节能降碳措施", "按季度报送目标完成情况"]
    return problem, goal, measures


def raise_task(*, actor, target: CarbonTarget, campaign: Campaign, deadline: dt.date):
    """A district behind its target onto the ledger in one step: a draft task (category 双碳),
    the district implementing and 市发展改革委 leading. Once per target, again only after the
    task was withdrawn."""
    require_office(actor)
    with transaction.atomic():
        t = (
            CarbonTarget.objects.select_for_update(of=("self",))
            .select_related("district")
            .get(pk=target.pk)
        )
        if services.task_is_open(t.task):
            raise ValidationError(_("A ledger task was already raised for this target."))
        if t.district_id is None:
            raise ValidationError(_("Only a district's target becomes a ledger task."))
        traj = trajectory(t.district, [t])
        row = traj.rows[0]
        if row.progress.status != projection.BEHIND:
            raise ValidationError(_("Only a target the district is behind becomes a ledger task."))
        ledger_services.check_deadline_ahead(deadline)
        problem, goal, measures = task_text(row, traj.peak_year)
        task = services.ledger_task_raise(
            actor=actor,
            campaign=campaign,
            code=f"MB{t.period_start}-{t.pk:04d}",
            district=t.district,
            title=f"{t.district.display_name}{KIND_TEXT[t.kind]}目标进度滞后整改",
            problem=problem,
            target=goal,
            measures=measures,
            deadline=deadline,
            note={"target": t.pk},
        )
        t.task = task
        t.save(update_fields=["task"])
        return task
