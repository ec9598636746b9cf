"""Text normalisation for documents as they really arrive (文本规范化). Pure module: no Django.

Reports copied from some news sites carry a web artifact: Traditional characters, many followed
by their pinyin in half-width brackets, and half-width punctuation (``生態(tài)環(huán)境,``).
``normalize(text, mode=...)`` returns the cleaned text and the list of what it changed, where
(offsets in the *input*) and why, so that a person can review the result as a diff:

- ``"strip"`` removes the pinyin annotations only. A bracketed group (half- or full-width brackets)
  is an annotation when it directly follows a Han character and holds one of that character's
  readings (pypinyin's dictionary, every reading; with tone marks, toneless or with tone numbers).
  Any other bracket stays: "(记者 杨帆 张珺)", "(2022)", "(PM2.5)", "(China)", "(试行)".
- ``"t2s"`` strips, then converts Traditional to Simplified with OpenCC, plus the short list of
  fixes below for OpenCC's known misses.
- ``"full"`` also restores full-width punctuation (，；：？！ and （） around Chinese text) in
  Chinese context; numbers ("1,000", "10:30"), Latin text and URLs are left alone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property, lru_cache

import numpy as np
from pypinyin.contrib.tone_convert import to_normal, to_tone3
from pypinyin.pinyin_dict import pinyin_dict

from shanshui.lib.hanzi import simplified_points

MODES = ("strip", "t2s", "full")

# Reasons, stable identifiers (the page translates them).
PINYIN = "pinyin"  # 拼音注音
T2S = "t2s"  # 繁体转简体
PUNCT = "punct"  # 全角标点

HAN = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002a6df\U0002a700-\U0002ebef\U00030000-\U0003134f"
)
# Pinyin letters: ASCII, the vowels with tone marks and ü/ê (precomposed or combining).
_PINYIN_LETTERS = "a-zA-Z\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f"
# A bracketed group of pinyin letters; whether it follows a Han character whose reading it is, is
# checked per distinct (character, group) pair (cached), not in the pattern: a pattern that starts
# at a bracket is scanned for fast, one that looks behind at every character is not.
_ANNOTATION = re.compile(
    rf"(\([{_PINYIN_LETTERS}]{{1,7}}[1-5]?\)|（[{_PINYIN_LETTERS}]{{1,7}}[1-5]?）)"
)

# OpenCC's t2s keeps 著 where Simplified Chinese writes 着 (the zhuó/zháo/zhe readings; 著 stays
# for zhù: 著作, 显著, 土著, 著名). Applied to OpenCC's output, so the context is Simplified.
_ZHE_AFTER = "力手重眼陆想落急实装迷火凉色墨魔"  # 着力 着手 着重 着眼 着陆 着想 …
_ZHE_BEFORE = "穿看沉执衣睡随为味附接本朝向顺沿按"  # 穿着 看着 沉着 执着 衣着 睡着 随着 …
# The documented fixes for OpenCC's known misses (applied to its Simplified output).
OPENCC_FIXES = (
    (
        "著 → 着",
        "OpenCC keeps 著 where Simplified writes 着: 着力, 着手, 随着, 意味着 (not 显著, 著作)",
    ),
)

# Full-width punctuation in Chinese context.
_CJK_CLOSE = "”’」』》〉）】。，、；：？！…"
_CJK_OPEN = "“‘「『《〈（【"
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_URL = re.compile(r"(?:https?|ftp)://[!-~]+|www\.[!-~]+", re.IGNORECASE)
# A half-width bracket pair around text that holds a Han character and no other bracket.
_CN_BRACKETS = re.compile(rf"\(([^()\n]{{0,200}}?[{HAN}][^()\n]{{0,200}}?)\)")


@dataclass(frozen=True)
class Change:
    """One edit: ``before`` at ``start:end`` of the input became ``after``, for ``reason``."""

    start: int
    end: int
    before: str
    after: str
    reason: str


class NormalizeResult:
    """The cleaned ``text``; ``changes`` (in input offsets, sorted) are worked out when asked
    for, from the intermediate texts the pipeline keeps — the pipeline itself only cleans."""

    def __init__(self, text: str, *, source: str, stages: _Stages) -> None:
        self.text = text
        self._source = source
        self._stages = stages

    @cached_property
    def changes(self) -> list[Change]:
        return self._stages.changes(self._source)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.changes:
            out[c.reason] = out.get(c.reason, 0) + 1
        return out


@dataclass
class _Stages:
    """What each step did, kept to explain it: the annotations removed (input offsets), and the
    text's code points after stripping and after t2s (decoded only when the changes are asked
    for), and the text after punctuation."""

    removals: tuple[np.ndarray, np.ndarray] | None = None  # (starts, ends) in the input
    stripped: np.ndarray | None = None
    converted: np.ndarray | None = None
    punctuated: str | None = None

    def changes(self, source: str) -> list[Change]:
        out: list[Change] = []
        to_input = self._removals(source, out)
        stripped = _text(self.stripped)
        converted = None if self.converted is None else _text(self.converted)
        if converted is not None and converted != stripped:
            for c in _diff(stripped, converted, T2S):
                out += _mapped(c, to_input)
        if self.punctuated is not None and converted is not None:
            for c in _diff(converted, self.punctuated, PUNCT):
                out += _mapped(c, to_input)
        out.sort(key=lambda c: (c.start, c.reason != PINYIN))
        return out

    def _removals(self, source: str, out: list[Change]):
        if self.removals is None:
            return lambda p: p
        r_start, r_end = self.removals
        for s, e in zip(r_start.tolist(), r_end.tolist(), strict=True):
            out.append(Change(s, e, source[s:e], "", PINYIN))
        # Position p of the stripped text lies after every removal whose stripped position ≤ p.
        r_len = (r_end - r_start).astype(np.int64)
        shift = np.cumsum(r_len)
        at = r_start.astype(np.int64) - (shift - r_len)

        def to_input(pos: int) -> int:
            i = int(np.searchsorted(at, pos, side="right"))
            return pos + (int(shift[i - 1]) if i else 0)

        return to_input


@lru_cache(maxsize=65536)
def readings(char: str) -> frozenset[str]:
    """Every reading pypinyin knows for ``char``: tone marks, toneless (lv and lü), tone3."""
    raw = pinyin_dict.get(ord(char)) if len(char) == 1 else None
    if not raw:
        return frozenset()
    out: set[str] = set()
    for marked in raw.split(","):
        marked = unicodedata.normalize("NFC", marked)
        plain = to_normal(marked)
        out |= {
            marked,
            plain,
            plain.replace("ü", "v"),
            plain.replace("v", "ü"),
            to_tone3(marked),
            to_tone3(marked, v_to_u=True),
        }
    return frozenset(r.lower() for r in out if r)


def is_reading(char: str, candidate: str) -> bool:
    """Whether ``candidate`` (pinyin, any style) is one of ``char``'s readings."""
    return unicodedata.normalize("NFC", candidate).lower() in readings(char)


