"""The monitoring data API through the test client: CSV uploads of hourly air readings and
water samples (office only, all or nothing, idempotent) and the station register."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote

import pytest
from django.urls import Resolver404, path, resolve
from ninja import NinjaAPI

import config.urls
from config.api import api as main_api
from shanshui.ledger.scenarios import png_bytes
from shanshui.monitoring.api_data import data_router
from shanshui.monitoring.models import AirDaily, AirHourly, WaterSample
from shanshui.monitoring.tests.loading_helpers import air_csv, day_rows, hour_text, make_stations
from shanshui.orgs.auth import api_auth
from shanshui.orgs.services import api_token_create
from shanshui.testing.http import ClientApi


def _mounted() -> bool:
    try:
        resolve("/api/v1/monitoring/air-readings")
    except Resolver404:
        return False
    return True


if _mounted():
    urlpatterns = config.urls.urlpatterns
else:
    # Until config/api.py mounts the router, serve it from an API with the same
    # authentication and error handlers, in front of the project's URLs.
    _api = NinjaAPI(auth=api_auth, urls_namespace="api-monitoring-data-test")
    _api._exception_handlers = dict(main_api._exception_handlers)
    _api.add_router("/", data_router)
    urlpatterns = [path("api/v1/", _api.urls), *config.urls.urlpatterns]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

NAMES = ("office", "district_a", "department")
DAY = dt.date(2025, 6, 1)
CSV = "text/csv"


@pytest.fixture
def api(personas):
    tokens = {n: api_token_create(user=getattr(personas, n), name="t")[1] for n in NAMES}
    return ClientApi(tokens)


@pytest.fixture
def stations(db):
    return make_stations()


def upload_air(api, who, data: bytes, *, dry_run=None, name="hourly.csv"):
    fields = {} if dry_run is None else {"dry_run": "true" if dry_run else "false"}
    return api.upload(who, "/monitoring/air-readings", fields, [("file", name, data, CSV)])


def test_the_office_uploads_hourly_readings(api, stations):
    data = air_csv(day_rows("5001A", DAY) + day_rows("5003A", DAY))
    status, body = upload_air(api, "office", data)
    assert status == 200, body
    assert body["ok"] and not body["dry_run"]
    assert (body["inserted"], body["updated"], body["unchanged"]) == (48, 0, 0)
    assert (body["station_days"], body["district_days"]) == (2, 2)
    assert body["columns"]["pm25"] == "PM2.5" and body["first"] == "2025-06-01T01:00:00"
    assert AirHourly.objects.count() == 48
    assert AirDaily.objects.filter(station__isnull=True).count() == 2
    status, body = upload_air(api, "office", data)
    assert status == 200 and (body["inserted"], body["unchanged"]) == (0, 48)


def test_a_dry_run_writes_nothing(api, stations):
    status, body = upload_air(api, "office", air_csv(day_rows("5001A", DAY)), dry_run=True)
    assert status == 200 and body["dry_run"] and body["inserted"] == 24
    assert AirHourly.objects.count() == 0


def test_row_errors_come_back_with_400_and_nothing_is_written(api, stations):
    rows = [
        *day_rows("5001A", DAY, labels=range(1, 3)),
        ("5001A", hour_text(DAY, 2), 1, 1, 1, 1, 1, 1),
        ("5002A", "2025-06-01 3:15", 1, 1, 1, 1, 1, 1),
    ]
    status, body = upload_air(api, "office", air_csv(rows))
    assert status == 400 and not body["ok"]
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(4, "时间"), (5, "时间")]
    assert body["error_count"] == 2
    assert AirHourly.objects.count() == 0


def test_a_file_that_is_not_csv_is_refused(api, stations):
    status, body = upload_air(api, "office", png_bytes(), name="image.png")
    assert status == 400
    assert body["errors"][0]["row"] == 0 and body["errors"][0]["column"] == ""


def test_a_file_over_the_limit_is_refused(api, stations, settings):
    settings.SHANSHUI_MONITORING_CSV_MAX_BYTES = 1000
    status, body = upload_air(api, "office", air_csv(day_rows("5001A", DAY)))
    assert status == 400 and body["errors"][0]["row"] == 0
    assert AirHourly.objects.count() == 0


def test_only_the_office_uploads(api, stations):
    data = air_csv(day_rows("5001A", DAY))
    for who in ("district_a", "department"):
        status, body = upload_air(api, who, data)
        assert (status, body["code"]) == (403, "forbidden")
        status, body = api.upload(
            who, "/monitoring/water-samples", {}, [("file", "w.csv", data, CSV)]
        )
        assert (status, body["code"]) == (403, "forbidden")
    status, body = upload_air(api, None, data)
    assert (status, body["code"]) == (401, "unauthorized")
    assert AirHourly.objects.count() == 0


def test_the_office_uploads_water_samples(api, stations):
    data = "断面编码,采样日期,pH,溶解氧,氨氮,总磷\nW002,2026-01-15,7.6,8.2,0.21,0.06\n".encode(
        "gbk"
    )
    status, body = api.upload(
        "office", "/monitoring/water-samples", {}, [("file", "水质.csv", data, CSV)]
    )
    assert status == 200, body
    assert body["kind"] == "water" and body["inserted"] == 1 and body["encoding"] == "gb18030"
    sample = WaterSample.objects.get()
    assert sample.water_class == 4 and sample.main_pollutants == "TP"  # a reservoir: TP 0.06


def test_every_user_reads_the_station_register(api, stations):
    status, body = api.get("district_a", "/monitoring/stations")
    assert status == 200 and body["count"] == 5
    codes = [s["code"] for s in body["items"]]
    assert codes == ["5001A", "5002A", "5003A", "W001", "W002"]
    status, body = api.get("department", "/monitoring/stations?kind=water")
    assert [s["code"] for s in body["items"]] == ["W001", "W002"]
    water = body["items"][1]
    assert (water["waterbody"], water["target_class"], water["district"]) == ("lake", 3, "渝中区")
    district = stations["B1"].district_id
    status, body = api.get("office", f"/monitoring/stations?district_id={district}&kind=air")
    assert [s["code"] for s in body["items"]] == ["5003A"]
    status, body = api.get("office", "/monitoring/stations?q=" + quote("晒网"))
    assert [s["code"] for s in body["items"]] == ["W001"]


def test_the_station_register_needs_a_login_and_valid_filters(api, stations):
    status, body = api.get(None, "/monitoring/stations")
    assert (status, body["code"]) == (401, "unauthorized")
    status, body = api.get("office", "/monitoring/stations?kind=soil")
    assert status == 422


def test_the_openapi_schema_describes_the_uploads(api):
    status, _headers, raw = api.send("office", "/openapi.json")
    assert status == 200
    paths = json.loads(raw)["paths"]
    assert "/api/v1/monitoring/air-readings" in paths
    assert "/api/v1/monitoring/stations" in paths
