"""The dashboard page and its drill-down: the numbers shown are the ledger's, every number
leads to exactly the tasks behind it, and each user sees only their own scope."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shanshui.ledger import services
from shanshui.ledger.models import Campaign, Task
from shanshui.ledger.scenarios import make_task
from shanshui.orgs.models import Unit
from shanshui.reports import figures
from shanshui.reports.tests.test_figures import direct_items, expected_counts, shared_ledger

pytestmark = pytest.mark.django_db

DASHBOARD = "/reports/"
DRILL = "/reports/tasks/"
RANKINGS = "/reports/rankings/"
CATEGORIES = "/reports/categories/"
LINK = re.compile(r'<a href="(/reports/tasks/\?[^"]*)"[^>]*>(\d+)</a>')


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


def get_ok(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.status_code)
    return response.content.decode()


def get_rankings(client, **params) -> str:
    """The rankings as the dashboard loads them (htmx)."""
    response = client.get(RANKINGS, params, headers={"HX-Request": "true"})
    assert response.status_code == 200, (params, response.status_code)
    return response.content.decode()


def get_categories(client, **params) -> str:
    """The warnings by category as the dashboard loads them (htmx)."""
    response = client.get(CATEGORIES, params, headers={"HX-Request": "true"})
    assert response.status_code == 200, (params, response.status_code)
    return response.content.decode()


def kpis(page: str) -> dict[str, int]:
    """The KPI cards' numbers, by measure."""
    return {
        m: int(n)
        for m, n in re.findall(
            r'id="kpi-(\w+)".*?<a href="[^"]*" data-measure="\1">(\d+)</a>', page, re.S
        )
    }


def chart_data(page: str, element_id: str = "dashboard-data") -> dict:
    m = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', page)
    return json.loads(m.group(1))


def drill_count(page: str) -> int:
    return int(re.search(r'id="drill-count">(\d+)<', page).group(1))


def drill_task_ids(page: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'<tr [^>]*data-task="(\d+)"', page)}


def near(page: str, element_id: str, length: int = 1500) -> str:
    start = page.index(f'id="{element_id}"')
    return page[start : start + length]


def section(page: str, element_id: str) -> str:
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</table>", start)]


# --- access -----------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_log_in(client):
    for url in (DASHBOARD, DRILL, f"{DRILL}?measure=overdue", RANKINGS, CATEGORIES):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_urls_are_named():
    assert reverse("reports:dashboard") == DASHBOARD
    assert reverse("reports:drill") == DRILL
    assert reverse("reports:rankings") == RANKINGS
    assert reverse("reports:categories") == CATEGORIES


# --- the numbers ------------------------------------------------------------------------------


def test_the_page_shows_the_ledgers_numbers(personas, ledger, client_as):
    client = client_as(personas.office)
    for campaign in (None, ledger.c1, ledger.c2):
        params = {"campaign": campaign.pk} if campaign else {}
        page = get_ok(client, DASHBOARD, **params)
        expected = expected_counts(direct_items(campaign=campaign))
        shown = kpis(page)
        assert shown == {
            m: expected[m]
            for m in ("total", "completed", "signed_off", "on_schedule", "overdue", "red")
        }
        on_time = re.search(r'data-measure="on_time">(\d+)</a>', page).group(1)
        due = re.search(r'data-measure="due">(\d+)</a>', page).group(1)
        assert (int(on_time), int(due)) == (expected["on_time"], expected["due"])
        rate = f"{expected['on_time'] / expected['due'] * 100:.1f}%"
        assert rate in near(page, "kpi-on_time_rate")
        data = chart_data(page)
        assert data["completion"]["completed"][-1] == expected["completed"]
        assert data["completion"]["signed_off"][-1] == expected["signed_off"]
        assert data["completion"]["total"][-1] == expected["total"]


def test_every_number_links_to_exactly_the_tasks_behind_it(personas, ledger, client_as):
    client = client_as(personas.office)
    page = get_ok(client, DASHBOARD)
    assert RANKINGS in page and CATEGORIES in page  # loaded after the page
    links = (
        LINK.findall(page)
        + LINK.findall(get_rankings(client))
        + LINK.findall(get_categories(client))
    )
    assert len(links) > 50
    for href, number in links:
        drilled = get_ok(client, html.unescape(href))
        assert drill_count(drilled) == int(number), href


