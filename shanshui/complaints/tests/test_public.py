"""The public side of complaints: the report form, tracking, the public list and case pages, photos,
the batch disclosure tables — and that no public page shows what it must not."""

from __future__ import annotations

import datetime as dt
import io
import re
import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shanshui.complaints import forms_public, services, views_public
from shanshui.complaints.models import (
    Channel,
    Complaint,
    ComplaintContact,
    Photo,
    RejectReason,
    Status,
)
from shanshui.complaints.tests.moderation import approve
from shanshui.ledger.scenarios import make_campaign, png_bytes
from shanshui.lib import geo, imagemeta
from shanshui.lib.tests.test_imagemeta import phone_jpeg

pytestmark = pytest.mark.django_db

REPORT = "complaints_public:report"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached statistics live in the cache: start every test clean."""
    cache.clear()
    yield
    cache.clear()


# --- builders ----------------------------------------------------------------------------------


def gps_jpeg(name: str = "现场.jpg") -> SimpleUploadedFile:
    """A phone JPEG whose EXIF holds a GPS position in Chongqing."""
    return SimpleUploadedFile(name, phone_jpeg(), content_type="image/jpeg")


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def report_data(**overrides) -> dict:
    data = {
        "categories": ["water", "air"],
        "description": "河道里有黑臭水体，每天晚上排放。",
        "district": "",
        "address": "万州区太白路 12 号附近",
        "lat": "",
        "lon": "",
        "coord_system": "wgs84",
        "enterprise": "",
        "contact_name": "",
        "contact_phone": "",
        "contact_email": "",
        "website": "",
        # The form was shown a minute ago (a person's pace; without a token it is a bot's).
        "started": forms_public.form_token(time.time() - 60),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submit(
    *,
    description="河道里有黑臭水体。",
    channel=Channel.WEB,
    actor=None,
    photos=(),
    approved=True,
    **fields,
) -> Complaint:
    """A report; a citizen's is approved by the office unless ``approved=False`` (先审后发)."""
    fields.setdefault("categories", ["water"])
    fields.setdefault("address", "万州区太白路 1 号")
    contact = fields.pop("contact", services.Contact())
    c = services.complaint_submit(
        report=services.Report(description=description, channel=channel, contact=contact, **fields),
        photos=list(photos),
        actor=actor,
    )
    if approved and channel in (Channel.WEB, Channel.OPEN311):
        approve(c)
    return c


def handler_for(personas, unit):
    return {
        personas.unit_a.pk: personas.district_a,
        personas.unit_b.pk: personas.district_b,
        personas.unit_department.pk: personas.department,
    }[unit.pk]


def handle_case(
    personas,
    c: Complaint,
    *,
    unit,
    finding: str = "true",
    investigation: str = "经现场核查，该企业存在超标排放问题。",
    handling: str = "责令立即停产整改，立案处罚。",
    accountability: str = "对相关责任人诫勉谈话。",
    publish: bool = True,
    comment: str = "",
) -> Complaint:
    """Bring a transferred case through investigation, handling and closing (and publication)."""
    actor = handler_for(personas, unit)
    services.complaint_start(actor=actor, complaint=c, expected_version=None, comment=comment)
    services.complaint_handle(
        actor=actor,
        complaint=c,
        expected_version=None,
        result=services.Handling(
            finding=finding,
            investigation=investigation,
            handling=handling if finding != "false" else "",
            accountability=accountability,
            ordered_rectify=finding != "false",
        ),
    )
    c.refresh_from_db()
    if c.needs_review:
        services.complaint_review(
            actor=personas.office, complaint=c, expected_version=None, approve=True
        )
    services.complaint_close(
        actor=actor, complaint=c, expected_version=None, comment=comment, reply="已核查处理。"
    )
    if publish:
        services.complaint_publish(actor=actor, complaint=c, expected_version=None)
    c.refresh_from_db()
    return c


def transferred(
    personas,
    batch,
    *,
    receipt_no: str,
    unit,
    seq: int | None = None,
    description: str = "某化工厂夜间偷排废水。",
    categories=("water",),
    state: str = "published",
    finding: str = "true",
    **handling,
) -> Complaint:
    """A case of ``batch`` transferred to ``unit``, brought to ``state`` through the services."""
    c = services.batch_add_case(
        actor=personas.office,
        batch=batch,
        case=services.TransferredCase(
            receipt_no=receipt_no,
            seq=seq,
            description=description,
            categories=list(categories),
            units=[unit],
        ),
    )
    if state == "transferred":
        return c
    return handle_case(
        personas, c, unit=unit, finding=finding, publish=state == "published", **handling
    )


