"""Background work on Django's task API: worker heartbeats, lost tasks, and the daily schedule.

Tasks are queued with django-tasks (``django.tasks`` from Django 6) and, in production, stored by
its database backend and run by ``manage.py run_worker``. That backend has no lease: a worker
killed in the middle of a task leaves the row RUNNING for ever. So each worker keeps a heartbeat
row (:func:`heartbeat`), and :func:`reap_lost_tasks` fails the RUNNING tasks whose worker has
stopped beating — after ``SHANSHUI_WORKER_LOST_AFTER`` seconds, or, for a worker that never
kept a heartbeat (a bare ``db_worker``), once the task has run ``SHANSHUI_TASK_TIMEOUT`` seconds.
A worker that lives on can lose a task too: when the database drops while the task's result is
saved, the worker waits out the outage and goes on, the row still RUNNING. So the heartbeat also
names the task the worker runs, and a task its live worker no longer runs is failed as well
(``CURRENT_TASK_GRACE`` after it started, so a task just taken is not raced).
Pages that follow a task (an import's progress) then see it failed and say so.

Scheduled jobs (``SHANSHUI_SCHEDULE``: a name → the function to call and the local time of day)
run once per day: :func:`schedule_due` inserts one :class:`ScheduledRun` row per job and day,
unique on both, and only whoever inserted it queues the run — two hosts, or a timer and a
worker, never run the same day's sweep twice. A failed run is tried again, up to
``MAX_ATTEMPTS`` times. The functions are idempotent themselves (the sweep recomputes; reminders
are keyed per person), so a retry does no harm.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy
from django_tasks import TaskResultStatus, default_task_backend
from django_tasks import task as background_task

from shanshui.jobs.models import RunStatus, ScheduledRun, WorkerHeartbeat

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # a scheduled run that failed is queued again until it has been tried this often
HEARTBEAT_SECONDS = 10  # how often a worker's heartbeat moves (and it looks for due work)
# A beat this long after a task started that names no or another task: the worker lost the task.
CURRENT_TASK_GRACE = dt.timedelta(seconds=2 * HEARTBEAT_SECONDS)
UNQUEUED_AFTER = dt.timedelta(minutes=10)  # a run row left without its task (a crash between)
RETRY_AFTER = dt.timedelta(minutes=10)  # a failed run waits this long before it is tried again
LOST_CLASS_PATH = "shanshui.jobs.services.WorkerLost"


class WorkerLost(Exception):
    """Recorded as a task's error when its worker stopped in the middle of it."""


def lost_after() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "SHANSHUI_WORKER_LOST_AFTER", 60))


def task_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "SHANSHUI_TASK_TIMEOUT", 3600))


# --- workers ---------------------------------------------------------------------------------


def heartbeat(worker_id: str, *, started_at: dt.datetime, current_task: str | None = None) -> None:
    """Say that this worker is alive (called every few seconds from its heartbeat thread), and
    which task it runs: a task result's id, "" for none (None: a worker that does not say)."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(
        last_seen=now, current_task=current_task
    )
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "host": socket.gethostname()[:200],
                "pid": os.getpid(),
                "started_at": started_at,
                "last_seen": now,
                "current_task": current_task,
            },
        )


def heartbeat_end(worker_id: str) -> None:
    """A worker stopping cleanly removes its heartbeat (it finishes its task first). A task
    still RUNNING in its name — its result lost to a database outage, or claimed just as the
    worker was stopped — is failed now: without the heartbeat only the time limit would."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    reason = "stopped without recording this task's result"
    for pk, worker_ids in running.values_list("pk", "worker_ids"):
        if worker_ids and worker_ids[-1] == worker_id and _fail_lost(pk, worker_id, reason, now):
            log.error("task %s failed: its worker %s stopped without it", pk, worker_id)
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def workers_alive(*, now: dt.datetime | None = None):
    now = now or timezone.now()
    return WorkerHeartbeat.objects.filter(last_seen__gte=now - lost_after()).order_by("host")


def last_heartbeat() -> dt.datetime | None:
    """The latest heartbeat of any worker (SHANSHUI_WORKER_HEARTBEAT, for /healthz)."""
    return (
        WorkerHeartbeat.objects.order_by("-last_seen").values_list("last_seen", flat=True).first()
    )


