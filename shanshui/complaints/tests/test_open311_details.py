"""Open311 details: dates at the ends of the calendar in any filter are the spec's 400 error
document (never a 500); the API key only in the form body; ``description`` optional when the
attributes or a photo say what the problem is; no ``account_id`` when none was sent."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shanshui.complaints import services
from shanshui.complaints.models import Complaint
from shanshui.ledger.scenarios import png_bytes

pytestmark = pytest.mark.django_db

EDGES = [
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+08:00",
    "0001-01-01T00:00:00+14:00",
]
FILTERS = [
    ("requests", "start_date"),
    ("requests", "end_date"),
    ("requests", "updated_after"),
    ("requests", "updated_before"),
    ("servicerequestupdates", "start_date"),
    ("servicerequestupdates", "end_date"),
]


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def key() -> str:
    return services.api_client_create(actor=None, name="details")[1]


def error_codes(response, fmt: str) -> list[int]:
    if fmt == "json":
        return [e["code"] for e in json.loads(response.content)]
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    return [int(e.findtext("code")) for e in root.findall("error")]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("endpoint", "name"), FILTERS)
@pytest.mark.parametrize("edge", EDGES)
def test_dates_at_the_ends_of_the_calendar_are_a_400_document(fmt, endpoint, name, edge):
    response = Client().get(f"/open311/v2/{endpoint}.{fmt}", {name: edge})
    assert response.status_code == 400, response.content
    assert error_codes(response, fmt) == [400]
    assert name in response.content.decode()


def test_both_ends_at_once_are_two_errors():
    response = Client().get(
        "/open311/v2/requests.json",
        {"start_date": "9999-12-31T23:59:59Z", "end_date": "0001-01-01T00:00:00+08:00"},
    )
    assert response.status_code == 400 and error_codes(response, "json") == [400, 400]


def post(data: dict, files: dict | None = None, fmt: str = "json"):
    return Client().post(f"/open311/v2/requests.{fmt}", {**data, **(files or {})})


def test_a_request_without_description_takes_one_from_its_attributes(key):
    response = post(
        {
            "api_key": key,
            "service_code": "air",
            "address_string": "万州区太白路",
            "attribute[enterprise]": "某某化工有限公司",
            "attribute[extra_categories][]": ["noise"],
        }
    )
    assert response.status_code == 200, response.content
    (doc,) = response.json()
    c = Complaint.objects.get(code=doc["service_request_id"])
    assert "大气" in c.description and "某某化工有限公司" in c.description
    assert "噪声" in c.description


def test_a_photo_alone_says_what_it_is(key):
    photo = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
    response = post(
        {"api_key": key, "service_code": "water", "lat": "30.8", "long": "108.4"},
        {"media": photo},
    )
    assert response.status_code == 200, response.content
    c = Complaint.objects.get()
    assert "水" in c.description and "照片" in c.description


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_without_description_attributes_or_photo_it_is_refused(key, fmt):
    response = post(
        {"api_key": key, "service_code": "water", "address_string": "万州区太白路"}, fmt=fmt
    )
    assert response.status_code == 400 and error_codes(response, fmt) == [400]
    assert "description" in response.content.decode()
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_account_id_is_answered_only_when_sent(key, fmt):
    base = {
        "api_key": key,
        "service_code": "water",
        "description": "河水发黑。",
        "address_string": "万州区",
    }
    without = post(base, fmt=fmt).content.decode()
    with_id = post({**base, "account_id": "acct-7"}, fmt=fmt).content.decode()
    assert "account_id" not in without
    assert "acct-7" in with_id


def test_the_key_in_the_address_is_refused(key):
    response = Client().post(
        f"/open311/v2/requests.json?api_key={key}",
        {"service_code": "water", "description": "河水发黑。", "address_string": "万州区"},
    )
    assert response.status_code == 403 and error_codes(response, "json") == [403]
    assert not Complaint.objects.exists()
