"""manage.py import_ledger FILE --campaign CODE [--dry-run]: import a rectification plan.

All or nothing: when any row is bad the errors are printed, one per line, nothing is written and
the command exits with status 1. Running it again on the same file changes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from shanshui.ledger.models import Campaign
from shanshui.orgs.commands import format_row_error, office_actor
from shanshui.reports import ledger_import


class Command(BaseCommand):
    help = (
        "Import a rectification plan or ledger (.xlsx) into a campaign. All or nothing; "
        "idempotent; a changed row updates its task through the ledger's services."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xlsx workbook.")
        parser.add_argument("--campaign", required=True, help="The campaign's code.")
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="Correct the detected mapping: column letter or 1-based number = field "
            f"({', '.join(ledger_import.SYNONYMS)}; empty to ignore). Repeatable.",
        )
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
        mapping = self._mapping(options["map"]) or None
        interactive = sys.stderr.isatty()

        def progress(done: int, total: int) -> None:
            if interactive and total:
                self.stderr.write(f"\r{done * 100 // total:3d}% ({done}/{total})", ending="")

        with path.open("rb") as fh:
            result = ledger_import.run_import(
                actor=actor,
                campaign=campaign,
                fileobj=fh,
                dry_run=options["dry_run"],
                mapping=mapping,
                progress=progress,
            )
        if interactive:
            self.stderr.write("")
        for c in result.columns:
            label = ledger_import.FIELD_LABELS.get(c["field"], "—")
            self.stdout.write(f"  {_column_letter(c['index'])}  {c['label']} → {label}")
        for e in result.errors:
            self.stderr.write(format_row_error(e))
        summary = _(
            "%(rows)d rows: %(created)d new, %(changed)d changed, %(unchanged)d unchanged."
        ) % {
            "rows": result.total_rows,
            "created": len(result.created),
            "changed": len(result.changed),
            "unchanged": result.unchanged,
        }
        if not result.ok:
            raise CommandError(
                _("Nothing was imported: %(n)d errors. %(summary)s")
                % {"n": len(result.errors), "summary": summary}
            )
        if result.dry_run:
            self.stdout.write(_("Checked, nothing written. %(summary)s") % {"summary": summary})
        else:
            self.stdout.write(self.style.SUCCESS(_("Imported. %(summary)s") % {"summary": summary}))

    def _mapping(self, items: list[str]) -> dict[int, str]:
        out: dict[int, str] = {}
        for item in items:
            column, sep, field = item.partition("=")
            if not sep or (field and field not in ledger_import.SYNONYMS):
                raise CommandError(_("Write --map COLUMN=FIELD, e.g. --map D=measures."))
            column = column.strip().upper()
            if column.isdigit():
                index = int(column) - 1
            elif column.isalpha():
                index = 0
                for ch in column:
                    index = index * 26 + ord(ch) - 64
                index -= 1
            else:
                raise CommandError(_("Write --map COLUMN=FIELD, e.g. --map D=measures."))
            out[index] = field
        return out


def _column_letter(index: int) -> str:
    return get_column_letter(index + 1)
