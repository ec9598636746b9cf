"""Open311 GeoReport v2: every endpoint in both formats, every error, and what never leaks."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from shanshui.complaints import public, selectors, services
from shanshui.complaints.models import (
    ApiClient,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    EventKind,
    Finding,
    Photo,
    RejectReason,
    Status,
)
from shanshui.complaints.open311 import catalogue, render
from shanshui.complaints.open311 import params as open311_params
from shanshui.complaints.scenarios import drive_case, make_batch, make_report, make_transferred
from shanshui.complaints.tests.moderation import approve, approve_waiting
from shanshui.ledger.scenarios import make_campaign, png_bytes
from shanshui.lib.imagemeta import read_gps
from shanshui.lib.tests.test_imagemeta import phone_jpeg
from shanshui.orgs.models import Unit

BASE = "/open311/v2"
FORMATS = ["json", "xml"]
W3C_OUT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")
UTF8_XML = b'<?xml version="1.0" encoding="utf-8"?>'


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def key(db) -> str:
    _client, raw = services.api_client_create(actor=None, name="Test app")
    return raw


@pytest.fixture
def form(key):
    def make(**extra) -> dict:
        data = {
            "api_key": key,
            "service_code": "water",
            "lat": "29.556",
            "long": "106.577",
            "description": "河边排污口排放黑色污水。",
        }
        data.update(extra)
        return {k: v for k, v in data.items() if v is not None}

    return make


def url(path: str, **params) -> str:
    query = urlencode(params, doseq=True)
    return f"{BASE}/{path}" + (f"?{query}" if query else "")


def post(client, data, fmt: str = "json", query: str = ""):
    """A urlencoded POST, as the spec sends it."""
    body = urlencode(data, doseq=True)
    return client.post(
        f"{BASE}/requests.{fmt}" + (f"?{query}" if query else ""),
        body,
        content_type="application/x-www-form-urlencoded",
    )


def parse(response, fmt: str):
    """The document as Python data; checks the Content-Type, the declaration, no namespace."""
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(response.content)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(UTF8_XML)
    root = ET.fromstring(response.content)
    assert all("{" not in el.tag for el in root.iter()), "no namespace"
    return root


def errors(response, fmt: str) -> list[tuple[int, str]]:
    doc = parse(response, fmt)
    if fmt == "json":
        assert isinstance(doc, list)
        assert all(isinstance(e["code"], int) and e["description"] for e in doc)
        return [(e["code"], e["description"]) for e in doc]
    assert doc.tag == "errors"
    out = [(int(e.findtext("code")), e.findtext("description")) for e in doc.findall("error")]
    assert all(d for _c, d in out)
    return out


def codes(response, fmt: str) -> list[int]:
    return [c for c, _d in errors(response, fmt)]


def xml_record(element) -> dict:
    """Leaf children as text ("" for an empty element)."""
    return {child.tag: (child.text or "") for child in element if len(child) == 0}


def requests_of(response, fmt: str) -> list[dict]:
    assert response.status_code == 200, response.content
    doc = parse(response, fmt)
    if fmt == "json":
        assert isinstance(doc, list)
        return doc
    assert doc.tag == "service_requests"
    assert all(child.tag == "request" for child in doc)
    return [xml_record(r) for r in doc]


def ids_of(response, fmt: str = "json") -> list[str]:
    return [r["service_request_id"] for r in requests_of(response, fmt)]


def report(*, approved: bool = True, **kwargs) -> Complaint:
    """A citizen's report, approved by the office unless ``approved=False`` (先审后发)."""
    kwargs.setdefault("channel", Channel.OPEN311)
    c = make_report(**kwargs)
    return approve(c) if approved else c


def received(c: Complaint, days_ago: float) -> Complaint:
    Complaint.objects.filter(pk=c.pk).update(
        received_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    c.refresh_from_db()
    return c


# --- discovery and the HTML page -------------------------------------------------------------


@pytest.mark.django_db
def test_discovery_json_has_every_field(client, settings):
    doc = parse(client.get(url("discovery.json")), "json")
    assert set(doc) == {"changeset", "contact", "key_service", "endpoints"}
    assert W3C_OUT.match(doc["changeset"])
    assert doc["contact"] == settings.SHANSHUI_OPEN311_CONTACT
    assert doc["key_service"]
    (endpoint,) = doc["endpoints"]
    assert endpoint == {
        "specification": "http://wiki.open311.org/GeoReport_v2",
        "url": "http://testserver/open311/v2",
        "changeset": doc["changeset"],
        "type": settings.SHANSHUI_OPEN311_ENDPOINT_TYPE,
        "formats": ["text/xml", "application/json"],
    }


@pytest.mark.django_db
def test_discovery_xml(client, settings):
    settings.SHANSHUI_OPEN311_ENDPOINT_TYPE = "test"
    root = parse(client.get(url("discovery.xml")), "xml")
    assert root.tag == "discovery"
    assert [c.tag for c in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert endpoint.findtext("type") == "test"
    assert [f.text for f in endpoint.findall("formats/format")] == [
        "text/xml",
        "application/json",
    ]


@pytest.mark.django_db
def test_discovery_changeset_follows_the_districts(client):
    before = parse(client.get(url("discovery.json")), "json")["changeset"]
    later = timezone.now() + dt.timedelta(days=3)
    Unit.objects.filter(key="cq-wanzhou").update(updated_at=later)
    after = parse(client.get(url("discovery.json")), "json")["changeset"]
    assert after > before and after == render.w3c(later)


@pytest.mark.django_db
def test_the_root_explains_the_endpoint(client):
    response = client.get(f"{BASE}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "http://testserver/open311/v2" in html
    assert "discovery.xml" in html and "services.json" in html
    assert client.post(f"{BASE}/").status_code in (403, 405)  # not a form target


# --- services --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_service_list(client, fmt):
    response = client.get(url(f"services.{fmt}"))
    assert response.status_code == 200
    doc = parse(response, fmt)
    if fmt == "xml":
        assert doc.tag == "services" and all(c.tag == "service" for c in doc)
        doc = [xml_record(s) for s in doc]
    assert [s["service_code"] for s in doc] == Category.values
    with translation.override("zh-hans"):
        assert [s["service_name"] for s in doc] == [str(c.label) for c in Category]
    assert doc[0]["service_name"] == "水"
    for s in doc:
        assert s["metadata"] is True if fmt == "json" else s["metadata"] == "true"
        assert s["type"] == "realtime"
        assert s["description"] and s["keywords"] and s["group"]
        assert set(s) == {
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        }


@pytest.mark.django_db
def test_service_definition_json(client):
    doc = parse(client.get(url("services/water.json")), "json")
    assert doc["service_code"] == "water"
    by_code = {a["code"]: a for a in doc["attributes"]}
    assert list(by_code) == ["district", "enterprise", "extra_categories"]
    assert [a["order"] for a in doc["attributes"]] == [1, 2, 3]
    district = by_code["district"]
    assert district["datatype"] == "singlevaluelist"
    assert district["variable"] is True and district["required"] is False
    assert district["description"] and district["datatype_description"]
    keys = {v["key"]: v["name"] for v in district["values"]}
    assert keys["cq-wanzhou"] == "重庆市万州区"
    assert all(isinstance(k, str) for k in keys)
    assert {u.key for u in services.districts()} == set(keys)
    assert by_code["enterprise"]["datatype"] == "string"
    assert "values" not in by_code["enterprise"]
    extra = by_code["extra_categories"]
    assert extra["datatype"] == "multivaluelist"
    assert [v["key"] for v in extra["values"]] == [c for c in Category.values if c != "water"]


@pytest.mark.django_db
def test_service_definition_xml(client):
    root = parse(client.get(url("services/air.xml")), "xml")
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "air"
    attrs = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attrs] == ["district", "enterprise", "extra_categories"]
    assert attrs[0].findtext("variable") == "true"
    assert attrs[0].findtext("required") == "false"
    assert attrs[0].findtext("order") == "1"
    values = attrs[0].findall("values/value")
    assert ("cq-yuzhong", "重庆市渝中区") in [
        (v.findtext("key"), v.findtext("name")) for v in values
    ]
    assert "air" not in [v.findtext("key") for v in attrs[2].findall("values/value")]


@pytest.mark.django_db
def test_a_local_district_without_reference_key_is_keyed_by_its_id(client):
    unit = Unit.objects.create(name="测试新区", kind="zone")
    doc = parse(client.get(url("services/water.json")), "json")
    keys = [v["key"] for v in doc["attributes"][0]["values"]]
    assert str(unit.pk) in keys


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_is_404(client, fmt):
    response = client.get(url(f"services/sewage.{fmt}"))
    assert response.status_code == 404
    assert codes(response, fmt) == [404]


# --- formats, paths, methods, jurisdiction ---------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "discovery.yaml",
        "services.csv",
        "services/water.html",
        "requests.rss",
        "requests/2026000001.txt",
        "tokens/ABC.php",
        "servicerequestupdates.XML",
    ],
)
def test_an_unknown_format_is_a_404_xml_document(client, path):
    response = client.get(f"{BASE}/{path}")
    assert response.status_code == 404
    assert codes(response, "xml") == [404]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["nothing", "services", "requests/", "discovery."])
