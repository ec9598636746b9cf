"""manage.py rebuild_complaint_stats [--check]: recount the public statistics' summary.

The services keep the summary (``ComplaintStat``) with every action; run this after writing
cases behind their back — a bulk load, a data repair, a restore — or to check it. Idempotent:
a second run changes nothing. ``--check`` writes nothing and exits with an error when the
summary differs from a recount of the cases. The same check runs daily on the worker and
repairs a drift it finds (``stats_check.scheduled_check``).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shanshui.complaints import stats, stats_check


class Command(BaseCommand):
    help = "Recount the public statistics' summary of cases from the cases (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Compare the summary with a recount; write nothing; fail on a difference.",
        )

    def handle(self, *args, **options):
        if options["check"]:
            differ, rows = stats_check.drift()
            if differ:
                for key in differ[:20]:
                    self.stderr.write(key)
                raise CommandError(
                    _("The statistics summary differs from the cases in %(n)d rows.")
                    % {"n": len(differ)}
                )
            self.stdout.write(
                _("The statistics summary matches the cases (%(n)d rows).") % {"n": rows}
            )
            return
        n = stats.rebuild()
        self.stdout.write(_("Statistics summary rebuilt: %(n)d rows.") % {"n": n})