def test_the_rankings_match_by_unit(personas, ledger, client_as):
    client = client_as(personas.office)
    page = get_ok(client, DASHBOARD, campaign=ledger.c1.pk)
    assert f'hx-get="{RANKINGS}?campaign={ledger.c1.pk}"' in page
    page = get_rankings(client, campaign=ledger.c1.pk)
    assert "<html" not in page  # a fragment for htmx
    districts = section(page, "ranking-districts")
    rows = figures.by_unit(personas.office, campaign=ledger.c1, group="district")
    order = [int(pk) for pk in re.findall(r'<tr data-unit="(\d+)">', districts)]
    assert order == [r.unit.pk for r in rows]
    departments = section(page, "ranking-departments")
    rows = figures.by_unit(personas.office, campaign=ledger.c1, group="department")
    assert [int(pk) for pk in re.findall(r'<tr data-unit="(\d+)">', departments)] == [
        r.unit.pk for r in rows
    ]
    assert "万州区生态环境局" not in departments


def test_warnings_by_category_table_and_chart_agree(personas, ledger, client_as):
    page = get_categories(client_as(personas.office))
    data = chart_data(page, "categories-data")
    rows = figures.by_category(personas.office)
    assert data["labels"] == [label for _code, label, _c in rows]
    for key in ("overdue", "red", "yellow", "green"):
        assert [cell["value"] for cell in data[key]] == [getattr(c, key) for _, _, c in rows]
    assert data["colours"] == {
        "overdue": "#8b1a1a",
        "red": "#d63939",
        "yellow": "#f59f00",
        "green": "#2fb344",
    }
    table = section(page, "warnings-by-category")
    assert [c for c in re.findall(r'<tr data-category="(\w+)">', table)] == [
        code for code, _l, _c in rows
    ]


def test_the_charts_are_drawn_from_vendored_files(personas, ledger, client_as):
    page = get_ok(client_as(personas.office), DASHBOARD)
    assert "/static/vendor/echarts/echarts.min.js" in page
    assert "/static/reports/dashboard.js" in page
    assert 'id="dashboard-data"' in page
    assert not re.search(r'<script src="https?://', page)
    # Two campaigns: one completion line per campaign as well.
    assert len(chart_data(page)["campaigns"]) == 2


def test_signed_off_in_the_period_links_to_those_tasks(personas, ledger, client_as):
    client = client_as(personas.office)
    today = ledger.today
    page = get_ok(client, DASHBOARD, start=today.isoformat(), end=today.isoformat())
    m = re.search(r'<a href="([^"]*)" id="signed-in-period">(\d+)</a>', page)
    period = figures.Period(today, today)
    expected = figures.newly_signed_off(personas.office, period=period).count()
    assert int(m.group(2)) == expected > 0
    drilled = get_ok(client, html.unescape(m.group(1)))
    assert drill_count(drilled) == expected
    assert drill_task_ids(drilled) == set(
        figures.newly_signed_off(personas.office, period=period).values_list("pk", flat=True)
    )


def test_period_presets_and_a_custom_period(personas, ledger, client_as):
    client = client_as(personas.office)
    page = get_ok(client, DASHBOARD, campaign=ledger.c2.pk)
    presets = near(page, "period-presets")
    assert "start=2025-03-01" in presets  # since the campaign's feedback, the default
    assert re.search(r'start=2025-03-01[^"]*"[^>]*btn-primary[^>]*aria-current="true"', presets)
    today = ledger.today
    page = get_ok(client, DASHBOARD, start=(today - dt.timedelta(days=10)).isoformat())
    labels = chart_data(page)["completion"]["labels"]
    assert len(labels) == 11 and labels[-1] == today.isoformat()  # daily for a short period


# --- scope ------------------------------------------------------------------------------------


def test_a_district_sees_only_its_own_tasks(personas, ledger, client_as):
    client = client_as(personas.district_a)
    page = get_ok(client, DASHBOARD)
    expected = expected_counts(direct_items(unit_path=personas.unit_a.path))
    assert kpis(page)["total"] == expected["total"]
    assert kpis(page)["overdue"] == expected["overdue"]
    ranked = get_rankings(client)
    categories = get_categories(client)
    assert "渝中区" not in page + ranked
    assert chart_data(categories, "categories-data")["labels"] == [
        label for _code, label, _c in figures.by_category(personas.district_a)
    ]
    ranked += categories
    assert "ranking-departments" not in ranked
    districts = section(ranked, "ranking-districts")
    assert re.findall(r'<tr data-unit="(\d+)">', districts) == [str(personas.unit_a.pk)]
    own = set(direct_items(unit_path=personas.unit_a.path).values_list("pk", flat=True))
    for href, number in LINK.findall(page) + LINK.findall(ranked):
        drilled = get_ok(client, html.unescape(href))
        assert drill_count(drilled) == int(number)
        assert drill_task_ids(drilled) <= own, href
    drilled = get_ok(client, DRILL, measure="total")
    assert drill_task_ids(drilled) == own  # fewer than 50: one page


