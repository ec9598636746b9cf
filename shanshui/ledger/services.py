"""Every action on the ledger. 台账业务操作

Each function: keyword-only arguments, one transaction, a row lock on the task with an optional
version check (a stale page gets Conflict, never a lost update), the permission rule from
rules.py, and one Event row. Nothing else changes a task's state.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Avg
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanshui.ledger import measures as measure_texts
from shanshui.ledger import notify, rules
from shanshui.ledger import warnings as warning_rules
from shanshui.ledger.models import (
    AcceptanceApplication,
    Accountability,
    CalendarOverride,
    Campaign,
    Category,
    ChecklistItem,
    DeadlineKind,
    Event,
    EventKind,
    Evidence,
    ExtensionRequest,
    ExtensionStatus,
    Measure,
    MeasureStatus,
    Notification,
    Objection,
    ObjectionStatus,
    ProgressReport,
    Status,
    Task,
    TaskCategory,
    TaskSearch,
    TaskUnit,
    UnitRole,
    UrgeNotice,
    category_bits,
    mark_item_rows,
)
from shanshui.lib import filetypes, imagemeta, mediastore, ratelimit
from shanshui.lib.workdays import WorkCalendar
from shanshui.lib.workflow import (
    InvalidTransition,
    RateLimited,
    Workflow,
    WorkflowError,
    require_text,
)
from shanshui.orgs.models import Unit
from shanshui.orgs.scope import scope_for

PLAN_DUE_WORKING_DAYS = 30  # 整改方案: within 30 working days of feedback


def work_calendar() -> WorkCalendar:
    overrides = list(CalendarOverride.objects.values_list("day", "is_workday"))
    return WorkCalendar(
        extra_holidays=[d for d, work in overrides if not work],
        extra_workdays=[d for d, work in overrides if work],
    )


def _today() -> dt.date:
    return timezone.localdate()


def _stale_message(task: Task) -> str:
    return _(
        "Someone else changed this task a moment ago (%(who)s). Reload the page, "
        "check what changed, and try again."
    ) % {"who": _last_actor_name(task)}


def _last_actor_name(task: Task) -> str:
    event = task.events.select_related("actor").order_by("-at", "-pk").first()
    if event is None or event.actor is None:
        return _("the system")
    return event.actor.get_full_name() or event.actor.username


def _lock_parent_first(task: Task) -> None:
    """A share's city task is locked first, so every path takes locks parent → share and two
    people working on a city task and one of its shares cannot deadlock."""
    parent_id = Task.objects.filter(pk=task.pk).values_list("parent_id", flat=True).first()
    if parent_id:
        Task.objects.select_for_update().filter(pk=parent_id).exists()


# How a task moves (shanshui.lib.workflow): every event copies the task's campaign (the
# dashboard's aggregates read it), and the warning colour is recomputed before every save.
FLOW = Workflow(
    event_model=Event,
    subject="task",
    stale_message=_stale_message,
    locking=lambda: Task.objects.select_for_update().select_related("campaign"),
    check=rules.check,
    before_lock=_lock_parent_first,
    event_fields=lambda task, kind: {"campaign_id": task.campaign_id},
    before_save=lambda task: refresh_warning(task, save=False),
    after_record=notify.event_recorded,  # whoever must act next hears of it, after commit
)
_lock = FLOW.lock
_record = FLOW.record
_transition = FLOW.transition
_touch = FLOW.touch
_require_text = require_text


# --- warnings --------------------------------------------------------------------------------


def task_facts(task: Task) -> warning_rules.TaskFacts:
    urge_overdue = (
        task.urges.filter(responded_at__isnull=True, response_due__lt=_today()).exists()
        if task.pk
        else False
    )
    return warning_rules.TaskFacts(
        status=task.status,
        deadline_kind=task.deadline_kind,
        deadline=task.deadline,
        progress=task.progress,
        assigned_on=timezone.localdate(task.assigned_at) if task.assigned_at else None,
        last_report_on=timezone.localdate(task.last_report_at) if task.last_report_at else None,
        report_cycle=task.campaign.report_cycle,
        urge_overdue=urge_overdue,
    )


def refresh_warning(task: Task, *, save: bool = True, today: dt.date | None = None) -> bool:
    verdict = warning_rules.compute(
        task_facts(task), today or _today(), getattr(settings, "SHANSHUI_WARNING_RULES", None)
    )
    changed = (task.warning, task.warning_reason) != (verdict.colour, verdict.reason)
    task.warning, task.warning_reason = verdict.colour, verdict.reason[:200]
    if save and changed:
        Task.objects.filter(pk=task.pk).update(
            warning=task.warning, warning_reason=task.warning_reason
        )
    return changed


# --- campaigns and tasks ---------------------------------------------------------------------


def _require_office(actor) -> None:
    scope_for(actor).require_office()


@transaction.atomic
def campaign_create(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    team: str = "",
    stay_start: dt.date | None = None,
    stay_end: dt.date | None = None,
    feedback_date: dt.date | None = None,
    report_cycle: str = "monthly",
    notice_days: int = 15,
    is_demo: bool = False,
) -> Campaign:
    _require_office(actor)
    campaign = Campaign(
        code=code,
        name=name,
        kind=kind,
        team=team,
        stay_start=stay_start,
        stay_end=stay_end,
        feedback_date=feedback_date,
        report_cycle=report_cycle,
        notice_days=notice_days,
        is_demo=is_demo,
    )
    for field, day in (
        ("feedback_date", feedback_date),
        ("stay_start", stay_start),
        ("stay_end", stay_end),
    ):
        if day is not None and not dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31):
            raise ValidationError({field: _("Enter a date between 2000 and 2100.")})
    if feedback_date:
        campaign.plan_due = work_calendar().add_workdays(feedback_date, PLAN_DUE_WORKING_DAYS)
    if stay_start and stay_end and stay_end < stay_start:
        raise ValidationError({"stay_end": _("The stay cannot end before it starts.")})
    campaign.full_clean()
    campaign.save()
    return campaign


@dataclass
class UnitAssignment:
    unit: Unit
    role: str
    leader_name: str = ""
    leader_post: str = ""


def _no_leader(unit: Unit, role: str) -> tuple[str, str]:
    return "", ""


def role_assignments(
    units_by_role: Iterable[tuple[str, Iterable[Unit | None] | None]],
    leader: Callable[[Unit, str], tuple[str, str]] = _no_leader,
) -> list[UnitAssignment]:
    """Each role's units as assignments, in the order given, each with the leader (name, post)
    ``leader(unit, role)`` gives it; a role without units, or a unit left empty, gives none."""
    return [
        UnitAssignment(unit, role, *leader(unit, role))
        for role, units in units_by_role
        for unit in units or ()
        if unit is not None
    ]


@dataclass
class NewTask:
    """What a task is created with (the arguments of :func:`task_create`)."""

    code: str
    title: str
    problem: str
    target: str = ""
    measures: Sequence[str] = ()
    categories: Iterable[str] = ()
    deadline_kind: str = DeadlineKind.DATED
    deadline: dt.date | None = None
    is_public: bool = True
    units: Sequence[UnitAssignment] = ()
    parent: Task | None = None
    # The rectification site (整改点位), optional: an address and a WGS84 point.
    site_address: str = ""
    site_lat: float | None = None
    site_lon: float | None = None
    # Extra facts for the creation event (an import records the sheet and row it came from).
    note: dict = dataclasses.field(default_factory=dict)


@transaction.atomic
def task_create(*, actor, campaign: Campaign, system: str = "", **fields) -> Task:
    """Put a problem on the ledger (拉条挂账) as a draft. Arguments: those of :class:`NewTask`;
    ``system`` as for :func:`tasks_create`."""
    return tasks_create(actor=actor, campaign=campaign, tasks=[NewTask(**fields)], system=system)[0]


@transaction.atomic
def tasks_create(
    *, actor, campaign: Campaign, tasks: Sequence[NewTask], system: str = ""
) -> list[Task]:
    """Create many draft tasks at once (an import of a whole plan) in a fixed number of
    queries: the same checks and the same creation event per task as one by one.

    ``system`` names a scheduled check that raises tasks without a login (``actor`` None, say
    "系统定时检查"): the creation event records it as its comment and ``data["system"]``."""
    if system and actor is not None:
        raise ValueError("a task is created by a person or by the system, not both")
    if not system:
        _require_office(actor)
    built: list[Task] = []
    codes: set[str] = set()
    for new in tasks:  # row by row, so the first bad row is the one reported
        task = _built_task(campaign, new)
        if task.code in codes:
            raise ValidationError(
                {"code": _("Task number %(code)s is used twice.") % {"code": task.code}}
            )
        codes.add(task.code)
        built.append(task)
    _check_codes_free(campaign, codes)
    Task.objects.bulk_create(built)  # PostgreSQL and SQLite ≥ 3.35 return the new ids
    TaskSearch.objects.bulk_create(
        [TaskSearch(task=task, text=task.compute_search_text()) for task in built]
    )
    measures, categories, units, events = [], [], [], []
    for task, new in zip(built, tasks, strict=True):
        measures += [
            Measure(task=task, number=n, text=t.strip())
            for n, t in enumerate(measure_texts.clean(new.measures), 1)
        ]
        categories += [TaskCategory(task=task, category=c) for c in dict.fromkeys(new.categories)]
        units += _task_units(task, new.units)
        events.append(
            Event(
                task=task,
                campaign=campaign,
                actor=actor if getattr(actor, "pk", None) else None,
                kind=EventKind.CREATED,
                to_status=task.status,
                comment=system,
                data={
                    "code": task.code,
                    "units": [[u.unit.pk, u.role] for u in new.units],
                    **new.note,
                    **({"system": system} if system else {}),
                },
            )
        )
    Measure.objects.bulk_create(measures)
    TaskCategory.objects.bulk_create(categories)
    mark_item_rows(units)
    TaskUnit.objects.bulk_create(units)
    Event.objects.bulk_create(events)
    return built


def _built_task(campaign: Campaign, new: NewTask) -> Task:
    """The unsaved draft task, validated field by field."""
    if new.deadline_kind == DeadlineKind.DATED and new.deadline is None:
        raise ValidationError({"deadline": _("A task with a deadline needs its date.")})
    task = Task(
        campaign=campaign,
        parent=new.parent,
        code=new.code.strip(),
        title=new.title.strip(),
        problem=new.problem.strip(),
        target=new.target.strip(),
        deadline_kind=new.deadline_kind,
        deadline=new.deadline,
        original_deadline=new.deadline,
        is_public=new.is_public,
        category_bits=category_bits(new.categories),
        site_address=" ".join(new.site_address.split()),
        site_lat=new.site_lat,
        site_lon=new.site_lon,
    )
    # Numbers are checked by the caller, for all tasks at once; the campaign and parent
    # are instances already (validating them would cost a query per task).
    task.full_clean(
        exclude=["campaign", "parent"], validate_unique=False, validate_constraints=False
    )
    refresh_warning(task, save=False)
    return task


def _check_codes_free(campaign: Campaign, codes: set[str]) -> None:
    """None of the numbers is already in the campaign (one query)."""
    taken = set(
        Task.objects.filter(campaign=campaign, code__in=codes).values_list("code", flat=True)
    )
    if taken:
        raise ValidationError(
            {"code": _("Task number %(code)s is already in this campaign.") % {"code": min(taken)}}
        )


def _task_units(task: Task, assignments: Sequence[UnitAssignment]) -> list[TaskUnit]:
    """One row per unit and role: a unit named twice in the same role counts once."""
    rows: dict[tuple[int, str], TaskUnit] = {}
    for ua in assignments:
        rows.setdefault(
            (ua.unit.pk, ua.role),
            TaskUnit(
                task=task,
                unit=ua.unit,
                role=ua.role,
                leader_name=ua.leader_name,
                leader_post=ua.leader_post,
            ),
        )
    return list(rows.values())


@transaction.atomic
def task_set_categories(
    *, actor, task: Task, expected_version: int | None, categories: Iterable[str]
) -> Task:
    """Change a task's categories; the event keeps the before and after."""
    task, _roles = FLOW.act(task, actor=actor, action="edit", expected_version=expected_version)
    after = list(dict.fromkeys(categories))
    unknown = [c for c in after if c not in Category.values]
    if unknown:
        raise ValidationError({"categories": _("Unknown category: %(c)s.") % {"c": unknown[0]}})
    before = sorted(task.category_rows.values_list("category", flat=True))
    if before == sorted(after):
        return task
    task.category_rows.all().delete()
    TaskCategory.objects.bulk_create([TaskCategory(task=task, category=c) for c in after])
    task.category_bits = category_bits(after)
    _touch(task)
    _record(
        task,
        actor=actor,
        kind=EventKind.EDITED,
        data={"categories": {"before": before, "after": sorted(after)}},
    )
    return task