def hotline(
    personas, *, unit, description="来电反映：工地夜间施工噪声扰民。", **kwargs
) -> Complaint:
    """A 12369 call registered by the office and transferred to ``unit``."""
    c = submit(
        description=description,
        channel=Channel.HOTLINE,
        actor=personas.office,
        categories=["noise"],
        **kwargs,
    )
    services.complaint_transfer(
        actor=personas.office, complaint=c, expected_version=None, units=[unit]
    )
    c.refresh_from_db()
    return c


@pytest.fixture
def campaign(personas):
    return make_campaign(personas.office)


@pytest.fixture
def batch(personas, campaign):
    return services.batch_create(
        actor=personas.office, campaign=campaign, number=1, date=dt.date(2024, 5, 10)
    )


def form_errors(response) -> dict:
    return response.context["form"].errors


# --- the report form ---------------------------------------------------------------------------


def test_the_form_is_public_and_built_for_phones(client, personas):
    response = client.get(reverse(REPORT))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="viewport"' in html
    assert html.count('name="categories"') == 8
    assert 'type="checkbox"' in html
    # The camera input and the gallery input both send "photos".
    assert re.search(r'<input type="file" name="photos"[^>]*accept="image/\*"[^>]*capture', html)
    assert html.count('name="photos"') == 2 and "multiple" in html
    assert 'name="coord_system"' in html and 'value="wgs84"' in html
    assert "data-locate" in html  # "use my location"
    assert 'maxlength="4000"' in html and "data-counter-for" in html
    # The honeypot is hidden by CSS, not by type=hidden.
    honeypot = re.search(r'<input[^>]*name="website"[^>]*>', html).group(0)
    assert 'type="text"' in honeypot and 'tabindex="-1"' in honeypot
    assert re.search(r'class="visually-hidden" aria-hidden="true">\s*<label for="id_website"', html)
    # The districts come from services.districts().
    for unit in services.districts():
        assert f'value="{unit.pk}"' in html
    # No inline event handlers in the page's own markup (the shared base has the language one).
    body = html.split('id="report-form"', 1)[1]
    assert not re.search(r"\son[a-z]+=", body)


def test_a_report_is_stored_with_its_categories_private_contact_and_clean_photos(client, personas):
    data = report_data(
        district=str(personas.unit_a.pk),
        lat="30.807",
        lon="108.408",
        enterprise="重庆某某化工有限公司",
        contact_name="李四",
        contact_phone="13912345678",
        contact_email="lisi@example.com",
        wants_reply="on",
    )
    data["photos"] = [gps_jpeg(), png()]
    response = client.post(reverse(REPORT), data)
    assert response.status_code == 302
    c = Complaint.objects.get()
    # The tracking code is kept in the session, never put in a URL.
    assert response["Location"] == reverse("complaints_public:report_done")
    assert c.tracking_code not in response["Location"]
    assert c.channel == Channel.WEB and c.status == Status.RECEIVED
    assert sorted(c.category_rows.values_list("category", flat=True)) == ["air", "water"]
    assert c.district == personas.unit_a
    assert (c.lat, c.lon) == (30.807, 108.408)
    assert c.enterprise == "重庆某某化工有限公司"
    contact = ComplaintContact.objects.get(complaint=c)
    assert (contact.name, contact.phone, contact.email, contact.wants_reply) == (
        "李四",
        "13912345678",
        "lisi@example.com",
        True,
    )
    photos = list(c.photos.order_by("pk"))
    assert len(photos) == 2
    jpeg = photos[0]
    assert jpeg.content_type == "image/jpeg" and jpeg.had_location

    # The done page: the tracking code in groups of four, the case number, the status link.
    done = client.get(response["Location"])
    html = done.content.decode()
    assert done.status_code == 200
    grouped = "-".join(c.tracking_code[i : i + 4] for i in (0, 4, 8))
    assert grouped in html and c.code in html
    assert reverse("complaints_public:track_detail") in html
    assert done["Cache-Control"].startswith("max-age=0") or "no-cache" in done["Cache-Control"]
    assert done["Referrer-Policy"] == "same-origin"

    # Nothing is public before the office approves it (先审后发); then the public photo has no
    # location, while the original (handlers only) still has it.
    assert client.get(reverse("complaints_public:photo", args=[jpeg.pk])).status_code == 404
    approve(c)
    served = client.get(reverse("complaints_public:photo", args=[jpeg.pk]))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("inline")
    assert "max-age" in served["Cache-Control"]
    body = b"".join(served.streaming_content)
    assert body.startswith(b"\xff\xd8")
    assert imagemeta.has_location(body, "jpeg") is False
    with default_storage.open(jpeg.file.name, "rb") as fh:
        assert imagemeta.has_location(fh.read(), "jpeg") is True
    # Revalidation by ETag.
    again = client.get(
        reverse("complaints_public:photo", args=[jpeg.pk]), HTTP_IF_NONE_MATCH=served["ETag"]
    )
    assert again.status_code == 304


