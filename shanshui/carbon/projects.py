"""Two-high projects (两高项目): who may do what in which state, the scoped reads, and every
action on a project. 两高项目筛查

As in the ledger and complaints: one rules table (:data:`ACTIONS`), one :class:`Workflow`
(``FLOW``) with its Event model, services with keyword-only arguments, one transaction, a row lock
with the version the person's page showed, and one ``ProjectEvent`` per decision. Views, the API
and the demo data all call these; nothing else changes a project's state.

Scope: a district's users see and propose their own district's projects (another district's is a
404), the office and the municipal departments read all; only the office screens and decides.

States: proposed → screened → under_review → approved / rejected / halted. The screening flags
(screening.py, thresholds from ``settings.CARBON_TWO_HIGH_RULES``) are kept on the project and
refreshed with every save, for lists and filters; whether approval is refused (efficiency below
the baseline, 409) is decided at approval time from the rules then in use, and a flagged
project becomes a ledger task in one step.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanshui.carbon import screening, services
from shanshui.carbon.models import (
    ProjectEvent,
    ProjectEventKind,
    ProjectStatus,
    TwoHighProject,
)
from shanshui.carbon.selectors import districts_for, sees_city
from shanshui.ledger import services as ledger_services
from shanshui.ledger.models import Campaign, CampaignKind
from shanshui.lib.workflow import Action, Workflow, actions_table, enforce, require_text
from shanshui.orgs.models import TERRITORIAL_KINDS, Role, Unit
from shanshui.orgs.scope import scope_for

S = ProjectStatus
PROPOSING = (Role.UNIT_ADMIN, Role.STAFF, Role.LEADER)  # a district's 联络员, 经办人, 领导
LEAD_UNIT_KEY = services.LEAD_UNIT_KEY  # 市发展改革委 leads energy-saving review
TASK_DAYS = 90  # a raised task's default deadline, days from today
MAX_TEXT = 2000

ACTIONS: dict[str, Action] = actions_table(
    [
        Action("screen", gettext_lazy("Screen"), (S.PROPOSED,)),
        Action("send_for_review", gettext_lazy("Send for review"), (S.SCREENED,)),
        Action(
            "approve",
            gettext_lazy("Approve to build"),
            (S.UNDER_REVIEW,),
            confirm=gettext_lazy("The project will be approved. This cannot be undone."),
        ),
        Action(
            "reject",
            gettext_lazy("Refuse admission"),
            (S.SCREENED, S.UNDER_REVIEW),
            confirm=gettext_lazy("The project will be rejected. This cannot be undone."),
        ),
        Action(
            "halt",
            gettext_lazy("Halt"),
            (S.PROPOSED, S.SCREENED, S.UNDER_REVIEW, S.APPROVED),
            confirm=gettext_lazy("The project will be halted. This cannot be undone."),
        ),
        Action("raise_task", gettext_lazy("Raise a ledger task"), tuple(S.values)),
    ]
)


def current_rules() -> screening.Rules:
    """The screening rules in use (read at call time: tests and deployments may change them)."""
    return screening.Rules.from_mapping(getattr(settings, "CARBON_TWO_HIGH_RULES", None))


def screen_now(p: TwoHighProject) -> screening.Screening:
    """The project's screening under the rules in use now (nothing kept)."""
    return screening.screen(
        energy_tce=p.energy_tce,
        unit_energy=p.unit_energy,
        benchmark=p.benchmark,
        baseline=p.baseline,
        rules=current_rules(),
    )


def screen_copy(p: TwoHighProject) -> screening.Screening:
    """Screen the project under the rules in use and keep the flags on it for lists and
    filters (not saved)."""
    result = screen_now(p)
    p.flags = list(result.flags)
    p.efficiency = result.efficiency
    p.flagged = result.flagged
    return result


def approval_blocked(p: TwoHighProject) -> bool:
    """Whether the rules in use refuse the project's approval: decided when asked, never from
    a copy kept at screening — the office may have changed the rules since."""
    return screen_now(p).blocks_approval


# --- rules ------------------------------------------------------------------------------------


def state_allows(p: TwoHighProject, action: str) -> bool:
    if p.status not in ACTIONS[action].states:
        return False
    if action == "approve":
        return not approval_blocked(p)
    if action == "raise_task":
        return p.flagged and not services.task_is_open(p.task)
    return True


