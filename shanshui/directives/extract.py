"""Directives in a meeting report or speech (会议部署事项). Pure module: no Django.

``extract_directives(text)`` reads a normalised (Simplified, full-width punctuation) text and
returns one :class:`Directive` per sentence that states a task or requirement:

- The text is split into paragraphs (lines) and sentences (at 。！？, never inside quotes or
  brackets); headlines (lines without a sentence end) are skipped.
- A sentence is *explicit* when a marker opens it (要, 必须, 确保, 坚决, 加快, 推动, 更大力度 …)
  at its start or after a short subject ("各区县要落实属地责任"); 要求, 要素, 要点 as nouns do
  not count.
- A sentence without a marker *continues* the directive before it in the same paragraph when it is
  stated as a task (after "要持续深入抓好生态环保督察整改。" comes "强化政治担当，…": a directive of
  its own). Look-back passages ("党的十八大以来…取得明显成效") and the reporter's framing are not
  directives: nothing precedes them, or they report achievements.
- Speakers: "X指出，", "X强调，", "X在讲话中指出，" name X and are cut from the directive's text;
  "他强调" / "她指出" refer to the last person named as speaking ("市委书记陈敏尔出席会议并讲话。他
  强调，…" → 陈敏尔). A speaker holds until another is named, across paragraphs.
- Each directive is split into clauses at ，；.

``suggest_units`` and ``suggest_categories`` propose the responsible units (by name, for the alias
lookup to resolve) and the ledger categories from a keyword table that the caller may replace.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"

# Markers that open a directive (longest first, so 更大力度 wins over shorter ones).
MARKERS: tuple[str, ...] = (
    "更大力度",
    "进一步",
    "必须",
    "务必",
    "确保",
    "坚决",
    "加快",
    "推动",
    "推进",
    "切实",
    "着力",
    "全力",
    "严格",
    "抓好",
    "抓实",
    "要",
)
# 要 that is a noun or part of one, not "must": 要求 (as in 部署要求), 要素, 要点, 要闻, 要害, 要件.
_NOT_MUST = "求素点闻害件务地塞员职"
# A short subject before the marker: "各区县要…", "市级层面要…", "行业主管部门要…".
_SUBJECT_MAX = 10
# A look-back or a report of what was achieved, not a task.
_LOOK_BACK = re.compile(
    r"以来|取得了?(?:明显|显著|积极|重要)?(?:成效|成绩|进展)|交出|迈出|成为|得到|实现了|完成了|观看了"
)
# Verbs that state a task when a sentence opens with them without a marker (continuations).
_TASK_VERBS = re.compile(
    rf"^(?:[{HAN}]{{0,4}}?)"
    r"(?:强化|深化|深入|坚持|加强|健全|完善|建立|创新|注重|突出|提升|提高|落实|统筹|实施|开展|"
    r"推行|培育|优化|调整|严格|严防|严肃|持续|全面|不断|积极|扎实|大力|集中|聚焦|紧盯|把|以|"
    r"发挥|构建|打好|打造|守住|筑牢|维护|保障|引导|倡导|形成|织密|压实|夯实|狠抓|抓好|抓实|"
    r"加大|加快|推进|推动|促进|确保|坚决)"
)

_SPEAKER_VERBS = (
    "在讲话中指出|在讲话中强调|在讲话时指出|在讲话时强调|在会上指出|在会上强调|"
    "指出|强调|要求|表示|说"
)
_TITLES = (
    "书记|副书记|市长|副市长|区长|县长|主任|副主任|主席|副主席|部长|局长|厅长|"
    "秘书长|委员|组长|常委|同志|总书记"
)
# "陈敏尔在讲话中指出，" / "胡衡华指出，" at the start of a sentence (the lead-in).
_LEAD_IN = re.compile(
    rf"^(?:[{HAN}、]*?(?:{_TITLES}))?(?P<name>[{HAN}]{{2,4}}?)(?:{_SPEAKER_VERBS})[，：:]"
)
_PRONOUN_LEAD_IN = re.compile(rf"^(?:他|她)(?:还|又|同时|最后)?(?:{_SPEAKER_VERBS})[，：:]")
# A person named as speaking anywhere in a sentence ("市委书记陈敏尔出席会议并讲话").
_SPEAKS = re.compile(
    rf"(?:^|(?<=[，。、；：“”\s])|(?<={_TITLES.replace('|', ')|(?<=')}))"
    rf"(?P<name>[{HAN}]{{2,3}}?)"
    r"(?=出席会议并讲话|出席并讲话|在讲话中|作(?:重要)?讲话|讲话时|通报[^。]*并作(?:工作)?部署|作工作部署)"
)
_NOT_NAMES = {"会议", "会上", "大会", "有关", "全市", "市委", "市政府"}

_SENTENCE_END = "。！？"
_OPEN_QUOTES = "“‘（《「『【"
_CLOSE_QUOTES = "”’）》」』】"
_CLAUSE = re.compile(r"[，；]")


@dataclass
class Directive:
    speaker: str  # "" when no speaker is named before it
    text: str  # the sentence without its "X强调，" lead-in
    clauses: list[str]
    paragraph: int  # 0-based index among the text's lines
    explicit: bool  # a marker opened it
    continues: int | None = None  # index (in the result) of the directive it carries on
    sentence: int = 0  # 0-based index of the sentence in its paragraph
    start: int = 0  # offsets of ``text`` in the input
    end: int = 0
    marker: str = ""
    units: list[str] = field(default_factory=list)  # suggested, by name
    categories: list[str] = field(default_factory=list)  # suggested ledger categories

    def as_dict(self) -> dict:
        return {
            "speaker": self.speaker,
            "text": self.text,
            "clauses": self.clauses,
            "paragraph": self.paragraph,
            "sentence": self.sentence,
            "explicit": self.explicit,
            "continues": self.continues,
            "marker": self.marker,
            "start": self.start,
            "end": self.end,
            "units": self.units,
            "categories": self.categories,
        }


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset in the whole input
    paragraph: int
    index: int  # within the paragraph


def sentences(text: str) -> list[Sentence]:
    """The sentences of each paragraph (line), with their offsets; headlines are left out."""
    out: list[Sentence] = []
    pos = 0
    for p, line in enumerate(text.split("\n")):
        line_start = pos
        pos += len(line) + 1
        if not any(ch in line for ch in _SENTENCE_END):
            continue  # a headline, a byline or an empty line
        depth = 0
        begin = 0
        index = 0
        for i, ch in enumerate(line):
            if ch in _OPEN_QUOTES:
                depth += 1
            elif ch in _CLOSE_QUOTES:
                depth = max(0, depth - 1)
            elif ch in _SENTENCE_END and depth == 0:
                end = i + 1
                while end < len(line) and line[end] in _CLOSE_QUOTES:
                    end += 1
                piece = line[begin:end]
                stripped = piece.strip()
                if stripped:
                    lead = len(piece) - len(piece.lstrip())
                    out.append(Sentence(stripped, line_start + begin + lead, p, index))
                    index += 1
                begin = end
        rest = line[begin:].strip()
        if rest:
            lead = len(line[begin:]) - len(line[begin:].lstrip())
            out.append(Sentence(rest, line_start + begin + lead, p, index))
    return out


def clauses(text: str) -> list[str]:
    """The clauses of a directive, at ，；, outside quotes and brackets; end punctuation dropped."""
    body = text.rstrip(_SENTENCE_END)
    parts: list[str] = []
    depth = 0
    begin = 0
    for i, ch in enumerate(body):
        if ch in _OPEN_QUOTES:
            depth += 1
        elif ch in _CLOSE_QUOTES:
            depth = max(0, depth - 1)
        elif ch in "，；" and depth == 0:
            parts.append(body[begin:i])
            begin = i + 1
    parts.append(body[begin:])
    return [p.strip() for p in parts if p.strip()]


def _marker(text: str) -> str:
    """The marker that opens ``text`` (at its start or after a short subject), or ""."""
    head = text.split("，", 1)[0]
    for offset in range(0, min(_SUBJECT_MAX, len(head)) + 1):
        if offset and head[offset - 1] in "的之":
            continue  # "…的要求": a noun phrase, not a subject
        for m in MARKERS:
            if head.startswith(m, offset):
                if m == "要" and head[offset + 1 : offset + 2] in tuple(_NOT_MUST):
                    continue
                if offset and m != "要" and m not in ("必须", "务必", "确保", "坚决", "切实"):
                    continue  # after a subject only the modal markers open a directive
                return m
    return ""


def _speaker_named(sentence: str) -> str:
    m = _SPEAKS.search(sentence)
    if m and m.group("name") not in _NOT_NAMES:
        return m.group("name")
    return ""


def extract_directives(
    text: str,
    *,
    unit_keywords: Mapping[str, Iterable[str]] | None = None,
    category_keywords: Mapping[str, str] | None = None,
) -> list[Directive]:
    """The directives of ``text``; units and categories are suggested from the keyword tables
    given (default: :data:`UNIT_KEYWORDS`, :data:`CATEGORY_KEYWORDS`)."""
    out: list[Directive] = []
    speaker = ""
    last_named = ""
    previous_paragraph = -1
    previous_was_directive = False
    for s in sentences(text):
        if s.paragraph != previous_paragraph:
            previous_paragraph = s.paragraph
            previous_was_directive = False
        body, start = s.text, s.start
        lead = _PRONOUN_LEAD_IN.match(body)
        if lead:
            speaker = last_named or speaker
        else:
            lead = _LEAD_IN.match(body)
            if lead and lead.group("name") not in _NOT_NAMES:
                speaker = last_named = lead.group("name")
            elif lead and lead.group("name") == "会议":
                speaker = "会议"  # "会议强调，…": the meeting's own decision
        if lead:
            body = body[lead.end() :]
            start += lead.end()
            previous_was_directive = False  # a new lead-in opens a new train of thought
        else:
            named = _speaker_named(body)
            if named:
                last_named = named
        marker = _marker(body)
        look_back = bool(_LOOK_BACK.search(body))
        if marker and not (look_back and marker == "要" and not body.startswith("要")):
            explicit = True
        elif previous_was_directive and not look_back and _TASK_VERBS.match(body):
            explicit = False
        else:
            previous_was_directive = False
            continue
        d = Directive(
            speaker=speaker,
            text=body,
            clauses=clauses(body),
            paragraph=s.paragraph,
            explicit=explicit,
            continues=None if explicit else len(out) - 1,
            sentence=s.index,
            start=start,
            end=start + len(body),
            marker=marker,
        )
        d.units = suggest_units(body, unit_keywords)
        d.categories = suggest_categories(body, category_keywords)
        out.append(d)
        previous_was_directive = True
    return out


# Keywords → responsible units (by the names the unit alias lookup knows) and categories.
# Configurable: callers may pass their own table (e.g. the office's, kept in the database).
UNIT_KEYWORDS: Mapping[str, Sequence[str]] = {
    "双碳": ("市发展改革委", "市生态环境局"),
    "碳达峰": ("市发展改革委", "市生态环境局"),
    "碳中和": ("市发展改革委", "市生态环境局"),
    "碳排放": ("市发展改革委", "市生态环境局"),
    "降碳": ("市发展改革委", "市生态环境局"),
    "两高": ("市发展改革委", "市生态环境局"),
    "高耗能高排放": ("市发展改革委", "市生态环境局"),
    "水": ("市生态环境局", "市水利局"),
    "碧水": ("市生态环境局", "市水利局"),
    "长江": ("市生态环境局", "市水利局"),
    "蓝天": ("市生态环境局",),
    "净土": ("市生态环境局", "市规划自然资源局"),
    "污染防治": ("市生态环境局",),
    "督察整改": ("市生态环境局",),
    "林": ("市林业局",),
    "国土绿化": ("市林业局",),
    "自然保护地": ("市林业局",),
    "垃圾分类": ("市城市管理局",),
    "交通": ("市交通运输委",),
    "建筑": ("市住房城乡建委",),
    "工业": ("市经济信息委",),
    "产业": ("市经济信息委",),
    "绿色金融": ("市金融监管局",),
    "立法": ("市司法局",),
    "财政": ("市财政局",),
    "执法": ("市生态环境局",),
    "生态文明教育": ("市教委",),
    "川渝": ("市生态环境局",),  # cross-boundary (跨界): with Sichuan's counterparts
}
CATEGORY_KEYWORDS: Mapping[str, str] = {
    "碳": "carbon",
    "两高": "carbon",
    "高耗能": "carbon",
    "水": "water",
    "碧水": "water",
    "长江": "water",
    "流域": "water",
    "蓝天": "air",
    "大气": "air",
    "空气": "air",
    "净土": "soil",
    "土壤": "soil",
    "垃圾": "solid_waste",
    "固废": "solid_waste",
    "噪声": "noise",
    "生态系统": "ecology",
    "生物多样性": "ecology",
    "国土绿化": "ecology",
    "自然保护地": "ecology",
    "生态屏障": "ecology",
    "辐射": "radiation",
}
# Single characters match only where they stand for the subject (水 in 水污染, not in 水平).
_SINGLE_CHAR_EXCEPT = {"水": ("水平", "水准", "山清水秀"), "林": ("园林",)}


def _contains(text: str, keyword: str) -> bool:
    if keyword not in text:
        return False
    excepted = _SINGLE_CHAR_EXCEPT.get(keyword)
    if not excepted:
        return True
    cleaned = text
    for word in excepted:
        cleaned = cleaned.replace(word, "")
    return keyword in cleaned


def suggest_units(text: str, table: Mapping[str, Iterable[str]] | None = None) -> list[str]:
    """Unit names suggested by ``table``'s keywords found in ``text``, first found first."""
    table = UNIT_KEYWORDS if table is None else table
    found = sorted(
        ((text.find(k), k) for k in table if _contains(text, k)), key=lambda pair: pair[0]
    )
    out: list[str] = []
    for _, keyword in found:
        for name in table[keyword]:
            if name not in out:
                out.append(name)
    return out


def suggest_categories(text: str, table: Mapping[str, str] | None = None) -> list[str]:
    table = CATEGORY_KEYWORDS if table is None else table
    out: list[str] = []
    for keyword, category in sorted(table.items(), key=lambda kv: text.find(kv[0])):
        if _contains(text, keyword) and category not in out:
            out.append(category)
    return out
