"""Native Word charts (DrawingML) for python-docx documents.

python-docx has no chart API, so this module writes the parts itself: a chart part
(``/word/charts/chartN.xml``, a ``c:chartSpace`` with the values cached in it) related from the
document part, an inline ``wp:inline`` drawing whose ``a:graphicData`` points at it, and an
embedded workbook holding the same numbers, so that Word's "Edit data" opens them.

A native chart is drawn by Word and LibreOffice with their own fonts, so Chinese labels need
no CJK font on the server, and the office can restyle the chart like any other. The cached
values are what both programs draw; the workbook is only read when someone edits the data.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.shared import Cm
from lxml import etree
from openpyxl import Workbook

C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
CHART_URI = C_NS  # a:graphicData/@uri of a chart is the chart namespace itself
CAT_AX_ID, VAL_AX_ID = 500100, 500200  # the two axes' ids, by which the bars refer to them

SHEET = "Sheet1"
# Calm colours that print well in grey too; the office can restyle the chart in Word.
PALETTE = ("2E7D32", "F9A825", "C62828", "1565C0", "6A1B9A", "00838F")
# Chart text: a CJK font name for Word on Windows; LibreOffice substitutes through fontconfig.
EA_FONT = "宋体"
LATIN_FONT = "Times New Roman"


def _c(tag: str) -> str:
    return f"{{{C_NS}}}{tag}"


def _a(tag: str) -> str:
    return f"{{{A_NS}}}{tag}"


def _el(parent, tag: str, val=None, **attrs):
    el = etree.SubElement(parent, tag)
    if val is not None:
        el.set("val", str(val))
    for key, value in attrs.items():
        el.set(key, str(value))
    return el


def _column(index: int) -> str:
    """Spreadsheet column letters for a 1-based index (1 → A, 27 → AA)."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text_props(parent, *, size: int, rotation: int | None = None):
    """c:txPr: font size in hundredths of a point, CJK and Latin faces, optional rotation."""
    tx = _el(parent, _c("txPr"))
    body = _el(tx, _a("bodyPr"))
    if rotation is not None:
        body.set("rot", str(rotation))
        body.set("vert", "horz")
    _el(tx, _a("lstStyle"))
    p = _el(tx, _a("p"))
    ppr = _el(p, _a("pPr"))
    rpr = _el(ppr, _a("defRPr"), sz=size, b=0)
    _el(rpr, _a("latin"), typeface=LATIN_FONT)
    _el(rpr, _a("ea"), typeface=EA_FONT)
    _el(p, _a("endParaRPr"), lang="zh-CN")
    return tx


def _str_ref(parent, formula: str, values: Sequence[str]):
    ref = _el(parent, _c("strRef"))
    _el(ref, _c("f")).text = formula
    cache = _el(ref, _c("strCache"))
    _el(cache, _c("ptCount"), len(values))
    for i, value in enumerate(values):
        _el(_el(cache, _c("pt"), idx=i), _c("v")).text = str(value)


def _num_ref(parent, formula: str, values: Sequence[float]):
    ref = _el(parent, _c("numRef"))
    _el(ref, _c("f")).text = formula
    cache = _el(ref, _c("numCache"))
    _el(cache, _c("formatCode")).text = "General"
    _el(cache, _c("ptCount"), len(values))
    for i, value in enumerate(values):
        _el(_el(cache, _c("pt"), idx=i), _c("v")).text = _number(value)


def _title(chart, title: str) -> None:
    title_el = _el(chart, _c("title"))
    rich = _el(_el(title_el, _c("tx")), _c("rich"))
    _el(rich, _a("bodyPr"))
    _el(rich, _a("lstStyle"))
    p = _el(rich, _a("p"))
    rpr = _el(_el(p, _a("pPr")), _a("defRPr"), sz=1200, b=0)
    _el(rpr, _a("latin"), typeface=LATIN_FONT)
    _el(rpr, _a("ea"), typeface=EA_FONT)
    run = _el(p, _a("r"))
    _el(run, _a("rPr"), lang="zh-CN", sz=1200, b=0)
    _el(run, _a("t")).text = title
    _el(title_el, _c("overlay"), 0)


def _data_labels(ser, *, stacked: bool) -> None:
    labels = _el(ser, _c("dLbls"))
    # Zero segments get no label (the format's third section is empty).
    _el(labels, _c("numFmt"), formatCode="0;-0;;@", sourceLinked=0)
    _el(_el(labels, _c("spPr")), _a("noFill"))
    _text_props(labels, size=800)
    _el(labels, _c("dLblPos"), "ctr" if stacked else "outEnd")
    for flag, on in (
        ("showLegendKey", 0),
        ("showVal", 1),
        ("showCatName", 0),
        ("showSerName", 0),
        ("showPercent", 0),
        ("showBubbleSize", 0),
    ):
        _el(labels, _c(flag), on)


