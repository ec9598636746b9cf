"""The monitoring pages: the overview with every district against its targets, a district, a
station; who may see them; bad parameters; query counts; a ledger task from a missed target."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine

from shanshui.ledger.models import Campaign, CampaignKind, Status, Task, UnitRole
from shanshui.ledger.scenarios import make_campaign
from shanshui.monitoring.models import AirDaily, Indicator
from shanshui.monitoring.tests.indicator_helpers import (
    GOOD_WATER,
    daily_row,
    make_section,
    make_station,
    sample,
    simple_year,
    target,
    unit,
)

YEAR = 2025
TODAY = dt.date(2026, 2, 1)


@pytest.fixture(autouse=True)
def _today():
    """The pages read "today" for the default year and "in progress": a fixed day in 2026, in
    Beijing's morning (the clock stands still, so no test crosses midnight)."""
    with time_machine.travel("2026-02-01 10:00 +0800", tick=False):
        yield


@pytest.fixture
def data(personas):
    """万州区 misses its good-day and PM2.5 targets, 渝中区 meets them; a water section each."""
    wanzhou, yuzhong = personas.unit_a, personas.unit_b
    s1 = make_station(wanzhou, "WZ-1", name="万州天城")
    make_station(yuzhong, "YZ-1", name="渝中解放碑")
    simple_year(wanzhou, YEAR, pm25=30, heavy=2, bad=30)  # 91.2 %, PM2.5 36
    simple_year(wanzhou, YEAR, pm25=30, heavy=2, bad=30, station=s1)
    simple_year(yuzhong, YEAR, pm25=25, bad=10)  # 97.3 %
    target(wanzhou, YEAR, Indicator.GOOD_DAY_RATIO, 92)
    target(wanzhou, YEAR, Indicator.PM25_MEAN, 35)
    target(yuzhong, YEAR, Indicator.GOOD_DAY_RATIO, 92)
    w1 = make_section(wanzhou, "WZ-W1", name="苎溪河口")
    w2 = make_section(yuzhong, "YZ-W1", name="朝天门")
    sample(w1, dt.date(YEAR, 5, 3), **{**GOOD_WATER, "NH3N": 2.6})  # 劣V
    sample(w2, dt.date(YEAR, 5, 3), **GOOD_WATER)
    target(wanzhou, YEAR, Indicator.WATER_INFERIOR_V, 0)
    return {"wanzhou": wanzhou, "yuzhong": yuzhong, "air": s1, "section": w1}


def json_data(response, element_id="monitoring-data"):
    html = response.content.decode()
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, f"no json_script #{element_id}"
    return json.loads(match.group(1))


def cell(html: str, district_id: int, indicator: str) -> dict:
    """value and status of one indicator cell of a district's row."""
    row = re.search(rf'<tr data-district="{district_id}">(.*?)</tr>', html, re.S).group(1)
    block = re.search(
        rf'data-indicator="{indicator}" data-status="(\w+)">\s*<span class="mon-value" '
        rf'data-value="([^"]*)">',
        row,
    )
    return {"status": block.group(1), "value": block.group(2)}


