"""Hourly air readings: the streaming pass over a CSV file (long, date-and-hour or CNEMC's wide
layout), and the two entry points — :func:`load_air_csv` for files, :func:`load_air_rows` for
trusted generated rows. Both stage and merge through :mod:`.stage`, in one transaction.
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial

from django.db import connection, transaction
from django.utils.translation import gettext as _

from shanshui.monitoring import airstats
from shanshui.monitoring.loading.checks import (
    Stations,
    date_message,
    station_problem,
    time_message,
    value_message,
)
from shanshui.monitoring.loading.files import CsvReader, is_blank, load_checked
from shanshui.monitoring.loading.headers import (
    AIR_FIELDS,
    AIR_LABELS,
    AIR_LOOKUP,
    AIR_SYNONYMS,
    DATE,
    HEADER_SEARCH_ROWS,
    HOUR,
    STATION,
    TIME,
    TYPE,
    Header,
    find_header,
    is_air_header,
    mark_wide_layout,
    match,
)
from shanshui.monitoring.loading.parsing import (
    TimeProblem,
    ValueProblem,
    hour_label,
    hour_label_text,
    parse_date_hour,
    parse_hour,
    parse_value,
)
from shanshui.monitoring.loading.results import ImportResult, Rollback, TooManyErrors
from shanshui.monitoring.loading.stage import Stage, merge_staged
from shanshui.monitoring.models import StationKind

_BLOCK_BITS = 10  # duplicate flags per station in blocks of 1,024 hours
_BLOCK = 1 << _BLOCK_BITS
_BLOCK_MASK = _BLOCK - 1
_CACHE_LIMIT = 200_000


# --- the entry points ----------------------------------------------------------------------------


def load_air_csv(
    fileobj,
    *,
    dry_run: bool,
    max_bytes: int | None = None,
    recompute: bool = True,
    progress: Callable[[str], None] | None = None,
) -> ImportResult:
    """Check and load an hourly air CSV (see the package docstring), all or nothing.

    ``fileobj``: an uploaded file, a binary file object, bytes or a path. With ``dry_run``
    nothing is written, and the counts say what an import would do. ``recompute=False`` leaves
    the daily values alone (the caller recomputes). No permission check: services do that.
    """
    result = ImportResult(kind="air", dry_run=dry_run)
    load = partial(
        _air_transaction, result=result, dry_run=dry_run, recompute=recompute, progress=progress
    )
    return load_checked(fileobj, result, max_bytes=max_bytes, load=load)


def load_air_rows(rows: Iterable[tuple], *, recompute: bool = True) -> ImportResult:
    """Load hourly readings that need no checking (generated data, trusted feeds): tuples
    ``(station_id, hour, so2, no2, pm10, pm25, co, o3)`` with ``hour`` in hours since
    1970-01-01 00:00 UTC (see :func:`.parsing.parse_hour`) and None for missing values. No
    station and hour may appear twice. The same staging, merge and daily recompute as the CSV
    import, in one transaction."""
    result = ImportResult(kind="air", dry_run=False, layout="rows")
    t0 = time.perf_counter()
    station_ids: set[int] = set()
    lo = hi = None
    with transaction.atomic(), connection.cursor() as cursor:
        stage = Stage(cursor)
        write = stage.open()
        failure: BaseException | None = None
        n = 0
        try:
            for n, (sid, hour, *values) in enumerate(rows, start=1):
                write((n, sid, hour, *values))
                station_ids.add(sid)
                lo = hour if lo is None or hour < lo else lo
                hi = hour if hi is None or hour > hi else hi
        except BaseException as exc:
            failure = exc
            raise
        finally:
            stage.close(failure)
        result.total_rows = n
        result.stations = len(station_ids)
        if lo is not None:
            result.first, result.last = hour_label(lo), hour_label(hi)
        merge_staged(stage, result, n, AIR_FIELDS, dry_run=False, recompute=recompute)
    result.timings["total_s"] = time.perf_counter() - t0
    return result


def _air_transaction(stream, *, result: ImportResult, dry_run, recompute, progress) -> None:
    try:
        with transaction.atomic():
            with CsvReader(stream, result.encoding) as rows:
                _air_rows(rows, result, dry_run, recompute, progress)
            t_commit = time.perf_counter()
    except Rollback:
        pass
    else:
        result.timings["commit_s"] = time.perf_counter() - t_commit


def _air_rows(rows, result, dry_run, recompute, progress) -> None:
    stations = Stations()
    header = _air_header(rows, result)
    if header is None or result.errors:
        raise Rollback
    result.layout = (
        "wide" if header.wide_stations else ("long" if TIME in header.fields else "date_hour")
    )
    result.columns = {f: header.labels[i] for f, i in header.fields.items()}
    result.ignored_columns = list(header.ignored)
    with connection.cursor() as cursor:
        t = time.perf_counter()
        stage = Stage(cursor)
        state = AirPass(result, stations, stage.open())
        failure: BaseException | None = None
        try:
            if header.wide_stations:
                state.wide(header, rows, header.row)
            else:
                state.long(header, rows, header.row)
        except TooManyErrors:
            pass
        except BaseException as exc:
            failure = exc
            raise
        finally:
            stage.close(failure)
        result.stations = len(state.station_ids)
        if state.first is not None:
            result.first = hour_label(state.first)
            result.last = hour_label(state.last)
        result.timings["parse_stage_s"] = time.perf_counter() - t
        if result.errors:
            raise Rollback
        if progress:
            progress(f"staged {state.staged} rows")
        if header.wide_stations:
            columns = tuple(p for p in AIR_FIELDS if p in state.types_seen)
        else:
            columns = tuple(p for p in AIR_FIELDS if p in header.fields)
        merge_staged(stage, result, state.staged, columns, dry_run=dry_run, recompute=recompute)


def _air_header(rows: Iterator[list[str]], result: ImportResult) -> Header | None:
    """The header row, or None; problems with it are the result's errors."""
    header = find_header(rows, AIR_LOOKUP, is_air_header)
    if header is not None:
        mark_wide_layout(header)
    if header is None or (STATION not in header.fields and not header.wide_stations):
        result.add_error(
            0,
            "",
            _(
                "No header row with a station code column (站点编码) and a time column (时间, "
                "or 日期 and 小时) was found in the first %(n)d rows."
            )
            % {"n": HEADER_SEARCH_ROWS},
        )
        return None
    for f, label in header.duplicates:
        result.add_error(
            header.row,
            label,
            _("Two columns are “%(name)s”; keep one.")
            % {"name": AIR_LABELS.get(f, AIR_SYNONYMS[f][0])},
        )
    if STATION in header.fields:
        if TIME not in header.fields and not (DATE in header.fields and HOUR in header.fields):
            result.add_error(
                header.row,
                "",
                _("The time column is missing: 时间 (or 日期 and 小时)."),
            )
        if not any(p in header.fields for p in AIR_FIELDS):
            result.add_error(
                header.row,
                "",
                _("No pollutant column found (SO2, NO2, PM10, PM2.5, CO, O3)."),
            )
    return header


