"""figures: every number equals a direct query written here, independently of the module."""

from __future__ import annotations

import contextlib
import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.utils import timezone

from shanshui.ledger import services
from shanshui.ledger.models import (
    Campaign,
    CampaignKind,
    EventKind,
    Status,
    Task,
    TaskUnit,
    UrgeNotice,
)
from shanshui.ledger.scenarios import drive, make_campaign, make_task
from shanshui.orgs.models import TERRITORIAL_KINDS, Role, Unit, UnitKind
from shanshui.reports import figures
from shanshui.testing.clock import at_ordinary_day
from shanshui.testing.personas import make_personas, make_user

pytestmark = pytest.mark.django_db

COMPLETED = {"accepted", "in_public_notice", "signed_off"}


def build_ledger(personas) -> SimpleNamespace:
    """A varied ledger: two campaigns, two districts and a town, three departments (one of them
    a district's), split tasks, drafts, withdrawn tasks, every warning colour, late and on-time
    completions, a reopened task, a task without a deadline, and urge notices."""
    p = personas
    office = p.office
    today = timezone.localdate()
    water = Unit.objects.get(key="cq-water")
    water_admin = make_user("p_water", unit=water, role=Role.UNIT_ADMIN)
    district_dept = Unit.objects.create(
        name="重庆市万州区生态环境局",
        short_name="万州区生态环境局",
        kind=UnitKind.DEPARTMENT,
        parent=p.unit_a,
    )
    district_dept_admin = make_user("p_wz_sthj", unit=district_dept, role=Role.UNIT_ADMIN)
    c1 = make_campaign(office, code="central-3")
    c2 = make_campaign(
        office,
        code="city-2025",
        name="2025年市级生态环境保护督察",
        kind=CampaignKind.CITY,
        feedback_date=dt.date(2025, 3, 1),
    )
    reviewers = {p.unit_department.pk: p.department, water.pk: water_admin}
    reviewers[district_dept.pk] = district_dept_admin
    executors = {p.unit_a.pk: p.district_a, p.unit_b.pk: p.district_b}
    executors[p.unit_town_a.pk] = p.district_a  # a district's admin acts for its towns
    tasks = {}

    def add(code, state, *, campaign=c1, unit=p.unit_a, lead=p.unit_department, days=120, **kw):
        deadline = today + dt.timedelta(days=days) if days is not None else None
        if days is None:
            kw.setdefault("deadline_kind", "ongoing")
        task = make_task(
            office,
            campaign,
            code=code,
            implementing=unit,
            lead=lead,
            accepting=p.unit_office,
            deadline=deadline,
            **kw,
        )
        if state != Status.DRAFT:
            task = drive(
                task,
                state,
                office=office,
                executor=executors[unit.pk],
                lead_reviewer=reviewers[lead.pk],
            )
        tasks[code] = task
        return task

    add("T01", Status.IN_PROGRESS)  # green
    add("T02", Status.IN_PROGRESS, days=-5, categories=("water", "air"))  # overdue
    add("T03", Status.IN_PROGRESS, days=5)  # red: deadline close, no progress
    add("T04", Status.IN_PROGRESS, unit=p.unit_b, lead=water, days=20)  # yellow
    add("T05", Status.SIGNED_OFF, days=60, categories=("water", "air"))  # on time
    add("T06", Status.ACCEPTED, unit=p.unit_b, days=-3, categories=("soil",))  # accepted late
    add("T07", Status.IN_PUBLIC_NOTICE, unit=p.unit_b, lead=water, days=30)
    add("T08", Status.REOPENED, categories=("ecology",))
    add("T09", Status.DRAFT)
    add("T10", Status.WITHDRAWN, unit=p.unit_b)
    add("T11", Status.ACCEPTANCE_APPLIED, days=-2)  # due, not completed
    add("T12", Status.ASSIGNED, unit=p.unit_town_a, days=90)  # a town of district A
    add("T13", Status.SIGNED_OFF, unit=p.unit_b, days=None)  # ongoing: completed, not due
    add("T14", Status.IN_PROGRESS, lead=district_dept, categories=("noise",))
    add("U01", Status.IN_PROGRESS, campaign=c2, unit=p.unit_b, lead=water, categories=("air",))
    add("U02", Status.ACCEPTED, campaign=c2, categories=("soil",))
    add("U03", Status.SIGNED_OFF, campaign=c2, unit=p.unit_b, days=10)

    # A city task split into two district shares: one signed off, one still being rectified.
    parent = make_task(office, c1, code="S1", lead=p.unit_department, accepting=p.unit_office)
    share_a, share_b = services.task_split(
        actor=office, task=parent, expected_version=None, units=[p.unit_a, p.unit_b]
    )
    services.task_assign(actor=office, task=parent, expected_version=None)
    kw = dict(office=office, lead_reviewer=p.department)
    share_a = drive(share_a, Status.SIGNED_OFF, executor=p.district_a, **kw)
    share_b = drive(share_b, Status.IN_PROGRESS, executor=p.district_b, **kw)
    tasks.update(S1=parent, S1a=share_a, S1b=share_b)

    for code, unit in (("T02", p.unit_a), ("U01", p.unit_b)):
        services.task_urge(
            actor=office,
            task=tasks[code],
            expected_version=None,
            to_unit=unit,
            text="请加快推进。",
            response_due=today + dt.timedelta(days=5),
        )
    for task in Task.objects.all():
        task.refresh_from_db()
    return SimpleNamespace(
        c1=c1,
        c2=c2,
        water=water,
        district_dept=district_dept,
        tasks={code: Task.objects.get(pk=t.pk) for code, t in tasks.items()},
        today=today,
    )


