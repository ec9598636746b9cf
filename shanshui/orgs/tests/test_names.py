"""Name normalisation (pure, no database)."""

import pytest

from shanshui.orgs.names import keys_for, normalize, split_names


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("万州区", "万州区"),
        (" 万州 区 ", "万州区"),
        ("萬州區", "万州区"),  # traditional characters
        ("市生态环境局（牵头）", "市生态环境局"),  # notes in brackets are not part of the name
        ("市生态环境局(牵头)", "市生态环境局"),
        ("ＡＢＣ万州", "ABC万州"),  # full-width letters
        ("“市水利局”", "市水利局"),
    ],
)
def test_it_normalizes(raw, expected):
    assert normalize(raw) == expected


def test_keys_strip_the_city_and_the_city_prefix():
    assert keys_for("重庆市生态环境局") == ["重庆市生态环境局", "生态环境局", "市生态环境局"]
    assert keys_for("市生态环境局") == ["市生态环境局", "生态环境局"]
    assert keys_for("重庆市万州区") == ["重庆市万州区", "万州区", "市万州区"]
    assert keys_for("万州") == ["万州"]


def test_keys_ignore_single_characters_and_empty_text():
    assert keys_for("") == []
    assert keys_for("市") == []


def test_it_splits_cells_with_several_units():
    cell = "市生态环境局、市水利局；万州区\n渝中区，市林业局,市城市管理局/两江新区"
    assert split_names(cell) == [
        "市生态环境局",
        "市水利局",
        "万州区",
        "渝中区",
        "市林业局",
        "市城市管理局",
        "两江新区",
    ]
    assert split_names("  ") == []
