"""manage.py import_air FILE…: import hourly air readings from CSV (the national platform's
hourly layout, or CNEMC's archive layout), all or nothing per file, idempotent.

Errors are printed one per line (行/列) and the command exits with an error; nothing of that
file is written. ``--dry-run`` checks and counts without writing. Daily values (AQI) of the
days that changed are recomputed; ``--recompute-all`` recomputes every stored day instead (after
changing the rules, or to repair).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shanshui.monitoring import daily, services
from shanshui.monitoring.loading.results import ImportResult
from shanshui.orgs.commands import format_row_error, office_actor


class Command(BaseCommand):
    help = (
        "Import hourly air readings from CSV files (站点编码, 时间, SO2 … O3). All or nothing per "
        "file; importing a file again changes nothing."
    )
    kind = "air"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="CSV files.")
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        parser.add_argument(
            "--user", help="Acting user, with the office role (default: the first superuser)."
        )
        parser.add_argument(
            "--max-mb",
            type=int,
            help="Largest file accepted, in MB (default: SHANSHUI_MONITORING_CSV_MAX_BYTES).",
        )
        if self.kind == "air":
            parser.add_argument(
                "--recompute-all",
                action="store_true",
                help="Recompute the daily values of every station-day with hourly readings.",
            )

    def handle(self, *args, **options):
        files = [Path(f) for f in options["files"]]
        if not files and not options.get("recompute_all"):
            raise CommandError(_("Name at least one CSV file."))
        for path in files:
            if not path.is_file():
                raise CommandError(_("No such file: %(path)s") % {"path": path})
        actor = office_actor(options.get("user"))
        max_bytes = options["max_mb"] * 2**20 if options.get("max_mb") else None
        failed = 0
        for path in files:
            result = self.run_import(actor, path, options["dry_run"], max_bytes)
            if result.ok:
                self.stdout.write(summary(result))
            else:
                failed += 1
                for error in result.errors:
                    self.stdout.write(format_row_error(error))
                if result.error_count > len(result.errors):
                    self.stdout.write(
                        _("… and %(n)d more errors.")
                        % {"n": result.error_count - len(result.errors)}
                    )
                self.stderr.write(
                    _("%(n)d errors in %(file)s; nothing of it was imported.")
                    % {"n": result.error_count, "file": path.name}
                )
        if options.get("recompute_all"):
            if options["dry_run"]:
                self.stdout.write(_("Dry run: the daily values were not recomputed."))
            else:
                stations, districts = daily.recompute_all()
                self.stdout.write(
                    _("Recomputed %(s)d station-days and %(d)d district-days.")
                    % {"s": stations, "d": districts}
                )
        if failed:
            raise CommandError(
                _("%(n)d of %(total)d files had errors.") % {"n": failed, "total": len(files)}
            )

    def run_import(self, actor, path: Path, dry_run: bool, max_bytes: int | None):
        return services.air_csv_import(
            actor=actor, fileobj=path, dry_run=dry_run, max_bytes=max_bytes
        )


def summary(result: ImportResult) -> str:
    values = {
        "file": result.file_name,
        "rows": result.total_rows,
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }
    if result.dry_run:
        text = _(
            "%(file)s: dry run, %(rows)d rows: %(inserted)d would be new, %(updated)d changed, "
            "%(unchanged)d unchanged. Nothing was written."
        )
    else:
        text = _(
            "%(file)s: %(rows)d rows: %(inserted)d new, %(updated)d changed, %(unchanged)d "
            "unchanged."
        )
    line = text % values
    if result.station_days:
        line += " " + _("Daily values recomputed: %(s)d station-days, %(d)d district-days.") % {
            "s": result.station_days,
            "d": result.district_days,
        }
    if result.ignored_columns:
        shown = "、".join(result.ignored_columns[:12])
        more = " …" if len(result.ignored_columns) > 12 else ""
        line += " " + _("Ignored: %(cols)s.") % {"cols": shown + more}
    return line
