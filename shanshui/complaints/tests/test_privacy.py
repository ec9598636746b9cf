"""Privacy: a seeded case's reporter never appears in any public page, public API or Open311
response, nor in what another district or a viewer can read."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shanshui.complaints import services
from shanshui.complaints.models import Complaint, Status
from shanshui.complaints.scenarios import drive_case, make_batch, make_report
from shanshui.ledger.scenarios import make_campaign
from shanshui.lib.tests.test_imagemeta import phone_jpeg
from shanshui.orgs.models import Role
from shanshui.testing.personas import make_user

pytestmark = pytest.mark.django_db

NAME, PHONE, EMAIL, DEVICE, ACCOUNT = (
    "隐私测试人",
    "13987654321",
    "secret.reporter@example.org",
    "device-7f3a9c",
    "account-55e1",
)
MARKERS = (NAME, PHONE, EMAIL, DEVICE, ACCOUNT, "secret.reporter", "7654321")


@pytest.fixture
def seeded(personas):
    """A published web report with photo and full contact, an open one, and a published
    transferred case whose description carries the reporter's phone number."""
    contact = services.Contact(
        name=NAME, phone=PHONE, email=EMAIL, device_id=DEVICE, account_id=ACCOUNT, wants_reply=True
    )
    photo = SimpleUploadedFile("p.jpg", phone_jpeg(), content_type="image/jpeg")
    published = make_report(
        district=personas.unit_a,
        description=f"河边排污，我的电话{PHONE}，邮箱{EMAIL}",
        lat=30.8,
        lon=108.39,
        contact=contact,
        photos=[photo],
        moderator=personas.office,
    )
    drive_case(published, Status.PUBLISHED, office=personas.office, handler=personas.district_a)
    open_case = make_report(
        district=personas.unit_a,
        contact=contact,
        address=f"某路 {PHONE}",
        moderator=personas.office,
    )
    batch = make_batch(personas.office, make_campaign(personas.office))
    transferred = services.batch_add_case(
        actor=personas.office,
        batch=batch,
        case=services.TransferredCase(
            receipt_no="X1",
            seq=1,
            description=f"群众反映某厂偷排，联系电话{PHONE}",
            categories=["water"],
            units=[personas.unit_a],
        ),
    )
    drive_case(transferred, Status.PUBLISHED, office=personas.office, handler=personas.district_a)
    return published, open_case, transferred, batch


def _public_urls(published, open_case, transferred, batch, unit_a):
    codes = f"{published.code},{open_case.code},{transferred.code}"
    photo = published.photos.get().pk
    return [
        "/report/",
        "/report/track/",
        f"/report/track/{published.tracking_code}/",
        f"/report/track/{open_case.tracking_code}/",
        f"/report/done/{published.tracking_code}/",
        "/public/complaints/",
        f"/public/complaints/{published.code}/",
        f"/public/complaints/{open_case.code}/",
        f"/public/complaints/{transferred.code}/",
        "/public/complaints/batches/",
        f"/public/complaints/batches/{batch.pk}/",
        f"/public/complaints/batches/{batch.pk}/?district={unit_a.pk}",
        "/public/complaints/stats/",
        f"/public/complaints/photos/{photo}/",
        "/open311/v2/",
        "/open311/v2/discovery.json",
        "/open311/v2/services.xml",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        "/open311/v2/requests.json?extensions=true",
        "/open311/v2/requests.xml?extensions=true",
        f"/open311/v2/requests.json?service_request_id={codes}",
        f"/open311/v2/requests/{published.code}.json",
        f"/open311/v2/requests/{open_case.code}.xml",
        f"/open311/v2/tokens/{published.tracking_code}.json",
        "/open311/v2/servicerequestupdates.json",
        "/open311/v2/servicerequestupdates.xml",
        "/api/v1/public/complaints",
        f"/api/v1/public/complaints/{published.code}",
        f"/api/v1/public/complaints/{transferred.code}",
    ]


def _assert_clean(url: str, body: bytes) -> None:
    text = body.decode("utf-8", "replace")
    for marker in MARKERS:
        assert marker not in text, f"{marker!r} leaked in {url}"


def test_no_public_response_carries_the_reporter(seeded, personas):
    published, open_case, transferred, batch = seeded
    anonymous = Client()
    checked = 0
    for url in _public_urls(published, open_case, transferred, batch, personas.unit_a):
        response = anonymous.get(url, follow=True)  # old tracking links: via the session
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        _assert_clean(url, body)
        checked += 1
    assert checked >= 30
    # The published description is there, masked, so the pages did show the case.
    page = anonymous.get(f"/public/complaints/{published.code}/").content.decode()
    assert "河边排污" in page and "139******21" in page


def test_other_districts_and_viewers_never_see_the_reporter(seeded, personas, client_as):
    published, open_case, transferred, _ = seeded
    services.complaint_transfer(
        actor=personas.office, complaint=open_case, expected_version=None, units=[personas.unit_a]
    )
    viewer = make_user("p_viewer", unit=personas.unit_a, role=Role.VIEWER)
    for c in (published, open_case, transferred):
        for user, status in ((personas.district_b, 404), (personas.department, 404)):
            client = client_as(user)
            assert client.get(f"/complaints/cases/{c.pk}/").status_code == status
            assert client.get(f"/api/v1/complaints/{c.pk}").status_code == status
        client = client_as(viewer)
        page = client.get(f"/complaints/cases/{c.pk}/")
        assert page.status_code == 200
        _assert_clean("viewer page", page.content)
        api = client.get(f"/api/v1/complaints/{c.pk}")
        assert api.status_code == 200 and api.json()["contact"] is None
        _assert_clean("viewer api", api.content)
    # The handler does see the reporter (it is theirs to contact).
    handler_page = client_as(personas.district_a).get(f"/complaints/cases/{open_case.pk}/")
    assert PHONE in handler_page.content.decode()


def test_the_public_photo_has_no_location_but_the_original_keeps_it(seeded, client_as):
    from shanshui.lib import imagemeta

    published = seeded[0]
    photo = published.photos.get()
    served = Client().get(f"/public/complaints/photos/{photo.pk}/")
    body = b"".join(served.streaming_content) if served.streaming else served.content
    assert not imagemeta.has_location(body, "jpeg")
    assert photo.had_location
    with photo.file.open("rb") as original:
        assert imagemeta.has_location(original.read(), "jpeg")
    assert Complaint.objects.filter(pk=published.pk, status=Status.PUBLISHED).exists()