# --- who may see ----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, data):
    for url in (
        "/monitoring/",
        f"/monitoring/districts/{data['wanzhou'].pk}/",
        f"/monitoring/stations/{data['air'].pk}/",
        "/monitoring/targets/",
        f"/monitoring/districts/{data['wanzhou'].pk}/tasks/pm25_mean/?year={YEAR}",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_every_logged_in_user_reads_every_districts_figures(client_as, personas, data):
    # 渝中区's administrator reads 万州区's figures: air and water quality are published data.
    client = client_as(personas.district_b)
    assert client.get("/monitoring/").status_code == 200
    assert client.get(f"/monitoring/districts/{data['wanzhou'].pk}/").status_code == 200
    assert client.get(f"/monitoring/stations/{data['air'].pk}/").status_code == 200
    assert client_as(personas.citizen).get("/monitoring/").status_code == 200


# --- the overview ---------------------------------------------------------------------------------


def test_the_overview_shows_each_district_against_its_target(client_as, personas, data):
    response = client_as(personas.district_a).get(f"/monitoring/?year={YEAR}")
    assert response.status_code == 200
    html = response.content.decode()
    wz, yz = data["wanzhou"].pk, data["yuzhong"].pk
    assert cell(html, wz, "good_day_ratio") == {"status": "missed", "value": "91.2"}
    assert cell(html, wz, "pm25_mean") == {"status": "missed", "value": "36.0"}
    assert cell(html, wz, "water_inferior_v") == {"status": "missed", "value": "1"}
    assert cell(html, yz, "good_day_ratio") == {"status": "met", "value": "97.3"}
    assert cell(html, yz, "pm25_mean")["status"] == "no_target"
    assert cell(html, yz, "water_good_ratio") == {"status": "no_target", "value": "100.0"}
    # Ranked by good-day ratio: 渝中区 first.
    assert html.index(f'data-district="{yz}"') < html.index(f'data-district="{wz}"')
    chart = json_data(response)["ranking"]
    assert chart["labels"] == ["渝中区", "万州区"]
    assert chart["values"] == [97.3, 91.2]
    assert chart["targets"] == [92.0, 92.0]
    assert chart["status"] == ["met", "missed"]
    # A district user sees no task buttons and no targets link.
    assert "mon-create-task" not in html and 'id="targets-link"' not in html
    # The city: both stations' daily means.
    assert 'id="city-cards"' in html
    assert "HJ 633-2012" in html


def test_the_overview_can_rank_by_pm25(client_as, personas, data):
    html = client_as(personas.office).get(f"/monitoring/?year={YEAR}&sort=pm25").content.decode()
    yz, wz = data["yuzhong"].pk, data["wanzhou"].pk
    assert html.index(f'data-district="{yz}"') < html.index(f'data-district="{wz}"')


def test_the_office_sees_task_buttons_on_missed_targets(client_as, personas, data):
    html = client_as(personas.office).get(f"/monitoring/?year={YEAR}").content.decode()
    links = set(re.findall(r'href="(/monitoring/districts/\d+/tasks/[a-z0-9_]+/\?year=\d+)"', html))
    wz = data["wanzhou"].pk
    assert links == {
        f"/monitoring/districts/{wz}/tasks/good_day_ratio/?year={YEAR}",
        f"/monitoring/districts/{wz}/tasks/pm25_mean/?year={YEAR}",
        f"/monitoring/districts/{wz}/tasks/water_inferior_v/?year={YEAR}",
    }


@pytest.mark.parametrize(
    "query",
    ["year=abc", "year=1800", "month=13", "month=x", "sort=evil", "year=2025&month=", "page=9"],
)
def test_bad_parameters_give_the_page_with_defaults_never_an_error(
    client_as, personas, data, query
):
    response = client_as(personas.office).get(f"/monitoring/?{query}")
    assert response.status_code == 200


def test_a_month_view_does_not_compare_the_annual_heavy_day_ceiling(client_as, personas, data):
    target(data["wanzhou"], YEAR, Indicator.HEAVY_DAYS, 0)
    html = client_as(personas.office).get(f"/monitoring/?year={YEAR}&month=1").content.decode()
    assert cell(html, data["wanzhou"].pk, "heavy_days")["status"] == "not_assessed"
    assert "mon-create-task" not in html  # tasks come from annual misses only


def test_a_period_from_march_2026_is_marked_provisional(client_as, personas, data):
    html = client_as(personas.office).get("/monitoring/?year=2026").content.decode()
    assert 'id="provisional-limits"' in html and "HJ 633-2026" in html
    assert 'id="in-progress"' in html
    assert 'id="provisional-limits"' not in (
        client_as(personas.office).get(f"/monitoring/?year={YEAR}").content.decode()
    )


def test_the_overview_without_any_station_says_so(client_as, personas):
    response = client_as(personas.office).get("/monitoring/")
    assert response.status_code == 200 and 'id="no-stations"' in response.content.decode()


def test_the_overview_costs_the_same_queries_for_a_month_or_a_year(
    client_as, personas, data, django_assert_max_num_queries
):
    client = client_as(personas.district_a)
    client.get(f"/monitoring/?year={YEAR}&month=1")  # warm the session and the user's scope
    with django_assert_max_num_queries(12) as month:
        client.get(f"/monitoring/?year={YEAR}&month=1")
    with django_assert_max_num_queries(12) as year:
        client.get(f"/monitoring/?year={YEAR}")
    n = len(year.captured_queries)
    assert len(month.captured_queries) == n
    # More districts with a year of data each do not mean more queries.
    for key in ("cq-nanan", "cq-fuling", "cq-beibei"):
        d = unit(key)
        make_station(d, key)
        simple_year(d, YEAR, bad=5)
    with django_assert_max_num_queries(n):
        client.get(f"/monitoring/?year={YEAR}")
    # The office's page adds one query: the ledger tasks already made from misses.
    office = client_as(personas.office)
    office.get(f"/monitoring/?year={YEAR}")
    with django_assert_max_num_queries(n + 1):
        office.get(f"/monitoring/?year={YEAR}")


# --- a district -----------------------------------------------------------------------------------


def test_the_district_page_shows_indicators_calendar_trends_stations_and_sections(
    client_as, personas, data
):
    wz = data["wanzhou"]
    response = client_as(personas.district_b).get(f"/monitoring/districts/{wz.pk}/?year={YEAR}")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-indicator="good_day_ratio" data-status="missed"' in html
    chart = json_data(response)
    days = chart["calendar"]["days"]
    assert len(days) == 365 and days[0][0] == f"{YEAR}-01-01"
    first = AirDaily.objects.get(district=wz, station=None, day=dt.date(YEAR, 1, 1))
    assert days[0][1:3] == [first.aqi, first.level]
    assert [lv["colour"] for lv in chart["calendar"]["levels"]] == [
        "#00E400",
        "#FFFF00",
        "#FF7E00",
        "#FF0000",
        "#99004C",
        "#7E0023",
    ]
    trend = chart["trend"]
    assert trend["pm25_target"] == 35.0 and trend["good_target"] == 92.0
    assert len(trend["pm25"]) == 12 and trend["pm25"][0] is not None
    assert "万州天城" in html and f"/monitoring/stations/{data['air'].pk}/" in html
    assert "苎溪河口" in html and "劣V" in html and "氨氮" in html
    assert 'id="month-table"' in html


@pytest.mark.parametrize("key", ["cq-ecology-environment", "cq-inspection-office"])
def test_a_unit_that_is_not_a_district_has_no_district_page(client_as, personas, key):
    response = client_as(personas.office).get(f"/monitoring/districts/{unit(key).pk}/")
    assert response.status_code == 404


def test_unknown_districts_and_stations_are_not_found(client_as, personas):
    client = client_as(personas.office)
    assert client.get("/monitoring/districts/999999/").status_code == 404
    assert client.get("/monitoring/stations/999999/").status_code == 404


def test_a_district_without_stations_still_has_a_page(client_as, personas):
    response = client_as(personas.office).get(f"/monitoring/districts/{unit('cq-wuxi').pk}/")
    assert response.status_code == 200
    assert 'data-status="no_data"' in response.content.decode()


# --- stations -------------------------------------------------------------------------------------


def test_an_air_station_page_has_its_calendar_and_a_paginated_daily_table(
    client_as, personas, data
):
    client = client_as(personas.office)
    url = f"/monitoring/stations/{data['air'].pk}/?year={YEAR}"
    response = client.get(url)
    assert response.status_code == 200
    assert len(json_data(response)["calendar"]["days"]) == 365
    html = response.content.decode()
    assert html.count("<tr") - html.count("<thead") <= 31 + 8  # one page of days (+ level rows)
    assert f"{YEAR}-12-31" in html  # newest first
    last = client.get(url + "&page=12").content.decode()
    assert f"{YEAR}-01-01" in last
    assert client.get(url + "&page=abc").status_code == 200
    assert client.get(url + "&page=99999").status_code == 200


def test_a_water_station_page_marks_items_worse_than_class_iii(client_as, personas, data):
    section = data["section"]
    sample(section, dt.date(YEAR, 6, 3), **{**GOOD_WATER, "CODMn": 7.0})  # IV on CODMn
    html = (
        client_as(personas.office)
        .get(f"/monitoring/stations/{section.pk}/?year={YEAR}")
        .content.decode()
    )
    assert html.count("mon-over") == 2  # NH3N 2.6 in May, CODMn 7.0 in June
    assert "劣V" in html and ">IV<" in html
    assert 'id="period-class"' in html


# --- a ledger task from a missed target ----------------------------------------------------------


@pytest.fixture
def self_found(personas):
    make_campaign(personas.office)  # a central inspection: not the default
    return make_campaign(
        personas.office, code="self-2025", name="2025年自查自纠", kind=CampaignKind.SELF_FOUND
    )


def task_url(district, indicator="pm25_mean", year=YEAR):
    return f"/monitoring/districts/{district.pk}/tasks/{indicator}/?year={year}"


def test_the_office_turns_a_missed_target_into_one_draft_task(
    client_as, personas, data, self_found
):
    client = client_as(personas.office)
    wz = data["wanzhou"]
    page = client.get(task_url(wz))
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["campaign"] == self_found.pk
    assert form.initial["title"] == "万州区2025年PM2.5年均浓度未达目标"
    assert "36微克/立方米" in form.initial["problem"]
    assert "MON-2025-万州-PM25" in page.content.decode()

    post = {
        "campaign": self_found.pk,
        "title": form.initial["title"],
        "problem": form.initial["problem"],
        "target": form.initial["target"],
        "measures": form.initial["measures"],
        "deadline": form.initial["deadline"].isoformat(),
    }
    response = client.post(task_url(wz), post)
    task = Task.objects.get(code="MON-2025-万州-PM25")
    assert response.status_code == 302 and response["Location"] == f"/ledger/tasks/{task.pk}/"
    assert task.status == Status.DRAFT and task.campaign == self_found
    roles = {(tu.unit.key, tu.role) for tu in task.task_units.select_related("unit")}
    assert roles == {
        ("cq-ecology-environment", UnitRole.LEAD),
        ("cq-wanzhou", UnitRole.IMPLEMENTING),
    }
    assert [c.category for c in task.category_rows.all()] == ["air"]
    assert task.measures.count() == 4
    assert task.deadline == TODAY + dt.timedelta(days=90)

    # A second click, and a second submission, show the same task.
    again = client.get(task_url(wz))
    assert again.status_code == 302 and again["Location"] == f"/ledger/tasks/{task.pk}/"
    assert client.post(task_url(wz), post)["Location"] == f"/ledger/tasks/{task.pk}/"
    assert Task.objects.filter(code__startswith="MON-").count() == 1
    # The overview now links to the task instead of offering a new one.
    html = client.get(f"/monitoring/?year={YEAR}").content.decode()
    assert f'href="/ledger/tasks/{task.pk}/" class="small mon-task-link"' in html


def test_a_water_miss_becomes_a_water_task_naming_the_section(
    client_as, personas, data, self_found
):
    client = client_as(personas.office)
    page = client.get(task_url(data["wanzhou"], "water_inferior_v"))
    initial = page.context["form"].initial
    assert "苎溪河口" in initial["problem"] and "氨氮" in initial["problem"]
    client.post(
        task_url(data["wanzhou"], "water_inferior_v"),
        {**initial, "campaign": self_found.pk, "deadline": initial["deadline"].isoformat()},
    )
    task = Task.objects.get(code="MON-2025-万州-INFERIORV")
    assert [c.category for c in task.category_rows.all()] == ["water"]


def test_only_the_office_creates_tasks_from_misses(client_as, personas, data, self_found):
    for who in (personas.district_a, personas.department, personas.leader, personas.citizen):
        client = client_as(who)
        assert client.get(task_url(data["wanzhou"])).status_code == 403
        response = client.post(task_url(data["wanzhou"]), {"campaign": self_found.pk})
        assert response.status_code == 403
    assert not Task.objects.filter(code__startswith="MON-").exists()


def test_a_met_target_gives_no_task(client_as, personas, data, self_found):
    client = client_as(personas.office)
    response = client.get(task_url(data["yuzhong"], "good_day_ratio"))
    assert response.status_code == 302
    assert response["Location"] == f"/monitoring/districts/{data['yuzhong'].pk}/?year={YEAR}"
    assert client.post(task_url(data["yuzhong"], "good_day_ratio"), {}).status_code == 302
    assert not Task.objects.filter(code__startswith="MON-").exists()


@pytest.mark.parametrize(
    "suffix",
    [
        "tasks/pm25_mean/?year=abc",
        "tasks/pm25_mean/",
        "tasks/nonsense/?year=2025",
        "tasks/pm25_mean/?year=1900",
    ],
)
def test_bad_task_requests_are_not_found(client_as, personas, data, suffix):
    url = f"/monitoring/districts/{data['wanzhou'].pk}/{suffix}"
    assert client_as(personas.office).get(url).status_code == 404


def test_an_invalid_task_form_is_shown_again_and_creates_nothing(
    client_as, personas, data, self_found
):
    response = client_as(personas.office).post(
        task_url(data["wanzhou"]),
        {"campaign": self_found.pk, "title": "", "problem": "x", "measures": " ", "deadline": "x"},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"title", "measures", "deadline"}
    assert not Task.objects.filter(code__startswith="MON-").exists()


def test_without_any_campaign_the_form_says_to_create_one(client_as, personas, data):
    assert not Campaign.objects.exists()
    response = client_as(personas.office).get(task_url(data["wanzhou"]))
    assert response.status_code == 200 and response.context["no_campaign"] is True


def test_a_daily_row_without_values_does_not_break_the_pages(client_as, personas, data):
    AirDaily.objects.create(district=data["wanzhou"], station=None, day=dt.date(YEAR + 1, 1, 1))
    row = daily_row(data["wanzhou"], dt.date(YEAR + 1, 1, 2), pm25=None)
    row.save()
    client = client_as(personas.office)
    assert client.get(f"/monitoring/?year={YEAR + 1}").status_code == 200
    assert (
        client.get(f"/monitoring/districts/{data['wanzhou'].pk}/?year={YEAR + 1}").status_code
        == 200
    )
