"""Notices after a case's events (转办 …), as the ledger sends them (shanshui.ledger.notify).

``FLOW.after_record`` calls :func:`event_recorded`; once the transaction commits,
:func:`deliver_case_event` (a django-tasks task) tells the people whose turn it now is, taken
from this app's rules table: the handling units' own people who may start the investigation
after a transfer, the office when a case is sent back to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task as background_task

from shanshui.complaints import rules
from shanshui.complaints.models import Complaint, ComplaintEvent, EventKind
from shanshui.ledger.notify import Notice, deliver, whose_turn
from shanshui.orgs.models import Unit
from shanshui.orgs.scope import DataScope


@dataclass(frozen=True)
class Turn:
    actions: tuple[str, ...]
    title: object  # lazy translation with %(case)s


TURNS: dict[str, Turn] = {
    EventKind.TRANSFERRED: Turn(("start",), gettext_lazy("Case transferred to you: %(case)s")),
    EventKind.SENT_BACK: Turn(
        ("transfer",), gettext_lazy("Case sent back to the office: %(case)s")
    ),
    EventKind.INFO_ADDED: Turn(
        ("start", "handle", "close"), gettext_lazy("The reporter added information: %(case)s")
    ),
}


def event_recorded(c: Complaint, event: ComplaintEvent) -> None:
    """``FLOW.after_record``: queue the event's notices for when its transaction commits."""
    if event.kind in TURNS:
        transaction.on_commit(partial(deliver_case_event.enqueue, event_id=event.pk), robust=True)


def case_event_notices(event: ComplaintEvent) -> list[Notice]:
    turn = TURNS.get(event.kind)
    if turn is None:
        return []
    c = Complaint.objects.prefetch_related("units__unit").get(pk=event.complaint_id)
    if event.kind == EventKind.TRANSFERRED:
        pool = list(Unit.objects.filter(pk__in=event.data.get("units") or []))
    else:
        pool = [cu.unit for cu in c.units.all()]
    actions = [a for a in turn.actions if rules.state_allows(c, a)]

    def allows(scope: DataScope) -> bool:
        roles = rules.CaseRoles(c, scope)
        return any(rules.role_allows(scope, c, a, roles) for a in actions)

    people = whose_turn(pool, allows, exclude=event.actor_id) if actions else []
    label = f"{c.code} {c.get_category_display()}".strip()
    body = event.comment[:500]
    if c.deadline and event.kind == EventKind.TRANSFERRED:
        body = (body + "\n" + _("Handle by %(day)s.") % {"day": c.deadline}).strip()
    return [
        Notice(
            user_id=user.pk,
            email=user.email or "",
            task_id=None,
            kind=f"case_{event.kind}"[:24],
            key=f"case-event:{event.pk}",
            title=str(turn.title) % {"case": label},
            body=body,
            url=reverse("complaints:case", args=[c.pk]),
        )
        for user in people
    ]


@background_task()
def deliver_case_event(event_id: int) -> int:
    """Background job: tell whose turn it now is after a case event; returns how many new."""
    event = ComplaintEvent.objects.filter(pk=event_id).first()
    if event is None:  # gone with a rolled-back transaction
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        return deliver(case_event_notices(event)).created