EDITABLE_FIELDS = (
    "title",
    "problem",
    "target",
    "is_public",
    "site_address",
    "site_lat",
    "site_lon",
)
DEADLINE_BY_EXTENSION_ONLY = gettext_lazy(
    "The task has been assigned: its deadline now changes only through an extension request "
    "that the office approves."
)


def check_deadline_ahead(deadline: dt.date | None) -> None:
    """A new task's deadline cannot be in the past: the new-task form and the API ask this.
    task_create itself takes any date, as imports and scenarios record historic overdue tasks."""
    if deadline is not None and deadline < _today():
        raise ValidationError(
            {"deadline": _("The deadline cannot be before today.")}, code="past_deadline"
        )


@transaction.atomic
def task_edit(*, actor, task: Task, expected_version: int | None, **changes) -> Task:
    task, _roles = FLOW.act(task, actor=actor, action="edit", expected_version=expected_version)
    changed = {}
    for name, value in changes.items():
        if name not in (*EDITABLE_FIELDS, "deadline", "deadline_kind"):
            raise ValidationError({name: _("This field cannot be edited.")})
        if name in ("deadline", "deadline_kind") and task.status != Status.DRAFT:
            if getattr(task, name) == value:
                continue  # the same date sent back is no change
            # Once the units have it, the deadline is theirs to ask to move (延期申请), and
            # the office's approval is on record; a plain edit would bypass both.
            raise ValidationError({name: DEADLINE_BY_EXTENSION_ONLY})
        if getattr(task, name) != value:
            changed[name] = [str(getattr(task, name)), str(value)]
            setattr(task, name, value)
    if not changed:
        return task
    if "deadline" in changed:
        # A draft's new deadline cannot be in the past, by the page or the API alike.
        check_deadline_ahead(task.deadline)
        task.original_deadline = task.deadline
    task.full_clean()
    TaskSearch.objects.update_or_create(task=task, defaults={"text": task.compute_search_text()})
    _touch(task)
    _record(task, actor=actor, kind=EventKind.EDITED, data={"changes": changed})
    return task


