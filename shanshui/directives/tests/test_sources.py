"""How an uploaded document is read: its kind from the bytes (Word documents recognised as
uploads are) and its encoding, Big5 included."""

from __future__ import annotations

import codecs
import io
import zipfile

import docx
import openpyxl
import pytest

from shanshui.directives import sources


def _docx(text: str) -> bytes:
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph(text)
    document.save(buffer)
    return buffer.getvalue()


def _zip(**members: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name.replace("__", "/"), content)
    return buffer.getvalue()


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


def test_a_word_document_is_read_whatever_its_name():
    data = _docx("张三强调，要抓好整改。")
    assert sources.kind_of(data, "speech.txt") == "docx"
    document = sources.read_document(data, "")
    assert (document.kind, document.encoding, document.text) == (
        "docx",
        "",
        "张三强调，要抓好整改。",
    )


@pytest.mark.parametrize(
    "data",
    [
        _zip(readme__txt="not a document"),  # a plain archive
        _xlsx(),  # another Office document
        _zip(word__document__xml="<w:document/>"),  # Word's part without [Content_Types].xml
        b"PK\x03\x04broken",
    ],
)
def test_other_archives_are_refused_as_archives(data):
    with pytest.raises(sources.UnreadableDocument) as info:
        sources.read_document(data, "x.docx")
    assert info.value.code == "archive"


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf-8", "张三强调，要抓好整改。"),
        ("utf-8-sig", "张三强调，要抓好整改。"),
        ("utf-16", "张三强调，要抓好整改。"),
        ("gb18030", "张三强调，要抓好整改。"),
        ("big5", "張三強調，要抓好整改。"),
    ],
)
def test_text_in_every_encoding(encoding, text):
    document = sources.read_document((text + "\r\n").encode(encoding), "x.txt")
    assert (document.kind, document.encoding, document.text) == ("txt", encoding, text + "\n")


def test_text_in_no_encoding_and_binary_files_are_refused():
    with pytest.raises(sources.UnreadableDocument) as info:
        sources.read_document(codecs.BOM_UTF16_LE + b"\x00\xd8", "x.txt")  # a lone surrogate
    assert info.value.code == "encoding"
    with pytest.raises(sources.UnreadableDocument) as info:
        sources.read_document("要抓好".encode("gbk") + b"\xff", "x.txt")
    assert info.value.code == "encoding"
    with pytest.raises(sources.UnreadableDocument) as info:
        sources.read_document(b"\x00\x01\x02binary", "x.txt")
    assert info.value.code == "binary"
    utf16 = codecs.BOM_UTF16_LE + "要抓好".encode("utf-16-le")
    assert sources.read_document(utf16, "x.txt").text == "要抓好"
