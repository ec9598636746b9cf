"""Who may do what to a task, in which state. 权责规则

One table for services (which enforce it), pages (which show only the allowed forms) and the API.
``check(user, task, action)`` raises:

- Http404 when the task is outside the user's data scope (callers usually load it scoped);
- InvalidTransition (HTTP 409) when the task's state does not allow the action at all;
- PermissionDenied (HTTP 403) when the state allows it but the user's role on the task does not.
"""

from __future__ import annotations

from functools import cached_property

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanshui.ledger.models import DeadlineKind, Status, Task, UnitRole
from shanshui.lib.workflow import Action, actions_table, enforce
from shanshui.orgs.models import Role, Unit
from shanshui.orgs.scope import DataScope, scope_for

# Roles that act for a unit (submit, apply) and that review for a unit.
ACTING = (Role.UNIT_ADMIN, Role.LEADER)
REPORTING = (Role.UNIT_ADMIN, Role.LEADER, Role.STAFF)
REVIEWING = (Role.UNIT_ADMIN, Role.LEADER, Role.REVIEWER)

WORKING = (Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED)


ACTIONS: dict[str, Action] = actions_table(
    [
        Action("edit", gettext_lazy("Edit"), (Status.DRAFT, *WORKING)),
        Action("split", gettext_lazy("Split into district shares"), (Status.DRAFT,)),
        Action(
            "assign",
            gettext_lazy("Assign"),
            (Status.DRAFT,),
            confirm=gettext_lazy(
                "The task will be sent to its units, and from then on its deadline changes only "
                "through an approved extension. This cannot be undone."
            ),
        ),
        Action(
            "accept_assignment",
            gettext_lazy("Accept the assignment"),
            (Status.ASSIGNED, Status.REOPENED),
        ),
        Action("report", gettext_lazy("Report progress"), (Status.IN_PROGRESS, Status.SIGNED_OFF)),
        Action("urge", gettext_lazy("Issue an urge notice"), (*WORKING, Status.ACCEPTANCE_APPLIED)),
        Action("answer_urge", gettext_lazy("Answer an urge notice"), tuple(Status.values)),
        Action("request_extension", gettext_lazy("Request an extension"), WORKING),
        Action("decide_extension", gettext_lazy("Decide on the extension"), tuple(Status.values)),
        Action("apply_acceptance", gettext_lazy("Apply for acceptance"), (Status.IN_PROGRESS,)),
        Action("recheck", gettext_lazy("Recheck (lead unit)"), (Status.ACCEPTANCE_APPLIED,)),
        Action(
            "accept",
            gettext_lazy("Accept"),
            (Status.RECHECKED,),
            confirm=gettext_lazy(
                "The rectification will be recorded as accepted, with your opinion and the "
                "acceptor's name. This cannot be undone."
            ),
        ),
        Action(
            "return",
            gettext_lazy("Return"),
            (Status.ACCEPTANCE_APPLIED, Status.RECHECKED, Status.ACCEPTED, Status.IN_PUBLIC_NOTICE),
        ),
        Action("start_notice", gettext_lazy("Start the public notice"), (Status.ACCEPTED,)),
        # Objections stay answerable after the task has moved on (e.g. one was upheld).
        Action("handle_objection", gettext_lazy("Handle an objection"), tuple(Status.values)),
        Action(
            "sign_off",
            gettext_lazy("Sign off"),
            (Status.ACCEPTED, Status.IN_PUBLIC_NOTICE),
            confirm=gettext_lazy(
                "The task will be signed off and leave the open ledger. This cannot be undone."
            ),
        ),
        Action("reopen", gettext_lazy("Reopen"), (Status.SIGNED_OFF,)),
        Action(
            "record_accountability",
            gettext_lazy("Record accountability"),
            tuple(s for s in Status.values if s != Status.DRAFT),
        ),
        Action(
            "withdraw",
            gettext_lazy("Withdraw"),
            tuple(s for s in Status.values if s not in (Status.SIGNED_OFF, Status.WITHDRAWN)),
        ),
        Action(
            "add_evidence",
            gettext_lazy("Add evidence"),
            (Status.IN_PROGRESS, Status.ACCEPTANCE_APPLIED, Status.SIGNED_OFF),
        ),
    ]
)


class TaskRoles:
    """The task's units by role, and what a user holds on them."""

    def __init__(self, task: Task, scope: DataScope) -> None:
        self.task = task
        self.scope = scope
        self.by_role: dict[str, list[Unit]] = {}
        for tu in task.task_units.all():
            self.by_role.setdefault(tu.role, []).append(tu.unit)

    @cached_property
    def is_split(self) -> bool:
        return bool(self.task.pk) and self.task.shares.exists()

    @cached_property
    def open_urge_units(self) -> list[Unit]:
        return [u.to_unit for u in self.task.urges.select_related("to_unit") if not u.responded_at]

    def units(self, *roles: str) -> list[Unit]:
        return [u for role in roles for u in self.by_role.get(role, [])]

    @property
    def executing(self) -> list[Unit]:
        """Units that carry out the rectification: implementing and responsible, else the lead."""
        units = self.units(UnitRole.IMPLEMENTING, UnitRole.RESPONSIBLE)
        return units or self.units(UnitRole.LEAD)

    @property
    def reviewing_lead(self) -> list[Unit]:
        return self.units(UnitRole.LEAD)

    @property
    def accepting(self) -> list[Unit]:
        return self.units(UnitRole.ACCEPTING)

    def holds(self, units: list[Unit], roles: tuple[str, ...]) -> bool:
        return any(self.scope.has_role(u, *roles) for u in units)

    def works_for(self, units: list[Unit], roles: tuple[str, ...]) -> bool:
        return any(acts_for(self.scope, u, roles) for u in units)

    def acting_unit(self, units: list[Unit], roles: tuple[str, ...]) -> Unit | None:
        """The first of ``units`` on which the user holds one of ``roles`` (for the event)."""
        for unit in units:
            if self.scope.has_role(unit, *roles):
                return unit
        return None


