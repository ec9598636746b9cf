"""The inventories' recompute after the office changed the factors, on the background queue.

A factor edit, a grid factor or another set taken into use changes every figure: the district
inventory and the market enterprises' are computed again from all their rows. That takes
seconds on a full city, too long for the office's request, so the service that changed the
factors records a :class:`RecomputeRun` (waiting) in its own transaction and queues
:func:`recompute_task` once that transaction has committed — the worker must see the new
factors. The factors page shows the latest run: waiting, running, done or failed, as the
office's panel of scheduled jobs does (``shanshui.jobs``).

Two runs never write at once: on PostgreSQL each takes a transaction-level advisory lock
before it reads the factors (SQLite lets one writer in at a time anyway), so a run that starts
after an edit always computes with it.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import TaskResultStatus
from django_tasks import task as background_task

from shanshui.carbon.models import RecomputeRun
from shanshui.jobs import services as jobs
from shanshui.jobs.models import RunStatus
from shanshui.orgs.scope import scope_for

log = logging.getLogger(__name__)

UNQUEUED_AFTER = dt.timedelta(minutes=10)  # a run left without its task (a crash between)


def recompute_request(*, actor, reason: str) -> RecomputeRun:
    """Record a waiting run and queue it once the caller's transaction commits (a rolled back
    edit queues nothing). A run still waiting serves instead: it reads the factors when it
    starts, and its row stays locked until this edit commits (the worker's claim waits), so ten
    factor edits in a row are one recompute, not ten."""
    waiting = (
        RecomputeRun.objects.select_for_update()
        .filter(status=RunStatus.PENDING, requested_at__gte=timezone.now() - UNQUEUED_AFTER)
        .order_by("-pk")
        .first()
    )
    if waiting is not None:
        return waiting
    run = RecomputeRun.objects.create(
        reason=reason[:160], requested_by=actor if getattr(actor, "pk", None) else None
    )
    transaction.on_commit(partial(_enqueue, run.pk), robust=True)
    return run


@transaction.atomic
def recompute_again(*, actor) -> RecomputeRun:
    """The office asks for a recompute by hand (after a run failed)."""
    scope_for(actor).require_office(_("Only the office changes carbon data and factors."))
    return recompute_request(actor=actor, reason=_("Recompute asked for by the office"))


def _enqueue(run_id: int) -> None:
    result = recompute_task.enqueue(run_id=run_id)
    # The immediate backend (tests) has run it already; keep the id for the status sync.
    RecomputeRun.objects.filter(pk=run_id).update(task_id=str(result.id))


@background_task()
def recompute_task(run_id: int) -> str:
    """Recompute the district and enterprise inventories with the factors in use."""
    from shanshui.carbon import services  # services queue this task: import it when it runs

    claimed = RecomputeRun.objects.filter(pk=run_id, status=RunStatus.PENDING).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "not waiting"
    try:
        with transaction.atomic():
            services.inventories_lock()
            cells = services.inventory_recompute()
            services.enterprise_recompute()
    except Exception as exc:  # recorded on the run and shown to the office
        log.exception("inventory recompute %s failed", run_id)
        RecomputeRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            message=f"{type(exc).__name__}: {exc}"[:2000],
        )
        return RunStatus.FAILED.value
    RecomputeRun.objects.filter(pk=run_id).update(
        status=RunStatus.DONE, finished_at=timezone.now(), cells=cells
    )
    return RunStatus.DONE.value


def latest_run() -> RecomputeRun | None:
    """The latest run, brought up to date with its task first (:func:`run_sync`)."""
    run = RecomputeRun.objects.select_related("requested_by").first()
    return run_sync(run) if run is not None else None


def run_sync(run: RecomputeRun, *, now: dt.datetime | None = None) -> RecomputeRun:
    """A waiting or running run whose task failed outside it (its worker stopped) or that never
    got queued is marked failed, so the page says so instead of waiting for ever."""
    if run.status not in (RunStatus.PENDING, RunStatus.RUNNING):
        return run
    now = now or timezone.now()
    outcome = jobs.task_outcome(run.task_id)
    if outcome is not None and outcome[0] == TaskResultStatus.FAILED:
        message = _LOST if outcome[1] else _FAILED
    elif (
        run.status == RunStatus.PENDING
        and not run.task_id
        and run.requested_at < now - (UNQUEUED_AFTER)
    ):
        message = _UNQUEUED
    else:
        return run
    with translation.override(settings.LANGUAGE_CODE):  # shown to the office
        message = str(message)
    RecomputeRun.objects.filter(pk=run.pk, status=run.status).update(
        status=RunStatus.FAILED, finished_at=now, message=message
    )
    run.refresh_from_db()
    return run


_LOST = gettext_lazy(
    "The worker stopped during the recompute; change a factor again or ask the administrators."
)
_FAILED = gettext_lazy("The recompute failed in the worker; ask the administrators.")
_UNQUEUED = gettext_lazy("The recompute was never queued; ask the administrators.")
