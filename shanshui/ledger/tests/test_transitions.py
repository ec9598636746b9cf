"""The transition matrix: every action from every state as every persona, through the pages.

Allowed ones succeed (302), write their event and move the state as the workflow says; refused
ones answer 404 (outside scope), 409 (not possible in this state) or 403 (wrong role) and change
nothing. The expectations below are written from the workflow, independently of rules.py.
"""

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shanshui.ledger.models import Event, MeasureStatus, Status, Task
from shanshui.ledger.scenarios import document, photo

# The forms carry dates relative to today: the clock stands on an ordinary working day.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ordinary_day")]

S = Status
STATES = [
    S.DRAFT,
    S.ASSIGNED,
    S.IN_PROGRESS,
    S.ACCEPTANCE_APPLIED,
    S.RECHECKED,
    S.ACCEPTED,
    S.IN_PUBLIC_NOTICE,
    S.SIGNED_OFF,
    S.REOPENED,
    S.WITHDRAWN,
]

WORKING = {S.ASSIGNED, S.IN_PROGRESS, S.REOPENED}
# action → (states where the workflow allows it, personas allowed, resulting state or None)
WORKFLOW = {
    "edit": (WORKING | {S.DRAFT}, {"office"}, None),
    "assign": ({S.DRAFT}, {"office"}, S.ASSIGNED),
    "split": ({S.DRAFT}, {"office"}, S.DRAFT),
    "accept_assignment": (
        {S.ASSIGNED, S.REOPENED},
        {"district_a", "leader"},  # the unit signs for itself, never the office for it
        S.IN_PROGRESS,
    ),
    "report": ({S.IN_PROGRESS}, {"district_a", "district_a_staff", "leader"}, None),
    "add_evidence": (
        {S.IN_PROGRESS, S.ACCEPTANCE_APPLIED},
        {"district_a", "district_a_staff", "leader"},
        None,
    ),
    "urge": (WORKING | {S.ACCEPTANCE_APPLIED}, {"office", "department"}, None),
    "request_extension": (WORKING, {"district_a", "leader"}, None),
    "apply_acceptance": ({S.IN_PROGRESS}, {"district_a", "leader"}, S.ACCEPTANCE_APPLIED),
    "recheck": ({S.ACCEPTANCE_APPLIED}, {"office", "department"}, S.RECHECKED),
    "accept": ({S.RECHECKED}, {"office"}, S.ACCEPTED),
    "return": (
        {S.ACCEPTANCE_APPLIED, S.RECHECKED, S.ACCEPTED, S.IN_PUBLIC_NOTICE},
        None,
        S.IN_PROGRESS,
    ),
    "start_notice": ({S.ACCEPTED}, {"office"}, S.IN_PUBLIC_NOTICE),
    "sign_off": ({S.IN_PUBLIC_NOTICE}, {"office"}, S.SIGNED_OFF),
    "reopen": ({S.SIGNED_OFF}, {"office"}, S.REOPENED),
    "record_accountability": (set(STATES) - {S.DRAFT}, {"office"}, None),
    "withdraw": (set(STATES) - {S.SIGNED_OFF, S.WITHDRAWN}, {"office"}, S.WITHDRAWN),
}
# Who may return depends on the review step (谁复查/谁验收 returns).
RETURNERS = {
    S.ACCEPTANCE_APPLIED: {"office", "department"},
    S.RECHECKED: {"office"},  # the accepting unit is the office
    S.ACCEPTED: {"office"},
    S.IN_PUBLIC_NOTICE: {"office"},
}
IN_SCOPE = {"office", "district_a", "district_a_staff", "leader", "department"}
PERSONAS = [*sorted(IN_SCOPE), "district_b", "citizen"]


def expected(action: str, state: str, persona: str) -> int:
    states, allowed, _result = WORKFLOW[action]
    if persona not in IN_SCOPE:
        return 404
    if state not in states:
        return 409
    if action == "return":
        allowed = RETURNERS[state]
    if action == "sign_off" and state == S.IN_PUBLIC_NOTICE and persona not in allowed:
        # The base task's notice still runs (prepare() ends it only for the allowed persona's
        # try): 销号 is refused to everyone then, as a matter of state.
        return 409
    return 302 if persona in allowed else 403


