"""The demo ledger: realistic, every state and colour, marked as demo, loaded once."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from shanshui.ledger.models import Campaign, Event, Evidence, Status, Task

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    """The demo loaded once for this module, inside a transaction rolled back after its last
    test; each test runs in a savepoint within it, as usual."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def test_the_demo_ledger_covers_every_state_and_colour():
    campaign = Campaign.objects.get(code="demo-central-3")
    assert campaign.is_demo and "演示数据" in campaign.name
    tasks = Task.objects.filter(campaign=campaign)
    assert 40 <= tasks.count() <= 60
    states = set(tasks.values_list("status", flat=True))
    assert states >= {
        Status.DRAFT,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.ACCEPTANCE_APPLIED,
        Status.RECHECKED,
        Status.ACCEPTED,
        Status.IN_PUBLIC_NOTICE,
        Status.SIGNED_OFF,
        Status.REOPENED,
    }
    assert set(tasks.values_list("warning", flat=True)) >= {"green", "yellow", "red", "overdue"}
    assert tasks.filter(parent__isnull=False).count() >= 6  # shares of split city tasks
    assert Evidence.objects.filter(task__campaign=campaign).exists()
    assert tasks.filter(reports__isnull=False).distinct().count() >= 20
    # The demo personas have work of their own.
    assert tasks.filter(task_units__unit__short_name="万州区").count() >= 10
    assert tasks.filter(task_units__unit__short_name="渝中区").count() >= 5


def test_loading_the_demo_twice_changes_nothing():
    counts = (Task.objects.count(), Event.objects.count(), Evidence.objects.count())
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert (Task.objects.count(), Event.objects.count(), Evidence.objects.count()) == counts
    assert "nothing changed" in out.getvalue()