@transaction.atomic
def task_update(
    *,
    actor,
    task: Task,
    expected_version: int | None,
    units: Sequence[UnitAssignment],
    measures: Sequence[str],
    **changes,
) -> Task:
    """The task page's edit form: its fields, its units and its measures, all of it or none.

    Each part writes its own event, as when changed alone; only the first checks the version
    the person saw, the others run in the same transaction under the same lock.
    """
    task_edit(actor=actor, task=task, expected_version=expected_version, **changes)
    task_set_units(actor=actor, task=task, expected_version=None, units=units)
    return task_set_measures(actor=actor, task=task, expected_version=None, measures=measures)


@transaction.atomic
def task_set_units(
    *, actor, task: Task, expected_version: int | None, units: Sequence[UnitAssignment]
) -> Task:
    """Change which units hold which role on the task (with their leaders); the event keeps
    the before and after, so the change is on record."""
    task, _roles = FLOW.act(task, actor=actor, action="edit", expected_version=expected_version)
    if not any(
        u.role in (UnitRole.LEAD, UnitRole.RESPONSIBLE, UnitRole.IMPLEMENTING) for u in units
    ):
        raise ValidationError({"lead": _("Name a lead unit or at least one responsible unit.")})

    def key(unit_id, role, name, post):
        return (unit_id, role, name or "", post or "")

    before = {
        key(tu.unit_id, tu.role, tu.leader_name, tu.leader_post) for tu in task.task_units.all()
    }
    after = {key(u.unit.pk, u.role, u.leader_name, u.leader_post) for u in units}
    if before == after:
        return task
    task.task_units.all().delete()
    rows = [
        TaskUnit(task=task, unit_id=unit_id, role=role, leader_name=name, leader_post=post)
        for unit_id, role, name, post in sorted(after)
    ]
    mark_item_rows(rows)
    TaskUnit.objects.bulk_create(rows)
    _touch(task)
    _record(
        task,
        actor=actor,
        kind=EventKind.EDITED,
        data={"units": {"before": sorted(before), "after": sorted(after)}},
    )
    return task


@transaction.atomic
def task_set_measures(
    *, actor, task: Task, expected_version: int | None, measures: Sequence[str]
) -> Task:
    """Reword or add numbered measures; a measure's progress stays with its number. Measures are
    never removed (the ledger keeps what was promised)."""
    task, _roles = FLOW.act(task, actor=actor, action="edit", expected_version=expected_version)
    texts = measure_texts.clean(measures)
    existing = {m.number: m for m in task.measures.all()}
    if len(texts) < len(existing):
        raise ValidationError({"measures": _("Measures can be reworded or added, not removed.")})
    changes = {}
    for number, text in enumerate(texts, start=1):
        measure = existing.get(number)
        if measure is None:
            Measure.objects.create(task=task, number=number, text=text)
            changes[number] = ["", text]
        elif measure.text != text:
            changes[number] = [measure.text, text]
            measure.text = text
            measure.save(update_fields=["text"])
    if changes:
        _touch(task)
        _record(task, actor=actor, kind=EventKind.EDITED, data={"measures": changes})
    return task


@transaction.atomic
def task_split(
    *, actor, task: Task, expected_version: int | None, units: Sequence[Unit]
) -> list[Task]:
    """Split a city task into one share per implementing unit (usually districts)."""
    task, _roles = FLOW.act(task, actor=actor, action="split", expected_version=expected_version)
    units = list(dict.fromkeys(units))
    if not units:
        raise ValidationError({"units": _("Choose at least one unit.")})
    existing = set(task.shares.values_list("task_units__unit_id", flat=True))
    carried = [
        UnitAssignment(tu.unit, tu.role, tu.leader_name, tu.leader_post)
        for tu in task.task_units.select_related("unit")
        if tu.role in (UnitRole.LEAD, UnitRole.ACCEPTING, UnitRole.SUPPORTING, UnitRole.RESPONSIBLE)
    ]
    measures = list(task.measures.values_list("text", flat=True))
    categories = list(task.category_rows.values_list("category", flat=True))
    shares = []
    for unit in units:
        if unit.pk in existing:
            continue
        suffix = unit.admin_code[-4:] if unit.admin_code else f"U{unit.pk}"
        share = task_create(
            actor=actor,
            campaign=task.campaign,
            parent=task,
            code=f"{task.code}-{suffix}",
            title=task.title,
            problem=task.problem,
            target=task.target,
            measures=measures,
            categories=categories,
            deadline_kind=task.deadline_kind,
            deadline=task.deadline,
            is_public=task.is_public,
            units=[*carried, UnitAssignment(unit, UnitRole.IMPLEMENTING)],
        )
        shares.append(share)
    _touch(task)
    _record(
        task,
        actor=actor,
        kind=EventKind.SPLIT,
        data={"shares": [s.pk for s in shares], "units": [u.display_name for u in units]},
    )
    return shares


# A class of units ("各区县政府") named in these roles gives the task one share per district,
# county or zone it holds; a class in a supporting or accepting role, and the departments of a
# class, are units of the task itself.
SHARE_ROLES = (UnitRole.LEAD, UnitRole.RESPONSIBLE, UnitRole.IMPLEMENTING)


def class_units(role: str, units: Iterable[Unit]) -> tuple[list[UnitAssignment], list[Unit]]:
    """(units of the task itself, units that get a share each) of a class named in ``role``."""
    direct: list[UnitAssignment] = []
    shares: list[Unit] = []
    for unit in units:
        if role in SHARE_ROLES and unit.is_territorial:
            shares.append(unit)
        else:
            direct.append(UnitAssignment(unit, role))
    return direct, shares


def without_shared(units: Iterable[UnitAssignment], shares: Sequence[Unit]) -> list:
    """A district that gets its own share is not also a responsible or implementing unit of the
    city task ("各区县、两江新区")."""
    return [
        u
        for u in units
        if not (u.unit in shares and u.role in (UnitRole.RESPONSIBLE, UnitRole.IMPLEMENTING))
    ]


@transaction.atomic
def task_create_split(*, actor, campaign: Campaign, shares: Sequence[Unit], **fields) -> Task:
    """A city task and, at once, one share per unit of ``shares`` (a plan naming "各区县" or the
    new-task form's "every district"): :func:`task_create` then :func:`task_split`."""
    task = task_create(actor=actor, campaign=campaign, **fields)
    if shares:
        task_split(actor=actor, task=task, expected_version=None, units=shares)
        task.refresh_from_db()
    return task


@transaction.atomic
def task_assign(*, actor, task: Task, expected_version: int | None, comment: str = "") -> Task:
    """交办: send the task to its units. A split task's shares are assigned with it."""
    task, _roles = FLOW.act(task, actor=actor, action="assign", expected_version=expected_version)
    if not task.task_units.exists() and not task.shares.exists():
        raise ValidationError({"units": _("Name the task's units before assigning it.")})
    now = timezone.now()
    shares = list(task.shares.select_for_update().filter(status=Status.DRAFT))
    if shares:
        _transition(
            task,
            actor=actor,
            to=Status.IN_PROGRESS,
            kind=EventKind.ASSIGNED,
            comment=comment,
            assigned_at=now,
            original_deadline=task.deadline,
        )
        for share in shares:
            _transition(
                share,
                actor=actor,
                to=Status.ASSIGNED,
                kind=EventKind.ASSIGNED,
                comment=comment,
                assigned_at=now,
                original_deadline=share.deadline,
            )
    else:
        _transition(
            task,
            actor=actor,
            to=Status.ASSIGNED,
            kind=EventKind.ASSIGNED,
            comment=comment,
            assigned_at=now,
            original_deadline=task.deadline,
        )
    return task


@transaction.atomic
def task_accept_assignment(
    *, actor, task: Task, expected_version: int | None, comment: str = ""
) -> Task:
    """签收: the unit takes the task on (also after a reopening)."""
    task, roles = FLOW.act(
        task, actor=actor, action="accept_assignment", expected_version=expected_version
    )
    unit = roles.acting_unit(roles.executing, rules.ACTING)
    _transition(
        task,
        actor=actor,
        to=Status.IN_PROGRESS,
        kind=EventKind.ASSIGNMENT_ACCEPTED,
        unit=unit,
        comment=comment,
    )
    return task


# --- evidence --------------------------------------------------------------------------------


def _store_evidence(
    *, actor, task: Task, unit: Unit, upload, report=None, application=None, checklist_item=""
) -> Evidence:
    kind = filetypes.check_uploaded_file(upload, max_bytes=settings.SHANSHUI_EVIDENCE_MAX_BYTES)
    sha = _sha256(upload)
    # The stored name comes from the content hash only: the user's name never reaches the disk.
    path = f"evidence/{sha[:2]}/{sha}.{kind.extension}"
    upload.seek(0)
    try:
        # The file first, then its row, in the caller's transaction: a store failure rolls the
        # whole action back with a clear message, never leaving a row without its file.
        stored = mediastore.save_once(path, upload.read())
    except mediastore.StoreUnavailable as exc:
        raise ValidationError({"files": exc.message}, code="store_unavailable") from exc
    taken_at, taken_point = _photo_facts(upload, kind.code)
    return Evidence.objects.create(
        task=task,
        report=report,
        application=application,
        checklist_item=checklist_item,
        uploaded_by=actor,
        unit=unit,
        file=stored,
        original_name=filetypes.safe_filename(upload.name or ""),
        content_type=kind.mime,
        size=upload.size,
        sha256=sha,
        taken_at=taken_at,
        taken_lat=taken_point[0] if taken_point else None,
        taken_lon=taken_point[1] if taken_point else None,
    )


def _photo_facts(upload, kind: str) -> tuple[dt.datetime | None, tuple[float, float] | None]:
    """A photo's capture time and GPS point from its EXIF, as a watermark camera would stamp
    them; the original stays internal (served only through the scope-checked view)."""
    if kind not in imagemeta.KINDS:
        return None, None
    upload.seek(0)
    data = upload.read()
    try:
        point = imagemeta.read_gps(data, kind)
        taken_at = imagemeta.read_taken_at(data, kind)
    except imagemeta.ImageMetaError:
        return None, None  # a damaged image is still evidence; it just proves nothing itself
    if point == (0.0, 0.0):  # cameras without a fix write zeros
        point = None
    return taken_at, point


def _check_uploads(uploads: Sequence, field: str = "files") -> None:
    """Check every file before anything is stored, so a bad file in a batch leaves no trace."""
    for upload in uploads:
        try:
            filetypes.check_uploaded_file(upload, max_bytes=settings.SHANSHUI_EVIDENCE_MAX_BYTES)
        except filetypes.FileRejected as exc:
            raise _reject_upload(exc, field) from exc


def _reject_upload(exc: filetypes.FileRejected, field: str = "files"):
    name = filetypes.safe_filename(getattr(exc, "filename", "") or "")
    params = {"name": name, "mb": round(settings.SHANSHUI_EVIDENCE_MAX_BYTES / 2**20, 1)}
    messages = {
        "empty": _("“%(name)s” is empty."),
        "too_large": _("“%(name)s” is larger than %(mb)s MB, the limit for one file."),
        "bad_name": _("The name “%(name)s” has characters that are not allowed; rename the file."),
        "unknown_type": _(
            "“%(name)s” is not an allowed type of file (images, PDF, Office documents or "
            "videos). Files are judged by their content, not their name."
        ),
        "extension_mismatch": _(
            "“%(name)s” has the extension of another type of file than its content. Check the "
            "file and upload it again."
        ),
    }
    message = messages[exc.code] % params if exc.code in messages else exc.message
    return ValidationError({field: message}, code=exc.code)


@transaction.atomic
def evidence_add(*, actor, task: Task, files: Sequence, comment: str = "") -> list[Evidence]:
    task, roles = FLOW.act(task, actor=actor, action="add_evidence")
    unit = roles.acting_unit(roles.executing, rules.REPORTING)
    if not files:
        raise ValidationError({"files": _("Choose at least one file.")})
    _check_uploads(files)
    try:
        stored = [_store_evidence(actor=actor, task=task, unit=unit, upload=f) for f in files]
    except filetypes.FileRejected as exc:
        raise _reject_upload(exc) from exc
    _touch(task)
    _record(
        task,
        actor=actor,
        kind=EventKind.EVIDENCE_ADDED,
        unit=unit,
        comment=comment,
        data={"evidence": [e.pk for e in stored], "names": [e.original_name for e in stored]},
    )
    return stored


