"""Numbered measures read once where they enter the ledger (ledger.measures): pure cases."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shanshui.ledger import measures


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1.查明原因\n2.限期整改", ["查明原因", "限期整改"]),
        ("1.建立台账；2.完成整治。", ["建立台账", "完成整治。"]),
        ("（一）截污纳管\n（二）清淤", ["截污纳管", "清淤"]),
        ("①截污\n②清淤", ["截污", "清淤"]),
        ("一是加强巡查。二是严格执法", ["加强巡查。", "严格执法"]),
        ("措施一\n措施二\n", ["措施一", "措施二"]),  # unnumbered: one per line
        ("2.5万吨污泥外运处置", ["2.5万吨污泥外运处置"]),  # a number, not a numbering
        ("  \n ", []),
    ],
)
def test_what_a_person_types_in_the_box(typed, stored):
    assert measures.parse_text(typed) == stored


@pytest.mark.parametrize(
    ("given_items", "stored"),
    [
        (["1.查明原因", "2.限期整改"], ["查明原因", "限期整改"]),  # an API client's numbering
        (["1、查明原因"], ["查明原因"]),
        (["查明原因", "限期整改"], ["查明原因", "限期整改"]),
        (["2.5万吨外运", "清淤"], ["2.5万吨外运", "清淤"]),  # not a run from 1
        (["1.查明", "", "  "], ["查明"]),
        (["1.查明", "清淤"], ["1.查明", "清淤"]),  # one numbered item among plain ones: kept
    ],
)
def test_a_list_loses_the_numbering_its_items_carried(given_items, stored):
    assert measures.clean(given_items) == stored
    assert measures.clean(measures.clean(given_items)) == measures.clean(given_items)


def test_the_export_cell_reads_back_as_the_same_measures():
    for stored in (["查明原因"], ["查明原因", "限期整改"], ["第一行\n第二行", "清淤"], ["2.5万吨"]):
        assert measures.clean(measures.split(measures.format_cell(stored))) == stored


def test_the_edit_box_shows_one_measure_per_line_and_a_new_last_line_is_a_new_measure():
    # The edit box lists stored measures one per line; a line typed at the end adds one.
    assert measures.parse_text("查明原因\n限期整改\n建立长效机制") == [
        "查明原因",
        "限期整改",
        "建立长效机制",
    ]


_measure = (
    st.text(
        alphabet=st.sampled_from("查明原因限期整改清淤截污纳管万吨0123456789.、（）"), min_size=1
    )
    .map(str.strip)
    .filter(bool)
)


@given(st.lists(_measure, min_size=1, max_size=6))
def test_stored_measures_survive_export_and_import(items):
    stored = measures.clean(items)
    assert measures.clean(measures.split(measures.format_cell(stored))) == stored
