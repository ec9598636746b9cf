"""What an import found and did: :class:`ImportResult`, shared by the air and water imports, the
upload page, the API and the commands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from shanshui.lib.sheets import RowError

MAX_ERRORS = 500  # errors listed; the pass stops after this many


class TooManyErrors(Exception):
    """The pass stops: :data:`MAX_ERRORS` errors are listed."""


class Rollback(Exception):
    """Leave the import's transaction without committing (errors, or a dry run's end)."""


@dataclass
class ImportResult:
    """What an import found and did (or, on a dry run, would do)."""

    kind: str  # "air" | "water"
    dry_run: bool
    file_name: str = ""
    encoding: str = ""
    layout: str = ""  # "long" | "date_hour" | "wide" (air); "long" (water)
    total_rows: int = 0  # data rows read (wide layout: station-hours)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    stopped: bool = False  # the pass stopped after MAX_ERRORS errors
    columns: dict[str, str] = field(default_factory=dict)  # field → header text in the file
    ignored_columns: list[str] = field(default_factory=list)
    stations: int = 0  # distinct stations in the file
    first: dt.datetime | dt.date | None = None  # first hour label (local) or sample date
    last: dt.datetime | dt.date | None = None
    station_days: int = 0  # station-days recomputed (air)
    district_days: int = 0  # district-days recomputed (air)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def add_error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(row, column, message))

    def add_row_error(self, row: int, column: str, message: str) -> None:
        """An error of a data row; raises :class:`TooManyErrors` (marking the result
        ``stopped``) once :data:`MAX_ERRORS` are counted."""
        self.add_error(row, column, message)
        if self.error_count >= MAX_ERRORS:
            self.stopped = True
            raise TooManyErrors

    def to_dict(self) -> dict:
        def iso(v):
            return v.isoformat() if v is not None else None

        return {
            "ok": self.ok,
            "kind": self.kind,
            "dry_run": self.dry_run,
            "file_name": self.file_name,
            "encoding": self.encoding,
            "layout": self.layout,
            "total_rows": self.total_rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "error_count": self.error_count,
            "stopped": self.stopped,
            "errors": [
                {"row": e.row, "column": e.column, "message": e.message} for e in self.errors
            ],
            "columns": dict(self.columns),
            "ignored_columns": list(self.ignored_columns),
            "stations": self.stations,
            "first": iso(self.first),
            "last": iso(self.last),
            "station_days": self.station_days,
            "district_days": self.district_days,
        }