def reap_lost_tasks(*, now: dt.datetime | None = None) -> int:
    """Fail the RUNNING tasks whose worker is gone, or lives on but no longer runs them; how
    many. Heartbeats of workers gone for a day are removed. Each row is failed with a
    conditional UPDATE, so a task that finishes at the same moment keeps its own outcome."""
    from django_tasks_db.models import DBTaskResult  # the backend's model, only when installed

    now = now or timezone.now()
    seen = {
        worker_id: (last, current)
        for worker_id, last, current in WorkerHeartbeat.objects.values_list(
            "worker_id", "last_seen", "current_task"
        )
    }
    lost = []
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list(
        "pk", "worker_ids", "started_at"
    )
    for pk, worker_ids, started_at in running:
        worker = worker_ids[-1] if worker_ids else None
        last, current = seen.get(worker, (None, None))
        if last is None:  # a worker without a heartbeat (or one removed long ago): the time limit
            if started_at is None or started_at < now - task_timeout():
                lost.append((pk, worker, "stopped", _stopped(last)))
        elif last < now - lost_after():
            lost.append((pk, worker, "stopped", _stopped(last)))
        elif (
            current is not None
            and current != str(pk)
            # The beat came well after the task started (both times from the worker's own
            # clock): not one taken between the claim and the start of the task.
            and (started_at is None or last - started_at > CURRENT_TASK_GRACE)
        ):
            lost.append((pk, worker, "no longer runs it", _dropped(last, current)))
    reaped = 0
    for pk, worker, what, reason in lost:
        if _fail_lost(pk, worker, reason, now):
            reaped += 1
            log.error("task %s failed: its worker %s %s", pk, worker, what)
    WorkerHeartbeat.objects.filter(last_seen__lt=now - dt.timedelta(days=1)).delete()
    return reaped


def _fail_lost(pk, worker: str | None, reason: str, now: dt.datetime) -> bool:
    """Fail a RUNNING task as lost by its worker: conditional on the status, so a task that
    finishes at the same moment keeps its own outcome. Whether it was failed."""
    from django_tasks_db.models import DBTaskResult

    return bool(
        DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=LOST_CLASS_PATH,
            traceback=f"{LOST_CLASS_PATH}: the worker {worker or '?'} {reason}.",
        )
    )


def _stopped(last: dt.datetime | None) -> str:
    return f"stopped while running this task (last heartbeat: {_when(last)})"


def _dropped(last: dt.datetime, current: str) -> str:
    return (
        "no longer runs this task: its result was not recorded (database unavailable while "
        f"saving?) (heartbeat at {_when(last)}: running {current or 'no task'})"
    )


def _when(moment: dt.datetime | None) -> str:
    return moment.isoformat() if moment else "none"


def task_outcome(task_id: str) -> tuple[str, bool] | None:
    """(status, lost) of a queued task, ``lost`` meaning its worker died; None when the backend
    keeps no results (the immediate one) or no longer has this one."""
    if not task_id or not default_task_backend.supports_get_result:
        return None
    try:
        result = default_task_backend.get_result(task_id)
    except Exception:  # pruned, or another backend now: nothing to follow
        return None
    lost = any(e.exception_class_path == LOST_CLASS_PATH for e in result.errors)
    return str(result.status), lost


def enqueue_on_commit(task, *, record: Callable[[str], object] | None = None, **kwargs) -> None:
    """Queue ``task(**kwargs)`` once the caller's transaction commits (at once outside one): a
    rolled back request queues nothing, and the worker never looks for a row it cannot see yet.
    ``record(task_id)`` then keeps the task's id on the row that follows it. A queue that fails
    after the commit is logged, not raised (the request has succeeded); the row stays without
    a task and :func:`follow_task` marks it failed after ``UNQUEUED_AFTER``."""

    def enqueue() -> None:
        result = task.enqueue(**kwargs)
        if record is not None:
            record(str(result.id))

    transaction.on_commit(enqueue, robust=True)


def follow_task(
    row,
    *,
    pending: str,
    running: str,
    fail: Callable[[str], dict],
    lost: str,
    failed: str,
    unqueued: str,
    now: dt.datetime | None = None,
) -> bool:
    """Keep a row that follows a queued task (its ``status``, ``task_id`` and ``created_at``)
    honest: while it is ``pending`` or ``running`` but its task failed outside it — the worker
    was killed (message ``lost``) or the task itself failed (``failed``) — or it was never
    queued ``UNQUEUED_AFTER`` after it was made (``unqueued``), it is updated with
    ``fail(message)``. The update is conditional on the status, so a row that finished at the
    same moment keeps its outcome. The row is refreshed when it changed; whether it did.
    Called by the pages that show such rows, so none of them waits for ever."""
    if row.status not in (pending, running):
        return False
    if row.task_id:
        outcome = task_outcome(row.task_id)
        if outcome is None or outcome[0] != TaskResultStatus.FAILED:
            return False
        message = lost if outcome[1] else failed
    elif row.status == pending and row.created_at < (now or timezone.now()) - UNQUEUED_AFTER:
        message = unqueued
    else:
        return False
    changed = (
        type(row)
        ._default_manager.filter(pk=row.pk, status__in=[pending, running])
        .update(**fail(str(message)))
    )
    if changed:
        row.refresh_from_db()
    return bool(changed)


