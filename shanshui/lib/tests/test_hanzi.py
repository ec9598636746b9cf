"""Bulk Traditional → Simplified over code points against OpenCC itself: every character alone,
every phrase of OpenCC's dictionary in any order and company, and the texts it hands to OpenCC."""

from __future__ import annotations

import numpy as np
import opencc
from hypothesis import given, settings
from hypothesis import strategies as st

from shanshui.directives.normalize import normalize
from shanshui.directives.tests.seed import seed_text
from shanshui.lib import hanzi


def points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def bulk(text: str) -> str:
    return hanzi.simplified_points(points(text)).tobytes().decode("utf-32-le")


def phrases() -> list[str]:
    dictionaries = hanzi._dictionaries()
    assert dictionaries is not None
    return sorted(k for d in dictionaries[0] for k in d if len(k) > 1)


def test_the_tables_are_read_from_opencc():
    tables = hanzi._tables()
    assert tables is not None
    assert len(phrases()) > 400  # TSPhrases
    assert tables.starts.size > 100 and tables.pairs.size > tables.starts.size


def test_every_character_alone_converts_as_opencc_converts_it():
    # Every code point but the surrogates, the newline and the ones that send the whole text to
    # OpenCC; one a line, as OpenCC sees them.
    tables = hanzi._tables()
    codes = np.arange(0x110000, dtype=np.uint32)
    codes = codes[((codes < 0xD800) | (codes > 0xDFFF)) & (codes != 0x0A) & (codes != 0)]
    codes = codes[(tables.chars[codes] & hanzi._SPECIAL) == 0]
    text = "\n".join(map(chr, codes.tolist()))
    assert bulk(text) == opencc.OpenCC("t2s").convert(text)


def test_every_phrase_converts_as_opencc_converts_it():
    t2s = opencc.OpenCC("t2s")
    all_phrases = phrases()
    for text in ("".join(all_phrases), "".join(reversed(all_phrases)), "，".join(all_phrases)):
        assert bulk(text) == t2s.convert(text)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(phrases() + list("乾著發隻瞭後裡面，\n a⿰𠀀")), max_size=30))
def test_phrases_in_any_order_convert_as_opencc_converts_them(parts):
    text = "".join(parts)
    assert bulk(text) == opencc.OpenCC("t2s").convert(text)


def test_without_the_tables_opencc_converts_the_whole_text(monkeypatch):
    monkeypatch.setattr(hanzi, "_tables", lambda: None)
    assert bulk("乾隆著名頭髮") == "乾隆著名头发"


def test_opencc_sees_only_the_pieces_a_phrase_needs(monkeypatch):
    # The seed, Traditional, without annotations: no phrase in it that OpenCC converts
    # otherwise than character by character; then with such phrases.
    text = normalize(seed_text(), mode="strip").text * 20
    assert bulk(text) == hanzi.to_simplified(text)
    text += "乾隆年間，他的頭髮白了。" * 10
    seen = []
    convert = hanzi.to_simplified
    monkeypatch.setattr(hanzi, "to_simplified", lambda t: seen.append(len(t)) or convert(t))
    assert bulk(text) == convert(text)
    assert len(seen) == 1 and seen[0] < len(text) / 10