@transaction.atomic
def evidence_withdraw(*, actor, evidence: Evidence, reason: str) -> Evidence:
    task, roles = FLOW.act(evidence.task, actor=actor, action="add_evidence")
    if evidence.uploaded_by_id != actor.pk and not roles.scope.sees_all:
        raise PermissionDenied(_("Only the person who uploaded a file may withdraw it."))
    reason = _require_text(reason, "reason", _("Say why the file is withdrawn."))
    if evidence.withdrawn_at is None:
        evidence.withdrawn_at = timezone.now()
        evidence.save(update_fields=["withdrawn_at"])
        _touch(task)
        _record(
            task,
            actor=actor,
            kind=EventKind.EVIDENCE_WITHDRAWN,
            comment=reason,
            data={"evidence": evidence.pk, "name": evidence.original_name},
        )
    return evidence


# --- progress --------------------------------------------------------------------------------


@transaction.atomic
def task_report(
    *,
    actor,
    task: Task,
    expected_version: int | None,
    text: str,
    percent: int,
    measure_status: dict[str, str] | None = None,
    files: Sequence = (),
) -> ProgressReport:
    """进展报送: text, percentage, measure-by-measure status and evidence."""
    task, roles = FLOW.act(task, actor=actor, action="report", expected_version=expected_version)
    text = _require_text(text, "text", _("Describe the progress."))
    if not isinstance(percent, int) or not 0 <= percent <= 100:
        raise ValidationError({"percent": _("Progress is a whole number from 0 to 100.")})
    measure_status = {str(k): v for k, v in (measure_status or {}).items()}
    measures = {str(m.number): m for m in task.measures.all()}
    for number, status in measure_status.items():
        if number not in measures:
            raise ValidationError({"measure_status": _("Unknown measure %(n)s.") % {"n": number}})
        if status not in MeasureStatus.values:
            raise ValidationError({"measure_status": _("Unknown measure status.")})
    _check_uploads(files)
    unit = roles.acting_unit(roles.executing, rules.REPORTING)
    report = ProgressReport.objects.create(
        task=task,
        unit=unit,
        author=actor,
        text=text,
        percent=percent,
        measure_status=measure_status,
    )
    try:
        stored = [
            _store_evidence(actor=actor, task=task, unit=unit, upload=f, report=report)
            for f in files
        ]
    except filetypes.FileRejected as exc:
        raise _reject_upload(exc) from exc
    for number, status in measure_status.items():
        measure = measures[number]
        if measure.status != status:
            measure.status = status
            measure.save(update_fields=["status"])
    task.progress = percent
    task.last_report_at = timezone.now()
    _touch(task)
    _record(
        task,
        actor=actor,
        kind=EventKind.REPORTED,
        unit=unit,
        comment=text,
        data={
            "report": report.pk,
            "percent": percent,
            "measures": measure_status,
            "evidence": [e.pk for e in stored],
        },
    )
    if task.parent_id:
        _roll_up(task.parent, actor=actor)
    return report


# --- urging ----------------------------------------------------------------------------------


@transaction.atomic
def task_urge(
    *,
    actor,
    task: Task,
    expected_version: int | None,
    to_unit: Unit,
    text: str,
    response_due: dt.date,
) -> UrgeNotice:
    """督办: a numbered notice to a unit of the task, with a date by which it must reply."""
    task, roles = FLOW.act(task, actor=actor, action="urge", expected_version=expected_version)
    text = _require_text(text, "text", _("Say what must be done."))
    if (
        not task.task_units.filter(unit=to_unit).exists()
        and not task.shares.filter(task_units__unit=to_unit).exists()
    ):
        raise ValidationError({"to_unit": _("The notice must go to one of the task's units.")})
    if response_due < _today():
        raise ValidationError({"response_due": _("The reply date cannot be in the past.")})
    urge = UrgeNotice.objects.create(
        task=task,
        number="",
        to_unit=to_unit,
        issued_by=actor,
        text=text,
        response_due=response_due,
    )
    # Numbered by the row's id: unique even when two notices are issued at the same moment.
    urge.number = f"督办〔{_today().year}〕{urge.pk}号"
    urge.save(update_fields=["number"])
    _touch(task)
    _record(
        task,
        actor=actor,
        kind=EventKind.URGED,
        unit=roles.acting_unit(roles.reviewing_lead, rules.ACTING),
        comment=text,
        data={
            "urge": urge.pk,
            "number": urge.number,
            "to_unit": to_unit.pk,
            "response_due": response_due.isoformat(),
        },
    )
    return urge


@transaction.atomic
def urge_answer(*, actor, urge: UrgeNotice, response: str) -> UrgeNotice:
    task = _lock(urge.task, None)
    urge = UrgeNotice.objects.select_for_update().get(pk=urge.pk)
    scope = scope_for(actor)
    if not scope.can_see_unit(urge.to_unit) and not scope.sees_all:
        raise PermissionDenied
    if not rules.acts_for(scope, urge.to_unit, rules.ACTING):
        raise PermissionDenied(_("Only the notified unit may reply."))
    if urge.responded_at:
        raise InvalidTransition(_("This notice has already been answered."))
    urge.response = _require_text(response, "response", _("Write the reply."))
    urge.responded_by = actor
    urge.responded_at = timezone.now()
    urge.save()
    _touch(task)
    _record(
        task,
        actor=actor,
        kind=EventKind.URGE_ANSWERED,
        unit=urge.to_unit,
        comment=urge.response,
        data={"urge": urge.pk, "number": urge.number},
    )
    return urge


# --- extensions ------------------------------------------------------------------------------


@transaction.atomic
def extension_request(
    *, actor, task: Task, expected_version: int | None, requested_deadline: dt.date, reason: str
) -> ExtensionRequest:
    """延期申请: a unit asks the office for a later deadline, with its reason; one at a time."""
    task, roles = FLOW.act(
        task, actor=actor, action="request_extension", expected_version=expected_version
    )
    reason = _require_text(reason, "reason", _("Give the reason for the extension."))
    if requested_deadline <= task.deadline or requested_deadline <= _today():
        raise ValidationError(
            {"requested_deadline": _("The new deadline must be later than the current one.")}
        )
    if task.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise InvalidTransition(_("An extension request is already waiting for a decision."))
    unit = roles.acting_unit(roles.executing, rules.ACTING)
    ext = ExtensionRequest.objects.create(
        task=task,
        unit=unit,
        requested_by=actor,
        current_deadline=task.deadline,
        requested_deadline=requested_deadline,
        reason=reason,
    )
    _touch(task)
    _record(
        task,
        actor=actor,
        kind=EventKind.EXTENSION_REQUESTED,
        unit=unit,
        comment=reason,
        data={"extension": ext.pk, "requested_deadline": requested_deadline.isoformat()},
    )
    return ext


