"""The Chinese catalogue is complete and its compiled form is up to date."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"
MO = ROOT / "locale/zh_Hans/LC_MESSAGES/django.mo"


def parse_po(path: Path) -> dict[str, str]:
    """msgid → msgstr (first plural form) for every entry, skipping the header."""
    entries: dict[str, str] = {}
    current: dict[str, list[str]] = {}
    key = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("msgid "):
            current, key = {"msgid": [line[6:]]}, "msgid"
        elif line.startswith("msgid_plural "):
            key = "plural"
            current[key] = [line[13:]]
        elif line.startswith("msgstr[0] ") or line.startswith("msgstr "):
            key = "msgstr"
            current[key] = [line.split(" ", 1)[1]]
        elif line.startswith("msgstr["):
            key = None
        elif line.startswith('"') and key:
            current[key].append(line)
        elif not line.strip() and current.get("msgid"):
            msgid = "".join(ast.literal_eval(s) for s in current["msgid"])
            if msgid:
                entries[msgid] = "".join(ast.literal_eval(s) for s in current.get("msgstr", []))
            current, key = {}, None
    return entries


def test_every_string_is_translated():
    entries = parse_po(PO)
    assert len(entries) > 150
    untranslated = [msgid for msgid, msgstr in entries.items() if not msgstr]
    assert untranslated == []
    assert "#, fuzzy" not in PO.read_text(encoding="utf-8")


def test_the_compiled_catalogue_matches_the_source():
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for msgid, msgstr in parse_po(PO).items():
        assert compiled.gettext(msgid) == msgstr or compiled.ngettext(msgid, msgid, 1) == msgstr, (
            f"django.mo is stale for {msgid!r}: run `make messages`"
        )


HAN = r"[\u3400-\u9fff\uf900-\ufaff]"
# A half-width , ; : ? ! ( ) between two Han characters (spaces around it allowed), or a
# half-width full stop ending a Chinese sentence.
HALF_WIDTH_IN_CHINESE = re.compile(rf"{HAN}\s*[,;:?!()]\s*(?={HAN})|{HAN}\.(?=\s|$)")
# Machine-readable lists, not sentences: Open311 GeoReport v2 gives a service's keywords as a
# comma-separated list, so these keep their half-width commas.
MACHINE_LISTS = {
    "sewage, discharge, outfall, river, black and smelly water",
    "smoke, dust, odour, exhaust, open burning",
    "construction noise, night work, factory noise, loudspeakers",
    "logging, quarrying, sand dredging, nature reserve, riverbank",
    "contaminated land, farmland, chemicals, leakage",
    "radioactive source, electromagnetic radiation, transmitter",
    "dumping, hazardous waste, construction waste, landfill",
}


def test_the_half_width_check_catches_what_it_should():
    for wrong in [
        "欢迎,刘明。",
        "请填写整数;谢谢",
        "时限:六月底前",
        "已办结(待公开)",
        "已保存.",
    ]:
        assert HALF_WIDTH_IN_CHINESE.search(wrong), wrong
    for right in ["欢迎，刘明。", "第 1, 2 行", "请使用 .xml 或 .json。", "（1.…；2.…）", "PM2.5"]:
        assert not HALF_WIDTH_IN_CHINESE.search(right), right


def test_chinese_sentences_use_full_width_punctuation():
    wrong = {
        msgid: msgstr
        for msgid, msgstr in parse_po(PO).items()
        if msgid not in MACHINE_LISTS and HALF_WIDTH_IN_CHINESE.search(msgstr)
    }
    assert wrong == {}, "use ，。：；？！（） in Chinese sentences"
    assert set(parse_po(PO)) >= MACHINE_LISTS, "an exception no longer needed: remove it"


def test_no_programmer_words_reach_users():
    assert {m: s for m, s in parse_po(PO).items() if "变量" in s} == {}


def test_djangos_own_validation_messages_are_plain_chinese():
    """Django's zh_Hans catalogue says "确保该变量包含不超过 3 字符 (目前字符数 6)。"; ours wins
    (LOCALE_PATHS come first), for every form of the project."""
    with translation.override("zh-hans"):
        checks = [
            (forms.IntegerField(), "x", "请填写整数。"),
            (forms.CharField(), "", "请填写此项。"),
            (forms.CharField(max_length=3), "abcdef", "最多 3 个字（现有 6 个）。"),
            (forms.IntegerField(max_value=100), "150", "不能大于 100。"),
            (forms.ChoiceField(choices=[("a", "甲")]), "b", "“b”不在可选范围内，请从列表中选择。"),
            (forms.DateField(), "明天", "请填写有效的日期，如 2027-06-30。"),
        ]
        for field, value, expected in checks:
            with pytest.raises(ValidationError) as caught:
                field.clean(value)
            assert caught.value.messages == [expected]
            assert "变量" not in expected and "字段" not in expected


def test_the_home_page_welcomes_in_a_chinese_sentence(personas, client_as):
    user = personas.district_a
    user.first_name, user.last_name = "明", "刘"
    user.save()
    html = client_as(user).get(reverse("home")).content.decode()
    name = user.get_full_name()
    assert f"欢迎，{name}。" in html


def test_the_dashboard_total_says_it_leaves_out_drafts(personas, client_as):
    html = client_as(personas.office).get(reverse("reports:dashboard")).content.decode()
    assert "不含草稿和已撤回任务" in html
