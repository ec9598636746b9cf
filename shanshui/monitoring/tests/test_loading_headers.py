"""Finding what each column of a file holds, without a database."""

from __future__ import annotations

from shanshui.monitoring import water
from shanshui.monitoring.loading.headers import WATER_LOOKUP, match


def test_water_items_are_found_by_code_or_chinese_name():
    header = WATER_LOOKUP
    for code, name in water.ITEMS.items():
        assert match(code, header) == code
        if code != "Cr6":
            assert match(name, header) == code
    assert match("六价铬", header) == "Cr6"
    assert match("氨氮(NH3-N)", header) == "NH3N"
    assert match("总磷（mg/L）", header) == "TP"
