"""Unit pickers: a plain <select> of units that the page turns into a searchable tree. 单位选择

The select works as it is without script: its options are grouped (区县, 市级部门, 开发区,
other units) and it posts unit ids like any select. static/js/unit-picker.js, finding
``data-unit-picker``, hides it behind a search box and the groups as lists of checkboxes (radio
buttons for one unit), each group with its own "select all", and keeps the select's options in
step — the form posts exactly what it would have posted. Each option carries its search keys:
the names, their pinyin and pinyin initials ("万州区" → "wanzhouqu wzq").
"""

from __future__ import annotations

from functools import lru_cache

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin

from shanshui.orgs.models import UnitKind
from shanshui.orgs.names import keys_for

# (group, label, kinds), in the order the picker shows them; units of other kinds go last.
GROUPS = [
    (
        "territorial",
        _("Districts and counties"),
        (UnitKind.DISTRICT, UnitKind.COUNTY, UnitKind.AUTONOMOUS_COUNTY),
    ),
    (
        "city",
        _("City departments"),
        (UnitKind.DEPARTMENT, UnitKind.OFFICE, UnitKind.GOVERNMENT, UnitKind.PARTY_COMMITTEE),
    ),
    ("zones", _("Development zones and management committees"), (UnitKind.ZONE,)),
]
OTHER = ("other", _("Other units"))
_GROUP_OF = {kind: group for group, _label, kinds in GROUPS for kind in kinds}


@lru_cache(maxsize=4096)
def search_keys(*names: str) -> str:
    """What a unit is found by: its names with and without 重庆市/市, and each one's pinyin and
    pinyin initials. The picker matches typed Chinese anywhere in a name and typed letters at
    the start of a key, so "wsj" finds 万盛经开区 and not 市卫生健康委."""
    keys: list[str] = []
    for name in [key for text in names if text for key in keys_for(text)]:
        syllables = lazy_pinyin(name, errors="ignore")
        initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
        for key in (name, "".join(syllables).lower(), "".join(initials).lower()):
            if key and key not in keys:
                keys.append(key)
    return " ".join(keys)


class UnitPickerMixin:
    """Groups the options by kind of unit and gives each its search keys."""

    # The picker's words, in the page's language (read by the script).
    words = {
        "data-t-search": _("Type a name, its pinyin or initials"),
        "data-t-all": _("Select all"),
        "data-t-none": _("Deselect all"),
        "data-t-clear": _("Clear"),
        "data-t-chosen": _("Chosen: "),
        "data-t-nothing": _("None chosen"),
        "data-t-no-match": _("No unit matches."),
    }

    def __init__(self, attrs=None):
        super().__init__({**(attrs or {}), "data-unit-picker": "", **self.words})

    def optgroups(self, name, value, attrs=None):
        grouped: dict[str, list] = {}
        loose = []  # the empty choice of a single select stays first, outside the groups
        for _name, options, _index in super().optgroups(name, value, attrs):
            for option in options:
                unit = getattr(option["value"], "instance", None)
                if unit is None:
                    loose.append(option)
                    continue
                option["attrs"]["data-search"] = search_keys(unit.short_name, unit.name)
                if unit.valid_to is not None and unit.valid_to <= timezone.localdate():
                    option["label"] = _("%(unit)s (no longer exists)") % {"unit": option["label"]}
                grouped.setdefault(_GROUP_OF.get(unit.kind, OTHER[0]), []).append(option)
        out = [(None, loose, 0)] if loose else []
        for index, (group, label) in enumerate([(g, lab) for g, lab, _k in GROUPS] + [OTHER]):
            if grouped.get(group):
                out.append((str(label), grouped[group], index + 1))
        return out


class UnitPicker(UnitPickerMixin, forms.Select):
    """One unit (lead unit, accepting unit)."""


class UnitsPicker(UnitPickerMixin, forms.SelectMultiple):
    """Several units (responsible, implementing, supporting units; shares; transfers)."""