def _points(text: str) -> np.ndarray:
    """The text's code points (a read-only view of one UTF-32 copy)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _text(points: np.ndarray) -> str:
    return points.tobytes().decode("utf-32-le", "surrogatepass")


# Annotations are found with numpy over the text's code points, not per match in Python (the seed
# carries one every eight characters): each pinyin symbol has a code (1–63) and each closing
# bracket a code of its own, one byte a character; the eight bytes after an opening bracket are
# read as one 64-bit word; a bracket group of up to 7 symbols is then encoded exactly as 6 bits a
# symbol, with the preceding character above them, and looked up in the sorted keys of every
# (character, reading) pair pypinyin knows.
_SYMBOLS = "abcdefghijklmnopqrstuvwxyz12345āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêếềḿńňǹ"
_MAX_SYMBOLS = 7
_CLOSE = {0x28: 0x80, 0xFF08: 0x81}  # the code of the bracket closing ( and （
_OPENING = 0x82  # ( is 0x82, （ 0x83: 2 above the code of their closing bracket
_NOT_SYMBOL = np.uint8(len(_SYMBOLS))  # code − 1 (wrapping) at least this: not a symbol


@lru_cache(maxsize=1)
def _symbol_codes() -> np.ndarray:
    table = np.zeros(0xFF0A, dtype=np.uint8)  # up to ）; beyond it, no code
    for i, ch in enumerate(_SYMBOLS, start=1):
        table[ord(ch)] = i
        upper = ch.upper()
        if upper != ch and len(upper) == 1 and ord(upper) < 0x1F00:
            table[ord(upper)] = i
    table[0x29] = _CLOSE[0x28]
    table[0xFF09] = _CLOSE[0xFF08]
    table[0x28] = _CLOSE[0x28] + 2
    table[0xFF08] = _CLOSE[0xFF08] + 2
    return table


def _encode(char: int, reading: str) -> int | None:
    key = char << (6 * _MAX_SYMBOLS)
    if not 0 < len(reading) <= _MAX_SYMBOLS:
        return None
    for k, ch in enumerate(reading):
        i = _SYMBOLS.find(ch)
        if i < 0:
            return None
        key |= (i + 1) << (6 * k)
    return key


@lru_cache(maxsize=1)
def _annotation_keys() -> np.ndarray:
    keys = set()
    for code in pinyin_dict:
        for reading in readings(chr(code)):
            key = _encode(code, reading)
            if key is not None:
                keys.add(key)
    return np.array(sorted(keys), dtype=np.uint64)


def _annotations(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the annotations among ``points`` (the text's code points)."""
    n = points.size
    table = _symbol_codes()
    codes = np.zeros(n + 8, dtype=np.uint8)  # zero-padded: the last bracket reads 8 bytes too
    table.take(points, mode="clip", out=codes[:n])
    codes[:n][points >= table.size] = 0
    opens = np.flatnonzero(codes >= _OPENING)
    opens = opens[(opens > 0) & (opens < n - 2)]
    if not opens.size:
        return opens, opens
    words = np.ndarray((n + 1,), dtype="<u8", buffer=codes, strides=(1,))
    after = words[opens + 1]  # the codes of the 8 characters after each bracket
    each = after.view(np.uint8).reshape(-1, 8)
    # The first character that is not a symbol must be the matching bracket, after ≥ 1 symbol.
    length = ((each - np.uint8(1)) >= _NOT_SYMBOL).argmax(axis=1)
    closing = codes[opens] - np.uint8(2)
    ok = (length > 0) & (each[np.arange(length.size), length] == closing)
    opens, length, after = opens[ok], length[ok], after[ok]
    after &= (np.uint64(1) << (np.uint64(8) * length.astype(np.uint64))) - np.uint64(1)
    keys = points[opens - 1].astype(np.uint64) << np.uint64(6 * _MAX_SYMBOLS)
    for k in range(_MAX_SYMBOLS):  # byte k (8 bits) → 6 bits at 6k
        keys |= (after >> np.uint64(2 * k)) & np.uint64(0x3F << (6 * k))
    valid = _annotation_keys()
    at = np.minimum(np.searchsorted(valid, keys), valid.size - 1)
    ok = valid[at] == keys
    return opens[ok], opens[ok] + length[ok] + 2


