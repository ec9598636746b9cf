import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shanshui.ledger.reminders import deliver, due_reminders
from shanshui.ledger.sweep import sweep_warnings


class Command(BaseCommand):
    help = (
        "Daily: refresh warning colours, then send reminders (reports due, deadlines near, "
        "overdue tasks, unanswered urge notices) in the app and by e-mail, each once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report, change nothing.")
        parser.add_argument("--today", help="Pretend today is this date (YYYY-MM-DD).")

    def handle(self, *args, dry_run=False, today=None, **options):
        try:
            day = dt.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--today must be YYYY-MM-DD, got {today!r}") from exc
        swept = sweep_warnings(today=day, dry_run=dry_run)
        self.stdout.write(f"Warnings: {swept.checked} tasks checked, {swept.changed} changed.")
        result = deliver(due_reminders(day), dry_run=dry_run)
        prefix = "Would create" if dry_run else "Created"
        self.stdout.write(
            f"{prefix} {result.created} notifications ({result.already} already sent); "
            f"e-mailed {result.emailed}, {result.email_failures} e-mail failures."
        )
