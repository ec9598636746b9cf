"""Bulletins (通报): the ledger's figures for a campaign and period, as a Word document laid out
like a Chinese government 通报 (GB/T 9704-2012 党政机关公文格式, as far as python-docx goes) and
an Excel annex with the same numbers.

Three steps, kept apart so each can be tested alone:

- ``collect(user, campaign=, period=)`` asks ``figures`` — the one module that computes the
  dashboard's and the bulletin's numbers — and keeps everything that will be printed in a
  plain ``BulletinData`` (no queries after this point);
- ``render_docx(data, template, number=, issued_on=)`` writes the .docx;
- ``render_annex_xlsx(data)`` writes the .xlsx annex.

The document's text is Chinese whatever the user's language: it is an official document, not
part of the interface. What the office may change without code (issuing body, number prefix,
title, addressees, opening and closing paragraphs, 抄送) lives in ``BulletinTemplate``; those
texts may use the placeholders in ``PLACEHOLDERS`` (docs/reports.md lists them).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields

from django.utils import timezone
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from shanshui.reports import figures
from shanshui.reports.docx_chart import add_bar_chart

# --- the data printed -------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """The overall counts, as defined by figures.Counts (see the figures module)."""

    total: int = 0
    completed: int = 0
    signed_off: int = 0
    in_progress: int = 0
    on_schedule: int = 0
    overdue: int = 0
    red: int = 0
    yellow: int = 0
    due: int = 0
    on_time: int = 0

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.total if self.total else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.due if self.due else None

    # For pages: the rates as printed, and the completion as a bar width.
    @property
    def completion_percent(self) -> str:
        return percent(self.completion_rate)

    @property
    def on_time_percent(self) -> str:
        return percent(self.on_time_rate)

    @property
    def completion_width(self) -> int:
        return round((self.completion_rate or 0) * 100)

    @classmethod
    def from_counts(cls, counts) -> Totals:
        return cls(**{f.name: int(getattr(counts, f.name)) for f in fields(cls)})


@dataclass(frozen=True)
class UnitRow:
    """One district's or department's line (ranked as figures.by_unit ranks them)."""

    name: str
    totals: Totals


@dataclass(frozen=True)
class TaskRow:
    """An overdue or red task with its units and responsible leaders."""

    code: str
    title: str
    lead_units: tuple[str, ...]
    responsible_units: tuple[str, ...]
    leaders: tuple[str, ...]
    deadline: dt.date | None
    warning: str  # "overdue" | "red"

    @property
    def units_text(self) -> str:
        lines = []
        if self.lead_units:
            lines.append("牵头：" + "、".join(self.lead_units))
        if self.responsible_units:
            lines.append("责任：" + "、".join(self.responsible_units))
        return "\n".join(lines) or "—"


@dataclass(frozen=True)
class SignedOffRow:
    code: str
    title: str
    units: tuple[str, ...]
    signed_off_on: dt.date | None


@dataclass(frozen=True)
class UrgeRow:
    number: str
    task_code: str
    task_title: str
    unit: str
    issued_on: dt.date
    response_due: dt.date
    replied_on: dt.date | None

    @property
    def replied(self) -> bool:
        return self.replied_on is not None


@dataclass(frozen=True)
class BulletinData:
    """Everything a bulletin prints. Built by ``collect``; stored as ``Bulletin.figures``."""

    campaign: str
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date
    totals: Totals
    districts: tuple[UnitRow, ...] = ()
    departments: tuple[UnitRow, ...] = ()
    overdue_and_red: tuple[TaskRow, ...] = ()
    signed_off: tuple[SignedOffRow, ...] = ()
    urges: tuple[UrgeRow, ...] = ()

    @property
    def urges_replied(self) -> int:
        return sum(1 for u in self.urges if u.replied)

    @property
    def urges_unreplied(self) -> int:
        return len(self.urges) - self.urges_replied

    @property
    def urges_late(self) -> int:
        """Urge notices still unanswered past their reply date (as of the bulletin's date)."""
        return sum(1 for u in self.urges if not u.replied and u.response_due < self.as_of)

    def placeholders(self) -> dict[str, str]:
        t = self.totals
        return {
            "campaign": self.campaign,
            "period_start": cn_date(self.period_start),
            "period_end": cn_date(self.period_end),
            "as_of": cn_date(self.as_of),
            "total": str(t.total),
            "completed": str(t.completed),
            "signed_off": str(t.signed_off),
            "in_progress": str(t.in_progress),
            "on_schedule": str(t.on_schedule),
            "overdue": str(t.overdue),
            "red": str(t.red),
            "yellow": str(t.yellow),
            "completion_rate": percent(t.completion_rate),
            "on_time_rate": percent(t.on_time_rate),
            "newly_signed_off": str(len(self.signed_off)),
            "urges": str(len(self.urges)),
        }

    def to_json(self) -> dict:
        """The numbers printed, JSON-ready (dates as ISO strings), for ``Bulletin.figures``."""

        def plain(value):
            if isinstance(value, dt.date):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return value

        out = plain(asdict(self))
        out["totals"]["completion_rate"] = self.totals.completion_rate
        out["totals"]["on_time_rate"] = self.totals.on_time_rate
        return out

    @classmethod
    def from_json(cls, data: dict) -> BulletinData:
        """The inverse of ``to_json``: a stored bulletin's figures, e.g. to show them again."""

        def day(value):
            return dt.date.fromisoformat(value) if value else None

        def totals(value):
            return Totals(**{f.name: int(value.get(f.name, 0)) for f in fields(Totals)})

        return cls(
            campaign=data["campaign"],
            period_start=day(data["period_start"]),
            period_end=day(data["period_end"]),
            as_of=day(data["as_of"]),
            totals=totals(data["totals"]),
            districts=tuple(
                UnitRow(r["name"], totals(r["totals"])) for r in data.get("districts", [])
            ),
            departments=tuple(
                UnitRow(r["name"], totals(r["totals"])) for r in data.get("departments", [])
            ),
            overdue_and_red=tuple(
                TaskRow(
                    code=r["code"],
                    title=r["title"],
                    lead_units=tuple(r["lead_units"]),
                    responsible_units=tuple(r["responsible_units"]),
                    leaders=tuple(r["leaders"]),
                    deadline=day(r["deadline"]),
                    warning=r["warning"],
                )
                for r in data.get("overdue_and_red", [])
            ),
            signed_off=tuple(
                SignedOffRow(r["code"], r["title"], tuple(r["units"]), day(r["signed_off_on"]))
                for r in data.get("signed_off", [])
            ),
            urges=tuple(
                UrgeRow(
                    number=r["number"],
                    task_code=r["task_code"],
                    task_title=r["task_title"],
                    unit=r["unit"],
                    issued_on=day(r["issued_on"]),
                    response_due=day(r["response_due"]),
                    replied_on=day(r["replied_on"]),
                )
                for r in data.get("urges", [])
            ),
        )


PLACEHOLDERS = (
    "campaign",
    "period_start",
    "period_end",
    "as_of",
    "total",
    "completed",
    "signed_off",
    "in_progress",
    "on_schedule",
    "overdue",
    "red",
    "yellow",
    "completion_rate",
    "on_time_rate",
    "newly_signed_off",
    "urges",
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(text: str, values: dict[str, str]) -> str:
    """Replace {name} with its value; unknown names and stray braces are left as written, so a
    template typo shows in the document instead of failing the issue."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text or "")


def unknown_placeholders(text: str) -> list[str]:
    return sorted({m for m in _PLACEHOLDER.findall(text or "") if m not in PLACEHOLDERS})


def cn_date(day: dt.date | None) -> str:
    """2026年11月29日 (no leading zeros, as GB/T 9704 writes dates)."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


# --- collecting the figures -------------------------------------------------------------------


def _names(rows: Iterable, roles: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tu.unit.display_name for tu in rows if tu.role in roles))


def _leaders(rows: Iterable) -> tuple[str, ...]:
    out = []
    for tu in rows:
        if tu.role in ("lead", "responsible", "implementing") and tu.leader_name:
            out.append(
                f"{tu.leader_name}（{tu.leader_post}）" if tu.leader_post else tu.leader_name
            )
    return tuple(dict.fromkeys(out))


def collect(user, *, campaign, period) -> BulletinData:
    """Everything the bulletin prints, from ``figures`` and the user's scope.

    ``period`` is a figures.Period (inclusive local dates). The overall counts, the unit tables
    and the overdue list are the ledger's state now; the period bounds the newly signed-off
    tasks and the urge notices issued.
    """
    counts = figures.counts(user, campaign=campaign)
    districts = figures.by_unit(user, campaign=campaign, group="district")
    departments = figures.by_unit(user, campaign=campaign, group="department")

    # Both lists come with their units prefetched (figures.overdue_and_red, newly_signed_off).
    overdue_rows = tuple(
        TaskRow(
            code=t.code,
            title=t.title,
            lead_units=_names(t.task_units.all(), ("lead",)),
            responsible_units=_names(t.task_units.all(), ("responsible", "implementing")),
            leaders=_leaders(t.task_units.all()),
            deadline=t.deadline,
            warning=t.warning,
        )
        for t in figures.overdue_and_red(user, campaign=campaign)
    )
    signed_rows = tuple(
        SignedOffRow(
            code=t.code,
            title=t.title,
            units=_names(t.task_units.all(), ("responsible", "implementing"))
            or _names(t.task_units.all(), ("lead",)),
            signed_off_on=timezone.localdate(t.signed_off_at) if t.signed_off_at else None,
        )
        for t in figures.newly_signed_off(user, campaign=campaign, period=period)
    )
    urges = figures.urges_issued(user, campaign=campaign, period=period)
    urge_rows = tuple(
        UrgeRow(
            number=u.number,
            task_code=u.task.code,
            task_title=u.task.title,
            unit=u.to_unit.display_name,
            issued_on=timezone.localdate(u.issued_at),
            response_due=u.response_due,
            replied_on=timezone.localdate(u.responded_at) if u.responded_at else None,
        )
        for u in urges
    )
    return BulletinData(
        campaign=campaign.name,
        period_start=period.start,
        period_end=period.end,
        as_of=timezone.localdate(),
        totals=Totals.from_counts(counts),
        districts=tuple(
            UnitRow(uc.unit.display_name, Totals.from_counts(uc.counts)) for uc in districts
        ),
        departments=tuple(
            UnitRow(uc.unit.display_name, Totals.from_counts(uc.counts)) for uc in departments
        ),
        overdue_and_red=overdue_rows,
        signed_off=signed_rows,
        urges=urge_rows,
    )


# --- the Word document ------------------------------------------------------------------------

# Font names as Chinese Word installations know them; each has an alternative in the font table
# (w:altName) that Word uses when the first is missing. LibreOffice substitutes through
# fontconfig (a CJK font such as WenQuanYi or Noto CJK must be installed for the PDF).
XIAOBIAOSONG = "方正小标宋简体"
SONG = "宋体"
FANGSONG = "仿宋"
HEI = "黑体"
KAI = "楷体"
LATIN = "Times New Roman"
FONT_TABLE = {
    # name: (alternative name, panose, family, pitch)
    XIAOBIAOSONG: (SONG, "02000000000000000000", "script", "fixed"),
    SONG: ("SimSun", "02010600030101010101", "auto", "variable"),
    FANGSONG: ("FangSong", "02010609060101010101", "modern", "fixed"),
    HEI: ("SimHei", "02010609060101010101", "modern", "fixed"),
    KAI: ("KaiTi", "02010609060101010101", "modern", "fixed"),
}

RED = RGBColor(0xFF, 0x00, 0x00)
# Sizes of Chinese type (号) in points.
ERHAO, SANHAO, SIHAO, XIAOSI, WUHAO = 22, 16, 14, 12, 10.5
# GB/T 9704: A4, 版心 156 mm × 225 mm, 22 lines of 28 characters in 3号.
PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
TEXT_WIDTH_PT = (210 - 28 - 26) / 25.4 * 72
LINE = Pt(28.95)  # 225 mm / 22 lines
CHAR = Pt(SANHAO)  # one character of body text, for indents ("左空二字")

EMPTY_DISTRICTS = "无区县承担的整改任务。"
EMPTY_DEPARTMENTS = "无市级部门牵头或负责的整改任务。"
EMPTY_OVERDUE = "无超期和红色预警任务。"
EMPTY_SIGNED_OFF = "本期无销号任务。"
EMPTY_URGES = "本期无督办事项。"
WARNING_LABELS = {"overdue": "超期", "red": "红色", "yellow": "黄色", "green": "绿色"}

DEFAULT_OPENING = (
    "{period_start}至{period_end}，各区县（自治县）和市级有关部门认真落实生态环境保护督察整改"
    "责任，扎实推进{campaign}整改工作。为进一步传导压力、压实责任，现将整改工作进展情况通报如下。"
)
DEFAULT_CLOSING = (
    "（一）压紧压实整改责任。各区县（自治县）和市级有关部门要切实扛起生态环境保护政治责任，"
    "主要负责同志要亲自研究、亲自部署、亲自督办，确保整改任务按时保质完成。\n"
    "（二）加快推进超期任务整改。对本通报所列超期和红色预警任务，责任单位要逐项分析原因、"
    "制定措施、明确时限，于通报印发之日起10个工作日内将整改情况报市督察整改办。\n"
    "（三）严格规范验收销号。坚持“谁验收、谁负责”，严格按照销号标准开展验收，"
    "坚决防止虚假整改、敷衍整改、表面整改。\n"
    "（四）强化督办问责。市督察整改办将持续跟踪调度整改进展，对整改不力、进度滞后的单位和个人，"
    "依规依纪依法严肃追责问责。"
)
_SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）[^。]*。?")


def _insert_before(parent, child, *successors: str) -> None:
    """Insert ``child`` where the schema wants it: before the first of ``successors`` present
    (Word refuses elements out of their schema order; LibreOffice is more forgiving)."""
    for tag in successors:
        found = parent.find(qn(tag))
        if found is not None:
            found.addprevious(child)
            return
    parent.append(child)


def _set_fonts(rpr, east_asia: str, latin: str = LATIN) -> None:
    """Explicit fonts on an rPr: theme fonts removed (they would win), the CJK face in
    w:eastAsia, and hint="eastAsia" so shared punctuation uses the CJK face too."""
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:hint"), "eastAsia")


def _font_table(document) -> None:
    """Declare the CJK fonts with their alternatives and the GB2312 charset (86), so Word
    substitutes a Chinese face of the right kind when a font is missing."""
    from lxml import etree

    part = next(
        p for p in document.part.package.iter_parts() if p.partname.endswith("/fontTable.xml")
    )
    root = etree.fromstring(part.blob)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    for name, (alt, panose, family, pitch) in FONT_TABLE.items():
        font = etree.SubElement(root, f"{{{w}}}font")
        font.set(f"{{{w}}}name", name)
        for tag, value in (
            ("altName", alt),
            ("panose1", panose),
            ("charset", "86"),
            ("family", family),
            ("pitch", pitch),
        ):
            etree.SubElement(font, f"{{{w}}}{tag}").set(f"{{{w}}}val", value)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _add_style(document, name: str, *, font: str, size: float, base=None, **pf):
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = base or document.styles["Normal"]
    style.quick_style = True
    style.font.size = Pt(size)
    _set_fonts(style.element.get_or_add_rPr(), font)
    fmt = style.paragraph_format
    for key, value in pf.items():
        setattr(fmt, key, value)
    return style


def _outline(style, level: int) -> None:
    """Outline level, so Word's navigation pane lists the headings."""
    ppr = style.element.get_or_add_pPr()
    el = OxmlElement("w:outlineLvl")
    el.set(qn("w:val"), str(level))
    _insert_before(ppr, el, "w:divId", "w:cnfStyle", "w:rPr")


def _setup(document) -> None:
    styles = document.styles
    # Document defaults: 3号仿宋, Chinese language, no spacing between paragraphs.
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, FANGSONG)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
    normal = styles["Normal"]
    normal.font.size = Pt(SANHAO)
    _set_fonts(normal.element.get_or_add_rPr(), FANGSONG)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    normal.paragraph_format.widow_control = True

    exact = {"line_spacing_rule": WD_LINE_SPACING.EXACTLY, "line_spacing": LINE}
    body = _add_style(
        document,
        "GW Body",
        font=FANGSONG,
        size=SANHAO,
        first_line_indent=CHAR * 2,
        alignment=WD_ALIGN_PARAGRAPH.JUSTIFY,
        **exact,
    )
    _outline(
        _add_style(document, "GW Heading 1", font=HEI, size=SANHAO, base=body, keep_with_next=True),
        0,
    )
    _outline(
        _add_style(document, "GW Heading 2", font=KAI, size=SANHAO, base=body, keep_with_next=True),
        1,
    )
    _add_style(
        document,
        "GW Plain",
        font=FANGSONG,
        size=SANHAO,
        first_line_indent=Pt(0),
        alignment=WD_ALIGN_PARAGRAPH.LEFT,
        **exact,
    )
    _add_style(
        document,
        "GW Title",
        font=XIAOBIAOSONG,
        size=ERHAO,
        alignment=WD_ALIGN_PARAGRAPH.CENTER,
        line_spacing_rule=WD_LINE_SPACING.EXACTLY,
        line_spacing=Pt(36),
    )
    _add_style(
        document,
        "GW Caption",
        font=HEI,
        size=XIAOSI,
        alignment=WD_ALIGN_PARAGRAPH.CENTER,
        keep_with_next=True,
        space_before=Pt(6),
        space_after=Pt(3),
    )
    table_text = _add_style(
        document, "GW Table", font=FANGSONG, size=WUHAO, alignment=WD_ALIGN_PARAGRAPH.CENTER
    )
    _add_style(document, "GW Table Head", font=HEI, size=WUHAO, base=table_text)
    _add_style(
        document, "GW Table Left", font=FANGSONG, size=WUHAO, base=table_text
    ).paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT

    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_W, PAGE_H
    for side, value in MARGINS.items():
        setattr(section, f"{side}_margin", value)
    section.header_distance = Mm(15)
    # The page number's dash sits 7 mm below the text area (GB/T 9704 §7.5).
    section.footer_distance = Mm(22)
    _font_table(document)


