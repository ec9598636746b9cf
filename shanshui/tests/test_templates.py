"""Every status badge the templates draw has a colour table, and each table covers its choices."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from shanshui.complaints.models import Finding
from shanshui.complaints.models import Status as CaseStatus
from shanshui.ledger.models import (
    ExtensionStatus,
    MeasureStatus,
    ObjectionStatus,
    Status,
    WarningLevel,
)
from shanshui.monitoring.indicators import targets as assessment
from shanshui.orgs.models import UnitKind
from shanshui.orgs.templatetags.badges import colour_table

# {% badge "app.table" … %} and |badge_class:"app.table"
KIND = re.compile(r"""(?:\{%\s*badge\s+|badge_class:)["']([a-z_]+\.[a-z_]+)["']""")

# Each table and the values it must colour (all of them, no more).
CHOICES = {
    "orgs.unit_kind": set(UnitKind.values),
    "orgs.unit_validity": {"current", "abolished"},
    "ledger.task_status": set(Status.values),
    "ledger.public_task_status": {Status.IN_PUBLIC_NOTICE, Status.SIGNED_OFF},
    "ledger.warning": set(WarningLevel.values),
    "ledger.measure_status": set(MeasureStatus.values),
    "ledger.extension_status": set(ExtensionStatus.values),
    "ledger.objection_status": set(ObjectionStatus.values),
    "complaints.status": set(CaseStatus.values),
    "complaints.public_status": set(CaseStatus.values),
    "complaints.finding": set(Finding.values),
    "complaints.public_finding": {*Finding.values, ""},
    "monitoring.target_status": {
        assessment.MET,
        assessment.MISSED,
        assessment.NO_TARGET,
        assessment.NO_DATA,
        assessment.NOT_ASSESSED,
    },
}


def kinds_in_templates() -> set[str]:
    found: set[str] = set()
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(directory).rglob("*.html"):
            found.update(KIND.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_kind_the_templates_use_has_a_table():
    used = kinds_in_templates()
    assert used == set(CHOICES), "a kind used in a template has no entry in CHOICES, or is unused"


@pytest.mark.parametrize("kind", sorted(CHOICES))
def test_each_table_colours_exactly_its_values(kind):
    assert set(colour_table(kind)) == CHOICES[kind]


def test_no_template_renders_help_text_unescaped():
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(directory).rglob("*.html"):
            assert "help_text|safe" not in path.read_text(encoding="utf-8"), path