def test_an_unknown_path_is_a_404_document(client, path):
    response = client.get(f"{BASE}/{path}")
    assert response.status_code == 404
    assert codes(response, "xml") == [404]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_methods_are_405_documents(client, fmt):
    for method, path in [
        ("post", f"services.{fmt}"),
        ("put", f"requests.{fmt}"),
        ("delete", f"services/water.{fmt}"),
        ("post", f"discovery.{fmt}"),
        ("post", f"servicerequestupdates.{fmt}"),
    ]:
        response = getattr(client, method)(f"{BASE}/{path}")
        assert response.status_code == 405, path
        assert codes(response, fmt) == [405]
        assert "GET" in response["Allow"]


@pytest.mark.django_db
def test_head_works_like_get(client):
    response = client.head(url("services.json"))
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_jurisdiction(client, form, fmt, settings):
    good = settings.SHANSHUI_OPEN311_JURISDICTION
    for path in [f"services.{fmt}", f"services/water.{fmt}", f"requests.{fmt}"]:
        assert client.get(url(path, jurisdiction_id=good)).status_code == 200
        assert client.get(url(path, jurisdiction_id="")).status_code == 200  # ≡ absent
        response = client.get(url(path, jurisdiction_id="sfgov.org"))
        assert response.status_code == 404 and codes(response, fmt) == [404]
    for path in [f"servicerequestupdates.{fmt}", f"tokens/ABCDEFGHJKMN.{fmt}"]:
        assert client.get(url(path, jurisdiction_id="sfgov.org")).status_code == 404
    response = post(client, form(jurisdiction_id="sfgov.org"), fmt)
    assert response.status_code == 404 and codes(response, fmt) == [404]
    assert Complaint.objects.count() == 0
    assert post(client, form(jurisdiction_id=good), fmt).status_code == 200


