"""The office's upload page for monitoring data: dry run with errors by row and column, then the
import; only the office; file checks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shanshui.ledger.scenarios import png_bytes
from shanshui.monitoring.models import AirDaily, AirHourly, Target, WaterSample
from shanshui.monitoring.tests.loading_helpers import air_csv, day_rows, hour_text, make_stations

pytestmark = pytest.mark.django_db

URL = "/monitoring/import/"
DAY = dt.date(2025, 6, 1)


@pytest.fixture
def stations(db):
    return make_stations()


@pytest.fixture
def office(personas, client_as, settings):
    """The office, reading the pages in English (the platform speaks Chinese by default; the
    language switch's cookie chooses English)."""
    client = client_as(personas.office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def upload(data: bytes, name: str = "hourly.csv", content_type: str = "text/csv"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def post(client, data, *, kind="air", dry_run=True, name="hourly.csv"):
    fields = {"kind": kind, "file": upload(data, name)}
    if dry_run:
        fields["dry_run"] = "on"
    return client.post(URL, fields)


def test_it_sends_anonymous_users_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post(URL, {})
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_refuses_everyone_but_the_office(personas, stations, client_as):
    data = air_csv(day_rows("5001A", DAY))
    for user in (personas.district_a, personas.department, personas.leader, personas.citizen):
        client = client_as(user)
        assert client.get(URL).status_code == 403
        assert post(client, data, dry_run=False).status_code == 403
        assert client.get("/monitoring/import/example-air.csv").status_code == 403
    assert AirHourly.objects.count() == 0


def test_the_office_sees_what_a_file_needs(office):
    response = office.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="air-help"' in page and 'id="water-help"' in page
    assert "站点编码" in page and "采样日期" in page
    assert 'name="file"' in page and 'name="dry_run"' in page


def test_a_dry_run_shows_the_counts_and_writes_nothing(office, stations):
    response = post(office, air_csv(day_rows("5001A", DAY) + day_rows("5003A", DAY)))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-checked"' in page
    assert 'id="count-inserted">48<' in page and 'id="count-unchanged">0<' in page
    assert AirHourly.objects.count() == 0
    # The form is now ready for the real import (dry run unticked).
    form = response.context["form"]
    assert form.initial["dry_run"] is False and form.initial["kind"] == "air"


def test_errors_are_listed_by_row_and_column(office, stations):
    rows = [
        *day_rows("5001A", DAY, labels=range(1, 3)),
        ("9999A", hour_text(DAY, 3), 1, 1, 1, 1, 1, 1),
        ("5001A", hour_text(DAY, 4), 1, "x", 1, 1, 1, 1),
    ]
    response = post(office, air_csv(rows), dry_run=False)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="import-failed"' in page
    errors = [(e.row, e.column) for e in response.context["result"].errors]
    assert errors == [(4, "站点编码"), (5, "NO2")]
    assert "Unknown station code “9999A”." in page and "“x” is not a number." in page
    assert AirHourly.objects.count() == 0


def test_the_import_writes_and_says_so(office, stations):
    client = office
    response = post(client, air_csv(day_rows("5001A", DAY)), dry_run=False)
    assert response.status_code == 302 and response["Location"] == URL + "?kind=air"
    assert AirHourly.objects.count() == 24
    assert AirDaily.objects.filter(station__code="5001A", day=DAY).exists()
    page = client.get(response["Location"]).content.decode()
    assert "hourly.csv imported: 24 new rows, 0 changed, 0 unchanged." in page
    response = post(client, air_csv(day_rows("5001A", DAY)), dry_run=False)
    assert response.status_code == 302
    assert "0 new rows, 0 changed, 24 unchanged." in client.get(URL).content.decode()


def test_water_samples_through_the_page(office, stations):
    data = "断面编码,采样日期,pH,溶解氧,氨氮,总磷\nW001,2026-01-15,7.6,8.2,0.21,0.06\n".encode(
        "gbk"
    )
    client = office
    response = post(client, data, kind="water", name="水质.csv")
    assert response.status_code == 200 and response.context["result"].inserted == 1
    assert "GBK" in response.content.decode()
    response = post(client, data, kind="water", dry_run=False, name="水质.csv")
    assert response.status_code == 302
    assert WaterSample.objects.get().water_class == 2


def test_a_file_that_is_not_csv_is_refused(office, stations):
    response = post(office, png_bytes(), name="photo.csv")
    assert response.status_code == 400
    assert "not a CSV text file" in response.content.decode()


def test_a_file_over_the_pages_limit_is_refused(office, stations, settings):
    settings.SHANSHUI_MONITORING_CSV_PAGE_MAX_BYTES = 2 * 1024 * 1024
    big = air_csv(day_rows("5001A", DAY)) + b"#" * (2 * 1024 * 1024)
    response = post(office, big, dry_run=False)
    assert response.status_code == 400
    assert "larger than 2 MB" in response.content.decode()
    assert AirHourly.objects.count() == 0


def test_a_missing_file_is_a_form_error(office):
    response = office.post(URL, {"kind": "air"})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


def test_the_example_files(office, stations):
    client = office
    response = client.get("/monitoring/import/example-air.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith("\ufeff".encode()) and "站点编码,时间".encode() in body
    # The example imports as it is.
    assert post(client, body, dry_run=True).status_code == 200
    assert client.get("/monitoring/import/example-water.csv").status_code == 200
    assert client.get("/monitoring/import/example-other.csv").status_code == 404


def test_the_admin_lists_stations_targets_and_samples_for_the_office(
    office, personas, stations, client_as
):
    client = office
    for model in ("station", "target", "watersample"):
        response = client.get(f"/admin/monitoring/{model}/")
        assert response.status_code == 200, model
    assert "5001A" in client.get("/admin/monitoring/station/").content.decode()
    # Water samples come from imports: they can be looked at, not added.
    assert client.get("/admin/monitoring/watersample/add/").status_code == 403
    # A target over 100 % is refused with the service's rule.
    response = client.post(
        "/admin/monitoring/target/add/",
        {
            "district": personas.unit_a.pk,
            "year": 2026,
            "indicator": "good_day_ratio",
            "value": "120",
            "note": "",
        },
    )
    assert response.status_code == 200 and not Target.objects.exists()
    assert "at most 100" in response.content.decode()
    district_client = client_as(personas.district_a)
    assert district_client.get("/admin/monitoring/station/").status_code == 302