def _field(paragraph, instruction: str, placeholder: str) -> None:
    def run_with(el):
        paragraph.add_run()._r.append(el)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    paragraph.add_run(placeholder)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _page_numbers(document) -> None:
    """— 1 — in 4号宋体: odd pages on the right, even pages on the left, one character in."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.style = document.styles["Normal"]
        p.alignment = align
        fmt = p.paragraph_format
        fmt.first_line_indent = Pt(0)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            fmt.right_indent = Pt(SIHAO)
        else:
            fmt.left_indent = Pt(SIHAO)
        p.add_run("— ")
        _field(p, "PAGE", "1")
        p.add_run(" —")
        for run in p.runs:
            run.font.size = Pt(SIHAO)
            _set_fonts(run._r.get_or_add_rPr(), SONG, latin=SONG)


def _red_header(document, issuer: str) -> None:
    """版头: the issuing body in red 小标宋, 35 mm below the top of the text area, kept on one
    line by narrowing the characters (as printed 红头 do) rather than shrinking them."""
    p = document.add_paragraph(style="GW Title")
    fmt = p.paragraph_format
    fmt.space_before = Mm(35)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    size = 36.0  # 小初
    scale = 100
    n = max(1, len(issuer))
    if n * size > TEXT_WIDTH_PT:
        scale = max(60, int(TEXT_WIDTH_PT / (n * size) * 100))
        size = min(size, TEXT_WIDTH_PT / (n * scale / 100))
    run = p.add_run(issuer)
    run.font.size = Pt(round(size * 2) / 2)
    run.font.color.rgb = RED
    if scale < 100:
        w = OxmlElement("w:w")
        w.set(qn("w:val"), str(scale))
        _insert_before(run._r.get_or_add_rPr(), w, "w:kern", "w:position", "w:sz", "w:szCs")


def _number_line(document, number: str) -> None:
    """发文字号 centred two lines below the header; the red rule 4 mm under it, text-wide."""
    p = document.add_paragraph(number, style="GW Plain")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = LINE * 2
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "12"), ("space", "11"), ("color", "FF0000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    # pBdr must come before spacing/ind/jc in pPr.
    anchor = ppr.find(qn("w:spacing"))
    if anchor is None:
        anchor = ppr.find(qn("w:jc"))
    if anchor is not None:
        anchor.addprevious(borders)
    else:
        ppr.append(borders)


def _cell_margins(table, side) -> None:
    """Narrow left and right cell margins: dates and numbers stay on one line."""
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(round(side.pt * 20)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    _insert_before(table._tbl.tblPr, margins, "w:tblLook", "w:tblCaption", "w:tblDescription")


class _Writer:
    """The body of the bulletin, section by section."""

    def __init__(self, document, data: BulletinData):
        self.doc = document
        self.data = data
        self.tables = 0
        self.figures = 0

    def heading(self, text: str, level: int = 1):
        return self.doc.add_paragraph(text, style=f"GW Heading {level}")

    def para(self, text: str):
        return self.doc.add_paragraph(text, style="GW Body")

    def rich(self, text: str):
        """A closing paragraph: a leading （一）… sentence in 楷体, the rest in 仿宋."""
        match = _SUBHEADING.match(text)
        p = self.doc.add_paragraph(style="GW Body")
        if match:
            run = p.add_run(match.group(0))
            _set_fonts(run._r.get_or_add_rPr(), KAI)
            text = text[match.end() :]
        if text:
            p.add_run(text)
        return p

    def caption(self, text: str):
        return self.doc.add_paragraph(text, style="GW Caption")

    def table(
        self,
        title: str,
        header: Sequence[str],
        rows: Iterable[Sequence[str]],
        widths_mm: Sequence[float],
        left: Sequence[int] = (),
        fills: Sequence[str | None] | None = None,
    ):
        self.tables += 1
        self.caption(f"表{self.tables}　{title}")
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for column, width in zip(table.columns, widths_mm, strict=True):
            column.width = Mm(width)  # the grid, which LibreOffice follows
        _cell_margins(table, Mm(1))
        head = table.rows[0]
        # The header row repeats on every page the table runs over.
        tr_pr = head._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)
        for cell, text, width in zip(head.cells, header, widths_mm, strict=True):
            self._cell(cell, text, width, "GW Table Head")
        for i, values in enumerate(rows):
            row = table.add_row()
            # A row is never split across pages (a task's line stays whole).
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
            cells = row.cells
            for j, (cell, text, width) in enumerate(zip(cells, values, widths_mm, strict=True)):
                self._cell(cell, text, width, "GW Table Left" if j in left else "GW Table")
            if fills and fills[i]:
                self._shade(cells[-1], fills[i])
        return table

    def _cell(self, cell, text: str, width_mm: float, style: str) -> None:
        cell.width = Mm(width_mm)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = cell.paragraphs[0]
        p.style = self.doc.styles[style]
        p.add_run(str(text))

    @staticmethod
    def _shade(cell, colour: str) -> None:
        tc_pr = cell._tc.get_or_add_tcPr()
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), colour)
        _insert_before(tc_pr, shd, "w:noWrap", "w:tcMar", "w:textDirection", "w:vAlign")


def _unit_rows(rows: Sequence[UnitRow]) -> list[list[str]]:
    return [
        [
            str(i),
            r.name,
            str(r.totals.total),
            str(r.totals.completed),
            str(r.totals.signed_off),
            str(r.totals.overdue),
            percent(r.totals.on_time_rate),
        ]
        for i, r in enumerate(rows, 1)
    ]


UNIT_WIDTHS = (12, 44, 20, 20, 20, 18, 22)


def _overview(w: _Writer) -> None:
    d, t = w.data, w.data.totals
    w.heading("一、总体情况")
    if not t.total:
        w.para(f"截至{cn_date(d.as_of)}，{d.campaign}暂无整改任务。")
        return
    text = (
        f"截至{cn_date(d.as_of)}，{d.campaign}共有整改任务{t.total}项，"
        f"已完成整改{t.completed}项（其中已销号{t.signed_off}项），"
        f"完成率{percent(t.completion_rate)}；正在整改{t.in_progress}项，"
        f"其中序时推进{t.on_schedule}项、超期{t.overdue}项。"
    )
    if t.due:
        text += (
            f"已到整改时限的{t.due}项任务中，按时完成{t.on_time}项，"
            f"按时完成率{percent(t.on_time_rate)}。"
        )
    else:
        text += "尚无到期任务。"
    text += f"当前红色预警{t.red}项、黄色预警{t.yellow}项。"
    w.para(text)
    w.table(
        "整改任务总体情况",
        [
            "任务总数",
            "已完成",
            "其中已销号",
            "正在整改",
            "其中序时推进",
            "其中超期",
            "完成率",
            "按时完成率",
        ],
        [
            [
                str(t.total),
                str(t.completed),
                str(t.signed_off),
                str(t.in_progress),
                str(t.on_schedule),
                str(t.overdue),
                percent(t.completion_rate),
                percent(t.on_time_rate),
            ]
        ],
        (18, 18, 20, 20, 20, 18, 20, 22),
    )


def _with_overdue(rows: Sequence[UnitRow]) -> str:
    named = [f"{r.name}（{r.totals.overdue}项）" for r in rows if r.totals.overdue]
    return "、".join(named)


def _units(w: _Writer) -> None:
    d = w.data
    w.heading("二、各区县和市级部门进展")
    w.heading("（一）各区县", 2)
    if d.districts:
        text = f"{len(d.districts)}个区县承担整改任务，按按时完成率从高到低排列如下。"
        late = _with_overdue(d.districts)
        if late:
            text += f"有超期任务的区县：{late}。"
        w.para(text)
        w.table(
            "各区县整改任务进展情况",
            ["序号", "区县", "任务总数", "已完成", "已销号", "超期", "按时完成率"],
            _unit_rows(d.districts),
            UNIT_WIDTHS,
        )
        _chart(w, "各区县整改任务完成情况", d.districts)
    else:
        w.para(EMPTY_DISTRICTS)
    w.heading("（二）市级部门", 2)
    if d.departments:
        text = f"{len(d.departments)}个市级部门牵头或负责整改任务，按按时完成率从高到低排列如下。"
        late = _with_overdue(d.departments)
        if late:
            text += f"有超期任务的部门：{late}。"
        w.para(text)
        w.table(
            "市级部门整改任务进展情况",
            ["序号", "市级部门", "任务总数", "已完成", "已销号", "超期", "按时完成率"],
            _unit_rows(d.departments),
            UNIT_WIDTHS,
        )
        if not d.districts:
            _chart(w, "市级部门整改任务完成情况", d.departments)
    else:
        w.para(EMPTY_DEPARTMENTS)


def _chart(w: _Writer, title: str, rows: Sequence[UnitRow]) -> None:
    """Completed and still open items per unit, stacked: each bar is the unit's total."""
    w.figures += 1
    p = w.doc.add_paragraph(style="GW Plain")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    p.paragraph_format.keep_with_next = True
    add_bar_chart(
        w.doc,
        title=title,
        categories=[r.name for r in rows],
        series=[
            ("已完成", [r.totals.completed for r in rows]),
            ("整改中", [r.totals.in_progress for r in rows]),
        ],
        width_cm=15.6,
        height_cm=8.5 if len(rows) > 8 else 7,
        paragraph=p,
        stacked=True,
    )
    caption = w.doc.add_paragraph(f"图{w.figures}　{title}", style="GW Caption")
    caption.paragraph_format.keep_with_next = False