@pytest.mark.django_db
def test_cors_on_reads_only(client, form):
    for path in ["discovery.json", "services.xml", "requests.json", "services/nope.json"]:
        assert client.get(url(path))["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in post(client, form())


# --- POST requests ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_post_creates_a_request(client, form):
    response = post(
        client,
        form(
            address_string="万州区高笋塘街道滨江路",
            **{
                "attribute[district]": "cq-wanzhou",
                "attribute[enterprise]": "某某化工有限公司",
                "attribute[extra_categories][]": ["air", "noise"],
            },
            media_url="https://example.org/photo.jpg",
            email="reporter@example.org",
            first_name="三",
            last_name="张",
            phone="13812345678",
            device_id="device-1",
            account_id="acct-42",
        ),
    )
    assert response.status_code == 200, response.content
    (doc,) = parse(response, "json")
    # The id and status at once (no token); the text is public once the office approved it.
    assert set(doc) == {"service_request_id", "status", "service_notice", "account_id"}
    assert doc["status"] == "open"
    assert isinstance(doc["service_request_id"], str)
    assert doc["account_id"] == "acct-42" and doc["service_notice"]
    c = Complaint.objects.get(code=doc["service_request_id"])
    assert c.channel == Channel.OPEN311
    assert selectors.categories_of(c) == ["water", "air", "noise"]
    assert (c.lat, c.lon) == (29.556, 106.577)
    assert c.district.key == "cq-wanzhou"
    assert c.address == "万州区高笋塘街道滨江路"
    assert c.enterprise == "某某化工有限公司"
    assert c.media_url == "https://example.org/photo.jpg"
    assert c.service_attributes == {
        "district": "cq-wanzhou",
        "enterprise": "某某化工有限公司",
        "extra_categories": ["air", "noise"],
    }
    contact = c.contact
    assert (contact.name, contact.phone, contact.email) == (
        "张三",
        "13812345678",
        "reporter@example.org",
    )
    assert (contact.device_id, contact.account_id) == ("device-1", "acct-42")
    assert c.events.get().kind == EventKind.SUBMITTED
    assert ApiClient.objects.get().last_used_at is not None


@pytest.mark.django_db
def test_post_xml_answer(client, form):
    response = post(client, form(), "xml")
    assert response.status_code == 200
    root = parse(response, "xml")
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    # No account_id was sent: none is answered (not even an empty element).
    assert [c.tag for c in request] == ["service_request_id", "status", "service_notice"]
    assert request.find("token") is None
    assert Complaint.objects.filter(code=request.findtext("service_request_id")).exists()


@pytest.mark.django_db
def test_post_western_names_and_multipart_without_photos(client, form):
    response = client.post(
        url("requests.json"), form(first_name="Ada", last_name="Lovelace")
    )  # the test client sends multipart/form-data
    assert response.status_code == 200, response.content
    assert Complaint.objects.get().contact.name == "Ada Lovelace"


@pytest.mark.django_db
def test_the_api_key_is_taken_from_the_form_body_only(client, form, key):
    # In the address it would be written to access logs: refused, with a reason, nothing stored.
    body = form()
    del body["api_key"]
    response = post(client, body, query=urlencode({"api_key": key}))
    assert response.status_code == 403 and "表单正文" in response.content.decode()
    response = post(client, form(), query=urlencode({"api_key": "o311_wrong"}))
    assert response.status_code == 200  # the body's key
    response = post(client, form(api_key="o311_wrong"), query=urlencode({"api_key": key}))
    assert response.status_code == 403
    # The other parameters may come in the query string (the 2.1 draft's "in: query").
    assert post(client, {"api_key": key}, query=urlencode(form())).status_code == 200
    no_body = client.post(
        url("requests.json", **form()), "", content_type="application/x-www-form-urlencoded"
    )
    assert no_body.status_code == 403
    assert Complaint.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("problem", ["missing", "empty", "invalid", "inactive", "rotated"])
def test_a_bad_key_is_403(client, form, fmt, problem):
    data = form()
    if problem == "missing":
        del data["api_key"]
    elif problem == "empty":
        data["api_key"] = ""
    elif problem == "invalid":
        data["api_key"] = "o311_" + "x" * 40
    elif problem == "inactive":
        ApiClient.objects.update(is_active=False)
    else:
        services.api_client_rotate(actor=None, client=ApiClient.objects.get())
    response = post(client, data, fmt)
    assert response.status_code == 403
    assert codes(response, fmt) == [403]
    assert not Complaint.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_the_key_comes_before_validation(client, fmt):
    response = post(client, {"service_code": "nope"}, fmt)
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_service_code_missing_is_400_and_unknown_is_404(client, form, fmt):
    response = post(client, form(service_code=None), fmt)
    assert response.status_code == 400 and codes(response, fmt) == [400]
    response = post(client, form(service_code=""), fmt)
    assert response.status_code == 400
    response = post(client, form(service_code="sewage"), fmt)
    assert response.status_code == 404 and codes(response, fmt) == [404]
    assert not Complaint.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "location",
    [
        {"lat": None, "long": None},  # no location at all
        {"lat": "", "long": ""},
        {"long": None},  # lat without long
        {"lat": None},  # long without lat
        {"lat": "abc"},
        {"lat": "91"},
        {"lat": "-90.5"},
        {"lat": "1e1"},
        {"lat": "nan"},
        {"lat": "29,556"},
        {"long": "180.01"},
        {"long": "inf"},
        {"lat": None, "address_string": "万州区", "long": "106.5"},  # half point + address
    ],
)
def test_bad_locations_are_400(client, form, fmt, location):
    response = post(client, form(**location), fmt)
    assert response.status_code == 400, location
    assert set(codes(response, fmt)) == {400}
    assert not Complaint.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "location",
    [
        {"lat": "29", "long": "106"},
        {"lat": "-33.8688", "long": "151.2093"},
        {"lat": "+29.5", "long": "106.55"},
        {"lat": None, "long": None, "address_string": "渝中区解放碑"},
        {"lat": None, "long": None, "address_id": "cq-yuzhong"},
    ],
)
def test_good_locations(client, form, location):
    response = post(client, form(**location))
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_coordinates_are_taken_as_wgs84_without_conversion(client, form):
    post(client, form(lat="29.563009", long="106.551556"))
    c = Complaint.objects.get()
    assert (c.lat, c.lon) == (29.563009, 106.551556)


@pytest.mark.django_db
def test_address_id_is_a_district_key(client, form):
    data = form(lat=None, long=None, address_id="cq-yuzhong")
    assert post(client, data).status_code == 200
    c = Complaint.objects.get()
    assert c.district.key == "cq-yuzhong" and c.service_attributes["address_id"] == "cq-yuzhong"
    response = post(client, form(address_id="nowhere"))
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_description_limits(client, form, fmt):
    assert post(client, form(description="水" * 4000), fmt).status_code == 200
    response = post(client, form(description="水" * 4001), fmt)
    assert response.status_code == 400 and codes(response, fmt) == [400]
    response = post(client, form(description=None), fmt)
    assert response.status_code == 400
    assert Complaint.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_several_errors_in_one_document(client, key, fmt):
    response = post(
        client,
        {"api_key": key, "lat": "29.5", "media_url": "ftp://x", "email": "not-an-address"},
        fmt,
    )
    assert response.status_code == 400
    found = errors(response, fmt)
    # service_code, half location, description, media_url, email
    assert len(found) == 5 and {c for c, _d in found} == {400}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "attrs",
    [
        {"attribute[district]": "cq-nowhere"},
        {"attribute[district]": ["cq-wanzhou", "cq-yuzhong"]},
        {"attribute[district][]": ["cq-wanzhou", "cq-yuzhong"]},
        {"attribute[colour]": "black"},
        {"attribute[extra_categories][]": ["air", "smell"]},
        {"attribute[extra_categories][]": "water"},  # the service itself is not a value
        {"attribute[enterprise]": "厂" * 201},
        {"attribute[enterprise]": ["甲厂", "乙厂"]},
    ],
)
def test_bad_attributes_are_400(client, form, attrs):
    response = post(client, form(**attrs))
    assert response.status_code == 400, attrs
    assert codes(response, "json") == [400]


@pytest.mark.django_db
def test_attribute_forms(client, form):
    response = post(
        client,
        form(**{"attribute[extra_categories]": "air", "attribute[district][]": "cq-wanzhou"}),
    )
    assert response.status_code == 200, response.content
    c = Complaint.objects.get()
    assert selectors.categories_of(c) == ["water", "air"]
    assert c.district.key == "cq-wanzhou"
    # Empty values count as absent.
    assert post(client, form(**{"attribute[district]": ""})).status_code == 200


