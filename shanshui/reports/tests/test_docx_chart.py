"""Native Word charts: valid OOXML parts that python-docx, Word and LibreOffice open."""

from __future__ import annotations

import io
import os
import posixpath
import shutil
import subprocess
import zipfile

import docx
import pytest
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree
from openpyxl import load_workbook

from shanshui.reports.docx_chart import C_NS, add_bar_chart, read_chart

CATEGORIES = ["万州区", "渝中区", "石柱土家族自治县"]
SERIES = [("已完成", [3, 0, 5]), ("整改中", [1, 2, 0])]


def build(**kwargs) -> bytes:
    document = docx.Document()
    document.add_paragraph("图表")
    add_bar_chart(
        document,
        title=kwargs.pop("title", "各区县整改任务完成情况"),
        categories=kwargs.pop("categories", CATEGORIES),
        series=kwargs.pop("series", SERIES),
        width_cm=15,
        height_cm=7,
        **kwargs,
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def chart_parts(document) -> list:
    return [rel.target_part for rel in document.part.rels.values() if rel.reltype == RT.CHART]


def test_it_reopens_with_python_docx_and_keeps_the_cached_values():
    reopened = docx.Document(io.BytesIO(build(stacked=True)))
    (part,) = chart_parts(reopened)
    assert part.content_type == CT.DML_CHART
    assert str(part.partname).startswith("/word/charts/chart")
    chart = read_chart(part)
    assert chart["title"] == "各区县整改任务完成情况"
    assert chart["categories"] == CATEGORIES
    assert chart["series"] == {"已完成": [3.0, 0.0, 5.0], "整改中": [1.0, 2.0, 0.0]}


def test_it_writes_valid_ooxml_parts_and_content_types():
    data = build()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        for name in names:
            if name.endswith((".xml", ".rels")):
                etree.fromstring(z.read(name))  # every XML part parses
        types = etree.fromstring(z.read("[Content_Types].xml"))
        overrides = {o.get("PartName"): o.get("ContentType") for o in types}
        assert overrides["/word/charts/chart1.xml"] == (
            "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
        )
        rels = etree.fromstring(z.read("word/_rels/document.xml.rels"))
        chart_rels = [r for r in rels if r.get("Target") == "charts/chart1.xml"]
        assert [r.get("Type") for r in chart_rels] == [
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
        ]
        body = etree.fromstring(z.read("word/document.xml"))
        ns = {
            "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
            "c": C_NS,
            "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
            "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
        }
        data_el = body.xpath("//wp:inline/a:graphic/a:graphicData", namespaces=ns)
        assert [d.get("uri") for d in data_el] == [C_NS]
        assert data_el[0].xpath("c:chart/@r:id", namespaces=ns) == [chart_rels[0].get("Id")]
        # The chart part's root is a chartSpace with a bar chart.
        space = etree.fromstring(z.read("word/charts/chart1.xml"))
        assert space.tag == f"{{{C_NS}}}chartSpace"
        assert space.xpath("//c:barChart/c:barDir/@val", namespaces=ns) == ["col"]


def test_it_embeds_a_workbook_with_the_same_numbers_for_edit_data():
    with zipfile.ZipFile(io.BytesIO(build())) as z:
        rels = etree.fromstring(z.read("word/charts/_rels/chart1.xml.rels"))
        (rel,) = list(rels)
        assert rel.get("Type").endswith("/relationships/package")
        target = posixpath.normpath(posixpath.join("word/charts", rel.get("Target")))
        workbook = load_workbook(io.BytesIO(z.read(target)))
    rows = list(workbook["Sheet1"].iter_rows(values_only=True))
    assert rows[0][1:] == ("已完成", "整改中")
    assert [r[0] for r in rows[1:]] == CATEGORIES
    assert [r[1] for r in rows[1:]] == [3, 0, 5]


def test_it_can_leave_the_workbook_out():
    with zipfile.ZipFile(io.BytesIO(build(embed_workbook=False))) as z:
        assert not [n for n in z.namelist() if n.startswith("word/embeddings/")]
        assert b"externalData" not in z.read("word/charts/chart1.xml")


def test_two_charts_get_their_own_parts_and_drawing_ids():
    document = docx.Document()
    for title in ("一", "二"):
        add_bar_chart(
            document, title=title, categories=["甲"], series=[("值", [1])], width_cm=8, height_cm=5
        )
    buffer = io.BytesIO()
    document.save(buffer)
    reopened = docx.Document(io.BytesIO(buffer.getvalue()))
    assert sorted(read_chart(p)["title"] for p in chart_parts(reopened)) == ["一", "二"]
    ids = reopened.element.body.xpath("//wp:docPr/@id")
    assert len(ids) == len(set(ids)) == 2


def test_it_refuses_series_that_do_not_match_the_categories():
    with pytest.raises(ValueError):
        build(series=[("已完成", [1, 2])])
    with pytest.raises(ValueError):
        build(categories=[])


@pytest.fixture
def libreoffice():
    """Skips the test without LibreOffice and poppler, except with SHANSHUI_REQUIRE_SOFFICE=1
    (set by CI, which installs them), where that fails the test."""
    if shutil.which("soffice") and shutil.which("pdftotext") and shutil.which("pdftoppm"):
        return
    reason = (
        "LibreOffice (soffice) and poppler-utils are not installed: "
        "apt-get install libreoffice-writer-nogui poppler-utils fonts-wqy-microhei"
    )
    if os.environ.get("SHANSHUI_REQUIRE_SOFFICE") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.mark.usefixtures("libreoffice")
def test_libreoffice_draws_the_chart_with_its_labels(tmp_path):
    source = tmp_path / "chart.docx"
    source.write_bytes(build(title="各区县整改任务完成情况", stacked=True))
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    pdf = tmp_path / "chart.pdf"
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "各区县整改任务完成情况" in text
    assert "已完成" in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    assert (tmp_path / "page-1.png").stat().st_size > 1000
