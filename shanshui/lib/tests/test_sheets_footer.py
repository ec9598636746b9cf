"""Rows under a table that are not data: notes and totals lines (lib/sheets.is_footer)."""

from decimal import Decimal

import pytest

from shanshui.lib.sheets import is_footer


@pytest.mark.parametrize(
    "row",
    [
        ("注：责任单位排第一位的为牵头单位。",),
        ("填表人：张三",),
        ("合计", None, None, 96500),
        ("合  计", "", "", "1,234.5", 12),
        ("总计（万吨）", 3.5, Decimal("2.25")),
        (None, "小计", 100, "45%"),
        ("共计",),
    ],
)
def test_notes_and_totals_lines_are_footers(row):
    assert is_footer(row)


@pytest.mark.parametrize(
    "row",
    [
        (1, "万州区", 2023, "合计"),  # a data row with 合计 further along
        ("合计", "万州区", 100),  # text after 合计: could be data, left to the checks
        ("合计划", 1, 2),  # another word that starts like 合计
        ("万州区", 2023, "工业", "原煤", 100, "吨"),
        (),
        ("合计", True),
    ],
)
def test_data_rows_are_not_footers(row):
    assert not is_footer(row)
