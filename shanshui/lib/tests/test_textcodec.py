"""Text encodings from the bytes alone: byte-order marks, strict UTF-8, GB18030, Big5 on request."""

from __future__ import annotations

import codecs
import io

import pytest

from shanshui.lib import textcodec

TEXT = "站点名称,PM2.5\n万州天城,30\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),  # the platform's order, with its BOM
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb18030"), "gb18030"),
    ],
)
def test_it_decodes_boms_utf8_and_gb18030(data, encoding):
    assert textcodec.decode(data) == (TEXT, encoding)
    assert textcodec.detect_stream(io.BytesIO(data)) == encoding


def test_gb18030_bytes_that_are_not_utf8_are_gb18030():
    data = "生态环境局".encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert textcodec.decode(data) == ("生态环境局", "gb18030")


def test_ascii_and_empty_input_are_utf8():
    assert textcodec.decode(b"a,b\n1,2\n") == ("a,b\n1,2\n", "utf-8")
    assert textcodec.decode(b"") == ("", "utf-8")
    assert textcodec.detect_stream(io.BytesIO(b"")) == "utf-8"


def test_big5_only_when_asked_for():
    traditional = "張三強調，要抓好生態環境保護督察整改。"
    data = traditional.encode("big5")
    # Big5 bytes decode as GB18030 too, into rare characters: without Big5 that is the answer.
    text, encoding = textcodec.decode(data)
    assert encoding == "gb18030" and text != traditional
    assert textcodec.decode(data, candidates=textcodec.GB_BIG5) == (traditional, "big5")
    # Simplified GB18030 text stays GB18030 with Big5 among the candidates.
    simplified = "张三强调，要抓好生态环境保护督察整改。"
    assert textcodec.decode(simplified.encode("gb18030"), candidates=textcodec.GB_BIG5) == (
        simplified,
        "gb18030",
    )
    assert textcodec.decode(simplified.encode(), candidates=textcodec.GB_BIG5)[1] == "utf-8"


@pytest.mark.parametrize(
    "data",
    [
        b"a,b\n1,\xff\xfe\xff\n",  # 0xFF is no lead byte in UTF-8 or GB18030
        codecs.BOM_UTF8 + "生态".encode("gbk"),  # the mark says UTF-8, the bytes are not
        codecs.BOM_UTF16_LE + b"\x00\xd8",  # a lone surrogate
    ],
)
def test_undecodable_bytes_are_an_error(data):
    with pytest.raises(textcodec.UndecodableText) as info:
        textcodec.decode(data, candidates=textcodec.GB_BIG5)
    assert "none of the encodings" in str(info.value)
    with pytest.raises(textcodec.UndecodableText):
        textcodec.detect_stream(io.BytesIO(data))


def test_the_stream_is_decoded_in_chunks_and_left_where_it_was():
    data = ("万州" * 1000).encode("gb18030") + b"\xff"
    stream = io.BytesIO(b"xx" + data[:-1])
    stream.seek(2)
    assert textcodec.detect_stream(stream, chunk_size=7) == "gb18030"  # splits characters
    assert stream.tell() == 2
    with pytest.raises(textcodec.UndecodableText) as info:
        textcodec.detect_stream(io.BytesIO(data), chunk_size=7)
    assert info.value.candidates == ("utf-8", "gb18030")
