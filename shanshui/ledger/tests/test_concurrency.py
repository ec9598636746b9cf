"""Two people acting on one task at the same moment: no update is lost, one clear loser."""

import threading

import pytest
from django.db import connection

from shanshui.ledger import services
from shanshui.ledger.models import Status, Task
from shanshui.ledger.scenarios import drive, make_campaign, make_task
from shanshui.lib.workflow import Conflict, InvalidTransition

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*calls):
    """Start the calls in threads released at the same instant; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(i, fn):
        try:
            barrier.wait(timeout=10)
            results[i] = fn()
        except Exception as exc:  # collected for the assertions
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.fixture
def task(personas):
    campaign = make_campaign(personas.office)
    task = make_task(
        personas.office,
        campaign,
        code="CC-1",
        implementing=personas.unit_a,
        lead=personas.unit_department,
        accepting=personas.unit_office,
    )
    return drive(
        task,
        Status.ACCEPTANCE_APPLIED,
        office=personas.office,
        executor=personas.district_a,
        lead_reviewer=personas.department,
    )


def test_two_reviewers_at_once_one_wins_the_other_is_told(personas, task):
    seen = task.version
    results = run_together(
        lambda: services.task_recheck(
            actor=personas.department,
            task=task,
            expected_version=seen,
            passed=True,
            opinion="复查通过",
        ),
        lambda: services.task_return(
            actor=personas.office, task=task, expected_version=seen, reason="资料不全"
        ),
    )
    winners = [r for r in results if isinstance(r, Task)]
    losers = [r for r in results if isinstance(r, Conflict | InvalidTransition)]
    assert len(winners) == 1 and len(losers) == 1, results
    task.refresh_from_db()
    assert task.status in (Status.RECHECKED, Status.IN_PROGRESS)
    assert task.version == seen + 1
    assert task.events.filter(kind__in=["rechecked", "returned"]).count() == 1


def test_simultaneous_reports_are_both_kept(personas, task):
    services.task_return(actor=personas.office, task=task, expected_version=None, reason="补充")
    results = run_together(
        lambda: services.task_report(
            actor=personas.district_a, task=task, expected_version=None, text="甲报送", percent=40
        ),
        lambda: services.task_report(
            actor=personas.district_a_staff,
            task=task,
            expected_version=None,
            text="乙报送",
            percent=45,
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    task.refresh_from_db()
    assert set(task.reports.values_list("text", flat=True)) >= {"甲报送", "乙报送"}
    assert task.events.filter(kind="reported").count() == 3  # one from drive, two now
