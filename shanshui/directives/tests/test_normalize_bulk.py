"""The cleaning pipeline (numpy over code points, OpenCC only on the pieces a phrase needs)
against the pipeline as it was (reference_normalize.py): the identical text after every step, on
the seed and on generated text dense with OpenCC's phrases, annotations, brackets and URLs."""

from __future__ import annotations

from functools import lru_cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shanshui.directives.normalize import _text, normalize
from shanshui.directives.tests.reference_normalize import reference
from shanshui.directives.tests.seed import seed_text
from shanshui.lib import hanzi


def assert_same(text: str) -> None:
    stripped, converted, punctuated = reference(text)
    assert normalize(text, mode="strip").text == stripped
    assert normalize(text, mode="t2s").text == converted
    full = normalize(text)
    assert full.text == punctuated
    assert _text(full._stages.stripped) == stripped  # what the reviewable diff is made from
    assert _text(full._stages.converted) == converted


def test_the_seed_is_cleaned_exactly_as_before():
    raw = seed_text()
    assert_same(raw)
    assert_same(raw * 3)  # as the benchmark scales it
    assert_same(normalize(raw, mode="strip").text)  # Traditional, no annotations
    assert_same(normalize(raw).text)  # already clean


CASES = [
    "",
    "乾隆皇帝下江南，乾淨的街道",
    "他的著作很著名，意味著什麼？看著辦。著力推進，隨著發展",
    "頭髮的發展，一隻鳥，瞭解情況，明瞭",
    "乾乾淨淨，乾杯，乾(qián)隆(lóng)，乾(gān)淨(jìng)",
    "著(zhù)作(zuò)與著(zháo)急",
    "不著痕跡地瞭望",
    "⿰木木與乾隆",  # an ideographic description sequence: OpenCC copies it as it is
    "⿱艹乾隆⿰⿱",
    "\uf900\ufa0e乾隆",  # compatibility ideographs (NFC) and a unified one in that block
    "𠀀乾隆𪚥著名𠮷",  # beyond the BMP
    "乾隆\x00",  # NUL at the end
    "乾隆(",
    "(乾隆)",
    "見 http://example.com/乾隆?a=1,b=2 與 www.乾淨.com,著名",
    "乾隆\n\n著作\r\n頭髮",
    "乾" * 50 + "隆" * 50,
]


@pytest.mark.parametrize("text", CASES)
def test_crafted_cases_are_cleaned_exactly_as_before(text):
    assert_same(text)


@lru_cache(maxsize=1)
def vocabulary() -> list[str]:
    """OpenCC's own phrases (the ones that convert otherwise than their characters first), the
    characters around them, annotations, punctuation, Latin text, URLs and line breaks."""
    dictionaries = hanzi._dictionaries()
    assert dictionaries is not None
    phrases = sorted(k for d in dictionaries[0] for k in d if len(k) > 1)
    words = ["乾隆", "乾淨", "著作", "著名", "頭髮", "發展", "一隻", "瞭解", "意味著", "著力"]
    chars = list("乾著發頭髮隻瞭於後裡面麵的是不一了在人有我他這個們中來上大為和國地到以說")
    other = ["(tài)", "(qián)", "(gān)", "（zhù）", "(zhe)", "(2022)", "(記者 楊帆)", "(PM2.5)"]
    other += [*",;:?!()（）。，\n ", "abc", "1,000", "10:30", "http://a.cn/乾?x=1,y", "www."]
    other += ["⿰", "𠀀", "\uf900"]
    return phrases + words * 20 + chars * 4 + other * 4


@settings(max_examples=400, deadline=None, database=None)
@given(st.lists(st.sampled_from(vocabulary()), max_size=40).map("".join))
def test_generated_text_is_cleaned_exactly_as_before(text):
    assert_same(text)


@settings(max_examples=100, deadline=None, database=None)
@given(
    st.text(
        alphabet=st.sampled_from("乾隆淨著作名頭髮發展一隻瞭解(tàigānqián)（）,:\n⿰"), max_size=80
    )
)
def test_dense_text_is_cleaned_exactly_as_before(text):
    assert_same(text)
