"""The staging table of hourly readings and the SQL that merges it into ``AirHourly``.

Good rows are streamed into a temporary table while the file is read: on PostgreSQL through
psycopg 3 ``cursor.copy("COPY … FROM STDIN")``, on SQLite with ``executemany`` in batches of
:data:`BATCH_ROWS`. The merge is one ``INSERT … SELECT … ON CONFLICT (station_id, hour) DO UPDATE
SET … WHERE <a value differs>``; the (station, day) pairs of new or changed rows are collected in a
second temporary table for the daily recompute.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

from django.db import connection

from shanshui.monitoring import daily
from shanshui.monitoring.loading.headers import AIR_FIELDS
from shanshui.monitoring.loading.parsing import UTC_OFFSET_H
from shanshui.monitoring.loading.results import ImportResult, Rollback
from shanshui.monitoring.models import AirHourly

BATCH_ROWS = 5_000  # rows per SQLite executemany into the staging table


class Stage:
    """A temporary staging table for hourly readings, and the SQL that merges it."""

    def __init__(self, cursor) -> None:
        self.cursor = cursor
        self.vendor = connection.vendor
        suffix = uuid.uuid4().hex[:10]
        self.table = f"mon_stage_{suffix}"
        self.touched = f"mon_touched_{suffix}"
        self._buffer: list[tuple] = []
        self._copy = None
        self._copy_cm = None
        cols = ", ".join(f"{c} double precision" for c in AIR_FIELDS)
        if self.vendor == "postgresql":
            # The joins of a large file with the stored readings hash millions of rows: give
            # this transaction (only) the memory to do it without spilling to disk.
            cursor.execute("SET LOCAL work_mem = '128MB'")
            cursor.execute(
                f"CREATE TEMP TABLE {self.table} (rownum integer, station_id bigint, "
                f"hour_h bigint, {cols}) ON COMMIT DROP"
            )
            cursor.execute(
                f"CREATE TEMP TABLE {self.touched} (station_id bigint, day_n integer, "
                f"ins bigint, upd bigint) ON COMMIT DROP"
            )
        else:
            cols = ", ".join(f"{c} real" for c in AIR_FIELDS)
            cursor.execute(
                f"CREATE TEMP TABLE {self.table} (rownum integer, station_id integer, "
                f"hour_h integer, {cols})"
            )
            cursor.execute(
                f"CREATE TEMP TABLE {self.touched} (station_id integer, day_n integer, "
                f"ins integer, upd integer)"
            )

    # writing ---------------------------------------------------------------------------------

    def open(self) -> Callable[[tuple], None]:
        """Start staging; returns the function that stages one row tuple."""
        if self.vendor == "postgresql":
            columns = ", ".join(("rownum", "station_id", "hour_h", *AIR_FIELDS))
            self._copy_cm = self.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN")
            self._copy = self._copy_cm.__enter__()
            return self._copy.write_row  # psycopg buffers and sends in large chunks
        buffer = self._buffer
        flush = self.flush

        def write(row: tuple) -> None:
            buffer.append(row)
            if len(buffer) >= BATCH_ROWS:
                flush()

        return write

    def flush(self) -> None:
        if self._buffer:
            marks = ", ".join(["%s"] * (3 + len(AIR_FIELDS)))
            self.cursor.executemany(f"INSERT INTO {self.table} VALUES ({marks})", self._buffer)
            self._buffer.clear()

    def close(self, exc: BaseException | None = None) -> None:
        if exc is None:
            self.flush()
        else:
            self._buffer.clear()
        if self._copy_cm is not None:
            cm, self._copy_cm, self._copy = self._copy_cm, None, None
            if exc is None:
                cm.__exit__(None, None, None)
            else:
                cm.__exit__(type(exc), exc, exc.__traceback__)
        if exc is None and self.vendor == "postgresql":
            # A temporary table has no statistics until analysed: without them the planner
            # guesses its size and may scan every stored reading to compare a small file.
            self.cursor.execute(f"ANALYZE {self.table}")

    # merging ---------------------------------------------------------------------------------

    def _hour_expr(self, alias: str) -> str:
        if self.vendor == "postgresql":
            return f"to_timestamp({alias}.hour_h * 3600)"
        return f"datetime({alias}.hour_h * 3600, 'unixepoch')"

    def _differs(self, a: str, b: str, columns: tuple[str, ...]) -> str:
        if self.vendor == "postgresql":
            left = ", ".join(f"{a}.{c}" for c in columns)
            right = ", ".join(f"{b}.{c}" for c in columns)
            return f"ROW({left}) IS DISTINCT FROM ROW({right})"
        return "(" + " OR ".join(f"{a}.{c} IS NOT {b}.{c}" for c in columns) + ")"

    def compare(self, columns: tuple[str, ...] = AIR_FIELDS) -> tuple[int, int]:
        """Fill the touched table: per (station, day) the new rows and the rows where one of
        ``columns`` (the pollutants the file has) differs. Returns (inserted, updated)."""
        hourly = AirHourly._meta.db_table
        if self.vendor == "postgresql":
            counts = (
                "count(*) FILTER (WHERE h.id IS NULL), count(*) FILTER (WHERE h.id IS NOT NULL)"
            )
        else:
            counts = "sum(h.id IS NULL), sum(h.id IS NOT NULL)"
        # The day of a label: labels 01:00 … 24:00 (Beijing time) belong to the day.
        day = f"(s.hour_h + {UTC_OFFSET_H - 1}) / 24"
        self.cursor.execute(
            f"INSERT INTO {self.touched} (station_id, day_n, ins, upd) "
            f"SELECT s.station_id, {day}, {counts} "
            f"FROM {self.table} s LEFT JOIN {hourly} h "
            f"ON h.station_id = s.station_id AND h.hour = {self._hour_expr('s')} "
            f"WHERE h.id IS NULL OR {self._differs('h', 's', columns)} "
            f"GROUP BY s.station_id, {day}"
        )
        self.cursor.execute(f"SELECT sum(ins), sum(upd) FROM {self.touched}")
        ins, upd = self.cursor.fetchone()
        return int(ins or 0), int(upd or 0)

    def merge(self, columns: tuple[str, ...] = AIR_FIELDS) -> None:
        """Insert new rows; update ``columns`` of changed rows. A pollutant the file has no
        column for keeps its stored value (a file of PM2.5 alone does not erase the others)."""
        hourly = AirHourly._meta.db_table
        cols = ", ".join(AIR_FIELDS)
        values = ", ".join(f"s.{c}" for c in AIR_FIELDS)
        sets = ", ".join(f"{c} = excluded.{c}" for c in columns)
        where = "" if self.vendor == "postgresql" else " WHERE true"
        self.cursor.execute(
            f"INSERT INTO {hourly} (station_id, hour, {cols}) "
            f"SELECT s.station_id, {self._hour_expr('s')}, {values} FROM {self.table} s{where} "
            f"ON CONFLICT (station_id, hour) DO UPDATE SET {sets} "
            f"WHERE {self._differs(hourly, 'excluded', columns)}"
        )

    def merge_counting(self, columns: tuple[str, ...] = AIR_FIELDS) -> tuple[int, int]:
        """PostgreSQL: :meth:`compare` and :meth:`merge` in one statement. The staged rows are
        joined with the stored ones and only new or changed rows go into the upsert — so an
        unchanged row is neither written nor locked (``ON CONFLICT DO UPDATE … WHERE`` would
        still lock it, and dirty its page) — in station and hour order, which keeps the unique
        index's insertions local. The upsert returns its rows and whether each was inserted
        (``xmax = 0``: no earlier version) or updated. Returns (inserted, updated)."""
        hourly = AirHourly._meta.db_table
        cols = ", ".join(AIR_FIELDS)
        values = ", ".join(f"s.{c}" for c in AIR_FIELDS)
        sets = ", ".join(f"{c} = excluded.{c}" for c in columns)
        day = f"(EXTRACT(EPOCH FROM hour)::bigint / 3600 + {UTC_OFFSET_H - 1}) / 24"
        self.cursor.execute(
            f"WITH up AS ("
            f"INSERT INTO {hourly} (station_id, hour, {cols}) "
            f"SELECT s.station_id, {self._hour_expr('s')}, {values} FROM {self.table} s "
            f"LEFT JOIN {hourly} h "
            f"ON h.station_id = s.station_id AND h.hour = {self._hour_expr('s')} "
            f"WHERE h.id IS NULL OR {self._differs('h', 's', columns)} "
            f"ORDER BY s.station_id, s.hour_h "
            f"ON CONFLICT (station_id, hour) DO UPDATE SET {sets} "
            f"WHERE {self._differs(hourly, 'excluded', columns)} "
            f"RETURNING station_id, hour, (xmax = 0) AS inserted) "
            f"INSERT INTO {self.touched} (station_id, day_n, ins, upd) "
            f"SELECT station_id, {day}, count(*) FILTER (WHERE inserted), "
            f"count(*) FILTER (WHERE NOT inserted) FROM up GROUP BY station_id, {day}"
        )
        self.cursor.execute(f"SELECT sum(ins), sum(upd) FROM {self.touched}")
        ins, upd = self.cursor.fetchone()
        return int(ins or 0), int(upd or 0)

    def touched_pairs(self) -> Iterator[tuple[int, int]]:
        """(station id, day as days since 1970-01-01) of new or changed rows, by station."""
        # A cursor of its own (server-side on PostgreSQL), closed when read: the pairs of a
        # 10M-row load are ~400,000 rows that need not stay in memory twice.
        with connection.chunked_cursor() as cursor:
            cursor.execute(
                f"SELECT station_id, day_n FROM {self.touched} ORDER BY station_id, day_n"
            )
            while chunk := cursor.fetchmany(50_000):
                yield from chunk

    def drop(self) -> None:
        for table in (self.table, self.touched):
            self.cursor.execute(f"DROP TABLE IF EXISTS {table}")


def merge_staged(
    stage: Stage,
    result: ImportResult,
    staged: int,
    columns: tuple[str, ...],
    *,
    dry_run: bool,
    recompute: bool,
) -> None:
    """Compare the staged rows with the stored ones, merge them, recompute the daily values."""
    t = time.perf_counter()
    if stage.vendor == "postgresql" and not dry_run:
        result.inserted, result.updated = stage.merge_counting(columns)
        result.unchanged = staged - result.inserted - result.updated
        result.timings["merge_s"] = time.perf_counter() - t
    else:
        result.inserted, result.updated = stage.compare(columns)
        result.unchanged = staged - result.inserted - result.updated
        result.timings["compare_s"] = time.perf_counter() - t
        if dry_run:
            raise Rollback
        t = time.perf_counter()
        if result.inserted or result.updated:
            stage.merge(columns)
        result.timings["merge_s"] = time.perf_counter() - t
    if recompute and (result.inserted or result.updated):
        t = time.perf_counter()
        result.station_days, result.district_days = daily.recompute_pairs(stage.touched_pairs())
        result.timings["daily_s"] = time.perf_counter() - t
    stage.drop()
