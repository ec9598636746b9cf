"""Background work: the database queue and its worker, lost workers, the daily schedule, and the
office's view of it."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from shanshui.jobs import services
from shanshui.jobs.models import RunStatus, ScheduledRun, WorkerHeartbeat
from shanshui.testing.objectstore import free_port

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SHANGHAI = ZoneInfo("Asia/Shanghai")
CALLS: list[dt.date] = []


@task()
def add(a: int, b: int) -> int:
    return a + b


def count_call(*, day: dt.date) -> str:
    """A scheduled job for the tests: records each call."""
    CALLS.append(day)
    return f"called for {day}"


def fail_call(*, day: dt.date) -> str:
    raise RuntimeError("the mail server is away")


@pytest.fixture
def db_queue(settings):
    settings.TASKS = DB_BACKEND
    return settings


@pytest.fixture
def keep_signals():
    """The worker installs its own SIGINT/SIGTERM handlers; give pytest its own back."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.fixture
def counted(settings):
    CALLS.clear()
    settings.SHANSHUI_SCHEDULE = {
        "counted": {"call": f"{__name__}.count_call", "at": "06:00", "label": "Counted"}
    }
    return CALLS


def at(day: str, clock: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SHANGHAI)


# --- the database queue and its worker -------------------------------------------------------


# Transactional: the worker checks its connection between tasks, as it does in production,
# which a test wrapped in one transaction would not survive.
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_queued_tasks_from_the_database(db_queue, keep_signals):
    result = add.enqueue(2, 3)
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.READY
    call_command("run_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL and row.return_value == 5
    # A worker that stops cleanly takes its heartbeat with it.
    assert not WorkerHeartbeat.objects.exists()


# --- lost workers ----------------------------------------------------------------------------


def _running(worker: str, started: dt.datetime) -> DBTaskResult:
    result = add.enqueue(1, 1)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING, worker_ids=[worker], started_at=started
    )
    return DBTaskResult.objects.get(pk=result.id)


def _beat(worker: str, seen: dt.datetime, current: str | None = None) -> None:
    WorkerHeartbeat.objects.create(
        worker_id=worker,
        host="app1",
        pid=1,
        started_at=seen,
        last_seen=seen,
        current_task=current,
    )


@pytest.mark.django_db
def test_a_task_whose_worker_stopped_beating_is_failed_with_a_clear_error(db_queue):
    now = timezone.now()
    _beat("dead", now - dt.timedelta(minutes=5))
    _beat("alive", now - dt.timedelta(seconds=5))
    lost = _running("dead", now - dt.timedelta(minutes=6))
    busy = _running("alive", now - dt.timedelta(hours=3))  # long, but its worker is alive
    assert services.reap_lost_tasks() == 1
    lost.refresh_from_db()
    busy.refresh_from_db()
    assert lost.status == TaskResultStatus.FAILED and lost.finished_at is not None
    assert lost.exception_class_path == services.LOST_CLASS_PATH
    assert "the worker dead stopped" in lost.traceback
    assert busy.status == TaskResultStatus.RUNNING
    assert services.task_outcome(str(lost.pk)) == (TaskResultStatus.FAILED, True)
    # Reaping again changes nothing.
    assert services.reap_lost_tasks() == 0


@pytest.mark.django_db
def test_tasks_of_a_worker_without_heartbeat_are_failed_only_after_the_time_limit(
    db_queue, settings
):
    settings.SHANSHUI_TASK_TIMEOUT = 3600
    now = timezone.now()
    recent = _running("bare-db-worker", now - dt.timedelta(minutes=30))
    old = _running("bare-db-worker", now - dt.timedelta(hours=2))
    assert services.reap_lost_tasks() == 1
    recent.refresh_from_db()
    old.refresh_from_db()
    assert (recent.status, old.status) == (TaskResultStatus.RUNNING, TaskResultStatus.FAILED)


