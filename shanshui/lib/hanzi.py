"""Chinese text helpers shared by the apps. Pure module: no Django."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _t2s():
    try:
        import opencc
    except ImportError:  # pragma: no cover - opencc is a declared dependency
        return None
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters → simplified (萬州區 → 万州区), via OpenCC."""
    converter = _t2s()
    return converter.convert(text) if converter else text
