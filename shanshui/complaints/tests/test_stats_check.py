"""The daily check of the statistics summary (``complaint_stats_check`` in SHANSHUI_SCHEDULE): a
drift is logged, repaired and reported to the office; a summary that matches is left alone."""

from __future__ import annotations

import datetime as dt
import io
import logging

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from shanshui.complaints import stats
from shanshui.complaints.models import ComplaintStat, StatFacet
from shanshui.complaints.tests.test_public import submit
from shanshui.jobs import services as jobs
from shanshui.jobs.models import RunStatus, ScheduledRun

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ordinary_day")]

JOB = "complaint_stats_check"


@pytest.fixture
def only_this_job(settings):
    """The real schedule entry, alone (the other daily jobs have their own tests)."""
    settings.SHANSHUI_SCHEDULE = {JOB: settings.SHANSHUI_SCHEDULE[JOB]}
    cache.clear()
    return settings.SHANSHUI_SCHEDULE[JOB]


@pytest.fixture
def cases(personas):
    for cats in (["water"], ["air", "soil"], ["other"]):
        submit(categories=cats, district=personas.unit_a)
    submit(categories=["noise"], district=personas.unit_b)


def run_the_day(spec) -> ScheduledRun:
    """The worker's schedule at the job's time plus an hour, in Chongqing (the immediate task
    backend runs the job as it is queued)."""
    day = dt.date(2026, 3, 11)
    at = dt.time.fromisoformat(spec["at"])
    now = dt.datetime.combine(day, at, tzinfo=stats.SHANGHAI) + dt.timedelta(hours=1)
    (queued,) = jobs.schedule_due(now=now)
    assert queued.name == JOB
    return ScheduledRun.objects.get(name=JOB, period=day.isoformat())


def test_a_drifted_summary_is_logged_repaired_and_reported(
    personas, cases, only_this_job, caplog, client_as
):
    expected = stats.summary_buckets()
    # Behind the services' back: one row counts wrong, another is gone.
    ComplaintStat.objects.filter(facet=StatFacet.CATEGORY, value="water").update(n=7)
    ComplaintStat.objects.filter(facet=StatFacet.CATEGORY, value="noise").delete()
    assert stats.summary_buckets() != expected
    with pytest.raises(CommandError):
        call_command(
            "rebuild_complaint_stats", "--check", stdout=io.StringIO(), stderr=io.StringIO()
        )

    with caplog.at_level(logging.WARNING, logger="shanshui.complaints.stats_check"):
        run = run_the_day(only_this_job)
    assert run.status == RunStatus.DONE
    assert (
        run.message
        == f"统计汇总与案件有 2 行不一致，已重新统计，现已一致（共 {len(expected)} 行）。"
    )
    assert stats.summary_buckets() == expected == stats.recounted_buckets()
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "drifted" in warning.getMessage() and "category" in warning.getMessage()
    call_command("rebuild_complaint_stats", "--check", stdout=io.StringIO())

    # The office sees the outcome on its home page; a district does not.
    page = client_as(personas.office).get("/").content.decode()
    assert "每日核对举报统计" in page and "已重新统计" in page
    assert "每日核对举报统计" not in client_as(personas.district_a).get("/").content.decode()


def test_a_summary_that_matches_is_left_alone(personas, cases, only_this_job, caplog):
    rows = set(ComplaintStat.objects.values_list("pk", "n"))
    with caplog.at_level(logging.WARNING, logger="shanshui.complaints.stats_check"):
        run = run_the_day(only_this_job)
    assert run.status == RunStatus.DONE
    assert run.message == f"统计汇总与案件一致（共 {len(rows)} 行）。"
    assert set(ComplaintStat.objects.values_list("pk", "n")) == rows  # nothing rewritten
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_it_is_on_the_daily_schedule(settings):
    spec = settings.SHANSHUI_SCHEDULE[JOB]
    assert spec["call"] == "shanshui.complaints.stats_check.scheduled_check"
    assert {r["name"] for r in jobs.last_runs()} >= {JOB}
