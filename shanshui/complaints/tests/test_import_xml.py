"""Workbooks carrying XML attacks: a billion-laughs entity bomb and an external-entity (XXE)
probe in the sheet are refused with a clear message, nothing is read or imported, no 500.

openpyxl parses with defusedxml when it is installed (a runtime dependency for that reason);
these tests fail loudly if it ever goes missing."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from shanshui.complaints import importer
from shanshui.complaints.models import Complaint
from shanshui.complaints.services import batch_create
from shanshui.complaints.tests.test_import import BATCH_DATE, _url, transfer_list, upload
from shanshui.ledger.scenarios import make_campaign
from shanshui.lib import sheets

pytestmark = pytest.mark.django_db

BOMB = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8)
    )
    + b"]>\n"
)
XXE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
)


def with_entities(good: bytes, prolog: bytes, use: bytes) -> bytes:
    """``good`` with ``prolog`` (a DTD declaring entities) on its first worksheet and the
    entity ``use``d in a cell, the way an attacker would hand-edit the zip."""
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                body = body.replace(
                    b"<sheetData>",
                    b'<sheetData><row r="40"><c r="A40" t="inlineStr"><is><t>'
                    + use
                    + b"</t></is></c></row>",
                    1,
                )
                data = prolog + body.lstrip()
            target.writestr(info.filename, data)
    return out.getvalue()


def bomb() -> bytes:
    return with_entities(transfer_list(), BOMB, b"&i;")


def xxe() -> bytes:
    return with_entities(transfer_list(), XXE, b"&secret;")


@pytest.fixture
def batch(personas):
    campaign = make_campaign(personas.office)
    return batch_create(actor=personas.office, campaign=campaign, number=3, date=BATCH_DATE)


def test_defusedxml_is_what_openpyxl_parses_with():
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize("content", [bomb, xxe], ids=["billion-laughs", "xxe"])
def test_the_sheet_reader_refuses_entities(content):
    with pytest.raises(sheets.SheetError) as refused:
        sheets.load_rows(io.BytesIO(content()), importer.SPEC, max_rows=100)
    assert refused.value.message == sheets.unsafe_xml()


@pytest.mark.parametrize("content", [bomb, xxe], ids=["billion-laughs", "xxe"])
def test_the_import_page_refuses_them_in_chinese(personas, batch, client_as, content):
    response = client_as(personas.office).post(_url(batch), {"file": upload(content())})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="import-errors"' in body
    assert "出于安全考虑" in body
    assert "root:" not in body  # nothing of the server's files in the answer
    assert not Complaint.objects.exists()
