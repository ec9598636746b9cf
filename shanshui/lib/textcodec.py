"""Which encoding a text file's bytes are in, decided from the bytes alone (never the file name).

A byte-order mark decides (UTF-8, UTF-16 LE/BE). Otherwise the candidates are tried in order:
strict UTF-8 first — valid UTF-8 with multi-byte characters is UTF-8 in practice — then the
legacy Chinese encodings. GB18030, a superset of GBK/GB2312, is what Excel and Notepad save in
mainland China and is always a candidate. Big5 is only for callers that read Traditional-Chinese
sources (directives from Hong Kong, Macao or Taiwan press): Big5 bytes nearly always decode as
GB18030 too, into rare characters, so when several legacy candidates decode, the one whose text
is most common Chinese (or plain ASCII) wins.

Pure standard library, no Django. The caller words the error for its users.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from typing import BinaryIO

__all__ = [
    "GB",
    "GB_BIG5",
    "UndecodableText",
    "bom_encoding",
    "decode",
    "detect_stream",
]

GB = ("utf-8", "gb18030")  # mainland files: CSV exports, spreadsheets
GB_BIG5 = ("utf-8", "gb18030", "big5")  # documents that may come in Traditional Chinese

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

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


class UndecodableText(ValueError):
    """None of ``candidates`` (or the byte-order mark's encoding) decodes the bytes."""

    def __init__(self, candidates: Sequence[str]) -> None:
        super().__init__(f"the bytes are in none of the encodings {', '.join(candidates)}")
        self.candidates = tuple(candidates)


def bom_encoding(head: bytes) -> str | None:
    """ "utf-8-sig" or "utf-16" when ``head`` starts with a byte-order mark, else ``None``."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


def decode(data: bytes, *, candidates: Sequence[str] = GB) -> tuple[str, str]:
    """(text, encoding) of ``data``; raises :class:`UndecodableText`.

    The encoding is "utf-8-sig" or "utf-16" (a byte-order mark, dropped from the text), or the
    name of the candidate that was chosen."""
    data = bytes(data)
    name = bom_encoding(data)
    if name is not None:
        try:
            return data.decode(name), name
        except UnicodeDecodeError as exc:
            raise UndecodableText((name,)) from exc
    decoded: list[tuple[str, str]] = []
    for name in candidates:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if name == "utf-8":
            return text, name
        decoded.append((text, name))
    if not decoded:
        raise UndecodableText(candidates)
    if len(decoded) == 1:
        return decoded[0]
    # Several legacy encodings decode: the most common-Chinese text wins, the earlier on a tie.
    best = max(range(len(decoded)), key=lambda i: (_score(decoded[i][0]), -i))
    return decoded[best]


def detect_stream(stream: BinaryIO, *, chunk_size: int = 1 << 20) -> str:
    """The encoding of a seekable binary stream (:data:`GB` candidates), found by decoding all of
    it in chunks without holding it in memory; the stream is left where it was. Raises
    :class:`UndecodableText`."""
    start = stream.tell()
    try:
        name = bom_encoding(stream.read(4))
        candidates = (name,) if name is not None else GB
        for encoding in candidates:
            stream.seek(start)
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                while chunk := stream.read(chunk_size):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            return encoding
        raise UndecodableText(candidates)
    finally:
        stream.seek(start)


def _score(text: str) -> float:
    """The share of ``text`` that is common Chinese, punctuation, ASCII or space."""
    if not text:
        return 0.0
    # Imported here: only Big5 needs it, and it loads the OpenCC tables.
    from shanshui.lib.hanzi import to_simplified

    good = 0
    for ch in to_simplified(text):
        if ch.isascii() or ch in _COMMON or ch in _PUNCT or ch.isspace():
            good += 1
    return good / len(text)
