"""Targets and trajectories: the projection's arithmetic on hand-computed series, progress at
its boundaries, the office's target form (errors in Chinese), the target's own history (set,
changed, task raised, task withdrawn; written with the action or not at all), scope (a district
its own targets, another's 404 through pages and API), the ledger task raised once, the
trajectories read in a fixed number of queries, and the data migration of the old history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from shanshui.carbon import projection, targets
from shanshui.carbon.models import (
    CarbonTarget,
    DistrictEconomy,
    FactorChange,
    InventoryCell,
    TargetEvent,
    TargetKind,
)
from shanshui.ledger import services as ledger_services
from shanshui.ledger.models import CampaignKind, Category, Status, Task, UnitRole
from shanshui.ledger.scenarios import make_campaign
from shanshui.orgs.models import Unit
from shanshui.orgs.services import api_token_create
from shanshui.testing.http import ClientApi

User = get_user_model()

# --- the projection (pure) ---------------------------------------------------------------------


def test_least_squares_line():
    assert projection.fit_line([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]) == pytest.approx((0.0, 2.0))
    # y = 1, 2, 2, 3 on x = 0..3: b = 0.6, a = 1.1 (by hand: Sxy = 3, Sxx = 5)
    a, b = projection.fit_line([0, 1, 2, 3], [1, 2, 2, 3])
    assert (a, b) == pytest.approx((1.1, 0.6))


def test_slowing_growth_peaks_where_the_increments_reach_zero():
    # increments 10, 8, 6, 4 fall by 2 a year: next 2, 0, −2 → 130, 130, 128
    series = {2019: 100, 2020: 110, 2021: 118, 2022: 124, 2023: 128}
    path = projection.project(series, 2026)
    assert [round(path[y], 9) for y in (2024, 2025, 2026)] == [130, 130, 128]
    assert projection.peak_year(path, 2023) == 2024


def test_falling_series_peaked_in_its_highest_observed_year():
    path = projection.project({2021: 100, 2022: 98, 2023: 96}, 2030)
    assert path[2024] == pytest.approx(94)
    assert projection.peak_year(path, 2023) == 2021


def test_steady_growth_does_not_peak_and_too_few_years_project_nothing():
    path = projection.project({2021: 100, 2022: 110, 2023: 120}, 2035)
    assert path[2035] == pytest.approx(240)
    assert projection.peak_year(path, 2023) is None
    assert projection.project({2022: 1, 2023: 2}, 2030) == {}


def test_window_keeps_the_last_five_years():
    # an old spike outside the window does not count
    series = {2015: 999, 2019: 100, 2020: 110, 2021: 118, 2022: 124, 2023: 128}
    assert projection.project(series, 2024)[2024] == pytest.approx(130)


def test_an_observed_dip_is_no_peak_when_the_projection_climbs_past_it():
    # increments −10, +5 → +20, +35: 115 in 2024, 150 in 2025, above the 2021 high of 100
    path = projection.project({2021: 100, 2022: 90, 2023: 95}, 2025)
    assert (path[2024], path[2025]) == pytest.approx((115, 150))
    assert projection.peak_year(path, 2023) is None


def test_gdp_line_and_intensity_path():
    gdp = projection.project_linear({2021: 10, 2022: 12, 2023: 14}, 2025)
    assert gdp[2025] == pytest.approx(18)
    assert projection.intensity_path({2021: 20, 2022: 30}, {2021: 10}) == {2021: 2}


# --- progress at the boundaries ----------------------------------------------------------------


def test_intensity_progress_at_the_boundary():
    # base 2020 = 4.0, period to 2024, 25 %: by 2022 half the period is gone → 12.5 % due
    on = projection.intensity_progress({2020: 4.0, 2022: 3.5}, 2020, 2024, 25)
    assert (on.status, on.achieved, on.expected, on.elapsed) == ("on_track", 12.5, 12.5, 0.5)
    behind = projection.intensity_progress({2020: 4.0, 2022: 3.5001}, 2020, 2024, 25)
    assert behind.status == projection.BEHIND
    assert projection.intensity_progress({2020: 4.0}, 2020, 2024, 25).status == "no_data"
    assert projection.intensity_progress({2022: 3.0}, 2020, 2024, 25).status == "no_data"


def test_cap_and_peak_progress_at_the_boundary():
    energy = {2021: 90.0, 2022: 100.0}
    assert projection.cap_progress(energy, {2025: 100.0}, 2025, 100).status == "on_track"
    assert projection.cap_progress(energy, {2025: 100.5}, 2025, 100).status == "behind"
    assert projection.cap_progress({2022: 101.0}, {}, 2025, 100).status == "behind"
    assert projection.peak_progress(2030, 2023, 2030).status == "on_track"
    assert projection.peak_progress(2031, 2023, 2030).status == "behind"
    assert projection.peak_progress(None, 2023, 2030).status == "behind"
    assert projection.peak_progress(None, None, 2030).status == "no_data"


# --- with the database -------------------------------------------------------------------------


def inventory(unit, co2: dict[int, float], gdp_100m: dict[int, float] | None = None):
    for year, total in co2.items():
        InventoryCell.objects.create(
            district=unit,
            year=year,
            sector="industry",
            direct_co2_t=total,
            indirect_co2_t=0.0,
            energy_tce=total / 2,
            non_fossil_tce=0.0,
            rows=1,
        )
    for year, g in (gdp_100m or {}).items():
        DistrictEconomy.objects.create(
            district=unit, year=year, gdp_100m_yuan=D(str(g)), deflator=D("100")
        )


def target(office, district, kind=TargetKind.CARBON_INTENSITY, value="20", **fields):
    values = dict(period_start=2021, period_end=2025, base_year=2020, kind=kind, value=D(value))
    values.update(fields)
    return targets.target_save(actor=office, district=district, **values)


@pytest.fixture
def setup(db, personas):
    # unit_a: intensity 1.0 → 0.95 by 2022 (5 % down, 8 % due) → behind
    inventory(personas.unit_a, {2020: 100, 2021: 100, 2022: 95}, {2020: 1, 2021: 1, 2022: 1})
    # unit_b: 1.0 → 0.8 by 2022 (20 % down) → on track
    inventory(personas.unit_b, {2020: 100, 2021: 90, 2022: 80}, {2020: 1, 2021: 1, 2022: 1})
    office = personas.office
    a = target(office, personas.unit_a)
    b = target(office, personas.unit_b)
    city = target(office, None, TargetKind.PEAK_YEAR, "2030")
    return personas, a, b, city


def test_progress_of_districts_and_the_city(setup):
    personas, a, b, city = setup
    rows = {r.target.pk: r for t in targets.trajectories(personas.office) for r in t.rows}
    assert rows[a.pk].progress.status == "behind"
    assert rows[a.pk].progress.achieved == pytest.approx(5)
    assert rows[a.pk].progress.expected == pytest.approx(8)  # 20 % × 2/5
    assert rows[b.pk].progress.status == "on_track"
    # the city: 200, 190, 175 → falling, peaked in 2020 ≤ 2030
    assert rows[city.pk].progress.status == "on_track"
    assert rows[city.pk].progress.achieved == 2020


def kinds(t: CarbonTarget) -> list[str]:
    # by pk: some tests freeze the clock after the targets were set
    return list(t.events.order_by("pk").values_list("kind", flat=True))


def test_office_edits_keep_history_and_check_values(setup):
    personas, a, _b, _city = setup
    created = a.events.get()
    assert (created.kind, created.actor, created.unit) == (
        "created",
        personas.office,
        personas.unit_a,
    )
    assert created.data["values"]["value"] == "20.00"
    targets.target_save(
        actor=personas.office, target=a, value=D("22"), period_end=2026, reason="省里下达"
    )
    edited = a.events.order_by("-pk").first()
    assert (edited.kind, edited.actor, edited.comment) == ("edited", personas.office, "省里下达")
    assert edited.data["changes"] == [
        {"field": "period_end", "old": "2025", "new": "2026"},
        {"field": "value", "old": "20.00", "new": "22.00"},
    ]
    # Nothing changed: no event. A refused change: no event either (one transaction).
    targets.target_save(actor=personas.office, target=a, value=D("22"), reason="再存一次")
    with pytest.raises(ValidationError):
        targets.target_save(actor=personas.office, target=a, value=D("120"), reason="错")
    assert kinds(a) == ["created", "edited"]
    # Targets are not factors: none of this is in the factors' history.
    assert not FactorChange.objects.exists()
    with pytest.raises(ValidationError) as exc:
        target(personas.office, personas.unit_a)  # the same target twice
    assert "kind" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        target(personas.office, personas.unit_a, TargetKind.ENERGY_INTENSITY, "120", base_year=2021)
    assert {"value", "base_year"} <= set(exc.value.message_dict)
    with pytest.raises(PermissionDenied):
        target(personas.district_a, personas.unit_a, TargetKind.ENERGY_CAP, "100")
    with pytest.raises(PermissionDenied):
        targets.target_save(actor=personas.district_a, target=a, value=D("30"), reason="x")
    assert CarbonTarget.objects.count() == 3
    assert kinds(a) == ["created", "edited"]


def test_form_errors_in_chinese(client, setup):
    personas = setup[0]
    client.force_login(personas.office)
    url = reverse("carbon:target_new")
    bad = client.post(
        url,
        {
            "period_start": "2021",
            "period_end": "2019",
            "base_year": "2020",
            "kind": "carbon_intensity",
            "value": "很多",
        },
    )
    assert bad.status_code == 400
    assert "请输入数字。" in bad.context["form"].errors["value"]
    bad = client.post(
        url,
        {
            "period_start": "2021",
            "period_end": "2019",
            "base_year": "2020",
            "kind": "peak_year",
            "value": "2030.5",
        },
    )
    errors = bad.context["form"].errors
    assert "规划期截止年不能早于起始年。" in errors["period_end"]
    assert "达峰目标请填写年份，如2030。" in errors["value"]
    assert CarbonTarget.objects.count() == 3
    good = client.post(
        url,
        {
            "district": personas.unit_b.pk,
            "period_start": "2021",
            "period_end": "2025",
            "base_year": "2020",
            "kind": "energy_cap",
            "value": "1000",
        },
    )
    assert good.status_code == 302 and CarbonTarget.objects.count() == 4


def test_scope_through_pages(client, setup):
    personas, a, b, city = setup
    client.force_login(personas.district_a)
    page = client.get(reverse("carbon:targets"))
    assert page.status_code == 200
    shown = [r.target.pk for t in page.context["trajectories"] for r in t.rows]
    assert shown == [a.pk]
    assert "生成整改任务" not in page.content.decode()
    assert client.get(reverse("carbon:target_edit", args=[b.pk])).status_code == 404
    assert client.get(reverse("carbon:target_edit", args=[city.pk])).status_code == 404
    assert client.post(reverse("carbon:target_task", args=[b.pk])).status_code == 404
    assert client.get(reverse("carbon:target_edit", args=[a.pk])).status_code == 403
    assert client.post(reverse("carbon:target_task", args=[a.pk])).status_code == 403
    # Another district's target edits are neither on the factors page every reader sees nor
    # on the district's own pages; its own target's history is.
    targets.target_save(actor=personas.office, target=b, value=D("23"), reason="渝中调整")
    targets.target_save(actor=personas.office, target=a, value=D("21"), reason="万州调整")
    factors = client.get(reverse("carbon:factors"))
    assert factors.status_code == 200 and "渝中调整" not in factors.content.decode()
    assert client.get(reverse("carbon:target", args=[b.pk])).status_code == 404
    assert client.get(reverse("carbon:target", args=[city.pk])).status_code == 404
    own = client.get(reverse("carbon:target", args=[a.pk]))
    body = own.content.decode()
    assert own.status_code == 200 and "万州调整" in body and "渝中调整" not in body
    assert "20.00 → 21.00" in body
    assert "生成整改任务" not in body and "target-actions" not in body
    assert "渝中调整" not in client.get(reverse("carbon:targets")).content.decode()
    client.force_login(personas.office)
    page = client.get(reverse("carbon:targets"))
    body = page.content.decode()
    assert "全市" in body and "生成整改任务" in body and f"gauge-{a.pk}" in body
    assert page.context["trajectories"][0].district is None  # the city first


def test_a_district_behind_raises_a_ledger_task_once(client, setup, ordinary_day):
    personas, a, b, _city = setup
    campaign = make_campaign(personas.office, code="special-mb", kind=CampaignKind.SPECIAL)
    client.force_login(personas.office)
    deadline = (ordinary_day.date() + dt.timedelta(days=60)).isoformat()
    url = reverse("carbon:target_task", args=[a.pk])
    assert client.post(url, {"campaign": campaign.pk, "deadline": deadline}).status_code == 302
    a.refresh_from_db()
    task = a.task
    assert task is not None and task.campaign == campaign
    assert "碳排放强度下降目标为20.0%" in task.problem and "进度滞后" in task.problem
    assert list(task.category_rows.values_list("category", flat=True)) == [Category.CARBON]
    roles = {(tu.unit_id, tu.role) for tu in task.task_units.all()}
    assert (personas.unit_a.pk, UnitRole.IMPLEMENTING) in roles
    assert kinds(a) == ["created", "task_raised"]
    raised = a.events.get(kind="task_raised")
    assert (raised.actor, raised.data["task"], raised.data["progress"]) == (
        personas.office,
        task.pk,
        "behind",
    )
    page = client.get(reverse("carbon:target", args=[a.pk])).content.decode()
    assert "已生成整改任务" in page and task.code in page
    client.post(url, {"campaign": campaign.pk, "deadline": deadline})  # again: refused
    assert Task.objects.count() == 1 and kinds(a) == ["created", "task_raised"]
    with pytest.raises(ValidationError):
        targets.raise_task(
            actor=personas.office,
            target=a,
            campaign=campaign,
            deadline=ordinary_day.date() + dt.timedelta(days=60),
        )
    with pytest.raises(ValidationError):  # on track: no task
        targets.raise_task(
            actor=personas.office,
            target=b,
            campaign=campaign,
            deadline=ordinary_day.date() + dt.timedelta(days=60),
        )
    assert Task.objects.count() == 1 and kinds(b) == ["created"]


def test_a_withdrawn_task_is_in_the_history_before_the_next(setup, ordinary_day):
    personas, a, _b, _city = setup
    campaign = make_campaign(personas.office, code="special-wd", kind=CampaignKind.SPECIAL)
    deadline = ordinary_day.date() + dt.timedelta(days=60)
    first = targets.raise_task(
        actor=personas.office, target=a, campaign=campaign, deadline=deadline
    )
    ledger_services.task_withdraw(
        actor=personas.office, task=first, expected_version=None, reason="录入有误"
    )
    assert Task.objects.get(pk=first.pk).status == Status.WITHDRAWN
    a.refresh_from_db()
    second = targets.raise_task(
        actor=personas.office, target=a, campaign=campaign, deadline=deadline
    )
    assert second.pk != first.pk
    assert kinds(a) == ["created", "task_raised", "task_withdrawn", "task_raised"]
    withdrawn = a.events.get(kind="task_withdrawn")
    assert (withdrawn.actor, withdrawn.comment, withdrawn.data["task"]) == (
        personas.office,
        "录入有误",
        first.pk,
    )
    # Noted once: a later edit does not note it again.
    targets.target_save(actor=personas.office, target=a, value=D("21"), reason="调整")
    assert kinds(a)[-1] == "edited" and a.events.filter(kind="task_withdrawn").count() == 1


def test_the_office_sees_the_latest_changes_on_the_list(client, setup):
    personas, a, _b, _city = setup
    targets.target_save(actor=personas.office, target=a, kind=TargetKind.ENERGY_INTENSITY)
    client.force_login(personas.office)
    body = client.get(reverse("carbon:targets")).content.decode()
    assert "能耗强度下降（%）" in body and "target-history" in body
    assert reverse("carbon:target", args=[a.pk]) in body


@pytest.mark.parametrize("n", [2, 8])
def test_trajectories_read_in_a_fixed_number_of_queries(n, personas, django_assert_max_num_queries):
    """One grouped query for every district's totals, one for the economy: the count does not
    grow with the districts (per-district reads took two queries each)."""
    districts = list(Unit.objects.territorial().order_by("path")[:n])
    assert len(districts) == n
    for i, d in enumerate(districts):
        inventory(d, {2020: 100 + 4 * i, 2021: 98, 2022: 95}, {2020: 1, 2021: 1, 2022: 1})
        target(personas.office, d)
    target(personas.office, None, TargetKind.PEAK_YEAR, "2030")
    office = User.objects.get(pk=personas.office.pk)  # nothing of its scope read yet
    # the user's memberships, the targets, the district × year totals, the economy
    with django_assert_max_num_queries(4):
        result = targets.trajectories(office)
    assert len(result) == n + 1 and result[0].district is None
    # the same figures as one district's trajectory read on its own
    for traj in result:
        alone = targets.trajectory(traj.district, [r.target for r in traj.rows])
        assert [r.progress for r in traj.rows] == [r.progress for r in alone.rows]
        assert traj.co2_path == alone.co2_path and traj.intensity == alone.intensity
    assert {t.rows[0].progress.status for t in result[1:]} == {"behind", "on_track"}
    # the city sums the districts
    assert result[0].co2_path[2020] == pytest.approx(sum(100 + 4 * i for i in range(n)))


def test_api_scoped(setup):
    personas, a, b, city = setup
    names = ("office", "district_a")
    api = ClientApi({n: api_token_create(user=getattr(personas, n), name="t")[1] for n in names})
    status, body = api.get("district_a", "/carbon/targets")
    assert status == 200 and [r["id"] for r in body] == [a.pk]
    assert body[0]["status"] == "behind" and body[0]["expected"] == pytest.approx(8)
    assert api.get("district_a", f"/carbon/targets/{b.pk}")[0] == 404
    assert api.post("district_a", f"/carbon/targets/{b.pk}/task")[0] == 404
    assert api.post("district_a", f"/carbon/targets/{a.pk}/task")[0] == 403
    status, body = api.get("office", "/carbon/targets")
    assert {r["id"] for r in body} == {a.pk, b.pk, city.pk}
    status, body = api.get("office", f"/carbon/targets/{city.pk}")
    assert body["projected_peak_year"] == 2020 and body["district"] is None
    assert [e["kind"] for e in body["events"]] == ["created"]
    assert body["events"][0]["actor"] == personas.office.username
    make_campaign(personas.office, code="special-api", kind=CampaignKind.SPECIAL)
    status, body = api.post("office", f"/carbon/targets/{a.pk}/task")
    assert status == 201 and body["code"].startswith("MB2021-")
    assert api.post("office", f"/carbon/targets/{a.pk}/task")[0] == 400


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_target_edits_out_of_the_factor_history():
    """Target edits kept as FactorChange rows become the target's events (the first save a
    "created", later saves an "edited" each with all its fields); the factors' rows stay.
    Migrating back puts them back."""
    before = [("carbon", "0007_marketevent_energy")]
    executor = MigrationExecutor(connection)
    after = executor.loader.graph.leaf_nodes("carbon")
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Target = old.get_model("carbon", "CarbonTarget")
    Change = old.get_model("carbon", "FactorChange")
    t = Target.objects.create(
        period_start=2021, period_end=2025, base_year=2020, kind="peak_year", value=D("2030")
    )
    start = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    later = start + dt.timedelta(hours=1)
    rows = [
        ("value", "", "2030.00", "", start),
        ("period_end", "2025", "2026", "省里下达", later),
        ("value", "2030.00", "2029.00", "省里下达", later + dt.timedelta(microseconds=40)),
    ]
    for field, was, new, reason, at in rows:
        Change.objects.create(
            subject="目标 · 全市",
            field=field,
            old=was,
            new=new,
            reason=reason,
            carbon_target=t,
            at=at,
        )
    Change.objects.create(
        subject="省级指南 · 原煤", field="ncv_gj", old="20.9", new="20.5", at=start
    )
    try:
        executor.loader.build_graph()
        executor.migrate(after)
        events = list(TargetEvent.objects.filter(target_id=t.pk).order_by("at", "pk"))
        assert [e.kind for e in events] == ["created", "edited"]
        assert events[0].data == {"values": {"value": "2030.00"}} and events[0].at == start
        assert events[1].comment == "省里下达"
        assert events[1].data["changes"] == [
            {"field": "period_end", "old": "2025", "new": "2026"},
            {"field": "value", "old": "2030.00", "new": "2029.00"},
        ]
        assert list(FactorChange.objects.values_list("subject", flat=True)) == ["省级指南 · 原煤"]
        executor.loader.build_graph()
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        back = old.get_model("carbon", "FactorChange").objects.filter(carbon_target_id=t.pk)
        assert sorted(back.values_list("field", "new")) == [
            ("period_end", "2026"),
            ("value", "2029.00"),
            ("value", "2030.00"),
        ]
    finally:
        executor.loader.build_graph()
        executor.migrate(after)
