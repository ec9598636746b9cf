"""Text helpers for public supervision: masking personal data in published text, and the key
under which an enterprise's name is compared for repeat detection. Pure: no Django imports.

Citizens often write their own phone number or ID number into the description; published text
(public pages, Open311) masks them, while handlers read the original.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

__all__ = ["enterprise_key", "mask_personal_data"]

# Personal data is looked for in an NFKC-normalised copy of the text (full-width digits and
# letters, ＠, the full-width hyphen become ASCII) and masked in the original, through a map
# from each position of the copy to the character of the original it came from. Between the
# digits of a number people type spaces, dots, dashes or brackets: SEP allows up to three.
_SEP = r"[ \t.\-‐‑‒–—―·•_/()]{0,3}"


def _digits(n: int) -> str:
    """``n`` digits with separators allowed between them."""
    return r"\d" + rf"(?:{_SEP}\d)" * (n - 1)


# 18-digit resident ID numbers (the last may be X), mainland mobiles (1[3-9]x, 11 digits),
# landlines with their area code (0xx or 0xxx, or +86 without the 0), e-mail addresses, and
# the name after 我叫 / 联系人 / 姓名 / 举报人 / 本人.
_ID_NUMBER = re.compile(rf"(?<![0-9A-Za-z])[1-9]{_SEP}{_digits(16)}{_SEP}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(rf"(?:(?<!\d)|(?<=86)){_SEP}1{_SEP}[3-9]{_SEP}{_digits(9)}(?!\d)")
_LANDLINE = re.compile(
    rf"(?:(?<!\d)(?:0\d{{2,3}}|\(0\d{{2,3}}\))|(?<=86){_SEP}[1-9]\d{{1,2}}){_SEP}"
    rf"[1-9](?:{_SEP}\d){{6,7}}(?!\d)"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+ ?@ ?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_NAME = re.compile(
    r"(?:我叫|我的名字是|联系人|姓名|举报人|本人)[是为:： ]{0,2}"
    r"(?P<name>[\u4e00-\u9fff]{2,3}|[\u4e00-\u9fff](?:先生|女士|小姐|老师))"
)
# Nothing to mask without one of these (\d is any digit, full-width too): most texts.
_CANDIDATE = re.compile(r"[\d@＠]|我叫|名字|联系人|姓名|举报人|本人")
# Kept visible of each kind: (first, last) significant characters.
_KEEP = {"id": (3, 2), "mobile": (3, 2), "landline": (3, 2)}


# What NFKC makes of the full-width forms (U+FF01..FF5E) and the ideographic space, one for
# one: most Chinese text is NFKC-normal once these are done. (NFKC itself, and a loop over the
# characters, take some 100 µs for a paragraph of Chinese; this takes a few.)
_FULL_WIDTH = re.compile("[\u3000\uff01-\uff5e]")


def _half_width(m: re.Match) -> str:
    ch = m.group(0)
    return " " if ch == "\u3000" else chr(ord(ch) - 0xFEE0)


def _normalised(text: str) -> tuple[str, Sequence[int]]:
    """The NFKC copy of ``text`` and, for each of its characters, the original's index."""
    copy = _FULL_WIDTH.sub(_half_width, text)
    if unicodedata.is_normalized("NFKC", copy):
        return copy, range(len(text))
    chars = [unicodedata.normalize("NFKC", ch) for ch in text]
    where: list[int] = []
    for i, n in enumerate(chars):
        where.extend([i] * len(n))
    return "".join(chars), where


def _spans(copy: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) in the copy, the earlier kinds winning overlaps, in order."""
    found: list[tuple[int, int, str]] = []
    for kind, pattern in (
        ("id", _ID_NUMBER),
        ("mobile", _MOBILE),
        ("landline", _LANDLINE),
        ("email", _EMAIL),
        ("name", _NAME),
    ):
        for m in pattern.finditer(copy):
            a, b = m.span("name") if kind == "name" else m.span()
            if not any(a < end and start < b for start, end, _k in found):
                found.append((a, b, kind))
    return sorted(found)


def _masked(original: str, copy: str, kind: str) -> str:
    """The replacement of one found piece of ``original`` (its copy is ``copy``)."""
    if kind == "name":
        return original[0] + "*" * (len(original) - 1)
    if kind == "email":
        at = original.find("@") if "@" in original else original.find("＠")
        return original[0] + "***" + original[at:].strip() if at > 0 else "***"
    head, tail = _KEEP[kind]
    significant = [
        i for i, ch in enumerate(original) if unicodedata.normalize("NFKC", ch).isalnum()
    ]
    hide = set(significant[head : len(significant) - tail])
    return "".join("*" if i in hide else ch for i, ch in enumerate(original))


def mask_personal_data(text: str) -> str:
    """Mask ID numbers, phone numbers, e-mail addresses and names a reporter gives of
    themselves in ``text`` for publication, whatever width, separators or spacing they used."""
    if not text or not _CANDIDATE.search(text):
        return text
    copy, where = _normalised(text)
    spans = _spans(copy)
    if not spans:
        return text
    out, last = [], 0
    for a, b, kind in spans:
        start, end = where[a], where[b - 1] + 1
        if start < last:
            continue  # two pieces of the copy from one character of the original
        out.append(text[last:start])
        out.append(_masked(text[start:end], copy[a:b], kind))
        last = end
    out.append(text[last:])
    return "".join(out)


# Legal-form and filler suffixes that vary between mentions of the same enterprise.
_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "分公司",
    "总公司",
    "公司",
    "集团",
    "厂",
)
_PREFIXES = ("重庆市", "重庆")
_NOISE = re.compile(r"[\s()（）【】\[\]“”\"'·,，.。、-]+")


def enterprise_key(name: str) -> str:
    """A comparison key for an enterprise name: NFKC, no brackets/punctuation/spaces, without
    the "重庆(市)" prefix and the legal-form suffix. "" when nothing meaningful is left."""
    text = unicodedata.normalize("NFKC", name or "").strip().lower()
    text = _NOISE.sub("", text)
    for prefix in _PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix) + 1:
            text = text[len(prefix) :]
            break
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                text = text[: -len(suffix)]
                changed = True
                break
    if len(text) < 2 or text in _SUFFIXES:
        return ""
    return text
