"""Issue 17 (CPU per request): what is the same for every visitor is read once a minute, the
public look-up of nearby cases is rate-limited, and the filter bars write their options once —
without changing what anyone may see."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shanshui.complaints.forms import CaseFilterForm
from shanshui.complaints.scenarios import drive_case, make_report
from shanshui.lib.filterforms import filter_fields, options

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_front_door_reads_its_lists_once_a_minute(personas, ordinary_day):
    office = personas.office
    first = make_report(
        description="第一条已公开结果的排污问题。",
        district=personas.unit_a,
        lat=30.81,
        lon=108.39,
        moderator=office,
    )
    drive_case(first, "published", office=office, handler=personas.district_a)
    visitor = Client()
    with CaptureQueriesContext(connection) as cold:
        html = visitor.get("/").content.decode()
    assert "第一条已公开结果的排污问题" in html
    with CaptureQueriesContext(connection) as warm:
        again = visitor.get("/").content.decode()
    assert "第一条已公开结果的排污问题" in again and first.code in again
    # Results, tasks, their count and the map's points come from the cache (the statistics
    # already did): no query at all for the second visitor.
    assert len(warm.captured_queries) == 0 < len(cold.captured_queries)
    # Once the minute is over (here: the cache emptied), a new result shows.
    second = make_report(
        description="第二条已公开结果的噪声问题。",
        categories=("noise",),
        district=personas.unit_a,
        lat=30.80,
        lon=108.40,
        moderator=office,
    )
    drive_case(second, "published", office=office, handler=personas.district_a)
    assert "第二条已公开结果的噪声问题" not in visitor.get("/").content.decode()
    cache.clear()
    assert "第二条已公开结果的噪声问题" in visitor.get("/").content.decode()


def test_the_front_door_is_cached_per_language(personas):
    chinese = Client().get("/").content.decode()
    english = Client(headers={"accept-language": "en"})
    english.cookies["django_language"] = "en"
    html = english.get("/").content.decode()
    assert 'lang="en"' in html and 'lang="zh-hans"' in chinese


@override_settings(
    SHANSHUI_RATE_LIMITS={
        "complaint_web": "10/3600",
        "open311_post_ip": "60/3600",
        "open311_post_key": "1000/3600",
        "objection": "3/600",
        "track": "60/600",
        "nearby": "3/600",
    }
)
def test_the_nearby_lookup_is_rate_limited_per_address(personas):
    url = reverse("complaints_public:nearby") + "?lat=30.8&lon=108.4&categories=water"
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200
        assert response.json() == {"cases": []}
    refused = client.get(url)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json() == {"cases": []}  # the form shows "nothing nearby", no error
    # Another address has its own count.
    assert Client(REMOTE_ADDR="203.0.113.8").get(url).status_code == 200


def test_the_home_page_reads_the_directory_once_a_minute(personas, client_as):
    client = client_as(personas.district_a)
    with CaptureQueriesContext(connection) as cold:
        first = client.get("/")
    with CaptureQueriesContext(connection) as warm:
        second = client.get("/")
    assert first.status_code == second.status_code == 200
    assert "orgs_unit" in " ".join(q["sql"] for q in cold.captured_queries if "COUNT" in q["sql"])
    assert len(warm.captured_queries) <= len(cold.captured_queries) - 7
    assert second.content.decode().count('id="my-units"') == 1


def test_filter_options_select_the_current_value_and_escape_labels(personas):
    form = CaseFilterForm({"status": "transferred", "district": str(personas.unit_a.pk)})
    form.is_valid()
    fields = {f["field"].name: f["options"] for f in filter_fields(form)}
    assert "q" not in fields
    assert '<option value="transferred" selected>' in fields["status"]
    assert '<option value="received">' in fields["status"]
    assert f'<option value="{personas.unit_a.pk}" selected>' in fields["district"]
    unbound = CaseFilterForm()
    status = next(f for f in unbound if f.name == "status")
    assert " selected" not in options(status)  # nothing chosen: the browser shows the first


def test_the_case_list_filter_keeps_the_choice(personas, client_as):
    html = (
        client_as(personas.office)
        .get(reverse("complaints:list") + f"?district={personas.unit_a.pk}")
        .content.decode()
    )
    assert f'<option value="{personas.unit_a.pk}" selected>' in html
    assert 'id="case-filter"' in html
