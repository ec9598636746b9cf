"""The bulletin's 主体 (main text) in six numbered parts: overall figures, districts and
departments (with a native chart), overdue and red tasks, tasks signed off, urge notices, and
the next steps. Each part prints a sentence instead of an empty table when it has no rows.

The paragraph and table styles named here (GW Body, GW Heading 1 …) come with the shipped
``styles.docx`` (see ``word``); this module only chooses them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from shanshui.reports.bulletin.data import (
    DEFAULT_CLOSING,
    WARNING_LABELS,
    BulletinData,
    UnitRow,
    cn_date,
    fill,
    percent,
)
from shanshui.reports.docx_chart import add_bar_chart

EMPTY_DISTRICTS = "无区县承担的整改任务。"
EMPTY_DEPARTMENTS = "无市级部门牵头或负责的整改任务。"
EMPTY_OVERDUE = "无超期和红色预警任务。"
EMPTY_SIGNED_OFF = "本期无销号任务。"
EMPTY_URGES = "本期无督办事项。"

OVERDUE_FILL = "E06666"
RED_FILL = "F4CCCC"
UNIT_WIDTHS = (12, 44, 20, 20, 20, 18, 22)
# A closing paragraph's leading "（一）…。" sentence, set in 楷体.
_SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）[^。]*。?")


def insert_before(parent, child, *successors: str) -> None:
    """Insert ``child`` where the schema wants it: before the first of ``successors`` present
    (Word refuses elements out of their schema order; LibreOffice is more forgiving)."""
    for tag in successors:
        found = parent.find(qn(tag))
        if found is not None:
            found.addprevious(child)
            return
    parent.append(child)


class Writer:
    """Adds the body's paragraphs and tables to a document, numbering tables and figures."""

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
            p.add_run(match.group(0), style="GW Subheading")
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
        table.style = self.doc.styles["GW Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for column, width in zip(table.columns, widths_mm, strict=True):
            column.width = Mm(width)  # the grid, which LibreOffice follows
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
        insert_before(tc_pr, shd, "w:noWrap", "w:tcMar", "w:textDirection", "w:vAlign")


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


def _overview(w: Writer) -> None:
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


def _unit_table(
    w: Writer, rows: Sequence[UnitRow], *, intro: str, late: str, title: str, column: str
) -> None:
    """One kind of unit (区县 or 市级部门): how many, those with overdue tasks, and the table."""
    text = intro
    named = _with_overdue(rows)
    if named:
        text += f"{late}{named}。"
    w.para(text)
    w.table(
        title,
        ["序号", column, "任务总数", "已完成", "已销号", "超期", "按时完成率"],
        _unit_rows(rows),
        UNIT_WIDTHS,
    )


def _units(w: Writer) -> None:
    d = w.data
    w.heading("二、各区县和市级部门进展")
    w.heading("（一）各区县", 2)
    if d.districts:
        _unit_table(
            w,
            d.districts,
            intro=f"{len(d.districts)}个区县承担整改任务，按按时完成率从高到低排列如下。",
            late="有超期任务的区县：",
            title="各区县整改任务进展情况",
            column="区县",
        )
        _chart(w, "各区县整改任务完成情况", d.districts)
    else:
        w.para(EMPTY_DISTRICTS)
    w.heading("（二）市级部门", 2)
    if d.departments:
        _unit_table(
            w,
            d.departments,
            intro=(
                f"{len(d.departments)}个市级部门牵头或负责整改任务，按按时完成率从高到低排列如下。"
            ),
            late="有超期任务的部门：",
            title="市级部门整改任务进展情况",
            column="市级部门",
        )
        if not d.districts:
            _chart(w, "市级部门整改任务完成情况", d.departments)
    else:
        w.para(EMPTY_DEPARTMENTS)


def _chart(w: Writer, title: str, rows: Sequence[UnitRow]) -> None:
    """Completed and still open items per unit, stacked: each bar is the unit's total."""
    w.figures += 1
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
        paragraph=w.doc.add_paragraph(style="GW Figure"),
        stacked=True,
    )
    w.doc.add_paragraph(f"图{w.figures}　{title}", style="GW Figure Caption")


def _overdue(w: Writer) -> None:
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


def _signed_off(w: Writer) -> None:
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


def _urges(w: Writer) -> None:
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


def _closing(w: Writer, closing: str, values: dict[str, str]) -> None:
    w.heading("六、下一步工作要求")
    for line in fill(closing or DEFAULT_CLOSING, values).splitlines():
        if line.strip():
            w.rich(line.strip())


def write_body(document, data: BulletinData, *, opening: str, closing: str) -> None:
    """The opening paragraphs and the six parts, after the title and addressees."""
    values = data.placeholders()
    w = Writer(document, data)
    for line in fill(opening, values).splitlines():
        if line.strip():
            w.para(line.strip())
    _overview(w)
    _units(w)
    _overdue(w)
    _signed_off(w)
    _urges(w)
    _closing(w, closing, values)