def test_a_district_gets_404_for_another_districts_unit(personas, ledger, client_as):
    client = client_as(personas.district_a)
    response = client.get(DRILL, {"measure": "total", "unit": personas.unit_b.pk})
    assert response.status_code == 404
    response = client.get(DRILL, {"measure": "overdue", "unit": personas.unit_department.pk})
    assert response.status_code == 404
    assert client.get(DRILL, {"measure": "total", "unit": personas.unit_a.pk}).status_code == 200
    # The office may drill into any unit.
    office = client_as(personas.office)
    assert office.get(DRILL, {"measure": "total", "unit": personas.unit_b.pk}).status_code == 200


def test_a_district_cannot_reach_other_tasks_through_a_campaign(personas, ledger, client_as):
    client = client_as(personas.district_b)
    page = get_ok(client, DRILL, measure="total", campaign=ledger.c1.pk)
    ids = drill_task_ids(page)
    assert ids and all(
        Task.objects.filter(pk=pk, task_units__unit=personas.unit_b).exists() for pk in ids
    )


def test_the_campaign_select_lists_campaigns_with_items_in_scope(personas, ledger, client_as):
    own_only = make_task(
        personas.office,
        Campaign.objects.create(code="yz-only", name="渝中区专项", kind="special"),
        code="Y1",
        implementing=personas.unit_b,
    )
    services.task_assign(actor=personas.office, task=own_only, expected_version=None)
    page_a = get_ok(client_as(personas.district_a), DASHBOARD)
    page_b = get_ok(client_as(personas.district_b), DASHBOARD)
    assert "渝中区专项" not in page_a
    assert "渝中区专项" in page_b
    # Choosing it anyway shows an error and the whole scope, not another district's numbers.
    response = client_as(personas.district_a).get(DASHBOARD, {"campaign": own_only.campaign_id})
    assert response.status_code == 200
    assert kpis(response.content.decode())["total"] == figures.counts(personas.district_a).total


# --- invalid parameters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"measure": "everything"},
        {"unit": "abc"},
        {"unit": "99999999"},
        {"campaign": "1; drop table"},
        {"category": "lava"},
        {"measure": "signed_off_in_period", "start": "2026-02-30"},
        {"measure": "signed_off_in_period", "start": "2026-03-01", "end": "2026-02-01"},
        {"start": "0001-01-01"},
    ],
)
def test_invalid_drill_parameters_are_a_400_in_chinese(personas, ledger, client_as, params):
    response = client_as(personas.office).get(DRILL, params)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="drill-errors"' in page
    assert re.search(r"[\u4e00-\u9fff]", page.split('id="drill-errors"')[1])


def test_odd_pages_and_dashboard_values_never_fail(personas, ledger, client_as):
    client = client_as(personas.office)
    assert client.get(DRILL, {"measure": "total", "page": "abc"}).status_code == 200
    assert client.get(DRILL, {"measure": "total", "page": "999"}).status_code == 200
    for params in (
        {"campaign": "abc"},
        {"campaign": "99999999"},
        {"start": "yesterday"},
        {"start": "2026-03-01", "end": "2026-02-01"},
        {"start": "1900-01-01"},
        {"end": "9999-12-31"},
    ):
        response = client.get(DASHBOARD, params)
        assert response.status_code == 200, params
        assert "is-invalid" in response.content.decode(), params


def test_the_drill_down_is_paginated_and_links_to_the_tasks(personas, ledger, client_as):
    for i in range(55):
        task = make_task(personas.office, ledger.c2, code=f"P{i:03d}", implementing=personas.unit_b)
        services.task_assign(actor=personas.office, task=task, expected_version=None)
    client = client_as(personas.office)
    first = get_ok(client, DRILL, measure="in_progress", campaign=ledger.c2.pk)
    c = figures.counts(personas.office, campaign=ledger.c2)
    assert drill_count(first) == c.in_progress > 50
    second = get_ok(client, DRILL, measure="in_progress", campaign=ledger.c2.pk, page=2)
    ids = drill_task_ids(first) | drill_task_ids(second)
    assert len(drill_task_ids(first)) == 50 and len(ids) == c.in_progress
    assert ids == set(
        figures.drill(personas.office, measure="in_progress", campaign=ledger.c2).values_list(
            "pk", flat=True
        )
    )
    some = next(iter(drill_task_ids(first)))
    assert reverse("ledger:task", args=[some]) in first