@pytest.mark.django_db
def test_a_required_attribute_is_enforced(client, form, monkeypatch):
    real = catalogue.attributes

    def with_required(code, districts=None):
        return [
            *real(code, districts),
            catalogue.Attribute(
                code="smell", datatype="string", required=True, order=4, description="Smell?"
            ),
        ]

    monkeypatch.setattr(catalogue, "attributes", with_required)
    response = post(client, form())
    assert response.status_code == 400
    assert post(client, form(**{"attribute[smell]": "刺鼻"})).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "media_url", ["ftp://example.org/a.jpg", "javascript:alert(1)", "photo.jpg", "https://"]
)
def test_media_url_must_be_http(client, form, media_url):
    assert post(client, form(media_url=media_url)).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"service_code": "water"}'),
        ("text/plain", b"service_code=water"),
        ("application/xml", b"<request/>"),
    ],
)
def test_other_content_types_are_400(client, form, fmt, content_type, body):
    response = client.post(
        url(f"requests.{fmt}", api_key=form()["api_key"]), body, content_type=content_type
    )
    assert response.status_code == 400
    assert codes(response, fmt) == [400]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_too_large_body_is_400_not_500(client, form, fmt, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    response = post(client, form(description="水" * 1000), fmt)
    assert response.status_code == 400
    assert codes(response, fmt) == [400]
    # The same through multipart (the parser refuses the oversized field).
    response = client.post(url(f"requests.{fmt}"), form(description="水" * 1000))
    assert response.status_code == 400
    assert codes(response, fmt) == [400]
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_a_body_larger_than_the_photos_allow_is_refused_unread(client, form, settings):
    settings.SHANSHUI_COMPLAINT_MAX_PHOTOS = 1
    settings.SHANSHUI_COMPLAINT_PHOTO_MAX_BYTES = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = SimpleUploadedFile("a.jpg", b"\xff\xd8" + b"\0" * 3000, content_type="image/jpeg")
    response = client.post(url("requests.json"), {**form(), "media": big})
    assert response.status_code == 400


@pytest.mark.django_db
def test_too_many_fields_is_400(client, form, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    data = form(**{f"x{i}": "1" for i in range(20)})
    assert post(client, data).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_broken_multipart_body_is_400(client, key, fmt):
    for content_type in ("multipart/form-data", "multipart/form-data; boundary=zzz"):
        response = client.post(
            url(f"requests.{fmt}", api_key=key), b"--xx\r\nnot a part", content_type=content_type
        )
        assert response.status_code == 400
        assert codes(response, fmt) == [400]


@pytest.mark.django_db
def test_a_non_utf8_form_is_400(client, form):
    response = client.post(
        url("requests.json"),
        urlencode(form()),
        content_type="application/x-www-form-urlencoded; charset=latin-1",
    )
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["media", "media[]"])
def test_photo_upload_strips_gps_from_the_public_file(client, form, field):
    data = phone_jpeg()
    assert read_gps(data, "jpeg") is not None
    upload = SimpleUploadedFile("现场.jpg", data, content_type="image/jpeg")
    response = client.post(url("requests.json"), {**form(), field: upload})
    assert response.status_code == 200, response.content
    c = Complaint.objects.get()
    photo = Photo.objects.get(complaint=c)
    assert photo.had_location
    with photo.public_file.open("rb") as f:
        public_bytes = f.read()
    assert read_gps(public_bytes, "jpeg") is None
    assert b"ShanshuiPhone" not in public_bytes
    assert requests_of(client.get(url("requests.json", extensions="true")), "json") == []
    approve_waiting()  # 先审后发: listed once the office approved it
    (row,) = requests_of(client.get(url("requests.json", extensions="true")), "json")
    try:
        expected = "http://testserver" + reverse("complaints_public:photo", args=[photo.pk])
    except NoReverseMatch:  # the public photo route is not there yet: no photo URL at all
        expected = None
    assert row["media_url"] == expected
    assert row["extended_attributes"]["photos"] == ([expected] if expected else [])


@pytest.mark.django_db
def test_two_photos_in_media_array(client, form):
    photos = [
        SimpleUploadedFile(f"p{i}.png", png_bytes(colour=(i, 2, 3)), content_type="image/png")
        for i in range(2)
    ]
    response = client.post(url("requests.json"), {**form(), "media[]": photos})
    assert response.status_code == 200, response.content
    assert Photo.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_uploads_are_400(client, form, fmt, settings):
    settings.SHANSHUI_COMPLAINT_MAX_PHOTOS = 1
    not_a_photo = SimpleUploadedFile("a.jpg", b"%PDF-1.4 nope", content_type="image/jpeg")
    response = client.post(url(f"requests.{fmt}"), {**form(), "media": not_a_photo})
    assert response.status_code == 400 and codes(response, fmt) == [400]
    photos = [SimpleUploadedFile(f"{i}.png", png_bytes(), "image/png") for i in range(2)]
    response = client.post(url(f"requests.{fmt}"), {**form(), "media[]": photos})
    assert response.status_code == 400
    other = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    response = client.post(url(f"requests.{fmt}"), {**form(), "attachment": other})
    assert response.status_code == 400
    assert not Complaint.objects.exists() and not Photo.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_rate_limit_per_address(client, form, fmt, settings):
    settings.SHANSHUI_RATE_LIMITS = {
        **settings.SHANSHUI_RATE_LIMITS,
        "open311_post_ip": "2/3600",
    }
    assert post(client, form(), fmt).status_code == 200
    assert post(client, form(), fmt).status_code == 200
    response = post(client, form(), fmt)
    assert response.status_code == 429
    assert codes(response, fmt) == [429]
    assert 0 < int(response["Retry-After"]) <= 3600
    assert Complaint.objects.count() == 2
    # Another address is not affected.
    other = client.post(
        url(f"requests.{fmt}"),
        urlencode(form()),
        content_type="application/x-www-form-urlencoded",
        REMOTE_ADDR="10.1.2.3",
    )
    assert other.status_code == 200


@pytest.mark.django_db
def test_rate_limit_per_key_and_its_override(client, form, key, settings):
    settings.SHANSHUI_RATE_LIMITS = {
        **settings.SHANSHUI_RATE_LIMITS,
        "open311_post_ip": "100/3600",
        "open311_post_key": "1/3600",
    }
    assert post(client, form()).status_code == 200
    response = post(client, form())
    assert response.status_code == 429 and "Retry-After" in response
    # The client's own limit replaces the site-wide one; refused attempts count too.
    ApiClient.objects.update(requests_per_hour=4)
    assert post(client, form()).status_code == 200  # attempt 3 of 4
    assert post(client, form()).status_code == 200  # attempt 4 of 4
    assert post(client, form()).status_code == 429
    ApiClient.objects.update(requests_per_hour=0)  # switched off for the hour
    assert post(client, form()).status_code == 429
    assert Complaint.objects.count() == 3
    _other, other_key = services.api_client_create(actor=None, name="Other app")
    assert post(client, form(api_key=other_key)).status_code == 200


# --- GET requests ----------------------------------------------------------------------------


@pytest.fixture
def transferred(personas):
    """An Open311 report transferred to 万州区 (it has a deadline and a handling unit)."""
    c = report(
        lat=29.556,
        lon=106.577,
        address="滨江路 12 号",
        categories=("water", "air"),
        district=personas.unit_a,
    )
    return drive_case(c, Status.TRANSFERRED, office=personas.office, handler=personas.district_a)


@pytest.mark.django_db
def test_requests_json_fields_and_types(client, transferred):
    (row,) = requests_of(client.get(url("requests.json")), "json")
    assert list(row) == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]
    c = transferred
    assert row["service_request_id"] == c.code and isinstance(row["service_request_id"], str)
    assert row["status"] == "open"
    assert row["status_notes"]
    assert row["service_code"] == "water" and row["service_name"] == "水"
    assert row["description"] == c.description
    assert row["agency_responsible"] == "万州区"
    assert row["service_notice"]
    assert W3C_OUT.match(row["requested_datetime"]) and W3C_OUT.match(row["updated_datetime"])
    assert row["requested_datetime"] == render.w3c(c.received_at)
    assert row["expected_datetime"] == f"{c.deadline.isoformat()}T23:59:59+08:00"
    assert row["address"] == "滨江路 12 号，重庆市万州区"
    assert row["address_id"] is None and row["zipcode"] is None
    assert row["lat"] == 29.556 and row["long"] == 106.577
    assert isinstance(row["lat"], float)
    assert row["media_url"] is None