def _bars(
    plot,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    stacked: bool,
    horizontal: bool,
    data_labels: bool,
) -> None:
    """c:barChart: one c:ser per series, its name, categories and values referring to the
    embedded workbook's cells (column A the categories, one column a series)."""
    n = len(categories)
    bar = _el(plot, _c("barChart"))
    _el(bar, _c("barDir"), "bar" if horizontal else "col")
    _el(bar, _c("grouping"), "stacked" if stacked else "clustered")
    _el(bar, _c("varyColors"), 0)
    last_row = n + 1
    for i, (name, values) in enumerate(series):
        if len(values) != n:
            raise ValueError(f"Series {name!r} has {len(values)} values for {n} categories.")
        col = _column(i + 2)
        ser = _el(bar, _c("ser"))
        _el(ser, _c("idx"), i)
        _el(ser, _c("order"), i)
        _str_ref(_el(ser, _c("tx")), f"{SHEET}!${col}$1", [name])
        fill = _el(_el(ser, _c("spPr")), _a("solidFill"))
        _el(fill, _a("srgbClr"), PALETTE[i % len(PALETTE)])
        _el(ser, _c("invertIfNegative"), 0)
        if data_labels:
            _data_labels(ser, stacked=stacked)
        _str_ref(_el(ser, _c("cat")), f"{SHEET}!$A$2:$A${last_row}", list(categories))
        _num_ref(_el(ser, _c("val")), f"{SHEET}!${col}$2:${col}${last_row}", list(values))
    _el(bar, _c("gapWidth"), 60)
    if stacked:
        _el(bar, _c("overlap"), 100)  # Word draws stacked bars side by side without it
    _el(bar, _c("axId"), CAT_AX_ID)
    _el(bar, _c("axId"), VAL_AX_ID)


def _category_axis(plot, n: int, *, horizontal: bool) -> None:
    cat_ax = _el(plot, _c("catAx"))
    _el(cat_ax, _c("axId"), CAT_AX_ID)
    _el(_el(cat_ax, _c("scaling")), _c("orientation"), "maxMin" if horizontal else "minMax")
    _el(cat_ax, _c("delete"), 0)
    _el(cat_ax, _c("axPos"), "l" if horizontal else "b")
    _el(cat_ax, _c("numFmt"), formatCode="General", sourceLinked=0)
    _el(cat_ax, _c("majorTickMark"), "none")
    _el(cat_ax, _c("minorTickMark"), "none")
    _el(cat_ax, _c("tickLblPos"), "nextTo")
    # Many districts: slant the labels rather than let the program drop every other one.
    rotate = -2700000 if not horizontal and n > 8 else None
    _text_props(cat_ax, size=900, rotation=rotate)
    _el(cat_ax, _c("crossAx"), VAL_AX_ID)
    _el(cat_ax, _c("crosses"), "autoZero")
    _el(cat_ax, _c("auto"), 1)
    _el(cat_ax, _c("lblAlgn"), "ctr")
    _el(cat_ax, _c("lblOffset"), 100)
    _el(cat_ax, _c("tickLblSkip"), 1)
    _el(cat_ax, _c("noMultiLvlLbl"), 0)


def _value_axis(plot, *, horizontal: bool) -> None:
    val_ax = _el(plot, _c("valAx"))
    _el(val_ax, _c("axId"), VAL_AX_ID)
    _el(_el(val_ax, _c("scaling")), _c("orientation"), "minMax")
    _el(val_ax, _c("delete"), 0)
    _el(val_ax, _c("axPos"), "b" if horizontal else "l")
    grid = _el(_el(val_ax, _c("majorGridlines")), _c("spPr"))
    _el(_el(_el(grid, _a("ln"), w=6350), _a("solidFill")), _a("srgbClr"), "D9D9D9")
    _el(val_ax, _c("numFmt"), formatCode="0", sourceLinked=0)
    _el(val_ax, _c("majorTickMark"), "none")
    _el(val_ax, _c("minorTickMark"), "none")
    _el(val_ax, _c("tickLblPos"), "nextTo")
    _text_props(val_ax, size=900)
    _el(val_ax, _c("crossAx"), CAT_AX_ID)
    _el(val_ax, _c("crosses"), "autoZero" if not horizontal else "max")
    _el(val_ax, _c("crossBetween"), "between")


