"""Background work's own records: which workers are alive, and the runs of scheduled jobs.

The tasks themselves are rows of the task backend (django-tasks' database backend); these models
add what it lacks: a heartbeat per worker, so a task whose worker died is noticed, and one row
per scheduled job and period, so a daily job runs once a day however many schedulers there are.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """A worker process, while it lives: its ``last_seen`` moves every few seconds, and with it
    ``current_task``, the task it is running at that beat."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)
    # The id of the task result it runs, "" between tasks; NULL: a worker that does not say (one
    # from before this field), whose tasks are only failed once it stops beating.
    current_task = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    class Meta:
        verbose_name = _("background worker")
        verbose_name_plural = _("background workers")

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ScheduledRun(models.Model):
    """One run of a scheduled job (SHANSHUI_SCHEDULE) for one period (a day).

    Unique per job and period: whoever inserts the row runs the job, so two schedulers (or one
    started twice) never run the same day's sweep twice.
    """

    name = models.CharField(max_length=50)
    period = models.CharField(max_length=20)  # the local date the run covers, "2026-12-06"
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=1)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)  # what the run did, or why it failed

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["name", "period"], name="jobs_run_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.period} ({self.status})"
