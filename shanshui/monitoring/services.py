"""Business actions of the monitoring app: district targets, CSV imports of hourly air readings
and water samples, and the recomputation of daily values.

Each action checks the actor's role (the office only: 督察整改办 sets targets and loads data),
writes an audit entry (``orgs.AuditEntry``) and a log line. The heavy lifting lives in
``loading.py`` (parsing, validation, bulk upserts) and ``daily.py`` (daily statistics).
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shanshui.monitoring import daily, loading
from shanshui.monitoring.models import Indicator, Target
from shanshui.orgs.models import Unit
from shanshui.orgs.scope import scope_for
from shanshui.orgs.services import audit

logger = logging.getLogger(__name__)

# Indicators given in per cent: a target outside 0..100 is a typing error.
PERCENT_INDICATORS = frozenset({Indicator.GOOD_DAY_RATIO, Indicator.WATER_GOOD_RATIO})
MIN_YEAR, MAX_YEAR = 2000, 2100


def _require_office(actor, message: str) -> None:
    if not scope_for(actor).sees_all:
        raise PermissionDenied(message)


# --- targets ---------------------------------------------------------------------------------


def clean_target_value(indicator: str, value) -> Decimal:
    """A target's value as stored (two decimals), or ``ValidationError`` keyed ``value``."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"value": _("Enter a number.")}, code="invalid") from exc
    if not number.is_finite():
        raise ValidationError({"value": _("Enter a number.")}, code="invalid")
    if number < 0:
        raise ValidationError({"value": _("A target cannot be negative.")}, code="negative")
    if indicator in PERCENT_INDICATORS and number > 100:
        raise ValidationError({"value": _("A share is at most 100 (per cent).")}, code="over_100")
    if number >= Decimal("1000000"):
        raise ValidationError({"value": _("The number is too large.")}, code="too_large")
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError({"value": _("At most two decimal places.")}, code="decimals")
    return number.quantize(Decimal("0.01"))


@transaction.atomic
def target_set(*, actor, district: Unit, year: int, indicator: str, value) -> Target | None:
    """Set (or, with ``value`` None or "", remove) a district's target for a year.

    Office only (403 otherwise). ``indicator`` is an :class:`Indicator` value; ``value`` a number
    (Decimal, int, float or text) — per cent for the two ratio indicators (0..100), µg/m³ for the
    PM2.5 mean, a count for heavy-pollution days and 劣V sections. Raises ``ValidationError``
    (with Chinese messages, keyed by field) for a bad value. Returns the target, or None when
    it was removed. The row keeps ``updated_at``; every change is also an audit entry.
    """
    _require_office(actor, _("Only the office sets targets."))
    if not isinstance(district, Unit) or not district.is_territorial:
        raise ValidationError(
            {"district": _("Targets are set for districts and counties.")}, code="district"
        )
    try:
        year = int(year)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"year": _("Enter a year.")}, code="year") from exc
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            {
                "year": _("The year must be between %(lo)d and %(hi)d.")
                % {"lo": MIN_YEAR, "hi": MAX_YEAR}
            },
            code="year",
        )
    if indicator not in Indicator.values:
        raise ValidationError({"indicator": _("Unknown indicator.")}, code="indicator")

    existing = (
        Target.objects.select_for_update()
        .filter(district=district, year=year, indicator=indicator)
        .first()
    )
    if value is None or (isinstance(value, str) and not value.strip()):
        if existing is None:
            return None
        old = str(existing.value)
        existing.delete()
        _log_target(actor, district, year, indicator, old, None)
        return None

    number = clean_target_value(indicator, value)
    if existing is not None and existing.value == number:
        return existing  # unchanged: no new audit entry
    old = None if existing is None else str(existing.value)
    target = existing or Target(district=district, year=year, indicator=indicator)
    target.value = number
    target.full_clean()
    target.save()
    _log_target(actor, district, year, indicator, old, str(number), obj=target)
    return target


def _log_target(actor, district, year, indicator, old, new, obj=None) -> None:
    audit(
        actor=actor,
        action="monitoring.target_set",
        obj=obj,
        summary=f"{district.display_name} {year} {indicator}: {old} → {new}",
        data={
            "district": district.pk,
            "year": year,
            "indicator": indicator,
            "old": old,
            "new": new,
        },
    )
    logger.info(
        "target set by %s: %s %s %s %s -> %s",
        getattr(actor, "username", actor),
        district.key or district.pk,
        year,
        indicator,
        old,
        new,
    )


# --- imports -------------------------------------------------------------------------------------


def air_csv_import(
    *, actor, fileobj, dry_run: bool, max_bytes: int | None = None
) -> loading.ImportResult:
    """Import hourly air readings from a CSV file (the national platform's hourly layout), all
    or nothing, idempotently; then recompute the daily values of the days it changed. Office
    only. With ``dry_run`` nothing is written; the result says what an import would do."""
    _require_office(actor, _("Only the office imports monitoring data."))
    result = loading.load_air_csv(fileobj, dry_run=dry_run, max_bytes=max_bytes)
    _log_import(actor, result)
    return result


def water_csv_import(
    *, actor, fileobj, dry_run: bool, max_bytes: int | None = None
) -> loading.ImportResult:
    """Import water samples from a CSV file, all or nothing, idempotently; each sample's class is
    computed by GB 3838 (water.classify_sample). Office only."""
    _require_office(actor, _("Only the office imports monitoring data."))
    result = loading.load_water_csv(fileobj, dry_run=dry_run, max_bytes=max_bytes)
    _log_import(actor, result)
    return result


def _log_import(actor, result: loading.ImportResult) -> None:
    summary = (
        f"{result.kind} {result.file_name or '-'}: {result.total_rows} rows, "
        f"{result.inserted} new, {result.updated} changed, {result.unchanged} unchanged, "
        f"{result.error_count} errors"
    )
    if result.written:
        audit(
            actor=actor,
            action=f"monitoring.{result.kind}_import",
            summary=summary,
            data={k: v for k, v in result.to_dict().items() if k != "errors"},
        )
    logger.info(
        "%s import by %s (%s): %s",
        result.kind,
        getattr(actor, "username", actor),
        "dry run" if result.dry_run else ("written" if result.written else "refused"),
        summary,
    )


# --- daily values --------------------------------------------------------------------------------


def recompute_daily(station_ids, days) -> tuple[int, int]:
    """Recompute the daily values of the given stations on the given days (dates), and of their
    districts on those days. Returns (station-days, district-days) written. For commands and
    repairs; imports recompute what they touch by themselves."""
    return daily.recompute(station_ids, days)


def recompute_district_daily(district_ids, days) -> int:
    """Recompute the district rows of the given districts on the given days from the stored
    station rows."""
    day_ns = [daily.day_number(d) for d in days]
    return daily.recompute_districts((int(d), n) for d in district_ids for n in day_ns)