@contextlib.contextmanager
def shared_ledger(django_db_blocker):
    """Personas and the ledger, built once for a whole test module inside a transaction that is
    rolled back at its end; each test runs in a savepoint within it and is rolled back too (as
    Django's TestCase.setUpTestData does). Building the ledger through the services is slow.

    Deadlines, colours and periods are relative to today, so the module's clock starts on an
    ordinary working day and runs on from there (its events keep their order)."""
    with at_ordinary_day(tick=True), django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            personas = make_personas()
            yield personas, build_ledger(personas)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with shared_ledger(django_db_blocker) as built:
        yield built


@pytest.fixture
def personas(world, db):
    return world[0]


@pytest.fixture
def ledger(world, db):
    return world[1]


# --- independent expectations ------------------------------------------------------------------


def direct_items(*, campaign=None, unit_path=None, unit=None, category=None):
    """Written without figures: live tasks that are not split city tasks."""
    qs = Task.objects.exclude(status__in=["draft", "withdrawn"]).filter(shares__isnull=True)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if unit_path is not None:
        qs = qs.filter(task_units__unit__path__startswith=unit_path)
    if unit is not None:
        qs = qs.filter(
            task_units__unit=unit, task_units__role__in=["lead", "responsible", "implementing"]
        )
    if category is not None:
        qs = qs.filter(category_rows__category=category)
    return Task.objects.filter(pk__in=qs.values("pk"))


def expected_counts(qs) -> dict:
    today = timezone.localdate()
    rows = list(qs)
    due = [t for t in rows if t.deadline and (t.deadline < today or t.status in COMPLETED)]
    return {
        "total": len(rows),
        "completed": qs.filter(status__in=COMPLETED).count(),
        "signed_off": qs.filter(status="signed_off").count(),
        "in_progress": qs.filter(
            status__in=["assigned", "in_progress", "reopened", "acceptance_applied", "rechecked"]
        ).count(),
        "on_schedule": qs.filter(
            status__in=["assigned", "in_progress", "reopened", "acceptance_applied", "rechecked"]
        )
        .exclude(warning="overdue")
        .count(),
        "overdue": qs.filter(warning="overdue").count(),
        "red": qs.filter(warning="red").count(),
        "yellow": qs.filter(warning="yellow").count(),
        "green": qs.filter(warning="green").count(),
        "due": len(due),
        "on_time": sum(
            1
            for t in due
            if t.status in COMPLETED
            and t.accepted_at
            and timezone.localtime(t.accepted_at).date() <= t.deadline
        ),
    }


def as_dict(c: figures.Counts) -> dict:
    return {name: getattr(c, name) for name in figures.MEASURES}


# --- counts and drill ---------------------------------------------------------------------------


