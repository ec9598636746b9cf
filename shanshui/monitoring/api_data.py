"""/api/v1/ endpoints for monitoring data: uploads of hourly air readings and water samples
(CSV, the office only) and the station register (every logged-in user: monitoring data are
published information).

Mounted by config/api.py next to the indicators router (``api.py``).
"""

from decimal import Decimal

from django.db.models import Q
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja import Status as NinjaStatus
from ninja.pagination import paginate

from shanshui.monitoring import services
from shanshui.monitoring.loading.results import MAX_ERRORS, ImportResult
from shanshui.monitoring.models import ControlLevel, Station, StationKind
from shanshui.orgs.pagination import Pagination

data_router = Router(tags=["monitoring"])

_UPLOAD_NOTE = (
    "All or nothing: when any row has an error nothing is written and the answer (400) lists "
    "every error by row (the CSV record number, header included) and column, up to "
    f"{MAX_ERRORS}. Importing the same file again changes nothing; a changed value "
    "updates its row. With `dry_run=true` nothing is written and the counts say what an "
    "import would do. Encodings: UTF-8 (with or without BOM), GBK/GB18030. The office only."
)


class RowErrorOut(Schema):
    row: int
    column: str
    message: str


class ReadingsImportOut(Schema):
    ok: bool
    kind: str
    dry_run: bool
    file_name: str
    encoding: str
    layout: str
    total_rows: int
    inserted: int
    updated: int
    unchanged: int
    error_count: int
    stopped: bool
    errors: list[RowErrorOut]
    columns: dict[str, str]
    ignored_columns: list[str]
    stations: int
    first: str | None = Field(None, description="First hour label or sample date (local time)")
    last: str | None = None
    station_days: int = Field(0, description="Station-days of daily values recomputed (air)")
    district_days: int = 0


def _respond(result: ImportResult):
    return NinjaStatus(200 if result.ok else 400, result.to_dict())


@data_router.post(
    "/monitoring/air-readings",
    response={200: ReadingsImportOut, 400: ReadingsImportOut},
    summary="Upload hourly air readings (CSV), all or nothing (office)",
    description=(
        "The national platform's hourly layout: a header row with the station code "
        "(站点编码 / code / station_code), the time (时间 / time: `2026-01-01 01:00`, "
        "`2026/1/1 1:00`, `2026-01-01T01:00:00+08:00`; or 日期 + 小时 columns) and the hourly "
        "values SO2, NO2, PM10, PM2.5, CO (mg/m³), O3 in µg/m³. Hours are labelled as "
        "published: 01:00 … 24:00 make a day. Other columns are ignored (and listed). "
        "CNEMC's archive layout (date, hour, type, one column per station) is read too. "
        "Daily values (AQI) of the days that changed are recomputed. " + _UPLOAD_NOTE
    ),
)
def air_readings_upload(request, file: UploadedFile = File(...), dry_run: bool = Form(False)):
    result = services.air_csv_import(actor=request.user, fileobj=file, dry_run=dry_run)
    return _respond(result)


@data_router.post(
    "/monitoring/water-samples",
    response={200: ReadingsImportOut, 400: ReadingsImportOut},
    summary="Upload water samples (CSV), all or nothing (office)",
    description=(
        "Columns: section code (断面编码 / code), sampling date (采样日期 / date) and one column "
        "per GB 3838-2002 item by its code (pH, DO, CODMn, COD, BOD5, NH3N, TP, TN, Cu, Zn, F, "
        "Se, As, Hg, Cd, Cr6, Pb, CN, VolatilePhenol, Petroleum, LAS, Sulfide, FecalColiform) "
        "or Chinese name (溶解氧, 高锰酸盐指数, 氨氮, 总磷 …), mg/L (pH dimensionless, fecal "
        "coliform per L). Each sample's class is computed by single-factor evaluation with "
        "the section's waterbody. One sample per section and date. " + _UPLOAD_NOTE
    ),
)
def water_samples_upload(request, file: UploadedFile = File(...), dry_run: bool = Form(False)):
    result = services.water_csv_import(actor=request.user, fileobj=file, dry_run=dry_run)
    return _respond(result)


class StationOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    district_id: int
    district: str = Field(..., alias="district.display_name")
    control_level: str
    latitude: Decimal | None
    longitude: Decimal | None
    waterbody: str
    river: str
    target_class: int | None
    is_active: bool


class StationFilter(Schema):
    kind: StationKind | None = None
    district_id: int | None = Field(None, ge=1, le=2**31 - 1)
    control_level: ControlLevel | None = None
    active: bool | None = Field(None, description="Only active (true) or inactive (false)")
    q: str = Field("", max_length=60, description="Part of the code or name")


@data_router.get(
    "/monitoring/stations",
    response=list[StationOut],
    summary="Air stations and water sections",
    description="Every logged-in user: monitoring stations are published information.",
)
@paginate(Pagination)
def station_list(request, filters: Query[StationFilter]):
    qs = Station.objects.select_related("district").order_by("kind", "code")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.district_id:
        qs = qs.filter(district_id=filters.district_id)
    if filters.control_level:
        qs = qs.filter(control_level=filters.control_level)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    if filters.q.strip():
        term = filters.q.strip()
        qs = qs.filter(Q(code__icontains=term) | Q(name__icontains=term))
    return qs