def _strip(points: np.ndarray, stages: _Stages) -> np.ndarray:
    starts, ends = _annotations(points)
    if not starts.size:
        return points
    stages.removals = (starts, ends)
    # The pieces between annotations (which never overlap), gathered: index = piece's start + i.
    first = np.concatenate(([0], ends))
    size = np.concatenate((starts, [points.size])) - first
    offset = np.cumsum(size) - size
    return points[np.arange(offset[-1] + size[-1]) + np.repeat(first - offset, size)]


# 著 → 着 where the character after (著力) or before (随着) says so, in OpenCC's output.
_ZHE_CODE = ord("著")
_ZHE_AFTER_CODES = np.array(sorted(map(ord, _ZHE_AFTER)), dtype=np.uint32)
_ZHE_BEFORE_CODES = np.array(sorted(map(ord, _ZHE_BEFORE)), dtype=np.uint32)


def _t2s(points: np.ndarray) -> np.ndarray:
    converted = simplified_points(points)
    at = np.flatnonzero(converted == _ZHE_CODE)
    if at.size:
        n = converted.size
        nxt = converted[np.minimum(at + 1, n - 1)]
        prev = converted[np.maximum(at - 1, 0)]
        fix = ((at < n - 1) & np.isin(nxt, _ZHE_AFTER_CODES)) | (
            (at > 0) & np.isin(prev, _ZHE_BEFORE_CODES)
        )
        converted[at[fix]] = ord("着")
    return converted