def test_the_ledger_has_every_kind_of_item(ledger):
    t = ledger.tasks
    assert t["T02"].warning == "overdue"
    assert t["T03"].warning == "red"
    assert t["T04"].warning == "yellow"
    assert t["T01"].warning == "green"
    assert t["T06"].accepted_at and timezone.localtime(t["T06"].accepted_at).date() > (
        t["T06"].deadline
    )
    assert t["S1"].status == Status.IN_PROGRESS and t["S1a"].status == Status.SIGNED_OFF


def test_counts_equal_direct_queries(personas, ledger):
    office = personas.office
    for campaign in (None, ledger.c1, ledger.c2):
        got = figures.counts(office, campaign=campaign)
        assert as_dict(got) == expected_counts(direct_items(campaign=campaign)), campaign
    # Spelled out once, so that a shared mistake in both cannot hide.
    c = figures.counts(office, campaign=ledger.c1)
    assert c.total == 14  # T01–T14 less the draft and the withdrawn, + 2 shares, − parent
    assert c.signed_off == 3  # T05, T13, S1a
    assert c.completed == 5  # + T06 accepted, T07 in notice
    assert c.in_progress == 9
    assert c.overdue == 1 and c.red == 1 and c.yellow == 1
    assert c.due == 6  # T02, T11 (passed) and T05, T06, T07, S1a (completed); T13 has none
    assert c.on_time == 3  # T05, T07, S1a — T06 was accepted after its deadline
    assert c.on_time_rate == pytest.approx(0.5)
    assert c.completion_rate == pytest.approx(5 / 14)


def test_items_leave_out_drafts_withdrawn_and_split_parents(personas, ledger):
    codes = set(figures.items(personas.office).values_list("code", flat=True))
    t = ledger.tasks
    assert t["S1a"].code in codes and t["S1b"].code in codes
    assert not {"T09", "T10", "S1"} & codes


def test_drill_count_equals_every_counts_field(personas, ledger):
    office = personas.office
    cases = [
        {},
        {"campaign": ledger.c1},
        {"campaign": ledger.c2},
        {"unit": personas.unit_a},
        {"unit": personas.unit_b, "campaign": ledger.c1},
        {"unit": personas.unit_department},
        {"category": "water"},
        {"category": "air", "campaign": ledger.c2},
    ]
    for filters in cases:
        c = figures.counts(office, **filters)
        for measure in figures.MEASURES:
            assert figures.drill(office, measure=measure, **filters).count() == getattr(
                c, measure
            ), (filters, measure)


def test_counts_with_a_unit_or_category_equal_direct_queries(personas, ledger):
    office = personas.office
    for unit in (personas.unit_a, personas.unit_b, personas.unit_department, ledger.water):
        got = figures.counts(office, unit=unit)
        assert as_dict(got) == expected_counts(direct_items(unit=unit)), unit
    for category in ("water", "air", "soil", "noise"):
        got = figures.counts(office, category=category)
        assert as_dict(got) == expected_counts(direct_items(category=category)), category


def test_drill_refuses_an_unknown_measure(personas, ledger):
    with pytest.raises(ValueError):
        figures.drill(personas.office, measure="everything")


def test_on_time_uses_the_local_date_of_acceptance(personas, ledger):
    office = personas.office
    task = ledger.tasks["T05"]
    before = figures.counts(office).on_time
    # 16:30 UTC on the deadline is 00:30 the next day in Chongqing: late.
    late = dt.datetime.combine(task.deadline, dt.time(16, 30), tzinfo=dt.UTC)
    Task.objects.filter(pk=task.pk).update(accepted_at=late)
    assert figures.counts(office).on_time == before - 1
    # 15:30 UTC is 23:30 the same day: on time.
    in_time = dt.datetime.combine(task.deadline, dt.time(15, 30), tzinfo=dt.UTC)
    Task.objects.filter(pk=task.pk).update(accepted_at=in_time)
    assert figures.counts(office).on_time == before


# --- scope ------------------------------------------------------------------------------------


