"""The services behind the task page's edit form and the notifications page."""

import pytest
from django.core.exceptions import ValidationError

from shanshui.ledger import services
from shanshui.ledger.models import EventKind, Notification, Status
from shanshui.ledger.services import UnitAssignment
from shanshui.lib.workflow import Conflict

pytestmark = pytest.mark.django_db


def _units(task, *extra):
    """The task's units as they are, and ``extra``."""
    rows = task.task_units.all()
    same = [UnitAssignment(tu.unit, tu.role, tu.leader_name, tu.leader_post) for tu in rows]
    return same + list(extra)


def test_task_update_saves_fields_units_and_measures_together(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    before = task.version
    measures = [*task.measures.values_list("text", flat=True), "开展复查"]
    task = services.task_update(
        actor=personas.office,
        task=task,
        expected_version=before,
        units=_units(task, UnitAssignment(personas.unit_b, "supporting")),
        measures=measures,
        title="新标题",
    )
    task.refresh_from_db()
    assert task.title == "新标题" and task.measures.count() == 4
    assert task.task_units.filter(unit=personas.unit_b, role="supporting").exists()
    # Each part on record as when changed alone, and the version moved past the page's.
    edits = task.events.filter(kind=EventKind.EDITED)
    assert edits.count() == 3 and task.version == before + 3


def test_task_update_is_all_or_nothing(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    events = task.events.count()
    with pytest.raises(ValidationError) as refused:
        services.task_update(
            actor=personas.office,
            task=task,
            expected_version=task.version,
            units=_units(task),
            measures=["只剩一条"],  # measures are never removed
            title="新标题",
        )
    assert "measures" in refused.value.message_dict
    task.refresh_from_db()
    assert task.title != "新标题" and task.events.count() == events


def test_task_update_checks_the_version_the_page_showed(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    with pytest.raises(Conflict):
        services.task_update(
            actor=personas.office,
            task=task,
            expected_version=task.version - 1,
            units=_units(task),
            measures=list(task.measures.values_list("text", flat=True)),
            title="新标题",
        )
    task.refresh_from_db()
    assert task.title != "新标题"


def test_notifications_mark_read_touches_only_the_users_own_unread(personas, task_in):
    task = task_in(Status.IN_PROGRESS)

    def note(user, key):
        return Notification.objects.create(
            user=user, task=task, key=key, kind="overdue", title="逾期"
        )

    first, second = note(personas.district_a, "a1"), note(personas.district_a, "a2")
    theirs = note(personas.district_b, "b1")
    mark = services.notifications_mark_read
    assert mark(user=personas.district_a, notifications=[first, theirs]) == 1
    first.refresh_from_db()
    read_at = first.read_at
    assert read_at is not None
    assert mark(user=personas.district_a) == 1  # the rest; the first keeps its time
    first.refresh_from_db()
    second.refresh_from_db()
    theirs.refresh_from_db()
    assert first.read_at == read_at and second.read_at is not None and theirs.read_at is None
    assert mark(user=personas.district_a) == 0
