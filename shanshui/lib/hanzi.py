"""Chinese text helpers shared by the apps. Pure module: no Django."""

from __future__ import annotations

import itertools
import json
import logging
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import opencc

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")  # reads its dictionaries once, on first use


def to_simplified(text: str) -> str:
    """Traditional characters → simplified (萬州區 → 万州区), via OpenCC."""
    return _t2s().convert(text)


# Bulk conversion over code points (繁简转换，批量). OpenCC's t2s is a greedy longest match over its
# dictionaries: at each position the longest phrase (TSPhrases, 2–10 characters) the text starts
# with, else the character's own entry, else the character unchanged. So:
# - where no phrase key holds the pair of adjacent characters (p-1, p), no match can span p: the
#   conversion of the text is the conversions of its pieces between such places, joined;
# - a piece in which no phrase that converts otherwise than its characters one by one has its
#   first two characters converts character by character, whatever OpenCC matches in it.
# ``simplified_points`` therefore maps every character through a table (OpenCC's own output for
# the character alone) and has OpenCC convert only the pieces that hold such a phrase start (none
# in the seed), newline-joined in one call (a newline is in no key). Everything comes from OpenCC:
# the phrase keys from its dictionaries (dumped with the opencc_dict tool it ships with), each
# character of them by asking OpenCC (a character in no key is copied as it is). If anything is
# not as expected (another configuration, no tool), or the text holds an ideographic description
# sequence (⿰…, which OpenCC copies unconverted as a whole) or a character its normalisation step
# rewrites, OpenCC converts the whole text. lib/tests/test_hanzi.py checks the result against
# OpenCC on every code point, on every phrase, and on generated text made of phrases.
_UNICODE = 0x110000
_IDS_OPERATORS = (0x2FF0, 0x2FFF, 0x31EF)  # ⿰…⿿ and ㇯: ideographic description sequences


_SPECIAL = np.uint32(1 << 31)  # flag in the table: OpenCC must see the whole text
_START = np.uint32(1 << 30)  # flag: may start a phrase that converts otherwise than its characters
_CHAR = np.uint32((1 << 30) - 1)


@dataclass(frozen=True)
class _Tables:
    chars: np.ndarray  # uint32 [code point] → OpenCC's output for the character alone, | flags
    starts: np.ndarray  # sorted uint64 (a << 21 | b): the first two characters of such a phrase
    in_phrase: np.ndarray  # bool [code point]: occurs in some phrase key
    pairs: np.ndarray  # sorted uint64 (a << 21 | b): adjacent characters in some phrase key


def _pair_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a.astype(np.uint64) << np.uint64(21)) | b.astype(np.uint64)