# --- cost -------------------------------------------------------------------------------------


def _dashboard_queries(client) -> tuple[int, int, int]:
    with CaptureQueriesContext(connection) as page:
        get_ok(client, DASHBOARD)
    with CaptureQueriesContext(connection) as ranked:
        get_rankings(client)
    with CaptureQueriesContext(connection) as categories:
        get_categories(client)
    return (
        len(page.captured_queries),
        len(ranked.captured_queries),
        len(categories.captured_queries),
    )


def test_the_dashboard_uses_a_bounded_number_of_queries(
    personas, ledger, client_as, django_assert_max_num_queries
):
    office = client_as(personas.office)
    district = client_as(personas.district_a)
    before = (_dashboard_queries(office), _dashboard_queries(district))
    # More tasks, in more districts and departments and categories.
    districts = list(Unit.objects.filter(key__in=["cq-fuling", "cq-jiangjin", "cq-hechuan"]))
    departments = list(Unit.objects.filter(key__in=["cq-forestry", "cq-agriculture"]))
    assert len(districts) == 3 and len(departments) == 2
    for i in range(12):
        task = make_task(
            personas.office,
            ledger.c2,
            code=f"M{i:02d}",
            implementing=[*districts, personas.unit_a][i % 4],
            lead=departments[i % 2],
            categories=(["carbon", "solid_waste", "water"][i % 3],),
        )
        services.task_assign(actor=personas.office, task=task, expected_version=None)
    after = (_dashboard_queries(office), _dashboard_queries(district))
    assert after == before
    with django_assert_max_num_queries(20):
        get_ok(office, DASHBOARD)
    with django_assert_max_num_queries(20):
        get_ok(office, DASHBOARD, campaign=ledger.c2.pk)
    with django_assert_max_num_queries(12):
        get_rankings(office, campaign=ledger.c2.pk)
    with django_assert_max_num_queries(10):
        get_categories(office, campaign=ledger.c2.pk)
    with django_assert_max_num_queries(20):
        get_ok(office, DRILL, measure="overdue")


def test_a_department_sees_its_own_row_and_no_district_ranking(personas, ledger, client_as):
    client = client_as(personas.department)
    page = get_ok(client, DASHBOARD)
    ranked = get_rankings(client)
    assert "ranking-districts" not in ranked
    rows = re.findall(r'<tr data-unit="(\d+)">', section(ranked, "ranking-departments"))
    assert rows == [str(personas.unit_department.pk)]
    assert kpis(page)["total"] == figures.counts(personas.department).total


def test_a_user_without_units_gets_an_empty_dashboard(personas, ledger, client_as):
    client = client_as(personas.citizen)
    page = get_ok(client, DASHBOARD)
    assert kpis(page)["total"] == 0
    assert not LINK.findall(page) or all(n == "0" for _h, n in LINK.findall(page))
    assert drill_task_ids(get_ok(client, DRILL, measure="total")) == set()


def test_without_htmx_the_rankings_are_a_page_of_their_own(personas, ledger, client_as):
    client = client_as(personas.office)
    page = get_ok(client, RANKINGS, campaign=ledger.c2.pk)
    assert "<html" in page and ledger.c2.name in page
    rows = figures.by_unit(personas.office, campaign=ledger.c2, group="district")
    assert re.findall(r'<tr data-unit="(\d+)">', section(page, "ranking-districts")) == [
        str(r.unit.pk) for r in rows
    ]
    # A bad campaign is ignored (all campaigns), never an error page.
    assert client.get(RANKINGS, {"campaign": "abc"}).status_code == 200


def test_without_htmx_the_categories_are_a_page_of_their_own(personas, ledger, client_as):
    client = client_as(personas.office)
    page = get_ok(client, CATEGORIES, campaign=ledger.c2.pk)
    assert "<html" in page and ledger.c2.name in page
    assert "/static/reports/dashboard.js" in page
    rows = figures.by_category(personas.office, campaign=ledger.c2)
    assert re.findall(r'<tr data-category="(\w+)">', page) == [code for code, _l, _c in rows]
    assert client.get(CATEGORIES, {"campaign": "abc"}).status_code == 200
