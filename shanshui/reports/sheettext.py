"""Reading the free text of rectification-plan cells (整改方案/台账): deadlines written the ways
officials write them, numbered measures in one cell, responsible leaders with their posts, and
ledger categories. Pure module: no Django.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from shanshui.lib.hanzi import to_simplified

# Deadline kinds, as the ledger's DeadlineKind values.
IMMEDIATE = "immediate"  # 立行立改
DATED = "dated"  # 限期
ONGOING = "ongoing"  # 长期坚持

_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def _cn_number(text: str) -> str:
    """Chinese numerals in dates → Arabic: 二〇二三 → 2023, 十二 → 12, 六 → 6."""

    def year(m: re.Match) -> str:
        return "".join(str(_CN_DIGITS[c]) for c in m.group(0))

    text = re.sub(r"[〇○零一二三四五六七八九]{4}(?=年)", year, text)

    def small(m: re.Match) -> str:
        s = m.group(0)
        if s == "十":
            return "10"
        if s.startswith("十"):
            return str(10 + _CN_DIGITS[s[1]])
        if s.endswith("十"):
            return str(_CN_DIGITS[s[0]] * 10)
        if "十" in s:
            return str(_CN_DIGITS[s[0]] * 10 + _CN_DIGITS[s[2]])
        return str(_CN_DIGITS[s])

    return re.sub(
        r"[一二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九](?=[月日号])",
        small,
        text,
    )


def normalize(text: str) -> str:
    """NFKC (fullwidth digits and punctuation), simplified characters, no spaces."""
    text = to_simplified(unicodedata.normalize("NFKC", text or ""))
    return "".join(text.split())


@dataclass(frozen=True)
class Deadline:
    kind: str  # IMMEDIATE | DATED | ONGOING
    date: dt.date | None


class DeadlineError(ValueError):
    pass


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


_QUARTERS = {"一": 3, "1": 3, "二": 6, "2": 6, "三": 9, "3": 9, "四": 12, "4": 12}

# A full date: 2023年6月30日, 2023.6.30, 2023-06-30, 2023/6/30.
_FULL = re.compile(r"(\d{4})(?:年|[.\-/])(\d{1,2})(?:月|[.\-/])(\d{1,2})[日号]?")
_MONTH = re.compile(r"(\d{4})(?:年|[.\-/])(\d{1,2})月?(?:份)?(?:底|末|中旬|上旬|下旬)?")
_HALF = re.compile(r"(\d{4})年?(上半年|下半年|年中)")
_QUARTER = re.compile(r"(\d{4})年?(?:第)?([一二三四1234])季度")
_YEAR = re.compile(r"(\d{4})年(?:底|末|内|年底)?")
_ONGOING_WORDS = ("长期坚持", "长期推进", "持续推进", "长期", "持续整改", "常态化")
_IMMEDIATE_WORDS = ("立行立改", "立即整改", "即知即改", "立查立改")


def parse_deadline(value: object) -> Deadline:
    """A 整改时限 cell → (kind, date).

    - a date cell, 2023-06-30, 2023年6月30日(前) → that day;
    - 2022年12月底(前), 2023年6月, 2023.6 → the month's last day;
    - 2023年上半年 → 30 June; 下半年 / 年底(前) / 2023年 → 31 December; 第三季度 → 30 September;
    - 立行立改 → immediate; 长期坚持 → ongoing; "立行立改，长期坚持" → ongoing;
    - "2022年12月底前，长期坚持" → ongoing with that date as the first deadline;
    - several dates ("2023年6月底前完成主体工程，2024年底前全部完成") → the latest.

    Raises DeadlineError when nothing in the cell reads as a deadline.
    """
    if isinstance(value, dt.datetime):
        return Deadline(DATED, value.date())
    if isinstance(value, dt.date):
        return Deadline(DATED, value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise DeadlineError(str(value))
    raw = str(value or "")
    text = _cn_number(normalize(raw))
    if not text:
        raise DeadlineError(raw)
    ongoing = any(w in text for w in _ONGOING_WORDS)
    immediate = any(w in text for w in _IMMEDIATE_WORDS)
    dates: list[dt.date] = []
    rest = text
    try:
        for pattern, build in (
            (_FULL, lambda m: dt.date(int(m[1]), int(m[2]), int(m[3]))),
            (
                _HALF,
                lambda m: (
                    dt.date(int(m[1]), 6, 30) if m[2] != "下半年" else dt.date(int(m[1]), 12, 31)
                ),
            ),
            (_QUARTER, lambda m: _month_end(int(m[1]), _QUARTERS[m[2]])),
            (_MONTH, lambda m: _month_end(int(m[1]), int(m[2]))),
            (_YEAR, lambda m: dt.date(int(m[1]), 12, 31)),
        ):
            for m in pattern.finditer(rest):
                dates.append(build(m))
            rest = pattern.sub("|", rest)
    except ValueError as exc:  # 2023年13月, 2023年2月30日
        raise DeadlineError(raw) from exc
    date = max(dates) if dates else None
    if date is not None and not dt.date(2000, 1, 1) <= date <= dt.date(2100, 12, 31):
        raise DeadlineError(raw)
    if ongoing:
        return Deadline(ONGOING, date)
    if date is not None:
        return Deadline(IMMEDIATE if immediate else DATED, date)
    if immediate:
        return Deadline(IMMEDIATE, None)
    raise DeadlineError(raw)


def format_deadline(kind: str, date: dt.date | None) -> str:
    """The cell an export writes, read back by :func:`parse_deadline` as the same deadline
    (dates are written as date cells by the exporter; this is the text form)."""
    day = f"{date.year}年{date.month}月{date.day}日" if date else ""
    if kind == ONGOING:
        return f"{day}前，长期坚持" if day else "长期坚持"
    if kind == IMMEDIATE:
        return f"立行立改，{day}前" if day else "立行立改"
    return day


# --- leaders ---------------------------------------------------------------------------------

_LEADER_SPLIT = re.compile(r"[、，,;；\n]+")
_WITH_POST = re.compile(r"^(?P<name>[^（(]+)[（(](?P<post>[^）)]+)[）)]$")
_UNIT_PREFIX = re.compile(r"^(?P<unit>[^：:]+)[：:](?P<rest>.+)$")
_UNIT_ROLE = re.compile(r"^(?P<unit>.+?)[（(](?P<role>[^）)]+)[）)]$")
# A unit that holds two roles on a task names the role of its leader: "万州区（实施主体）：张三".
ROLE_WORDS = {
    "牵头": "lead",
    "牵头单位": "lead",
    "责任": "responsible",
    "责任单位": "responsible",
    "配合": "supporting",
    "配合单位": "supporting",
    "实施主体": "implementing",
    "整改实施主体": "implementing",
    "验收": "accepting",
    "验收单位": "accepting",
}
ROLE_LABELS = {
    "lead": "牵头单位",
    "responsible": "责任单位",
    "supporting": "配合单位",
    "implementing": "实施主体",
    "accepting": "验收单位",
}


@dataclass(frozen=True)
class Leader:
    name: str
    post: str = ""
    unit: str = ""  # when written "单位：姓名（职务）"
    role: str = ""  # when written "单位（实施主体）：姓名（职务）"


def parse_leaders(text: str) -> list[Leader]:
    """ "张三（副市长）、李四" → [Leader("张三", "副市长"), Leader("李四")]; an entry may name
    its unit first: "万州区：王五（副区长）"."""
    out: list[Leader] = []
    for part in _LEADER_SPLIT.split(unicodedata.normalize("NFKC", text or "")):
        part = part.strip()
        if not part:
            continue
        unit, role = "", ""
        m = _UNIT_PREFIX.match(part)
        if m:
            unit, part = m["unit"].strip(), m["rest"].strip()
            qualified = _UNIT_ROLE.match(unit)
            if qualified and qualified["role"].strip() in ROLE_WORDS:
                unit, role = qualified["unit"].strip(), ROLE_WORDS[qualified["role"].strip()]
        m = _WITH_POST.match(part)
        if m:
            out.append(Leader(m["name"].strip(), m["post"].strip(), unit, role))
        else:
            out.append(Leader(" ".join(part.split()), "", unit, role))
    return out


def format_leader(leader: Leader) -> str:
    person = f"{leader.name}（{leader.post}）" if leader.post else leader.name
    if not leader.unit:
        return person
    role = f"（{ROLE_LABELS[leader.role]}）" if leader.role in ROLE_LABELS else ""
    return f"{leader.unit}{role}：{person}"


# --- categories ------------------------------------------------------------------------------

LEDGER_CATEGORIES: dict[str, tuple[str, ...]] = {
    "water": ("水", "水污染", "水环境", "水生态", "污水", "废水", "黑臭水体", "饮用水"),
    "air": ("大气", "大气污染", "大气环境", "空气", "废气", "扬尘", "油烟", "臭氧", "VOCs"),
    "soil": ("土壤", "土壤污染", "耕地"),
    "solid_waste": ("固废", "固体废物", "危废", "危险废物", "垃圾", "尾矿", "渣场"),
    "noise": ("噪声", "噪音"),
    "ecology": ("生态", "生态破坏", "自然保护区", "生态保护", "矿山", "采砂"),
    "radiation": ("辐射", "核与辐射"),
    "carbon": ("双碳", "碳达峰", "碳中和", "碳排放", "能耗", "两高", "节能"),
    "other": ("其他", "其它", "综合"),
}
_CATEGORY_BY_NAME = {
    name.lower(): code for code, names in LEDGER_CATEGORIES.items() for name in names
}
_CATEGORY_SPLIT = re.compile(r"[、,，;；/／|\s]+")


def parse_categories(text: str) -> tuple[list[str], list[str]]:
    """("水、大气污染") → (["water", "air"], unknown names)."""
    found: list[str] = []
    unknown: list[str] = []
    for token in _CATEGORY_SPLIT.split(normalize(text).replace("类", " ")):
        token = token.strip()
        if not token:
            continue
        code = _CATEGORY_BY_NAME.get(token.lower())
        if code is None and token.endswith(("问题", "领域")):
            code = _CATEGORY_BY_NAME.get(token[:-2].lower())
        if code is None:
            unknown.append(token)
        elif code not in found:
            found.append(code)
    return found, unknown


def derive_title(problem: str, limit: int = 60) -> str:
    """A short title from the problem as fed back: its first sentence, shortened."""
    text = " ".join((problem or "").split())
    first = re.split(r"(?<=[。；;！!？?])", text, maxsplit=1)[0].rstrip("。；;")
    return first if len(first) <= limit else first[: limit - 1] + "…"