OVERDUE_FILL = "E06666"
RED_FILL = "F4CCCC"


def _overdue(w: _Writer) -> None:
    d = w.data
    w.heading("三、超期和红色预警任务")
    if not d.overdue_and_red:
        w.para(EMPTY_OVERDUE)
        return
    n_overdue = sum(1 for r in d.overdue_and_red if r.warning == "overdue")
    n_red = len(d.overdue_and_red) - n_overdue
    w.para(
        f"截至{cn_date(d.as_of)}，超期任务{n_overdue}项、红色预警任务{n_red}项。"
        "请有关单位和责任领导高度重视，逐项推动整改。"
    )
    w.table(
        "超期和红色预警任务",
        ["编号", "任务", "牵头单位/责任单位", "责任领导", "整改时限", "预警"],
        [
            [
                r.code,
                r.title,
                r.units_text,
                "\n".join(r.leaders) or "—",
                cn_date(r.deadline) or "长期坚持",
                WARNING_LABELS.get(r.warning, r.warning),
            ]
            for r in d.overdue_and_red
        ],
        (18, 34, 32, 26, 34, 12),
        left=(1, 2, 3),
        fills=[OVERDUE_FILL if r.warning == "overdue" else RED_FILL for r in d.overdue_and_red],
    )


def _signed_off(w: _Writer) -> None:
    d = w.data
    w.heading("四、本期销号任务")
    if not d.signed_off:
        w.para(EMPTY_SIGNED_OFF)
        return
    w.para(
        f"{cn_date(d.period_start)}至{cn_date(d.period_end)}，"
        f"共有{len(d.signed_off)}项整改任务通过验收并销号。"
    )
    w.table(
        "本期销号任务",
        ["编号", "任务", "责任单位", "销号日期"],
        [
            [r.code, r.title, "、".join(r.units) or "—", cn_date(r.signed_off_on)]
            for r in d.signed_off
        ],
        (26, 56, 40, 34),
        left=(1, 2),
    )