def test_a_district_counts_only_its_own_items(personas, ledger):
    user = personas.district_a
    got = figures.counts(user)
    assert as_dict(got) == expected_counts(direct_items(unit_path=personas.unit_a.path))
    codes = set(figures.items(user).values_list("code", flat=True))
    assert "T12" in codes  # its town's task
    assert not codes & {"T04", "T06", "T07", "T13", "U01", "U03", ledger.tasks["S1b"].code}
    for measure in figures.MEASURES:
        drilled = figures.drill(user, measure=measure)
        assert drilled.count() == getattr(got, measure)
        assert not drilled.exclude(task_units__unit__path__startswith=personas.unit_a.path)


def test_a_unit_outside_the_scope_yields_nothing(personas, ledger):
    assert figures.counts(personas.district_a, unit=personas.unit_b).total == 0
    assert not figures.drill(personas.district_a, measure="total", unit=personas.unit_b).exists()
    assert figures.counts(personas.office, unit=personas.unit_b).total > 0


def test_a_user_without_a_unit_sees_no_numbers(personas, ledger):
    assert figures.counts(personas.citizen) == figures.Counts()
    assert figures.by_unit(personas.citizen, group="district") == []
    assert not figures.campaigns(personas.citizen).exists()


# --- rankings ---------------------------------------------------------------------------------


def test_district_rows_equal_unit_counts_and_sum_to_the_role_pairs(personas, ledger):
    office = personas.office
    rows = figures.by_unit(office, group="district")
    assert {r.unit for r in rows} == {personas.unit_a, personas.unit_b}  # not the town
    for row in rows:
        assert row.unit.kind in TERRITORIAL_KINDS
        assert row.counts == figures.counts(office, unit=row.unit)
        assert as_dict(row.counts) == expected_counts(direct_items(unit=row.unit))
    pairs = (
        TaskUnit.objects.filter(
            task__in=direct_items(),
            role__in=["lead", "responsible", "implementing"],
            unit__kind__in=TERRITORIAL_KINDS,
        )
        .values("task_id", "unit_id")
        .distinct()
        .count()
    )
    assert sum(r.counts.total for r in rows) == pairs


def test_rankings_are_ordered_by_on_time_rate_then_overdue_then_name(personas, ledger):
    for group in ("district", "department"):
        rows = figures.by_unit(personas.office, group=group)
        keys = [
            (
                r.counts.on_time_rate is None,
                -(r.counts.on_time_rate or 0),
                r.counts.overdue,
                r.unit.display_name,
            )
            for r in rows
        ]
        assert keys == sorted(keys), group


def test_department_rows_are_municipal_departments_leading_items(personas, ledger):
    rows = figures.by_unit(personas.office, group="department")
    units = {r.unit for r in rows}
    assert units == {personas.unit_department, ledger.water}
    assert ledger.district_dept not in units  # a district's department is not a 市级部门
    for row in rows:
        assert row.counts == figures.counts(personas.office, unit=row.unit)


def test_a_district_sees_only_its_own_ranking_rows(personas, ledger):
    rows = figures.by_unit(personas.district_a, group="district")
    assert [r.unit for r in rows] == [personas.unit_a]
    assert rows[0].counts == figures.counts(personas.office, unit=personas.unit_a)
    assert figures.by_unit(personas.district_a, group="department") == []
    dept_rows = figures.by_unit(personas.department, group="department")
    assert [r.unit for r in dept_rows] == [personas.unit_department]
    assert figures.by_unit(personas.department, group="district") == []


def test_by_unit_refuses_an_unknown_group(personas, ledger):
    with pytest.raises(ValueError):
        figures.by_unit(personas.office, group="towns")


# --- categories -------------------------------------------------------------------------------


def test_by_category_counts_each_category_of_an_item(personas, ledger):
    rows = figures.by_category(personas.office)
    codes = [code for code, _label, _c in rows]
    assert codes == [c for c in ("water", "air", "soil", "noise", "ecology") if c in codes]
    assert set(codes) == {"water", "air", "soil", "noise", "ecology"}
    for code, label, c in rows:
        assert label
        assert as_dict(c) == expected_counts(direct_items(category=code)), code
    by_code = {code: c for code, _label, c in rows}
    # T02 and T05 are both water and air.
    assert by_code["water"].overdue == 1 and by_code["air"].overdue == 1
    scoped = dict((code, c) for code, _l, c in figures.by_category(personas.district_b))
    assert "noise" not in scoped  # T14 belongs to district A


