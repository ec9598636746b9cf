"""Notices that arrive when something happens. 待办通知

Every event the services record goes through ``FLOW.after_record`` to :func:`event_recorded`.
For the kinds that hand the work on (交办, 申请验收, 复查, 验收, 退回, 督办, 异议, 延期 …) it
queues :func:`deliver_event` — a django-tasks task — once the transaction commits (nothing when
it rolls back). The task tells the people whose turn it now is, once each (``Notification.key``
is unique per user and event): in the app, by e-mail where the person has an address, and
through the text-message gateway (shanshui.lib.messaging).

Whose turn it is comes from the rules table, not a second list: the event's kind names the
actions that come next (``TURNS``), and the people are those of the task's units (or of the unit
the event names) whose *own* roles the rules let take one of them — oversight is left out, so
the office is not told to sign for a district. Only when no unit's people may (no lead unit to
recheck, the office's own steps) does it fall to the office.

The daily reminders (reminders.py) are delivered by the same :func:`deliver`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task as background_task

from shanshui.ledger import rules
from shanshui.ledger.models import Event, EventKind, ExtensionRequest, Notification, Task
from shanshui.lib import messaging
from shanshui.orgs.models import Membership, Role, Unit
from shanshui.orgs.scope import DataScope

log = logging.getLogger(__name__)


# --- delivery (shared with the daily reminders) ----------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One notice for one person; ``key`` is what makes it once-only for them."""

    user_id: int
    email: str
    task_id: int | None
    kind: str
    key: str
    title: str
    body: str
    url: str = ""  # a path in the site, when the notice is about something other than a task


@dataclass
class DeliveryResult:
    created: int = 0
    already: int = 0
    emailed: int = 0
    email_failures: int = 0
    texted: int = 0


def _link(notice: Notice) -> str:
    path = notice.url or (reverse("ledger:task", args=[notice.task_id]) if notice.task_id else "/")
    return settings.SHANSHUI_SITE_URL.rstrip("/") + path


def deliver(notices: Iterable[Notice], *, dry_run: bool = False) -> DeliveryResult:
    """Store each notice once per person, e-mail the ones not yet e-mailed, and hand the new
    ones to the text-message gateway. Safe to run again: nothing is sent twice."""
    result = DeliveryResult()
    texts: list[tuple[Notice, str]] = []
    for n in notices:
        if dry_run:
            exists = Notification.objects.filter(user_id=n.user_id, key=n.key).exists()
            result.already += exists
            result.created += not exists
            continue
        try:
            with transaction.atomic():
                note, created = Notification.objects.get_or_create(
                    user_id=n.user_id,
                    key=n.key,
                    defaults={
                        "task_id": n.task_id,
                        "kind": n.kind,
                        "title": n.title[:200],
                        "body": n.body,
                        "url": n.url[:200],
                    },
                )
        except IntegrityError:  # a concurrent run created it first
            result.already += 1
            continue
        result.created += created
        result.already += not created
        link = _link(n)
        if created:
            texts.append((n, f"【山水】{n.title} {link}"))
        if note.emailed_at is None and n.email:
            try:
                send_mail(f"[山水] {n.title}", f"{n.body}\n\n{link}", None, [n.email])
            except Exception:  # mail trouble must not stop the run; retried next time
                log.exception("notice e-mail to user %s failed", n.user_id)
                result.email_failures += 1
            else:
                Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
                result.emailed += 1
    result.texted = _text(texts)
    return result


def _text(texts: list[tuple[Notice, str]]) -> int:
    if not texts:
        return 0
    users = get_user_model().objects.in_bulk({n.user_id for n, _text in texts})
    messages = []
    for n, text in texts:
        user = users.get(n.user_id)
        if user is None:
            continue
        messages.append(
            messaging.TextMessage(
                user_id=user.pk,
                username=user.get_username(),
                full_name=user.get_full_name(),
                # The user model has no mobile number; a gateway that needs one looks the
                # account up (see shanshui.lib.messaging).
                mobile=getattr(user, "mobile", "") or "",
                text=text,
            )
        )
    try:
        return messaging.send_text(messages)
    except Exception:  # the notice is stored and e-mailed; a text is never the only copy
        log.exception("text messages for %d notices failed", len(messages))
        return 0


# --- whose turn it is ------------------------------------------------------------------------


class OwnScope(DataScope):
    """A user's scope as one of their units' own people: oversight (the office seeing every
    unit in every role) left out. The rules asked with it say whose own step an action is."""

    sees_all = False


