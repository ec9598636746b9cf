"""Enterprises' monthly energy use (issue 16): the import layout (unit conversion, the month as
年份 + 月份 or 年月, names checked against the register), all or nothing, idempotent, the
computed inventory refreshed for the touched (enterprise, year) pairs only and checked against
a hand computation, the export and the template importing back unchanged, the page's "why this
number", the API (scoped reads, the office's writes with the API's error model), the command."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal as D

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from shanshui.carbon import markets
from shanshui.carbon.models import (
    EnergyType,
    EnterpriseActivity,
    EnterpriseInventory,
    MarketEvent,
)
from shanshui.carbon.tests.helpers import csv_bytes, named, xlsx_bytes
from shanshui.carbon.tests.test_markets import code, enterprise
from shanshui.lib import sheets
from shanshui.orgs.services import api_token_create
from shanshui.testing.http import ClientApi

pytestmark = pytest.mark.django_db

HEADER = ["统一社会信用代码", "企业名称", "年份", "月份", "能源品种", "消费量", "计量单位"]
COAL_T = 1.9003  # tCO2 per t of raw coal (the provincial guideline, test_factors)
GRID_2023 = 0.5306  # tCO2/MWh, the national average for 2023


def file_rows():
    """Enterprise 1 in 2023: 1,000 t of raw coal (500 t + 0.05 万吨) and 100 万kWh
    (1,000,000 kWh); enterprise 2: 20 t of raw coal (20,000 kg)."""
    return [
        [code(1), "重庆测试企业1有限公司", 2023, 1, "原煤", 500, "吨"],
        [code(1), "", 2023, "2月", "原煤", "0.05", "万吨"],
        [code(1), "重庆测试企业1有限公司", 2023, "03", "电力", 1000000, "千瓦时"],
        [code(2), "", 2023, 1, "原煤", 20000, "千克"],
    ]


@pytest.fixture
def two(personas):
    a = enterprise(personas, 1, district=personas.unit_a)
    b = enterprise(personas, 2, district=personas.unit_b, name="渝中企业")
    return personas, a, b


def do_import(personas, data: bytes, name="e.csv", **kw):
    return markets.energy_import(actor=personas.office, fileobj=named(data, name), **kw)


# --- dates in lib/sheets -----------------------------------------------------------------------


def test_dates_and_months_as_offices_write_them():
    for text in ("2025-12-31", "2025/12/31", "2025.12.31", "20251231", "2025年12月31日"):
        assert sheets.parse_date(text) == dt.date(2025, 12, 31), text
    assert sheets.parse_date("2025-02-30") is None and sheets.parse_date("明年") is None
    assert sheets.parse_date(dt.datetime(2025, 3, 1, 0, 0)) == dt.date(2025, 3, 1)
    for text in ("2025-03", "2025/3", "2025年3月", "2025年03月份", "2025-03-01"):
        assert sheets.parse_year_month(text) == (2025, 3), text
    assert sheets.parse_year_month("2025-13") is None and sheets.parse_year_month("3月") is None


# --- the import --------------------------------------------------------------------------------


def test_import_converts_units_and_recomputes_the_touched_pairs_only(two):
    personas, a, b = two
    coal = EnergyType.objects.get(name="原煤")
    # Rows written without a recompute: their inventory must stay as it is (none).
    EnterpriseActivity.objects.create(
        enterprise=a, year=2022, month=1, energy_type=coal, quantity=D(7)
    )
    result = do_import(personas, csv_bytes(file_rows(), header=HEADER))
    assert result.ok and result.written, result.errors
    assert (result.inserted, result.updated, result.unchanged) == (4, 0, 0)
    got = {
        (r.enterprise_id, r.month, r.energy_type.name): r.quantity
        for r in EnterpriseActivity.objects.filter(year=2023).select_related("energy_type")
    }
    assert got == {
        (a.pk, 1, "原煤"): D(500),
        (a.pk, 2, "原煤"): D(500),
        (a.pk, 3, "电力"): D(100),  # 万千瓦时
        (b.pk, 1, "原煤"): D(20),
    }
    cell = EnterpriseInventory.objects.get(enterprise=a, year=2023)
    assert cell.direct_co2_t == pytest.approx(1000 * COAL_T, rel=1e-4)  # 1,900.3 t
    assert cell.indirect_co2_t == pytest.approx(100 * 10 * GRID_2023)  # 530.6 t
    assert cell.rows == 3
    assert EnterpriseInventory.objects.get(enterprise=b, year=2023).direct_co2_t == pytest.approx(
        20 * COAL_T, rel=1e-4
    )
    assert not EnterpriseInventory.objects.filter(year=2022).exists()  # not touched
    events = MarketEvent.objects.filter(kind="energy").order_by("enterprise_id")
    assert [(ev.enterprise_id, ev.year, ev.actor_id) for ev in events] == [
        (a.pk, 2023, personas.office.pk),
        (b.pk, 2023, personas.office.pk),
    ]
    assert [1, "原煤", None, "500"] in events[0].data["changes"]


def test_a_year_month_column_in_a_workbook(two):
    personas, a, _b = two
    header = ["统一社会信用代码", "年月", "能源品种", "消费量", "计量单位"]
    rows = [
        [code(1), "2024-03", "原煤", 10, "吨"],
        [code(1), "2024年4月", "原煤", 20, "吨"],
        [code(1), dt.datetime(2024, 5, 1), "原煤", 30, "吨"],
    ]
    result = do_import(personas, xlsx_bytes(rows, header=header, title="2024年企业能源"), "e.xlsx")
    assert result.ok, result.errors
    assert sorted(a.activity.values_list("month", flat=True)) == [3, 4, 5]


def test_one_bad_row_and_nothing_is_saved(two):
    personas, _a, _b = two
    bad = [
        *file_rows(),
        [code(9), "", 2023, 1, "原煤", 1, "吨"],  # not registered
        [code(1), "别的公司", 2023, 4, "原煤", 1, "吨"],  # not its name
        [code(1), "", 2023, 13, "原煤", 1, "吨"],
        [code(1), "", 2023, 5, "电力", 1, "吨"],  # electricity is not weighed
        [code(1), "", 2023, 6, "煤气罐", -1, "吨"],
        [code(1), "", 2023, 1, "原煤", 5, "吨"],  # row 2 again
        [code(1)[:-1] + "X", "", 2023, 1, "原煤", 5, "吨"],
    ]
    result = do_import(personas, csv_bytes(bad, header=HEADER))
    assert not result.ok and not result.written
    assert not EnterpriseActivity.objects.exists() and not EnterpriseInventory.objects.exists()
    assert not MarketEvent.objects.filter(kind="energy").exists()
    found = {(e.row, e.column): e.message for e in result.errors}
    assert "没有" in found[(6, "统一社会信用代码")] or "未" in found[(6, "统一社会信用代码")]
    assert "重庆测试企业1有限公司" in found[(7, "企业名称")]
    assert (8, "月份") in found and (9, "计量单位") in found
    assert (10, "能源品种") in found and (10, "消费量") in found
    assert "2" in found[(11, "")]
    assert "校验" in found[(12, "统一社会信用代码")]


def test_the_error_messages_are_chinese(two):
    personas, _a, _b = two
    result = do_import(
        personas, csv_bytes([[code(1), "", 2023, 13, "原煤", 1, "吨"]], header=HEADER)
    )
    assert result.errors[0].message == "月份为1至12（或“3月”）：“13”。"


def test_the_same_file_twice_changes_nothing_and_a_new_quantity_replaces(two):
    personas, a, _b = two
    data = csv_bytes(file_rows(), header=HEADER)
    do_import(personas, data)
    again = do_import(personas, data)
    assert again.ok and (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert MarketEvent.objects.filter(kind="energy").count() == 2  # nothing recorded twice
    rows = file_rows()
    rows[0][5] = 600  # January's coal: 600 t
    third = do_import(personas, csv_bytes(rows, header=HEADER))
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 3)
    assert EnterpriseActivity.objects.filter(enterprise=a).count() == 3
    cell = EnterpriseInventory.objects.get(enterprise=a, year=2023)
    assert cell.direct_co2_t == pytest.approx(1100 * COAL_T, rel=1e-4)
    last = MarketEvent.objects.filter(kind="energy").latest("pk")
    assert last.data["changes"] == [[1, "原煤", "500", "600"]]


def test_a_dry_run_saves_nothing(two):
    personas, _a, _b = two
    result = do_import(personas, csv_bytes(file_rows(), header=HEADER), dry_run=True)
    assert result.ok and result.inserted == 4 and not result.written
    assert not EnterpriseActivity.objects.exists()


# --- export, template, pages -------------------------------------------------------------------


def workbook(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_the_export_and_the_template_import_back_unchanged(client, two):
    personas, a, _b = two
    do_import(personas, csv_bytes(file_rows(), header=HEADER))
    client.force_login(personas.office)
    url = reverse("carbon:market_energy_export")
    data = workbook(client.get(url, {"enterprise": a.pk}))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER and sheet.max_row == 4
    again = do_import(personas, data, "export.xlsx")
    assert again.ok and (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    template = workbook(client.get(url, {"template": "1"}))
    book = openpyxl.load_workbook(io.BytesIO(template))
    assert book.sheetnames == ["月度能源消费", "填表说明"]
    again = do_import(personas, template, "template.xlsx")
    assert again.ok and (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert MarketEvent.objects.filter(kind="energy").count() == 2


def test_the_upload_is_on_the_import_page_and_the_offices(client, two):
    personas, _a, _b = two
    data = csv_bytes(file_rows(), header=HEADER)
    client.force_login(personas.district_a)
    page = client.post(
        reverse("carbon:import"), {"kind": "enterprise_energy", "file": named(data, "e.csv")}
    )
    assert page.status_code == 403
    client.force_login(personas.office)
    page = client.get(reverse("carbon:import"), {"kind": "enterprise_energy"})
    assert page.status_code == 200 and "统一社会信用代码, 企业名称, 年份" in page.content.decode()
    bad = csv_bytes([[code(9), "", 2023, 1, "原煤", 1, "吨"]], header=HEADER)
    page = client.post(
        reverse("carbon:import"), {"kind": "enterprise_energy", "file": named(bad, "e.csv")}
    )
    assert page.status_code == 400 and "统一社会信用代码" in page.content.decode()
    page = client.post(
        reverse("carbon:import"), {"kind": "enterprise_energy", "file": named(data, "e.csv")}
    )
    assert page.status_code == 302 and EnterpriseActivity.objects.count() == 4


def test_the_enterprise_page_shows_months_and_why(client, two):
    personas, a, b = two
    do_import(personas, csv_bytes(file_rows(), header=HEADER))
    client.force_login(personas.district_a)
    page = client.get(reverse("carbon:market_enterprise", args=[a.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="energy-months"' in html and 'id="energy-why"' in html
    assert "1.9003" in html and "1,900.30" in html and "530.60" in html
    assert page.context["energy"]["totals"]["direct_co2_t"] == pytest.approx(
        page.context["energy"]["stored"].direct_co2_t
    )
    # Another district's enterprise: 404 on the page and its export.
    assert client.get(reverse("carbon:market_enterprise", args=[b.pk])).status_code == 404
    export = client.get(reverse("carbon:market_energy_export"), {"enterprise": b.pk})
    assert export.status_code == 404
    own = workbook(client.get(reverse("carbon:market_energy_export")))
    sheet = openpyxl.load_workbook(io.BytesIO(own)).worksheets[0]
    assert {r[0] for r in sheet.iter_rows(min_row=2, values_only=True)} == {a.credit_code}


# --- the API -----------------------------------------------------------------------------------


@pytest.fixture
def api(personas):
    names = ["office", "district_a", "citizen"]
    return ClientApi({n: api_token_create(user=getattr(personas, n), name="t")[1] for n in names})


def send(api, who, method, path, payload):
    status, _h, raw = api.send(
        who,
        path,
        method=method,
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    return status, json.loads(raw or b"null")


def test_the_api_reads_in_scope_and_the_office_writes(two, api):
    personas, a, b = two
    do_import(personas, csv_bytes(file_rows(), header=HEADER))
    base = "/carbon/market/enterprises"
    status, body = api.get("district_a", f"{base}/{a.pk}/energy?year=2023")
    assert status == 200 and len(body) == 3
    assert body[2] == {
        "year": 2023,
        "month": 3,
        "energy": "电力",
        "energy_code": body[2]["energy_code"],
        "quantity": "100.000000",
        "unit": "万千瓦时",
    }
    assert api.get("district_a", f"{base}/{b.pk}/energy")[0] == 404
    assert api.get("district_a", f"{base}/{b.pk}/inventory")[0] == 404
    assert api.get("citizen", f"{base}/{a.pk}/energy")[0] == 403
    status, body = api.get("district_a", f"{base}/{a.pk}/inventory")
    assert status == 200 and body[0]["year"] == 2023
    assert body[0]["direct_co2_t"] == pytest.approx(1000 * COAL_T, rel=1e-4)
    assert {line["energy"] for line in body[0]["lines"]} == {"原煤", "电力"}

    row = {"year": 2023, "month": 4, "energy": "原煤", "quantity": "1", "unit": "万吨"}
    assert send(api, "district_a", "POST", f"{base}/{b.pk}/energy", {"rows": [row]})[0] == 404
    assert send(api, "district_a", "POST", f"{base}/{a.pk}/energy", {"rows": [row]})[0] == 403
    status, body = send(
        api, "office", "POST", f"{base}/{a.pk}/energy", {"rows": [row, {**row, "month": "13"}]}
    )
    assert status == 400 and body["code"] == "invalid"
    assert body["fields"] == {"rows[1].月份": ["月份为1至12（或“3月”）：“13”。"]}
    assert not a.activity.filter(month=4).exists()
    status, body = send(api, "office", "POST", f"{base}/{a.pk}/energy", {"rows": [row]})
    assert status == 200 and (body["inserted"], body["updated"]) == (1, 0)
    assert EnterpriseInventory.objects.get(enterprise=a, year=2023).direct_co2_t == pytest.approx(
        11000 * COAL_T, rel=1e-4
    )
    # PUT: the whole year as given; the other months go.
    status, body = send(api, "office", "PUT", f"{base}/{a.pk}/energy/2023", {"rows": [row]})
    assert status == 200 and [r["month"] for r in body["rows"]] == [4]
    assert a.activity.count() == 1
    assert EnterpriseInventory.objects.get(enterprise=a, year=2023).indirect_co2_t == 0
    status, body = send(api, "office", "PUT", f"{base}/{a.pk}/energy/2024", {"rows": [row]})
    assert status == 400 and "rows[0].年份" in body["fields"]
    events = MarketEvent.objects.filter(enterprise=a, kind="energy").order_by("pk")
    assert events.last().data["source"] == "API"


# --- the command -------------------------------------------------------------------------------


def test_the_command_imports_the_layout(two, tmp_path):
    _personas, _a, _b = two
    path = tmp_path / "energy.csv"
    path.write_bytes(csv_bytes(file_rows(), header=HEADER))
    out = io.StringIO()
    call_command(
        "import_carbon_activity",
        str(path),
        "--layout",
        "enterprise-energy",
        "--dry-run",
        stdout=out,
    )
    assert "would import 4 rows" in out.getvalue() and not EnterpriseActivity.objects.exists()
    call_command(
        "import_carbon_activity", str(path), "--layout", "enterprise-energy", stdout=io.StringIO()
    )
    assert EnterpriseActivity.objects.count() == 4
    assert MarketEvent.objects.filter(kind="energy", actor__isnull=True).count() == 2
    path.write_bytes(csv_bytes([[code(9), "", 2023, 1, "原煤", 1, "吨"]], header=HEADER))
    with pytest.raises(CommandError):
        call_command(
            "import_carbon_activity",
            str(path),
            "--layout",
            "enterprise-energy",
            stderr=io.StringIO(),
        )


def test_a_monthly_report_laid_out_wide_is_one_row_per_month(two):
    """能源品种 | 1月 … 12月, as many 月报 are written: each filled month a row of its own, a
    totals column and a totals line read past, errors named by their month column."""
    personas, a, _b = two
    header = ["统一社会信用代码", "年份", "能源品种", "计量单位", "一月", "2月", "03月", "合计"]
    rows = [
        [code(1), 2025, "原煤", "吨", 100, 200, "", 300],
        [code(1), 2025, "电力", "万千瓦时", 10, "", 30, 40],
        ["合计", "", "", "", 110, 200, 30, 340],
    ]
    result = do_import(personas, xlsx_bytes(rows, header=header), "e.xlsx")
    assert result.ok, result.errors
    got = sorted(
        (r.month, r.energy_type.name, r.quantity) for r in a.activity.select_related("energy_type")
    )
    assert got == [(1, "原煤", 100), (1, "电力", 10), (2, "原煤", 200), (3, "电力", 30)]

    bad = [[code(1), 2025, "原煤", "吨", 100, "很多", "", ""]]
    refused = do_import(personas, xlsx_bytes(bad, header=header), "e.xlsx")
    assert [(r.row, r.column) for r in refused.errors] == [(2, "2月")]
    assert a.activity.count() == 4  # nothing changed
    no_year = do_import(
        personas,
        xlsx_bytes([r[:1] + r[2:] for r in bad], header=[h for h in header if h != "年份"]),
        "e.xlsx",
    )
    assert "年份" in no_year.errors[0].message
