"""The data migrations that fill the copies a case's rows carry (0009: closure, closing time and
follow-up date on the case units; 0010: the type bits on the case) give exactly what the
services keep, on SQLite and with the single UPDATE statements PostgreSQL runs."""

from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from shanshui.complaints import services
from shanshui.complaints.models import UNIT_COPIES, Complaint, ComplaintUnit, Status
from shanshui.complaints.scenarios import drive_case, make_batch, make_report, make_transferred
from shanshui.ledger.scenarios import make_campaign

pytestmark = pytest.mark.django_db


def _run(migration: str, function: str) -> None:
    module = importlib.import_module(f"shanshui.complaints.migrations.{migration}")

    def execute(sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    # What the functions use of a schema editor (a real one cannot open inside a test's
    # transaction on SQLite).
    getattr(module, function)(apps, SimpleNamespace(connection=connection, execute=execute))


def test_the_data_migrations_fill_what_the_services_keep(personas):
    office, district = personas.office, personas.district_a
    cases = [make_report(district=personas.unit_a, categories=("air", "water"))]
    for target in (Status.CLOSED, Status.STAGE_CLOSED, Status.PUBLISHED, Status.INVESTIGATING):
        c = make_report(district=personas.unit_a, categories=("noise",))
        cases.append(drive_case(c, target, office=office, handler=district))
    services.complaint_complete_follow_up(
        actor=district, complaint=cases[2], expected_version=None, comment="已复查"
    )
    stage = drive_case(
        make_report(district=personas.unit_a), Status.HANDLED, office=office, handler=district
    )
    services.complaint_close(
        actor=district,
        complaint=stage,
        expected_version=None,
        stage=True,
        follow_up_due=timezone.localdate() + dt.timedelta(days=9),
    )
    services.complaint_publish(actor=district, complaint=stage, expected_version=None)
    batch = make_batch(office, make_campaign(office))
    cases += [stage, make_transferred(office, batch, personas.unit_a, categories=("soil", "other"))]
    units = sorted(ComplaintUnit.objects.values_list("pk", *UNIT_COPIES))
    bits = sorted(Complaint.objects.values_list("pk", "category_bits"))
    assert any(row[3] == "stage_closed" and row[5] for row in units)  # a follow-up date
    assert sum(1 for row in units if row[4]) >= 4  # closing times

    ComplaintUnit.objects.update(closure="", closed_at=None, follow_up_due=None)
    Complaint.objects.update(category_bits=0)
    _run("0009_unit_closure", "copy_closure")
    _run("0010_category_bits", "fill_bits")
    assert sorted(ComplaintUnit.objects.values_list("pk", *UNIT_COPIES)) == units
    assert sorted(Complaint.objects.values_list("pk", "category_bits")) == bits
