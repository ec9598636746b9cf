"""manage.py import_complaints FILE --campaign CODE --batch N: import a transfer list (交办件清单).

All or nothing: when any row is bad the errors are printed, one per line, nothing is written
(not even a new batch) and the command exits with an error. Running it again on the same file
changes nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanshui.complaints import importer, services
from shanshui.complaints.models import TransferBatch
from shanshui.ledger.models import Campaign
from shanshui.orgs.commands import format_row_error, office_actor


class _Failed(Exception):
    def __init__(self, result: importer.ImportResult) -> None:
        super().__init__("import failed")
        self.result = result


class Command(BaseCommand):
    help = (
        "Import a transfer list (交办件清单, .xlsx) into a campaign's batch, creating the batch if "
        "it does not exist. All or nothing; idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xlsx workbook.")
        parser.add_argument("--campaign", required=True, help="The campaign's code.")
        parser.add_argument("--batch", required=True, type=int, help="The batch number (第N批).")
        parser.add_argument(
            "--date", help="Transfer date of a new batch, YYYY-MM-DD (default: today)."
        )
        parser.add_argument("--key", action="store_true", help="A new batch of key cases (重点).")
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        parser.add_argument(
            "--user", help="Acting user, with the office role (default: the first superuser)."
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        actor = office_actor(options.get("user"))
        try:
            campaign = Campaign.objects.get(code=options["campaign"])
        except Campaign.DoesNotExist as exc:
            raise CommandError(
                _("No campaign has the code “%(code)s”.") % {"code": options["campaign"]}
            ) from exc
        day = self._date(options.get("date"))
        number = options["batch"]
        dry_run = options["dry_run"]
        batch = TransferBatch.objects.filter(campaign=campaign, number=number).first()
        differs = batch is not None and (
            (options.get("date") and day != batch.date) or (options["key"] and not batch.is_key)
        )
        if differs:
            self.stderr.write(
                _(
                    "Batch %(n)d exists already (%(date)s); --date and --key apply only to a "
                    "new batch."
                )
                % {"n": number, "date": batch.date.isoformat()}
            )
        try:
            with transaction.atomic():
                new_batch = batch is None
                if new_batch and dry_run:
                    batch = TransferBatch(
                        campaign=campaign, number=number, date=day, is_key=options["key"]
                    )
                elif new_batch:
                    try:
                        batch = services.batch_create(
                            actor=actor,
                            campaign=campaign,
                            number=number,
                            date=day,
                            is_key=options["key"],
                        )
                    except ValidationError as exc:
                        raise CommandError(" ".join(exc.messages)) from exc
                with path.open("rb") as handle:
                    result = importer.import_batch(
                        actor=actor, batch=batch, fileobj=handle, dry_run=dry_run
                    )
                if not result.ok:
                    raise _Failed(result)  # rolls back a batch created above
        except _Failed as failed:
            for error in failed.result.errors:
                self.stdout.write(format_row_error(error))
            raise CommandError(
                _("%(n)d errors in %(file)s; nothing was imported.")
                % {"n": len(failed.result.errors), "file": path.name}
            ) from None
        if new_batch and not dry_run:
            self.stdout.write(_("Created %(batch)s.") % {"batch": batch})
        for row in result.rows:
            for note in row.notes:
                self.stdout.write(format_row_error(importer.RowError(row.row, "", note)))
        if dry_run:
            summary = _(
                "Dry run: %(created)d cases would be imported, %(unchanged)d unchanged "
                "(%(total)d rows). Nothing was written."
            )
        else:
            summary = _("%(created)d cases imported, %(unchanged)d unchanged (%(total)d rows).")
        self.stdout.write(
            summary
            % {
                "created": len(result.created),
                "unchanged": len(result.unchanged),
                "total": result.total_rows,
            }
        )

    def _date(self, text: str | None) -> dt.date:
        if not text:
            return timezone.localdate()
        try:
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            raise CommandError(_("--date must be YYYY-MM-DD, not “%(v)s”.") % {"v": text}) from exc
