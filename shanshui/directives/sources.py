"""Documents as they arrive: plain text in any common Chinese encoding, Word (.docx), web pages
(.html). Pure module: no Django. ``read_document(data, name)`` returns the text and how it was read.

The encoding of a text file is detected from its bytes, never taken from the file name: a byte-
order mark decides; otherwise each candidate (UTF-8, GB18030, Big5) that decodes the bytes without
error is scored by how much of the result is common Chinese (or plain ASCII) text — a wrong
decoding of Chinese bytes yields rare characters — and the best one wins.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser

from shanshui.lib.hanzi import to_simplified

MAX_BYTES = 20 * 1024 * 1024

# The most frequent characters of modern Chinese (Simplified; Traditional text is converted before
# scoring), enough to tell a right decoding from a wrong one.
_COMMON = set(
    "的一是不了在人有和这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过"
    "子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体"
    "制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内"
    "数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提"
    "直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计"
    "别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海"
    "口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身"
    "车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石"
    "记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青"
    "省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型"
    "眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞环境态护督察"
    "整推污染防绿碳排源坚持域责落区县城乡镇街村河湖库岸林草湿"
)
_PUNCT = set("，。、；：？！“”‘’（）《》【】—…·")
_CANDIDATES = ("utf-8", "gb18030", "big5")


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


def _score(text: str) -> float:
    if not text:
        return 0.0
    good = 0
    for ch in to_simplified(text):
        if ch.isascii() or ch in _COMMON or ch in _PUNCT or ch.isspace():
            good += 1
    return good / len(text)


def detect_encoding(data: bytes) -> tuple[str, str]:
    """(encoding, text) of a plain-text file's bytes."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return name, data.decode(name)
    best: tuple[float, int, str, str] | None = None
    for rank, name in enumerate(_CANDIDATES):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if name == "utf-8" and not data.isascii():
            return name, text  # valid UTF-8 with multi-byte characters is UTF-8 in practice
        candidate = (_score(text), -rank, name, text)
        if best is None or candidate > best:
            best = candidate
    if best is None:
        raise UnreadableDocument("encoding")
    return best[2], best[3]


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
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            pass
        raise UnreadableDocument("archive")
    head = data[:2048].lstrip(codecs.BOM_UTF8).lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or (
        name.lower().endswith((".html", ".htm")) and head.startswith(b"<")
    ):
        return "html"
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
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
