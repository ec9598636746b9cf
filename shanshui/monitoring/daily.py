"""Daily air values (``AirDaily``) computed from the stored hourly readings, station and district.

Station rows: the hourly readings of a batch of stations over a run of days are read with one
query into a numpy array (stations × hours × 6, NaN for missing) and handed to
``airstats.daily_statistics_batch`` — validity rules, the O3 daily maximum 8-h mean, rounding and
the daily AQI (HJ 633-2012 before 2026-03-01, HJ 633-2026 from then) are all airstats'. A day is
the 24 readings labelled 01:00 … 24:00 Beijing time (airstats' slot ``i`` is the label ``i+1``),
stored in UTC; Beijing time is UTC+8 all year.

District rows (``station`` NULL): per HJ 663 a district's daily concentration of each indicator
is the arithmetic mean of its stations' valid daily values that day (rounded as the station
values are: integers in µg/m³, CO to 0.1 mg/m³, round-half-even on the exact mean); a pollutant
with no valid station value that day has none. The district AQI, level and primary pollutants
are computed from those means with ``aqi.compute_aqi_arrays`` (the day's standard), and the day
is ``complete`` when every pollutant has a valid indicator — the same rule airstats applies to a
station. A district's stations are those whose daily rows carry its id (a station's district at
the time its daily values were computed).

Only the (station, day) pairs a load touched are recomputed, then the (district, day) pairs of
those stations. Rows are written with bulk upserts (PostgreSQL: COPY into a temporary table and
one ``INSERT … ON CONFLICT``; SQLite: ``executemany`` in batches of 5,000).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence

import numpy as np
from django.db import connection, transaction

from shanshui.monitoring import airstats, aqi
from shanshui.monitoring.models import AirDaily, AirHourly, Station

__all__ = [
    "DAILY_COLUMNS",
    "hourly_array",
    "recompute",
    "recompute_all",
    "recompute_districts",
    "recompute_pairs",
]

UTC_OFFSET_H = 8
STATION_BATCH = 32  # stations read and computed together (bounds memory: ~50 MB)
FETCH_ROWS = 20_000
MAX_SPAN_DAYS = 400  # a run of days computed together (bounds the arrays)
MAX_GAP_DAYS = 31  # touched days further apart than this are computed separately
WRITE_BATCH = 5_000
_EPOCH = dt.date(1970, 1, 1)

#: AirDaily value columns in airstats' daily indicator order (aqi.DAILY_INDICATORS).
DAILY_COLUMNS = ("so2", "no2", "pm10", "pm25", "co", "o3_1h_max", "o3_8h_max")
_INDICATOR_OF = dict(zip(DAILY_COLUMNS, aqi.DAILY_INDICATORS, strict=True))
_DECIMALS = {
    code: airstats.DECIMALS[aqi.indicator_pollutant(code)] for code in _INDICATOR_OF.values()
}
_COLUMNS = (
    "station_id",
    "district_id",
    "day",
    *DAILY_COLUMNS,
    "aqi",
    "level",
    "primary",
    "complete",
    "standard",
)
# Primary-pollutant bitmask (aqi.POLLUTANTS order) → "PM2.5,O3".
_PRIMARY_TEXT = [
    ",".join(aqi.POLLUTANT_NAMES[p] for i, p in enumerate(aqi.POLLUTANTS) if bits >> i & 1)
    for bits in range(1 << len(aqi.POLLUTANTS))
]


def day_of(n: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(n))


def day_number(day: dt.date) -> int:
    return (day - _EPOCH).days


# --- reading -------------------------------------------------------------------------------------


def _utc_bound(day_n: int) -> dt.datetime:
    """00:00 Beijing time of a day, as an aware UTC datetime (the label before its first hour)."""
    return dt.datetime.combine(day_of(day_n), dt.time(), dt.UTC) - dt.timedelta(hours=UTC_OFFSET_H)


def _bound_param(moment: dt.datetime):
    if connection.vendor == "sqlite":
        return moment.strftime("%Y-%m-%d %H:%M:%S")  # as Django stores datetimes in SQLite
    return moment


def hourly_array(station_ids: Sequence[int], first_day: dt.date, last_day: dt.date) -> np.ndarray:
    """Stored hourly readings as an array (stations × hours × 6, airstats' layout: slot ``i`` of
    a day is the value labelled ``i+1`` o'clock; NaN for missing), from 00:00 of ``first_day`` to
    24:00 of ``last_day``, stations in the order given. One query."""
    ids = np.asarray(station_ids, dtype=np.int64)
    d0, d1 = day_number(first_day), day_number(last_day)
    days = d1 - d0 + 1
    out = np.full((len(ids), days * 24, len(airstats.POLLUTANTS)), np.nan)
    if not len(ids) or days <= 0:
        return out
    table = AirHourly._meta.db_table
    if connection.vendor == "postgresql":
        hour = "(EXTRACT(EPOCH FROM hour)::bigint / 3600)"
    else:
        hour = "(CAST(strftime('%%s', hour) AS INTEGER) / 3600)"
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT station_id, {hour}, so2, no2, pm10, pm25, co, o3 FROM {table} "
        f"WHERE station_id IN ({marks}) AND hour > %s AND hour <= %s"
    )
    params = [int(i) for i in ids] + [
        _bound_param(_utc_bound(d0)),
        _bound_param(_utc_bound(d1 + 1)),
    ]
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    # A server-side cursor on PostgreSQL (chunked_cursor): the rows arrive in chunks instead
    # of the whole result at once, so memory stays bounded by the array.
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        # In chunks, so that Python never holds more than a chunk of row tuples.
        while rows := cursor.fetchmany(FETCH_ROWS):
            data = np.array(rows, dtype=np.float64)
            s_index = order[np.searchsorted(sorted_ids, data[:, 0].astype(np.int64))]
            slot = data[:, 1].astype(np.int64) + (UTC_OFFSET_H - 1) - d0 * 24
            out[s_index, slot, :] = data[:, 2:]
    return out


# --- writing -------------------------------------------------------------------------------------


def _upsert(rows: list[tuple], *, district_rows: bool) -> None:
    """Insert or update AirDaily rows (tuples in ``_COLUMNS`` order)."""
    if not rows:
        return
    table = AirDaily._meta.db_table
    cols = ", ".join(f'"{c}"' for c in _COLUMNS)
    if district_rows:
        target = '("district_id", "day") WHERE "station_id" IS NULL'
        update = [c for c in _COLUMNS if c not in ("district_id", "day")]
    else:
        target = '("station_id", "day") WHERE "station_id" IS NOT NULL'
        update = [c for c in _COLUMNS if c not in ("station_id", "day")]
    sets = ", ".join(f'"{c}" = excluded."{c}"' for c in update)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            temp = f"mon_daily_{uuid.uuid4().hex[:10]}"
            values = ", ".join(f'"{c}" double precision' for c in DAILY_COLUMNS)
            cursor.execute(
                f"CREATE TEMP TABLE {temp} (station_id bigint, district_id bigint, day date, "
                f'{values}, aqi integer, level integer, "primary" varchar(40), '
                f"complete boolean, standard varchar(12)) ON COMMIT DROP"
            )
            with cursor.copy(f"COPY {temp} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {temp} "
                f"ON CONFLICT {target} DO UPDATE SET {sets}"
            )
            cursor.execute(f"DROP TABLE {temp}")
        else:
            marks = ", ".join(["%s"] * len(_COLUMNS))
            sql = (
                f"INSERT INTO {table} ({cols}) VALUES ({marks}) "
                f"ON CONFLICT {target} DO UPDATE SET {sets}"
            )
            for lo in range(0, len(rows), WRITE_BATCH):
                cursor.executemany(sql, rows[lo : lo + WRITE_BATCH])


def _day_param(day_n: int):
    day = day_of(day_n)
    return day.isoformat() if connection.vendor == "sqlite" else day


def _nullable(values: np.ndarray) -> list:
    """Floats with NaN → None."""
    return [None if v != v else v for v in values.tolist()]


def _rows(
    *,
    station_ids: list,
    district_ids: list,
    day_ns: np.ndarray,
    values: dict[str, np.ndarray],
    aqi_values: np.ndarray,
    levels: np.ndarray,
    primary: np.ndarray,
    complete: np.ndarray,
) -> list[tuple]:
    """AirDaily row tuples from 1-d arrays of equal length (already selected)."""
    standards = {}
    cols = [_nullable(values[c]) for c in DAILY_COLUMNS]
    out = []
    aqi_list = aqi_values.tolist()
    level_list = levels.tolist()
    primary_list = primary.tolist()
    complete_list = complete.tolist()
    for i, n in enumerate(day_ns.tolist()):
        std = standards.get(n)
        if std is None:
            std = standards[n] = aqi.standard_for(day_of(n))
        a = aqi_list[i]
        out.append(
            (
                station_ids[i],
                district_ids[i],
                _day_param(n),
                *(c[i] for c in cols),
                None if a != a else int(a),
                level_list[i] or None,
                _PRIMARY_TEXT[primary_list[i]],
                bool(complete_list[i]),
                std,
            )
        )
    return out


# --- station days --------------------------------------------------------------------------------


def _segments(day_ns: np.ndarray) -> list[tuple[int, int]]:
    """Sorted unique days → runs [first, last] without gaps over MAX_GAP_DAYS and at most
    MAX_SPAN_DAYS long."""
    out: list[tuple[int, int]] = []
    start = prev = None
    for d in day_ns.tolist():
        if start is None:
            start = prev = d
            continue
        if d - prev > MAX_GAP_DAYS or d - start >= MAX_SPAN_DAYS:
            out.append((start, prev))
            start = d
        prev = d
    if start is not None:
        out.append((start, prev))
    return out


def _as_arrays(pairs: Iterable[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """(station or district id, day number) pairs → two sorted, de-duplicated int64 arrays."""
    chunks_a, chunks_b = [], []
    buffer: list[tuple[int, int]] = []
    for pair in pairs:
        buffer.append(pair)
        if len(buffer) >= 100_000:
            arr = np.array(buffer, dtype=np.int64)
            chunks_a.append(arr[:, 0])
            chunks_b.append(arr[:, 1])
            buffer.clear()
    if buffer:
        arr = np.array(buffer, dtype=np.int64)
        chunks_a.append(arr[:, 0])
        chunks_b.append(arr[:, 1])
    if not chunks_a:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    a, b = np.concatenate(chunks_a), np.concatenate(chunks_b)
    both = np.unique(np.stack([a, b], axis=1), axis=0)  # sorted by id, then day
    return both[:, 0], both[:, 1]


@transaction.atomic
def recompute_pairs(pairs: Iterable[tuple[int, int]]) -> tuple[int, int]:
    """Recompute the station rows of the given (station id, day number) pairs — day numbers are
    days since 1970-01-01 — and the district rows of their (district, day) pairs. Returns
    (station-days, district-days) written."""
    sids, days = _as_arrays(pairs)
    if not len(sids):
        return 0, 0
    unique_ids = np.unique(sids)
    district_of = dict(
        Station.objects.filter(pk__in=unique_ids.tolist()).values_list("pk", "district_id")
    )
    station_days = 0
    district_pairs: list[np.ndarray] = []
    for lo in range(0, len(unique_ids), STATION_BATCH):
        batch = unique_ids[lo : lo + STATION_BATCH]
        sel = (sids >= batch[0]) & (sids <= batch[-1])
        b_sids, b_days = sids[sel], days[sel]
        for first, last in _segments(np.unique(b_days)):
            in_seg = (b_days >= first) & (b_days <= last)
            seg_sids = b_sids[in_seg]
            station_days += _station_segment(
                np.unique(seg_sids), seg_sids, b_days[in_seg], first, last, district_of
            )
        d_ids = np.array([district_of.get(int(s), 0) for s in b_sids.tolist()], dtype=np.int64)
        district_pairs.append(np.stack([d_ids, b_days], axis=1))
    pairs_d = np.unique(np.concatenate(district_pairs), axis=0)
    pairs_d = pairs_d[pairs_d[:, 0] > 0]
    district_days = recompute_districts(map(tuple, pairs_d.tolist()))
    return station_days, district_days


def _station_segment(
    batch: np.ndarray,  # sorted station ids read together
    sids: np.ndarray,
    days: np.ndarray,
    first: int,
    last: int,
    district_of: dict[int, int],
) -> int:
    arr = hourly_array(batch.tolist(), day_of(first), day_of(last))
    stats = airstats.daily_statistics_batch(arr, start=day_of(first))
    s_idx = np.searchsorted(batch, sids)
    d_idx = days - first
    values = {col: stats.values[_INDICATOR_OF[col]][s_idx, d_idx] for col in DAILY_COLUMNS}
    rows = _rows(
        station_ids=sids.tolist(),
        district_ids=[district_of[int(s)] for s in sids.tolist()],
        day_ns=days,
        values=values,
        aqi_values=stats.aqi[s_idx, d_idx],
        levels=stats.level[s_idx, d_idx],
        primary=stats.primary[s_idx, d_idx],
        complete=stats.complete[s_idx, d_idx],
    )
    _upsert(rows, district_rows=False)
    return len(rows)


# --- district days -------------------------------------------------------------------------------


def _rhe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """round-half-even(num / den), exact, for int64 arrays with num >= 0 and den > 0."""
    q, r = np.divmod(num, den)
    twice = 2 * r
    return q + ((twice > den) | ((twice == den) & (q % 2 == 1)))


def district_means(values: np.ndarray, decimals: int) -> np.ndarray:
    """Mean over axis 0 of station daily values (NaN ignored), rounded half-even to
    ``decimals`` exactly; NaN where no station has a value."""
    ok = ~np.isnan(values)
    n = ok.sum(axis=0)
    scale = 10**decimals
    units = np.rint(np.where(ok, values, 0.0) * scale).astype(np.int64)
    total = units.sum(axis=0)
    mean = _rhe_div(total, np.maximum(n, 1)) / scale
    return np.where(n > 0, mean, np.nan)


@transaction.atomic
def recompute_districts(pairs: Iterable[tuple[int, int]]) -> int:
    """Recompute the district rows of (district id, day number) pairs from the station rows.
    A pair without any station row is left alone. Returns district-days written."""
    dids, days = _as_arrays(pairs)
    if not len(dids):
        return 0
    written = 0
    table = AirDaily._meta.db_table
    if connection.vendor == "postgresql":
        day_expr = "(day - DATE '1970-01-01')"
    else:
        day_expr = "CAST(julianday(day) - 2440587.5 AS INTEGER)"
    cols = ", ".join(f'"{c}"' for c in DAILY_COLUMNS)
    for district in np.unique(dids).tolist():
        d_days = days[dids == district]
        for first, last in _segments(d_days):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {day_expr}, {cols} FROM {table} WHERE station_id IS NOT NULL "
                    f"AND district_id = %s AND day >= %s AND day <= %s",
                    [district, _day_param(first), _day_param(last)],
                )
                rows = cursor.fetchall()
            if not rows:
                continue
            data = np.array(rows, dtype=np.float64)
            span = last - first + 1
            day_idx = data[:, 0].astype(np.int64) - first
            # Stations × days per indicator: rank each station's row within its day.
            order = np.argsort(day_idx, kind="stable")
            day_sorted = day_idx[order]
            starts = np.searchsorted(day_sorted, np.arange(span))
            rank = np.arange(len(day_sorted)) - starts[day_sorted]
            depth = int(rank.max()) + 1
            values: dict[str, np.ndarray] = {}
            for k, col in enumerate(DAILY_COLUMNS):
                grid = np.full((depth, span), np.nan)
                grid[rank, day_sorted] = data[order, 1 + k]
                values[col] = district_means(grid, _DECIMALS[_INDICATOR_OF[col]])
            has_rows = np.bincount(day_idx, minlength=span) > 0
            wanted = np.zeros(span, dtype=bool)
            wanted[d_days[(d_days >= first) & (d_days <= last)] - first] = True
            wanted &= has_rows
            if not wanted.any():
                continue
            aqi_v, level, primary, complete = _aqi_of(values, first, span)
            idx = np.nonzero(wanted)[0]
            rows_out = _rows(
                station_ids=[None] * len(idx),
                district_ids=[district] * len(idx),
                day_ns=idx + first,
                values={c: v[idx] for c, v in values.items()},
                aqi_values=aqi_v[idx],
                levels=level[idx],
                primary=primary[idx],
                complete=complete[idx],
            )
            _upsert(rows_out, district_rows=True)
            written += len(rows_out)
    return written


def _aqi_of(
    values: dict[str, np.ndarray], first: int, span: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Daily AQI, level, primary bitmask and completeness of daily values (1-d over days)."""
    standards = [aqi.standard_for(day_of(first + i)) for i in range(span)]
    aqi_v = np.full(span, np.nan)
    level = np.zeros(span, dtype=np.int8)
    primary = np.zeros(span, dtype=np.uint8)
    for std in dict.fromkeys(standards):
        sel = np.array([s == std for s in standards])
        res = aqi.compute_aqi_arrays(
            {_INDICATOR_OF[c]: v[sel] for c, v in values.items()}, standard=std
        )
        aqi_v[sel], level[sel], primary[sel] = res.aqi, res.level, res.primary
    has = {p: np.zeros(span, dtype=bool) for p in aqi.POLLUTANTS}
    for col, v in values.items():
        has[aqi.indicator_pollutant(_INDICATOR_OF[col])] |= ~np.isnan(v)
    complete = np.logical_and.reduce(list(has.values()))
    return aqi_v, level, primary, complete


# --- conveniences --------------------------------------------------------------------------------


def recompute(station_ids: Iterable[int], days: Iterable[dt.date]) -> tuple[int, int]:
    """Recompute every given station on every given day (and their districts)."""
    day_ns = [day_number(d) for d in days]
    return recompute_pairs((int(s), d) for s in station_ids for d in day_ns)


def recompute_all(station_ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Recompute every station-day that has hourly readings (of the given stations, or all)."""
    table = AirHourly._meta.db_table
    day = (
        "((EXTRACT(EPOCH FROM hour)::bigint / 3600 + 7) / 24)"
        if connection.vendor == "postgresql"
        else "((CAST(strftime('%%s', hour) AS INTEGER) / 3600 + 7) / 24)"
    )
    where, params = "", []
    if station_ids is not None:
        ids = [int(s) for s in station_ids]
        if not ids:
            return 0, 0
        where = f"WHERE station_id IN ({', '.join(['%s'] * len(ids))})"
        params = ids
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT station_id, {day} FROM {table} {where}", params)
        pairs = cursor.fetchall()
    return recompute_pairs(pairs)