# --- completion over time ---------------------------------------------------------------------


def test_the_last_point_of_the_series_equals_the_counts(personas, ledger):
    for user in (personas.office, personas.district_a, personas.district_b):
        for campaign in (None, ledger.c1):
            period = figures.Period(ledger.today - dt.timedelta(days=400), ledger.today)
            for step in ("month", "week", "day"):
                series = figures.completion_series(
                    user, campaign=campaign, period=period, step=step
                )
                c = figures.counts(user, campaign=campaign)
                last = series[-1]
                assert last.day == ledger.today
                assert (last.completed, last.signed_off, last.total) == (
                    c.completed,
                    c.signed_off,
                    c.total,
                ), (user, campaign, step)


def test_the_series_follows_the_event_history(personas, ledger):
    """Accepted 40 days ago, signed off 10 days ago: the series shows each from its day on."""
    office = personas.office
    task = ledger.tasks["U03"]
    today = ledger.today
    long_ago = timezone.now() - dt.timedelta(days=200)
    Task.objects.filter(campaign=ledger.c2).update(created_at=long_ago, assigned_at=long_ago)
    accepted = task.events.get(kind=EventKind.ACCEPTED)
    accepted.at = timezone.now() - dt.timedelta(days=40)
    accepted.save(update_fields=["at"])
    task.events.filter(kind__in=[EventKind.NOTICE_STARTED, EventKind.SIGNED_OFF]).update(
        at=timezone.now() - dt.timedelta(days=10)
    )
    # Move the other completions of the campaign to today so only U03 has a history.
    Task.objects.get(code="U02").events.filter(kind=EventKind.ACCEPTED).update(at=timezone.now())
    series = figures.completion_series(
        office,
        campaign=ledger.c2,
        period=figures.Period(today - dt.timedelta(days=60), today),
        step="day",
    )
    by_day = {p.day: p for p in series}
    assert len(series) == 61
    assert by_day[today - dt.timedelta(days=50)].completed == 0
    assert by_day[today - dt.timedelta(days=40)].completed == 1
    assert by_day[today - dt.timedelta(days=11)].signed_off == 0
    assert by_day[today - dt.timedelta(days=10)].signed_off == 1
    assert by_day[today - dt.timedelta(days=1)].completed == 1
    assert by_day[today].completed == 2  # U02 accepted today
    assert all(p.total == 3 for p in series)


def test_a_reopened_item_leaves_the_completed_line(personas, ledger):
    office = personas.office
    period = figures.Period(ledger.today - dt.timedelta(days=30), ledger.today)
    task = ledger.tasks["T08"]  # signed off, then reopened, all today
    task.events.filter(kind__in=[EventKind.ACCEPTED, EventKind.NOTICE_STARTED]).update(
        at=timezone.now() - dt.timedelta(days=20)
    )
    task.events.filter(kind=EventKind.SIGNED_OFF).update(at=timezone.now() - dt.timedelta(days=15))
    series = figures.completion_series(office, campaign=ledger.c1, period=period, step="day")
    by_day = {p.day: p for p in series}
    c = figures.counts(office, campaign=ledger.c1)
    # Every other completion happened today; before today only T08 was completed and signed
    # off, and its reopening today takes it out again.
    yesterday = by_day[ledger.today - dt.timedelta(days=1)]
    assert (yesterday.completed, yesterday.signed_off) == (1, 1)
    assert by_day[ledger.today - dt.timedelta(days=16)].signed_off == 0
    assert by_day[ledger.today - dt.timedelta(days=20)].completed == 1
    assert by_day[ledger.today - dt.timedelta(days=21)].completed == 0
    assert (by_day[ledger.today].completed, by_day[ledger.today].signed_off) == (
        c.completed,
        c.signed_off,
    )
    assert "T08" not in set(
        figures.drill(office, campaign=ledger.c1, measure="completed").values_list(
            "code", flat=True
        )
    )