def queue_counts() -> dict[str, int]:
    """Tasks waiting, and failed in the last day, for the office's status panel."""
    if not default_task_backend.supports_get_result:
        return {}
    from django_tasks_db.models import DBTaskResult

    day_ago = timezone.now() - dt.timedelta(days=1)
    return {
        "waiting": DBTaskResult.objects.ready().count(),
        "running": DBTaskResult.objects.running().count(),
        "failed": DBTaskResult.objects.failed().filter(finished_at__gte=day_ago).count(),
    }


# --- schedule --------------------------------------------------------------------------------


def schedule() -> dict[str, dict]:
    return getattr(settings, "SHANSHUI_SCHEDULE", {})


def due_jobs(now: dt.datetime) -> list[tuple[str, str]]:
    local = timezone.localtime(now)
    out = []
    for name, spec in schedule().items():
        if local.time() >= dt.time.fromisoformat(spec["at"]):
            out.append((name, local.date().isoformat()))
    return out


def schedule_due(*, now: dt.datetime | None = None) -> list[ScheduledRun]:
    """Queue the scheduled jobs that are due today and have not run yet (or failed and may be
    tried again); the runs queued. Safe to call from any number of processes at once."""
    now = now or timezone.now()
    runs_sync(now=now)
    queued = []
    for name, period in due_jobs(now):
        retry = {
            "status": RunStatus.FAILED,
            "attempts__lt": MAX_ATTEMPTS,
            "finished_at__lt": now - RETRY_AFTER,
        }
        existing = ScheduledRun.objects.filter(name=name, period=period).first()
        if (
            existing is not None
            and not ScheduledRun.objects.filter(pk=existing.pk, **retry).exists()
        ):
            continue  # the usual case, every few seconds: done (or under way, or failed) already
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(name=name, period=period)
        except IntegrityError:  # there is a row: try a failed run again, once per failure
            again = ScheduledRun.objects.filter(name=name, period=period, **retry).update(
                status=RunStatus.PENDING,
                attempts=F("attempts") + 1,
                task_id="",
                started_at=None,
                finished_at=None,
            )
            if not again:
                continue
            run = ScheduledRun.objects.get(name=name, period=period)
        result = run_scheduled.enqueue(run_id=run.pk)
        ScheduledRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
        queued.append(run)
    return queued


def runs_sync(*, now: dt.datetime | None = None) -> int:
    """Runs whose task failed outside them (a lost worker) or never got queued are marked
    failed, so they show it and may be tried again; how many."""
    now = now or timezone.now()
    changed = 0
    for run in ScheduledRun.objects.filter(status__in=[RunStatus.PENDING, RunStatus.RUNNING]):
        outcome = task_outcome(run.task_id)
        if outcome is not None and outcome[0] == TaskResultStatus.FAILED:
            message = _RUN_LOST if outcome[1] else _RUN_FAILED
        elif (
            run.status == RunStatus.PENDING
            and not run.task_id
            and run.created_at < now - UNQUEUED_AFTER
        ):
            message = _RUN_UNQUEUED
        else:
            continue
        with translation.override(settings.LANGUAGE_CODE):  # shown to the office
            message = str(message)
        changed += ScheduledRun.objects.filter(pk=run.pk, status=run.status).update(
            status=RunStatus.FAILED, finished_at=now, message=message
        )
    return changed


_RUN_LOST = gettext_lazy("The worker stopped during the run; it will be tried again.")
_RUN_FAILED = gettext_lazy("The run failed in the worker; it will be tried again.")
_RUN_UNQUEUED = gettext_lazy("The run was never queued; it will be tried again.")


@background_task()
def run_scheduled(run_id: int) -> str:
    """Run one scheduled job for its day (queued by :func:`schedule_due`)."""
    claimed = ScheduledRun.objects.filter(pk=run_id, status=RunStatus.PENDING).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "not waiting"
    run = ScheduledRun.objects.get(pk=run_id)
    spec = schedule().get(run.name)
    status = RunStatus.FAILED
    try:
        if spec is None:
            raise LookupError(f"{run.name} is no longer in SHANSHUI_SCHEDULE")
        # The summary is shown to the office, in the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            message = str(import_string(spec["call"])(day=dt.date.fromisoformat(run.period)))
        status = RunStatus.DONE
    except Exception as exc:  # recorded on the run, shown to the office, retried
        log.exception("scheduled job %s for %s failed", run.name, run.period)
        message = f"{type(exc).__name__}: {exc}"
    ScheduledRun.objects.filter(pk=run_id).update(
        status=status, finished_at=timezone.now(), message=message[:2000]
    )
    return status


def last_runs() -> list[dict]:
    """Each scheduled job with its latest run (None before the first), for the office."""
    return [
        {
            "name": name,
            "label": spec.get("label", name),
            "at": spec["at"],
            "run": ScheduledRun.objects.filter(name=name).order_by("-created_at", "-pk").first(),
        }
        for name, spec in schedule().items()
    ]
