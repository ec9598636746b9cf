"""The normaliser against the seed and crafted cases: pinyin annotations removed only when they
are the preceding character's reading, OpenCC plus its documented fixes, full-width punctuation
only in Chinese context, and every change reported at its place in the input."""

from __future__ import annotations

import re
import unicodedata

import opencc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shanshui.directives.normalize import PINYIN, PUNCT, T2S, is_reading, normalize
from shanshui.directives.tests.seed import seed_text


def applied(source: str, changes) -> str:
    """The input with every reported change made: must equal the result's text."""
    out, last = [], 0
    for c in changes:
        assert source[c.start : c.end] == c.before, c
        out += [source[last : c.start], c.after]
        last = c.end
    out.append(source[last:])
    return "".join(out)


def traditional_left(text: str) -> list[str]:
    t2s = opencc.OpenCC("t2s")
    return [ch for ch in set(text) if t2s.convert(ch) != ch]


STRIP_CASES = [
    ("生態(tài)", "生態"),
    ("環(huán)境", "環境"),
    ("綠(lǜ)色", "綠色"),
    ("綠(lv)色", "綠色"),  # toneless, v for ü
    ("綠(lü)色", "綠色"),
    ("態(tai)", "態"),  # toneless
    ("態(tai4)", "態"),  # tone number
    ("態（tài）", "態"),  # full-width brackets
    ("態(TÀI)", "態"),  # capitals
    ("態(ta\u0300i)", "態"),  # a combining tone mark
    ("重(zhòng)要", "重要"),
    ("重(chóng)新", "重新"),  # every reading counts
    ("行(xíng)動和銀行(háng)", "行動和銀行"),
    ("嗯(ń)", "嗯"),
    ("天(tiān)氣(qì)", "天氣"),
    ("張(zhāng)三(sān)", "張三"),
    ("生態(tài)\n環(huán)境", "生態\n環境"),
    # Not the character's reading, or not an annotation at all: kept.
    ("態(huán)", "態(huán)"),
    ("態(ta)", "態(ta)"),
    ("態(tàii)", "態(tàii)"),
    ("態 (tài)", "態 (tài)"),  # not directly after the character
    ("a(tài)", "a(tài)"),
    ("(tài)開頭", "(tài)開頭"),
    ("態(tài)(tài)", "態(tài)"),  # the second follows a bracket, not a character
    ("態(tài", "態(tài"),
    ("態(tài）", "態(tài）"),  # brackets that do not pair
    ("態（tài)", "態（tài)"),
    ("重慶日報訊 (記者 楊帆 張珺)", "重慶日報訊 (記者 楊帆 張珺)"),
    ("(記者 楊帆 張珺)2月23日", "(記者 楊帆 張珺)2月23日"),
    ("年報(2022)", "年報(2022)"),
    ("細顆粒物(PM2.5)", "細顆粒物(PM2.5)"),
    ("中國(China)", "中國(China)"),
    ("辦法(試行)", "辦法(試行)"),
    ("附件(一)", "附件(一)"),
    ("第(1)項", "第(1)項"),
    ("標準(GB 3838)", "標準(GB 3838)"),
    ("重慶(chongqing)", "重慶(chongqing)"),  # a word's pinyin is not one character's reading
    ("今天天气很好。", "今天天气很好。"),
]


@pytest.mark.parametrize(("text", "expected"), STRIP_CASES)
def test_strip_removes_only_readings_of_the_character_before(text, expected):
    result = normalize(text, mode="strip")
    assert result.text == expected
    assert applied(unicodedata.normalize("NFC", text), result.changes) == expected
    assert all(c.reason == PINYIN for c in result.changes)


T2S_CASES = [
    ("生態(tài)環(huán)境", "生态环境"),
    ("著力推進", "着力推进"),  # OpenCC keeps 著 here: the documented fix
    ("著手", "着手"),
    ("隨著", "随着"),
    ("意味著", "意味着"),
    ("顯著", "显著"),  # 著 (zhù) stays
    ("著作", "著作"),
    ("土著", "土著"),
    ("國務院辦公廳關於", "国务院办公厅关于"),  # Traditional without the artifact
    ("生态环境局", "生态环境局"),  # already Simplified
    ("生態,環境", "生态,环境"),  # t2s leaves punctuation
    ("(記者 楊帆)", "(记者 杨帆)"),
]