def test_anonymous_by_default(client, personas):
    response = client.post(reverse(REPORT), report_data())
    assert response.status_code == 302
    contact = ComplaintContact.objects.get()
    assert contact.is_empty and not contact.wants_reply


def test_a_gcj02_point_from_a_chinese_map_is_stored_as_wgs84(client, personas):
    wgs = (29.5630, 106.5516)
    gcj = geo.wgs84_to_gcj02(*wgs)
    assert abs(gcj[0] - wgs[0]) + abs(gcj[1] - wgs[1]) > 0.001  # really shifted
    response = client.post(
        reverse(REPORT),
        report_data(lat=f"{gcj[0]:.9f}", lon=f"{gcj[1]:.9f}", coord_system="gcj02"),
    )
    assert response.status_code == 302
    c = Complaint.objects.get()
    assert c.lat == pytest.approx(wgs[0], abs=1e-6)
    assert c.lon == pytest.approx(wgs[1], abs=1e-6)


def test_a_wgs84_point_is_stored_as_given(client, personas):
    response = client.post(reverse(REPORT), report_data(lat="29.5630", lon="106.5516"))
    assert response.status_code == 302
    c = Complaint.objects.get()
    assert (c.lat, c.lon) == (29.563, 106.5516)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"categories": None}, "categories"),
        ({"categories": ["water", "lava"]}, "categories"),
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"description": "水" * 4001}, "description"),
        ({"lat": "29.5", "lon": ""}, "lon"),
        ({"lat": "", "lon": "106.5"}, "lat"),
        ({"lat": "95", "lon": "106.5"}, "lat"),
        ({"lat": "north", "lon": "106.5"}, "lat"),
        ({"lat": "39.9", "lon": "116.4"}, "lat"),  # Beijing: not Chongqing
        ({"address": "", "district": ""}, "address"),
        ({"address": "路" * 301}, "address"),
        ({"district": "999999"}, "district"),
        ({"contact_email": "not-an-address"}, "contact_email"),
        ({"contact_phone": "call me"}, "contact_phone"),
        ({"wants_reply": "on"}, "contact_phone"),  # a reply needs a phone or an e-mail
    ],
)
def test_every_field_error_is_shown_and_nothing_is_saved(client, personas, overrides, field):
    response = client.post(reverse(REPORT), report_data(**overrides))
    assert response.status_code == 400
    errors = form_errors(response)
    assert field in errors, errors
    html = response.content.decode()
    assert "invalid-feedback" in html and 'id="form-errors"' in html
    assert Complaint.objects.count() == 0
    assert ComplaintContact.objects.count() == 0


def test_a_description_of_exactly_4000_characters_with_line_breaks_is_accepted(client, personas):
    text = ("水" * 99 + "\r\n") * 40  # 4000 characters once CR LF counts as one
    response = client.post(reverse(REPORT), report_data(description=text))
    assert response.status_code == 302
    assert len(Complaint.objects.get().description) == 3999  # the last break is stripped


def test_seven_photos_are_refused(client, personas):
    data = report_data()
    data["photos"] = [png(f"p{i}.png") for i in range(7)]
    response = client.post(reverse(REPORT), data)
    assert response.status_code == 400
    assert "photos" in form_errors(response)
    assert Complaint.objects.count() == 0 and Photo.objects.count() == 0


def test_six_photos_are_fine(client, personas):
    data = report_data()
    data["photos"] = [
        SimpleUploadedFile(f"p{i}.png", png_bytes(colour=(i, 2, 3))) for i in range(6)
    ]
    assert client.post(reverse(REPORT), data).status_code == 302
    assert Photo.objects.count() == 6


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(client, personas):
    data = report_data()
    data["photos"] = [
        png(),
        SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 this is a program", content_type="image/jpeg"),
    ]
    response = client.post(reverse(REPORT), data)
    assert response.status_code == 400
    assert "photos" in form_errors(response)
    assert "photo.jpg" in form_errors(response)["photos"][0]
    assert Complaint.objects.count() == 0 and Photo.objects.count() == 0