def chart_xml(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    stacked: bool = False,
    horizontal: bool = False,
    data_labels: bool = True,
    external_rid: str | None = None,
) -> bytes:
    """The chart part: a bar chart whose every label and value is cached in the XML.

    The elements are written in the order the schema (CT_ChartSpace, CT_PlotArea, CT_BarChart,
    the axes) requires: Word refuses a chart with an element out of place."""
    root = etree.Element(_c("chartSpace"), nsmap={"c": C_NS, "a": A_NS, "r": R_NS})
    _el(root, _c("date1904"), 0)
    _el(root, _c("lang"), "zh-CN")
    _el(root, _c("roundedCorners"), 0)
    chart = _el(root, _c("chart"))
    _title(chart, title)
    _el(chart, _c("autoTitleDeleted"), 0)

    plot = _el(chart, _c("plotArea"))
    _el(plot, _c("layout"))
    _bars(
        plot,
        categories,
        series,
        stacked=stacked,
        horizontal=horizontal,
        data_labels=data_labels,
    )
    _category_axis(plot, len(categories), horizontal=horizontal)
    _value_axis(plot, horizontal=horizontal)

    legend = _el(chart, _c("legend"))
    _el(legend, _c("legendPos"), "b")
    _el(legend, _c("overlay"), 0)
    _el(chart, _c("plotVisOnly"), 1)
    _el(chart, _c("dispBlanksAs"), "gap")
    # No frame around the chart: it sits in the text like a figure in a printed document.
    _el(_el(_el(root, _c("spPr")), _a("ln")), _a("noFill"))
    _text_props(root, size=1000)
    if external_rid:
        ext = _el(root, _c("externalData"))
        ext.set(f"{{{R_NS}}}id", external_rid)
        _el(ext, _c("autoUpdate"), 0)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def workbook_bytes(
    categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]
) -> bytes:
    """The embedded workbook behind "Edit data": categories in column A, one series a column."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(["", *[name for name, _values in series]])
    for i, category in enumerate(categories):
        ws.append([category, *[values[i] for _name, values in series]])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _next_docpr_id(document) -> int:
    ids = [int(v) for v in document.element.body.xpath("//wp:docPr/@id") if str(v).isdigit()]
    return max(ids, default=0) + 1


def add_bar_chart(
    document,
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    width_cm: float,
    height_cm: float,
    paragraph=None,
    stacked: bool = False,
    horizontal: bool = False,
    data_labels: bool = True,
    embed_workbook: bool = True,
) -> Part:
    """Add a native bar chart to ``document`` (at the end, or in ``paragraph``); return its part.

    ``series`` is a list of (name, values), one value per category. ``stacked`` stacks the
    series (e.g. completed + in progress = total); ``horizontal`` draws bars instead of columns.
    """
    if not categories:
        raise ValueError("A chart needs at least one category.")
    if not series:
        raise ValueError("A chart needs at least one series.")
    for name, values in series:
        if len(values) != len(categories):
            raise ValueError(
                f"Series {name!r} has {len(values)} values for {len(categories)} categories."
            )
    package = document.part.package
    chart_part = Part(
        package.next_partname("/word/charts/chart%d.xml"),
        CT.DML_CHART,
        b"",
        package,
    )
    external_rid = None
    if embed_workbook:
        workbook = Part(
            package.next_partname("/word/embeddings/Microsoft_Excel_Worksheet%d.xlsx"),
            CT.SML_SHEET,
            workbook_bytes(categories, series),
            package,
        )
        external_rid = chart_part.relate_to(workbook, RT.PACKAGE)
    chart_part._blob = chart_xml(
        title=title,
        categories=categories,
        series=series,
        stacked=stacked,
        horizontal=horizontal,
        data_labels=data_labels,
        external_rid=external_rid,
    )
    rid = document.part.relate_to(chart_part, RT.CHART)
    docpr_id = _next_docpr_id(document)
    inline = parse_xml(
        f'<wp:inline distT="0" distB="0" distL="0" distR="0" xmlns:wp="{WP_NS}" '
        f'xmlns:a="{A_NS}" xmlns:c="{C_NS}" xmlns:r="{R_NS}">'
        f'<wp:extent cx="{Cm(width_cm)}" cy="{Cm(height_cm)}"/>'
        '<wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="{docpr_id}" name="Chart {docpr_id}"/>'
        "<wp:cNvGraphicFramePr/>"
        f'<a:graphic><a:graphicData uri="{CHART_URI}">'
        f'<c:chart r:id="{rid}"/>'
        "</a:graphicData></a:graphic></wp:inline>"
    )
    inline.find(f"{{{WP_NS}}}docPr").set("descr", title)
    drawing = parse_xml(
        '<w:drawing xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'
    )
    drawing.append(inline)
    paragraph = paragraph if paragraph is not None else document.add_paragraph()
    paragraph.add_run()._r.append(drawing)
    return chart_part


def read_chart(part) -> dict:
    """Title, categories and series (name → values) cached in a chart part, for checks."""
    root = etree.fromstring(part.blob)
    ns = {"c": C_NS, "a": A_NS}
    title = "".join(root.xpath("c:chart/c:title//a:t/text()", namespaces=ns))
    series = {}
    categories: list[str] = []
    for ser in root.xpath("//c:ser", namespaces=ns):
        name = "".join(ser.xpath("c:tx//c:v/text()", namespaces=ns))
        categories = [str(v) for v in ser.xpath("c:cat//c:pt/c:v/text()", namespaces=ns)]
        values = [float(v) for v in ser.xpath("c:val//c:pt/c:v/text()", namespaces=ns)]
        series[name] = values
    return {"title": title, "categories": categories, "series": series}


__all__ = ["add_bar_chart", "chart_xml", "read_chart", "workbook_bytes"]