def _urges(w: _Writer) -> None:
    d = w.data
    w.heading("五、本期督办情况")
    if not d.urges:
        w.para(EMPTY_URGES)
        return
    replied = d.urges_replied
    text = (
        f"{cn_date(d.period_start)}至{cn_date(d.period_end)}，共印发督办单{len(d.urges)}份，"
        f"已回复{replied}份，未回复{len(d.urges) - replied}份"
    )
    text += f"（其中超过回复时限{d.urges_late}份）。" if d.urges_late else "。"
    w.para(text)
    w.table(
        "本期督办情况",
        ["督办单编号", "任务编号", "督办对象", "印发日期", "回复时限", "是否回复"],
        [
            [
                u.number,
                u.task_code,
                u.unit,
                cn_date(u.issued_on),
                cn_date(u.response_due),
                "已回复" if u.replied else "未回复",
            ]
            for u in d.urges
        ],
        (32, 18, 20, 34, 34, 18),
    )


def _closing(w: _Writer, closing: str, values: dict[str, str]) -> None:
    w.heading("六、下一步工作要求")
    for line in fill(closing or DEFAULT_CLOSING, values).splitlines():
        if line.strip():
            w.rich(line.strip())


def _text_width(text: str, size: float = SANHAO) -> float:
    """Rough printed width in points: CJK characters one em, digits and Latin half."""
    return sum(size if ord(ch) > 0x2E80 else size / 2 for ch in text)