def test_a_damaged_image_is_refused(client, personas):
    data = report_data()
    data["photos"] = [SimpleUploadedFile("cut.jpg", phone_jpeg()[:200])]
    response = client.post(reverse(REPORT), data)
    assert response.status_code == 400
    assert "photos" in form_errors(response)
    assert Complaint.objects.count() == 0


def test_a_photo_over_the_size_limit_is_refused(client, personas):
    big = phone_jpeg() + b"\x00" * (2 * 2**20)
    data = report_data()
    data["photos"] = [SimpleUploadedFile("big.jpg", big, content_type="image/jpeg")]
    with override_settings(SHANSHUI_COMPLAINT_PHOTO_MAX_BYTES=2**20):
        response = client.post(reverse(REPORT), data)
    assert response.status_code == 400
    assert "big.jpg" in form_errors(response)["photos"][0]
    assert Complaint.objects.count() == 0 and Photo.objects.count() == 0


def test_the_honeypot_pretends_success_and_saves_nothing(client, personas):
    data = report_data(website="http://spam.example")
    data["photos"] = [png()]
    response = client.post(reverse(REPORT), data)
    assert response.status_code == 200
    assert re.search(
        r'class="tracking-code[^"]*"[^>]*>[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}<',
        response.content.decode(),
    )
    assert Complaint.objects.count() == 0 and Photo.objects.count() == 0


def test_a_form_sent_back_faster_than_a_person_can_fill_it_is_ignored(client, personas):
    response = client.post(reverse(REPORT), report_data(started=forms_public.form_token()))
    assert response.status_code == 200
    assert Complaint.objects.count() == 0
    slow = forms_public.form_token(time.time() - 30)
    assert client.post(reverse(REPORT), report_data(started=slow)).status_code == 302
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize("token", [None, "", "forged:token", "MTIz:abc:def"])
def test_a_form_without_a_genuine_start_token_is_a_bot(client, personas, token):
    data = report_data(started=token)  # None: the field is left out altogether
    response = client.post(reverse(REPORT), data)
    assert response.status_code == 200  # answered as if it worked
    assert "tracking-code" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_a_page_left_open_for_weeks_still_sends(client, personas):
    old = forms_public.form_token(time.time() - 30 * 86400)
    assert client.post(reverse(REPORT), report_data(started=old)).status_code == 302
    assert Complaint.objects.count() == 1


def test_the_form_carries_a_start_token(client, personas):
    html = client.get(reverse(REPORT)).content.decode()
    token = re.search(r'name="started" value="([^"]+)"', html).group(1)
    assert 0 <= forms_public.token_age(token) < 5
    assert forms_public.token_age("forged:token") is None


