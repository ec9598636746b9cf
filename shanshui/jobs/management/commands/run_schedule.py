"""manage.py run_schedule: fail the tasks of lost workers and queue the scheduled jobs due.

``run_worker`` does this every few seconds by itself; run this from a timer (systemd, cron)
instead when the workers run with ``--no-schedule`` or as a bare ``db_worker``. Idempotent: a
job runs once per day however often this is called, from however many hosts. ``--dry-run``
lists what is due and changes nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from shanshui.jobs import services
from shanshui.jobs.models import ScheduledRun


class Command(BaseCommand):
    help = "Fail tasks of lost workers and queue the scheduled jobs that are due today."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report, change nothing.")

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            for name, period in services.due_jobs(timezone.now()):
                run = ScheduledRun.objects.filter(name=name, period=period).first()
                state = run.status if run else "due"
                self.stdout.write(f"{name} {period}: {state}")
            return
        reaped = services.reap_lost_tasks()
        queued = services.schedule_due()
        self.stdout.write(
            f"{reaped} lost task(s) failed; queued: {', '.join(r.name for r in queued) or 'none'}"
        )
