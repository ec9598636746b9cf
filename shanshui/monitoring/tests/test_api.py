"""The monitoring indicators and targets in /api/v1/, through the test client: the same figures
as the pages, daily rows of a district and a station, targets read by everyone and written by
the office only, all or nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from shanshui.monitoring.indicators.districts import overview
from shanshui.monitoring.indicators.periods import Period
from shanshui.monitoring.models import Indicator, Target
from shanshui.monitoring.tests.indicator_helpers import (
    GOOD_WATER,
    make_section,
    make_station,
    sample,
    simple_year,
    target,
    unit,
)
from shanshui.orgs.services import api_token_create
from shanshui.testing.http import ClientApi

pytestmark = pytest.mark.django_db

YEAR = 2025
NAMES = ("office", "district_a", "district_b", "department")


@pytest.fixture
def api(personas):
    tokens = {n: api_token_create(user=getattr(personas, n), name="t")[1] for n in NAMES}
    return ClientApi(tokens)


def put(api, who, path, payload):
    status, _, raw = api.send(
        who,
        path,
        method="PUT",
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    return status, json.loads(raw or b"null")


@pytest.fixture
def data(personas):
    wanzhou, yuzhong = personas.unit_a, personas.unit_b
    air = make_station(wanzhou, "WZ-1")
    make_station(yuzhong, "YZ-1")
    simple_year(wanzhou, YEAR, pm25=30, heavy=2, bad=30)
    simple_year(wanzhou, YEAR, pm25=30, heavy=2, bad=30, station=air)
    simple_year(yuzhong, YEAR, pm25=25, bad=10)
    target(wanzhou, YEAR, Indicator.GOOD_DAY_RATIO, 92)
    target(yuzhong, YEAR, Indicator.GOOD_DAY_RATIO, 92)
    section = make_section(wanzhou, "WZ-W1")
    sample(section, dt.date(YEAR, 5, 3), **{**GOOD_WATER, "NH3N": 2.6})
    return {"wanzhou": wanzhou, "yuzhong": yuzhong, "air": air, "section": section}


def test_it_refuses_requests_without_a_token(api, data):
    for path in (
        f"/monitoring/indicators?year={YEAR}",
        f"/monitoring/districts/{data['wanzhou'].pk}/daily",
        "/monitoring/targets",
    ):
        status, body = api.get(None, path)
        assert (status, body["code"]) == (401, "unauthorized"), path
    status, body = put(api, None, "/monitoring/targets", {"year": YEAR, "targets": []})
    assert status == 401


@time_machine.travel("2026-06-15 10:00 +0800", tick=False)  # YEAR is over: nothing provisional
def test_the_indicators_are_the_pages_figures_for_every_user(api, data):
    expected = overview(Period(YEAR), today=dt.date(2026, 6, 15))
    for who in ("district_b", "department", "office"):
        status, body = api.get(who, f"/monitoring/indicators?year={YEAR}")
        assert status == 200, body
        assert body["period"] == str(YEAR) and body["provisional_limits"] is False
        assert body["limits"] == "GB3095-2012 class II"
        assert body["aqi_standards"] == ["HJ633-2012"]
        rows = {d["district_id"]: d for d in body["districts"]}
        for row in expected.rows:
            got = rows[row.district.pk]
            for indicator, a in row.assessments.items():
                assert got["indicators"][indicator]["value"] == a.value
                assert got["indicators"][indicator]["status"] == a.status
        wz = rows[data["wanzhou"].pk]
        assert wz["indicators"]["good_day_ratio"] == {
            "value": 91.2,
            "target": 92.0,
            "status": "missed",
            "gap": -0.8,
            "higher_is_better": True,
            "provisional": False,
        }
        assert wz["indicators"]["water_inferior_v"]["value"] == 1
        assert wz["air"]["good_days"] == 333 and wz["air"]["aqi_days"] == 365
        assert wz["water"] == {
            "sections": 1,
            "classified": 1,
            "good": 0,
            "inferior_v": 1,
            "good_ratio": 0.0,
            "meeting_target": 0,
        }
        assert [d["name"] for d in body["districts"]] == ["渝中区", "万州区"]
        assert body["city"]["district_id"] is None
        assert body["city"]["air"]["aqi_days"] == 365


def test_a_month_and_a_2026_period_are_flagged(api, data):
    status, body = api.get("office", "/monitoring/indicators?year=2026&month=3")
    assert status == 200
    assert body["provisional_limits"] is True and body["provisional_aqi"] is True
    assert body["limits"] == "GB3095-2012 class II (provisional)"
    assert body["aqi_standards"] == ["HJ633-2026"]
    status, body = api.get("office", f"/monitoring/indicators?year={YEAR}&month=1")
    wz = {d["district_id"]: d for d in body["districts"]}[data["wanzhou"].pk]
    assert wz["indicators"]["heavy_days"]["status"] == "not_assessed"


@pytest.mark.parametrize(
    "query", ["year=abc", "year=1999", "month=13", "month=0", "sort=evil", "year=2025&month=x"]
)
def test_bad_indicator_parameters_are_422(api, data, query):
    status, body = api.get("office", f"/monitoring/indicators?{query}")
    assert status == 422 and body["code"] == "validation_error"


def test_a_districts_daily_rows(api, data):
    wz = data["wanzhou"]
    status, body = api.get(
        "district_b", f"/monitoring/districts/{wz.pk}/daily?from={YEAR}-01-01&to={YEAR}-01-31"
    )
    assert status == 200, body
    assert body["from"] == f"{YEAR}-01-01" and body["to"] == f"{YEAR}-01-31"
    assert body["station_id"] is None and len(body["days"]) == 31
    first = body["days"][0]
    assert first["day"] == f"{YEAR}-01-01"
    assert first["pm25"] == 180 and first["aqi"] > 200 and first["level"] == 5
    assert first["category"] == "重度污染" and first["primary"] == "PM2.5"
    assert first["complete"] is True and first["standard"] == "HJ633-2012"


def test_a_stations_daily_rows(api, data):
    status, body = api.get(
        "office", f"/monitoring/stations/{data['air'].pk}/daily?from={YEAR}-12-01&to={YEAR}-12-31"
    )
    assert status == 200 and len(body["days"]) == 31
    assert body["station_id"] == data["air"].pk and body["district_id"] == data["wanzhou"].pk


def test_daily_refusals(api, data):
    wz = data["wanzhou"]
    cases = [
        (f"/monitoring/districts/{wz.pk}/daily?from=2025-02-01&to=2025-01-01", 422),
        (f"/monitoring/districts/{wz.pk}/daily?from=2020-01-01&to=2025-01-01", 422),
        (f"/monitoring/districts/{wz.pk}/daily?from=2025-13-01", 422),
        ("/monitoring/districts/99999999/daily", 404),
        (f"/monitoring/districts/{unit('cq-ecology-environment').pk}/daily", 404),
        ("/monitoring/districts/0/daily", 422),
        (f"/monitoring/stations/{data['section'].pk}/daily", 404),  # a water section
        ("/monitoring/stations/99999999/daily", 404),
    ]
    for path, expected in cases:
        status, body = api.get("office", path)
        assert status == expected, (path, body)
        assert body["code"] in ("not_found", "validation_error", "error"), body


def test_targets_are_read_by_everyone(api, data):
    status, body = api.get("district_b", f"/monitoring/targets?year={YEAR}")
    assert status == 200
    assert [(t["district"], t["indicator"], t["value"]) for t in body] == [
        ("万州区", "good_day_ratio", 92.0),
        ("渝中区", "good_day_ratio", 92.0),
    ]
    status, body = api.get(
        "office", f"/monitoring/targets?year={YEAR}&district={data['yuzhong'].pk}"
    )
    assert [t["district"] for t in body] == ["渝中区"]
    assert api.get("office", "/monitoring/targets?year=2010")[1] == []


def test_the_office_puts_targets(api, data):
    wz, yz = data["wanzhou"], data["yuzhong"]
    payload = {
        "year": YEAR,
        "targets": [
            {"district_id": wz.pk, "indicator": "pm25_mean", "value": 35},
            {"district_id": yz.pk, "indicator": "water_good_ratio", "value": "90.5"},
            {"district_id": wz.pk, "indicator": "good_day_ratio", "value": 92},  # unchanged
            {"district_id": yz.pk, "indicator": "good_day_ratio", "value": None},  # removed
        ],
    }
    status, body = put(api, "office", "/monitoring/targets", payload)
    assert status == 200, body
    assert body["changed"] == 3
    got = {(t["district_id"], t["indicator"]): t["value"] for t in body["targets"]}
    assert got == {
        (wz.pk, "good_day_ratio"): 92.0,
        (wz.pk, "pm25_mean"): 35.0,
        (yz.pk, "water_good_ratio"): 90.5,
    }
    # The indicators follow at once.
    status, body = api.get("office", f"/monitoring/indicators?year={YEAR}")
    row = {d["district_id"]: d for d in body["districts"]}[wz.pk]
    assert row["indicators"]["pm25_mean"]["status"] == "missed"


@pytest.mark.parametrize("who", ["district_a", "district_b", "department"])
def test_only_the_office_puts_targets(api, data, who):
    before = list(Target.objects.values_list("pk", "value"))
    status, body = put(
        api,
        who,
        "/monitoring/targets",
        {
            "year": YEAR,
            "targets": [{"district_id": data["wanzhou"].pk, "indicator": "pm25_mean", "value": 1}],
        },
    )
    assert (status, body["code"]) == (403, "forbidden")
    assert list(Target.objects.values_list("pk", "value")) == before


def test_a_bad_target_saves_nothing(api, data):
    wz, yz = data["wanzhou"], data["yuzhong"]
    status, body = put(
        api,
        "office",
        "/monitoring/targets",
        {
            "year": YEAR,
            "targets": [
                {"district_id": yz.pk, "indicator": "pm25_mean", "value": 30},
                {"district_id": wz.pk, "indicator": "good_day_ratio", "value": 101},
                {"district_id": 99999999, "indicator": "pm25_mean", "value": 30},
                {
                    "district_id": unit("cq-ecology-environment").pk,
                    "indicator": "pm25_mean",
                    "value": 3,
                },
                {"district_id": wz.pk, "indicator": "heavy_days", "value": "1e400"},
            ],
        },
    )
    assert status == 400 and body["code"] == "invalid", body
    assert set(body["fields"]) == {
        "targets[1].value",
        "targets[2].district_id",
        "targets[3].district",
        "targets[4].value",
    }
    assert not Target.objects.filter(indicator="pm25_mean").exists()
    assert Target.objects.get(district=wz, indicator="good_day_ratio").value == 92


@pytest.mark.parametrize(
    "payload",
    [
        {"year": 1999, "targets": []},
        {"year": YEAR, "targets": [{"district_id": 1, "indicator": "nonsense", "value": 1}]},
        {"year": YEAR, "targets": [{"district_id": 1, "indicator": "pm25_mean", "value": "abc"}]},
        {"year": YEAR},
    ],
)
def test_malformed_target_requests_are_422(api, data, payload):
    status, body = put(api, "office", "/monitoring/targets", payload)
    assert status == 422 and body["code"] == "validation_error"
