"""A real Open311 client against a live server: the PyPI package ``georeport`` (0.3.1) reads, and
``requests`` posts (the package has no create method), over real HTTP on a loopback port."""

from __future__ import annotations

import pytest
import requests
import xmltodict
from django.conf import settings
from django.core.cache import cache
from georeport import GeoReport

from shanshui.complaints import services
from shanshui.complaints.models import Category, Complaint, Photo
from shanshui.complaints.tests.moderation import approve_waiting
from shanshui.lib.imagemeta import read_gps
from shanshui.lib.tests.test_imagemeta import phone_jpeg

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def root(live_server) -> str:
    return live_server.url + "/open311/v2"


@pytest.fixture
def api_key() -> str:
    _client, key = services.api_client_create(actor=None, name="georeport test")
    return key


def as_list(value) -> list:
    """xmltodict gives one child as a dict and several as a list."""
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_services_and_definitions(root, fmt):
    client = GeoReport(
        root_address=root,
        jurisdiction=settings.SHANSHUI_OPEN311_JURISDICTION,
        output_format=fmt,
    )
    service_list = client.get_service_list()
    assert [s["service_code"] for s in service_list] == Category.values
    assert service_list[0]["service_name"] == "水"
    assert service_list[0]["type"] == "realtime"
    assert service_list[0]["metadata"] in (True, "true")

    definition = client.get_service_definition("noise")
    assert definition["service_code"] == "noise"
    found = definition["attributes"]
    found = as_list(found["attribute"]) if fmt == "xml" else found
    assert [a["code"] for a in found] == ["district", "enterprise", "extra_categories"]
    values = found[0]["values"]
    values = as_list(values["value"]) if fmt == "xml" else values
    assert {"key": "cq-wanzhou", "name": "重庆市万州区"} in [dict(v) for v in values]

    with pytest.raises(requests.HTTPError) as exc:
        client.get_service_definition("sewage")
    assert exc.value.response.status_code == 404


def test_discovery_over_http(root):
    response = requests.get(root + "/discovery.json", timeout=10)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    endpoint = response.json()["endpoints"][0]
    assert endpoint["url"] == root
    xml = xmltodict.parse(requests.get(root + "/discovery.xml", timeout=10).content)
    assert xml["discovery"]["endpoints"]["endpoint"]["url"] == root


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_then_read_back_with_georeport(root, api_key, fmt):
    response = requests.post(
        f"{root}/requests.{fmt}",
        data={
            "api_key": api_key,
            "jurisdiction_id": settings.SHANSHUI_OPEN311_JURISDICTION,
            "service_code": "air",
            "lat": "29.563009",
            "long": "106.551556",
            "address_string": "渝中区解放碑",
            "description": "工地夜间扬尘严重，附近居民无法开窗。",
            "attribute[district]": "cq-yuzhong",
            "attribute[extra_categories][]": ["noise"],
            "email": "live.reporter@example.org",
            "phone": "13700001111",
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    if fmt == "json":
        (created,) = response.json()
    else:
        created = xmltodict.parse(response.content)["service_requests"]["request"]
    request_id = created["service_request_id"]
    assert "token" not in created and created["service_notice"]
    assert created["status"] == "open" and "account_id" not in created

    # 先审后发: until the office approves it, its id and status are told, nothing it says.
    client = GeoReport(root_address=root, output_format=fmt)
    waiting = client.get_service_request(request_id)
    assert waiting["service_request_id"] == request_id and waiting["status"] == "open"
    assert not waiting["description"] and not waiting["address"] and not waiting["lat"]
    listing = requests.get(f"{root}/requests.{fmt}?service_request_id={request_id}", timeout=10)
    assert listing.status_code == 200 and request_id not in listing.text  # not listed yet
    assert approve_waiting() == 1

    found = as_list(client.get_service_requests(service_request_id=request_id))
    assert [r["service_request_id"] for r in found] == [request_id]
    listed = as_list(client.get_service_requests(service_code="air", status="open"))
    assert request_id in [r["service_request_id"] for r in listed]

    one = client.get_service_request(request_id)
    assert one["service_request_id"] == request_id
    assert one["status"] == "open"
    assert one["service_code"] == "air"
    assert one["service_name"] == "大气"
    assert one["description"] == "工地夜间扬尘严重，附近居民无法开窗。"
    assert one["address"].startswith("渝中区解放碑")
    assert one["requested_datetime"].endswith("+08:00")
    if fmt == "json":
        assert (one["lat"], one["long"]) == (29.563009, 106.551556)
    else:
        assert (one["lat"], one["long"]) == ("29.563009", "106.551556")
    everything = requests.get(f"{root}/requests.{fmt}", timeout=10).text
    assert "live.reporter" not in everything and "13700001111" not in everything

    c = Complaint.objects.get(code=request_id)
    assert c.district.key == "cq-yuzhong"
    assert c.contact.email == "live.reporter@example.org"


def test_errors_over_http(root, api_key):
    response = requests.post(f"{root}/requests.xml", data={"service_code": "water"}, timeout=10)
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert xmltodict.parse(response.content)["errors"]["error"]["code"] == "403"
    response = requests.post(
        f"{root}/requests.json", json={"api_key": api_key, "service_code": "water"}, timeout=10
    )
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400
    response = requests.get(f"{root}/requests.json?start_date=2026-01-01", timeout=10)
    assert response.status_code == 400
    response = requests.get(f"{root}/requests.csv", timeout=10)
    assert response.status_code == 404
    assert xmltodict.parse(response.content)["errors"]["error"]["code"] == "404"


def test_a_photo_upload_over_http(root, api_key):
    response = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": api_key,
            "service_code": "water",
            "lat": "29.556",
            "long": "106.577",
            "description": "排污口照片见附件。",
        },
        files=[("media[]", ("现场.jpg", phone_jpeg(), "image/jpeg"))],
        timeout=10,
    )
    assert response.status_code == 200, response.text
    photo = Photo.objects.get()
    assert photo.had_location
    with photo.public_file.open("rb") as f:
        assert read_gps(f.read(), "jpeg") is None
