"""The admin of public supervision: Open311 keys shown once, read-only cases, office only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shanshui.complaints import services
from shanshui.complaints.models import ApiClient, Complaint, HandlingPolicy, TransferBatch
from shanshui.complaints.scenarios import make_batch, make_report, make_transferred
from shanshui.ledger.scenarios import make_campaign
from shanshui.orgs.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_office_creates_a_client_and_sees_its_key_once(personas, client_as):
    admin = client_as(personas.office)
    response = admin.post(
        reverse("admin:complaints_apiclient_add"),
        {
            "name": "随手拍 app",
            "contact": "dev@example.org",
            "is_active": "on",
            "requests_per_hour": "500",
        },
        follow=True,
    )
    assert response.status_code == 200
    client = ApiClient.objects.get()
    key = _key_in(" ".join(str(m) for m in response.context["messages"]))
    assert services.api_client_for_key(key) == client
    assert (client.name, client.contact, client.requests_per_hour) == (
        "随手拍 app",
        "dev@example.org",
        500,
    )
    assert client.is_active
    # Never again, and never the hash.
    for url in (
        reverse("admin:complaints_apiclient_changelist"),
        reverse("admin:complaints_apiclient_change", args=[client.pk]),
    ):
        html = admin.get(url).content.decode()
        assert key not in html and client.key_hash not in html
        assert client.key_prefix in html or url.endswith("/change/")
    assert AuditEntry.objects.filter(action="complaints.api_client_create").exists()
    assert AuditEntry.objects.filter(action="admin.add", object_id=str(client.pk)).exists()


def _key_in(message: str) -> str:
    (key,) = [word for word in message.split() if word.startswith(services.KEY_PREFIX)]
    return key


def test_an_inactive_client_can_be_created_and_switched_on(personas, client_as):
    admin = client_as(personas.office)
    admin.post(reverse("admin:complaints_apiclient_add"), {"name": "later"}, follow=True)
    client = ApiClient.objects.get()
    assert not client.is_active and client.requests_per_hour is None
    response = admin.post(
        reverse("admin:complaints_apiclient_change", args=[client.pk]),
        {"name": "later", "contact": "", "is_active": "on", "requests_per_hour": ""},
    )
    assert response.status_code == 302
    client.refresh_from_db()
    assert client.is_active
    assert AuditEntry.objects.filter(action="admin.change", object_id=str(client.pk)).exists()


def test_rotating_a_key(personas, client_as):
    client, old = services.api_client_create(actor=None, name="app")
    admin = client_as(personas.office)
    response = admin.post(
        reverse("admin:complaints_apiclient_changelist"),
        {"action": "rotate_key", "_selected_action": [client.pk]},
        follow=True,
    )
    new = _key_in(" ".join(str(m) for m in response.context["messages"]))
    assert new != old
    assert services.api_client_for_key(old) is None
    assert services.api_client_for_key(new) == client
    assert AuditEntry.objects.filter(action="complaints.api_client_rotate").exists()


def test_clients_are_switched_off_not_deleted(personas, client_as):
    client, _key = services.api_client_create(actor=None, name="app")
    admin = client_as(personas.office)
    response = admin.get(reverse("admin:complaints_apiclient_delete", args=[client.pk]))
    assert response.status_code == 403
    page = admin.get(reverse("admin:complaints_apiclient_changelist")).content.decode()
    assert "delete_selected" not in page


def test_only_the_office_uses_this_admin(personas, client_as):
    client, _key = services.api_client_create(actor=None, name="app")
    make_report()
    urls = [
        reverse("admin:complaints_apiclient_changelist"),
        reverse("admin:complaints_apiclient_add"),
        reverse("admin:complaints_apiclient_change", args=[client.pk]),
        reverse("admin:complaints_complaint_changelist"),
        reverse("admin:complaints_transferbatch_changelist"),
        reverse("admin:complaints_handlingpolicy_changelist"),
    ]
    for user in (personas.district_a, personas.leader, personas.citizen):
        for url in urls:
            response = client_as(user).get(url)
            assert response.status_code == 302 and "/admin/login/" in response.url
        response = client_as(user).post(
            reverse("admin:complaints_apiclient_changelist"),
            {"action": "rotate_key", "_selected_action": [client.pk]},
        )
        assert response.status_code == 302
    assert services.api_client_for_key(_key) == client  # not rotated
    for url in urls:
        assert client_as(personas.office).get(url).status_code == 200


def test_cases_are_read_only_and_never_deleted(personas, client_as, django_user_model):
    c = make_report(
        contact=services.Contact(name="欧阳小明", phone="13987654321", email="xiaoming@example.org")
    )
    root = django_user_model.objects.create_superuser("root", "root@example.org", "x" * 12)
    for user in (personas.office, root):
        admin = client_as(user)
        listing = admin.get(reverse("admin:complaints_complaint_changelist"))
        assert listing.status_code == 200
        html = listing.content.decode()
        assert c.code in html
        detail = admin.get(reverse("admin:complaints_complaint_change", args=[c.pk]))
        assert detail.status_code == 200
        for text in (listing.content.decode(), detail.content.decode()):
            for secret in ("欧阳小明", "13987654321", "xiaoming@example.org", c.tracking_code):
                assert secret not in text
        assert 'name="_save"' not in detail.content.decode()
        assert "delete_selected" not in html
        assert admin.get(reverse("admin:complaints_complaint_add")).status_code == 403
        assert (
            admin.get(reverse("admin:complaints_complaint_delete", args=[c.pk])).status_code == 403
        )
        response = admin.post(
            reverse("admin:complaints_complaint_change", args=[c.pk]),
            {"description": "changed"},
        )
        assert response.status_code == 403
    c.refresh_from_db()
    assert c.description != "changed" and Complaint.objects.count() == 1


def test_the_case_list_filters(personas, client_as):
    make_report()
    admin = client_as(personas.office)
    for query in ("?status__exact=received", "?channel__exact=web", "?q=2026", "?is_key__exact=0"):
        assert (
            admin.get(reverse("admin:complaints_complaint_changelist") + query).status_code == 200
        )


def test_transfer_batches_go_through_the_service(personas, client_as):
    campaign = make_campaign(personas.office)
    admin = client_as(personas.office)
    url = reverse("admin:complaints_transferbatch_add")
    data = {"campaign": campaign.pk, "number": "0", "date": "2026-11-20", "note": "第一批"}
    response = admin.post(url, data)
    assert response.status_code == 200 and not TransferBatch.objects.exists()  # form error
    response = admin.post(url, {**data, "number": "1"})
    assert response.status_code == 302
    batch = TransferBatch.objects.get()
    assert (batch.number, batch.note) == (1, "第一批")
    assert AuditEntry.objects.filter(action="complaints.batch_create").exists()
    response = admin.post(url, {**data, "number": "1"})
    assert response.status_code == 200 and TransferBatch.objects.count() == 1  # duplicate
    # An empty batch may go; one with cases stays.
    empty = make_batch(personas.office, campaign, number=2)
    delete = reverse("admin:complaints_transferbatch_delete", args=[empty.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 302
    make_transferred(personas.office, batch, personas.unit_a)
    delete = reverse("admin:complaints_transferbatch_delete", args=[batch.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 403
    assert TransferBatch.objects.filter(pk=batch.pk).exists()


def test_handling_policies(personas, client_as):
    campaign = make_campaign(personas.office)
    response = client_as(personas.office).post(
        reverse("admin:complaints_handlingpolicy_add"),
        {"campaign": campaign.pk, "handle_workdays": "20", "key_handle_workdays": "10"},
    )
    assert response.status_code == 302
    assert HandlingPolicy.objects.get().handle_workdays == 20
