"""Normalising unit names so that the forms people write resolve to one unit.

Pure module: no Django. Officials write "万州", "万州区", "重庆市万州区", "萬州區", "市生态环境局",
"生态环境局", "重庆市生态环境局" or "市环保局" for the same units. Every unit is indexed under the
keys of its names and aliases; a query is tried under its own keys, most specific first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from shanshui.lib.hanzi import to_simplified

CITY_PREFIXES = ("重庆市", "重庆")
# Separators between several unit names in one spreadsheet cell or sentence.
_SPLIT_RE = re.compile(r"[、，,；;／/\n\r\t]+|\s{2,}")
# Whitespace, and brackets around notes such as "（牵头）" are removed; the note is not a name.
_NOTE_RE = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")
_DROP_RE = re.compile(r"[\s·・.。:：\"'“”‘’《》<>]+")


def normalize(text: str) -> str:
    """Canonical form of a written name: NFKC, simplified characters, no spaces or notes."""
    text = unicodedata.normalize("NFKC", text or "")
    text = to_simplified(text)
    text = _NOTE_RE.sub("", text)
    text = _DROP_RE.sub("", text)
    return text


def keys_for(text: str) -> list[str]:
    """The lookup keys of a name, most specific first, without duplicates.

    "重庆市生态环境局" → ["重庆市生态环境局", "生态环境局", "市生态环境局"];
    "市生态环境局" → ["市生态环境局", "生态环境局"];
    "重庆市万州区" → ["重庆市万州区", "万州区", "市万州区"].
    """
    base = normalize(text)
    out: list[str] = []

    def add(value: str) -> None:
        if len(value) >= 2 and value not in out:
            out.append(value)

    add(base)
    for prefix in CITY_PREFIXES:
        if base.startswith(prefix) and len(base) > len(prefix) + 1:
            rest = base[len(prefix) :]
            add(rest)
            add("市" + rest)
            break
    if base.startswith("市") and len(base) > 2:
        add(base[1:])
    return out


def split_names(text: str) -> list[str]:
    """Split a cell like "市生态环境局、市水利局；万州区\\n渝中区" into names, keeping order."""
    parts = [p.strip() for p in _SPLIT_RE.split(text or "")]
    return [p for p in parts if normalize(p)]


def iter_unit_keys(names: list[str]) -> Iterator[str]:
    seen: set[str] = set()
    for name in names:
        for key in keys_for(name):
            if key not in seen:
                seen.add(key)
                yield key
