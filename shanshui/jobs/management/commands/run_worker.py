"""manage.py run_worker: the background worker.

django-tasks' database worker (``db_worker``, whose options it takes) with three additions it
lacks: a heartbeat row that moves every few seconds while the worker lives, failing the tasks of
workers that stopped beating (a killed process leaves its task RUNNING otherwise), and queueing
the scheduled jobs that are due (``--no-schedule`` leaves that to ``manage.py run_schedule`` from
a timer). Both also run once before the first task is taken. Run one or more per deployment;
they share the queue through the database.
"""

from __future__ import annotations

import logging
import os
import threading

from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from shanshui.jobs import services

log = logging.getLogger("shanshui.jobs")


class Worker(db_worker.Worker):
    def __init__(self, *, schedule: bool, **kwargs):
        super().__init__(**kwargs)
        self.schedule = schedule
        self.stopped = threading.Event()

    def housekeeping(self, started) -> None:
        services.heartbeat(self.worker_id, started_at=started)
        services.reap_lost_tasks()
        if self.schedule:
            services.schedule_due()

    def beat(self, started) -> None:
        """The heartbeat thread: beats, reaps and schedules every few seconds, also while the
        main thread is busy with a long task."""
        while not self.stopped.wait(services.HEARTBEAT_SECONDS):
            try:
                self.housekeeping(started)
            except Exception:  # the database away for a moment: try again next beat
                log.exception("worker %s: heartbeat failed", self.worker_id)
            finally:
                close_old_connections()
        connection.close()

    def run(self) -> None:
        started = timezone.now()
        self.housekeeping(started)
        thread = threading.Thread(target=self.beat, args=(started,), daemon=True)
        thread.start()
        try:
            super().run()
        finally:
            self.stopped.set()
            thread.join(timeout=services.HEARTBEAT_SECONDS)
            services.heartbeat_end(self.worker_id)


class Command(db_worker.Command):
    help = "Run the background worker: queued tasks, heartbeat, lost tasks and the schedule."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-schedule",
            action="store_false",
            dest="schedule",
            help="Do not queue scheduled jobs (a timer runs manage.py run_schedule instead).",
        )

    def handle(self, *, verbosity, reload, batch, schedule=True, **options):
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        worker = Worker(
            schedule=schedule,
            queue_names=queue_names,
            interval=options["interval"],
            batch=batch,
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