def test_month_buckets_end_on_the_last_day_and_the_period_end(personas, ledger):
    period = figures.Period(dt.date(2025, 1, 15), dt.date(2025, 3, 10))
    series = figures.completion_series(personas.office, period=period)
    assert [p.day for p in series] == [
        dt.date(2025, 1, 31),
        dt.date(2025, 2, 28),
        dt.date(2025, 3, 10),
    ]
    weeks = figures.completion_series(personas.office, period=period, step="week")
    assert all(p.day.weekday() == 6 for p in weeks[:-1]) and weeks[-1].day == period.end
    with pytest.raises(ValueError):
        figures.completion_series(personas.office, period=period, step="hour")


def test_series_by_campaign_end_at_each_campaigns_counts(personas, ledger):
    period = figures.Period(ledger.today - dt.timedelta(days=90), None)
    rows = figures.completion_series_by_campaign(personas.office, period=period)
    assert {c for c, _points in rows} == {ledger.c1, ledger.c2}
    for campaign, points in rows:
        c = figures.counts(personas.office, campaign=campaign)
        assert (points[-1].completed, points[-1].total) == (c.completed, c.total)
    # A district without items in a campaign gets no line for it.
    only = figures.completion_series_by_campaign(personas.district_a, period=period)
    assert {c for c, _ in only} == {ledger.c1, ledger.c2}


def test_an_empty_scope_gives_a_flat_series(personas, ledger):
    period = figures.Period(ledger.today - dt.timedelta(days=3), ledger.today)
    series = figures.completion_series(personas.citizen, period=period, step="day")
    assert [(p.completed, p.total) for p in series] == [(0, 0)] * 4


# --- lists for the bulletin -------------------------------------------------------------------


def test_overdue_and_red_lists_overdue_first(personas, ledger):
    rows = list(figures.overdue_and_red(personas.office))
    assert [t.code for t in rows] == ["T02", "T03"]
    assert rows[0].warning == "overdue" and rows[1].warning == "red"
    assert [t.code for t in figures.overdue_and_red(personas.district_b)] == []


def test_newly_signed_off_within_the_period(personas, ledger):
    office = personas.office
    today = ledger.today
    period = figures.Period(today, today)
    codes = set(figures.newly_signed_off(office, period=period).values_list("code", flat=True))
    direct = set(
        direct_items()
        .filter(status="signed_off", signed_off_at__date__gte=today)
        .values_list("code", flat=True)
    )
    assert codes == direct and "T05" in codes
    yesterday = figures.Period(today - dt.timedelta(days=5), today - dt.timedelta(days=1))
    assert not figures.newly_signed_off(office, period=yesterday).exists()
    assert set(
        figures.newly_signed_off(personas.district_b, period=period).values_list("code", flat=True)
    ) == {"T13", "U03"}


def test_urges_issued_are_scoped(personas, ledger):
    period = figures.Period(ledger.today, ledger.today)
    assert figures.urges_issued(personas.office, period=period).count() == 2
    assert figures.urges_issued(personas.office, campaign=ledger.c2, period=period).count() == 1
    mine = figures.urges_issued(personas.district_a, period=period)
    assert [u.task.code for u in mine] == ["T02"]
    assert UrgeNotice.objects.count() == 2
    past = figures.Period(None, ledger.today - dt.timedelta(days=1))
    assert not figures.urges_issued(personas.office, period=past).exists()


def test_campaigns_are_those_with_items_in_scope(personas, ledger):
    Campaign.objects.create(code="empty", name="空批次", kind=CampaignKind.CITY)
    assert set(figures.campaigns(personas.office)) == {ledger.c1, ledger.c2}
    only_drafts = make_campaign(personas.office, code="drafts")
    make_task(personas.office, only_drafts, code="D1", implementing=personas.unit_a)
    assert only_drafts not in set(figures.campaigns(personas.office))


def test_counts_as_dict_carries_the_rates(personas, ledger):
    d = figures.counts(personas.office).as_dict()
    assert d["on_time_rate"] == pytest.approx(d["on_time"] / d["due"])
    assert d["completion_rate"] == pytest.approx(d["completed"] / d["total"])
    assert figures.Counts().on_time_rate is None and figures.Counts().completion_rate is None


