"""A streaming .xlsx writer for large exports. Pure module: no Django.

openpyxl's write-only mode spends ~30 µs per cell building cell objects, which is minutes for a
ledger of 100k rows × 18 columns. This writer streams each worksheet's XML straight into the
zip (inline strings, a fixed table of styles), a few µs per cell, with flat memory. It writes
what Excel, WPS, LibreOffice and openpyxl read: frozen panes, column widths, wrapped text,
borders, fills, bold headers, dates as real dates (serial numbers with a date format).

    with XlsxWriter(fileobj) as book:
        sheet = book.sheet("整改台账", widths=[6, 12, 40], freeze_rows=2)
        sheet.row([("标题", "title")])
        sheet.row([(1, "center"), ("A-1", "center"), ("问题", "wrap")])

No value a caller passes makes a file that Excel refuses or "repairs". What a cell holds:

- ``None`` and ``""`` leave the cell empty (its style still applies).
- ``bool`` is a TRUE/FALSE cell; ``int``, ``float`` and ``decimal.Decimal`` are numbers (a
  Decimal as the nearest double, which is what Excel stores: Decimal("0.1") reads back as 0.1).
- An ``int`` of more than 15 digits is text: Excel keeps 15 significant digits, so an 18-digit
  identity-card number (身份证号) as a number would show as 1.23457E+17 with its last digits
  zeroed. A finite Decimal too large for a double is text too.
- NaN and ±infinity (float or Decimal) leave the cell empty: Excel has no such numbers, and an
  empty cell is how a spreadsheet says "no value" — a text "nan" would be taken for data.
- Dates (and datetimes, by their date) are day serial numbers with the date format.
- Anything else is text, ``str(value)`` cleaned by :func:`clean_text`: CR LF and a lone CR
  become LF (as any XML reader would make of them anyway); what XML 1.0 cannot carry is dropped
  — control characters other than tab and newline (text pasted from Word carries them), U+FFFE,
  U+FFFF and lone surrogates (a surrogate pair is first joined into its character); then text
  beyond Excel's limit of 32,767 characters per cell is cut there. Excel counts UTF-16 code
  units (a character outside the BMP, such as an emoji, counts two) and so does the cut, which
  never falls inside a character. A text that cleans to nothing leaves the cell empty.
- Sheet names lose what Excel forbids (``[]:*?/\\``, control characters, an apostrophe at
  either end), are cut to 31 characters and made unique ("名称 (2)"); an empty one is "Sheet".
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

_EPOCH = dt.date(1899, 12, 30)
MAX_CELL_TEXT = 32767  # Excel's limit per cell, in UTF-16 code units
MAX_SHEET_NAME = 31
# Integers from here on have more digits than the 15 significant ones Excel keeps.
_BIG_INT = 10**15
# What XML 1.0 cannot carry: control characters but tab, LF and CR; surrogates; U+FFFE and
# U+FFFF. Text pasted from Word sometimes carries controls; lone surrogates come from bytes
# decoded with errors="surrogateescape" or from text built of UTF-16 halves.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The same and CR: one scan that tells whether a text needs cleaning at all.
_DIRTY = re.compile(r"[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_NOT_IN_SHEET_NAME = re.compile(r"[\x00-\x1f\[\]:*?/\\]")


@dataclass(frozen=True)
class Style:
    bold: bool = False
    size: int = 10
    colour: str = "000000"  # font colour, RRGGBB
    fill: str = ""  # background, RRGGBB
    wrap: bool = True
    center: bool = False
    border: bool = True
    date: bool = False
    font: str = "宋体"


STYLES: dict[str, Style] = {
    "plain": Style(wrap=False, border=False),
    "title": Style(bold=True, size=16, wrap=False, border=False, font="方正小标宋简体"),
    "header": Style(bold=True, size=11, fill="DDE6F0", center=True),
    "wrap": Style(),
    "center": Style(center=True),
    "date": Style(center=True, date=True),
    "overdue": Style(center=True, fill="C0392B", colour="FFFFFF", bold=True),
    "red": Style(center=True, fill="F1948A"),
    "yellow": Style(center=True, fill="F9E79F"),
    "green": Style(center=True, fill="ABEBC6"),
}
_INDEX = {name: i for i, name in enumerate(STYLES)}
DATE_FORMAT_ID = 164


def _column(n: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def clean_text(value: str) -> str:
    """The text as it is written into a cell, and so read back (see the module docstring)."""
    if len(value) <= MAX_CELL_TEXT // 2 and _DIRTY.search(value) is None:
        return value  # nearly every text: one scan, no copy
    if _SURROGATE.search(value):
        # A pair held as two code points becomes its character; a lone half is dropped.
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
    if "\r" in value:
        # An XML reader turns a written CR into LF anyway; doing it here keeps the length
        # count, and what is read back, equal to what this function returns.
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _truncate(_ILLEGAL.sub("", value), MAX_CELL_TEXT)


def _truncate(value: str, limit: int) -> str:
    """At most ``limit`` UTF-16 code units (as Excel counts), never half a character."""
    if len(value) <= limit // 2:
        return value
    data = value.encode("utf-16-le")
    if len(data) <= 2 * limit:
        return value
    data = data[: 2 * limit]
    if 0xD8 <= data[-1] <= 0xDB:  # the cut fell after the high half of a pair: drop that half
        data = data[:-2]
    return data.decode("utf-16-le")


def _text_cell(head: str, value: str) -> str:
    text = clean_text(value)
    if not text:
        return f"{head}/>"
    return f'{head} t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def _cell(head: str, value: object) -> str:
    """A cell holding any value but a plain str (see the module docstring)."""
    if value is None:
        return f"{head}/>"
    if isinstance(value, bool):
        return f'{head} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        if -_BIG_INT < value < _BIG_INT:
            return f"{head}><v>{value}</v></c>"
        return _text_cell(head, str(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            return f"{head}/>"  # Excel has no NaN or infinity: "no value" is an empty cell
        return f"{head}><v>{value}</v></c>"
    if isinstance(value, Decimal):
        if not value.is_finite():  # NaN, sNaN, ±Infinity: empty, as for a float
            return f"{head}/>"
        number = float(value)
        if not math.isfinite(number):  # beyond a double: keep the digits, as text
            return _text_cell(head, str(value))
        return f"{head}><v>{number!r}</v></c>"
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return f"{head}><v>{(day - _EPOCH).days}</v></c>"
    return _text_cell(head, str(value))


def _sheet_name(name: str, taken: set[str]) -> str:
    """A name Excel accepts and unique among ``taken`` (casefolded: Excel ignores case)."""
    name = _NOT_IN_SHEET_NAME.sub("", clean_text(name))
    name = _truncate(name, MAX_SHEET_NAME).strip("'") or "Sheet"
    base, n = name, 1
    while name.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        name = _truncate(base, MAX_SHEET_NAME - len(suffix)).strip("'") + suffix
    return name


class Sheet:
    def __init__(self, stream, *, widths: list[float], freeze_rows: int) -> None:
        self._out = stream
        self._row = 0
        self._letters = [_column(i) for i in range(max(len(widths), 1) + 64)]
        head = [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        ]
        if freeze_rows:
            head.append(
                '<sheetViews><sheetView workbookViewId="0">'
                f'<pane ySplit="{freeze_rows}" topLeftCell="A{freeze_rows + 1}" '
                'activePane="bottomLeft" state="frozen"/>'
                "</sheetView></sheetViews>"
            )
        if widths:
            head.append("<cols>")
            head += [
                f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                for i, w in enumerate(widths, 1)
            ]
            head.append("</cols>")
        head.append("<sheetData>")
        self._write("".join(head))

    def _write(self, text: str) -> None:
        self._out.write(text.encode("utf-8"))

    def row(self, cells: Iterable[tuple[object, str]]) -> None:
        """One row of (value, style name) pairs; None values leave the cell empty (what each
        kind of value becomes: the module docstring)."""
        self._row += 1
        r = self._row
        parts = [f'<row r="{r}">']
        letters = self._letters
        for i, (value, style) in enumerate(cells):
            head = f'<c r="{letters[i]}{r}" s="{_INDEX[style]}"'
            # Plain text is most cells of an export: it skips the chain of type tests.
            if value.__class__ is str:
                parts.append(_text_cell(head, value))
            else:
                parts.append(_cell(head, value))
        parts.append("</row>")
        self._write("".join(parts))

    def close(self) -> None:
        self._write("</sheetData></worksheet>")
        self._out.close()


class XlsxWriter:
    """Writes a workbook into ``fileobj`` (a binary file opened for writing)."""

    def __init__(self, fileobj) -> None:
        self._zip = zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED, compresslevel=5)
        self._names: list[str] = []
        self._open: Sheet | None = None

    def __enter__(self) -> XlsxWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def sheet(self, name: str, *, widths: list[float], freeze_rows: int = 0) -> Sheet:
        """Start the next worksheet (the previous one is finished)."""
        if self._open is not None:
            self._open.close()
        name = _sheet_name(name, {taken.casefold() for taken in self._names})
        self._names.append(name)
        stream = self._zip.open(f"xl/worksheets/sheet{len(self._names)}.xml", "w", force_zip64=True)
        self._open = Sheet(stream, widths=widths, freeze_rows=freeze_rows)
        return self._open

    def close(self) -> None:
        if self._zip is None:
            return
        if self._open is not None:
            self._open.close()
        if not self._names:
            self.sheet("Sheet", widths=[]).close()
            self._open = None
        z = self._zip
        n = len(self._names)
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in range(1, n + 1)
            )
            + "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            "<sheets>"
            + "".join(
                f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                for i, name in enumerate(self._names, 1)
            )
            + "</sheets></workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/'
                f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, n + 1)
            )
            + f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            "</Relationships>",
        )
        z.writestr("xl/styles.xml", _styles_xml())
        z.close()
        self._zip = None


def _styles_xml() -> str:
    styles = list(STYLES.values())
    fonts = list(dict.fromkeys((s.font, s.size, s.bold, s.colour) for s in styles))
    fills = list(dict.fromkeys(s.fill for s in styles if s.fill))
    font_xml = "".join(
        f'<font>{"<b/>" if bold else ""}<sz val="{size}"/><color rgb="FF{colour}"/>'
        f'<name val="{escape(name)}"/><charset val="134"/></font>'
        for name, size, bold, colour in fonts
    )
    # Fills 0 and 1 are reserved (none, gray125) by the format.
    fill_xml = '<fill><patternFill patternType="none"/></fill>' + (
        '<fill><patternFill patternType="gray125"/></fill>'
    )
    fill_xml += "".join(
        f'<fill><patternFill patternType="solid"><fgColor rgb="FF{f}"/>'
        '<bgColor indexed="64"/></patternFill></fill>'
        for f in fills
    )
    thin = '<{0} style="thin"><color rgb="FF999999"/></{0}>'
    border_xml = (
        "<border><left/><right/><top/><bottom/><diagonal/></border><border>"
        + "".join(thin.format(side) for side in ("left", "right", "top", "bottom"))
        + "<diagonal/></border>"
    )
    xfs = []
    for s in styles:
        font = fonts.index((s.font, s.size, s.bold, s.colour))
        fill = fills.index(s.fill) + 2 if s.fill else 0
        num = DATE_FORMAT_ID if s.date else 0
        wrap = ' wrapText="1"' if s.wrap else ""
        center = ' horizontal="center"' if s.center else ""
        align = f'<alignment vertical="top"{wrap}{center}/>'
        xfs.append(
            f'<xf numFmtId="{num}" fontId="{font}" fillId="{fill}" borderId="{int(s.border)}" '
            f'xfId="0" applyNumberFormat="{int(s.date)}" applyFont="1" applyFill="1" '
            f'applyBorder="1" applyAlignment="1">{align}</xf>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<numFmts count="1"><numFmt numFmtId="{DATE_FORMAT_ID}" formatCode="yyyy-mm-dd"/>'
        "</numFmts>"
        f'<fonts count="{len(fonts)}">{font_xml}</fonts>'
        f'<fills count="{len(fills) + 2}">{fill_xml}</fills>'
        f'<borders count="2">{border_xml}</borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )
