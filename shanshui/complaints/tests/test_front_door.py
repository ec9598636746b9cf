"""The public front door (issue 14): ``/`` for a visitor not logged in is a public page — report,
track, rectification results, statistics, a map of the public cases, and the way in for staff —
showing only what the office approved and published; a logged-in user still gets their home."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from shanshui.complaints.scenarios import drive_case, make_report
from shanshui.ledger.models import Status as TaskStatus
from shanshui.ledger.scenarios import drive, make_campaign, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the statistics are cached
    yield
    cache.clear()


def _points(html: str) -> list:
    match = re.search(r'<script id="front-map-points" type="application/json">(.*?)</script>', html)
    assert match, "the map's points are in the page"
    return json.loads(match.group(1))


def _task(personas, campaign, code: str, title: str, state: str):
    task = make_task(
        personas.office,
        campaign,
        code=code,
        title=title,
        implementing=personas.unit_a,
        lead=personas.unit_department,
        accepting=personas.unit_office,
    )
    return drive(
        task,
        state,
        office=personas.office,
        executor=personas.district_a,
        lead_reviewer=personas.department,
    )


def test_it_shows_the_public_front_door_to_a_visitor(personas, ordinary_day):
    response = Client().get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "公众监督" in html  # Simplified Chinese by default
    for name in (
        "complaints_public:report",
        "complaints_public:track",
        "complaints_public:stats",
        "complaints_public:list",
        "public_rectification",
    ):
        assert f'href="{reverse(name)}"' in html, name
    # Staff log in from it: a visible button, not the login form itself.
    assert 'id="front-login"' in html and f'href="{reverse("login")}"' in html and "登录" in html
    assert 'name="password"' not in html
    # The shared map: the tile source from lib.maps, the one map script.
    assert 'id="front-map"' in html and "/static/js/maps.js" in html and "data-crs=" in html


def test_it_still_gives_a_logged_in_user_their_home(personas, client_as):
    response = client_as(personas.district_a).get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="front-map"' not in html and 'id="front-login"' not in html
    assert response.templates[0].name == "orgs/home.html"


def test_it_shows_only_approved_and_published_content(personas, ordinary_day):
    office, unit = personas.office, personas.unit_a
    published = make_report(
        description="已公开结果的排污问题。", district=unit, lat=30.81, lon=108.39, moderator=office
    )
    drive_case(published, "published", office=office, handler=personas.district_a)
    approved = make_report(
        description="已审核正在办理的噪声问题。",
        categories=("noise",),
        district=unit,
        lat=30.80,
        lon=108.40,
        moderator=office,
    )
    waiting = make_report(
        description="等待审核的举报秘密文字。", district=unit, lat=30.7, lon=108.3
    )
    campaign = make_campaign(office)
    in_notice = _task(personas, campaign, "F001", "公示中的整改任务", TaskStatus.IN_PUBLIC_NOTICE)
    _task(personas, campaign, "F002", "仍在整改的内部任务", TaskStatus.IN_PROGRESS)
    hidden = _task(personas, campaign, "F003", "不公开的整改任务", TaskStatus.ASSIGNED)
    hidden.is_public = False
    hidden.save(update_fields=["is_public"])

    html = Client().get("/").content.decode()
    # Cases: the approved ones on the map, the published result in the list; the one waiting
    # for review nowhere (neither its text nor its code nor its point).
    points = {p[0]: p for p in _points(html)}
    assert set(points) == {published.code, approved.code}
    assert points[approved.code][3] is True and points[published.code][3] is False
    assert "已公开结果的排污问题" in html
    assert reverse("complaints_public:detail", args=[published.code]) in html
    assert "正在办理的噪声问题" not in html  # no published result yet: on the map only
    assert "等待审核" not in html and waiting.code not in html
    # Statistics count the public cases only.
    assert re.search(r'id="front-total">\s*2\s*<', html)
    assert re.search(r'id="front-published">\s*1\s*<', html)
    # Tasks: the one in public notice, not the internal ones.
    assert "公示中的整改任务" in html
    assert reverse("public_rectification_detail", args=[in_notice.pk]) in html
    assert "仍在整改的内部任务" not in html and "不公开的整改任务" not in html
    assert re.search(r'id="front-tasks">\s*1\s*<', html)


def test_the_navbar_brand_leads_a_visitor_to_the_front_door(personas):
    html = Client().get(reverse("complaints_public:report")).content.decode()
    assert 'class="navbar-brand pe-3" href="/"' in html


def test_it_answers_only_safe_methods(personas):
    assert Client().post("/").status_code == 405
