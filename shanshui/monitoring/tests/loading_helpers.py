"""Helpers for the data-layer tests (loading, daily values, import page, data API): stations in
two districts, CSV text in the national platform's hourly layout and in the water layout, and
the imports as the office runs them."""

from __future__ import annotations

import datetime as dt

from shanshui.monitoring import services
from shanshui.monitoring.models import Station, StationKind, Waterbody
from shanshui.orgs.models import Unit

AIR_HEADER = "站点编码,时间,SO2,NO2,PM10,PM2.5,CO,O3"
WATER_HEADER = "断面编码,采样日期,pH,溶解氧,高锰酸盐指数,氨氮,总磷,总氮,粪大肠菌群,水温"


def make_stations() -> dict[str, Station]:
    """Two air stations in 万州区, one in 渝中区; a river section in 万州区 and a reservoir
    section in 渝中区."""
    wanzhou = Unit.objects.get(key="cq-wanzhou")
    yuzhong = Unit.objects.get(key="cq-yuzhong")
    air = StationKind.AIR
    out = {
        "A1": Station.objects.create(code="5001A", name="万州天城", kind=air, district=wanzhou),
        "A2": Station.objects.create(code="5002A", name="万州白岩", kind=air, district=wanzhou),
        "B1": Station.objects.create(code="5003A", name="渝中解放碑", kind=air, district=yuzhong),
        "W1": Station.objects.create(
            code="W001",
            name="长江晒网坝",
            kind=StationKind.WATER,
            district=wanzhou,
            waterbody=Waterbody.RIVER,
            river="长江",
            target_class=2,
        ),
        "W2": Station.objects.create(
            code="W002",
            name="某水库库心",
            kind=StationKind.WATER,
            district=yuzhong,
            waterbody=Waterbody.LAKE,
            river="某水库",
            target_class=3,
        ),
    }
    return out


def hour_text(day: dt.date, label: int) -> str:
    """The platform's label of hour ``label`` (1..24) of ``day``: 24 is written as the next
    day's 00:00."""
    moment = dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=label)
    return moment.strftime("%Y-%m-%d %H:%M")


def air_csv(rows, header: str = AIR_HEADER) -> bytes:
    """CSV bytes (UTF-8) from rows of cells."""
    lines = [header] + [",".join(str(c) for c in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def day_rows(code: str, day: dt.date, values=(8, 30, 60, 40, 0.8, 70), labels=range(1, 25)):
    """One row per hour label of a day for a station, the same values each hour."""
    return [(code, hour_text(day, h), *values) for h in labels]


def water_csv(rows, header: str = WATER_HEADER) -> bytes:
    return ("\n".join([header, *(",".join(str(c) for c in r) for r in rows)]) + "\n").encode()


def import_air(personas, data, *, dry_run=False, **kwargs):
    return services.air_csv_import(actor=personas.office, fileobj=data, dry_run=dry_run, **kwargs)


def import_water(personas, data, *, dry_run=False):
    return services.water_csv_import(actor=personas.office, fileobj=data, dry_run=dry_run)


def errors_of(result):
    return [(e.row, e.column, e.message) for e in result.errors]
