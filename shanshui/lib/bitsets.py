"""Sets of codes as integer bit fields, for filters and aggregates that would otherwise join a
table of (row, code) pairs (a complaint's types, a task's categories)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def union_bits(codes: Iterable[str], bits: Mapping[str, int]) -> int:
    """The union of the bits of ``codes`` in ``bits`` (a code without a bit adds none)."""
    union = 0
    for code in codes:
        union |= bits.get(code, 0)
    return union
