"""manage.py run_jobs [--loop]: run waiting background jobs (ledger imports).

With SHANSHUI_JOBS=worker the web processes only queue large imports; run this from cron every
minute, or keep it running with --loop. Jobs are claimed with a conditional UPDATE, so several
workers never run the same job. A job left running by a process that died is marked failed after
an hour.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from shanshui.reports import services


class Command(BaseCommand):
    help = "Run waiting background jobs (large ledger imports)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep running, polling.")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between polls.")

    def handle(self, *args, **options):
        while True:
            stale = services.import_jobs_fail_stale()
            ran = services.import_jobs_run_pending()
            if ran or stale or not options["loop"]:
                self.stdout.write(f"ran {ran} job(s); {stale} stale job(s) marked failed")
            if not options["loop"]:
                return
            time.sleep(options["interval"])
