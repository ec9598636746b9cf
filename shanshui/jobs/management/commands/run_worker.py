"""manage.py run_worker: the background worker.

django-tasks' database worker (``db_worker``, whose options it takes) with three additions it
lacks: a heartbeat row that moves every few seconds while the worker lives and names the task it
runs, failing the tasks of workers that stopped beating (a killed process leaves its task RUNNING
otherwise) or that no longer run them (a result lost to a database outage), and queueing
the scheduled jobs that are due (``--no-schedule`` leaves that to ``manage.py run_schedule`` from
a timer). Both also run once before the first task is taken. A database outage neither ends
the process nor fills the log: the worker says once that the database is unavailable, waits,
and says when it is back. Run one or more per deployment; they share the queue through the
database.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from django.db import InterfaceError, OperationalError, close_old_connections, connection
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
        self.database_down = False  # logged once per outage, by whichever thread sees it
        self.lock = threading.Lock()
        self.current_task = ""  # the id of the task being run, read by the heartbeat thread

    def housekeeping(self, started) -> None:
        services.heartbeat(self.worker_id, started_at=started, current_task=self.current_task)
        services.reap_lost_tasks()
        if self.schedule:
            services.schedule_due()

    def beat(self, started) -> None:
        """The heartbeat thread: beats, reaps and schedules every few seconds, also while the
        main thread is busy with a long task."""
        while not self.stopped.wait(services.HEARTBEAT_SECONDS):
            self.beat_once(started)
        connection.close()

    def beat_once(self, started) -> None:
        """One beat. The database away (restarted, failed over, the network cut) is an outage
        for operators, not a bug: one WARNING when it starts, one INFO when the beats get
        through again, nothing in between (the next beat simply tries again). Any other error
        is logged with its traceback every time."""
        try:
            self.housekeeping(started)
        except (OperationalError, InterfaceError) as exc:
            self.database_lost(exc, "heartbeat skipped")
        except Exception:
            log.exception("worker %s: heartbeat failed", self.worker_id)
        else:
            self.database_back("heartbeat resumed")
        finally:
            close_old_connections()

    def run_task(self, db_task_result) -> None:
        """The package's run of one task, named in the heartbeat while it lasts. Should saving
        its result fail (the database gone), the row stays RUNNING while this worker goes on:
        the beats then name no task, and :func:`services.reap_lost_tasks` fails it."""
        self.current_task = str(db_task_result.id)
        try:
            super().run_task(db_task_result)
        finally:
            self.current_task = ""

    def database_lost(self, exc: Exception, what: str) -> None:
        with self.lock:  # both threads notice an outage; one line says so
            if self.database_down:
                return
            self.database_down = True
        log.warning(
            "worker %s: database unavailable, %s (%s)", self.worker_id, what, type(exc).__name__
        )

    def database_back(self, what: str) -> None:
        with self.lock:
            if not self.database_down:
                return
            self.database_down = False
        log.info("worker %s: database available again, %s", self.worker_id, what)

    def work(self) -> None:
        """The package's loop (take a task, run it, wait), kept alive through a database
        outage: it raises as soon as it cannot read the queue, which ended the process. Now the
        worker waits for the database and takes tasks again, without a restart."""
        while True:
            try:
                super().run()
                return
            except (OperationalError, InterfaceError) as exc:
                if not self.running:
                    raise
                self.database_lost(exc, "waiting to take tasks")
            while self.running:
                time.sleep(max(self.interval, 1))
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT 1")
                except (OperationalError, InterfaceError):
                    connection.close()
                    continue
                self.database_back("taking tasks again")
                break

    def run(self) -> None:
        started = timezone.now()
        self.housekeeping(started)
        thread = threading.Thread(target=self.beat, args=(started,), daemon=True)
        thread.start()
        try:
            self.work()
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