@transaction.atomic
def extension_decide(
    *, actor, extension: ExtensionRequest, approve: bool, comment: str = ""
) -> ExtensionRequest:
    task, _roles = FLOW.act(extension.task, actor=actor, action="decide_extension")
    extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    if extension.status != ExtensionStatus.PENDING:
        raise InvalidTransition(_("This request has already been decided."))
    if not approve:
        comment = _require_text(comment, "comment", _("Say why the request is rejected."))
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    extension.decided_by = actor
    extension.decided_at = timezone.now()
    extension.decision_comment = comment
    extension.save()
    data = {
        "extension": extension.pk,
        "from": task.deadline.isoformat() if task.deadline else None,
        "to": extension.requested_deadline.isoformat(),
    }
    if approve:
        # The original deadline stays on record; only the current one moves.
        if task.original_deadline is None:
            task.original_deadline = task.deadline
        task.deadline = extension.requested_deadline
    _touch(task)
    _record(
        task,
        actor=actor,
        kind=EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REJECTED,
        comment=comment,
        data=data,
    )
    return extension


# --- acceptance ------------------------------------------------------------------------------


@transaction.atomic
def task_apply_acceptance(
    *,
    actor,
    task: Task,
    expected_version: int | None,
    summary: str,
    checklist: dict[str, str],
    files: dict[str, Sequence] | None = None,
    reuse_reason: str = "",
) -> AcceptanceApplication:
    """申请验收 with the closing checklist: every item stated and backed by its own evidence.

    An item's evidence is the files given for it, else those it had in an earlier application
    of the task. One file (by content) backing several items is refused unless ``reuse_reason``
    says why: the same scan attached six times proves one thing, not six.
    Errors are keyed by item (its statement) and by ``files_<item>`` (its evidence).
    """
    task, roles = FLOW.act(
        task, actor=actor, action="apply_acceptance", expected_version=expected_version
    )
    summary = _require_text(summary, "summary", _("Summarise the rectification."))
    files = {item: list(uploads or []) for item, uploads in (files or {}).items()}
    reuse_reason = (reuse_reason or "").strip()
    errors: dict[str, list[str]] = {}
    open_measures = task.measures.exclude(status=MeasureStatus.DONE)
    if open_measures.exists():
        numbers = "、".join(str(m.number) for m in open_measures)
        errors["measures_done"] = [
            _("Measures %(numbers)s are not reported done yet.") % {"numbers": numbers}
        ]
    for item, uploads in files.items():
        _check_uploads(uploads, f"files_{item}")
    existing: dict[str, set[str]] = {}
    for item, sha in (
        task.evidence.filter(withdrawn_at__isnull=True)
        .exclude(checklist_item="")
        .values_list("checklist_item", "sha256")
    ):
        existing.setdefault(item, set()).add(sha)
    hashes: dict[str, set[str]] = {}
    for item in ChecklistItem:
        if not (checklist.get(item.value) or "").strip():
            errors.setdefault(item.value, []).append(_("State how this is met."))
        uploads = files.get(item.value)
        hashes[item.value] = (
            {_sha256(u) for u in uploads} if uploads else existing.get(item.value, set())
        )
        if not hashes[item.value]:
            errors.setdefault(f"files_{item.value}", []).append(_("Attach evidence for this item."))
    shared = _items_sharing_files(hashes)
    if shared and not reuse_reason:
        for item, others in shared.items():
            if len(others) == len(ChecklistItem) - 1:
                message = _(
                    "The same file is attached to every item. Attach this item's own "
                    "evidence, or say below why one file backs several items."
                )
            else:
                message = _(
                    "The same file is also attached to “%(items)s”. Attach this item's own "
                    "evidence, or say below why one file backs several items."
                ) % {"items": "”、“".join(str(ChecklistItem(o).label) for o in others)}
            errors.setdefault(f"files_{item}", []).append(message)
        errors["reuse_reason"] = [
            _("Say why one file backs several items, or attach each item's own evidence.")
        ]
    if errors:
        raise ValidationError(errors)
    unit = roles.acting_unit(roles.executing, rules.ACTING)
    application = AcceptanceApplication.objects.create(
        task=task,
        unit=unit,
        applied_by=actor,
        summary=summary,
        checklist={i.value: checklist[i.value].strip() for i in ChecklistItem},
        reuse_reason=reuse_reason if shared else "",
    )
    try:
        for item, uploads in files.items():
            for upload in uploads:
                _store_evidence(
                    actor=actor,
                    task=task,
                    unit=unit,
                    upload=upload,
                    application=application,
                    checklist_item=item,
                )
    except filetypes.FileRejected as exc:
        raise _reject_upload(exc, "files") from exc
    task.progress = 100
    _transition(
        task,
        actor=actor,
        to=Status.ACCEPTANCE_APPLIED,
        kind=EventKind.ACCEPTANCE_APPLIED,
        unit=unit,
        comment=summary,
        data={"application": application.pk, "reused_files": bool(application.reuse_reason)},
    )
    return application


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _items_sharing_files(hashes: dict[str, set[str]]) -> dict[str, list[str]]:
    """Each checklist item that shares a file with other items → those items, in order."""
    shared: dict[str, list[str]] = {}
    for item, mine in hashes.items():
        others = [o for o, theirs in hashes.items() if o != item and mine & theirs]
        if others:
            shared[item] = others
    return shared


def _pending_application(task: Task) -> AcceptanceApplication | None:
    """The application the review steps decide on (the latest one still open)."""
    return task.applications.filter(outcome="").order_by("-applied_at", "-pk").first()


@transaction.atomic
def task_recheck(
    *, actor, task: Task, expected_version: int | None, passed: bool | None, opinion: str
) -> Task:
    """牵头单位复查: passed or failed, always with the lead unit's opinion.

    A pass sends the task on to acceptance; a fail returns it to the executing unit with the
    opinion as the reason (one event, ``data["passed"]`` telling which).
    """
    task, roles = FLOW.act(task, actor=actor, action="recheck", expected_version=expected_version)
    if passed is None:
        raise ValidationError({"passed": _("Choose whether the recheck passed.")})
    opinion = _require_text(opinion, "opinion", _("Write the recheck opinion."))
    unit = roles.acting_unit(roles.reviewing_lead, rules.REVIEWING)
    application = _pending_application(task)
    data = {"passed": bool(passed), "application": application.pk if application else None}
    if application is not None:
        application.recheck_passed = bool(passed)
        application.recheck_opinion = opinion
        application.rechecked_by = actor
        application.rechecked_at = timezone.now()
        application.save(
            update_fields=["recheck_passed", "recheck_opinion", "rechecked_by", "rechecked_at"]
        )
    if passed:
        _transition(
            task,
            actor=actor,
            to=Status.RECHECKED,
            kind=EventKind.RECHECKED,
            unit=unit,
            comment=opinion,
            data=data,
        )
    else:
        _return(task, actor=actor, reason=opinion, unit=unit, kind=EventKind.RECHECKED, data=data)
    return task