def acts_for(scope: DataScope, unit: Unit, roles: tuple[str, ...]) -> bool:
    """Whether the user is one of ``unit``'s own people in one of ``roles`` — for the steps a
    unit takes for itself (签收, reporting, applying, answering an urge notice). Oversight is not
    enough: the office sees every district's task but does not sign for the district. On its own
    unit (督察整改办 as the implementing unit) the office role acts."""
    own = scope.own_roles_on(unit)
    return bool(own & set(roles)) or Role.OFFICE in own


def _office(scope: DataScope) -> bool:
    return scope.sees_all


def role_allows(scope: DataScope, task: Task, action: str, roles: TaskRoles | None = None) -> bool:
    """Whether the user's roles on the task allow ``action`` (the state is checked separately)."""
    r = roles or TaskRoles(task, scope)
    office = _office(scope)
    split_parent = r.is_split
    if action in {
        "edit",
        "split",
        "assign",
        "urge",
        "decide_extension",
        "start_notice",
        "handle_objection",
        "sign_off",
        "reopen",
        "record_accountability",
        "withdraw",
    }:
        if action == "urge":
            return office or r.holds(r.reviewing_lead, ACTING)
        if action == "split":
            return office and not task.parent_id
        return office
    if split_parent and action in {
        "accept_assignment",
        "report",
        "request_extension",
        "apply_acceptance",
        "recheck",
        "accept",
        "add_evidence",
    }:
        return False  # a split task is worked through its shares
    if action in {"accept_assignment", "request_extension", "apply_acceptance"}:
        return r.works_for(r.executing, ACTING)
    if action in {"report", "add_evidence"}:
        if (
            action == "report"
            and task.status == Status.SIGNED_OFF
            and (task.deadline_kind != DeadlineKind.ONGOING)
        ):
            return False
        return r.works_for(r.executing, REPORTING)
    if action == "answer_urge":
        return r.works_for(r.open_urge_units, ACTING)
    if action == "recheck":
        return r.holds(r.reviewing_lead, REVIEWING) if r.reviewing_lead else office
    if action == "accept":
        return r.holds(r.accepting, REVIEWING) if r.accepting else office
    if action == "return":
        if task.status == Status.ACCEPTANCE_APPLIED:
            return office or r.holds(r.reviewing_lead, REVIEWING)
        if task.status == Status.RECHECKED:
            return office or r.holds(r.accepting, REVIEWING)
        return office
    return False


def state_allows(task: Task, action: str) -> bool:
    spec = ACTIONS[action]
    if task.status not in spec.states:
        return False
    if action == "report" and task.status == Status.SIGNED_OFF:
        return task.deadline_kind == DeadlineKind.ONGOING
    if action == "add_evidence" and task.status == Status.SIGNED_OFF:
        return task.deadline_kind == DeadlineKind.ONGOING
    if action == "start_notice":
        return task.is_public
    if action == "sign_off" and task.status == Status.ACCEPTED:
        return not task.is_public  # public tasks are signed off after their notice
    if action == "sign_off" and task.status == Status.IN_PUBLIC_NOTICE:
        return notice_over(task)
    if action == "request_extension":
        return task.deadline is not None and task.deadline_kind != DeadlineKind.ONGOING
    return True


def notice_over(task: Task) -> bool:
    """Whether the public notice (公示) has run its days: 销号 comes after it, never during."""
    return task.notice_end is None or timezone.localdate() > task.notice_end


def check(user, task: Task, action: str) -> TaskRoles:
    scope = scope_for(user)
    roles = TaskRoles(task, scope)
    enforce(
        state_ok=state_allows(task, action),
        role_ok=lambda: role_allows(scope, task, action, roles),
        state_refusal=lambda: _state_refusal(task, action),
        role_refusal=_("Your role on this task does not allow this action."),
    )
    return roles


def _state_refusal(task: Task, action: str) -> str:
    if action == "sign_off" and task.status == Status.IN_PUBLIC_NOTICE and task.notice_end:
        return _("The public notice runs until %(day)s; sign off after it ends.") % {
            "day": task.notice_end.isoformat()
        }
    return _("“%(action)s” is not possible while the task is %(status)s.") % {
        "action": ACTIONS[action].label,
        "status": task.get_status_display(),
    }


def allowed_actions(user, task: Task) -> list[str]:
    scope = scope_for(user)
    roles = TaskRoles(task, scope)
    return [
        name
        for name in ACTIONS
        if state_allows(task, name) and role_allows(scope, task, name, roles)
    ]
