"""Documents as they arrive: plain text in any common Chinese encoding, Word (.docx), web pages
(.html). Pure module: no Django. ``read_document(data, name)`` returns the text and how it was read.

The encoding of a text file is detected from its bytes by :mod:`shanshui.lib.textcodec`, with
Big5 among the candidates (speeches and press from Hong Kong, Macao or Taiwan are Traditional
Chinese); a Word document is recognised by :mod:`shanshui.lib.filetypes`, as uploads are.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser

from shanshui.lib import filetypes, textcodec

MAX_BYTES = 20 * 1024 * 1024


class UnreadableDocument(ValueError):
    """The file cannot be read; ``args[0]`` says why: "encoding", "docx", "archive", "binary" or
    "size" (the service words it for the user)."""

    @property
    def code(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class ReadDocument:
    text: str
    kind: str  # "txt", "docx", "html"
    encoding: str  # the detected encoding ("" for .docx)


def detect_encoding(data: bytes) -> tuple[str, str]:
    """(encoding, text) of a plain-text file's bytes; Big5 too, for Traditional-Chinese sources."""
    try:
        text, encoding = textcodec.decode(data, candidates=textcodec.GB_BIG5)
    except textcodec.UndecodableText as exc:
        raise UnreadableDocument("encoding") from exc
    return encoding, text


class _TextOf(HTMLParser):
    """The visible text of a web page: blocks on their own lines, scripts and styles dropped."""

    BLOCKS = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "title",
        "table",
    }
    HIDDEN = {"script", "style", "noscript", "template", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.title: list[str] = []
        self.in_title = False

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self.in_title = True
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.in_title:
            self.title.append(data)
        if not self.hidden:
            self.parts.append(data)


def _lines(text: str) -> str:
    lines = (re.sub(r"[ \t\u3000\xa0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)


def html_text(data: bytes) -> tuple[str, str]:
    """(encoding, visible text) of a web page; a declared charset is trusted when it decodes."""
    declared = _META_CHARSET.search(data[:4096])
    encoding, raw = "", ""
    if declared:
        try:
            name = codecs.lookup(declared.group(1).decode("ascii")).name
            raw, encoding = data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            raw = ""
    if not encoding:
        encoding, raw = detect_encoding(data)
    parser = _TextOf()
    parser.feed(raw)
    parser.close()
    return encoding, _lines("".join(parser.parts))


def docx_text(data: bytes) -> str:
    """The paragraphs of a Word document (tables' cells too), one per line."""
    import docx  # python-docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableDocument("docx") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return _lines("\n".join(lines))


def kind_of(data: bytes, name: str) -> str:
    """ "docx", "html" or "txt", from the bytes (a name's extension only breaks a tie)."""
    if filetypes.is_zip(data):
        kind = filetypes.sniff(data[:8192], stream=io.BytesIO(data))
        if kind is not None and kind.code == "docx":
            return "docx"
        raise UnreadableDocument("archive")
    head = data[:2048].lstrip(codecs.BOM_UTF8).lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or (
        name.lower().endswith((".html", ".htm")) and head.startswith(b"<")
    ):
        return "html"
    if b"\x00" in data[:4096] and textcodec.bom_encoding(data) != "utf-16":
        raise UnreadableDocument("binary")
    return "txt"


def read_document(data: bytes, name: str = "") -> ReadDocument:
    if len(data) > MAX_BYTES:
        raise UnreadableDocument("size")
    kind = kind_of(data, name)
    if kind == "docx":
        return ReadDocument(docx_text(data), kind, "")
    if kind == "html":
        encoding, text = html_text(data)
        return ReadDocument(text, kind, encoding)
    encoding, text = detect_encoding(data)
    return ReadDocument(text.replace("\r\n", "\n").replace("\r", "\n"), kind, encoding)
