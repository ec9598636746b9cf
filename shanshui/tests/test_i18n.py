"""The Chinese catalogue is complete and its compiled form is up to date."""

import ast
import gettext
from pathlib import Path

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