def _signature(document, issuer: str, issued_on: dt.date) -> None:
    """落款 without a seal (GB/T 9704 §7.3.5.3): the issuing body two characters in from the
    right, one blank line below the text; the date on the next line, starting two characters
    to the right of the body's first character (or kept two characters in from the right)."""
    document.add_paragraph(style="GW Plain")
    date_text = cn_date(issued_on)
    issuer_w, date_w, two = _text_width(issuer), _text_width(date_text), 2 * SANHAO
    name = document.add_paragraph(issuer, style="GW Plain")
    date = document.add_paragraph(date_text, style="GW Plain")
    if issuer_w >= date_w + two:
        name.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        name.paragraph_format.right_indent = Pt(two)
        date.paragraph_format.left_indent = Pt(max(0.0, TEXT_WIDTH_PT - issuer_w))
    else:
        date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        date.paragraph_format.right_indent = Pt(two)
        name.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        name.paragraph_format.right_indent = Pt(2 * two + date_w - issuer_w)
    name.paragraph_format.keep_with_next = True


def _border(el, edge: str, size: int) -> None:
    b = OxmlElement(f"w:{edge}")
    for key, value in (
        ("val", "single" if size else "nil"),
        ("sz", str(size)),
        ("color", "000000"),
    ):
        b.set(qn(f"w:{key}"), value)
    b.set(qn("w:space"), "0")
    el.append(b)


