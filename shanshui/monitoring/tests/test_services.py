"""The monitoring services: targets one by one and as a batch (the grid and the API), and a
draft ledger task proposed for, and made from, a missed target."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from shanshui.ledger.models import CampaignKind, Status, Task, UnitRole
from shanshui.ledger.scenarios import make_campaign
from shanshui.monitoring import services
from shanshui.monitoring.indicators.districts import district_detail
from shanshui.monitoring.indicators.periods import Period
from shanshui.monitoring.indicators.targets import MISSED
from shanshui.monitoring.models import Indicator, Target
from shanshui.monitoring.tests.indicator_helpers import make_station, simple_year, target, unit
from shanshui.orgs.models import AuditEntry

pytestmark = pytest.mark.django_db

# --- targets --------------------------------------------------------------------------------------


def test_target_set_writes_updates_removes_and_audits(personas):
    def set_(value):
        return services.target_set(
            actor=personas.office,
            district=personas.unit_a,
            year=2026,
            indicator=Indicator.PM25_MEAN,
            value=value,
        )

    target = set_("35")
    assert target.value == Decimal("35.00") and Target.objects.count() == 1
    assert set_(Decimal("35.0")).pk == target.pk  # the same value: nothing written
    set_(33.5)
    assert Target.objects.get().value == Decimal("33.50")
    assert set_(None) is None and not Target.objects.exists()
    assert set_("") is None  # removing what is not there is no error
    trail = [
        (e.data["old"], e.data["new"])
        for e in AuditEntry.objects.filter(action="monitoring.target_set").order_by("at", "pk")
    ]
    assert trail == [(None, "35.00"), ("35.00", "33.50"), ("33.50", None)]


def test_target_set_refuses_bad_values_and_other_users(personas):
    def set_(value, *, actor=None, district=None, indicator=Indicator.GOOD_DAY_RATIO, year=2026):
        return services.target_set(
            actor=actor or personas.office,
            district=district or personas.unit_a,
            year=year,
            indicator=indicator,
            value=value,
        )

    for value, field in (
        ("-1", "value"),
        ("101", "value"),
        ("abc", "value"),
        ("90.123", "value"),
        ("NaN", "value"),
        ("1e30", "value"),
    ):
        with pytest.raises(ValidationError) as exc:
            set_(value)
        assert field in exc.value.message_dict, value
    assert set_("150", indicator=Indicator.PM25_MEAN).value == 150  # not a share
    with pytest.raises(ValidationError) as exc:
        set_("90", district=personas.unit_department)
    assert "district" in exc.value.message_dict
    with pytest.raises(ValidationError):
        set_("90", indicator="aqi")
    with pytest.raises(ValidationError):
        set_("90", year=1990)
    for user in (personas.district_a, personas.department, personas.leader, personas.citizen):
        with pytest.raises(PermissionDenied):
            set_("90", actor=user)
    assert Target.objects.count() == 1


def test_targets_set_saves_a_batch_all_or_nothing(personas):
    def change(indicator, value, district=None):
        return services.TargetChange(district or personas.unit_a, indicator, value)

    target(personas.unit_a, 2026, Indicator.HEAVY_DAYS, 2)
    changed = services.targets_set(
        actor=personas.office,
        year=2026,
        changes=[
            change(Indicator.PM25_MEAN, "35"),
            change(Indicator.HEAVY_DAYS, Decimal("2.00")),  # the stored value: not a change
            change(Indicator.GOOD_DAY_RATIO, None),  # nothing to remove
        ],
    )
    assert changed == 1
    assert Target.objects.get(indicator=Indicator.PM25_MEAN).value == Decimal("35.00")
    with pytest.raises(services.TargetsRefused) as exc:
        services.targets_set(
            actor=personas.office,
            year=2026,
            changes=[
                change(Indicator.PM25_MEAN, "30"),
                change(Indicator.GOOD_DAY_RATIO, "101"),
                services.TargetChange(None, Indicator.PM25_MEAN, "30"),
                change(Indicator.HEAVY_DAYS, "1e400"),
                change(Indicator.PM25_MEAN, "33", district=personas.unit_department),
            ],
        )
    assert {i: set(found) for i, found in exc.value.errors.items()} == {
        1: {"value"},
        2: {"district_id"},
        3: {"value"},
        4: {"district"},
    }
    assert Target.objects.get(indicator=Indicator.PM25_MEAN).value == Decimal("35.00")
    assert AuditEntry.objects.filter(action="monitoring.target_set").count() == 1
    for user in (personas.district_a, personas.leader):
        with pytest.raises(PermissionDenied):
            services.targets_set(actor=user, year=2026, changes=[])


# --- a ledger task from a missed target -----------------------------------------------------------


def test_the_proposed_task_names_the_numbers(db):
    wanzhou = unit("cq-wanzhou")
    make_station(wanzhou, "WZ")
    simple_year(wanzhou, 2025, pm25=30, heavy=2, bad=30)
    target(wanzhou, 2025, Indicator.PM25_MEAN, 35)
    detail = district_detail(wanzhou, Period(2025), today=dt.date(2026, 2, 1))
    miss = detail.row.assessments[Indicator.PM25_MEAN]
    assert miss.status == MISSED and miss.value == 36
    proposal = services.task_proposal(
        district=wanzhou,
        period=Period(2025),
        assessment=miss,
        air=detail.row.air,
        wat=detail.row.water,
        today=dt.date(2026, 2, 1),
    )
    assert proposal.code == "MON-2025-万州-PM25"
    assert proposal.title == "万州区2025年PM2.5年均浓度未达目标"
    assert "36微克/立方米" in proposal.problem and "35微克/立方米" in proposal.problem
    assert proposal.category == "air" and len(proposal.measures) >= 3
    assert proposal.deadline == dt.date(2026, 2, 1) + dt.timedelta(days=90)  # the year is over
    early = services.task_proposal(
        district=wanzhou,
        period=Period(2025),
        assessment=miss,
        air=detail.row.air,
        wat=None,
        today=dt.date(2025, 6, 1),
    )
    assert early.deadline == dt.date(2025, 12, 31)


def test_short_district_names_in_task_numbers(db):
    assert services.district_short(unit("cq-wanzhou")) == "万州"
    assert services.district_short(unit("cq-liangjiang")) == "两江"
    assert services.district_short(unit("cq-zhongxian")) == "忠县"
    assert services.district_short(unit("cq-shizhu")) == "石柱"


@time_machine.travel("2026-02-01 10:00 +0800", tick=False)  # the ledger dates things by today
def test_a_miss_becomes_one_draft_task_led_by_the_ecology_bureau(personas):
    wanzhou = unit("cq-wanzhou")
    make_station(wanzhou, "WZ")
    simple_year(wanzhou, 2025, pm25=30, heavy=2, bad=30)
    target(wanzhou, 2025, Indicator.PM25_MEAN, 35)
    today = dt.date(2026, 2, 1)
    detail = district_detail(wanzhou, Period(2025), today=today)
    proposal = services.task_proposal(
        district=wanzhou,
        period=Period(2025),
        assessment=detail.row.assessments[Indicator.PM25_MEAN],
        air=detail.row.air,
        wat=detail.row.water,
        today=today,
    )
    fields = {
        "campaign": make_campaign(personas.office, kind=CampaignKind.SELF_FOUND),
        "title": proposal.title,
        "problem": proposal.problem,
        "target": proposal.target,
        "measures": list(proposal.measures),
        "deadline": proposal.deadline,
    }
    with pytest.raises(PermissionDenied):
        services.missed_target_task_create(
            actor=personas.district_a, district=wanzhou, proposal=proposal, **fields
        )
    task, created = services.missed_target_task_create(
        actor=personas.office, district=wanzhou, proposal=proposal, **fields
    )
    assert created and task.code == "MON-2025-万州-PM25" and task.status == Status.DRAFT
    roles = {(tu.unit.key, tu.role) for tu in task.task_units.select_related("unit")}
    assert roles == {
        ("cq-ecology-environment", UnitRole.LEAD),
        ("cq-wanzhou", UnitRole.IMPLEMENTING),
    }
    again, created = services.missed_target_task_create(
        actor=personas.office, district=wanzhou, proposal=proposal, **fields
    )
    assert (again.pk, created) == (task.pk, False)
    assert Task.objects.filter(code=proposal.code).count() == 1
