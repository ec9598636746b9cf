"""Import carbon data from .xlsx or .csv: district activity data (the default), GDP and
population, carbon-market enterprises, or enterprises' monthly energy use.

    manage.py import_carbon_activity data.xlsx --dry-run
    manage.py import_carbon_activity data.csv
    manage.py import_carbon_activity economy.csv --layout economy      (or --economy)
    manage.py import_carbon_activity enterprises.xlsx --layout market
    manage.py import_carbon_activity energy.xlsx --layout enterprise-energy

All or nothing: any row error is printed (row, column, message) and nothing is saved; exit
status 1. Importing the same file again changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shanshui.carbon import markets, services

LAYOUTS = {
    "activity": services.activity_import,
    "economy": services.economy_import,
    "market": markets.market_import,
    "enterprise-energy": markets.energy_import,
}


class Command(BaseCommand):
    help = (
        "Import carbon data: activity (区县, 年份, 行业, 能源品种, 消费量, 计量单位), economy, "
        "market enterprises or enterprise energy (统一社会信用代码, 年份, 月份, 能源品种, 消费量, "
        "计量单位)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check only; save nothing.")
        parser.add_argument(
            "--layout", choices=sorted(LAYOUTS), default="activity", help="What the file holds."
        )
        parser.add_argument(
            "--economy", action="store_true", help="The file holds GDP and population."
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        layout = "economy" if options["economy"] else options["layout"]
        with path.open("rb") as f:
            result = LAYOUTS[layout](
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