@pytest.mark.django_db
def test_requests_xml_fields(client, transferred):
    root = parse(client.get(url("requests.xml")), "xml")
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    row = xml_record(request)
    assert row["service_request_id"] == transferred.code
    assert row["status"] == "open"
    assert row["lat"] == "29.556000" and row["long"] == "106.577000"
    assert row["address_id"] == "" and row["zipcode"] == "" and row["media_url"] == ""
    assert W3C_OUT.match(row["expected_datetime"])


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_case_without_point_has_empty_coordinates_and_an_address(client, fmt):
    report(address="", district=Unit.objects.get(key="cq-yuzhong"))
    (row,) = requests_of(client.get(url(f"requests.{fmt}")), fmt)
    assert row["lat"] in (None, "") and row["long"] in (None, "")
    assert row["address"] == "重庆市渝中区"
    assert row["expected_datetime"] in (None, "")
    assert row["agency_responsible"] in (None, "")


@pytest.mark.django_db
def test_a_round_coordinate_keeps_its_decimals(client):
    report(lat=30.0, lon=107.0)
    (row,) = requests_of(client.get(url("requests.xml")), "xml")
    assert (row["lat"], row["long"]) == ("30.000000", "107.000000")
    body = client.get(url("requests.json")).content.decode()
    assert '"lat":30.0' in body and '"long":107.0' in body


@pytest.mark.django_db
def test_text_is_escaped_and_illegal_xml_characters_are_dropped(client):
    report(description="<b>黑水</b> & 臭味 \x01\x0b末尾 ]]>")
    response = client.get(url("requests.xml"))
    (row,) = requests_of(response, "xml")
    assert row["description"] == "<b>黑水</b> & 臭味 末尾 ]]>"
    (row,) = requests_of(client.get(url("requests.json")), "json")
    assert row["description"] == "<b>黑水</b> & 臭味 末尾 ]]>"


@pytest.mark.django_db
def test_only_public_cases(client, personas):
    campaign = make_campaign(personas.office)
    batch = make_batch(personas.office, campaign)
    inspection = make_transferred(personas.office, batch, personas.unit_a)
    web = report(channel=Channel.WEB)
    abusive = report()
    services.complaint_reject(
        actor=personas.office,
        complaint=abusive,
        expected_version=None,
        reason=RejectReason.ABUSIVE,
    )
    assert ids_of(client.get(url("requests.json"))) == [web.code]
    for c in (inspection, abusive):
        assert client.get(url(f"requests/{c.code}.json")).status_code == 404
    assert client.get(url("requests.json", service_request_id=inspection.code)).content == b"[]"
    drive_case(inspection, Status.PUBLISHED, office=personas.office, handler=personas.district_a)
    assert set(ids_of(client.get(url("requests.json")))) == {web.code, inspection.code}


@pytest.mark.django_db
def test_newest_first(client):
    cases = [report() for _ in range(3)]
    received(cases[0], 1)
    received(cases[2], 2)
    assert ids_of(client.get(url("requests.json"))) == [
        c.code for c in (cases[1], cases[0], cases[2])
    ]


@pytest.mark.django_db
def test_the_default_window_is_the_last_90_days(client):
    recent = received(report(), 89)
    old = received(report(), 91)
    assert ids_of(client.get(url("requests.json"))) == [recent.code]
    start = render.w3c(timezone.now() - dt.timedelta(days=100))
    found = ids_of(client.get(url("requests.json", start_date=start)))
    assert found == [recent.code, old.code]


@pytest.mark.django_db
def test_start_only_and_end_only_span_90_days(client):
    now = timezone.now()
    cases = {days: received(report(), days) for days in (10, 50, 120, 200)}
    start = render.w3c(now - dt.timedelta(days=130))  # → 130..40 days ago
    assert ids_of(client.get(url("requests.json", start_date=start))) == [
        cases[50].code,
        cases[120].code,
    ]
    end = render.w3c(now - dt.timedelta(days=100))  # → 190..100 days ago
    assert ids_of(client.get(url("requests.json", end_date=end))) == [cases[120].code]
    both = {
        "start_date": render.w3c(now - dt.timedelta(days=60)),
        "end_date": render.w3c(now - dt.timedelta(days=5)),
    }
    assert ids_of(client.get(url("requests.json", **both))) == [cases[10].code, cases[50].code]


@pytest.mark.django_db
def test_dates_with_z_and_offsets_and_an_unencoded_plus(client):
    c = report()
    Complaint.objects.filter(pk=c.pk).update(
        received_at=dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)  # 18:00 in Chongqing
    )
    for start, end in [
        ("2026-03-01T09:59:59Z", "2026-03-01T10:00:01Z"),
        ("2026-03-01T17:59+08:00", "2026-03-01T18:01+08:00"),
        ("2026-03-01T05:59:59.123456789-04:00", "2026-03-01T06:00:00.5-04:00"),
    ]:
        found = ids_of(client.get(url("requests.json", start_date=start, end_date=end)))
        assert found == [c.code], (start, end)
    # A "+" the client forgot to encode arrives as a space.
    raw = "start_date=2026-03-01T17:00:00+08:00&end_date=2026-03-02T00:00:00+08:00"
    assert ids_of(client.get(f"{BASE}/requests.json?{raw}")) == [c.code]
    later = {"start_date": "2026-03-01T18:00:01+08:00", "end_date": "2026-03-02T00:00:00+08:00"}
    assert ids_of(client.get(url("requests.json", **later))) == []


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2026-03-01"},
        {"start_date": "2026-03-01T10:00:00"},  # no timezone
        {"end_date": "2026-03-01 10:00:00+08:00x"},
        {"start_date": "yesterday"},
        {"start_date": "2026-13-01T00:00:00Z"},
        {"end_date": "2026-02-30T00:00:00Z"},
        {"start_date": "2026-03-01T25:00:00+08:00"},
        {"start_date": "2026-03-01T10:00:00+0800"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-01T00:00:01Z"},  # > 90 d
        {"start_date": "2026-03-02T00:00:00Z", "end_date": "2026-03-01T00:00:00Z"},
        {"status": "pending"},
        {"status": "open,fixed"},
        {"service_code": "sewage"},
        {"page": "0"},
        {"page": "x"},
        {"page_size": "0"},
        {"page_size": "1001"},
        {"page_size": "-5"},
        {"extensions": "yes"},
        {"updated_after": "2026-03-01"},
        {"updated_after": "2026-01-01T00:00:00Z", "updated_before": "2026-06-01T00:00:00Z"},
    ],
)
def test_bad_search_parameters_are_400(client, fmt, params):
    response = client.get(url(f"requests.{fmt}", **params))
    assert response.status_code == 400, params
    assert set(codes(response, fmt)) == {400}


