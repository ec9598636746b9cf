"""Targets and trajectories (双碳目标): the office sets the city's and each district's targets
per plan period; progress is computed against the inventory (projection.py states the method);
a district behind its target becomes a ledger task in one step, as a flagged two-high project
does (projects.py).

Reads are scoped like the inventory: the office and departments see the city and every
district, a district its own targets only (404 on another's).

Writes follow the workflow core (lib/workflow.py), as two-high projects do: the row locked, the
office's role checked, and one ``TargetEvent`` per action in the same transaction — set,
changed (each field old → new), a ledger task raised, that task withdrawn. A target has no
states of its own, so its events carry none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shanshui.carbon import inventory, projection, selectors, services
from shanshui.carbon.models import (
    CarbonTarget,
    DistrictEconomy,
    TargetEvent,
    TargetEventKind,
    TargetKind,
)
from shanshui.carbon.selectors import districts_for, sees_city
from shanshui.ledger import services as ledger_services
from shanshui.ledger.models import Campaign, EventKind, Status
from shanshui.ledger.models import Event as TaskEvent
from shanshui.lib.workflow import Workflow
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


def _series(totals: dict[tuple[int, int], dict], economy: dict[tuple[int, int], tuple]) -> Series:
    """The series of the district-year totals given (one district's, or all of the city's):
    ``totals`` as :func:`selectors._totals` gives them, ``economy`` (district, year) → (GDP,
    deflator)."""
    co2, energy, members = {}, {}, {}
    for (d, y), r in totals.items():
        co2[y] = co2.get(y, 0.0) + r["direct"] + r["indirect"]
        energy[y] = energy.get(y, 0.0) + r["tce"]
        members.setdefault(y, set()).add(d)
    gdp, counted = {}, {}
    for d, y in totals:
        if (d, y) not in economy:
            continue
        gdp_100m, deflator = economy[(d, y)]
        value = inventory.comparable_gdp_10k_yuan(
            float(gdp_100m) if gdp_100m is not None else None,
            float(deflator) if deflator else None,
        )
        if value is not None:
            gdp[y] = gdp.get(y, 0.0) + value
            counted[y] = counted.get(y, 0) + 1
    gdp = {y: v for y, v in gdp.items() if counted[y] == len(members[y])}
    return Series(co2, energy, gdp)


def _economy(totals: dict[tuple[int, int], dict]) -> dict[tuple[int, int], tuple]:
    """GDP and deflator of the district-years with totals, in one query."""
    rows = DistrictEconomy.objects.filter(
        district_id__in={d for d, _y in totals}, year__in={y for _d, y in totals}
    ).values_list("district_id", "year", "gdp_100m_yuan", "deflator")
    return {(d, y): (g, f) for d, y, g, f in rows if (d, y) in totals}


def series(district: Unit | None) -> Series:
    """Total CO2, energy and comparable GDP by year of one district, or the city (the sum of
    the districts with data). Unscoped: the caller has checked that the target is readable."""
    totals = selectors._totals(None, None, district)
    return _series(totals, _economy(totals))


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


def trajectory(
    district: Unit | None, targets: list[CarbonTarget], s: Series | None = None
) -> Trajectory:
    s = s if s is not None else series(district)
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
    """The city first (for those who see it), then each district with targets.

    The figures of every district come from one grouped query (district × year totals) and one
    of the economy, however many districts there are; the city's are their sum."""
    by_scope: dict[int | None, list[CarbonTarget]] = {}
    for t in visible_targets(user).order_by("district__path", "period_start", "kind"):
        by_scope.setdefault(t.district_id, []).append(t)
    if not by_scope:
        return []
    # The city sums every district's figures: only those who see the city have its targets.
    wanted = None if None in by_scope else [d for d in by_scope if d is not None]
    totals = selectors._totals(user, None, districts=wanted)
    economy = _economy(totals)
    out = []
    for key, targets in sorted(by_scope.items(), key=lambda kv: kv[0] is not None):
        mine = totals if key is None else {k: v for k, v in totals.items() if k[0] == key}
        out.append(trajectory(targets[0].district, targets, _series(mine, economy)))
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


def check(user, t: CarbonTarget, action: str) -> None:
    """The office only (403); a target has no states that refuse an action."""
    require_office(user)


FLOW = Workflow(
    event_model=TargetEvent,
    subject="target",
    stale_message=lambda t: _(
        "Someone else changed this target a moment ago. Reload the page and try again."
    ),
    locking=lambda: CarbonTarget.objects.select_for_update(of=("self",)).select_related(
        "district", "task"
    ),
    check=check,
)


def _note_withdrawal(t: CarbonTarget) -> None:
    """Put the withdrawal of the target's ledger task into its history, once, with who withdrew
    it, when and why (the ledger's event). The ledger knows nothing of targets, so the target
    notes it when the office next acts on it: before another change or another task."""
    if t.task_id is None or t.task.status != Status.WITHDRAWN:
        return
    if t.events.filter(kind=TargetEventKind.TASK_WITHDRAWN, data__task=t.task_id).exists():
        return
    withdrawn = (
        TaskEvent.objects.filter(task_id=t.task_id, kind=EventKind.WITHDRAWN)
        .order_by("-at", "-pk")
        .first()
    )
    FLOW.record(
        t,
        actor=withdrawn.actor if withdrawn else None,
        kind=TargetEventKind.TASK_WITHDRAWN,
        unit=t.district,
        comment=withdrawn.comment if withdrawn else "",
        data={"task": t.task_id, "code": t.task.code},
        at=withdrawn.at if withdrawn else timezone.now(),
    )


@transaction.atomic
def target_save(*, actor, target: CarbonTarget | None = None, reason: str = "", **fields):
    """Add a target or change one, with the office's reason; the event keeps every changed
    field (old → new) or, for a new target, its values."""
    require_office(actor)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    reason = (reason or "").strip()
    is_new = target is None
    if is_new:
        t = CarbonTarget()
    else:
        t, _roles = FLOW.act(target, actor=actor, action="edit")
        _note_withdrawal(t)
    if "value" in fields and fields["value"] is not None:
        fields["value"] = Decimal(fields["value"]).quantize(Decimal("0.01"))
    old = {} if is_new else {name: getattr(t, name) for name in FIELDS}
    for name, value in fields.items():
        setattr(t, name, value)
    _check(t)
    changed = [n for n in FIELDS if n in fields and (is_new or old[n] != fields[n])]
    if not changed:
        return t
    t.updated_at = timezone.now()
    t.save()
    if is_new:
        kind = TargetEventKind.CREATED
        data = {"values": {n: _text(getattr(t, n)) for n in FIELDS}}
    else:
        kind = TargetEventKind.EDITED
        data = {
            "changes": [
                {"field": n, "old": _text(old[n]), "new": _text(getattr(t, n))} for n in changed
            ]
        }
    FLOW.record(t, actor=actor, kind=kind, unit=t.district, comment=reason, data=data)
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
    the district implementing and 市发展改革委 leading, and the target's event pointing to it.
    Once per target, again only after the task was withdrawn (which the history then notes
    first)."""
    require_office(actor)
    with transaction.atomic():
        t, _roles = FLOW.act(target, actor=actor, action="raise_task")
        _note_withdrawal(t)
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
        FLOW.record(
            t,
            actor=actor,
            kind=TargetEventKind.TASK_RAISED,
            unit=t.district,
            comment=f"{task.code} {task.title}",
            data={
                "task": task.pk,
                "code": task.code,
                "campaign": campaign.pk,
                "progress": row.progress.status,
                "latest_year": row.progress.latest_year,
            },
        )
        return task
