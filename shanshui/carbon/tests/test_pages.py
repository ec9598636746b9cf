"""The dual-carbon pages and API: what each persona sees (a district its own, the office and
departments the city, another district 404), the drill-down, the export that imports back, the
import page."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from shanshui.carbon import services
from shanshui.carbon.models import ActivityRecord
from shanshui.carbon.tests.helpers import WANZHOU_2023, csv_bytes, named
from shanshui.orgs.services import api_token_create
from shanshui.testing.http import ClientApi

pytestmark = pytest.mark.django_db

YUZHONG = [["渝中区", 2023, "服务业", "电力", 100, "万千瓦时"]]


@pytest.fixture
def data(personas):
    result = services.activity_import(
        actor=personas.office, fileobj=named(csv_bytes([*WANZHOU_2023, *YUZHONG]), "a.csv")
    )
    assert result.ok
    return personas


def login(client, user):
    client.force_login(user)
    return client


def test_the_office_sees_every_district(client, data):
    page = login(client, data.office).get(reverse("carbon:overview"))
    assert page.status_code == 200
    rows = {r["district"] for r in page.context["table"]}
    assert rows == {data.unit_a, data.unit_b}
    assert page.context["charts"]["districts"] is not None
    assert "import-link" in page.content.decode()


def test_a_department_sees_the_city(client, data):
    page = login(client, data.department).get(reverse("carbon:overview"))
    assert {r["district"] for r in page.context["table"]} == {data.unit_a, data.unit_b}
    assert "import-link" not in page.content.decode()


def test_a_district_sees_only_its_own(client, data):
    login(client, data.district_a)
    page = client.get(reverse("carbon:overview"))
    assert [r["district"] for r in page.context["table"]] == [data.unit_a]
    assert page.context["charts"]["districts"] is None
    assert client.get(reverse("carbon:district", args=[data.unit_a.pk])).status_code == 200
    assert client.get(reverse("carbon:district", args=[data.unit_b.pk])).status_code == 404
    assert client.get(reverse("carbon:rows", args=[data.unit_b.pk, 2023])).status_code == 404
    assert client.get(reverse("carbon:import")).status_code == 403


def test_a_user_without_a_district_is_refused(client, data):
    assert login(client, data.citizen).get(reverse("carbon:overview")).status_code == 403


def test_the_drill_down_lists_rows_and_factors(client, data):
    page = login(client, data.district_a).get(
        reverse("carbon:rows", args=[data.unit_a.pk, 2023]) + "?sector=industry&subsector=钢铁"
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert len(page.context["rows"]) == 2
    assert "20.9080" in html and "26.370" in html  # 原煤's NCV and carbon content
    assert "0.5306" in html  # the grid factor used


def test_the_export_imports_back_unchanged(client, data):
    response = login(client, data.district_a).get(reverse("carbon:export"))
    assert response.status_code == 200
    raw = b"".join(response.streaming_content)
    book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:7] == ("区县", "年份", "月份", "行业", "能源品种", "消费量", "计量单位")
    assert len(rows) == 5  # the district's own four rows only
    assert {r[0] for r in rows[1:]} == {"重庆市万州区"}
    before = sorted(ActivityRecord.objects.values_list("pk", "quantity", "entered_unit"))
    again = services.activity_import(actor=data.office, fileobj=named(raw, "export.xlsx"))
    assert again.ok, again.errors
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert sorted(ActivityRecord.objects.values_list("pk", "quantity", "entered_unit")) == before


def test_the_import_page(client, personas):
    login(client, personas.office)
    bad = client.post(
        reverse("carbon:import"),
        {
            "kind": "activity",
            "file": named(csv_bytes([["火星区", 2023, "工业", "原煤", 1, "吨"]]), "a.csv"),
        },
    )
    assert bad.status_code == 400 and "火星区" in bad.content.decode()
    checked = client.post(
        reverse("carbon:import"),
        {"kind": "activity", "dry_run": "on", "file": named(csv_bytes(WANZHOU_2023), "a.csv")},
    )
    assert checked.status_code == 200 and ActivityRecord.objects.count() == 0
    done = client.post(
        reverse("carbon:import"),
        {"kind": "activity", "file": named(csv_bytes(WANZHOU_2023), "a.csv")},
    )
    assert done.status_code == 302 and ActivityRecord.objects.count() == 4


@pytest.fixture
def api(data):
    names = ("office", "district_a", "department", "citizen")
    return ClientApi({n: api_token_create(user=getattr(data, n), name="t")[1] for n in names})


def test_api_scope(api, data):
    status, body = api.get("office", "/carbon/inventory?year=2023")
    assert status == 200 and {r["district_id"] for r in body} == {data.unit_a.pk, data.unit_b.pk}
    status, body = api.get("department", "/carbon/inventory?year=2023")
    assert status == 200 and len(body) == 2
    status, body = api.get("district_a", "/carbon/inventory?year=2023")
    assert status == 200 and [r["district_id"] for r in body] == [data.unit_a.pk]
    assert body[0]["total_co2_t"] == pytest.approx(
        body[0]["direct_co2_t"] + body[0]["indirect_co2_t"]
    )
    status, _ = api.get("district_a", f"/carbon/districts/{data.unit_b.pk}/rows?year=2023")
    assert status == 404
    status, _ = api.get("district_a", f"/carbon/districts/{data.unit_b.pk}/sectors?year=2023")
    assert status == 404
    status, body = api.get("district_a", f"/carbon/districts/{data.unit_a.pk}/rows?year=2023")
    assert status == 200 and len(body["rows"]) == 4 and body["grid_year"] == 2023
    status, _ = api.get("citizen", "/carbon/inventory?year=2023")
    assert status == 403
    status, body = api.get("district_a", "/carbon/factors")
    assert status == 200 and body["factor_sets"][0]["in_use"] is True


def test_api_import_is_for_the_office(api):
    status, body = api.upload(
        "office",
        "/carbon/activity/import",
        {"dry_run": "true"},
        [("file", "a.csv", csv_bytes(WANZHOU_2023), "text/csv")],
    )
    assert status == 200 and body["unchanged"] == 4 and body["written"] is False
    status, _ = api.upload(
        "district_a",
        "/carbon/activity/import",
        {},
        [("file", "a.csv", csv_bytes(WANZHOU_2023), "text/csv")],
    )
    assert status == 403


def test_the_office_edits_a_factor_on_its_page(client, data):
    from shanshui.carbon.models import EmissionFactor, FactorChange, GridFactorSet

    coal = EmissionFactor.objects.get(factor_set__in_use=True, energy_type__name="原煤")
    login(client, data.district_a)
    assert client.get(reverse("carbon:factors")).status_code == 200
    assert client.get(reverse("carbon:factor_edit", args=[coal.pk])).status_code == 403
    login(client, data.office)
    incomplete = client.post(
        reverse("carbon:factor_edit", args=[coal.pk]),
        {
            "ncv_gj": "20.5",
            "carbon_tc_per_tj": "",
            "oxidation": "0.94",
            "tce_per_unit": "0.7143",
            "reason": "x",
        },
    )
    assert incomplete.status_code == 400 and FactorChange.objects.count() == 0
    done = client.post(
        reverse("carbon:factor_edit", args=[coal.pk]),
        {
            "ncv_gj": "20.5",
            "carbon_tc_per_tj": "26.37",
            "oxidation": "0.94",
            "tce_per_unit": "0.7143",
            "reason": "实测",
        },
    )
    assert done.status_code == 302
    change = FactorChange.objects.get()
    assert (change.old, change.new, change.actor) == ("20.9080", "20.5000", data.office)
    page = client.get(reverse("carbon:factors"))
    assert "实测" in page.content.decode()
    grid = GridFactorSet.objects.get(in_use=True)
    bad = client.post(
        reverse("carbon:grid_factor_save", args=[grid.pk]), {"year": "2024", "tco2_per_mwh": "x"}
    )
    assert bad.status_code == 302 and not grid.factors.filter(year=2024).exists()
    client.post(
        reverse("carbon:grid_factor_save", args=[grid.pk]),
        {"year": "2024", "tco2_per_mwh": "0.5200", "source": "测试"},
    )
    assert grid.factors.get(year=2024).tco2_per_mwh == Decimal("0.52")
