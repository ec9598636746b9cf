"""转办: the receiving unit's handlers hear of the case, once, after the commit; a case sent
back tells the office."""

import pytest
from django.core import mail
from django.urls import reverse

from shanshui.complaints import notify, services
from shanshui.complaints.models import ComplaintEvent, EventKind
from shanshui.complaints.scenarios import make_batch, make_report, make_transferred
from shanshui.ledger.models import Notification
from shanshui.ledger.scenarios import make_campaign
from shanshui.orgs.services import api_token_create
from shanshui.testing.http import ClientApi

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = fn(**kwargs)
            assert not Notification.objects.exists()  # nothing before the commit
        return result

    return run


def told():
    return {n.user.username for n in Notification.objects.select_related("user")}


def test_transfer_tells_the_receiving_units_handlers(personas, commit, client_as):
    personas.district_a_staff.email = "staff@example.cn"
    personas.district_a_staff.save()
    c = make_report(district=personas.unit_a)
    commit(
        services.complaint_transfer,
        actor=personas.office,
        complaint=c,
        expected_version=None,
        units=[personas.unit_a],
    )
    # 万州区's people who may start the investigation; not the office, 渝中区 or the town.
    assert told() == {"p_wanzhou", "p_wanzhou_staff", "p_leader"}
    note = Notification.objects.get(user=personas.district_a)
    assert note.task is None and c.code in note.title and "转办" in note.title
    assert note.url == reverse("complaints:case", args=[c.pk])
    assert [m.to for m in mail.outbox] == [["staff@example.cn"]]
    assert f"/complaints/cases/{c.pk}/" in mail.outbox[0].body
    # Opening it leads to the case.
    response = client_as(personas.district_a).post(reverse("ledger:notification", args=[note.pk]))
    assert response.status_code == 302 and response.url == note.url
    # Others cannot open it.
    other = client_as(personas.district_b).post(reverse("ledger:notification", args=[note.pk]))
    assert other.status_code == 404

    # Once: the job again adds nothing.
    event = ComplaintEvent.objects.get(complaint=c, kind=EventKind.TRANSFERRED)
    assert notify.deliver_case_event.call(event_id=event.pk) == 0
    assert Notification.objects.count() == 3


def test_cases_imported_in_a_batch_are_transfers_too(personas, commit):
    batch = make_batch(personas.office, make_campaign(personas.office))
    commit(make_transferred, office=personas.office, batch=batch, unit=personas.unit_b)
    assert told() == {"p_yuzhong"}


def test_a_case_sent_back_tells_the_office(personas, commit):
    c = make_report(district=personas.unit_a)
    services.complaint_transfer(
        actor=personas.office, complaint=c, expected_version=None, units=[personas.unit_a]
    )
    commit(
        services.complaint_send_back,
        actor=personas.district_a,
        complaint=c,
        expected_version=None,
        reason="不属于本区管辖。",
    )
    assert told() == {"p_office"}


def test_the_api_lists_ones_own_notices_with_the_cases_link(personas, commit):
    c = make_report(district=personas.unit_a)
    commit(
        services.complaint_transfer,
        actor=personas.office,
        complaint=c,
        expected_version=None,
        units=[personas.unit_a],
    )
    api = ClientApi(
        {
            n: api_token_create(user=getattr(personas, n), name="t")[1]
            for n in ("district_a", "district_b")
        }
    )
    status, body = api.get("district_a", "/notifications?unread=true")
    assert status == 200
    assert [(n["task_id"], n["url"]) for n in body["items"]] == [
        (None, reverse("complaints:case", args=[c.pk]))
    ]
    status, body = api.get("district_b", "/notifications")
    assert status == 200 and body["items"] == []
