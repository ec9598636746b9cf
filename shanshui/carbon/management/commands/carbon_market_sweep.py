"""Raise a ledger task for every missed carbon-allowance surrender (deadline passed, less
surrendered than the verified emissions) that has no standing task. Idempotent: run it daily
from cron after the ledger's sweep (the worker's schedule runs it too).

    manage.py carbon_market_sweep --dry-run          # list what would be raised
    manage.py carbon_market_sweep                    # raise the tasks as the system
    manage.py carbon_market_sweep --user office      # raise them as an office member
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from shanshui.carbon import markets


class Command(BaseCommand):
    help = "Raise ledger tasks for missed carbon-allowance surrenders."

    def add_arguments(self, parser):
        parser.add_argument(
            "--user",
            help="The office member the tasks are raised as (default: the system, as scheduled).",
        )
        parser.add_argument("--dry-run", action="store_true", help="List only; change nothing.")
        parser.add_argument("--date", type=dt.date.fromisoformat, help="Today (YYYY-MM-DD).")

    def handle(self, *args, **options):
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"No user {options['user']!r}.") from exc
        try:
            found = markets.surrender_sweep(
                actor=user, today=options["date"], dry_run=options["dry_run"]
            )
        except PermissionDenied as exc:
            raise CommandError(f"{options['user']} is not a member of the office.") from exc
        if options["dry_run"]:
            for cy in found:
                self.stdout.write(f"{cy.enterprise.credit_code}\t{cy.enterprise.name}\t{cy.year}")
            self.stdout.write(f"{len(found)} missed surrenders without a task (dry run).")
        else:
            for task in found:
                self.stdout.write(f"{task.code}\t{task.title}")
            self.stdout.write(f"{len(found)} tasks raised.")
