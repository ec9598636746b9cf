"""Import carbon activity data (or, with --economy, GDP and population) from .xlsx or .csv.

    manage.py import_carbon_activity data.xlsx --dry-run
    manage.py import_carbon_activity data.csv
    manage.py import_carbon_activity economy.csv --economy

All or nothing: any row error is printed (row, column, message) and nothing is saved; exit
status 1. Importing the same file again changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shanshui.carbon import services


class Command(BaseCommand):
    help = "Import carbon activity data (区县, 年份, 行业, 能源品种, 消费量, 计量单位)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check only; save nothing.")
        parser.add_argument(
            "--economy", action="store_true", help="The file holds GDP and population."
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        action = services.economy_import if options["economy"] else services.activity_import
        with path.open("rb") as f:
            result = action(
                actor=None,
                fileobj=f,
                dry_run=options["dry_run"],
                max_bytes=services.COMMAND_MAX_BYTES,
            )
        for e in result.errors:
            where = f"row {e.row}" if e.row else "file"
            column = f" [{e.column}]" if e.column else ""
            self.stderr.write(f"{where}{column}: {e.message}")
        if not result.ok:
            raise CommandError(f"{len(result.errors)} error(s); nothing was imported.")
        verb = "would import" if options["dry_run"] else "imported"
        self.stdout.write(
            f"{path.name}: {verb} {result.total_rows} rows ({result.inserted} new, "
            f"{result.updated} changed, {result.unchanged} unchanged); "
            f"{result.districts} districts, years {', '.join(map(str, result.years))}."
        )