@lru_cache(maxsize=1)
def _context_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lookup tables over code points: may precede a full-width mark (Han, closing punctuation),
    may follow one (Han, opening punctuation); and each half-width mark's full-width form."""
    size = 0x31350  # past the last Han block
    before = np.zeros(size, dtype=bool)
    after = np.zeros(size, dtype=bool)
    for lo, hi in (
        (0x3400, 0x4DBF),
        (0x4E00, 0x9FFF),
        (0xF900, 0xFAFF),
        (0x20000, 0x2A6DF),
        (0x2A700, 0x2EBEF),
        (0x30000, 0x3134F),
    ):
        before[lo : hi + 1] = True
        after[lo : hi + 1] = True
    before[[ord(c) for c in _CJK_CLOSE]] = True
    after[[ord(c) for c in _CJK_OPEN]] = True
    full = np.arange(128, dtype=np.uint32)
    for half, wide in _HALF_TO_FULL.items():
        full[ord(half)] = ord(wide)
    return before, after, full


_MARK_CODES = np.array([ord(c) for c in _HALF_TO_FULL], dtype=np.uint32)


def _marks(points: np.ndarray, urls: list[tuple[int, int]]) -> np.ndarray:
    """, ; : ? ! made full-width where Chinese precedes or follows them (numpy, no per-mark
    Python): the context is the text as it was, so "好!!" makes only the first one full-width."""
    at = np.flatnonzero(points < 0x40)  # the marks and the rest of ASCII's first half
    at = at[np.isin(points[at], _MARK_CODES)]
    if not at.size:
        return points
    before, after, full = _context_tables()
    n = points.size
    prev = points[np.maximum(at - 1, 0)]
    prev = np.where(at > 0, prev, 0)
    nxt = points[np.minimum(at + 1, n - 1)]
    nxt = np.where(at < n - 1, nxt, 0)
    prev = np.minimum(prev, before.size - 1)  # beyond the tables: neither
    nxt = np.minimum(nxt, after.size - 1)
    chinese = before[prev] | after[nxt]
    for start, end in urls:
        chinese &= ~((at >= start) & (at < end))
    turn = at[chinese]
    if not turn.size:
        return points
    points = points.copy()
    points[turn] = full[points[turn]]
    return points


def _brackets(text: str, urls: list[tuple[int, int]]) -> str:
    if not urls:
        return _CN_BRACKETS.sub(r"（\1）", text)
    pieces, last = [], 0
    for start, end in urls:  # URLs stay exactly as they are
        pieces += [_CN_BRACKETS.sub(r"（\1）", text[last:start]), text[start:end]]
        last = end
    pieces.append(_CN_BRACKETS.sub(r"（\1）", text[last:]))
    return "".join(pieces)