def payload(action: str, personas, task: Task) -> dict:
    today = timezone.localdate()
    return {
        "edit": {
            "title": task.title + "（修订）",
            "problem": task.problem,
            "target": "",
            "is_public": "on",
            "lead": personas.unit_department.pk,
            "implementing": [personas.unit_a.pk],
            "accepting": personas.unit_office.pk,
            "measures": "\n".join(task.measures.values_list("text", flat=True)),
        },
        "assign": {"comment": "请按期整改"},
        "split": {"units": [personas.unit_a.pk, personas.unit_b.pk]},
        "accept_assignment": {"comment": "收到"},
        "report": {"text": "按计划推进", "percent": "40"},
        "add_evidence": {"files": [photo()], "comment": "补充照片"},
        "urge": {
            "to_unit": personas.unit_a.pk,
            "text": "加快进度",
            "response_due": (today + dt.timedelta(days=5)).isoformat(),
        },
        "request_extension": {
            "requested_deadline": (task.deadline + dt.timedelta(days=60)).isoformat()
            if task.deadline
            else "",
            "reason": "汛期影响",
        },
        "apply_acceptance": {
            "summary": "已完成整改",
            **{
                f"check_{i}": "已落实"
                for i in [
                    "measures_done",
                    "violations_punished",
                    "standards_met",
                    "lessons_applied",
                    "mechanism",
                    "files_complete",
                ]
            },
            **{
                f"files_{i}": [document(f"{i}.pdf", i)]
                for i in [
                    "measures_done",
                    "violations_punished",
                    "standards_met",
                    "lessons_applied",
                    "mechanism",
                    "files_complete",
                ]
            },
        },
        "recheck": {"passed": "1", "opinion": "复查属实"},
        "accept": {"accepted_by_name": "李验收", "opinion": "同意验收"},
        "return": {"reason": "资料不全"},
        "start_notice": {},
        "sign_off": {},
        "reopen": {"trigger": "relapse", "reason": "问题反弹"},
        "record_accountability": {
            "person_name": "王某",
            "post": "科长",
            "unit": personas.unit_a.pk,
            "measure": "admonition",
            "reason": "整改不力",
            "decided_on": today.isoformat(),
        },
        "withdraw": {"reason": "重复录入"},
    }[action]


def prepare(action: str, task: Task) -> None:
    """What must be true beyond the state for an allowed action to succeed."""
    if action == "apply_acceptance":
        task.measures.update(status=MeasureStatus.DONE)
    if action == "sign_off":
        Task.objects.filter(pk=task.pk).update(
            notice_end=timezone.localdate() - dt.timedelta(days=1)
        )


_clients: dict[int, Client] = {}


class _RollBack(Exception):
    pass


def post(personas, persona: str, task: Task, action: str):
    user = getattr(personas, persona)
    client = _clients.get(user.pk)
    if client is None:
        client = _clients[user.pk] = Client()
        client.force_login(user)
    task.refresh_from_db()
    data = payload(action, personas, task)
    data["version"] = task.version
    return client.post(reverse("ledger:action", args=[task.pk, action]), data)


def snapshot(task: Task):
    task.refresh_from_db()
    return task.status, task.version, Event.objects.filter(task=task).count()


@pytest.mark.parametrize("state", STATES)
def test_transition_matrix(state, personas, task_in):
    _clients.clear()
    for persona in PERSONAS:  # log in outside the savepoints below (sessions are rows too)
        user = getattr(personas, persona)
        _clients[user.pk] = Client()
        _clients[user.pk].force_login(user)
    base = task_in(state)
    for action in WORKFLOW:
        for persona in PERSONAS:
            want = expected(action, state, persona)
            if want == 302:
                # Carried out inside a savepoint that is rolled back afterwards, so the same
                # task serves the next allowed persona in the same state.
                try:
                    with transaction.atomic():
                        prepare(action, base)
                        before = snapshot(base)
                        response = post(personas, persona, base, action)
                        assert response.status_code == 302, (
                            action,
                            state,
                            persona,
                            response.content.decode()[:3000],
                        )
                        assert response["Location"].startswith(f"/ledger/tasks/{base.pk}/")
                        status, version, events = snapshot(base)
                        assert events > before[2], (action, state, persona)
                        assert version > before[1]
                        result = WORKFLOW[action][2]
                        assert status == (result or state), (action, state, persona, status)
                        raise _RollBack
                except _RollBack:
                    pass
            else:
                before = snapshot(base)
                response = post(personas, persona, base, action)
                assert response.status_code == want, (
                    action,
                    state,
                    persona,
                    response.status_code,
                    want,
                )
                assert snapshot(base) == before, (action, state, persona)
