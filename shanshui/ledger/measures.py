"""Numbered measures (整改措施) as people write them, read once where they enter the ledger.

Plans, forms and API clients write measures numbered — "1.查明原因；2.限期整改", "（一）…",
"①…", "一是…" — while the ledger stores each measure's text alone, numbered by its position.
Every way in (the form, the API, an import, other apps' services) goes through
:func:`clean` in the ledger's services, so a measure typed as "1.查明…" is stored as "查明…",
shown as "1. 查明…", exported as "1.查明…" and read back as the same measure.
Pure module: no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MARKER = re.compile(
    r"(?:^|(?<=[\n;；。：:]))\s*"
    r"(?:(?P<arabic>\d{1,2})\s*[.．、,，)）](?!\d)"
    r"|[（(](?P<paren>\d{1,2}|[一二三四五六七八九十]{1,2})[)）]"
    r"|(?P<circled>[①-⑳])"
    r"|(?P<shi>[一二三四五六七八九十]{1,2})是"
    r"|(?P<cn>[一二三四五六七八九十]{1,2})、)"
)
_CN_SMALL = {c: i for i, c in enumerate("一二三四五六七八九十", 1)}


def _marker_number(m: re.Match) -> tuple[str, int]:
    for style in ("arabic", "paren", "circled", "shi", "cn"):
        value = m.group(style)
        if value is None:
            continue
        if style == "circled":
            return style, ord(value) - ord("①") + 1
        if value.isdigit():
            return style, int(value)
        if len(value) == 1:
            return style, _CN_SMALL[value]
        if value[0] == "十":
            return style, 10 + _CN_SMALL[value[1]]
        return style, _CN_SMALL[value[0]] * 10 if value[1] == "十" else 0
    return "", 0


def split(text: str) -> list[str]:
    """ "1.建立台账；2.完成整治。" → ["建立台账", "完成整治。"].

    Numbered with 1. 1、 (1) （一） ① 一是 一、 at the start of the cell or after a line break
    or ；。: — only a run numbered 1, 2, 3 … in one style splits (so "2.5万吨" inside a sentence
    never does). A cell without numbering is one measure; lines of an unnumbered cell are kept
    together.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return []
    found = [(m, *_marker_number(m)) for m in _MARKER.finditer(text)]
    best: list[re.Match] = []
    for style in ("arabic", "paren", "circled", "shi", "cn"):
        run: list[re.Match] = []
        for m, s, n in found:
            if s == style and n == len(run) + 1:
                run.append(m)
        if len(run) > len(best) and (len(run) >= 2 or (run and run[0].start() == 0)):
            best = run
    if not best:
        return [text]
    out = []
    preamble = text[: best[0].start()].strip()
    for i, m in enumerate(best):
        end = best[i + 1].start() if i + 1 < len(best) else len(text)
        part = text[m.end() : end].strip().rstrip("；;").strip()
        if part:
            out.append(part)
    if preamble and out:
        out[0] = f"{preamble}\n{out[0]}"
    return out


def format_cell(measures: list[str]) -> str:
    """The cell an export writes: "1.…\n2.…", which :func:`split` reads back (one measure
    alone is written bare, unless it would read as numbered)."""
    if len(measures) == 1 and not _MARKER.match(measures[0]):
        return measures[0]
    return "\n".join(_numbered_item(i, m) for i, m in enumerate(measures, 1))


def parse_text(text: str) -> list[str]:
    """What a person typed in one text box: numbered measures ("1.…↵2.…", also on one line),
    or else one measure per line."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return []
    parts = split(text)
    if _numbered(text):
        return parts
    return [line.strip() for line in text.split("\n") if line.strip()]


def clean(items: Iterable[str]) -> list[str]:
    """The measures to store, from a list given by any caller: empty ones dropped, and a
    numbering the caller kept on each item ("1.…", "2.…" in that order) taken off. An item
    whose own text begins like a number ("2.5万吨…") keeps it: only a run 1, 2, 3 … counts.
    Idempotent: stored measures come out unchanged."""
    texts = [t.strip() for t in items if t and t.strip()]
    if not texts:
        return []
    leading = [_leading_marker(t) for t in texts]
    if texts and leading[0] is not None and leading[0][1] == 1:
        style = leading[0][0]
        run = 0
        for marker in leading:
            if marker is None or marker[0] != style or marker[1] != run + 1:
                break
            run += 1
        if run == len(texts) or run >= 2:
            stripped = [t[leading[i][2] :].strip() for i, t in enumerate(texts[:run])]
            texts = [*stripped, *texts[run:]]
    return [t for t in texts if t]


def _numbered(text: str) -> bool:
    return split(text) != [text]


def _leading_marker(text: str) -> tuple[str, int, int] | None:
    """(style, number, end) of a numbering marker at the very start of ``text``."""
    m = _MARKER.match(text)
    if m is None or m.start() != 0:
        return None
    style, number = _marker_number(m)
    return style, number, m.end()


def _numbered_item(number: int, text: str) -> str:
    # "1.2.5万吨" would read as the number 1.2…: a measure that starts with a digit is set off
    # by a space ("1. 2.5万吨"), which reads back as measure 1.
    return f"{number}. {text}" if text[:1].isdigit() else f"{number}.{text}"