def check(user, p: TwoHighProject, action: str) -> None:
    """Refuse the action: 409 for the state (or a block), 403 unless the office acts."""

    def state_refusal() -> str:
        if action == "approve" and approval_blocked(p):
            return _(
                "The project's energy efficiency is below the national baseline level: it "
                "cannot be approved."
            )
        if action == "raise_task" and services.task_is_open(p.task):
            return _("A ledger task was already raised for this project.")
        if action == "raise_task":
            return _("Only a flagged project can become a ledger task.")
        return _("“%(action)s” is not possible while the project is %(status)s.") % {
            "action": ACTIONS[action].label,
            "status": p.get_status_display(),
        }

    enforce(
        state_ok=state_allows(p, action),
        role_ok=lambda: scope_for(user).sees_all,
        state_refusal=state_refusal,
        role_refusal=_("Only the office screens and decides two-high projects."),
    )


def allowed_actions(user, p: TwoHighProject) -> list[str]:
    if not scope_for(user).sees_all:
        return []
    return [name for name in ACTIONS if state_allows(p, name)]


# --- scoped reads -----------------------------------------------------------------------------


def visible_projects(user) -> QuerySet[TwoHighProject]:
    """The projects the user may read: all for the office and departments, else their
    districts'."""
    qs = TwoHighProject.objects.select_related("district", "task")
    if sees_city(user):
        return qs
    return qs.filter(district__in=districts_for(user))


def project_for(user, pk: int) -> TwoHighProject:
    try:
        return visible_projects(user).get(pk=pk)
    except TwoHighProject.DoesNotExist as exc:
        raise Http404 from exc


def proposing_districts(user) -> QuerySet[Unit]:
    """The districts the user may propose projects for: every district for the office, else
    the districts where the user is 联络员, 经办人 or 领导."""
    scope = scope_for(user)
    if scope.sees_all:
        return Unit.objects.territorial()
    return scope.units_with_role(*PROPOSING, own=True).filter(kind__in=TERRITORIAL_KINDS)


def filtered(qs: QuerySet[TwoHighProject], params) -> QuerySet[TwoHighProject]:
    """The register's filters (list page, export and API alike): district, industry, status,
    flagged, a search in number, project and enterprise."""
    if (district := str(params.get("district") or "")).isdigit():
        qs = qs.filter(district_id=int(district))
    if industry := params.get("industry"):
        qs = qs.filter(industry=industry)
    if status := params.get("status"):
        qs = qs.filter(status=status)
    flagged = str(params.get("flagged") or "").lower()
    if flagged in ("1", "true", "yes"):
        qs = qs.filter(flagged=True)
    elif flagged in ("0", "false", "no"):
        qs = qs.filter(flagged=False)
    if q := str(params.get("q") or "").strip()[:100]:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(enterprise__icontains=q))
    return qs


def pipeline(user) -> dict[str, int]:
    """How many of the user's projects are in each state (the dashboard's pipeline)."""
    counts = dict.fromkeys(S.values, 0)
    rows = visible_projects(user).order_by().values("status").annotate(n=Count("pk"))
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


# --- services ---------------------------------------------------------------------------------

FLOW = Workflow(
    event_model=ProjectEvent,
    subject="project",
    stale_message=lambda p: _(
        "Someone else changed this project a moment ago. Reload the page, check what changed, "
        "and try again."
    ),
    locking=lambda: TwoHighProject.objects.select_for_update(of=("self",)).select_related(
        "district"
    ),
    check=check,
    before_save=screen_copy,
)

FIELDS = (
    "name",
    "enterprise",
    "district",
    "industry",
    "capacity",
    "energy_tce",
    "co2_t",
    "efficiency_unit",
    "unit_energy",
    "benchmark",
    "baseline",
    "note",
)