def _has(points: np.ndarray, needle: str) -> bool:
    """Whether ``needle`` (ASCII) occurs in the text (numpy: no string of the text needed)."""
    codes = [ord(c) for c in needle]
    at = np.flatnonzero(points[: points.size - len(codes) + 1] == codes[0])
    for k, code in enumerate(codes[1:], start=1):
        at = at[points[at + k] == code]
    return bool(at.size)


def _punct(points: np.ndarray) -> str:
    urls = []
    if _has(points, "://") or _has(points, "www."):
        urls = [m.span() for m in _URL.finditer(_text(points))]
    text = _text(_marks(points, urls))  # one character for one: the URLs' spans still hold
    return _brackets(text, urls) if "(" in text else text


def _diff(before: str, after: str, reason: str) -> list[Change]:
    if len(before) == len(after):
        return _char_diff(before, after, reason)
    return _line_diff(before, after, reason)


def _char_diff(before: str, after: str, reason: str) -> list[Change]:
    """Runs of differing characters between two strings of the same length (numpy)."""
    a = np.frombuffer(before.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    b = np.frombuffer(after.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    diff = np.flatnonzero(a != b)
    if not diff.size:
        return []
    breaks = np.flatnonzero(np.diff(diff) != 1) + 1
    out = []
    for run in np.split(diff, breaks):
        s, e = int(run[0]), int(run[-1]) + 1
        out.append(Change(s, e, before[s:e], after[s:e], reason))
    return out


def _line_diff(before: str, after: str, reason: str) -> list[Change]:
    """When a conversion changed the length (rare with OpenCC t2s): diff line by line."""
    out: list[Change] = []
    pos = 0
    for old, new in zip(
        before.splitlines(keepends=True), after.splitlines(keepends=True), strict=False
    ):
        if old != new:
            ops = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
            for tag, i1, i2, j1, j2 in ops:
                if tag != "equal":
                    out.append(Change(pos + i1, pos + i2, old[i1:i2], new[j1:j2], reason))
        pos += len(old)
    return out


def _mapped(c: Change, to_input) -> list[Change]:
    """``c`` (stripped-text offsets) in input offsets, split where a removed annotation lay."""
    if c.end - c.start <= 1 or len(c.before) != len(c.after):
        start = to_input(c.start)
        end = to_input(c.end - 1) + 1 if c.end > c.start else start
        return [Change(start, end, c.before, c.after, c.reason)]
    out: list[Change] = []
    run = 0
    for i in range(1, len(c.before) + 1):
        if i == len(c.before) or to_input(c.start + i) != to_input(c.start + i - 1) + 1:
            s = to_input(c.start + run)
            out.append(Change(s, s + i - run, c.before[run:i], c.after[run:i], c.reason))
            run = i
    return out


def normalize(text: str, *, mode: str = "full") -> NormalizeResult:
    """Clean ``text``; see the module's docstring for the modes."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    source = text if text.isascii() else unicodedata.normalize("NFC", text)
    stages = _Stages()
    # One pass of numpy over the code points per step; the text is decoded once at the end.
    points = _points(source)
    if "(" in source or "（" in source:
        points = _strip(points, stages)
    stages.stripped = points
    if mode == "strip":
        out = source if stages.removals is None else _text(points)
    else:
        points = stages.converted = _t2s(points)
        out = stages.punctuated = _punct(points) if mode == "full" else _text(points)
    return NormalizeResult(out, source=source, stages=stages)


def segments(source: str, changes: list[Change]) -> list[tuple[str, str, str]]:
    """The input cut at its changes, for showing the cleaning as a diff: ("same", text, "") for
    unchanged text, (reason, before, after) for each change."""
    out: list[tuple[str, str, str]] = []
    last = 0
    for c in changes:
        if c.start > last:
            out.append(("same", source[last : c.start], ""))
        out.append((c.reason, c.before, c.after))
        last = max(last, c.end)
    if last < len(source):
        out.append(("same", source[last:], ""))
    return out
