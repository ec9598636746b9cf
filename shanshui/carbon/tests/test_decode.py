"""The text of a carbon import: UTF-8 with or without BOM or GB18030 and a clear refusal of
anything else; the market and industry names as registers write them."""

from __future__ import annotations

import pytest
from django.utils import translation

from shanshui.carbon import importing

TEXT = "区县,年份\n万州区,2023\n"


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_it_decodes_utf8_and_gbk(encoding, reported):
    assert importing.decode(TEXT.encode(encoding)) == (TEXT, reported)


def test_text_in_no_known_encoding_is_refused_with_the_reason():
    with translation.override("zh-hans"), pytest.raises(importing.FileProblem) as info:
        importing.decode("万州区".encode("gbk") + b"\xff")
    assert "既不是 UTF-8 也不是 GBK" in info.value.message
    with translation.override("en"), pytest.raises(importing.FileProblem) as info:
        importing.decode(b"a,b\n\xff\n")
    assert "neither UTF-8 nor GBK" in info.value.message


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("全国", "national"),
        ("全国碳排放权交易市场", "national"),
        ("重庆市碳排放权交易市场", "cq_pilot"),
        ("重庆 试点", "cq_pilot"),
        ("地方试点碳市场", "cq_pilot"),
        ("", ""),
        ("未纳入", ""),
        ("全国和重庆", None),
        ("上海", None),
    ],
)
def test_market_names_as_registers_write_them(text, want):
    assert importing.market_key_of(text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("发电", "power"),
        ("电力行业", "power"),
        ("钢铁行业", "steel"),
        ("水泥 行业", "cement"),
        ("有色金属", "non_ferrous"),
        ("建筑材料", "building_materials"),
        ("航空", None),
    ],
)
def test_industry_names_as_registers_write_them(text, want):
    assert importing.industry_key(text) == want
