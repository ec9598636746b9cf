"""The transition matrix: every action from every state as every persona, through the pages.

Allowed ones succeed (302), write their event and move the state as the workflow says; refused
ones answer 404 (outside scope), 409 (not possible in this state) or 403 (wrong role) and change
nothing. The expectations below are written from the workflow (DESIGN §3, the 交办件 practice),
independently of rules.py, and each is also checked against ``rules.allowed_actions``: the page
offers exactly the actions that succeed.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shanshui.complaints import rules, services
from shanshui.complaints.models import Complaint, Finding, Status
from shanshui.ledger.models import Status as TaskStatus
from shanshui.ledger.scenarios import drive, make_campaign, make_task

# The forms carry dates relative to today: the clock stands on an ordinary working day.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ordinary_day")]

S = Status
# Named states: the status, and for "handled" and "published" the variants that matter.
STATES = [
    "received",
    "rejected",
    "transferred",
    "investigating",
    "handled",  # 属实, not key: may close
    "handled_to_review",  # 不属实, not reviewed yet
    "handled_reviewed",  # 不属实, reviewed: may close
    "stage_closed",
    "closed",
    "published",  # published after a plain close
    "published_stage",  # published while stage-closed: the follow-up is still due
]
STATUS_OF = {
    "handled_to_review": S.HANDLED,
    "handled_reviewed": S.HANDLED,
    "published_stage": S.PUBLISHED,
}

HANDLED = {"handled", "handled_to_review", "handled_reviewed"}
OFFICE = {"office"}
ACTING = {"office", "district_a", "leader"}  # 联络员 and 领导 of the handling district
HANDLERS = {"office", "district_a", "district_a_staff", "leader", "town_a"}
EVERY = set(STATES)

# action → (named states where the workflow allows it, personas allowed, resulting status or
# None for "unchanged")
WORKFLOW = {
    "transfer": ({"received", "transferred"}, OFFICE, S.TRANSFERRED),
    "reject": ({"received"}, OFFICE, S.REJECTED),
    "start": ({"transferred"}, HANDLERS, S.INVESTIGATING),
    "transfer_down": ({"transferred", "investigating"}, ACTING, S.INVESTIGATING),
    "send_back": ({"transferred", "investigating"}, ACTING, S.RECEIVED),
    "handle": ({"investigating"}, HANDLERS, S.HANDLED),
    # The second review: the office or the district's leader, never whoever recorded it (the
    # staff member, here).
    "review": ({"handled_to_review"}, {"office", "leader"}, S.HANDLED),
    "close": ({"handled", "handled_reviewed"}, ACTING, S.CLOSED),
    "complete_follow_up": ({"stage_closed", "published_stage"}, ACTING, None),
    "publish": ({"closed", "stage_closed"}, ACTING, S.PUBLISHED),
    "link": ({"received", "transferred", "investigating", *HANDLED}, HANDLERS, None),
    "promote": (EVERY - {"rejected"}, OFFICE, None),
    "reopen_task": (EVERY, OFFICE, None),
    "moderate": (EVERY, OFFICE, None),
}
FOLLOW_UP_RESULT = {"stage_closed": S.CLOSED, "published_stage": S.PUBLISHED}

PERSONAS = [
    "office",
    "district_a",
    "district_a_staff",
    "leader",
    "town_a",
    "department",
    "district_b",
    "citizen",
]


def in_scope(state: str) -> set[str]:
    """Who sees the case: the office always; 万州区 once it is transferred; its town once the
    district passed the case on (which starts the investigation)."""
    if state in ("received", "rejected"):
        return {"office"}
    if state == "transferred":
        return {"office", "district_a", "district_a_staff", "leader"}
    return {"office", "district_a", "district_a_staff", "leader", "town_a"}


def expected(action: str, state: str, persona: str) -> int:
    states, allowed, _result = WORKFLOW[action]
    if persona not in in_scope(state):
        return 404
    if state not in states:
        return 409
    return 302 if persona in allowed else 403


def payload(action: str, personas, campaign, third: Complaint, n: int) -> dict:
    return {
        "transfer": {"units": [personas.unit_a.pk], "comment": "请核查"},
        "reject": {"reason": "duplicate", "comment": "重复"},
        "start": {"comment": "签收"},
        "transfer_down": {"town": personas.unit_town_a.pk},
        "send_back": {"reason": "不属本区管辖"},
        "handle": {
            "finding": "true",
            "investigation": "现场核查属实",
            "handling": "责令整改",
        },
        "review": {"approve": "1", "comment": "同意"},
        "close": {"closure": "closed"},
        "complete_follow_up": {"comment": "复查到位"},
        "publish": {},
        "link": {"earlier": third.code, "kind": "same_site"},
        "promote": {
            "campaign": campaign.pk,
            "code": f"M-{n}",
            "title": "滨江路排口整治",
            "deadline": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
        },
        "reopen_task": {"reason": "重复举报，问题反弹"},
        "moderate": {"op": "hide_text", "reason": "含个人信息"},
    }[action]


def _report(description: str) -> services.Report:
    return services.Report(
        description=description,
        categories=["water"],
        address="重庆市万州区高笋塘街道滨江路",
        contact=services.Contact(phone="13900001111"),
    )


def build(state: str, personas, *, earlier: Complaint) -> Complaint:
    """A web report of 万州区 brought to ``state`` through the services, linked to ``earlier``
    (whose ledger task is signed off, so the office may reopen it)."""
    p = personas
    c = services.complaint_submit(report=_report("滨江路排口夜间偷排，河水发黑"))
    services.complaint_link(actor=p.office, complaint=c, earlier=earlier)

    def fresh():
        c.refresh_from_db()
        return c

    if state == "received":
        return fresh()
    if state == "rejected":
        services.complaint_reject(
            actor=p.office, complaint=fresh(), expected_version=None, reason="out_of_scope"
        )
        return fresh()
    services.complaint_transfer(
        actor=p.office, complaint=fresh(), expected_version=None, units=[p.unit_a]
    )
    if state == "transferred":
        return fresh()
    services.complaint_start(actor=p.district_a, complaint=fresh(), expected_version=None)
    services.complaint_transfer_down(
        actor=p.district_a, complaint=fresh(), expected_version=None, town=p.unit_town_a
    )
    if state == "investigating":
        return fresh()
    finding = Finding.TRUE if state == "handled" else Finding.FALSE
    services.complaint_handle(
        actor=p.district_a_staff,
        complaint=fresh(),
        expected_version=None,
        result=services.Handling(finding=finding, investigation="现场核查", handling="责令整改"),
    )
    if state == "handled_to_review":
        return fresh()
    if finding == Finding.FALSE:
        services.complaint_review(
            actor=p.leader, complaint=fresh(), expected_version=None, approve=True
        )
    if state in ("handled", "handled_reviewed"):
        return fresh()
    stage = state in ("stage_closed", "published_stage")
    services.complaint_close(
        actor=p.district_a,
        complaint=fresh(),
        expected_version=None,
        stage=stage,
        follow_up_due=timezone.localdate() + dt.timedelta(days=90) if stage else None,
    )
    if state in ("stage_closed", "closed"):
        return fresh()
    services.complaint_publish(actor=p.district_a, complaint=fresh(), expected_version=None)
    return fresh()


def _working_case(personas, description: str) -> Complaint:
    c = services.complaint_submit(report=_report(description))
    services.complaint_transfer(
        actor=personas.office, complaint=c, expected_version=None, units=[personas.unit_a]
    )
    c.refresh_from_db()
    services.complaint_transfer_down(
        actor=personas.district_a, complaint=c, expected_version=None, town=personas.unit_town_a
    )
    c.refresh_from_db()
    return c


def snapshot(c: Complaint):
    """What any action changes, in one query."""
    return (
        Complaint.objects.filter(pk=c.pk)
        .annotate(n_events=Count("events"))
        .values_list("status", "version", "n_events", "task_id", "description_hidden")
        .get()
    )


class _RollBack(Exception):
    pass


@pytest.mark.parametrize("state", STATES)
def test_transition_matrix(state, personas):
    p = personas
    campaign = make_campaign(p.office)
    task = make_task(
        p.office,
        campaign,
        code="S-1",
        implementing=p.unit_a,
        lead=p.unit_department,
        accepting=p.unit_office,
    )
    drive(
        task,
        TaskStatus.SIGNED_OFF,
        office=p.office,
        executor=p.district_a,
        lead_reviewer=p.department,
    )
    earlier = _working_case(p, "去年同一排口的举报")
    Complaint.objects.filter(pk=earlier.pk).update(task=task)  # rectified and signed off
    third = _working_case(p, "同一地点的另一件举报")  # a case to link to
    base = build(state, p, earlier=earlier)
    clients = {}
    for persona in PERSONAS:  # log in outside the savepoints below (sessions are rows too)
        clients[persona] = Client()
        clients[persona].force_login(getattr(p, persona))
    # What the page offers each persona in scope (the case is the same for every action: the
    # allowed ones are rolled back).
    offered = {
        persona: set(rules.allowed_actions(getattr(p, persona), base))
        for persona in in_scope(state)
    }
    n = 0
    for action in WORKFLOW:
        for persona in PERSONAS:
            n += 1
            want = expected(action, state, persona)
            if want != 404:
                assert (action in offered[persona]) == (want == 302), (
                    action,
                    state,
                    persona,
                    "allowed_actions",
                )
            data = {**payload(action, p, campaign, third, n), "version": base.version}
            url = reverse("complaints:action", args=[base.pk, action])
            if want == 302:
                # Carried out inside a savepoint that is rolled back afterwards, so the same
                # case serves the next allowed persona in the same state.
                try:
                    with transaction.atomic():
                        before = snapshot(base)
                        response = clients[persona].post(url, data)
                        assert response.status_code == 302, (
                            action,
                            state,
                            persona,
                            response.status_code,
                            response.content.decode()[:3000],
                        )
                        assert response["Location"].startswith(f"/complaints/cases/{base.pk}/")
                        status, version, events, task_id, hidden = snapshot(base)
                        assert events > before[2], (action, state, persona)
                        assert version > before[1], (action, state, persona)
                        result = WORKFLOW[action][2]
                        if action == "complete_follow_up":
                            result = FOLLOW_UP_RESULT[state]
                        assert status == (result or STATUS_OF.get(state, state)), (
                            action,
                            state,
                            persona,
                            status,
                        )
                        side_effect(action, base, p, third, task, task_id, hidden)
                        raise _RollBack
                except _RollBack:
                    pass
            else:
                before = snapshot(base)
                response = clients[persona].post(url, data)
                assert response.status_code == want, (
                    action,
                    state,
                    persona,
                    response.status_code,
                    want,
                )
                assert snapshot(base) == before, (action, state, persona)


def side_effect(action, c: Complaint, p, third, task, task_id, hidden) -> None:
    """What else an allowed action must have done."""
    c = Complaint.objects.get(pk=c.pk)  # a copy: ``base`` keeps the state before the action
    if action == "transfer":
        assert list(c.units.filter(role="handling").values_list("unit", flat=True)) == [p.unit_a.pk]
        assert c.deadline is not None
    elif action == "transfer_down":
        assert c.units.filter(unit=p.unit_town_a, role="town").exists()
    elif action == "send_back":
        assert not c.units.exists() and c.deadline is None
    elif action == "handle":
        assert c.finding == Finding.TRUE and c.handled_by_id is not None
    elif action == "review":
        assert c.reviewed_at is not None
    elif action == "close":
        assert c.closure == "closed" and c.closed_at is not None
    elif action == "complete_follow_up":
        assert c.closure == "closed" and c.follow_up_due is None
    elif action == "publish":
        assert c.published_at is not None
    elif action == "link":
        assert c.links_out.filter(earlier=third).exists()
    elif action == "promote":
        assert task_id is not None and c.task.code.startswith("M-")
        assert c.task.complaints.filter(pk=c.pk).exists()
    elif action == "reopen_task":
        task.refresh_from_db()
        assert task.status == TaskStatus.REOPENED
    elif action == "moderate":
        assert hidden and c.moderated_at is not None
