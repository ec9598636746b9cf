"""Water samples: read into memory (monthly samples make small files, at most
:data:`WATER_MAX_ROWS` rows), checked, classified by GB 3838 with the section's waterbody, and
written with the ORM in one transaction, keyed by section and date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _

from shanshui.monitoring import water
from shanshui.monitoring.loading.checks import (
    StationHit,
    Stations,
    date_message,
    station_problem,
    value_message,
)
from shanshui.monitoring.loading.files import CsvReader, is_blank, load_checked
from shanshui.monitoring.loading.headers import (
    DATE,
    HEADER_SEARCH_ROWS,
    STATION,
    WATER_LOOKUP,
    Header,
    find_header,
    is_water_header,
)
from shanshui.monitoring.loading.parsing import TimeProblem, ValueProblem, parse_date, parse_value
from shanshui.monitoring.loading.results import ImportResult, TooManyErrors
from shanshui.monitoring.models import StationKind, WaterSample

WATER_MAX_ROWS = 200_000


@dataclass
class WaterRow:
    row: int
    station_id: int
    code: str
    sampled_on: dt.date
    values: dict[str, float]
    water_class: int | None
    main_pollutants: str
    waterbody: str
    items: frozenset[str]  # the item columns of the file (a stored item outside them is kept)


def load_water_csv(fileobj, *, dry_run: bool, max_bytes: int | None = None) -> ImportResult:
    """Check and load a water-sample CSV (see the package docstring), all or nothing; keyed by
    section and date (a changed value updates the sample, the same file again changes
    nothing)."""
    result = ImportResult(kind="water", dry_run=dry_run, layout="long")
    load = partial(_water_load, result=result, dry_run=dry_run)
    return load_checked(fileobj, result, max_bytes=max_bytes, load=load)


def _water_load(stream, *, result: ImportResult, dry_run: bool) -> None:
    try:
        with CsvReader(stream, result.encoding) as rows:
            parsed = _water_records(rows, result)
    except TooManyErrors:
        parsed = []
    if result.ok and not dry_run:
        _water_write(parsed, result)
    elif result.ok:
        _water_compare(parsed, result)


def _classified(values: dict[str, float], waterbody: str) -> tuple[int | None, str]:
    res = water.classify_sample(values, waterbody=waterbody)
    cls = None if res.water_class is None else int(res.water_class)
    return cls, ",".join(res.main_pollutants)


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _WaterColumns:
    header: Header
    items: list[tuple[str, int]]  # (item code, column index) in GB 3838's order
    file_items: frozenset[str]

    @property
    def need(self) -> int:
        return max(self.header.fields.values()) + 1


def _water_records(rows, result: ImportResult) -> list[WaterRow]:
    """Every sample of the file, checked; [] when the header is wrong. Raises
    :class:`TooManyErrors` when the pass stops."""
    cols = _water_header(rows, result)
    if cols is None:
        return []
    stations = Stations()
    seen: dict[tuple[int, dt.date], int] = {}  # (station, day) → row it was first on
    out: list[WaterRow] = []
    need = cols.need
    for row_no, row in enumerate(rows, start=cols.header.row + 1):
        if is_blank(row):
            continue
        row = row + [""] * max(0, need - len(row))
        if len(out) >= WATER_MAX_ROWS:
            result.add_row_error(
                row_no,
                "",
                _("The file has more than %(n)d samples. Split it.") % {"n": WATER_MAX_ROWS},
            )
        sample = _water_row(cols, row, row_no, stations, seen, result)
        if sample is not None:
            out.append(sample)
    result.total_rows = len(out)
    result.stations = len({r.station_id for r in out})
    if out:
        result.first = min(r.sampled_on for r in out)
        result.last = max(r.sampled_on for r in out)
    return out


def _water_header(rows, result: ImportResult) -> _WaterColumns | None:
    """The header and its item columns; None (with the problems as the result's errors) when
    it cannot be used."""
    header = find_header(rows, WATER_LOOKUP, is_water_header)
    if header is None:
        result.add_error(
            0,
            "",
            _(
                "No header row with a section code column (断面编码) and a sampling date column "
                "(采样日期) was found in the first %(n)d rows."
            )
            % {"n": HEADER_SEARCH_ROWS},
        )
        return None
    for _f, label in header.duplicates:
        result.add_error(
            header.row, label, _("Two columns are “%(name)s”; keep one.") % {"name": label}
        )
    items = [(code, header.fields[code]) for code in water.ITEMS if code in header.fields]
    if not items:
        result.add_error(
            header.row, "", _("No water quality item column found (pH, 溶解氧, 氨氮 …).")
        )
    result.columns = {f: header.labels[i] for f, i in header.fields.items()}
    result.ignored_columns = list(header.ignored)
    if result.errors:
        return None
    return _WaterColumns(header, items, frozenset(code for code, _index in items))


def _water_row(
    cols: _WaterColumns,
    row: list[str],
    row_no: int,
    stations: Stations,
    seen: dict[tuple[int, dt.date], int],
    result: ImportResult,
) -> WaterRow | None:
    """One sample, classified; None after an error (reported on the result)."""
    labels = cols.header.labels
    i_station, i_date = cols.header.fields[STATION], cols.header.fields[DATE]
    code = row[i_station].strip()
    hit = stations.get(code)
    problem = station_problem(code, hit, StationKind.WATER)
    if problem is not None:
        result.add_row_error(row_no, labels[i_station], problem)
        return None
    try:
        day = parse_date(row[i_date])
    except TimeProblem as exc:
        result.add_row_error(row_no, labels[i_date], date_message(exc.code, row[i_date].strip()))
        return None
    values = _water_values(cols, row, row_no, result)
    if values is None:
        return None
    if not values:
        result.add_row_error(row_no, "", _("The row has no values."))
        return None
    key = (hit[0], day)
    if key in seen:
        result.add_row_error(
            row_no,
            labels[i_date],
            _("Section %(code)s has a second sample on %(date)s in this file (row %(first)d).")
            % {"code": code, "date": day.isoformat(), "first": seen[key]},
        )
        return None
    seen[key] = row_no
    return _water_sample(cols, row_no, hit, code, day, values, result)


def _water_values(
    cols: _WaterColumns, row: list[str], row_no: int, result: ImportResult
) -> dict[str, float] | None:
    """The row's item values (missing ones left out); None after an error in any of them."""
    labels = cols.header.labels
    values: dict[str, float] = {}
    bad = False
    for item, index in cols.items:
        try:
            v = parse_value(row[index])
        except ValueProblem as exc:
            result.add_row_error(row_no, labels[index], value_message(exc))
            bad = True
            continue
        if v is not None:
            if item == "pH" and v > 14:
                result.add_row_error(row_no, labels[index], _("pH must be between 0 and 14."))
                bad = True
                continue
            values[item] = v
    return None if bad else values


def _water_sample(
    cols: _WaterColumns,
    row_no: int,
    hit: StationHit,
    code: str,
    day: dt.date,
    values: dict[str, float],
    result: ImportResult,
) -> WaterRow | None:
    waterbody = hit[3] or "river"
    try:
        water_class, main = _classified(values, waterbody)
    except ValueError as exc:  # a rule of the standard the checks above did not catch
        result.add_row_error(row_no, "", str(exc))
        return None
    return WaterRow(
        row=row_no,
        station_id=hit[0],
        code=code,
        sampled_on=day,
        values=values,
        water_class=water_class,
        main_pollutants=main,
        waterbody=waterbody,
        items=cols.file_items,
    )


# --- comparing and writing -----------------------------------------------------------------------


def _water_existing(parsed: list[WaterRow]) -> dict[tuple[int, dt.date], WaterSample]:
    if not parsed:
        return {}
    ids = {r.station_id for r in parsed}
    first = min(r.sampled_on for r in parsed)
    last = max(r.sampled_on for r in parsed)
    return {
        (s.station_id, s.sampled_on): s
        for s in WaterSample.objects.filter(
            station_id__in=ids, sampled_on__gte=first, sampled_on__lte=last
        )
    }


def _water_compare(parsed: list[WaterRow], result: ImportResult) -> tuple[list, list]:
    """New samples, and stored samples changed by the file. A file's row replaces the items it
    has columns for (an empty cell removes a stored value); items it has no column for keep
    their stored value; the class is computed again from the merged values."""
    existing = _water_existing(parsed)
    new, changed = [], []
    for r in parsed:
        sample = existing.get((r.station_id, r.sampled_on))
        if sample is None:
            new.append(r)
            continue
        merged = {k: v for k, v in sample.values.items() if k not in r.items}
        merged.update(r.values)
        water_class, main = _classified(merged, r.waterbody)
        if (sample.values, sample.water_class, sample.main_pollutants) != (
            merged,
            water_class,
            main,
        ):
            sample.values = merged
            sample.water_class = water_class
            sample.main_pollutants = main
            changed.append(sample)
    result.inserted, result.updated = len(new), len(changed)
    result.unchanged = len(parsed) - len(new) - len(changed)
    return new, changed


@transaction.atomic
def _water_write(parsed: list[WaterRow], result: ImportResult) -> None:
    new, changed = _water_compare(parsed, result)
    WaterSample.objects.bulk_create(
        [
            WaterSample(
                station_id=r.station_id,
                sampled_on=r.sampled_on,
                values=r.values,
                water_class=r.water_class,
                main_pollutants=r.main_pollutants,
            )
            for r in new
        ],
        batch_size=1000,
    )
    WaterSample.objects.bulk_update(
        changed, ["values", "water_class", "main_pollutants"], batch_size=1000
    )