def _next_code(today: dt.date) -> str:
    prefix = f"LG{today.year}-"
    last = (
        TwoHighProject.objects.filter(code__startswith=prefix)
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    number = int(m.group(1)) + 1 if last and (m := re.search(r"-(\d+)$", last)) else 1
    return f"{prefix}{number:04d}"


def _check_fields(p: TwoHighProject) -> None:
    """Field-by-field errors (Django's own for required, lengths and digits, ours beside)."""
    errors: dict[str, list[str]] = {}
    try:
        p.full_clean(
            exclude=["code", "status", "version", "flags", "efficiency", "created_by", "task"]
        )
    except ValidationError as exc:
        errors = dict(exc.message_dict)

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if p.energy_tce is not None and p.energy_tce <= 0 and "energy_tce" not in errors:
        add("energy_tce", _("The annual energy use must be more than 0 tce."))
    if p.co2_t is not None and p.co2_t < 0 and "co2_t" not in errors:
        add("co2_t", _("The expected CO2 cannot be negative."))
    for name in ("unit_energy", "benchmark", "baseline"):
        value = getattr(p, name)
        if value is not None and value <= 0 and name not in errors:
            add(name, _("Must be more than 0."))
    if (
        p.benchmark is not None
        and p.baseline is not None
        and p.benchmark > p.baseline
        and "benchmark" not in errors
    ):
        add(
            "benchmark",
            _("The benchmark level is the better one: it cannot exceed the baseline level."),
        )
    if p.unit_energy is not None and p.baseline is None and "baseline" not in errors:
        add("baseline", _("Give the national baseline level to compare the consumption with."))
    if p.unit_energy is not None and not p.efficiency_unit.strip():
        add("efficiency_unit", _("Give the unit of the energy consumption, e.g. kgce/t."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def project_propose(*, actor, **fields) -> TwoHighProject:
    """Register a project (拟建项目申报), screened at once under the rules in use. A district's
    users propose for their own district, the office for any."""
    district = fields.get("district")
    allowed = proposing_districts(actor)
    if not allowed.exists():
        raise PermissionDenied(_("Only the office and the districts propose two-high projects."))
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    if district is not None and not allowed.filter(pk=district.pk).exists():
        raise ValidationError({"district": _("You may propose projects only for your district.")})
    p = TwoHighProject(**fields, created_by=actor if getattr(actor, "pk", None) else None)
    for name in ("name", "enterprise", "capacity", "efficiency_unit", "note"):
        setattr(p, name, (getattr(p, name) or "").strip())
    _check_fields(p)
    p.code = _next_code(timezone.localdate())
    result = screen_copy(p)
    p.save()
    FLOW.record(
        p,
        actor=actor,
        unit=district,
        kind=ProjectEventKind.PROPOSED,
        to_status=p.status,
        data={"flags": list(result.flags), "efficiency": result.efficiency},
    )
    return p


def _acting(project, actor, action, expected_version):
    p, _roles = FLOW.act(project, actor=actor, action=action, expected_version=expected_version)
    return p


@transaction.atomic
def project_screen(
    *, actor, project: TwoHighProject, expected_version: int | None, comment: str = ""
) -> TwoHighProject:
    """筛查: the office confirms the rules' result; the event records the flags and thresholds."""
    p = _acting(project, actor, "screen", expected_version)
    rules = current_rules()
    FLOW.transition(
        p,
        actor=actor,
        to=S.SCREENED,
        kind=ProjectEventKind.SCREENED,
        comment=(comment or "").strip(),
        data={
            "flags": list(
                screening.screen(
                    energy_tce=p.energy_tce,
                    unit_energy=p.unit_energy,
                    benchmark=p.benchmark,
                    baseline=p.baseline,
                    rules=rules,
                ).flags
            ),
            "provincial_review_tce": str(rules.provincial_review_tce),
            "national_attention_tce": str(rules.national_attention_tce),
        },
    )
    return p


@transaction.atomic
def project_send_for_review(
    *, actor, project: TwoHighProject, expected_version: int | None, comment: str = ""
) -> TwoHighProject:
    """送审: into the energy-saving and environmental review."""
    p = _acting(project, actor, "send_for_review", expected_version)
    FLOW.transition(
        p,
        actor=actor,
        to=S.UNDER_REVIEW,
        kind=ProjectEventKind.SENT_FOR_REVIEW,
        comment=(comment or "").strip(),
        data={"flags": list(p.flags)},
    )
    return p


def _decide(p, actor, to, kind, opinion: str) -> TwoHighProject:
    FLOW.transition(
        p,
        actor=actor,
        to=to,
        kind=kind,
        comment=opinion,
        data={"flags": list(p.flags), "efficiency": p.efficiency},
        decided_at=timezone.now(),
    )
    return p


@transaction.atomic
def project_approve(
    *, actor, project: TwoHighProject, expected_version: int | None, opinion: str
) -> TwoHighProject:
    """准予建设, with the office's opinion. Refused (409) while the efficiency is below the
    baseline."""
    p = _acting(project, actor, "approve", expected_version)
    text = require_text(opinion, "opinion", _("Write the opinion."), max_length=MAX_TEXT)
    return _decide(p, actor, S.APPROVED, ProjectEventKind.APPROVED, text)


@transaction.atomic
def project_reject(
    *, actor, project: TwoHighProject, expected_version: int | None, opinion: str
) -> TwoHighProject:
    """不予准入, with the reasons."""
    p = _acting(project, actor, "reject", expected_version)
    text = require_text(opinion, "opinion", _("Write the reasons."), max_length=MAX_TEXT)
    return _decide(p, actor, S.REJECTED, ProjectEventKind.REJECTED, text)


@transaction.atomic
def project_halt(
    *, actor, project: TwoHighProject, expected_version: int | None, opinion: str
) -> TwoHighProject:
    """停建 (also of an approved project), with the reasons."""
    p = _acting(project, actor, "halt", expected_version)
    text = require_text(opinion, "opinion", _("Write the reasons."), max_length=MAX_TEXT)
    return _decide(p, actor, S.HALTED, ProjectEventKind.HALTED, text)


def default_campaign() -> Campaign | None:
    """The latest special inspection (专项督察) campaign, else the latest campaign."""
    campaigns = Campaign.objects.order_by("-created_at", "-pk")
    return campaigns.filter(kind=CampaignKind.SPECIAL).first() or campaigns.first()


def default_deadline(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) + dt.timedelta(days=TASK_DAYS)


_FLAG_TEXT = {
    screening.PROVINCIAL_REVIEW: "年综合能源消费量{e}吨标准煤，达到省级节能审查标准（{p}吨标准煤）",
    screening.NATIONAL_ATTENTION: "达到国家重点关注标准（{n}吨标准煤）",
    screening.BELOW_BASELINE: (
        "单位产品能耗{u}{unit}，高于国家能效基准水平{b}{unit}（能效低于基准水平）"
    ),
}


def task_text(p: TwoHighProject) -> tuple[str, str, list[str]]:
    """The problem, target and measures of the ledger task for a flagged project (Chinese
    document content, the ledger's language)."""
    rules = current_rules()

    def num(value) -> str:
        return f"{value.normalize():f}" if value is not None else "—"

    parts = [
        _FLAG_TEXT[f].format(
            e=num(p.energy_tce),
            p=num(rules.provincial_review_tce),
            n=num(rules.national_attention_tce),
            u=num(p.unit_energy),
            b=num(p.baseline),
            unit=p.efficiency_unit,
        )
        for f in p.flags
        if f in _FLAG_TEXT
    ]
    problem = (
        f"{p.district.display_name}{p.enterprise}“{p.name}”（{p.get_industry_display()}，"
        f"{p.capacity}，项目编号{p.code}）属“两高”项目：" + "；".join(parts) + "。"
    )
    target = "严格落实“两高”项目节能审查和准入要求，能效未达基准水平的不得建设投产。"
    measures = ["核实项目能耗、产能和碳排放数据", "按要求履行节能审查程序"]
    if screening.BELOW_BASELINE in p.flags:
        measures.append("实施节能降碳改造，能效达到基准水平以上")
    return problem, target, measures


@transaction.atomic
def project_raise_task(
    *,
    actor,
    project: TwoHighProject,
    expected_version: int | None,
    campaign: Campaign,
    deadline: dt.date,
):
    """A flagged project onto the ledger in one step: a draft task (category 双碳) with the
    district implementing and 市发展改革委 leading, its problem text from the flags
    (services.ledger_task_raise); the project's event points to the task. Again only after the
    task was withdrawn."""
    p = _acting(project, actor, "raise_task", expected_version)
    ledger_services.check_deadline_ahead(deadline)  # as the new-task form: not in the past
    problem, target, measures = task_text(p)
    task = services.ledger_task_raise(
        actor=actor,
        campaign=campaign,
        code=p.code,
        district=p.district,
        title=f"“两高”项目{p.name}筛查问题整改",
        problem=problem,
        target=target,
        measures=measures,
        deadline=deadline,
        note={"project": p.code},
    )
    p.task = task
    FLOW.touch(p)
    FLOW.record(
        p,
        actor=actor,
        kind=ProjectEventKind.TASK_RAISED,
        comment=f"{task.code} {task.title}",
        data={"task": task.pk, "campaign": campaign.pk, "flags": list(p.flags)},
    )
    return task
