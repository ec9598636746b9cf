"""先审后发: nothing a citizen writes is public — pages, Open311 (JSON and XML), the public API,
statistics — until the office approved it; the office may edit the text to publish (the original
stays, the edit is an event) and works the queue oldest first, several reports at once."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shanshui.complaints import public, services
from shanshui.complaints.models import Complaint, EventKind
from shanshui.complaints.tests.test_public import png, submit

pytestmark = pytest.mark.django_db

SECRET = "化工厂夜里偷排紫色废水"
EDITED = "某化工厂夜间排放有色废水。"


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


def public_outputs(c: Complaint) -> str:
    """Every public surface a case can appear on, as one text."""
    anonymous = Client()
    pages = [
        reverse("complaints_public:list"),
        reverse("complaints_public:list") + "?q=化工厂",
        reverse("complaints_public:detail", args=[c.code]),
        reverse("complaints_public:stats"),
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        f"/open311/v2/requests.json?service_request_id={c.code}",
        f"/open311/v2/requests/{c.code}.json?extensions=true",
        f"/open311/v2/requests/{c.code}.xml",
        "/open311/v2/servicerequestupdates.json",
        "/api/v1/public/complaints",
        f"/api/v1/public/complaints/{c.code}",
    ]
    return "\n".join(anonymous.get(p).content.decode() for p in pages)


def test_a_report_is_public_only_once_approved_and_then_with_the_edited_text(personas):
    c = submit(description=f"{SECRET}，地址万州区太白路", approved=False, photos=[png()])
    photo = c.photos.get()
    before = public_outputs(c)
    assert SECRET not in before and "太白路" not in before
    assert Client().get(reverse("complaints_public:photo", args=[photo.pk])).status_code == 404
    assert not public.public_complaints().filter(pk=c.pk).exists()
    # Open311 tells the id and status of the waiting request, nothing it says.
    (waiting,) = Client().get(f"/open311/v2/requests/{c.code}.json").json()
    assert waiting["service_request_id"] == c.code and waiting["status"] == "open"
    assert waiting["description"] is None and waiting["address"] is None
    assert waiting["lat"] is None and waiting["media_url"] is None
    assert json.loads(Client().get("/api/v1/public/complaints").content)["count"] == 0
    stats = Client().get(reverse("complaints_public:stats"))
    assert stats.context["stats"].total == 0

    services.moderate_approve(actor=personas.office, complaint=c, text=EDITED)
    c.refresh_from_db()
    after = public_outputs(c)
    assert EDITED in after and SECRET not in after
    assert c.description.startswith(SECRET)  # the original stays for the handling units
    edit = c.events.get(kind=EventKind.TEXT_EDITED)
    assert edit.actor == personas.office and not edit.is_public
    assert edit.data == {"what": "description", "before": "", "after": EDITED}
    assert c.events.filter(kind=EventKind.MODERATED).exists()
    assert Client().get(reverse("complaints_public:photo", args=[photo.pk])).status_code == 200
    # The edited text is what the public search finds.
    found = Client().get(reverse("complaints_public:list") + "?q=有色废水")
    assert c.code in found.content.decode()
    # The office's staff page still shows the original.
    office = Client()
    office.force_login(personas.office)
    assert SECRET in office.get(reverse("complaints:case", args=[c.pk])).content.decode()


def test_approving_unchanged_text_is_no_edit_and_checking_twice_is_refused(personas):
    c = submit(description="河道  发黑。", approved=False)
    services.moderate_approve(actor=personas.office, complaint=c, text="河道 发黑。\n")
    c.refresh_from_db()
    assert c.public_description == "" and not c.events.filter(kind=EventKind.TEXT_EDITED)
    with pytest.raises(services.InvalidTransition):
        services.moderate_approve(actor=personas.office, complaint=c)


def test_hidden_text_hides_the_address_too(personas):
    c = submit(description=SECRET, address="万州区太白路 99 号 张三家", approved=False)
    services.moderate_text(actor=personas.office, complaint=c, hidden=True, reason="含个人信息")
    c.refresh_from_db()
    out = public_outputs(c)
    assert c.code in out and SECRET not in out and "张三" not in out


def test_the_queue_shows_waiting_time_oldest_first_and_works_in_bulk(personas):
    old = submit(description="最早的举报。", approved=False)
    Complaint.objects.filter(pk=old.pk).update(received_at=timezone.now() - dt.timedelta(days=2))
    new = submit(description="新的举报。", approved=False)
    other = submit(description="第三件举报。", approved=False)
    office = Client()
    office.force_login(personas.office)
    url = reverse("complaints:moderation")
    html = office.get(url).content.decode()
    assert html.index("最早的举报") < html.index("新的举报")
    # How long each has waited; past a day it is marked.
    assert re.search(r'class="badge bg-red-lt waiting"[^>]*>[^<]*2\xa0', html)
    assert re.search(r'class="badge bg-secondary-lt waiting"[^>]*>[^<]*0\xa0', html)

    # Hiding needs a reason: nothing changes without one.
    response = office.post(url, {"ids": [old.pk, new.pk], "op": "hide_text"})
    assert response.status_code == 400
    assert not Complaint.objects.filter(moderated_at__isnull=False).exists()
    # Nothing ticked: an error, nothing changed.
    assert office.post(url, {"op": "approve"}).status_code == 400

    response = office.post(url, {"ids": [old.pk, new.pk], "op": "approve"})
    assert response.status_code == 302
    assert set(public.public_complaints().values_list("pk", flat=True)) == {old.pk, new.pk}
    # One already checked meanwhile: the page says so and changes nothing.
    response = office.post(url, {"ids": [old.pk, other.pk], "op": "hide_text", "reason": "辱骂"})
    assert response.status_code == 400
    response = office.post(url, {"ids": [other.pk], "op": "hide_text", "reason": "辱骂"})
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.description_hidden and other.moderated_at
    assert other.events.get(kind=EventKind.HIDDEN).comment == "辱骂"


def test_only_the_office_moderates(personas):
    c = submit(approved=False)
    for user in (personas.district_a, personas.department, personas.citizen):
        client = Client()
        client.force_login(user)
        url = reverse("complaints:moderation")
        assert client.get(url).status_code == 403
        assert client.post(url, {"ids": [c.pk], "op": "approve"}).status_code == 403
    c.refresh_from_db()
    assert c.moderated_at is None


def test_open311_post_answers_id_and_status_at_once(personas):
    _client, key = services.api_client_create(actor=None, name="t")
    response = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "water",
            "description": SECRET,
            "address_string": "万州区太白路",
        },
    )
    (doc,) = response.json()
    assert doc["status"] == "open" and "account_id" not in doc and SECRET not in response.text
    c = Complaint.objects.get(code=doc["service_request_id"])
    assert SECRET not in public_outputs(c)
    xml = Client().get(f"/open311/v2/requests/{c.code}.xml").content.decode()
    assert "<status>open</status>" in xml and SECRET not in xml


def test_the_api_approves_with_or_without_an_edit(personas):
    first = submit(description=SECRET, approved=False)
    second = submit(description=SECRET, approved=False)
    office = Client()
    office.force_login(personas.office)
    district = Client()
    district.force_login(personas.district_b)
    url = f"/api/v1/complaints/{first.pk}/approve-publication"
    assert district.post(url, "{}", content_type="application/json").status_code in (403, 404)
    response = office.post(url, json.dumps({"text": EDITED}), content_type="application/json")
    assert response.status_code == 200, response.content
    first.refresh_from_db()
    assert first.public_description == EDITED and first.moderated_at
    response = office.post(f"/api/v1/complaints/{second.pk}/moderation-checked")
    assert response.status_code == 200, response.content
    second.refresh_from_db()
    assert second.public_description == "" and second.moderated_at