@pytest.mark.django_db
def test_exactly_90_days_is_fine(client):
    params = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"}
    assert client.get(url("requests.json", **params)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_several_bad_parameters_give_several_errors(client, fmt):
    response = client.get(
        url(f"requests.{fmt}", start_date="x", end_date="y", status="z", page_size="0")
    )
    assert response.status_code == 400
    assert len(errors(response, fmt)) == 4


@pytest.mark.django_db
def test_status_filter(client, personas):
    open_case = report()
    closed = drive_case(
        report(), Status.CLOSED, office=personas.office, handler=personas.district_a
    )
    rejected = report()
    services.complaint_reject(
        actor=personas.office, complaint=rejected, expected_version=None, reason="duplicate"
    )
    get = lambda **p: set(ids_of(client.get(url("requests.json", **p))))  # noqa: E731
    assert get(status="open") == {open_case.code}
    assert get(status="closed") == {closed.code, rejected.code}
    everything = {open_case.code, closed.code, rejected.code}
    assert get(status="open,closed") == everything
    assert get(status=["open", "closed"]) == everything
    assert get(status=["closed", ""]) == {closed.code, rejected.code}
    rows = requests_of(client.get(url("requests.json", status="closed")), "json")
    closed.refresh_from_db()
    by_id = {r["service_request_id"]: r for r in rows}
    assert by_id[closed.code]["status"] == "closed"
    assert by_id[closed.code]["updated_datetime"] == render.w3c(closed.closed_at)


@pytest.mark.django_db
def test_service_code_filter_uses_the_code_each_request_is_shown_with(client):
    water_air = report(categories=("air", "water"))  # shown as water (Category order)
    air = report(categories=("air",))
    noise = report(categories=("noise",))
    get = lambda **p: set(ids_of(client.get(url("requests.json", **p))))  # noqa: E731
    assert get(service_code="water") == {water_air.code}
    assert get(service_code="air") == {air.code}
    assert get(service_code="water,air") == {water_air.code, air.code}
    assert get(service_code=["water", "noise"]) == {water_air.code, noise.code}
    assert get(service_code=["water,air", "noise"]) == {water_air.code, air.code, noise.code}


@pytest.mark.django_db
def test_service_request_id_overrides_every_other_argument(client):
    a, b, c = report(), report(categories=("air",)), received(report(), 200)
    params = {
        "service_request_id": f"{a.code},{c.code}",
        "status": "closed",
        "service_code": "noise",
        "start_date": "not a date",
        "page_size": "0",
    }
    assert ids_of(client.get(url("requests.json", **params))) == [a.code, c.code]
    repeated = {"service_request_id": [a.code, f"{b.code}, nope", ""]}
    assert ids_of(client.get(url("requests.json", **repeated))) == [b.code, a.code]


@pytest.mark.django_db
def test_empty_parameters_are_absent(client):
    a, b = report(), received(report(), 100)
    empty = {
        name: ""
        for name in (
            "service_request_id",
            "service_code",
            "start_date",
            "end_date",
            "status",
            "jurisdiction_id",
            "page",
            "page_size",
            "extensions",
            "updated_after",
            "updated_before",
        )
    }
    assert (
        client.get(url("requests.json", **empty)).content
        == client.get(url("requests.json")).content
    )
    assert ids_of(client.get(url("requests.json", **empty))) == [a.code]
    assert b.code not in ids_of(client.get(url("requests.json", **empty)))
    feed = {"start_date": "", "end_date": "", "page": "", "page_size": "", "jurisdiction_id": ""}
    assert (
        client.get(url("servicerequestupdates.json", **feed)).content
        == client.get(url("servicerequestupdates.json")).content
    )


@pytest.mark.django_db
def test_paging(client):
    cases = [received(report(), days) for days in range(5)]  # newest first
    codes_ = [c.code for c in cases]
    assert ids_of(client.get(url("requests.json", page_size=2))) == codes_[:2]
    assert ids_of(client.get(url("requests.json", page_size=2, page=2))) == codes_[2:4]
    assert ids_of(client.get(url("requests.json", page_size=2, page=3))) == codes_[4:]
    assert ids_of(client.get(url("requests.json", page_size=2, page=4))) == []
    assert ids_of(client.get(url("requests.json", page=2))) == []


@pytest.mark.django_db
def test_the_result_cap(client, monkeypatch):
    monkeypatch.setattr(open311_params, "MAX_RESULTS", 3)
    cases = [received(report(), days) for days in range(5)]
    assert ids_of(client.get(url("requests.json"))) == [c.code for c in cases[:3]]
    assert ids_of(client.get(url("requests.json", page=2))) == [c.code for c in cases[3:]]
    assert client.get(url("requests.json", page_size=4)).status_code == 400
    too_many = ",".join(f"id{i}" for i in range(4))
    assert client.get(url("requests.json", service_request_id=too_many)).status_code == 400


@pytest.mark.django_db
def test_updated_after_and_before(client, personas):
    stale, fresh = report(), report()
    long_ago = timezone.now() - dt.timedelta(days=200)
    Complaint.objects.filter(pk=stale.pk).update(received_at=long_ago, updated_at=long_ago)
    since = render.w3c(timezone.now() - dt.timedelta(days=1))
    # Asking by update time lifts the default window of requested_datetime.
    assert ids_of(client.get(url("requests.json", updated_after=since))) == [fresh.code]
    before = render.w3c(long_ago + dt.timedelta(days=1))
    assert ids_of(client.get(url("requests.json", updated_before=before))) == [stale.code]
    # With dates too, both apply.
    params = {"updated_before": before, "start_date": render.w3c(long_ago - dt.timedelta(days=1))}
    assert ids_of(client.get(url("requests.json", **params))) == [stale.code]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_extensions_add_public_notes(client, personas, fmt):
    c = report(district=personas.unit_a)
    services.complaint_transfer(
        actor=personas.office,
        complaint=c,
        expected_version=None,
        units=[personas.unit_a],
        comment="内部意见：请重点核查",
    )
    services.complaint_start(
        actor=personas.district_a, complaint=c, expected_version=None, comment="已派人"
    )
    response = client.get(url(f"requests.{fmt}", extensions="true"))
    body = response.content.decode()
    assert "内部意见" not in body and "已派人" not in body and "p_wanzhou" not in body
    if fmt == "json":
        (row,) = requests_of(response, "json")
        notes = row["notes"]
        assert [n["type"] for n in notes] == ["submitted", "transferred", "started"]
        assert all(W3C_OUT.match(n["datetime"]) and n["description"] for n in notes)
        assert "万州区" in notes[1]["description"]
        assert row["extended_attributes"] == {"photos": []}
    else:
        request = parse(response, "xml").find("request")
        notes = request.findall("notes/note")
        assert [n.findtext("type") for n in notes] == ["submitted", "transferred", "started"]
        assert request.find("extended_attributes/photos") is not None
    plain = requests_of(client.get(url(f"requests.{fmt}")), fmt)[0]
    assert "notes" not in plain


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_lists_say_of_each_case_what_request_out_says(client, personas, fmt):
    """A list is built from plain rows (open311.render._list_requests); byte for byte it is the
    document of request_out() of each case, for every kind of case and filter."""
    office, district = personas.office, personas.district_a
    plain = report(
        lat=29.5561234, lon=106.5777777, address="滨江路 12 号", district=personas.unit_a
    )
    two_units = report(categories=("air", "water"), address="", district=personas.unit_b)
    services.complaint_transfer(
        actor=office,
        complaint=two_units,
        expected_version=None,
        units=[personas.unit_b, personas.unit_a],
    )
    services.complaint_transfer(
        actor=office, complaint=two_units, expected_version=None, units=[personas.unit_a]
    )  # the units as they are now, not as first transferred
    shown = SimpleUploadedFile("a.png", png_bytes(colour=(1, 2, 3)), "image/png")
    hidden = SimpleUploadedFile("b.png", png_bytes(colour=(3, 2, 1)), "image/png")
    photographed = report(photos=[hidden, shown], lat=30.0, lon=107.0)
    services.moderate_photo(
        actor=office, photo=photographed.photos.order_by("pk")[0], hidden=True, reason="人脸"
    )
    linked = report(categories=("noise",))
    Complaint.objects.filter(pk=linked.pk).update(media_url="https://example.org/p.jpg")
    moderated = report(description="电话13800001111 \x01\x0b末尾 ]]>", address="某路\x02号")
    services.moderate_text(actor=office, complaint=moderated, hidden=True, reason="辱骂")
    dirty = report(description="<b>黑水</b> & 臭味 \x01\x0b末尾，电话 13800001111")
    closed = drive_case(
        report(district=personas.unit_a), Status.CLOSED, office=office, handler=district
    )
    stage = drive_case(
        report(district=personas.unit_a), Status.STAGE_CLOSED, office=office, handler=district
    )
    rejected = drive_case(report(), Status.REJECTED, office=office, handler=district)
    campaign = make_campaign(office)
    inspection = make_transferred(office, make_batch(office, campaign), personas.unit_a)
    drive_case(inspection, Status.PUBLISHED, office=office, handler=district)
    Unit.objects.filter(pk=personas.unit_a.pk).update(short_name="万州\x03区")
    for c, days in ((plain, 3), (closed, 2.5), (rejected, 40)):
        received(c, days)
    assert len({dirty, stage, two_units, linked}) == 4
    factory = RequestFactory()
    for params in (
        {},
        {"service_code": "water,air", "status": "closed"},
        {"status": "open", "page": "2", "page_size": "3"},
        {"start_date": render.w3c(timezone.now() - dt.timedelta(days=30))},
        {"service_request_id": f"{plain.code},{closed.code}"},
    ):
        request = factory.get(url(f"requests.{fmt}", **params))
        qs = public.public_complaints()
        if "service_request_id" in params:
            qs, (offset, size) = qs.filter(code__in=[plain.code, closed.code]), (0, 1000)
        else:
            qs = open311_params.filter_requests(qs, request.GET, [])
            offset, size = open311_params.paging(request.GET, [])
        cases = public.with_public_relations(qs.order_by("-received_at", "-pk"))
        expected = [render.request_out(request, c) for c in cases[offset : offset + size]]
        assert expected, params
        response = client.get(url(f"requests.{fmt}", **params))
        document = render.document(fmt, "service_requests", expected, item="request")
        assert response.content == document.content, params
    rows = requests_of(client.get(url("requests.json")), "json")
    by_code = {row["service_request_id"]: row for row in rows}
    assert by_code[photographed.code]["media_url"].endswith(
        reverse("complaints_public:photo", args=[photographed.photos.get(hidden=False).pk])
    )
    assert by_code[linked.code]["media_url"] == "https://example.org/p.jpg"
    assert by_code[two_units.code]["agency_responsible"] == "万州区"
    assert "13800001111" not in by_code[dirty.code]["description"]
    assert "\x01" not in by_code[dirty.code]["description"]
    assert by_code[moderated.code]["description"] != moderated.description


@pytest.mark.django_db
def test_no_n_plus_one(client, personas, django_assert_max_num_queries):
    def make(n):
        for i in range(n):
            photo = SimpleUploadedFile(f"{i}.png", png_bytes(colour=(i, 9, 9)), "image/png")
            c = report(district=personas.unit_a, photos=[photo], categories=("water", "air"))
            drive_case(c, Status.INVESTIGATING, office=personas.office, handler=personas.district_a)

    def count(path):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    make(1)
    paths = [
        url("requests.json"),
        url("requests.xml", extensions="true"),
        url("requests.json", service_code="water", status="open"),
        url("servicerequestupdates.json"),
    ]
    one = [count(p) for p in paths]
    make(6)
    assert [count(p) for p in paths] == one
    with django_assert_max_num_queries(6):
        client.get(url("requests.json", extensions="true"))


# --- one request, tokens ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_one_request(client, transferred, fmt):
    response = client.get(url(f"requests/{transferred.code}.{fmt}"))
    (row,) = requests_of(response, fmt)
    assert row["service_request_id"] == transferred.code
    assert row["status"] == "open"
    assert response["Access-Control-Allow-Origin"] == "*"
    extended = requests_of(
        client.get(url(f"requests/{transferred.code}.json", extensions="true")), "json"
    )
    assert [n["type"] for n in extended[0]["notes"]] == ["submitted", "transferred"]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_request_is_404(client, fmt):
    response = client.get(url(f"requests/2026999999.{fmt}"))
    assert response.status_code == 404 and codes(response, fmt) == [404]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_tokens(client, form, fmt):
    created = parse(post(client, form()), "json")[0]
    c = Complaint.objects.get(code=created["service_request_id"])
    token = c.tracking_code
    for given in (token, token.lower(), f"{token[:4]}-{token[4:8]}-{token[8:]}"):
        response = client.get(url(f"tokens/{given}.{fmt}"))
        (row,) = requests_of(response, fmt)
        assert row == {"service_request_id": c.code, "token": token}


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_token_is_404(client, personas, fmt):
    response = client.get(url(f"tokens/ABCDEFGHJKMN.{fmt}"))
    assert response.status_code == 404 and codes(response, fmt) == [404]
    assert client.get(url(f"tokens/----.{fmt}")).status_code == 404
    campaign = make_campaign(personas.office)
    hidden = make_transferred(
        personas.office, make_batch(personas.office, campaign), personas.unit_a
    )
    assert client.get(url(f"tokens/{hidden.tracking_code}.{fmt}")).status_code == 404


@pytest.mark.django_db
def test_token_lookups_are_rate_limited(client, settings):
    settings.SHANSHUI_RATE_LIMITS = {**settings.SHANSHUI_RATE_LIMITS, "track": "2/600"}
    for _ in range(2):
        assert client.get(url("tokens/ABCDEFGHJKMN.json")).status_code == 404
    response = client.get(url("tokens/ABCDEFGHJKMN.json"))
    assert response.status_code == 429 and "Retry-After" in response


# --- service request updates -----------------------------------------------------------------


def updates_of(response, fmt: str = "json") -> list[dict]:
    assert response.status_code == 200, response.content
    doc = parse(response, fmt)
    if fmt == "json":
        return doc
    assert doc.tag == "service_request_updates"
    assert all(child.tag == "request_update" for child in doc)
    return [xml_record(u) for u in doc]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_updates_feed(client, personas, fmt):
    c = report(district=personas.unit_a)
    drive_case(c, Status.PUBLISHED, office=personas.office, handler=personas.district_a)
    ComplaintEvent.objects.filter(complaint=c, kind=EventKind.CLOSED).update(
        comment="内部：企业负责人是领导亲戚"
    )
    rows = updates_of(client.get(url(f"servicerequestupdates.{fmt}")), fmt)
    assert [r["status"] for r in rows] == [
        "OPEN",
        "IN_PROGRESS",
        "INVESTIGATING",
        "ACTION_SCHEDULED",
        "FIXED",
        "FIXED",
    ]
    events = list(ComplaintEvent.objects.filter(complaint=c, is_public=True).order_by("at", "pk"))
    assert [r["update_id"] for r in rows] == [str(e.pk) for e in events]
    for row in rows:
        assert set(row) == {
            "update_id",
            "service_request_id",
            "status",
            "updated_datetime",
            "description",
            "media_url",
        }
        assert row["service_request_id"] == c.code
        assert W3C_OUT.match(row["updated_datetime"])
        assert row["description"]
        assert row["media_url"] in (None, "")
    assert "万州区" in rows[1]["description"]
    body = client.get(url(f"servicerequestupdates.{fmt}")).content.decode()
    assert "亲戚" not in body and "p_wanzhou" not in body and "p_office" not in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("finding", "closing"),
    [(Finding.PARTLY, "FIXED"), (Finding.FALSE, "NO_FURTHER_ACTION")],
)
def test_update_statuses_follow_the_finding(client, personas, finding, closing):
    c = report(district=personas.unit_a)
    drive_case(
        c, Status.CLOSED, office=personas.office, handler=personas.district_a, finding=finding
    )
    statuses = [r["status"] for r in updates_of(client.get(url("servicerequestupdates.json")))]
    handled = "ACTION_SCHEDULED" if finding == Finding.PARTLY else "IN_PROGRESS"
    assert statuses == ["OPEN", "IN_PROGRESS", "INVESTIGATING", handled, closing]


