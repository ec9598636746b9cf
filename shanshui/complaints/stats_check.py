"""The statistics summary checked against the cases, daily. 统计汇总核对

The services keep the public statistics' summary (``ComplaintStat``, see :mod:`stats`) exact
with every action; it drifts only when cases are written behind their back (a data repair in
SQL, a restore of part of a table, a bug). :func:`drift` compares it with a recount;
``manage.py rebuild_complaint_stats --check`` and the daily job (:func:`scheduled_check`,
``SHANSHUI_SCHEDULE`` → ``complaint_stats_check``) both use it.

What the daily job does with a drift, and why: it logs a WARNING naming the differing rows (for
whoever looks for the cause), **repairs** the summary with :func:`stats.rebuild` and checks
again, and tells the office panel how many rows were repaired. Repairing at once is safe — the
summary is derived data, the rebuild recounts exactly what the check compared with, under the
same lock the services' increments respect — and leaving it would keep wrong numbers on the
public statistics page until someone read the panel. A summary that still differs after the
rebuild fails the run (the panel shows it failed; the schedule tries again).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils.translation import gettext as _

from shanshui.complaints import stats

log = logging.getLogger(__name__)

SHOWN = 20  # differing rows named in the log


def drift() -> tuple[list[str], int]:
    """(the keys of the summary rows that differ from a recount, sorted; the summary's rows)."""
    kept, counted = stats.summary_buckets(), stats.recounted_buckets()
    differ = sorted(stats.bucket_key(b) for b in set(kept) | set(counted) if kept[b] != counted[b])
    return differ, len(kept)


class DriftRemains(Exception):
    """The summary still differs from the cases right after a rebuild."""


def scheduled_check(*, day: dt.date) -> str:
    """The daily check as a scheduled job: a summary for the office."""
    differ, rows = drift()
    if not differ:
        return _("The statistics summary matches the cases (%(n)d rows).") % {"n": rows}
    log.warning(
        "complaint statistics summary drifted from the cases in %d rows (repairing): %s",
        len(differ),
        ", ".join(differ[:SHOWN]),
    )
    stats.rebuild()
    left, rows = drift()
    if left:
        raise DriftRemains(
            f"{len(left)} summary rows still differ after the rebuild: {', '.join(left[:SHOWN])}"
        )
    return _(
        "The statistics summary differed from the cases in %(n)d rows; it was recounted and "
        "now matches (%(rows)d rows)."
    ) % {"n": len(differ), "rows": rows}
