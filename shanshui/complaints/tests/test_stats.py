"""Public statistics: every number equals a direct count over the public cases; months are
Chongqing months; the page shows the same numbers in tables and hands them to the charts."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.cache import cache
from django.db.models import Count
from django.urls import reverse

from shanshui.complaints import public, stats
from shanshui.complaints.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Category,
    Channel,
    Complaint,
    ComplaintCategory,
    RejectReason,
    Status,
)
from shanshui.complaints.tests.test_public import handle_case, hotline, submit, transferred
from shanshui.ledger.scenarios import make_campaign
from shanshui.testing.clock import ORDINARY_DAY

# Years and months are counted from today: the clock stands on an ordinary working day.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ordinary_day")]

THIS_YEAR = ORDINARY_DAY.year  # the year on the tests' clock, not at import time
LAST_YEAR = THIS_YEAR - 1
TWO_YEARS_AGO = THIS_YEAR - 2


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cases(personas):
    """A mix: web reports in two districts and years, published and unpublished hotline calls,
    a transfer batch with findings of every kind, an abusive report (never public)."""
    from shanshui.complaints import services

    campaign = make_campaign(personas.office)
    batch = services.batch_create(
        actor=personas.office, campaign=campaign, number=1, date=dt.date(2024, 5, 10)
    )
    a, b = personas.unit_a, personas.unit_b
    made = {
        "web_a": submit(categories=["water", "air"], district=a),
        "web_a2": submit(categories=["noise"], district=a),
        "web_b": submit(categories=["air"], district=b),
        "web_none": submit(categories=["other"], address="某地"),
        "t_true": transferred(personas, batch, receipt_no="1", unit=a, categories=("water",)),
        "t_partly": transferred(
            personas, batch, receipt_no="2", unit=a, finding="partly", categories=("soil",)
        ),
        "t_false": transferred(
            personas, batch, receipt_no="3", unit=b, finding="false", categories=("air",)
        ),
        "t_closed": transferred(personas, batch, receipt_no="4", unit=b, state="closed"),
        "t_open": transferred(personas, batch, receipt_no="5", unit=b, state="transferred"),
    }
    call = hotline(personas, unit=a)
    made["hot_published"] = handle_case(personas, call, unit=a)
    made["hot_private"] = hotline(personas, unit=b)
    abusive = submit(categories=["water"], district=a)
    services.complaint_reject(
        actor=personas.office,
        complaint=abusive,
        expected_version=None,
        reason=RejectReason.ABUSIVE,
    )
    made["abusive"] = abusive
    # Received on 1 January of last year at 01:00 in Chongqing: still the year before in UTC.
    Complaint.objects.filter(pk=made["web_a2"].pk).update(
        received_at=dt.datetime(TWO_YEARS_AGO, 12, 31, 17, 0, tzinfo=dt.UTC)
    )
    # Received in June two years ago.
    Complaint.objects.filter(pk=made["web_b"].pk).update(
        received_at=dt.datetime(TWO_YEARS_AGO, 6, 15, 4, 0, tzinfo=dt.UTC)
    )
    stats.rebuild()  # the receipt times were written behind the services' back
    return made


def _direct(qs) -> dict:
    """The same numbers as stats.compute, counted the plain way."""
    published = qs.filter(status=Status.PUBLISHED)
    return {
        "total": qs.count(),
        "open": qs.filter(status__in=OPEN_STATUSES).count(),
        "closed": qs.filter(status__in=CLOSED_STATUSES).count(),
        "published": published.count(),
        "category": {
            cat: ComplaintCategory.objects.filter(complaint__in=qs, category=cat).count()
            for cat in Category.values
            if ComplaintCategory.objects.filter(complaint__in=qs, category=cat).exists()
        },
        "district": {
            pk: qs.filter(district_id=pk).count()
            for pk in set(qs.values_list("district_id", flat=True))
        },
        "finding": {
            f: published.filter(finding=f).count()
            for f in set(published.values_list("finding", flat=True))
        },
        "channel": {
            ch: qs.filter(channel=ch).count() for ch in set(qs.values_list("channel", flat=True))
        },
    }


def _as_dicts(s: stats.Stats) -> dict:
    return {
        "total": s.total,
        "open": s.open,
        "closed": s.closed,
        "published": s.published,
        "category": dict(s.by_category),
        "district": {pk: n for pk, _name, n in s.by_district},
        "finding": dict(s.by_finding),
        "channel": dict(s.by_channel),
    }


def test_the_numbers_equal_direct_counts(personas, cases):
    computed = stats.compute(stats.Filters())
    expected = _direct(public.public_complaints())
    assert _as_dicts(computed) == expected
    # Sanity of the fixture: what is and is not counted.
    assert computed.total == 8  # 4 web reports, 3 published transfers, 1 published call
    public_ids = set(public.public_complaints().values_list("pk", flat=True))
    assert cases["hot_private"].pk not in public_ids and cases["abusive"].pk not in public_ids
    assert cases["t_closed"].pk not in public_ids and cases["t_open"].pk not in public_ids
    assert dict(computed.by_finding) == {"true": 2, "partly": 1, "false": 1}
    assert dict(computed.by_channel) == {"web": 4, "transfer": 3, "hotline": 1}
    assert dict(computed.by_category)["air"] == 3  # web_a, web_b, t_false
    assert sum(n for _m, n in computed.by_month) == computed.total


def test_the_filters_by_year_and_district(personas, cases):
    for year in (TWO_YEARS_AGO, LAST_YEAR, THIS_YEAR, None):
        for district in (personas.unit_a.pk, personas.unit_b.pk, None):
            filters = stats.Filters(year=year, district_id=district)
            expected = _direct(stats.cases(filters))
            assert _as_dicts(stats.compute(filters)) == expected, (year, district)
    early = stats.compute(stats.Filters(year=TWO_YEARS_AGO))
    assert early.total == 1  # web_b; web_a2 falls in the next year in Chongqing time
    assert [m for m, _n in early.by_month] == [f"{TWO_YEARS_AGO}-{m:02d}" for m in range(1, 7)]
    assert dict(early.by_month)[f"{TWO_YEARS_AGO}-06"] == 1
    assert stats.compute(stats.Filters(year=LAST_YEAR)).total == 1


def test_months_are_chongqing_months_without_gaps(personas, cases):
    by_month = dict(stats.compute(stats.Filters()).by_month)
    january = f"{LAST_YEAR}-01"
    assert by_month[january] == 1  # 31 December 17:00 UTC is 1 January in Chongqing
    assert by_month[f"{TWO_YEARS_AGO}-12"] == 0  # months without cases are in the series
    months = list(by_month)
    assert months == sorted(months) and months[0] == f"{TWO_YEARS_AGO}-06"
    expected = (
        public.public_complaints()
        .filter(received_at__gte=dt.datetime(LAST_YEAR, 1, 1, tzinfo=stats.SHANGHAI))
        .filter(received_at__lt=dt.datetime(LAST_YEAR, 2, 1, tzinfo=stats.SHANGHAI))
        .count()
    )
    assert by_month[january] == expected


def test_aggregates_cost_a_fixed_number_of_queries(personas, cases, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        stats.compute(stats.Filters())
    for i in range(15):
        submit(categories=["water", "noise"], description=f"更多的案件{i}")
    with django_assert_max_num_queries(6):
        stats.compute(stats.Filters())


def test_results_are_cached_briefly_under_their_filters(personas, cases, django_assert_num_queries):
    first = stats.get(stats.Filters(year=THIS_YEAR))
    with django_assert_num_queries(0):
        again = stats.get(stats.Filters(year=THIS_YEAR))
    assert again.total == first.total == 6
    other = stats.get(stats.Filters(year=TWO_YEARS_AGO))
    assert other.total == 1
    key = stats.Filters(year=THIS_YEAR).cache_key
    assert key != stats.Filters(year=THIS_YEAR, district_id=1).cache_key
    assert stats.CACHE_SECONDS == 60


def test_empty_statistics(personas):
    s = stats.compute(stats.Filters())
    assert s.total == 0 and s.by_month == [] and s.by_category == []


def test_the_page_shows_tables_and_chart_data(client, personas, cases):
    response = client.get(reverse("complaints_public:stats"))
    assert response.status_code == 200
    html = response.content.decode()
    computed = stats.compute(stats.Filters())
    assert f'id="stat-total">{computed.total}<' in html
    assert f'id="stat-published">{computed.published}<' in html
    # The chart data (json_script) carries the same numbers as the tables.
    data = json.loads(
        re.search(
            r'<script id="stats-data" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert sum(data["category"]["values"]) == sum(n for _c, n in computed.by_category)
    assert data["district"]["values"] == [n for _pk, _name, n in computed.by_district]
    assert "万州区" in data["district"]["labels"]
    assert data["month"]["labels"] == [m for m, _n in computed.by_month]
    tables = response.context["tables"]
    for key in ("category", "district", "finding", "month", "channel"):
        assert [n for _label, n in tables[key]] == data[key]["values"]
        for label, n in tables[key]:
            assert re.search(rf"<td>{re.escape(str(label))}</td><td class=\"num\">{n}</td>", html)
    # Charts come from the vendored ECharts, on this page only.
    assert "vendor/echarts/echarts.min.js" in html and "js/complaints-stats.js" in html
    assert "echarts" not in client.get(reverse("complaints_public:list")).content.decode()


def test_the_page_filters(client, personas, cases):
    response = client.get(
        reverse("complaints_public:stats"), {"year": THIS_YEAR, "district": personas.unit_a.pk}
    )
    assert response.status_code == 200
    filters = stats.Filters(year=THIS_YEAR, district_id=personas.unit_a.pk)
    expected = stats.cases(filters).count()
    assert expected == 4  # web_a, t_true, t_partly, the published call
    assert response.context["stats"].total == expected
    assert f'id="stat-total">{expected}<' in response.content.decode()
    # Years offered are those with public cases.
    assert stats.years() == [THIS_YEAR, LAST_YEAR, TWO_YEARS_AGO]
    bad = client.get(reverse("complaints_public:stats"), {"year": "1900", "district": "x"})
    assert bad.status_code == 200
    assert bad.context["stats"].total == public.public_complaints().count()


def test_stats_count_channels_the_public_sees(personas, cases):
    counted = dict(stats.compute(stats.Filters()).by_channel)
    assert Channel.LETTER not in counted
    raw = dict(public.public_complaints().values_list("channel").annotate(n=Count("pk")).order_by())
    assert counted == raw
