"""What the ledger keeps beside its rows for the figures: a task's category bits, each unit's one
item row per task, and each event's campaign — kept by the services, filled by the migrations."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from shanshui.ledger import services
from shanshui.ledger.models import (
    CATEGORY_BITS,
    Category,
    Event,
    Task,
    TaskUnit,
    UnitRole,
    category_bits,
    mark_item_rows,
)
from shanshui.ledger.services import UnitAssignment

pytestmark = pytest.mark.django_db


def migration(name: str):
    return importlib.import_module(f"shanshui.ledger.migrations.{name}")


def item_rows(task: Task) -> set[tuple[int, str]]:
    return set(task.task_units.filter(item_row=True).values_list("unit_id", "role"))


# --- category bits -----------------------------------------------------------------------------


def test_every_category_has_its_own_bit():
    assert set(CATEGORY_BITS) == set(Category.values)
    bits = list(CATEGORY_BITS.values())
    assert len(set(bits)) == len(bits) and all(b & (b - 1) == 0 for b in bits)
    assert category_bits(["water", "air", "water", "unknown"]) == 1 | 2


def test_category_bits_follow_the_categories(personas, task_in):
    task = task_in("draft", categories=("water", "carbon"))
    task.refresh_from_db()
    assert task.category_bits == CATEGORY_BITS["water"] | CATEGORY_BITS["carbon"]
    services.task_set_categories(
        actor=personas.office, task=task, expected_version=task.version, categories=["air"]
    )
    task.refresh_from_db()
    assert task.category_bits == CATEGORY_BITS["air"]
    services.task_set_categories(
        actor=personas.office, task=task, expected_version=task.version, categories=[]
    )
    task.refresh_from_db()
    assert task.category_bits == 0


def test_the_migration_fills_category_bits_from_the_rows(personas, task_in):
    two = task_in("draft", categories=("soil", "noise"))
    none = task_in("draft", categories=())
    Task.objects.update(category_bits=0)
    migration("0006_task_category_bits_status_cov").fill_category_bits(apps, None)
    two.refresh_from_db()
    none.refresh_from_db()
    assert two.category_bits == CATEGORY_BITS["soil"] | CATEGORY_BITS["noise"]
    assert none.category_bits == 0


# --- item rows ---------------------------------------------------------------------------------


def test_one_item_row_per_task_and_unit_preferring_lead_then_responsible(personas):
    task = Task(pk=1)
    a, b = personas.unit_a, personas.unit_b
    rows = [
        TaskUnit(task=task, unit=a, role=UnitRole.IMPLEMENTING),
        TaskUnit(task=task, unit=a, role=UnitRole.RESPONSIBLE),
        TaskUnit(task=task, unit=b, role=UnitRole.IMPLEMENTING),
        TaskUnit(task=task, unit=b, role=UnitRole.LEAD),
        TaskUnit(task=task, unit=b, role=UnitRole.RESPONSIBLE),
        TaskUnit(task=task, unit=personas.unit_office, role=UnitRole.ACCEPTING),
        TaskUnit(task=task, unit=personas.unit_department, role=UnitRole.SUPPORTING),
    ]
    mark_item_rows(rows)
    assert {(r.unit_id, r.role) for r in rows if r.item_row} == {
        (a.pk, UnitRole.RESPONSIBLE),
        (b.pk, UnitRole.LEAD),
    }


def test_the_services_keep_the_item_rows(personas, task_in):
    task = task_in("draft")
    assert item_rows(task) == {
        (personas.unit_a.pk, UnitRole.IMPLEMENTING),
        (personas.unit_department.pk, UnitRole.LEAD),
    }
    # 万州区 becomes the lead as well: its lead row counts, its implementing row no longer.
    services.task_set_units(
        actor=personas.office,
        task=task,
        expected_version=task.version,
        units=[
            UnitAssignment(personas.unit_a, UnitRole.LEAD),
            UnitAssignment(personas.unit_a, UnitRole.IMPLEMENTING),
            UnitAssignment(personas.unit_department, UnitRole.RESPONSIBLE),
            UnitAssignment(personas.unit_office, UnitRole.ACCEPTING),
        ],
    )
    assert item_rows(task) == {
        (personas.unit_a.pk, UnitRole.LEAD),
        (personas.unit_department.pk, UnitRole.RESPONSIBLE),
    }


def test_the_migration_marks_the_item_rows(personas, task_in):
    task = task_in("draft")
    TaskUnit.objects.create(task=task, unit=personas.unit_a, role=UnitRole.RESPONSIBLE)
    TaskUnit.objects.update(item_row=False)
    migration("0009_taskunit_item_row").mark_item_rows(apps, None)
    assert item_rows(task) == {
        (personas.unit_a.pk, UnitRole.RESPONSIBLE),
        (personas.unit_department.pk, UnitRole.LEAD),
    }


# --- the events' campaign ----------------------------------------------------------------------


def test_every_event_carries_its_tasks_campaign(personas, task_in, campaign):
    task = task_in("in_progress")
    events = Event.objects.filter(task=task)
    assert events.count() >= 3
    assert set(events.values_list("campaign_id", flat=True)) == {campaign.pk}
    # Written without one (as a script might), it is taken from the task.
    event = Event.objects.create(task=task, kind="edited")
    assert event.campaign_id == campaign.pk


# --- the search text ---------------------------------------------------------------------------


def test_the_search_text_follows_the_task(personas, task_in):
    from shanshui.ledger.models import TaskSearch
    from shanshui.ledger.selectors import ledger

    task = task_in("draft", title="长江支流排污口整治")
    assert TaskSearch.objects.get(task=task).text == task.compute_search_text()
    assert list(ledger(personas.office, data={"q": "排污口"})) == [task]
    services.task_edit(
        actor=personas.office, task=task, expected_version=task.version, title="黑臭水体治理"
    )
    assert list(ledger(personas.office, data={"q": "黑臭水体"})) == [task]
    task.refresh_from_db()
    assert TaskSearch.objects.get(task=task).text == task.compute_search_text()
    assert "黑臭水体治理" in task.compute_search_text()
