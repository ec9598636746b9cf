"""Chinese text helpers shared by the apps. Pure module: no Django."""

from __future__ import annotations

from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")  # reads its dictionaries once, on first use


def to_simplified(text: str) -> str:
    """Traditional characters → simplified (萬州區 → 万州区), via OpenCC."""
    return _t2s().convert(text)