def _imprint(document, issuer: str, copy_to: str, issued_on: dt.date) -> None:
    """版记: 抄送 (when set) and the 印发 line between rules — thick first and last rules,
    thin between (GB/T 9704 §8) — in 4号仿宋, one character in from either side."""
    document.add_paragraph(style="GW Plain")
    copy_to = copy_to.strip().rstrip("。.；;，,")
    table = document.add_table(rows=2 if copy_to else 1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = (90, 66)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)
    borders = OxmlElement("w:tblBorders")
    _border(borders, "top", 8)  # 0.35 mm
    _border(borders, "left", 0)
    _border(borders, "bottom", 8)
    _border(borders, "right", 0)
    _border(borders, "insideH", 4)  # 0.25 mm (the nearest width Word offers)
    _border(borders, "insideV", 0)
    _insert_before(table._tbl.tblPr, borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")

    def write(cell, text: str, align, *, hanging: bool = False, indent: bool = True) -> None:
        p = cell.paragraphs[0]
        p.style = document.styles["GW Plain"]
        p.alignment = align
        fmt = p.paragraph_format
        fmt.keep_with_next = True
        fmt.left_indent = Pt(SIHAO if indent else 0)
        fmt.right_indent = Pt(SIHAO)
        if hanging:
            # Continuation lines align with the first name after "抄送：".
            fmt.left_indent = Pt(SIHAO * 4)
            fmt.first_line_indent = Pt(-SIHAO * 3)
        p.add_run(text).font.size = Pt(SIHAO)

    rows = list(table.rows)
    if copy_to:
        merged = rows[0].cells[0].merge(rows[0].cells[1])
        write(merged, f"抄送：{copy_to}。", WD_ALIGN_PARAGRAPH.LEFT, hanging=True)
    last = rows[-1].cells
    last[0].width, last[1].width = Mm(widths[0]), Mm(widths[1])
    write(last[0], issuer, WD_ALIGN_PARAGRAPH.LEFT)
    write(last[1], f"{cn_date(issued_on)}印发", WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    for cell in last:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM


def render_docx(data: BulletinData, template, *, number: str, issued_on: dt.date) -> bytes:
    """The bulletin as a .docx: 版头, 主体 in six numbered parts with tables and a native chart,
    落款 and 版记. ``template`` is a BulletinTemplate (saved or not)."""
    values = data.placeholders()
    document = Document()
    _setup(document)
    _page_numbers(document)
    core = document.core_properties
    title = fill(template.title, values)
    core.title = title
    core.author = template.issuer
    core.subject = number
    core.language = "zh-CN"

    _red_header(document, template.issuer)
    _number_line(document, number)
    t = document.add_paragraph(title, style="GW Title")
    t.paragraph_format.space_before = LINE * 2
    t.paragraph_format.space_after = LINE
    if template.addressees.strip():
        document.add_paragraph(fill(template.addressees.strip(), values), style="GW Plain")

    w = _Writer(document, data)
    for line in fill(template.opening or DEFAULT_OPENING, values).splitlines():
        if line.strip():
            w.para(line.strip())
    _overview(w)
    _units(w)
    _overdue(w)
    _signed_off(w)
    _urges(w)
    _closing(w, template.closing, values)

    document.add_paragraph(style="GW Plain")
    annex = document.add_paragraph(f"附件：{data.campaign}整改工作进展情况统计表", style="GW Body")
    annex.paragraph_format.left_indent = CHAR * 5
    annex.paragraph_format.first_line_indent = -CHAR * 3
    _signature(document, template.issuer, issued_on)
    _imprint(document, template.issuer, template.copy_to or "", issued_on)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- the Excel annex --------------------------------------------------------------------------

XLSX_OVERDUE_FILL = "FFC7CE"  # Excel's own "bad" red, light enough to print
XLSX_RED_FILL = "FFEB9C"


def render_annex_xlsx(data: BulletinData) -> bytes:
    """The annex: one sheet per part of the bulletin, same numbers, ready to filter and sort."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    head_font = Font(name="黑体", bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="center")
    date_format = "yyyy-mm-dd"

    def sheet(title: str, header: Sequence[str], widths: Sequence[int], rows, formats=None):
        ws = wb.active if wb.active.title == "Sheet" else wb.create_sheet()
        ws.title = title
        ws.append(list(header))
        for cell in ws[1]:
            cell.font = head_font
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        for i, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        for values in rows:
            ws.append(list(values))
            for j, cell in enumerate(ws[ws.max_row]):
                cell.alignment = wrap
                fmt = (formats or {}).get(j)
                if fmt:
                    cell.number_format = fmt
        if ws.max_row > 1:
            ws.auto_filter.ref = ws.dimensions
        return ws

    t = data.totals
    sheet(
        "总体情况",
        ["指标", "数值"],
        (16, 40),
        [
            ("督察批次", data.campaign),
            ("统计期间起", data.period_start),
            ("统计期间止", data.period_end),
            ("统计截至", data.as_of),
            ("任务总数", t.total),
            ("已完成", t.completed),
            ("其中已销号", t.signed_off),
            ("正在整改", t.in_progress),
            ("其中序时推进", t.on_schedule),
            ("其中超期", t.overdue),
            ("红色预警", t.red),
            ("黄色预警", t.yellow),
            ("已到期任务", t.due),
            ("按时完成", t.on_time),
            ("完成率", t.completion_rate),
            ("按时完成率", t.on_time_rate),
            ("本期销号", len(data.signed_off)),
            ("本期印发督办单", len(data.urges)),
        ],
    )
    ws = wb["总体情况"]
    for row in ws.iter_rows(min_row=2):
        label, value = row[0].value, row[1]
        if isinstance(value.value, dt.date):
            value.number_format = date_format
        elif label in ("完成率", "按时完成率"):
            value.number_format = "0.0%"
        value.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)

    unit_header = ["序号", "{}", "任务总数", "已完成", "已销号", "正在整改", "序时推进", "超期",
                   "红色预警", "已到期", "按时完成", "按时完成率"]  # fmt: skip

    def unit_rows(rows):
        for i, r in enumerate(rows, 1):
            u = r.totals
            yield (i, r.name, u.total, u.completed, u.signed_off, u.in_progress, u.on_schedule,
                   u.overdue, u.red, u.due, u.on_time, u.on_time_rate)  # fmt: skip

    widths = (6, 22, 10, 10, 10, 10, 10, 8, 10, 8, 10, 12)
    sheet("区县进展", [h.format("区县") for h in unit_header], widths,
          unit_rows(data.districts), {11: "0.0%"})  # fmt: skip
    sheet("部门进展", [h.format("市级部门") for h in unit_header], widths,
          unit_rows(data.departments), {11: "0.0%"})  # fmt: skip

    ws = sheet(
        "超期和红色预警任务",
        ["编号", "任务", "牵头单位", "责任单位", "责任领导", "整改时限", "预警"],
        (14, 40, 22, 26, 24, 13, 8),
        [
            (
                r.code,
                r.title,
                "、".join(r.lead_units),
                "、".join(r.responsible_units),
                "、".join(r.leaders),
                r.deadline,
                WARNING_LABELS.get(r.warning, r.warning),
            )
            for r in data.overdue_and_red
        ],
        {5: date_format},
    )
    for r, row in zip(data.overdue_and_red, ws.iter_rows(min_row=2), strict=True):
        colour = XLSX_OVERDUE_FILL if r.warning == "overdue" else XLSX_RED_FILL
        row[6].fill = PatternFill("solid", fgColor=colour)
        if r.warning == "overdue":
            row[6].font = Font(color="9C0006", bold=True)

    sheet(
        "本期销号任务",
        ["编号", "任务", "责任单位", "销号日期"],
        (14, 44, 26, 13),
        [(r.code, r.title, "、".join(r.units), r.signed_off_on) for r in data.signed_off],
        {3: date_format},
    )
    ws = sheet(
        "督办情况",
        [
            "督办单编号",
            "任务编号",
            "任务",
            "督办对象",
            "印发日期",
            "回复时限",
            "是否回复",
            "回复日期",
        ],
        (22, 14, 36, 20, 13, 13, 10, 13),
        [
            (
                u.number,
                u.task_code,
                u.task_title,
                u.unit,
                u.issued_on,
                u.response_due,
                "已回复" if u.replied else "未回复",
                u.replied_on,
            )
            for u in data.urges
        ],
        {4: date_format, 5: date_format, 7: date_format},
    )
    for u, row in zip(data.urges, ws.iter_rows(min_row=2), strict=True):
        if not u.replied and u.response_due < data.as_of:
            row[6].fill = PatternFill("solid", fgColor=XLSX_OVERDUE_FILL)

    wb.properties.title = f"{data.campaign}整改工作进展情况统计表"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


__all__ = [
    "DEFAULT_CLOSING",
    "DEFAULT_OPENING",
    "PLACEHOLDERS",
    "BulletinData",
    "SignedOffRow",
    "TaskRow",
    "Totals",
    "UnitRow",
    "UrgeRow",
    "cn_date",
    "collect",
    "fill",
    "percent",
    "render_annex_xlsx",
    "render_docx",
    "unknown_placeholders",
]
