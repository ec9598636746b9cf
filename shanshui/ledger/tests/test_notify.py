"""Notices when something happens: whoever must act next hears of it, once, after the commit.

Task of 万州区 (implementing; 联络员 p_wanzhou, 经办人 p_wanzhou_staff, 领导 p_leader), led by
市生态环境局 (p_sthjj), accepted by the office (p_office). 渝中区 (p_yuzhong) has nothing to do
with it; the town under 万州区 (p_town) neither.
"""

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from shanshui.ledger import notify, services
from shanshui.ledger.models import Event, EventKind, Notification, Status
from shanshui.lib import messaging
from shanshui.orgs.models import Role
from shanshui.testing.personas import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ordinary_day")]


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """``commit(fn, **kwargs)``: call a service as a request would, then run what its
    transaction left for after the commit (the test's own transaction never commits)."""

    def run(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            before = Notification.objects.count()
            result = fn(**kwargs)
            # Nothing is told before the commit.
            assert Notification.objects.count() == before
        return result

    return run


def told(kind=None):
    """{username: kind} of every notice stored."""
    notes = Notification.objects.select_related("user")
    if kind:
        notes = notes.filter(kind=kind)
    return {n.user.username: n.kind for n in notes}


def people(*users):
    return {u.username for u in users}


@pytest.fixture
def office_colleague(personas):
    return make_user("p_office2", unit=personas.unit_office, role=Role.OFFICE)


def test_assign_tells_the_executing_units_signers_only(personas, task_in, commit):
    task = task_in(Status.DRAFT)
    commit(services.task_assign, actor=personas.office, task=task, expected_version=None)
    # Who signs (签收) for 万州区: its administrator and leader — not its 经办人, not the office
    # (which oversees but does not sign), not the lead department, not 渝中区, not the town.
    assert told() == {"p_wanzhou": "assigned", "p_leader": "assigned"}
    note = Notification.objects.get(user=personas.district_a)
    assert note.task == task and task.code in note.title and "待签收" in note.title


def test_each_event_tells_whose_turn_it_is(personas, task_in, commit, office_colleague):
    # 申请验收 → the lead unit's reviewers.
    task = task_in(Status.IN_PROGRESS)
    commit(_apply, task=task, actor=personas.district_a)
    assert set(told("acceptance_applied")) == people(personas.department)
    # 复查 passed → the accepting unit (the office).
    commit(_recheck, task=task, actor=personas.department, passed=True)
    assert set(told("rechecked")) == people(personas.office, office_colleague)
    # 验收 → the office's next step (public notice), not the one who accepted.
    commit(
        services.task_accept,
        actor=personas.office,
        task=task,
        expected_version=None,
        accepted_by_name="李验收",
        opinion="同意验收。",
    )
    assert set(told("accepted")) == people(office_colleague)
    commit(services.task_start_notice, actor=personas.office, task=task, expected_version=None)
    # A public objection → the office (no one is named as its author).
    commit(services.objection_submit, task=task, text="现场仍有异味。", ip="203.0.113.9")
    assert set(told("objection")) == people(personas.office, office_colleague)
    # 退回 → the executing unit's people, who rectify again.
    commit(
        services.task_return,
        actor=personas.office,
        task=task,
        expected_version=None,
        reason="异议属实，继续整改。",
    )
    assert set(told("returned")) == people(
        personas.district_a, personas.district_a_staff, personas.leader
    )


def test_a_failed_recheck_goes_back_to_the_executing_unit(personas, task_in, commit):
    task = task_in(Status.ACCEPTANCE_APPLIED)
    commit(_recheck, task=task, actor=personas.department, passed=False)
    assert told() == {
        u.username: "recheck_failed"
        for u in (personas.district_a, personas.district_a_staff, personas.leader)
    }
    assert "未通过" in Notification.objects.first().title
    assert Notification.objects.first().body == "复查意见：未达标"


def test_without_a_lead_unit_the_office_rechecks(personas, task_in, commit):
    task = task_in(Status.IN_PROGRESS, lead=None)
    commit(_apply, task=task, actor=personas.district_a)
    assert told() == {"p_office": "acceptance_applied"}


def test_urge_extension_and_decision(personas, task_in, commit, today):
    task = task_in(Status.IN_PROGRESS)
    commit(
        services.task_urge,
        actor=personas.office,
        task=task,
        expected_version=None,
        to_unit=personas.unit_a,
        text="请于三日内报送进展。",
        response_due=today + dt.timedelta(days=3),
    )
    # The urged unit's people who answer a 督办单.
    assert set(told("urged")) == people(personas.district_a, personas.leader)
    assert "督办" in Notification.objects.filter(kind="urged").first().title
    Notification.objects.all().delete()

    task.refresh_from_db()
    ext = commit(
        services.extension_request,
        actor=personas.district_a,
        task=task,
        expected_version=None,
        requested_deadline=task.deadline + dt.timedelta(days=30),
        reason="雨季施工受阻。",
    )
    assert told() == {"p_office": "extension_requested"}
    commit(services.extension_decide, actor=personas.office, extension=ext, approve=True)
    assert set(told("extension_approved")) == people(
        personas.district_a, personas.district_a_staff, personas.leader
    )
    new_deadline = (task.deadline + dt.timedelta(days=30)).isoformat()
    assert new_deadline in Notification.objects.filter(kind="extension_approved").first().title


def test_sent_once(personas, task_in, commit):
    task = task_in(Status.DRAFT)
    commit(services.task_assign, actor=personas.office, task=task, expected_version=None)
    assert Notification.objects.count() == 2
    event = Event.objects.get(task=task, kind=EventKind.ASSIGNED)
    # The job again (a retried worker, a second enqueue): nothing new, nothing e-mailed again.
    assert notify.deliver_event.call(event_id=event.pk) == 0
    assert Notification.objects.count() == 2


def test_rollback_queues_nothing(personas, task_in, django_capture_on_commit_callbacks, capsys):
    personas.district_a.email = "wanzhou@example.cn"
    personas.district_a.save()
    task = task_in(Status.DRAFT)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.task_assign(actor=personas.office, task=task, expected_version=None)
        raise RuntimeError("the request failed later")
    # Nothing stored, nothing e-mailed or texted about a step that did not happen.
    assert callbacks == [] and not Notification.objects.exists()
    assert not mail.outbox and "[SMS]" not in capsys.readouterr().out


def test_email_only_to_people_with_an_address_and_sms_through_the_gateway(
    personas, task_in, commit, capsys, settings
):
    settings.SHANSHUI_SMS_BACKEND = "shanshui.lib.messaging.ConsoleSms"
    personas.district_a.email = "wanzhou@example.cn"
    personas.district_a.save()
    task = task_in(Status.DRAFT)
    commit(services.task_assign, actor=personas.office, task=task, expected_version=None)
    assert [m.to for m in mail.outbox] == [["wanzhou@example.cn"]]
    assert f"/ledger/tasks/{task.pk}/" in mail.outbox[0].body and "待签收" in mail.outbox[0].subject
    assert Notification.objects.get(user=personas.district_a).emailed_at is not None
    assert Notification.objects.get(user=personas.leader).emailed_at is None
    out = capsys.readouterr().out
    # Both are texted; the user model has no mobile number, so the gateway gets the account.
    assert "[SMS] to (p_wanzhou): 【山水】" in out and "[SMS] to (p_leader):" in out
    assert out.count("[SMS]") == 2


def test_the_sms_gateway_is_the_one_configured(personas, task_in, commit, settings):
    sent = []

    class Recording(messaging.SmsGateway):
        def send(self, messages):
            sent.extend(messages)
            return len(messages)

    settings.SHANSHUI_SMS_BACKEND = f"{__name__}.RECORDING"
    globals()["RECORDING"] = Recording
    task = task_in(Status.DRAFT)
    commit(services.task_assign, actor=personas.office, task=task, expected_version=None)
    assert {m.username for m in sent} == {"p_wanzhou", "p_leader"}
    assert all(m.mobile == "" and "待签收" in m.text for m in sent)


def test_a_failing_gateway_stops_nothing(personas, task_in, commit, settings):
    settings.SHANSHUI_SMS_BACKEND = f"{__name__}.BROKEN"
    task = task_in(Status.DRAFT)
    commit(services.task_assign, actor=personas.office, task=task, expected_version=None)
    assert Notification.objects.count() == 2


class BROKEN(messaging.SmsGateway):
    def send(self, messages):
        raise ConnectionError("gateway down")


def test_the_header_counts_unread_and_mark_all_read(personas, task_in, commit, client_as):
    task = task_in(Status.DRAFT)
    commit(services.task_assign, actor=personas.office, task=task, expected_version=None)
    Notification.objects.create(user=personas.district_a, key="other", kind="x", title="旧通知")
    client = client_as(personas.district_a)
    page = client.get(reverse("ledger:notifications")).content.decode()
    assert 'id="unread-count">2<' in page
    assert "待签收" in page and "旧通知" in page
    client.post(reverse("ledger:notifications"))
    assert not Notification.objects.filter(user=personas.district_a, read_at__isnull=True).exists()
    # The leader's notice is untouched by someone else's "mark all read".
    assert Notification.objects.get(user=personas.leader).read_at is None
    page = client.get(reverse("ledger:notifications")).content.decode()
    assert 'id="unread-count"' not in page


def test_nobody_sees_or_opens_another_persons_notices(personas, task_in, commit, client_as):
    task = task_in(Status.DRAFT)
    commit(services.task_assign, actor=personas.office, task=task, expected_version=None)
    theirs = Notification.objects.get(user=personas.leader)
    other = client_as(personas.district_b)
    assert "待签收" not in other.get(reverse("ledger:notifications")).content.decode()
    assert other.post(reverse("ledger:notification", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # Its owner opens it: read, and taken to the task.
    response = client_as(personas.leader).post(reverse("ledger:notification", args=[theirs.pk]))
    assert response.status_code == 302 and response.url == reverse("ledger:task", args=[task.pk])
    theirs.refresh_from_db()
    assert theirs.read_at is not None


def test_events_that_hand_nothing_on_tell_nobody(personas, task_in, commit):
    task = task_in(Status.ASSIGNED)
    commit(
        services.task_accept_assignment,
        actor=personas.district_a,
        task=task,
        expected_version=None,
    )
    assert not Notification.objects.exists()


# --- helpers ---------------------------------------------------------------------------------


def _apply(*, task, actor):
    from shanshui.ledger.scenarios import drive

    task.refresh_from_db()
    return drive(
        task,
        Status.ACCEPTANCE_APPLIED,
        office=None,
        executor=actor,
        lead_reviewer=None,
    )


def _recheck(*, task, actor, passed):
    task.refresh_from_db()
    return services.task_recheck(
        actor=actor,
        task=task,
        expected_version=None,
        passed=passed,
        opinion="复查意见：" + ("同意" if passed else "未达标"),
    )
