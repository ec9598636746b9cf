"""The /api/v1/ skeleton: auth, errors, me, units, scope. Through the test client, except one
bearer-token request over real HTTP to a live server (the Authorization header must survive a
WSGI server, which the test client cannot show)."""

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.utils import timezone

from shanshui.orgs.models import ApiToken
from shanshui.orgs.services import api_token_create, api_token_revoke
from shanshui.testing.http import ClientApi

pytestmark = pytest.mark.django_db


def call(path, token=None, params=None, method="GET"):
    """(status, JSON body) of one request as ``token`` (a raw API token, or None)."""
    if params:
        path += "?" + urllib.parse.urlencode(params)
    status, _, raw = ClientApi({}).send(token, path, method=method)
    return status, json.loads(raw or b"null")


def test_no_token_is_401_with_a_chinese_message(db):
    status, body = call("/me")
    assert status == 401
    assert body["code"] == "unauthorized"
    assert body["message"] == "请登录或提供有效的 API 令牌。"


def test_a_wrong_token_is_401(db):
    assert call("/me", token="ssk_not-a-real-token")[0] == 401
    assert call("/me", token="garbage")[0] == 401


def call_over_http(base, path, token):
    request = urllib.request.Request(base + "/api/v1" + path)
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@pytest.mark.django_db(transaction=True)
def test_me_with_a_token(live_server, personas):
    # Real HTTP on purpose: the bearer token travels in the Authorization header through a WSGI
    # server, as it does in production; the test client would hand it to Django directly.
    token, raw = api_token_create(user=personas.leader, name="test")
    status, body = call_over_http(live_server.url, "/me", raw)
    assert status == 200
    assert body["username"] == "p_leader"
    assert body["sees_all"] is False
    assert body["memberships"][0]["unit"]["short_name"] == "万州区"
    assert body["memberships"][0]["role"] == "leader"
    assert body["memberships"][0]["post"] == "副区长"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_is_401(personas):
    token, raw = api_token_create(user=personas.district_a, name="test")
    assert call("/me", token=raw)[0] == 200
    api_token_revoke(actor=personas.district_a, token=token)
    assert call("/me", token=raw)[0] == 401


def test_an_expired_token_is_401(personas):
    token, raw = api_token_create(user=personas.district_a, name="test")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert call("/me", token=raw)[0] == 401


def test_a_token_of_a_deactivated_user_is_401(personas):
    _, raw = api_token_create(user=personas.district_a, name="test")
    personas.district_a.is_active = False
    personas.district_a.save()
    assert call("/me", token=raw)[0] == 401


def test_units_filter_by_kind_name_and_alias(personas):
    _, raw = api_token_create(user=personas.district_a, name="t")
    status, body = call("/units", raw, {"kind": "autonomous_county"})
    assert status == 200 and body["count"] == 4
    assert {u["short_name"] for u in body["items"]} == {"石柱县", "秀山县", "酉阳县", "彭水县"}
    status, body = call("/units", raw, {"alias": "重庆市万州区"})
    assert [u["admin_code"] for u in body["items"]] == ["500101"]
    status, body = call("/units", raw, {"alias": "市环保局"})
    assert body["items"][0]["name"] == "重庆市生态环境局"
    assert "市环保局" in body["items"][0]["aliases"]
    status, body = call("/units", raw, {"alias": "火星区"})
    assert body["count"] == 0
    status, body = call("/units", raw, {"name": "北"})
    names = {u["short_name"] for u in body["items"]}
    assert {"江北区", "渝北区", "北碚区"} <= names
    status, body = call("/units", raw, {"name": "北", "current": "true"})
    names = {u["short_name"] for u in body["items"]}
    assert "渝北区" not in names and "北碚区" in names
    status, body = call("/units", raw, {"kind": "district", "limit": 5, "offset": 0})
    assert len(body["items"]) == 5 and body["count"] == 27


def test_a_historic_unit_carries_its_successor(personas):
    _, raw = api_token_create(user=personas.district_a, name="t")
    _, body = call("/units", raw, {"alias": "渝北"})
    yubei = body["items"][0]
    assert yubei["valid_to"] == "2025-11-06" and yubei["is_current"] is False
    status, successor = call(f"/units/{yubei['successor_id']}", raw)
    assert status == 200 and successor["short_name"] == "两江新区"


def test_validation_errors_are_json(personas):
    _, raw = api_token_create(user=personas.district_a, name="t")
    status, body = call("/units", raw, {"kind": "planet"})
    assert status == 422
    assert body["code"] == "validation_error" and body["message"] == "部分参数有误。"
    status, body = call("/units/999999", raw)
    assert status == 404 and body["code"] == "not_found"


def test_members_of_another_district_are_404(personas):
    _, raw = api_token_create(user=personas.district_a, name="t")
    status, body = call(f"/units/{personas.unit_b.pk}/members", raw)
    assert status == 404 and body["code"] == "not_found"
    status, body = call(f"/units/{personas.unit_a.pk}/members", raw)
    assert status == 200
    assert {m["username"] for m in body} == {"p_wanzhou", "p_wanzhou_staff", "p_leader"}
    _, office = api_token_create(user=personas.office, name="t")
    status, body = call(f"/units/{personas.unit_b.pk}/members", office)
    assert status == 200 and [m["username"] for m in body] == ["p_yuzhong"]


def test_session_auth_works_for_the_browser(personas, client):
    client.force_login(personas.district_b)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "p_yuzhong"


def test_openapi_docs_are_published(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/me" in schema["paths"] and "/api/v1/units" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_bad_input_never_gives_a_500(personas):
    _, raw = api_token_create(user=personas.district_a, name="t")
    assert call("/units", raw, {"offset": 99999999999999999999})[0] == 422
    assert call("/units", raw, {"parent": 99999999999999999999999})[0] == 422
    assert call("/units", raw, {"name": "x" * 500})[0] == 422
    assert call("/units/abc", raw)[0] == 422
    status, body = call("/units", raw, {"name": "a\x00b"})
    assert status == 400 and body["code"] == "bad_request"
    status, body = call("/nothing-here", raw)
    assert status == 404 and body["code"] == "not_found"
    status, body = call("/me", raw, method="DELETE")
    assert status == 405 and body["code"] == "method_not_allowed"


def test_current_leaves_out_merged_units_when_resolving(personas):
    _, raw = api_token_create(user=personas.district_a, name="t")
    assert call("/units", raw, {"alias": "江北"})[1]["count"] == 1
    assert call("/units", raw, {"alias": "江北", "current": "true"})[1]["count"] == 0
