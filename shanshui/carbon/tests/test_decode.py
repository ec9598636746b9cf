"""The CSV text of a carbon import: UTF-8 with or without BOM or GB18030, and a clear refusal
of anything else."""

from __future__ import annotations

import pytest
from django.utils import translation

from shanshui.carbon import importing

TEXT = "区县,年份\n万州区,2023\n"


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_it_decodes_utf8_and_gbk(encoding, reported):
    assert importing.decode(TEXT.encode(encoding)) == (TEXT, reported)


def test_text_in_no_known_encoding_is_refused_with_the_reason():
    with translation.override("zh-hans"), pytest.raises(importing.FileProblem) as info:
        importing.decode("万州区".encode("gbk") + b"\xff")
    assert "既不是 UTF-8 也不是 GBK" in info.value.message
    with translation.override("en"), pytest.raises(importing.FileProblem) as info:
        importing.decode(b"a,b\n\xff\n")
    assert "neither UTF-8 nor GBK" in info.value.message