# --- the pass ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LongColumns:
    """Where the long layout's cells are, worked out once from the header."""

    station: int
    time: int | None  # the time column; None when a date and an hour column give the time
    date: int | None
    hour: int | None
    labels: list[str]
    time_label: str  # the column a duplicate is reported in
    values: list[tuple[int, str]]  # (index, label) of the pollutant columns the file has
    positions: list[int]  # their places in AIR_FIELDS
    pick: Callable[[list[str]], tuple]  # a row → the tuple of its value cells
    need: int  # cells a row must have

    @classmethod
    def of(cls, header: Header) -> _LongColumns:
        f, labels = header.fields, header.labels
        i_time, i_date, i_hour = f.get(TIME), f.get(DATE), f.get(HOUR)
        values = [(f[p], labels[f[p]]) for p in AIR_FIELDS if p in f]
        index = [i for i, _label in values]
        # itemgetter returns a bare item for one column, not a tuple.
        pick = operator.itemgetter(*index) if len(index) > 1 else (lambda r, i=index[0]: (r[i],))
        date_hour = (
            None if i_date is None or i_hour is None else f"{labels[i_date]}/{labels[i_hour]}"
        )
        time_label = labels[i_time] if i_time is not None else date_hour
        return cls(
            station=f[STATION],
            time=i_time,
            date=i_date,
            hour=i_hour,
            labels=labels,
            time_label=time_label,
            values=values,
            positions=[AIR_FIELDS.index(p) for p in AIR_FIELDS if p in f],
            pick=pick,
            need=max(f.values()) + 1,
        )

    def full(self, vals: list) -> list:
        """The file's values in AIR_FIELDS order, None for the pollutants it has no column for."""
        out = [None] * len(AIR_FIELDS)
        for pos, v in zip(self.positions, vals, strict=True):
            out[pos] = v
        return out


