"""Text helpers for public supervision: masking personal data in published text, and the key
under which an enterprise's name is compared for repeat detection. Pure: no Django imports.

Citizens often write their own phone number or ID number into the description; published text
(public pages, Open311) masks them, while handlers read the original.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["enterprise_key", "mask_personal_data"]

# Mainland mobile numbers (1[3-9]x xxxx xxxx, optionally +86 and separators), landlines with an
# area code, 18-digit resident ID numbers, e-mail addresses.
_ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx](?![0-9])"
)
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[-\s]?\d{7,8}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def _keep_ends(match: re.Match, head: int, tail: int) -> str:
    digits = match.group(0)
    if len(digits) <= head + tail:
        return "*" * len(digits)
    return digits[:head] + "*" * (len(digits) - head - tail) + digits[-tail:]


def mask_personal_data(text: str) -> str:
    """Mask ID numbers, phone numbers and e-mail addresses in ``text`` for publication."""
    if not text:
        return text
    text = _ID_NUMBER.sub(lambda m: _keep_ends(m, 3, 2), text)
    text = _MOBILE.sub(lambda m: _keep_ends(m, 3, 2), text)
    text = _LANDLINE.sub(lambda m: _keep_ends(m, 4, 2), text)
    return _EMAIL.sub(lambda m: m.group(0)[0] + "***@" + m.group(0).split("@", 1)[1], text)


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