def _member(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    if not sorted_keys.size:
        return np.zeros(keys.size, dtype=bool)
    i = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
    return sorted_keys[i] == keys


def _dump(tool: Path, ocd2: Path, work: Path) -> dict[str, str]:
    """An .ocd2 dictionary's entries (key → first value), through OpenCC's own tool."""
    out = work / (ocd2.stem + ".txt")
    subprocess.run(
        [str(tool), "-i", str(ocd2), "-o", str(out), "-f", "ocd2", "-t", "text"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    entries = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        key, _, values = line.partition("\t")
        entries[key] = values.split(" ")[0]
    return entries


def _ocd2_files(step) -> list[str] | None:
    """The .ocd2 files of one configuration step, None if it is of another kind."""
    d = step.get("dict", {})
    if d.get("type") == "ocd2":
        return [d["file"]]
    if d.get("type") == "group" and d.get("match_policy", "short_circuit") == "short_circuit":
        files = [sub.get("file") for sub in d.get("dicts", []) if sub.get("type") == "ocd2"]
        return files if len(files) == len(d.get("dicts", [])) else None
    return None


def _dictionaries() -> tuple[list[dict[str, str]], list[dict[str, str]]] | None:
    """(conversion, normalisation) dictionaries of OpenCC's t2s, None if it is configured
    otherwise than one greedy dictionary step (or the tool is missing)."""
    config_path = Path(_t2s().config)
    config = json.loads(config_path.read_text(encoding="utf-8"))
    chain = config.get("conversion_chain", [])
    conversion = _ocd2_files(chain[0]) if len(chain) == 1 else None
    normalization = [_ocd2_files(step) for step in config.get("normalization", [])]
    tool = Path(opencc.__file__).parent / "clib" / "bin" / "opencc_dict"
    if config.get("segmentation") or conversion is None or None in normalization:
        log.info("OpenCC t2s is configured otherwise than expected: no bulk table")
        return None
    if not tool.is_file():
        log.info("OpenCC's opencc_dict tool is missing: no bulk table")
        return None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            return (
                [_dump(tool, config_path.parent / f, work) for f in conversion],
                [_dump(tool, config_path.parent / f, work) for fs in normalization for f in fs],
            )
    except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
        log.warning("could not read OpenCC's dictionaries: no bulk table", exc_info=True)
        return None


def _probe(converter: opencc.OpenCC, chars: list[str]) -> list[str]:
    """OpenCC's output for each character alone: one a line (a newline is in no key)."""
    out = converter.convert("\n".join(chars)).split("\n")
    if len(out) != len(chars):
        raise ValueError("OpenCC changed the line count")
    return out


@lru_cache(maxsize=1)
def _tables() -> _Tables | None:
    dictionaries = _dictionaries()
    if dictionaries is None:
        return None
    conversion, normalization = dictionaries
    converter = _t2s()
    chars = np.arange(_UNICODE, dtype=np.uint32)
    chars[_IDS_OPERATORS[0] : _IDS_OPERATORS[1] + 1] |= _SPECIAL
    chars[_IDS_OPERATORS[2]] |= _SPECIAL
    for entries in normalization:
        for key, value in entries.items():
            if key != value:
                for c in key:
                    chars[ord(c)] |= _SPECIAL
    # A character in no key is copied as it is; the others as OpenCC converts them alone.
    seen = {c for d in conversion + normalization for k, v in d.items() for c in k + v}
    probe = sorted(c for c in seen if c != "\n" and not chars[ord(c)] & _SPECIAL)
    for c, out in zip(probe, _probe(converter, probe), strict=True):
        if len(out) == 1:
            chars[ord(c)] = ord(out)
        else:
            chars[ord(c)] |= _SPECIAL  # one character to several or none: OpenCC decides
    phrases = {k for entries in conversion for k in entries if len(k) > 1}
    in_phrase = np.zeros(_UNICODE, dtype=bool)
    pairs, starts = set(), set()
    for phrase in phrases:
        points = [ord(c) for c in phrase]
        in_phrase[points] = True
        pairs.update((a << 21) | b for a, b in itertools.pairwise(points))
        if converter.convert(phrase) != "".join(chr(chars[p] & _CHAR) for p in points):
            chars[points[0]] |= _START
            starts.add((points[0] << 21) | points[1])
    return _Tables(
        chars=chars,
        starts=np.array(sorted(starts), dtype=np.uint64),
        in_phrase=in_phrase,
        pairs=np.array(sorted(pairs), dtype=np.uint64),
    )


def _linked(points: np.ndarray, at: np.ndarray, tables: _Tables) -> np.ndarray:
    """Whether the characters at ``at - 1`` and ``at`` are adjacent in some phrase key."""
    a, b = points[at - 1], points[at]
    out = tables.in_phrase[a] & tables.in_phrase[b]
    cand = np.flatnonzero(out)
    out[cand] = _member(_pair_keys(a[cand], b[cand]), tables.pairs)
    return out


def _whole(points: np.ndarray) -> np.ndarray:
    text = points.tobytes().decode("utf-32-le", "surrogatepass")
    return np.frombuffer(
        to_simplified(text).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
    ).copy()


def simplified_points(points: np.ndarray) -> np.ndarray:
    """``to_simplified`` over a text's code points (uint32), for large texts: the same result,
    mostly without OpenCC (see above). Returns a new array."""
    tables = _tables()
    n = points.size
    if tables is None or not n:
        return _whole(points)
    out = tables.chars[points]
    if out.max() < _START:
        return out
    flagged = np.flatnonzero(out >= _START)
    if (out[flagged] >= _SPECIAL).any():
        return _whole(points)
    out &= _CHAR
    # Phrase starts: where the text starts with the first two characters of such a phrase.
    at = flagged[flagged < n - 1]
    at = at[_member(_pair_keys(points[at], points[at + 1]), tables.starts)]
    if not at.size:
        return out
    # Grow each to its piece: while the pair at an edge is in some phrase, extend.
    lo, hi = at.copy(), at + 1
    grow = lo > 0
    while grow.any():
        idx = np.flatnonzero(grow)
        ok = _linked(points, lo[idx], tables)
        lo[idx[ok]] -= 1
        grow[idx[~ok]] = False
        grow &= lo > 0
    grow = hi < n
    while grow.any():
        idx = np.flatnonzero(grow)
        ok = _linked(points, hi[idx], tables)
        hi[idx[ok]] += 1
        grow[idx[~ok]] = False
        grow &= hi < n
    lo, first = np.unique(lo, return_index=True)  # a piece with two starts: once
    hi = hi[first]
    # The pieces one after another, a newline after each: gather indices (−1 for a newline).
    size = hi - lo + 1
    offset = np.cumsum(size) - size
    index = np.arange(size.sum(), dtype=np.int64) - np.repeat(offset - lo, size)
    index[offset + size - 1] = -1
    joined = np.where(index >= 0, points[index], 0x0A).astype(np.uint32)
    converted = _whole(joined)
    if converted.size != joined.size or (converted[index < 0] != 0x0A).any():
        return _whole(points)  # a phrase changed length (none does today)
    keep = index >= 0
    out[index[keep]] = converted[keep]
    return out