@transaction.atomic
def task_accept(
    *,
    actor,
    task: Task,
    expected_version: int | None,
    accepted_by_name: str,
    opinion: str,
) -> Task:
    """验收: 谁验收谁负责 — the acceptance opinion and the name of the person who answers for
    it, both required, are kept on the application and on the task."""
    task, roles = FLOW.act(task, actor=actor, action="accept", expected_version=expected_version)
    errors = {}
    try:
        opinion = _require_text(opinion, "opinion", _("Write the acceptance opinion."))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        name = _require_text(
            accepted_by_name,
            "accepted_by_name",
            _("Give the name of the person who accepts the rectification."),
            max_length=60,
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    application = _pending_application(task)
    if application is not None:
        application.outcome = "accepted"
        application.acceptance_opinion = opinion
        application.acceptor_name = name
        application.decided_at = now
        application.save(
            update_fields=["outcome", "acceptance_opinion", "acceptor_name", "decided_at"]
        )
    _transition(
        task,
        actor=actor,
        to=Status.ACCEPTED,
        kind=EventKind.ACCEPTED,
        unit=roles.acting_unit(roles.accepting, rules.REVIEWING),
        comment=opinion,
        data={"accepted_by": name, "application": application.pk if application else None},
        accepted_by_name=name,
        accepted_at=now,
    )
    return task


@transaction.atomic
def task_start_notice(*, actor, task: Task, expected_version: int | None) -> Task:
    """公示: publish the accepted task for the campaign's notice period."""
    task, _roles = FLOW.act(
        task, actor=actor, action="start_notice", expected_version=expected_version
    )
    start = _today()
    end = start + dt.timedelta(days=task.campaign.notice_days)
    _transition(
        task,
        actor=actor,
        to=Status.IN_PUBLIC_NOTICE,
        kind=EventKind.NOTICE_STARTED,
        data={"from": start.isoformat(), "until": end.isoformat()},
        notice_start=start,
        notice_end=end,
    )
    return task


@transaction.atomic
def objection_submit(
    *, task: Task, text: str, name: str = "", contact: str = "", ip: str | None = None
) -> Objection:
    """Anyone may object while a task is in public notice (no login)."""
    task = _lock(task, None)
    if task.status != Status.IN_PUBLIC_NOTICE or not task.is_public:
        raise InvalidTransition(_("This task is not in public notice."))
    if task.notice_end and rules.notice_over(task):
        raise InvalidTransition(_("The notice period has ended."))
    text = _require_text(text, "text", _("Write your objection."))
    if len(text) > 5000:
        raise ValidationError({"text": _("Keep the objection under 5,000 characters.")})
    if ip:
        # A burst limit in the shared cache (Redis in production) before the daily cap below.
        try:
            ratelimit.hit("objection", ip)
        except ratelimit.RateLimitExceeded as exc:
            raise RateLimited(_("Too many objections from your network; try again later.")) from exc
    if (
        ip
        and Objection.objects.filter(
            ip_address=ip, submitted_at__gte=timezone.now() - dt.timedelta(days=1)
        ).count()
        >= settings.SHANSHUI_OBJECTIONS_PER_IP_PER_DAY
    ):
        raise RateLimited(_("Too many objections from your network today; try again tomorrow."))
    objection = Objection.objects.create(
        task=task,
        receipt_code=_new_receipt_code(),
        text=text,
        name=name.strip()[:60],
        contact=contact.strip()[:120],
        ip_address=ip,
    )
    # The task's version is left alone: a stream of objections must not turn the office's
    # open page stale.
    # The event names no one: objectors' identities stay private.
    _record(task, actor=None, kind=EventKind.OBJECTION, data={"objection": objection.pk})
    return objection


# The objector's receipt code (回执码): read out or copied by hand, so no 0/O, 1/I/L.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _new_receipt_code() -> str:
    while True:
        code = "YY" + "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))
        if not Objection.objects.filter(receipt_code=code).exists():
            return code


def normalize_receipt_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:16]


@transaction.atomic
def objection_handle(*, actor, objection: Objection, upheld: bool, result: str) -> Objection:
    task, _roles = FLOW.act(objection.task, actor=actor, action="handle_objection")
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.status != ObjectionStatus.OPEN:
        raise InvalidTransition(_("This objection has already been handled."))
    result = _require_text(result, "result", _("Record how the objection was checked."))
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.handled_by = actor
    objection.handled_at = timezone.now()
    objection.result = result
    objection.save()
    _record(
        task,
        actor=actor,
        kind=EventKind.OBJECTION_HANDLED,
        comment=result,
        data={"objection": objection.pk, "upheld": upheld},
    )
    if upheld:
        # A founded objection sends the task back to rectification.
        _return(task, actor=actor, reason=result)
    else:
        _touch(task)
    return objection


@transaction.atomic
def task_sign_off(*, actor, task: Task, expected_version: int | None, comment: str = "") -> Task:
    """销号."""
    task, _roles = FLOW.act(task, actor=actor, action="sign_off", expected_version=expected_version)
    # The rules refuse it while the notice runs (rules.notice_over); objections come after.
    open_objections = task.objections.filter(status=ObjectionStatus.OPEN)
    if task.status == Status.IN_PUBLIC_NOTICE and open_objections.exists():
        raise InvalidTransition(_("Handle the open objections before signing off."))
    _transition(
        task,
        actor=actor,
        to=Status.SIGNED_OFF,
        kind=EventKind.SIGNED_OFF,
        comment=comment,
        signed_off_at=timezone.now(),
    )
    if task.parent_id:
        _roll_up(task.parent, actor=actor)
    return task


def _return(
    task: Task,
    *,
    actor,
    reason: str,
    unit: Unit | None = None,
    kind: str = EventKind.RETURNED,
    data: dict | None = None,
) -> None:
    """Back to rectification with the reason; ``kind``: the step that returns it (a failed
    recheck writes its own kind of event)."""
    task.applications.filter(outcome="").update(outcome="returned")
    _transition(
        task,
        actor=actor,
        to=Status.IN_PROGRESS,
        kind=kind,
        unit=unit,
        comment=reason,
        data=data or {},
        accepted_by_name="",
        accepted_at=None,
        notice_start=None,
        notice_end=None,
    )


@transaction.atomic
def task_return(*, actor, task: Task, expected_version: int | None, reason: str) -> Task:
    """退回: any review step sends the task back to rectification, with the reason."""
    task, roles = FLOW.act(task, actor=actor, action="return", expected_version=expected_version)
    reason = _require_text(reason, "reason", _("Give the reason for returning the task."))
    unit = roles.acting_unit(roles.reviewing_lead + roles.accepting, rules.REVIEWING)
    _return(task, actor=actor, reason=reason, unit=unit)
    return task


REOPEN_TRIGGERS = {
    "relapse": "反弹",
    "follow_up": "跟踪检查发现",
    "repeat_complaint": "重复投诉",
}