@pytest.mark.parametrize(("text", "expected"), T2S_CASES)
def test_t2s_converts_with_the_fixes(text, expected):
    result = normalize(text, mode="t2s")
    assert result.text == expected
    assert applied(text, result.changes) == expected
    assert {c.reason for c in result.changes} <= {PINYIN, T2S}


FULL_CASES = [
    ("日,中", "日，中"),
    ("1,000元", "1,000元"),  # numbers alone
    ("10:30开会", "10:30开会"),
    ("时间:10时", "时间：10时"),
    ("是吗?是的!", "是吗？是的！"),
    ("甲;乙", "甲；乙"),
    ("(记者 杨帆)", "（记者 杨帆）"),
    ("(2022)", "(2022)"),
    ("细颗粒物(PM2.5)", "细颗粒物(PM2.5)"),
    ("中国(China)", "中国(China)"),
    ("见 https://example.cn/a?b=1,2 在", "见 https://example.cn/a?b=1,2 在"),  # URLs alone
    ("见www.example.cn/a,b", "见www.example.cn/a,b"),
    ("Hello, world!", "Hello, world!"),
    ("PM2.5,要", "PM2.5，要"),
    ("“双碳”,要", "“双碳”，要"),
    ("生態(tài)環(huán)境,保護(hù)", "生态环境，保护"),
    ("email: a@b.cn", "email: a@b.cn"),
    ("（已是全角）", "（已是全角）"),
    ("他说:“好。”", "他说：“好。”"),
    ("A,B", "A,B"),
    ("办法(试行),自", "办法（试行），自"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), FULL_CASES)
def test_full_restores_punctuation_in_chinese_context_only(text, expected):
    result = normalize(text)
    assert result.text == expected
    assert applied(text, result.changes) == expected


def test_every_case_counts():
    assert len(STRIP_CASES) + len(T2S_CASES) + len(FULL_CASES) >= 60


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        normalize("x", mode="s2t")


def test_readings_cover_every_reading_and_style():
    assert is_reading("重", "zhòng") and is_reading("重", "chong2") and is_reading("綠", "lv")
    assert not is_reading("重", "tài")


def test_the_seed_comes_out_clean():
    raw = seed_text()
    stripped = normalize(raw, mode="strip").text
    assert not re.search(r"[\u4e00-\u9fff]\([a-zàáǎāèéěēìíǐīòóǒōùúǔūǖǘǚǜü]+\)", stripped)
    assert "(記者 楊帆 張珺)" in stripped  # the byline stays
    for mode in ("t2s", "full"):
        text = normalize(raw, mode=mode).text
        assert traditional_left(text) == [], mode
        assert "生态环境" in text
    full = normalize(raw)
    assert full.text.startswith("中央生态环境保护督察整改推进会议暨全市生态环境保护工作会议召开\n")
    assert "重庆日报讯 （记者 杨帆 张珺）2月23日，中央生态环境保护督察" in full.text
    assert not re.search(r"[\u4e00-\u9fff][,;:?!(]|[,;:?!)][\u4e00-\u9fff]", full.text)
    assert "著力" not in full.text and "着力完善绿色金融市场体系" in full.text
    counts = full.counts()
    assert counts[PINYIN] == 353 and counts[PUNCT] > 90 and counts[T2S] > 500
    assert applied(raw, full.changes) == full.text


@given(st.text(alphabet=st.sampled_from("生态环境保护abc12 ,.:;?!()（）\n态(tài)"), max_size=60))
def test_reported_changes_rebuild_the_result(text):
    for mode in ("strip", "t2s", "full"):
        result = normalize(text, mode=mode)
        assert applied(text, result.changes) == result.text


def test_a_lone_surrogate_passes_through_every_mode():
    """Text pasted from a broken source can hold half a UTF-16 pair; the code-point array
    must carry it like any other character rather than fail to encode (hypothesis found it)."""
    text = "整改\ud800（zhěng）落实"
    for mode in ("strip", "t2s", "full"):
        assert "\ud800" in normalize(text, mode=mode).text


@given(st.text(alphabet=st.characters(blacklist_characters="(（"), max_size=80))
def test_text_without_brackets_is_not_stripped(text):
    assert normalize(text, mode="strip").text == unicodedata.normalize("NFC", text)