class AirPass:
    """One streaming pass over an hourly CSV: parse, check, stage.

    No per-row object is kept: station codes and time strings are looked up in bounded caches,
    and duplicates are found with one byte per station-hour seen (a ``bytearray`` per station
    and block of 1,024 hours: ~1 byte per row, 10 MB for 10M rows)."""

    def __init__(
        self, result: ImportResult, stations: Stations, write: Callable[[tuple], None] | None
    ) -> None:
        self.result = result
        self.stations = stations
        self.write = write
        self.staged = 0
        self.types_seen: set[str] = set()  # wide layout: the pollutants the file has
        self.seen: dict[int, bytearray] = {}  # station << 32 | block → flags
        self.station_ids: set[int] = set()
        self.first: int | None = None
        self.last: int | None = None
        self.writing = True

    def error(self, row: int, column: str, message: str) -> None:
        self.writing = False  # nothing more needs staging: the import will be rolled back
        self.result.add_row_error(row, column, message)

    def accept(self, row: int, sid: int, hour: int, values: tuple, time_label: str) -> None:
        """A row whose station, time and values are good: check for a duplicate, stage it.
        (The long layout does the same inline, for speed.)"""
        key = sid << 32 | hour >> _BLOCK_BITS
        flags = self.seen.get(key)
        if flags is None:
            flags = self.seen[key] = bytearray(_BLOCK)
        slot = hour & _BLOCK_MASK
        if flags[slot]:
            self.duplicate(row, sid, hour, time_label)
            return
        flags[slot] = 1
        self.station_ids.add(sid)
        self.staged += 1
        if self.first is None or hour < self.first:
            self.first = hour
        if self.last is None or hour > self.last:
            self.last = hour
        if self.writing and self.write is not None:
            self.write((row, sid, hour, *values))

    def duplicate(self, row: int, sid: int, hour: int, time_label: str) -> None:
        self.error(
            row,
            time_label,
            _("Station %(code)s has a second value for %(time)s in this file.")
            % {"code": self.stations.code_of(sid), "time": hour_label_text(hour)},
        )

    # long layout (one row per station and hour) -------------------------------------------

    def long(self, header: Header, rows: Iterator[list[str]], start: int) -> None:
        """The long layouts (a time column, or a date and an hour column).

        The common row — a station and a time seen before, every value a good number — is
        handled inline, with locals and no call per cell: this loop is what a 10M-row file
        costs. A first sighting and anything wrong go to the ``_long_…`` helpers."""
        cols = _LongColumns.of(header)
        i_station, i_time, need, pick = cols.station, cols.time, cols.need, cols.pick
        all_columns = len(cols.values) == len(AIR_FIELDS)
        time_cache: dict[str, int] = {}
        station_cache: dict[str, int] = {}
        seen, result, write = self.seen, self.result, self.write
        max_hourly = airstats.MAX_HOURLY
        lo = hi = None
        staged = 0
        row_no = start
        for row in rows:
            row_no += 1
            if len(row) < need:
                if is_blank(row):
                    continue
                row = row + [""] * (need - len(row))
            sid = station_cache.get(row[i_station])
            if sid is None:
                sid = self._long_station(cols, row, row_no)
                if sid is None:
                    continue
                station_cache[row[i_station]] = sid
            result.total_rows += 1
            key = row[i_time] if i_time is not None else row[cols.date] + "\x00" + row[cols.hour]
            hour = time_cache.get(key)
            if hour is None:
                hour = self._long_hour(cols, row, row_no)
                if hour is None:
                    continue
                if len(time_cache) > _CACHE_LIMIT:
                    time_cache.clear()
                time_cache[key] = hour
            try:
                vals = list(map(float, pick(row)))
                total = sum(vals)
                if total != total or min(vals) < 0 or max(vals) > max_hourly:
                    vals = None  # NaN, infinite, negative or absurd: look closer
            except ValueError:
                vals = None
            if vals is None:
                vals = self._long_values(cols, row, row_no)
                if vals is None:
                    continue
            # duplicates within the file
            block_key = sid << 32 | hour >> _BLOCK_BITS
            block = seen.get(block_key)
            if block is None:
                block = seen[block_key] = bytearray(_BLOCK)
            if block[hour & _BLOCK_MASK]:
                self.duplicate(row_no, sid, hour, cols.time_label)
                continue
            block[hour & _BLOCK_MASK] = 1
            staged += 1
            if lo is None:
                lo = hi = hour
            elif hour < lo:
                lo = hour
            elif hour > hi:
                hi = hour
            if self.writing:
                write((row_no, sid, hour, *(vals if all_columns else cols.full(vals))))
        self.staged += staged
        if lo is not None:
            self.first = lo if self.first is None else min(self.first, lo)
            self.last = hi if self.last is None else max(self.last, hi)

    def _long_station(self, cols: _LongColumns, row: list[str], row_no: int) -> int | None:
        """The station id of a code not seen before, or None (a blank row, or an error)."""
        code = row[cols.station]
        hit = self.stations.get(code)
        problem = station_problem(code, hit, StationKind.AIR)
        if problem is not None:
            if not is_blank(row):
                self.result.total_rows += 1
                self.error(row_no, cols.labels[cols.station], problem)
            return None
        self.station_ids.add(hit[0])
        return hit[0]

    def _long_hour(self, cols: _LongColumns, row: list[str], row_no: int) -> int | None:
        """The hour of a time (or date and hour) not seen before, or None after an error."""
        if cols.time is not None:
            text = row[cols.time]
            try:
                return parse_hour(text)
            except TimeProblem as exc:
                self.error(row_no, cols.labels[cols.time], time_message(exc.code, text.strip()))
                return None
        dtext, htext = row[cols.date], row[cols.hour]
        try:
            return parse_date_hour(dtext, htext)
        except TimeProblem as exc:
            if exc.code == "hour":
                self.error(row_no, cols.labels[cols.hour], time_message("hour", htext))
            else:
                self.error(row_no, cols.labels[cols.date], date_message(exc.code, dtext))
            return None

    def _long_values(self, cols: _LongColumns, row: list[str], row_no: int) -> list | None:
        """The values read one by one, when one is missing or wrong (to say which); None after
        an error."""
        vals = []
        bad = False
        for index, label in cols.values:
            try:
                vals.append(parse_value(row[index]))
            except ValueProblem as exc:
                self.error(row_no, label, value_message(exc))
                bad = True
        return None if bad else vals

    # wide layout (CNEMC archive: date, hour, type, one column per station) -------------------

    def wide(self, header: Header, rows: Iterator[list[str]], start: int) -> None:
        f = header.fields
        labels = header.labels
        i_date, i_hour, i_type = f[DATE], f[HOUR], f[TYPE]
        columns = self._wide_stations(header)
        ignored_types: set[str] = set()
        group_key = None
        group_row = 0
        group_hour = 0
        group: dict[int, list] = {}
        row_no = start

        def flush():
            for sid, vals in group.items():
                if any(v is not None for v in vals):
                    self.result.total_rows += 1
                    self.accept(group_row, sid, group_hour, tuple(vals), labels[i_date])

        for row in rows:
            row_no += 1
            if is_blank(row):
                continue
            row = row + [""] * max(0, len(labels) - len(row))
            key = (row[i_date], row[i_hour])
            if key != group_key:
                flush()
                group = {}
                group_key = key
                group_row = row_no
                try:
                    group_hour = parse_date_hour(*key)
                except TimeProblem as exc:
                    group_key = None
                    if exc.code == "hour":
                        self.error(row_no, labels[i_hour], time_message("hour", key[1]))
                    else:
                        self.error(row_no, labels[i_date], date_message(exc.code, key[0]))
                    continue
            kind = row[i_type].strip()
            p = match(kind, AIR_LOOKUP)
            if p not in AIR_FIELDS:
                if kind:
                    ignored_types.add(kind)
                continue
            pos = AIR_FIELDS.index(p)
            self.types_seen.add(p)
            for index, sid, label in columns:
                try:
                    v = parse_value(row[index])
                except ValueProblem as exc:
                    self.error(row_no, label, value_message(exc))
                    continue
                vals = group.get(sid)
                if vals is None:
                    vals = group[sid] = [None] * len(AIR_FIELDS)
                vals[pos] = v
        flush()
        self.result.ignored_columns.extend(sorted(ignored_types))

    def _wide_stations(self, header: Header) -> list[tuple[int, int, str]]:
        """(column index, station id, label) of the station columns in our register; a code we
        do not hold is ignored (a national file holds every station in China)."""
        columns = []
        for index, code in header.wide_stations.items():
            hit = self.stations.get(code)
            if hit is None:
                self.result.ignored_columns.append(code)
                continue
            if hit[1] != StationKind.AIR:
                self.error(header.row, code, station_problem(code, hit, StationKind.AIR))
                continue
            columns.append((index, hit[0], header.labels[index]))
        return columns
