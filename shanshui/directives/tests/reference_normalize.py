"""The normaliser's cleaning as it was before the bulk path (2026-12), text for text: regex and
numpy passes each on a string, OpenCC on the whole text. Kept to prove the faster pipeline in
``normalize.py`` gives the identical result (test_normalize_bulk.py); not used by the app."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import opencc

from shanshui.directives.normalize import (
    _CN_BRACKETS,
    _MARK_CODES,
    _MAX_SYMBOLS,
    _SYMBOLS,
    _URL,
    _ZHE_AFTER,
    _ZHE_BEFORE,
    _annotation_keys,
    _context_tables,
)

_ZHE = re.compile(rf"著(?=[{_ZHE_AFTER}])|(?<=[{_ZHE_BEFORE}])著")


@lru_cache(maxsize=1)
def _t2s_converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _symbol_codes() -> np.ndarray:
    table = np.zeros(0x1F00, dtype=np.uint8)
    for i, ch in enumerate(_SYMBOLS, start=1):
        table[ord(ch)] = i
        upper = ch.upper()
        if upper != ch and len(upper) == 1 and ord(upper) < table.size:
            table[ord(upper)] = i
    return table


def _annotations(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = points.size
    opens = np.flatnonzero((points == 0x28) | (points == 0xFF08))
    opens = opens[(opens > 0) & (opens < n - 2)]
    if not opens.size:
        return opens, opens
    table = _symbol_codes()
    closing = np.where(points[opens] == 0x28, 0x29, 0xFF09).astype(np.uint32)
    keys = points[opens - 1].astype(np.uint64) << np.uint64(6 * _MAX_SYMBOLS)
    length = np.zeros(opens.size, dtype=np.int64)
    alive = np.ones(opens.size, dtype=bool)
    for k in range(_MAX_SYMBOLS + 1):
        at = np.minimum(opens + 1 + k, n - 1)
        ch = points[at]
        closed = alive & (ch == closing) & (k > 0) & (opens + 1 + k < n)
        length[closed] = k
        alive &= ~closed
        if k == _MAX_SYMBOLS:
            break
        code = table[np.minimum(ch, table.size - 1)].astype(np.uint64)
        code[ch >= table.size] = 0
        alive &= code > 0
        keys |= np.where(alive, code << np.uint64(6 * k), np.uint64(0))
    ok = length > 0
    valid = _annotation_keys()
    at = np.minimum(np.searchsorted(valid, keys), valid.size - 1)
    ok &= valid[at] == keys
    return opens[ok], opens[ok] + length[ok] + 2


def _strip(text: str) -> str:
    if "(" not in text and "（" not in text:
        return text
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    starts, ends = _annotations(points)
    if not starts.size:
        return text
    edge = np.zeros(points.size + 1, dtype=np.int8)
    edge[starts] += 1
    edge[ends] -= 1
    keep = np.cumsum(edge[:-1]) == 0
    return points[keep].tobytes().decode("utf-32-le")


def _t2s(text: str) -> str:
    converted = _t2s_converter().convert(text)
    if "著" in converted:
        converted = _ZHE.sub("着", converted)
    return converted


def _marks(text: str, urls: list[tuple[int, int]]) -> str:
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).copy()
    at = np.flatnonzero(np.isin(points, _MARK_CODES))
    if not at.size:
        return text
    before, after, full = _context_tables()
    n = points.size
    prev = points[np.maximum(at - 1, 0)]
    prev = np.where(at > 0, prev, 0)
    nxt = points[np.minimum(at + 1, n - 1)]
    nxt = np.where(at < n - 1, nxt, 0)
    prev = np.minimum(prev, before.size - 1)
    nxt = np.minimum(nxt, after.size - 1)
    chinese = before[prev] | after[nxt]
    for start, end in urls:
        chinese &= ~((at >= start) & (at < end))
    turn = at[chinese]
    if not turn.size:
        return text
    points[turn] = full[points[turn]]
    return points.tobytes().decode("utf-32-le")


def _brackets(text: str, urls: list[tuple[int, int]]) -> str:
    if not urls:
        return _CN_BRACKETS.sub(r"（\1）", text)
    pieces, last = [], 0
    for start, end in urls:
        pieces += [_CN_BRACKETS.sub(r"（\1）", text[last:start]), text[start:end]]
        last = end
    pieces.append(_CN_BRACKETS.sub(r"（\1）", text[last:]))
    return "".join(pieces)


def _punct(text: str) -> str:
    urls = [m.span() for m in _URL.finditer(text)] if ("://" in text or "www." in text) else []
    text = _marks(text, urls)
    return _brackets(text, urls) if "(" in text else text


def reference(text: str) -> tuple[str, str, str]:
    """(stripped, converted, punctuated): the old pipeline's text after each step."""
    source = text if text.isascii() else unicodedata.normalize("NFC", text)
    stripped = _strip(source)
    converted = _t2s(stripped)
    return stripped, converted, _punct(converted)
