"""Activity and economy imports: encodings, workbooks, unit conversion, row errors, all or
nothing, idempotence, the command."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from shanshui.carbon import services
from shanshui.carbon.models import ActivityRecord, DistrictEconomy, InventoryCell
from shanshui.carbon.tests.helpers import WANZHOU_2023, csv_bytes, named, xlsx_bytes

pytestmark = pytest.mark.django_db


def run(personas, data: bytes, name: str = "a.csv", **kw):
    return services.activity_import(actor=personas.office, fileobj=named(data, name), **kw)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_it_reads_csv_in_every_encoding_and_converts_units(personas, encoding):
    result = run(personas, csv_bytes(WANZHOU_2023, encoding=encoding))
    assert result.ok, result.errors
    assert (result.inserted, result.updated, result.unchanged) == (4, 0, 0)
    got = {
        r.energy_type.name: (r.quantity, r.entered_quantity, r.entered_unit)
        for r in ActivityRecord.objects.select_related("energy_type")
    }
    assert got["柴油"] == (Decimal(500), Decimal(500000), "千克")
    assert got["天然气"] == (Decimal(200), Decimal(2000000), "立方米")
    assert {r.district.key for r in ActivityRecord.objects.select_related("district")} == {
        "cq-wanzhou"
    }
    assert InventoryCell.objects.filter(year=2023).count() == 3  # 工业/钢铁, 交通运输, 居民生活


def test_it_reads_a_workbook_with_a_title_row(personas):
    result = run(personas, xlsx_bytes(WANZHOU_2023, title="2023年能源消费"), "a.xlsx")
    assert result.ok, result.errors
    assert ActivityRecord.objects.count() == 4
    assert ActivityRecord.objects.get(energy_type__name="原煤").subsector == "钢铁"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_totals_line_under_the_table_is_read_past(personas, kind):
    """Statistical tables end with 合计 and the sums: not a data row, not an error."""
    rows = [*(r[:] for r in WANZHOU_2023), ["合  计", "", "", "", 1234, ""]]
    data = csv_bytes(rows) if kind == "csv" else xlsx_bytes(rows)
    result = run(personas, data, f"a.{kind}")
    assert result.ok, result.errors
    assert ActivityRecord.objects.count() == 4


def test_the_same_file_twice_leaves_the_same_data(personas):
    data = csv_bytes(WANZHOU_2023)
    run(personas, data)
    before = sorted(ActivityRecord.objects.values_list("pk", "quantity"))
    cells = sorted(InventoryCell.objects.values_list("sector", "direct_co2_t"))
    again = run(personas, data)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert sorted(ActivityRecord.objects.values_list("pk", "quantity")) == before
    assert sorted(InventoryCell.objects.values_list("sector", "direct_co2_t")) == cells
    corrected = [r[:] for r in WANZHOU_2023]
    corrected[0][4] = 1200
    third = run(personas, csv_bytes(corrected))
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 3)
    assert ActivityRecord.objects.get(energy_type__name="原煤").quantity == 1200


def test_row_errors_are_listed_and_nothing_is_saved(personas):
    rows = [
        *WANZHOU_2023,
        ["火星区", 2023, "工业", "原煤", 1, "吨"],
        ["万州区", "二〇二三", "工业", "原煤", 1, "吨"],
        ["万州区", 2023, "商业", "原煤", 1, "吨"],
        ["万州区", 2023, "工业", "木柴", 1, "吨"],
        ["万州区", 2023, "工业", "原煤", "-5", "吨"],
        ["万州区", 2023, "工业", "天然气", 5, "吨"],
        ["万州区", 2023, "工业", "原煤", 5, "桶"],
        ["万州区", 2023, "工业/钢铁", "原煤", 7, "吨"],  # the same key as the first row
        ["市生态环境局", 2023, "工业", "原煤", 1, "吨"],
        ["", 2023, "工业", "原煤", 1, "吨"],
    ]
    result = run(personas, csv_bytes(rows))
    assert not result.ok
    got = [(e.row, e.column) for e in result.errors]
    assert got == [
        (6, "区县"),
        (7, "年份"),
        (8, "行业"),
        (9, "能源品种"),
        (10, "消费量"),
        (11, "计量单位"),
        (12, "计量单位"),
        (13, ""),
        (14, "区县"),
        (15, "区县"),
    ]
    messages = [e.message for e in result.errors]
    assert "火星区" in messages[0]
    assert "万立方米" in messages[5]  # 天然气 is counted in 万立方米
    assert "2" in messages[7]  # the same row as row 2
    assert ActivityRecord.objects.count() == 0
    assert InventoryCell.objects.count() == 0


def test_a_year_by_month_and_as_a_whole_is_refused(personas):
    header = ["区县", "年份", "月份", "行业", "能源品种", "消费量", "计量单位"]
    rows = [
        ["万州区", 2023, 1, "工业", "原煤", 10, "吨"],
        ["万州区", 2023, 2, "工业", "原煤", 10, "吨"],
    ]
    assert run(personas, csv_bytes(rows, header=header)).ok
    whole = run(personas, csv_bytes([["万州区", 2023, "工业", "原煤", 20, "吨"]]))
    assert not whole.ok and whole.errors[0].row == 2
    assert ActivityRecord.objects.count() == 2


def test_a_file_that_is_not_a_list_is_one_clear_error(personas):
    result = run(personas, b"\x00\x01\x02binary", "a.csv")
    assert [e.row for e in result.errors] == [0]
    result = run(personas, csv_bytes([], header=["名称", "备注"]))
    assert result.errors and "区县" in result.errors[0].message


def test_only_the_office_imports(personas):
    with pytest.raises(PermissionDenied):
        services.activity_import(
            actor=personas.district_a, fileobj=named(csv_bytes(WANZHOU_2023), "a.csv")
        )


def test_the_command_checks_then_imports(personas, tmp_path, capsys):
    path = tmp_path / "activity.csv"
    path.write_bytes(csv_bytes(WANZHOU_2023))
    call_command("import_carbon_activity", str(path), "--dry-run")
    assert ActivityRecord.objects.count() == 0
    call_command("import_carbon_activity", str(path))
    assert ActivityRecord.objects.count() == 4
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["万州区", 2023, "工业", "原煤", "x", "吨"]]))
    with pytest.raises(CommandError):
        call_command("import_carbon_activity", str(bad))
    assert "row 2 [消费量]" in capsys.readouterr().err


def test_economy_import(personas):
    header = ["区县", "年份", "地区生产总值（亿元）", "平减指数", "价格基年", "常住人口（万人）"]
    rows = [["万州区", 2023, 1200, 120, 2020, 150], ["渝中区", 2023, 1600, "", "", 58]]
    result = services.economy_import(
        actor=personas.office, fileobj=named(csv_bytes(rows, header=header), "e.csv")
    )
    assert result.ok, result.errors
    e = DistrictEconomy.objects.get(district=personas.unit_a, year=2023)
    assert (e.gdp_100m_yuan, e.deflator, e.price_base_year, e.population_10k) == (
        1200,
        120,
        2020,
        150,
    )
    again = services.economy_import(
        actor=personas.office, fileobj=named(csv_bytes(rows, header=header), "e.csv")
    )
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    bad = services.economy_import(
        actor=personas.office,
        fileobj=named(csv_bytes([["万州区", 2023, "-1", "", "", ""]], header=header), "e.csv"),
    )
    assert not bad.ok and bad.errors[0].column == "地区生产总值（亿元）"


def test_economy_row_errors_and_the_error_limit(personas):
    header = ["区县", "年份", "地区生产总值（亿元）", "平减指数", "价格基年", "常住人口（万人）"]
    rows = [
        ["万州区", 2023, 1200, "", "", 150],
        ["", 2023, 1, "", "", ""],
        ["万州", 2023, 1, "", "", ""],
    ]
    result = services.economy_import(
        actor=personas.office, fileobj=named(csv_bytes(rows, header=header), "e.csv")
    )
    assert [(e.row, e.column) for e in result.errors] == [(3, "区县"), (4, "")]
    assert result.errors[0].message == "该单元格为必填项，不能为空。"
    assert "2" in result.errors[1].message  # the same row as row 2
    many = run(personas, csv_bytes([["火星区", 2023, "工业", "原煤", 1, "吨"]] * 250))
    assert len(many.errors) == 200  # checking stops at MAX_ERRORS
    assert DistrictEconomy.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("工业/钢铁", ("industry", "钢铁")),
        ("交通运输、仓储和邮政业", ("transport", "")),
        ("农、林、牧、渔业", ("agriculture", "")),
        ("批发和零售业、住宿和餐饮业", ("services", "")),
        ("城镇居民生活消费", ("households", "城镇")),
        ("乡村居民生活/炊事", ("households", "炊事")),
        ("建筑业", ("industry", "建筑业")),  # IPCC 1.A.2: with manufacturing, not buildings
        ("建筑", ("buildings", "")),
        ("第三产业", None),
    ],
)
def test_sectors_by_their_statistical_names(text, want):
    from shanshui.carbon.importing import parse_sector

    assert parse_sector(text) == want


def test_an_energy_type_written_with_its_unit_is_known(personas):
    rows = [r[:] for r in WANZHOU_2023]
    rows[0][3] = f"{rows[0][3]}（吨）"
    result = run(personas, csv_bytes(rows))
    assert result.ok, result.errors
    assert ActivityRecord.objects.count() == 4