def test_reports_are_rate_limited_per_address(client, personas, settings):
    settings.SHANSHUI_RATE_LIMITS = {**settings.SHANSHUI_RATE_LIMITS, "complaint_web": "2/3600"}
    for _ in range(2):
        assert client.post(reverse(REPORT), report_data()).status_code == 302
    response = client.post(reverse(REPORT), report_data())
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "12369" in response.content.decode()
    assert Complaint.objects.count() == 2
    # Another address is not affected.
    other = client.post(reverse(REPORT), report_data(), REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302


def test_a_get_never_counts_against_the_limit(client, personas, settings):
    settings.SHANSHUI_RATE_LIMITS = {**settings.SHANSHUI_RATE_LIMITS, "complaint_web": "1/3600"}
    for _ in range(3):
        assert client.get(reverse(REPORT)).status_code == 200
    assert client.post(reverse(REPORT), report_data()).status_code == 302


# --- tracking ----------------------------------------------------------------------------------


def test_the_reporter_follows_the_case_with_the_code(client, personas):
    c = submit(contact=services.Contact(name="王五", phone="13700000000"))
    services.complaint_transfer(
        actor=personas.office, complaint=c, expected_version=None, units=[personas.unit_a]
    )
    track = reverse("complaints_public:track")
    assert client.get(track).status_code == 200

    response = client.post(track, {"code": c.tracking_code})
    assert response.status_code == 302
    detail_url = reverse("complaints_public:track_detail")
    assert response["Location"] == detail_url

    page = client.get(detail_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert c.code in html
    assert "万州区" in html  # the handling unit
    c.refresh_from_db()
    assert c.deadline.strftime("%Y-%m-%d") in html
    assert "王五" not in html and "13700000000" not in html
    assert page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]


def test_codes_with_dashes_spaces_and_small_letters_are_found(client, personas):
    c = submit()
    code = c.tracking_code
    messy = f" {code[:4].lower()}-{code[4:8]} {code[8:].lower()} "
    response = client.post(reverse("complaints_public:track"), {"code": messy})
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints_public:track_detail")
    assert c.code in client.get(response["Location"]).content.decode()
    # An old link with the code in its path also takes the messy form.
    dashed = f"{code[:4]}-{code[4:8]}-{code[8:]}".lower()
    response = Client().get(reverse("complaints_public:track_link", args=[dashed]))
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints_public:track_detail")


def test_a_wrong_code_shows_the_form_again_with_404(client, personas):
    submit()
    response = client.post(reverse("complaints_public:track"), {"code": "ZZZZ-ZZZZ-ZZZZ"})
    assert response.status_code == 404
    assert "code" in form_errors(response)
    assert 'name="code"' in response.content.decode()
    response = client.get(reverse("complaints_public:track_link", args=["ZZZZZZZZZZZZ"]))
    assert response.status_code == 404
    assert 'name="code"' in response.content.decode()
    assert (
        client.get(reverse("complaints_public:report_done_link", args=["ZZZZZZZZZZZZ"])).status_code
        == 404
    )


def test_an_empty_code_is_a_form_error(client, personas):
    response = client.post(reverse("complaints_public:track"), {"code": " - "})
    assert response.status_code == 400
    assert "code" in form_errors(response)


def test_tracking_is_rate_limited_against_guessing(client, personas, settings):
    settings.SHANSHUI_RATE_LIMITS = {**settings.SHANSHUI_RATE_LIMITS, "track": "2/3600"}
    c = submit()
    track = reverse("complaints_public:track")
    assert client.post(track, {"code": "AAAAAAAAAAAA"}).status_code == 404
    assert client.post(track, {"code": "BBBBBBBBBBBB"}).status_code == 404
    blocked = client.post(track, {"code": c.tracking_code})
    assert blocked.status_code == 429
    assert (
        client.get(reverse("complaints_public:track_link", args=[c.tracking_code])).status_code
        == 429
    )


def test_a_hotline_caller_sees_the_status_but_the_case_is_not_public(client, personas):
    c = hotline(
        personas,
        unit=personas.unit_a,
        contact=services.Contact(name="来电人赵六", phone="13600000000"),
    )
    handle_case(personas, c, unit=personas.unit_a, publish=False, comment="内部意见：注意保密")
    page = client.post(reverse("complaints_public:track"), {"code": c.tracking_code}, follow=True)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="not-public"' in html
    assert "来电人赵六" not in html and "13600000000" not in html and "注意保密" not in html
    # Not published yet: no result on the reporter's page either.
    assert 'id="result"' not in html
    assert client.get(reverse("complaints_public:detail", args=[c.code])).status_code == 404


# --- public list, case page and photos ------------------------------------------------------------


def test_the_public_list_shows_citizen_reports_and_published_cases_only(client, personas, batch):
    web = submit(description="网上举报：工厂废气异味。", categories=["air"])
    hot = hotline(personas, unit=personas.unit_a, description="热线未公开案件")
    handle_case(personas, hot, unit=personas.unit_a, publish=False)
    hot_published = hotline(personas, unit=personas.unit_b, description="热线已公开案件")
    handle_case(personas, hot_published, unit=personas.unit_b)
    pending = transferred(
        personas,
        batch,
        receipt_no="X1",
        unit=personas.unit_a,
        description="交办件未公开",
        state="closed",
    )
    abusive = submit(description="骂人的话")
    services.complaint_reject(
        actor=personas.office,
        complaint=abusive,
        expected_version=None,
        reason=RejectReason.ABUSIVE,
    )

    response = client.get(reverse("complaints_public:list"))
    html = response.content.decode()
    assert response.status_code == 200
    codes = [case.code for case in response.context["cases"]]
    assert codes == [hot_published.code, web.code]  # newest first
    assert "热线未公开案件" not in html and "交办件未公开" not in html and "骂人的话" not in html

    detail = reverse("complaints_public:detail", args=[hot_published.code])
    page = client.get(detail)
    assert page.status_code == 200
    page_html = page.content.decode()
    assert 'id="result"' in page_html
    assert "经现场核查" in page_html and "责令立即停产整改" in page_html
    for hidden in (hot, pending, abusive):
        assert (
            client.get(reverse("complaints_public:detail", args=[hidden.code])).status_code == 404
        )
    # A citizen's report is public from the moment it arrives, without a result.
    web_page = client.get(reverse("complaints_public:detail", args=[web.code])).content.decode()
    assert "工厂废气异味" in web_page and 'id="result"' not in web_page


def test_photos_are_served_only_when_public_and_not_hidden(client, personas):
    shown = submit(photos=[png("a.png")])
    hidden_case = submit(photos=[SimpleUploadedFile("b.png", png_bytes(colour=(1, 2, 3)))])
    call = submit(
        channel=Channel.HOTLINE,
        actor=personas.office,
        photos=[SimpleUploadedFile("c.png", png_bytes(colour=(4, 5, 6)))],
    )
    abusive = submit(photos=[SimpleUploadedFile("d.png", png_bytes(colour=(7, 8, 9)))])
    services.complaint_reject(
        actor=personas.office,
        complaint=abusive,
        expected_version=None,
        reason=RejectReason.ABUSIVE,
    )
    hidden_photo = hidden_case.photos.get()
    services.moderate_photo(
        actor=personas.office, photo=hidden_photo, hidden=True, reason="拍到了人脸"
    )

    def status(c_or_photo) -> int:
        photo = c_or_photo if isinstance(c_or_photo, Photo) else c_or_photo.photos.get()
        return client.get(reverse("complaints_public:photo", args=[photo.pk])).status_code

    assert status(shown) == 200
    assert status(hidden_photo) == 404
    assert status(call) == 404
    assert status(abusive) == 404
    assert client.get(reverse("complaints_public:photo", args=[999999])).status_code == 404
    # The case page lists the visible photo only.
    page = client.get(reverse("complaints_public:detail", args=[hidden_case.code]))
    assert reverse("complaints_public:photo", args=[hidden_photo.pk]) not in page.content.decode()
    page = client.get(reverse("complaints_public:detail", args=[shown.code]))
    assert reverse("complaints_public:photo", args=[shown.photos.get().pk]) in page.content.decode()
    # A photo of a hotline case becomes public with the result.
    call_photo = call.photos.get()
    services.complaint_transfer(
        actor=personas.office, complaint=call, expected_version=None, units=[personas.unit_a]
    )
    handle_case(personas, call, unit=personas.unit_a)
    assert status(call_photo) == 200


def test_the_public_list_filters_and_searches(client, personas, batch):
    a_water = submit(
        description="长江边排污口冒黑水", categories=["water"], district=personas.unit_a
    )
    b_noise = submit(description="夜间施工噪声", categories=["noise"], district=personas.unit_b)
    closed = transferred(
        personas, batch, receipt_no="D1", unit=personas.unit_b, categories=("soil",)
    )
    Complaint.objects.filter(pk=b_noise.pk).update(
        received_at=dt.datetime(2024, 3, 31, 17, 30, tzinfo=dt.UTC)  # 1 April in Chongqing
    )

    def codes(**params) -> set[str]:
        response = client.get(reverse("complaints_public:list"), params)
        assert response.status_code == 200
        return {case.code for case in response.context["cases"]}

    assert codes() == {a_water.code, b_noise.code, closed.code}
    assert codes(district=personas.unit_a.pk) == {a_water.code}
    assert codes(category="noise") == {b_noise.code}
    assert codes(status="open") == {a_water.code, b_noise.code}
    assert codes(status="closed") == {closed.code}
    assert codes(month="2024-04") == {b_noise.code}
    assert codes(month="2024-03") == set()
    assert codes(q="排污口") == {a_water.code}
    assert codes(q=a_water.code) == {a_water.code}
    assert codes(q="D1") == {closed.code}
    # Bad filter values are ignored, not errors.
    assert codes(district="abc", month="March") == {a_water.code, b_noise.code, closed.code}


def test_the_public_list_is_paginated(client, personas, monkeypatch):
    monkeypatch.setattr(views_public, "PAGE_SIZE", 2)
    made = [submit(description=f"第{i}件") for i in range(5)]
    first = client.get(reverse("complaints_public:list"))
    assert [c.code for c in first.context["cases"]] == [made[4].code, made[3].code]
    last = client.get(reverse("complaints_public:list"), {"page": 3})
    assert [c.code for c in last.context["cases"]] == [made[0].code]
    assert first.context["page"].paginator.count == 5


def test_the_search_does_not_find_personal_data_or_hidden_text(client, personas):
    c = submit(description="我的电话13812345678，邮箱zhao@example.com，排污口在桥下。")
    hidden = submit(description="这段文字被隐藏：秘密内容")
    services.moderate_text(actor=personas.office, complaint=hidden, hidden=True, reason="辱骂")

    def found(q: str) -> bool:
        response = client.get(reverse("complaints_public:list"), {"q": q})
        return bool(response.context["cases"])

    assert found("排污口")
    assert not found("13812345678")
    assert not found("1234")  # digits from the masked middle
    assert not found("zhao@example.com")
    assert not found("秘密内容")
    assert found(c.code)


# --- batches and the disclosure table ------------------------------------------------------------


def test_the_disclosure_table_lists_published_cases_of_the_batch_and_district(
    client, personas, campaign, batch
):
    other_batch = services.batch_create(
        actor=personas.office, campaign=campaign, number=2, date=dt.date(2024, 5, 11)
    )
    a1 = transferred(
        personas,
        batch,
        receipt_no="D1-001",
        seq=1,
        unit=personas.unit_a,
        description="万州区某厂废水直排",
        investigation="核查属实，联系人电话13512345678。",
    )
    a2 = transferred(
        personas,
        batch,
        receipt_no="D1-002",
        seq=2,
        unit=personas.unit_a,
        description="万州区某工地扬尘",
        categories=("air",),
        finding="false",
        investigation="现场未发现扬尘问题。",
    )
    b1 = transferred(
        personas,
        batch,
        receipt_no="D1-003",
        seq=3,
        unit=personas.unit_b,
        description="渝中区餐饮油烟扰民",
        categories=("air", "noise"),
    )
    unpublished = transferred(
        personas,
        batch,
        receipt_no="D1-004",
        seq=4,
        unit=personas.unit_a,
        description="万州区尚未公开的案件",
        state="closed",
    )
    elsewhere = transferred(
        personas,
        other_batch,
        receipt_no="D2-001",
        unit=personas.unit_a,
        description="第二批的案件",
    )

    listing = client.get(reverse("complaints_public:batches"))
    assert listing.status_code == 200
    rows = {b.pk: (b.total, b.published) for b in listing.context["page"].object_list}
    assert rows == {batch.pk: (4, 3), other_batch.pk: (1, 1)}

    url = reverse("complaints_public:batch", args=[batch.pk])
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert [r.number for r in response.context["rows"]] == ["D1-001", "D1-002", "D1-003"]
    # 编号 问题 区域 类型 调查核实情况 是否属实 处理和整改情况 责任追究情况, in the page's language
    columns = response.context["columns"]
    assert len(columns) == 8
    assert re.search(
        r"<thead><tr>" + "".join(f'<th scope="col">{re.escape(c)}</th>' for c in columns), html
    )
    assert "万州区尚未公开的案件" not in html and "第二批的案件" not in html
    assert "13512345678" not in html and "135******78" in html  # masked in the result
    # Print-friendly: the page loads the stylesheet with the print rules.
    assert "css/complaints.css" in html and "print-only" in html
    css = (django_settings.BASE_DIR / "static" / "css" / "complaints.css").read_text(
        encoding="utf-8"
    )
    assert "@media print" in css and ".disclosure-table" in css

    by_a = client.get(url, {"district": personas.unit_a.pk})
    assert [r.code for r in by_a.context["rows"]] == [a1.code, a2.code]
    row = by_a.context["rows"][1]
    assert row.finding  # the label of 不属实, in the page's language
    assert row.district == "万州区" and row.categories
    by_b = client.get(url, {"district": personas.unit_b.pk})
    assert [r.code for r in by_b.context["rows"]] == [b1.code]
    assert unpublished.code not in by_a.content.decode()
    assert elsewhere.code not in by_a.content.decode()
    assert client.get(url, {"district": "abc"}).status_code == 404
    assert client.get(url, {"district": personas.unit_office.pk}).status_code == 404
    assert client.get(reverse("complaints_public:batch", args=[99999])).status_code == 404


def test_the_disclosure_table_downloads_as_xlsx(client, personas, batch):
    from openpyxl import load_workbook

    transferred(
        personas,
        batch,
        receipt_no="D1-001",
        seq=1,
        unit=personas.unit_a,
        description='=HYPERLINK("x") 废水',
    )
    transferred(personas, batch, receipt_no="D1-002", seq=2, unit=personas.unit_b)
    response = client.get(
        reverse("complaints_public:batch_xlsx", args=[batch.pk]),
        {"district": personas.unit_a.pk},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert response["Content-Disposition"].startswith("attachment")
    ws = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert len(values) == 3  # title, header, one row
    assert values[2][0] == "D1-001"
    assert values[2][1].startswith("'=")  # never a formula
    assert values[2][2] == "万州区"


# --- privacy across every public page ------------------------------------------------------------

MARKERS = ("隐私姓名甲乙丙", "13987654321", "privacy.marker@example.com", "内部批注丁戊己")


def test_no_public_page_shows_contact_data_names_or_internal_comments(client, personas, batch):
    name, phone, email, comment = MARKERS
    contact = services.Contact(name=name, phone=phone, email=email, wants_reply=True)
    web = submit(
        description="举报人电话15011112222，请回电。工厂排放黑烟。",
        categories=["air"],
        district=personas.unit_a,
        contact=contact,
        photos=[png()],
    )
    services.complaint_transfer(
        actor=personas.office,
        complaint=web,
        expected_version=None,
        units=[personas.unit_a],
        comment=comment,
    )
    handle_case(
        personas,
        web,
        unit=personas.unit_a,
        comment=comment,
        investigation="核查属实，已联系举报人15011112222。",
    )
    call = hotline(personas, unit=personas.unit_b, contact=contact)
    handle_case(personas, call, unit=personas.unit_b, comment=comment)
    case = transferred(personas, batch, receipt_no="D1-001", unit=personas.unit_a, comment=comment)
    ComplaintContact.objects.filter(complaint=case).update(name=name, phone=phone, email=email)

    pages = [
        reverse(REPORT),
        reverse("complaints_public:report_done_link", args=[web.tracking_code]),
        reverse("complaints_public:track"),
        reverse("complaints_public:track_link", args=[web.tracking_code]),
        reverse("complaints_public:track_link", args=[call.tracking_code]),
        reverse("complaints_public:list"),
        reverse("complaints_public:list") + "?q=工厂",
        reverse("complaints_public:detail", args=[web.code]),
        reverse("complaints_public:detail", args=[call.code]),
        reverse("complaints_public:detail", args=[case.code]),
        reverse("complaints_public:batches"),
        reverse("complaints_public:batch", args=[batch.pk]),
        reverse("complaints_public:batch", args=[batch.pk]) + f"?district={personas.unit_a.pk}",
        reverse("complaints_public:stats"),
    ]
    actor_names = [u.username for u in (personas.office, personas.district_a, personas.district_b)]
    for url in pages:
        response = client.get(url, follow=True)  # the old links: via the session
        assert response.status_code == 200, url
        html = response.content.decode()
        for marker in (*MARKERS, *actor_names):
            assert marker not in html, (url, marker)
        assert "15011112222" not in html, url
    detail = client.get(reverse("complaints_public:detail", args=[web.code])).content.decode()
    assert "150******22" in detail  # masked, in the description and in the result
    assert detail.count("150******22") >= 2

    from openpyxl import load_workbook

    xlsx = client.get(reverse("complaints_public:batch_xlsx", args=[batch.pk]))
    cells = " ".join(
        str(c.value)
        for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows()
        for c in row
        if c.value is not None
    )
    for marker in (*MARKERS, "15011112222"):
        assert marker not in cells


def test_hidden_text_is_replaced_on_public_pages(client, personas):
    c = submit(description="不当言论原文")
    services.moderate_text(actor=personas.office, complaint=c, hidden=True, reason="辱骂")
    for url in (
        reverse("complaints_public:list"),
        reverse("complaints_public:detail", args=[c.code]),
        reverse("complaints_public:track_link", args=[c.tracking_code]),
    ):
        assert "不当言论原文" not in client.get(url, follow=True).content.decode()


def test_public_pages_need_no_login_and_are_chinese_by_default(client, personas):
    c = submit()
    for url in (
        reverse(REPORT),
        reverse("complaints_public:list"),
        reverse("complaints_public:detail", args=[c.code]),
        reverse("complaints_public:batches"),
        reverse("complaints_public:stats"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Language"] == "zh-hans"
        assert '<html lang="zh-hans">' in response.content.decode()


def test_tracking_code_format():
    assert views_public.format_tracking_code("ABCDEFGHJKLM") == "ABCD-EFGH-JKLM"


def test_month_range_is_in_shanghai_time():
    start, end = forms_public.month_range("2024-12")
    assert start.isoformat() == "2024-12-01T00:00:00+08:00"
    assert end.isoformat() == "2025-01-01T00:00:00+08:00"
    assert forms_public.month_range("2024-13") is None
    assert forms_public.month_range("x") is None
    assert timezone.is_aware(start)


def test_pages_read_a_fixed_number_of_queries(
    client, personas, batch, django_assert_max_num_queries
):
    """More cases on a page do not mean more queries (no query per row)."""

    def make(n: int) -> None:
        for i in range(n):
            submit(description=f"案件{i}", categories=["water", "air"], photos=[png(f"{i}.png")])
            transferred(personas, batch, receipt_no=f"Q{i}-{n}", seq=i, unit=personas.unit_a)

    make(2)
    urls = [
        reverse("complaints_public:list"),
        reverse("complaints_public:batches"),
        reverse("complaints_public:batch", args=[batch.pk]),
    ]
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts[url] = len(ctx)
    make(6)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200