@pytest.mark.django_db
def test_the_worker_fails_lost_tasks_when_it_starts(db_queue, keep_signals):
    stale = timezone.now() - dt.timedelta(minutes=10)
    _beat("killed", stale)
    lost = _running("killed", stale)
    worker_cls = __import__(
        "shanshui.jobs.management.commands.run_worker", fromlist=["Worker"]
    ).Worker
    worker = worker_cls(
        schedule=False,
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="fresh",
        excluded_queue_names=[],
    )
    worker.housekeeping(timezone.now())  # what run() does before taking its first task
    lost.refresh_from_db()
    assert lost.status == TaskResultStatus.FAILED
    assert WorkerHeartbeat.objects.filter(worker_id="fresh").exists()
    assert services.last_heartbeat() is not None


def _worker(worker_id: str):
    from shanshui.jobs.management.commands.run_worker import Worker

    return Worker(
        schedule=True,
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


@contextlib.contextmanager
def database_away(tmp_path):
    """The worker's database really unreachable: its connection re-opened against a server
    that is not there (a free loopback port; for SQLite, a file in a missing directory)."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = str(tmp_path / "missing" / "db.sqlite3")
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def _worker_log(caplog) -> list[tuple[str, str, bool]]:
    return [
        (r.levelname, r.getMessage(), bool(r.exc_info))
        for r in caplog.records
        if r.name == "shanshui.jobs"
    ]


# Transactional: the heartbeat closes its connection after each beat, as in production.
@pytest.mark.django_db(transaction=True)
def test_a_database_outage_is_one_warning_and_its_end_one_info(db_queue, caplog, tmp_path):
    caplog.set_level(logging.INFO, logger="shanshui.jobs")
    worker = _worker("beating")
    started = timezone.now()
    worker.beat_once(started)
    assert _worker_log(caplog) == []
    with database_away(tmp_path):
        for _ in range(4):  # every beat of the outage fails; one line says so
            worker.beat_once(started)
    first = WorkerHeartbeat.objects.get(worker_id="beating").last_seen
    worker.beat_once(started)
    worker.beat_once(started)
    assert _worker_log(caplog) == [
        (
            "WARNING",
            "worker beating: database unavailable, heartbeat skipped (OperationalError)",
            False,
        ),
        ("INFO", "worker beating: database available again, heartbeat resumed", False),
    ]
    assert WorkerHeartbeat.objects.get(worker_id="beating").last_seen > first
    # A second outage is reported again.
    with database_away(tmp_path):
        worker.beat_once(started)
    worker.beat_once(started)
    assert [level for level, _m, _e in _worker_log(caplog)] == ["WARNING", "INFO"] * 2


@pytest.mark.django_db(transaction=True)
def test_the_task_loop_waits_out_a_database_outage_instead_of_ending(
    db_queue, caplog, tmp_path, keep_signals
):
    caplog.set_level(logging.INFO, logger="shanshui.jobs")
    result = add.enqueue(20, 22)
    worker = _worker("looping")
    own = connection.settings_dict  # this thread's connection, restored from a timer
    saved = dict(own)
    with database_away(tmp_path):
        back = threading.Timer(1.5, lambda: own.update(saved))
        back.start()
        worker.work()  # batch: returns once the queue is empty
        back.join()
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL
    assert _worker_log(caplog) == [
        (
            "WARNING",
            "worker looping: database unavailable, waiting to take tasks (OperationalError)",
            False,
        ),
        ("INFO", "worker looping: database available again, taking tasks again", False),
    ]


@pytest.mark.django_db(transaction=True)
def test_any_other_heartbeat_error_is_logged_with_its_traceback_every_time(
    db_queue, caplog, settings
):
    # A schedule that cannot be read is a bug to fix, not an outage: an ERROR each beat.
    settings.SHANSHUI_SCHEDULE = {"broken": {"call": f"{__name__}.count_call", "at": "noon"}}
    worker = _worker("beating")
    worker.beat_once(timezone.now())
    worker.beat_once(timezone.now())
    assert [(level, tb) for level, _m, tb in _worker_log(caplog)] == [("ERROR", True)] * 2
    assert not worker.database_down


# --- tasks a live worker no longer runs ------------------------------------------------------

DROPPED = (
    "no longer runs this task: its result was not recorded (database unavailable while saving?)"
)


@pytest.mark.django_db
def test_a_task_its_live_worker_no_longer_runs_is_failed_with_a_clear_error(db_queue):
    now = timezone.now()
    long_ago = now - dt.timedelta(minutes=5)
    idle = _running("idle", long_ago)  # the worker beats, running nothing
    moved_on = _running("moved-on", long_ago)  # the worker beats, running another task
    busy = _running("busy", long_ago)  # the worker beats, running this very task
    older = _running("older", long_ago)  # a worker that does not say what it runs
    _beat("idle", now, current="")
    _beat("moved-on", now, current=str(add.enqueue(2, 2).id))
    _beat("busy", now, current=str(busy.pk))
    _beat("older", now)
    assert services.reap_lost_tasks() == 2
    for row in (idle, moved_on, busy, older):
        row.refresh_from_db()
    assert (busy.status, older.status) == (TaskResultStatus.RUNNING, TaskResultStatus.RUNNING)
    for row, worker in ((idle, "idle"), (moved_on, "moved-on")):
        assert row.status == TaskResultStatus.FAILED and row.finished_at is not None
        assert row.exception_class_path == services.LOST_CLASS_PATH
        assert f"the worker {worker} {DROPPED}" in row.traceback
        assert services.task_outcome(str(row.pk)) == (TaskResultStatus.FAILED, True)
    assert "running no task" in idle.traceback
    assert services.reap_lost_tasks() == 0


@pytest.mark.django_db
def test_a_task_just_taken_is_not_failed_before_its_worker_had_time_to_name_it(db_queue):
    now = timezone.now()
    # Claimed 5 s before the worker's last beat, which did not name it yet: left alone.
    just_taken = _running("quick", now - dt.timedelta(seconds=5))
    _beat("quick", now, current="")
    # Claimed a while ago, but the worker's last beat (it is alive) came before the claim.
    after_beat = _running("slow-beat", now - dt.timedelta(seconds=30))
    _beat("slow-beat", now - dt.timedelta(seconds=35), current="")
    assert services.reap_lost_tasks() == 0
    # Two beats later the worker still names no task: the task is lost.
    WorkerHeartbeat.objects.filter(worker_id="quick").update(
        last_seen=now + services.CURRENT_TASK_GRACE
    )
    assert services.reap_lost_tasks(now=now + services.CURRENT_TASK_GRACE) == 1
    just_taken.refresh_from_db()
    after_beat.refresh_from_db()
    assert just_taken.status == TaskResultStatus.FAILED and DROPPED in just_taken.traceback
    assert after_beat.status == TaskResultStatus.RUNNING


WORKER: list = []  # the worker running report_heartbeat, so the task can make it beat


@task()
def report_heartbeat() -> str | None:
    """Make the worker beat while this task runs; what its heartbeat row says it runs."""
    (worker,) = WORKER
    worker.beat_once(timezone.now())
    return WorkerHeartbeat.objects.get(worker_id=worker.worker_id).current_task


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_names_the_task_the_worker_runs(db_queue, keep_signals):
    result = report_heartbeat.enqueue()
    worker = _worker("naming")
    worker.schedule = False  # nothing else to run in its batch
    WORKER[:] = [worker]
    try:
        worker.beat_once(timezone.now())
        assert WorkerHeartbeat.objects.get(worker_id="naming").current_task == ""
        worker.work()  # batch: runs the task, then returns
    finally:
        WORKER.clear()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL and row.return_value == str(result.id)
    worker.beat_once(timezone.now())
    assert WorkerHeartbeat.objects.get(worker_id="naming").current_task == ""


AWAY: dict = {}  # where lose_the_database points the worker's connection, and the way back


@task()
def lose_the_database() -> int:
    """A task that succeeds, but whose result cannot be saved: the worker's database goes away
    as the task ends (as in the drill) and comes back 1.5 s later."""
    own = connection.settings_dict
    saved = dict(own)
    connection.close()
    if connection.vendor == "sqlite":
        own["NAME"] = str(AWAY["tmp"] / "missing" / "db.sqlite3")
    else:
        own.update(HOST="127.0.0.1", PORT=str(free_port()))
    AWAY["restore"] = lambda: own.update(saved)
    AWAY["back"] = threading.Timer(1.5, AWAY["restore"])
    AWAY["back"].start()
    return 42


@pytest.mark.django_db(transaction=True)
def test_a_result_lost_to_a_database_outage_is_failed_while_the_worker_lives_on(
    db_queue, caplog, tmp_path, keep_signals
):
    caplog.set_level(logging.INFO, logger="shanshui.jobs")
    lost = lose_the_database.enqueue()
    worker = _worker("outlived")
    worker.schedule = False
    AWAY["tmp"] = tmp_path
    try:
        worker.work()  # saving the result fails; the loop waits out the outage, then returns
    finally:
        if "back" in AWAY:
            AWAY["back"].join()
            AWAY["restore"]()
        AWAY.clear()
    assert [level for level, _m, _e in _worker_log(caplog)] == ["WARNING", "INFO"]
    row = DBTaskResult.objects.get(pk=lost.id)
    assert row.status == TaskResultStatus.RUNNING  # what the drill found
    worker.beat_once(timezone.now())  # the worker lives on, running nothing
    assert DBTaskResult.objects.get(pk=lost.id).status == TaskResultStatus.RUNNING  # too soon
    later = timezone.now() + services.CURRENT_TASK_GRACE + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        worker.beat_once(timezone.now())
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert f"the worker outlived {DROPPED}" in row.traceback


@pytest.mark.django_db
def test_a_worker_stopping_fails_the_tasks_still_running_in_its_name(db_queue):
    now = timezone.now()
    _beat("stopping", now, current="")
    _beat("other", now, current="")
    own = _running("stopping", now - dt.timedelta(seconds=3))  # its result lost in an outage
    others = _running("other", now - dt.timedelta(seconds=3))
    services.heartbeat_end("stopping")
    own.refresh_from_db()
    others.refresh_from_db()
    assert own.status == TaskResultStatus.FAILED and own.exception_class_path == (
        services.LOST_CLASS_PATH
    )
    assert "the worker stopping stopped without recording this task's result" in own.traceback
    assert others.status == TaskResultStatus.RUNNING
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["other"]


# --- the schedule ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_scheduled_job_runs_once_a_day_however_often_the_schedule_is_run(counted):
    with time_machine.travel(at("2026-12-07", "05:59"), tick=False):
        call_command("run_schedule", verbosity=0)
        assert counted == [] and not ScheduledRun.objects.exists()  # not due yet
    with time_machine.travel(at("2026-12-07", "06:01"), tick=False):
        call_command("run_schedule", verbosity=0)
        call_command("run_schedule", verbosity=0)
        assert services.schedule_due() == []
    assert counted == [dt.date(2026, 12, 7)]
    run = ScheduledRun.objects.get()
    assert (run.name, run.period, run.status) == ("counted", "2026-12-07", RunStatus.DONE)
    assert run.message == "called for 2026-12-07" and run.finished_at is not None
    with time_machine.travel(at("2026-12-08", "23:00"), tick=False):
        call_command("run_schedule", verbosity=0)
    assert counted == [dt.date(2026, 12, 7), dt.date(2026, 12, 8)]


@pytest.mark.django_db
def test_a_run_claimed_elsewhere_is_not_run_again(counted):
    # Another host inserted today's row first (and is running it): nothing to do here.
    ScheduledRun.objects.create(name="counted", period="2026-12-07", status=RunStatus.RUNNING)
    with time_machine.travel(at("2026-12-07", "07:00"), tick=False):
        assert services.schedule_due() == []
    assert counted == []


@pytest.mark.django_db
def test_a_failed_run_is_recorded_and_tried_again_a_few_times(settings):
    settings.SHANSHUI_SCHEDULE = {"broken": {"call": f"{__name__}.fail_call", "at": "00:30"}}
    with time_machine.travel(at("2026-12-07", "09:00"), tick=False) as clock:
        services.schedule_due()
        services.schedule_due()  # too soon to try again
        assert ScheduledRun.objects.get().attempts == 1
        for _ in range(services.MAX_ATTEMPTS + 1):
            clock.shift(services.RETRY_AFTER + dt.timedelta(seconds=1))
            services.schedule_due()
    run = ScheduledRun.objects.get()
    assert run.status == RunStatus.FAILED and run.attempts == services.MAX_ATTEMPTS
    assert "the mail server is away" in run.message


@pytest.mark.django_db
def test_a_run_whose_worker_died_shows_failed_and_is_tried_again(db_queue, counted):
    with time_machine.travel(at("2026-12-07", "07:00"), tick=False):
        (run,) = services.schedule_due()  # queued in the database; no worker yet
        run.refresh_from_db()
        assert run.status == RunStatus.PENDING and run.task_id
        # A worker took it and was killed.
        DBTaskResult.objects.filter(pk=run.task_id).update(
            status=TaskResultStatus.RUNNING,
            worker_ids=["killed"],
            started_at=timezone.now() - dt.timedelta(hours=2),
        )
        ScheduledRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
        services.reap_lost_tasks()
        assert services.schedule_due() == []  # failed just now: it waits a little
        run.refresh_from_db()
        assert run.status == RunStatus.FAILED and "后台进程" in run.message
    with time_machine.travel(at("2026-12-07", "07:15"), tick=False):
        (again,) = services.schedule_due()
    again.refresh_from_db()
    assert again.pk == run.pk and again.attempts == 2 and again.status == RunStatus.PENDING
    assert again.task_id != run.task_id


@pytest.mark.django_db
def test_the_real_daily_jobs_run_and_report(settings):
    with time_machine.travel(at("2026-12-07", "09:00"), tick=False):
        call_command("run_schedule", verbosity=0)
    runs = {r.name: r for r in ScheduledRun.objects.all()}
    assert set(runs) == set(settings.SHANSHUI_SCHEDULE) >= {"warning_sweep", "reminders"}
    for name in ("warning_sweep", "reminders"):
        assert runs[name].status == RunStatus.DONE, runs[name].message
    assert "项任务" in runs["warning_sweep"].message  # the summary, in the site's language


# --- the office's view -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_office_sees_the_last_run_of_each_scheduled_job(personas, client_as, counted):
    ScheduledRun.objects.create(
        name="counted",
        period="2026-12-07",
        status=RunStatus.DONE,
        finished_at=timezone.now(),
        message="called for 2026-12-07",
    )
    page = client_as(personas.office).get(reverse("home")).content.decode()
    assert 'id="jobs-panel"' in page and "Counted" in page and "called for 2026-12-07" in page
    assert "后台任务" in page
    for user in (personas.district_a, personas.department):
        assert 'id="jobs-panel"' not in client_as(user).get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_the_office_is_told_when_no_worker_runs(personas, client_as, db_queue):
    page = client_as(personas.office).get(reverse("home")).content.decode()
    assert 'id="jobs-no-worker"' in page
    _beat("alive", timezone.now())
    page = client_as(personas.office).get(reverse("home")).content.decode()
    assert 'id="jobs-no-worker"' not in page


# --- settings --------------------------------------------------------------------------------


def _settings(**env) -> subprocess.CompletedProcess:
    script = "import config.settings as s; print(s.TASKS['default']['BACKEND'])"
    skip = {"DJANGO_SETTINGS_MODULE", "SHANSHUI_TASKS_BACKEND", "SHANSHUI_SWEEP_AT"}
    environ = {k: v for k, v in os.environ.items() if k not in skip}
    return subprocess.run(
        [sys.executable, "-c", script],
        env={**environ, "DEBUG": "true", **env},
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
    )


def test_the_site_queues_in_the_database_and_refuses_a_bad_time_of_day():
    assert _settings().stdout.strip() == "django_tasks_db.DatabaseBackend"
    bad = _settings(SHANSHUI_SWEEP_AT="7:00")
    assert bad.returncode != 0 and "warning_sweep must be HH:MM" in bad.stderr
