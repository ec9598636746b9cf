"""Normalising unit names so that the forms people write resolve to one unit.

Pure module: no Django. Officials write "万州", "万州区", "重庆市万州区", "萬州區", "市生态环境局",
"生态环境局", "重庆市生态环境局" or "市环保局" for the same units. Every unit is indexed under the
keys of its names and aliases; a query is tried under its own keys, most specific first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

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


# --- units named collectively ----------------------------------------------------------------
#
# Plans name units as a class: "各区县（自治县）党委和政府", "市级有关部门", "两江新区、重庆高新区、
# 万盛经开区管委会". A class is *definite* when the city's current units say which units it holds
# (every district and county, and the two zones that inspection rules treat as districts), and
# *indefinite* when only the writer knew ("有关区县", "市级有关部门"). 沿江区县 is indefinite: city
# documents list different sets of riverside districts (长江 main stream only, or with 嘉陵江 and
# 乌江), and no one list is authoritative.

TERRITORIAL = "territorial"  # districts, counties, autonomous counties and zones
DEPARTMENTS = "departments"  # the city's departments
ANY = "any"

# What follows a class of units: its bodies (党委和政府, 管委会 …) or their heads.
_BODY = (
    r"(?:党委(?:和|及|、)?(?:人民)?政府|党委政府|党工委(?:和|及|、)?管委会|党政(?:主要负责人)?"
    r"|党委|党工委|(?:人民)?政府|管委会|主要负责人|主要领导)"
)
_DEFINITE_RE = re.compile(
    r"^(?=全市|各|所有|全部)(?:全市)?(?:各|所有|全部)?(?:区县|区|县)(?:自治县)?" + _BODY + r"?$"
)
_QUALIFIER = r"(?:有关|相关|涉及|沿江|沿线|重点|其他|其余|部分|属地)"
_INDEFINITE_RE = re.compile(
    r"^(?:全市)?(?:市级)?各?"
    + _QUALIFIER
    + r"+的?各?(?P<group>区县|区|县|部门|单位)(?:自治县)?"
    + _BODY
    + r"?$"
)
_CITY_DEPARTMENTS_RE = re.compile(r"^(?:市级|市)各?(?:有关|相关)?部门$")
# "两江新区、重庆高新区、万盛经开区管委会": the bodies of each zone named before.
_ZONE_BODY_RE = re.compile(r"(?:党工委(?:和|及|、)?管委会|党工委|管委会)$")
_BODY_ONLY_RE = re.compile("^" + _BODY + "$")


@dataclass(frozen=True)
class Collective:
    """Units named as a class. ``members`` lists the names of a listed class ("两江新区、重庆
    高新区、万盛经开区管委会"); empty, the class is every current unit of ``group``."""

    text: str  # as written
    key: str  # normalised: one resolution per key for a whole sheet
    definite: bool
    group: str = TERRITORIAL
    members: tuple[str, ...] = ()


def collective(name: str) -> Collective | None:
    """The class a single name denotes ("各区县政府", "市级有关部门"), or None for a unit's name."""
    key = normalize(name)
    if _DEFINITE_RE.match(key):
        return Collective(name.strip(), key, True, TERRITORIAL)
    if _CITY_DEPARTMENTS_RE.match(key):
        return Collective(name.strip(), key, False, DEPARTMENTS)
    m = _INDEFINITE_RE.match(key)
    if m:
        group = {"部门": DEPARTMENTS, "单位": ANY}.get(m["group"], TERRITORIAL)
        return Collective(name.strip(), key, False, group)
    return None


def read_units(text: str) -> list[str | Collective]:
    """A unit cell read into unit names and classes of units, in order.

    "市生态环境局、各区县（自治县）党委、政府" → ["市生态环境局", Collective("各区县…")];
    "两江新区、重庆高新区、万盛经开区管委会" → [Collective(members=("两江新区", "重庆高新区",
    "万盛经开区"))]. A body written apart ("党委、政府") belongs to the name before it.
    """
    parts: list[str] = []
    for part in split_names(text):
        if parts and _BODY_ONLY_RE.match(normalize(part)):
            parts[-1] = f"{parts[-1]}、{part}"
        else:
            parts.append(part)
    out: list[str | Collective] = []
    run: list[str] = []  # plain names since the last class: a zone body may distribute over them
    for part in parts:
        found = collective(part)
        if found is not None:
            out += run
            run = []
            out.append(found)
            continue
        key = normalize(part)
        zone_body = _ZONE_BODY_RE.search(key)
        if zone_body and run:
            members = (*run, key[: zone_body.start()])
            out.append(
                Collective("、".join((*run, part)), "、".join(members), True, members=members)
            )
            run = []
        else:
            run.append(part)
    return out + run
