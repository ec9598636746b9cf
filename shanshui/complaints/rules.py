"""Who may do what to a case, in which state. 办理权责

One table for services (which enforce it), pages (which show only the allowed forms) and the API,
as in the ledger. ``check(user, complaint, action)`` raises InvalidTransition (409) when the state
does not allow the action and PermissionDenied (403) when the user's role does not; loading the
case through ``visible_complaints`` gives the 404 outside the data scope.
"""

from __future__ import annotations

from functools import cached_property

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanshui.complaints.models import OPEN_STATUSES, Closure, Complaint, Status, UnitRole
from shanshui.ledger.models import Status as TaskStatus
from shanshui.lib.workflow import Action, actions_table, enforce
from shanshui.orgs.models import Role, Unit
from shanshui.orgs.scope import DataScope, scope_for

ACTING = (Role.UNIT_ADMIN, Role.LEADER)  # 联络员, 领导: transfer on, close, publish
REPORTING = (Role.UNIT_ADMIN, Role.LEADER, Role.STAFF)  # 经办人 may investigate and record
REVIEWING = (Role.LEADER, Role.REVIEWER)  # second review (复核)
# Who sees the reporter's contact details: the roles that handle the case (never viewers).
CONTACT_ROLES = (Role.UNIT_ADMIN, Role.LEADER, Role.STAFF, Role.REVIEWER)

WORKING = (Status.TRANSFERRED, Status.INVESTIGATING)
# The reporter's own steps, taken with the tracking code (no login): the service checks the
# code, and the rules let no signed-in user take them (they are not staff actions).
REPORTER_ACTIONS = frozenset({"add_info", "rate"})
REPLIED = (Status.STAGE_CLOSED, Status.CLOSED, Status.PUBLISHED)


ACTIONS: dict[str, Action] = actions_table(
    [
        Action("transfer", gettext_lazy("Transfer"), (Status.RECEIVED, Status.TRANSFERRED)),
        Action("reject", gettext_lazy("Do not accept"), (Status.RECEIVED,)),
        Action("start", gettext_lazy("Start the investigation"), (Status.TRANSFERRED,)),
        Action("transfer_down", gettext_lazy("Transfer to a town"), WORKING),
        Action("send_back", gettext_lazy("Send back to the office"), WORKING),
        Action("handle", gettext_lazy("Record the handling result"), (Status.INVESTIGATING,)),
        Action("review", gettext_lazy("Second review"), (Status.HANDLED,)),
        Action(
            "close",
            gettext_lazy("Close"),
            (Status.HANDLED,),
            confirm=gettext_lazy(
                "The case will be closed with the handling result recorded. This cannot be undone."
            ),
        ),
        Action(
            "complete_follow_up",
            gettext_lazy("Complete the follow-up"),
            (Status.STAGE_CLOSED, Status.PUBLISHED),
        ),
        Action(
            "publish",
            gettext_lazy("Publish"),
            (Status.CLOSED, Status.STAGE_CLOSED),
            confirm=gettext_lazy(
                "The handling result will be published for everyone to read. This cannot be undone."
            ),
        ),
        Action(
            "link",
            gettext_lazy("Link an earlier case"),
            (*WORKING, Status.RECEIVED, Status.HANDLED),
        ),
        Action(
            "promote",
            gettext_lazy("Put on the rectification ledger"),
            tuple(s for s in Status.values if s != Status.REJECTED),
        ),
        Action(
            "reopen_task",
            gettext_lazy("Reopen the signed-off ledger task"),
            tuple(Status.values),
        ),
        Action("moderate", gettext_lazy("Moderate"), tuple(Status.values)),
        Action("add_info", gettext_lazy("Add information"), OPEN_STATUSES),
        Action("rate", gettext_lazy("Say whether you are satisfied"), REPLIED),
    ]
)