@transaction.atomic
def task_reopen(
    *, actor, task: Task, expected_version: int | None, trigger: str, reason: str
) -> Task:
    """Reopen a signed-off task on relapse, a follow-up finding or a repeat complaint."""
    task, _roles = FLOW.act(task, actor=actor, action="reopen", expected_version=expected_version)
    if trigger not in REOPEN_TRIGGERS:
        raise ValidationError({"trigger": _("Choose why the task is reopened.")})
    reason = _require_text(reason, "reason", _("Describe what was found."))
    _transition(
        task,
        actor=actor,
        to=Status.REOPENED,
        kind=EventKind.REOPENED,
        comment=reason,
        data={"trigger": trigger},
        signed_off_at=None,
        assigned_at=timezone.now(),
        progress=0,
        last_report_at=None,
    )
    if task.parent_id:
        parent = Task.objects.select_for_update().get(pk=task.parent_id)
        if parent.status == Status.SIGNED_OFF:
            _transition(
                parent,
                actor=actor,
                to=Status.IN_PROGRESS,
                kind=EventKind.REOPENED,
                comment=reason,
                data={"trigger": trigger, "share": task.pk},
                signed_off_at=None,
            )
    return task


@transaction.atomic
def accountability_record(
    *,
    actor,
    task: Task,
    person_name: str,
    post: str,
    unit: Unit,
    measure: str,
    reason: str,
    decided_on: dt.date,
) -> Accountability:
    task, _roles = FLOW.act(task, actor=actor, action="record_accountability")
    record = Accountability(
        task=task,
        person_name=person_name.strip(),
        post=post.strip(),
        unit=unit,
        measure=measure,
        reason=reason.strip(),
        decided_on=decided_on,
        recorded_by=actor,
    )
    record.full_clean()
    record.save()
    _touch(task)
    _record(
        task,
        actor=actor,
        kind=EventKind.ACCOUNTABILITY,
        unit=unit,
        comment=record.reason,
        data={"accountability": record.pk, "person": record.person_name, "measure": record.measure},
    )
    return record


@transaction.atomic
def task_withdraw(*, actor, task: Task, expected_version: int | None, reason: str) -> Task:
    """Tasks are never deleted: a task entered by mistake is withdrawn, with the reason."""
    task, _roles = FLOW.act(task, actor=actor, action="withdraw", expected_version=expected_version)
    reason = _require_text(reason, "reason", _("Give the reason for withdrawing the task."))
    _transition(task, actor=actor, to=Status.WITHDRAWN, kind=EventKind.WITHDRAWN, comment=reason)
    for share in task.shares.exclude(status__in=[Status.WITHDRAWN, Status.SIGNED_OFF]):
        share = Task.objects.select_for_update().get(pk=share.pk)
        _transition(
            share, actor=actor, to=Status.WITHDRAWN, kind=EventKind.WITHDRAWN, comment=reason
        )
    if task.parent_id:
        _roll_up(task.parent, actor=actor)
    return task


# --- notifications ---------------------------------------------------------------------------


@transaction.atomic
def notifications_mark_read(*, user, notifications: Iterable[Notification] | None = None) -> int:
    """Mark the user's unread notifications read: those given, or all of them; returns how many.

    Only the user's own are touched, whatever is passed in. A person's inbox is no workflow
    step on a task, so no event is written.
    """
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notifications is not None:
        unread = unread.filter(pk__in=[n.pk for n in notifications])
    return unread.update(read_at=timezone.now())


# --- shares ----------------------------------------------------------------------------------


def _roll_up(parent: Task, *, actor) -> None:
    """A split task's progress is the mean of its live shares; it closes with the last one."""
    parent = Task.objects.select_for_update().select_related("campaign").get(pk=parent.pk)
    if parent.status == Status.WITHDRAWN:
        return
    live = parent.shares.exclude(status=Status.WITHDRAWN)
    if not live.exists():
        return
    parent.progress = round(live.aggregate(p=Avg("progress"))["p"] or 0)
    all_closed = not live.exclude(status=Status.SIGNED_OFF).exists()
    if all_closed and parent.status != Status.SIGNED_OFF:
        _transition(
            parent,
            actor=actor,
            to=Status.SIGNED_OFF,
            kind=EventKind.SIGNED_OFF,
            comment=_("All shares are signed off."),
            signed_off_at=timezone.now(),
        )
    else:
        _touch(parent)


# --- bulk actions from the ledger list ----------------------------------------------------------


@dataclass
class BulkOutcome:
    """What a bulk action did: ``done`` holds each service's result, in the tasks' order.
    ``refused`` lists (task, reason); when it is not empty nothing was done at all."""

    done: list = dataclasses.field(default_factory=list)
    refused: list[tuple[Task, str]] = dataclasses.field(default_factory=list)


def _refusal(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return getattr(exc, "message", "") or str(exc)


def _all_or_nothing(tasks: Sequence[Task], act) -> BulkOutcome:
    """``act(task)`` (one service call) on every task, in one transaction. Every task is tried,
    so the person learns all refusals at once; then one refusal undoes everything: a bulk
    action is done on the whole selection or not at all."""
    outcome = BulkOutcome()
    with transaction.atomic():
        for task in tasks:
            try:
                with transaction.atomic():
                    outcome.done.append(act(task))
            except (ValidationError, WorkflowError, PermissionDenied) as exc:
                outcome.refused.append((task, _refusal(exc)))
        if outcome.refused:
            transaction.set_rollback(True)
            outcome.done = []
    return outcome


def tasks_assign(*, actor, tasks: Sequence[Task], comment: str = "") -> BulkOutcome:
    """交办 in bulk, through task_assign. A share whose parent is selected too is assigned with
    its parent, not a second time."""
    ids = {t.pk for t in tasks}
    tasks = [t for t in tasks if t.parent_id not in ids]
    return _all_or_nothing(
        tasks,
        lambda task: task_assign(actor=actor, task=task, expected_version=None, comment=comment),
    )


def tasks_urge(*, actor, tasks: Sequence[Task], text: str, response_due: dt.date) -> BulkOutcome:
    """督办 in bulk, through task_urge: the same notice, with the same reply date, to the units
    that carry out each task (implementing and responsible units, else the lead unit) — one
    notice per task when, as usual, one unit carries it out. ``done``: each task's notices."""
    # What is wrong with the notice itself is said once, on the form, not once per task.
    text = _require_text(text, "text", _("Say what must be done."))
    if response_due < _today():
        raise ValidationError({"response_due": _("The reply date cannot be in the past.")})
    scope = scope_for(actor)

    def urge(task: Task) -> list[UrgeNotice]:
        units = rules.TaskRoles(task, scope).executing
        if not units:
            raise ValidationError(_("The task has no unit to urge."))
        return [
            task_urge(
                actor=actor,
                task=task,
                expected_version=None,
                to_unit=unit,
                text=text,
                response_due=response_due,
            )
            for unit in units
        ]

    return _all_or_nothing(tasks, urge)