def test_no_figure_loops_over_tasks(personas, ledger, django_assert_max_num_queries):
    """Aggregates, not rows: a handful of queries whatever the ledger's size (and, on
    PostgreSQL, one to give the transaction its planner settings)."""
    office = personas.office
    period = figures.Period(ledger.today - dt.timedelta(days=90), ledger.today)
    setup = 1 if connection.vendor == "postgresql" else 0
    with django_assert_max_num_queries(3 + setup):
        figures.counts(office)
    with django_assert_max_num_queries(4 + setup):
        figures.by_unit(office, group="department")
    with django_assert_max_num_queries(2 + setup):
        figures.by_category(office)
    with django_assert_max_num_queries(4 + setup):
        figures.completion_series(office, period=period)


# --- the dashboard's combined figures -----------------------------------------------------------


def test_overview_equals_the_separate_figures(personas, ledger):
    period = figures.Period(ledger.today - dt.timedelta(days=100), ledger.today)
    for user in (personas.office, personas.district_a, personas.district_b):
        for campaign in (None, ledger.c1, ledger.c2):
            view = figures.overview(user, campaign=campaign, period=period)
            assert view.counts == figures.counts(user, campaign=campaign)
            assert view.step == "week" and view.period == period
            assert view.series == figures.completion_series(
                user, campaign=campaign, period=period, step="week"
            )
            assert view.signed_off_in_period == (
                figures.newly_signed_off(user, campaign=campaign, period=period).count()
            )
            assert [c for c, _counts in view.campaigns] == list(
                figures.campaigns(user).order_by("-feedback_date", "-pk")
            )
            for c, counts in view.campaigns:
                assert counts == figures.counts(user, campaign=c)
            if campaign is None:
                assert view.series_by_campaign == figures.completion_series_by_campaign(
                    user, period=period, step="week"
                )
            else:
                assert view.series_by_campaign == []


def test_overview_without_a_start_runs_from_the_feedback_date(personas, ledger):
    view = figures.overview(personas.office, period=figures.Period(None, None))
    assert view.period == figures.Period(dt.date(2024, 8, 20), ledger.today)  # central-3
    assert view.step == "month"
    view = figures.overview(personas.office, campaign=ledger.c2, period=figures.Period(None, None))
    assert view.period.start == dt.date(2025, 3, 1)
    short = figures.Period(ledger.today - dt.timedelta(days=10), None)
    assert figures.overview(personas.office, period=short).step == "day"


def test_overview_of_a_campaign_outside_the_scope_is_empty(personas, ledger):
    other = make_campaign(personas.office, code="elsewhere")
    task = make_task(personas.office, other, code="E1", implementing=personas.unit_b)
    services.task_assign(actor=personas.office, task=task, expected_version=None)
    period = figures.Period(ledger.today - dt.timedelta(days=5), ledger.today)
    view = figures.overview(personas.district_a, campaign=other, period=period)
    assert view.counts == figures.Counts()
    assert all(p.total == 0 for p in view.series)
    assert other not in [c for c, _ in view.campaigns]


def test_rankings_give_both_groups_from_one_query(personas, ledger, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        ranked = figures.rankings(personas.office, campaign=ledger.c1)
    assert ranked["district"] == figures.by_unit(
        personas.office, campaign=ledger.c1, group="district"
    )
    assert ranked["department"] == figures.by_unit(
        personas.office, campaign=ledger.c1, group="department"
    )


def test_a_unit_with_two_roles_on_a_task_counts_it_once(personas, ledger):
    task = make_task(
        personas.office,
        ledger.c2,
        code="TWO",
        lead=personas.unit_a,
        implementing=personas.unit_a,
        accepting=personas.unit_office,
    )
    services.task_assign(actor=personas.office, task=task, expected_version=None)
    before = figures.counts(personas.office, campaign=ledger.c2, unit=personas.unit_a).total
    rows = figures.by_unit(personas.office, campaign=ledger.c2, group="district")
    row = next(r for r in rows if r.unit == personas.unit_a)
    assert row.counts.total == before
    assert before == direct_items(campaign=ledger.c2, unit=personas.unit_a).count()
    assert (
        figures.drill(personas.office, campaign=ledger.c2, measure="total", unit=personas.unit_a)
        .filter(code="TWO")
        .count()
        == 1
    )
