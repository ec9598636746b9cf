"""The bulletin as a Word document, laid out like a Chinese government 通报 (GB/T 9704-2012
党政机关公文格式, as far as python-docx goes): 版头, 主体 (see ``body``), 落款 and 版记.

The look comes from ``styles.docx`` beside this module, which every bulletin starts from: A4 with
the standard's margins (版心 156 mm × 225 mm, 22 lines of 28 characters in 3号), 3号仿宋 body
text, the paragraph, character and table styles the code names (GW Body, GW Heading 1/2, GW
Title, GW Issuer, GW Number with the red rule, GW Caption, GW Table …, GW Grid, GW Imprint), the
CJK fonts declared with their alternatives and the GB2312 charset (so Word substitutes a Chinese
face of the right kind), and the page numbers — "— 1 —" in 4号宋体, odd pages right, even pages
left. To change the look, edit that file in Word and keep the style names; its body is ignored.

What depends on the content stays here: the issuing body narrowed to fit one line, the 落款's
position from the lengths of its two lines, and the 版记 (抄送 and 印发) table.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from shanshui.reports.bulletin.body import insert_before, write_body
from shanshui.reports.bulletin.data import DEFAULT_OPENING, BulletinData, cn_date, fill

STYLES = Path(__file__).with_name("styles.docx")

RED = RGBColor(0xFF, 0x00, 0x00)
# Sizes of Chinese type (号) in points.
XIAOCHU, SANHAO, SIHAO = 36, 16, 14
# GB/T 9704: A4, 版心 156 mm wide (the margins are in styles.docx).
TEXT_WIDTH_PT = (210 - 28 - 26) / 25.4 * 72
IMPRINT_WIDTHS_MM = (90, 66)


def _blank_document():
    """A new document with the shipped styles, page setup and page numbers, and no text."""
    document = Document(str(STYLES))
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return document


def _red_header(document, issuer: str) -> None:
    """版头: the issuing body in red 小标宋, 35 mm below the top of the text area (GW Issuer),
    kept on one line by narrowing the characters (as printed 红头 do) rather than shrinking
    them."""
    p = document.add_paragraph(style="GW Issuer")
    size = float(XIAOCHU)
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
        insert_before(run._r.get_or_add_rPr(), w, "w:kern", "w:position", "w:sz", "w:szCs")


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


def _imprint_cell(cell, text: str, align, *, hanging: bool = False, indent: bool = True) -> None:
    """One cell of the 版记 in GW Imprint (4号仿宋, one character in from either side)."""
    p = cell.paragraphs[0]
    p.style = "GW Imprint"
    p.alignment = align
    fmt = p.paragraph_format
    if not indent:
        fmt.left_indent = Pt(0)
    if hanging:
        # Continuation lines align with the first name after "抄送：".
        fmt.left_indent = Pt(SIHAO * 4)
        fmt.first_line_indent = Pt(-SIHAO * 3)
    p.add_run(text)


def _imprint(document, issuer: str, copy_to: str, issued_on: dt.date) -> None:
    """版记: 抄送 (when set) and the 印发 line between rules — thick first and last rules,
    thin between (GB/T 9704 §8; the table style GW Imprint Table)."""
    document.add_paragraph(style="GW Plain")
    copy_to = copy_to.strip().rstrip("。.；;，,")
    table = document.add_table(rows=2 if copy_to else 1, cols=2)
    table.style = document.styles["GW Imprint Table"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, IMPRINT_WIDTHS_MM, strict=True):
        column.width = Mm(width)
    rows = list(table.rows)
    if copy_to:
        merged = rows[0].cells[0].merge(rows[0].cells[1])
        _imprint_cell(merged, f"抄送：{copy_to}。", WD_ALIGN_PARAGRAPH.LEFT, hanging=True)
    last = rows[-1].cells
    last[0].width, last[1].width = (Mm(w) for w in IMPRINT_WIDTHS_MM)
    _imprint_cell(last[0], issuer, WD_ALIGN_PARAGRAPH.LEFT)
    _imprint_cell(last[1], f"{cn_date(issued_on)}印发", WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    for cell in last:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM


def render_docx(data: BulletinData, template, *, number: str, issued_on: dt.date) -> bytes:
    """The bulletin as a .docx: 版头, 主体 in six numbered parts with tables and a native chart,
    落款 and 版记. ``template`` is a BulletinTemplate (saved or not)."""
    values = data.placeholders()
    document = _blank_document()
    title = fill(template.title, values)
    core = document.core_properties
    core.title = title
    core.author = template.issuer
    core.subject = number
    core.language = "zh-CN"

    _red_header(document, template.issuer)
    document.add_paragraph(number, style="GW Number")  # 发文字号 above the red rule
    document.add_paragraph(title, style="GW Title")
    if template.addressees.strip():
        document.add_paragraph(fill(template.addressees.strip(), values), style="GW Plain")
    write_body(
        document, data, opening=template.opening or DEFAULT_OPENING, closing=template.closing
    )
    document.add_paragraph(style="GW Plain")
    document.add_paragraph(f"附件：{data.campaign}整改工作进展情况统计表", style="GW Annex")
    _signature(document, template.issuer, issued_on)
    _imprint(document, template.issuer, template.copy_to or "", issued_on)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