def candidates(units: Iterable[Unit]) -> list[tuple[object, list[Membership]]]:
    """Active users holding a role on one of ``units``, on a unit above it, or on the unit that
    succeeded it (as the rules count them), each with all their memberships."""
    ids: set[int] = set()
    for unit in units:
        for u in {unit, unit.current_successor()}:
            ids.update(int(part) for part in u.path.split("/") if part)
    user_ids = (
        Membership.objects.filter(unit_id__in=ids, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    return _with_memberships(Membership.objects.filter(user_id__in=user_ids))


def office_people() -> list[tuple[object, list[Membership]]]:
    user_ids = Membership.objects.filter(role=Role.OFFICE, user__is_active=True).values_list(
        "user_id", flat=True
    )
    return _with_memberships(Membership.objects.filter(user_id__in=user_ids))


def _with_memberships(memberships) -> list[tuple[object, list[Membership]]]:
    by_user: dict[int, list[Membership]] = defaultdict(list)
    users = {}
    for m in memberships.select_related("user", "unit").order_by("unit__path", "role"):
        by_user[m.user_id].append(m)
        users[m.user_id] = m.user
    return [(users[pk], by_user[pk]) for pk in sorted(by_user)]


def scope_of(user, memberships: list[Membership], *, own: bool) -> DataScope:
    scope = (OwnScope if own else DataScope)(user)
    scope.memberships = memberships  # loaded once for everyone asked
    return scope


def whose_turn(
    pool: Iterable[Unit], allows: Callable[[DataScope], bool], *, exclude: int | None = None
) -> list:
    """The users whose own roles on ``pool``'s units ``allows``; failing any, the office's
    people when the rules leave the step to the office."""
    people = [
        user
        for user, ms in candidates(pool)
        if user.pk != exclude and allows(scope_of(user, ms, own=True))
    ]
    if people:
        return people
    return [
        user
        for user, ms in office_people()
        if user.pk != exclude and allows(scope_of(user, ms, own=False))
    ]


# --- the ledger's events ---------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """What an event hands on: the rules' actions that come next, and how the notice reads.

    ``pool``: the units whose people are asked (default: every unit of the task).
    """

    actions: tuple[str, ...]
    title: object  # lazy translation with %(task)s
    kind: str = ""
    pool: Callable[[Task, Event], list[Unit]] | None = None


def _urged_unit(task: Task, event: Event) -> list[Unit]:
    return list(Unit.objects.filter(pk=event.data.get("to_unit")))


def _requesting_unit(task: Task, event: Event) -> list[Unit]:
    ext = ExtensionRequest.objects.select_related("unit").filter(pk=event.data.get("extension"))
    return [e.unit for e in ext]


REWORK = ("report", "apply_acceptance")

TURNS: dict[str, Turn] = {
    EventKind.ASSIGNED: Turn(
        ("accept_assignment",), gettext_lazy("New task to sign for: %(task)s")
    ),
    EventKind.REOPENED: Turn(
        ("accept_assignment",), gettext_lazy("Task reopened, sign for it again: %(task)s")
    ),
    EventKind.ACCEPTANCE_APPLIED: Turn(
        ("recheck",), gettext_lazy("Acceptance applied, recheck please: %(task)s")
    ),
    EventKind.RECHECKED: Turn(("accept",), gettext_lazy("Recheck passed, accept please: %(task)s")),
    EventKind.ACCEPTED: Turn(
        ("start_notice", "sign_off"),
        gettext_lazy("Accepted, ready for public notice or sign-off: %(task)s"),
    ),
    EventKind.RETURNED: Turn(
        REWORK, gettext_lazy("Task returned for more rectification: %(task)s")
    ),
    EventKind.URGED: Turn(
        ("answer_urge",), gettext_lazy("Urge notice %(number)s: %(task)s"), pool=_urged_unit
    ),
    EventKind.OBJECTION: Turn(
        ("handle_objection",), gettext_lazy("Objection raised in the public notice: %(task)s")
    ),
    EventKind.EXTENSION_REQUESTED: Turn(
        ("decide_extension",), gettext_lazy("Extension requested, decide please: %(task)s")
    ),
    EventKind.EXTENSION_APPROVED: Turn(
        ("report", "request_extension"),
        gettext_lazy("Extension approved, new deadline %(to)s: %(task)s"),
        pool=_requesting_unit,
    ),
    EventKind.EXTENSION_REJECTED: Turn(
        ("report", "request_extension"),
        gettext_lazy("Extension rejected: %(task)s"),
        pool=_requesting_unit,
    ),
}
# A failed recheck returns the task (one event, data {"passed": false}).
RECHECK_FAILED = Turn(
    REWORK, gettext_lazy("Recheck failed, task returned: %(task)s"), kind="recheck_failed"
)


def turn_for(kind: str, data: dict | None) -> Turn | None:
    if kind == EventKind.RECHECKED and (data or {}).get("passed") is False:
        return RECHECK_FAILED
    return TURNS.get(kind)


def event_recorded(task: Task, event: Event) -> None:
    """``FLOW.after_record``: queue the event's notices for when its transaction commits."""
    if turn_for(event.kind, event.data) is None:
        return
    transaction.on_commit(partial(deliver_event.enqueue, event_id=event.pk), robust=True)


def task_event_notices(event: Event) -> list[Notice]:
    turn = turn_for(event.kind, event.data)
    if turn is None:
        return []
    task = (
        Task.objects.select_related("campaign")
        .prefetch_related("task_units__unit")
        .get(pk=event.task_id)
    )
    pool = turn.pool(task, event) if turn.pool else [tu.unit for tu in task.task_units.all()]
    actions = [a for a in turn.actions if rules.state_allows(task, a)]

    def allows(scope: DataScope) -> bool:
        roles = rules.TaskRoles(task, scope)
        return any(rules.role_allows(scope, task, a, roles) for a in actions)

    people = whose_turn(pool, allows, exclude=event.actor_id) if actions else []
    label = f"{task.code} {task.title}"
    title = str(turn.title) % {**event.data, "task": label}
    body = event.comment[:500]
    if event.kind == EventKind.URGED and event.data.get("response_due"):
        body = f"{body}\n" + _("Reply by %(day)s.") % {"day": event.data["response_due"]}
    return [
        Notice(
            user_id=user.pk,
            email=user.email or "",
            task_id=task.pk,
            kind=turn.kind or event.kind,
            key=f"event:{event.pk}",
            title=title,
            body=body.strip(),
        )
        for user in people
    ]


@background_task()
def deliver_event(event_id: int) -> int:
    """Background job: tell whose turn it now is after a ledger event; returns how many new."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None:  # gone with a rolled-back transaction
        return 0
    # Worded in the site's language, whoever's request queued it.
    with translation.override(settings.LANGUAGE_CODE):
        return deliver(task_event_notices(event)).created