@pytest.mark.django_db
def test_stage_closed_is_closed(client, personas):
    c = report(district=personas.unit_a)
    drive_case(c, Status.STAGE_CLOSED, office=personas.office, handler=personas.district_a)
    statuses = [r["status"] for r in updates_of(client.get(url("servicerequestupdates.json")))]
    assert statuses[-1] == "CLOSED"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reason", "status"),
    [
        (RejectReason.DUPLICATE, "DUPLICATE"),
        (RejectReason.OUT_OF_SCOPE, "NOT_COUNCILS_RESPONSIBILITY"),
        (RejectReason.INSUFFICIENT, "NO_FURTHER_ACTION"),
    ],
)
def test_rejections(client, personas, reason, status):
    c = report()
    services.complaint_reject(
        actor=personas.office, complaint=c, expected_version=None, reason=reason
    )
    rows = updates_of(client.get(url("servicerequestupdates.json")))
    assert [r["status"] for r in rows] == ["OPEN", status]
    assert str(RejectReason(reason).label) in rows[1]["description"]


@pytest.mark.django_db
def test_updates_of_non_public_cases_are_left_out(client, personas):
    campaign = make_campaign(personas.office)
    hidden = make_transferred(
        personas.office, make_batch(personas.office, campaign), personas.unit_a
    )
    assert updates_of(client.get(url("servicerequestupdates.json"))) == []
    drive_case(hidden, Status.PUBLISHED, office=personas.office, handler=personas.district_a)
    rows = updates_of(client.get(url("servicerequestupdates.json")))
    assert {r["service_request_id"] for r in rows} == {hidden.code}