class CaseRoles:
    """The case's units by role, and what a user holds on them."""

    def __init__(self, complaint: Complaint, scope: DataScope) -> None:
        self.complaint = complaint
        self.scope = scope
        self.by_role: dict[str, list[Unit]] = {}
        for cu in complaint.units.all():
            self.by_role.setdefault(cu.role, []).append(cu.unit)

    @property
    def handling(self) -> list[Unit]:
        return self.by_role.get(UnitRole.HANDLING, [])

    @property
    def towns(self) -> list[Unit]:
        return self.by_role.get(UnitRole.TOWN, [])

    def holds(self, units: list[Unit], roles: tuple[str, ...]) -> bool:
        return any(self.scope.has_role(u, *roles) for u in units)

    def acting_unit(self, roles: tuple[str, ...]) -> Unit | None:
        for unit in [*self.handling, *self.towns]:
            if self.scope.has_role(unit, *roles):
                return unit
        return None

    @cached_property
    def is_handler(self) -> bool:
        return self.holds(self.handling, REPORTING) or self.holds(self.towns, REPORTING)


def role_allows(scope: DataScope, c: Complaint, action: str, r: CaseRoles | None = None) -> bool:
    if action in REPORTER_ACTIONS:
        return not getattr(scope.user, "is_authenticated", False)
    r = r or CaseRoles(c, scope)
    office = scope.sees_all
    if action in {"transfer", "reject", "promote", "reopen_task", "moderate"}:
        return office
    if action in {"start", "handle", "link"}:
        return office or r.is_handler
    if action in {"transfer_down", "send_back", "close", "complete_follow_up"}:
        return office or r.holds(r.handling, ACTING)
    if action == "publish":
        return office or r.holds(r.handling, ACTING)
    if action == "review":
        # Separation of duties: the person who recorded the finding does not review it.
        if c.handled_by_id and c.handled_by_id == scope.user.pk:
            return False
        return office or r.holds(r.handling, REVIEWING)
    return False


def state_allows(c: Complaint, action: str) -> bool:
    if c.status not in ACTIONS[action].states:
        return False
    if action == "review":
        return c.needs_review and c.reviewed_at is None
    if action == "close":
        return not c.needs_review or c.reviewed_at is not None
    if action == "complete_follow_up":
        return c.closure == Closure.STAGE_CLOSED
    if action == "promote":
        return c.task_id is None
    if action == "rate":
        # Once, and only on a reply (a case closed without one has nothing to rate).
        return c.replied_at is not None and not c.satisfaction
    if action == "reopen_task":
        return reopenable_task(c) is not None
    return True


def reopenable_task(c: Complaint):
    """The signed-off ledger task this case repeats: its own, or that of a linked earlier case."""
    if c.task_id and c.task.status == TaskStatus.SIGNED_OFF:
        return c.task
    for link in c.links_out.select_related("earlier__task"):
        task = link.earlier.task
        if task is not None and task.status == TaskStatus.SIGNED_OFF:
            return task
    return None


def check(user, c: Complaint, action: str) -> CaseRoles:
    scope = scope_for(user)
    roles = CaseRoles(c, scope)

    def state_refusal() -> str:
        if action == "close" and c.status == Status.HANDLED:
            return _("This case needs a second review before it can be closed (不属实 or 重点).")
        if action == "add_info":
            return _("This case is closed: information can no longer be added.")
        if action == "rate" and c.satisfaction:
            return _("You have already said whether you are satisfied.")
        if action == "rate":
            return _("There is no reply to rate yet.")
        return _("“%(action)s” is not possible while the case is %(status)s.") % {
            "action": ACTIONS[action].label,
            "status": c.get_status_display(),
        }

    enforce(
        state_ok=state_allows(c, action),
        role_ok=lambda: role_allows(scope, c, action, roles),
        state_refusal=state_refusal,
        role_refusal=_("Your role on this case does not allow this action."),
    )
    return roles


def allowed_actions(user, c: Complaint) -> list[str]:
    scope = scope_for(user)
    roles = CaseRoles(c, scope)
    return [n for n in ACTIONS if state_allows(c, n) and role_allows(scope, c, n, roles)]


def sees_contact(user, c: Complaint) -> bool:
    """Whether the user may read the reporter's contact details of this case."""
    scope = scope_for(user)
    if scope.sees_all:
        return True
    roles = CaseRoles(c, scope)
    return roles.holds([*roles.handling, *roles.towns], CONTACT_ROLES)
