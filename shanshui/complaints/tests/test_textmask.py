"""Masking personal data in published text, and enterprise keys for repeat detection."""

import pytest

from shanshui.complaints.textmask import enterprise_key, mask_personal_data


@pytest.mark.parametrize(
    ("text", "hidden", "kept"),
    [
        ("请联系我 13812345678 谢谢", "13812345678", "138******78"),
        ("电话：+86 138-1234-5678", "1234-5678", "+86"),
        ("座机 023-63851234 找王科长", "63851234", "023-"),
        ("身份证 500101199001011234 号", "500101199001011234", "500"),
        ("身份证 50010119900101123X 号", "50010119900101123X", "3X"),
        ("邮箱 zhang.san@example.org", "zhang.san@example.org", "z***@example.org"),
    ],
)
def test_personal_data_is_masked(text, hidden, kept):
    masked = mask_personal_data(text)
    assert hidden not in masked
    assert kept in masked


@pytest.mark.parametrize(
    "text",
    ["2024年6月12日夜间", "排放浓度 1234.5 mg/L", "第3批交办件 X500000202406120001"],
)
def test_ordinary_numbers_are_left_alone(text):
    assert mask_personal_data(text) == text


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("重庆市万州某食品有限公司", "万州某食品公司"),
        ("长寿某化工股份有限公司", "长寿某化工"),
        ("某建材（集团）有限责任公司", "某建材集团"),
        ("ＡＢＣ 造纸厂", "abc造纸"),
    ],
)
def test_enterprise_keys_match_common_variants(a, b):
    assert enterprise_key(a) == enterprise_key(b) != ""


def test_enterprise_key_of_nothing_is_empty():
    assert enterprise_key("") == ""
    assert enterprise_key("公司") == ""
    assert enterprise_key("  ") == ""