@pytest.mark.django_db
def test_updates_window_and_paging(client):
    a, b = report(), report()
    now = timezone.now()
    ComplaintEvent.objects.filter(complaint=a).update(at=now - dt.timedelta(days=95))
    rows = updates_of(client.get(url("servicerequestupdates.json")))
    assert [r["service_request_id"] for r in rows] == [b.code]
    start = render.w3c(now - dt.timedelta(days=96))  # → 96..6 days ago
    rows = updates_of(client.get(url("servicerequestupdates.json", start_date=start)))
    assert [r["service_request_id"] for r in rows] == [a.code]
    ComplaintEvent.objects.filter(complaint=a).update(at=now - dt.timedelta(days=1))
    rows = updates_of(client.get(url("servicerequestupdates.json")))
    assert [r["service_request_id"] for r in rows] == [a.code, b.code]  # oldest first
    rows = updates_of(client.get(url("servicerequestupdates.json", page_size=1, page=2)))
    assert [r["service_request_id"] for r in rows] == [b.code]
    for params in (
        {"start_date": "2026-01-01"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"},
        {"page_size": "1001"},
    ):
        response = client.get(url("servicerequestupdates.xml", **params))
        assert response.status_code == 400 and codes(response, "xml") == [400]


def test_update_status_fallback_for_other_public_events():
    c = Complaint(status=Status.INVESTIGATING)
    assert render.update_status(ComplaintEvent(kind=EventKind.LINKED, to_status=""), c) == "OPEN"
    closed = ComplaintEvent(kind=EventKind.MODERATED, to_status=Status.CLOSED)
    assert render.update_status(closed, c) == "CLOSED"


# --- privacy ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nothing_personal_is_ever_published(client, form, personas):
    secrets_ = {
        "email": "zhang.san.secret@example.org",
        "phone": "13987654321",
        "first_name": "小明",
        "last_name": "欧阳",
        "device_id": "device-7f3a9c",
        "account_id": "account-55123",
    }
    response = post(
        client,
        form(
            description="工厂排污，我的电话 13987654321，邮箱 zhang.san.secret@example.org",
            **secrets_,
        ),
    )
    code = parse(response, "json")[0]["service_request_id"]
    c = Complaint.objects.get(code=code)
    drive_case(
        c,
        Status.PUBLISHED,
        office=personas.office,
        handler=personas.district_a,
        unit=personas.unit_a,
    )
    token = c.tracking_code
    bodies = []
    for fmt in FORMATS:
        for path in [
            f"requests.{fmt}",
            f"requests.{fmt}?extensions=true",
            f"requests/{code}.{fmt}",
            f"requests/{code}.{fmt}?extensions=true",
            f"servicerequestupdates.{fmt}",
            f"discovery.{fmt}",
            f"services.{fmt}",
            f"services/water.{fmt}",
            f"tokens/{token}.{fmt}",
        ]:
            response = client.get(f"{BASE}/{path}")
            assert response.status_code == 200, path
            bodies.append(response.content.decode())
    bodies.append(client.get(f"{BASE}/").content.decode())
    everything = "\n".join(bodies)
    assert code in everything
    for value in [*secrets_.values(), "欧阳小明", "zhang.san", "98765"]:
        assert value not in everything, value
    for persona in ("p_office", "p_wanzhou", "p_leader"):
        assert persona not in everything
