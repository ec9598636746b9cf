"""Masking that holds on real Chinese input: phone, landline, ID numbers and e-mail addresses
typed with full-width characters, separators or a country code, and the names people give of
themselves, are masked in everything public — whatever form they come in."""

from __future__ import annotations

import re
import unicodedata

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from shanshui.complaints import public, services
from shanshui.complaints.tests.moderation import approve
from shanshui.complaints.textmask import mask_personal_data

SEPARATORS = [" ", "-", ".", "－", "．", "　", "—", "·", " - "]
TEXT = "河道排污口夜间偷排黑水气味刺鼻请尽快处理附近居民反映强烈，。、：；！？（）"


def full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


@st.composite
def digits_typed(draw, digits: str) -> str:
    """``digits`` as a person types them: some full-width, separators here and there."""
    out = []
    for i, ch in enumerate(digits):
        if i and draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from(SEPARATORS)))
        out.append(full_width(ch) if draw(st.booleans()) else ch)
    return "".join(out)


@st.composite
def mobile(draw) -> tuple[str, str]:
    number = (
        "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    )
    typed = draw(digits_typed(number))
    prefix = draw(st.sampled_from(["", "+86 ", "+86", "＋８６－", "0086 "]))
    return number, prefix + typed


@st.composite
def landline(draw) -> tuple[str, str]:
    area = draw(st.sampled_from(["023", "010", "0755", "028"]))
    local = draw(st.sampled_from("2345678")) + draw(st.text("0123456789", min_size=7, max_size=7))
    sep = draw(st.sampled_from(["-", " ", "－", "", ")"]))
    typed_area = f"({area}" if sep == ")" else area
    return local, typed_area + sep + draw(digits_typed(local))


@st.composite
def id_number(draw) -> tuple[str, str]:
    body = (
        "50010"
        + draw(st.sampled_from("123456789"))
        + "19"
        + draw(st.text("0123456789", min_size=2, max_size=2))
    )
    body += "0" + draw(st.sampled_from("19")) + "1" + draw(st.sampled_from("0123456789"))
    body += draw(st.text("0123456789", min_size=3, max_size=3))
    last = draw(st.sampled_from(list("0123456789Xx")))
    number = body + last
    return number.upper(), draw(digits_typed(number))


@st.composite
def email(draw) -> tuple[str, str]:
    local = draw(st.from_regex(r"[a-z][a-z0-9._]{2,10}[a-z0-9]", fullmatch=True))
    domain = draw(st.sampled_from(["qq.com", "163.com", "example.org", "cq.gov.cn"]))
    at = draw(st.sampled_from(["@", "＠", " @ "]))
    typed = local + at + domain
    return local + "@", full_width(typed) if draw(st.booleans()) else typed


@st.composite
def name(draw) -> tuple[str, str]:
    given = draw(st.sampled_from(["张三", "李小红", "王建国", "陈先生", "刘女士"]))
    lead = draw(st.sampled_from(["我叫", "联系人：", "联系人", "姓名:", "举报人 ", "本人"]))
    return given, lead + given


def _flat(text: str) -> str:
    return re.sub(r"[\s.\-‐‑‒–—―·•_/()]", "", unicodedata.normalize("NFKC", text).upper())


def leaked(output: str, canonical: str) -> bool:
    """Whether ``canonical`` (an e-mail's local part with its @) is in ``output`` in any form:
    compared on NFKC copies without separators or spaces."""
    return _flat(canonical) in _flat(output)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(mobile(), landline(), id_number(), email(), name()),
    st.text(TEXT, max_size=12),
    st.text(TEXT, max_size=12),
)
def test_no_form_of_a_number_survives_masking(found, before, after):
    canonical, typed = found
    text = f"{before}，{typed}。{after}"
    masked = mask_personal_data(text)
    assert not leaked(masked, canonical), (text, masked)
    # The rest of the text is untouched.
    assert masked.startswith(before) and masked.endswith(after)


@pytest.mark.parametrize(
    "text",
    [
        "2024年6月12日夜间",
        "排放浓度 1234.5 mg/L",
        "第3批交办件 X500000202406120001",
        "罚款 86000 元",
    ],
)
def test_ordinary_numbers_are_left_alone(text):
    assert mask_personal_data(text) == text


SAMPLES = [
    ("13987654321", "电话１３９８７６５４３２１"),
    ("13987654321", "手机 139-8765-4321"),
    ("13987654321", "+86 139.8765.4321"),
    ("63851234", "座机（023）6385 1234"),
    ("50010119900101123X", "身份证号５００１０１１９９００１０１１２３Ｘ"),
    ("zhang.san@", "邮箱 ｚｈａｎｇ．ｓａｎ＠ｅｘａｍｐｌｅ．ｏｒｇ"),
    ("张三丰", "我叫张三丰"),
]


@pytest.mark.django_db
def test_every_public_output_masks_every_form(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    description = "河边有人偷排废水。" + "；".join(typed for _c, typed in SAMPLES)
    c = services.complaint_submit(
        report=services.Report(
            description=description,
            categories=["water"],
            address="万州区太白路 联系人李四 电话１３９ ８７６５ ４３２１",
        )
    )
    approve(c)
    anonymous = Client()
    outputs = [
        public.text(c),
        public.address(c),
        *(
            anonymous.get(path).content.decode()
            for path in (
                reverse("complaints_public:list"),
                reverse("complaints_public:detail", args=[c.code]),
                "/open311/v2/requests.json",
                "/open311/v2/requests.xml",
                f"/open311/v2/requests/{c.code}.json?extensions=true",
                "/api/v1/public/complaints",
            )
        ),
    ]
    for output in outputs:
        for canonical, _typed in [*SAMPLES, ("李四", ""), ("13987654321", "")]:
            assert not leaked(output, canonical), (canonical, output[:300])
    cache.clear()
