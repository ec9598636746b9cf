"""The tracking code is a secret: it is posted and kept in the session, never put in a URL
(browser history, server logs, Referer headers). Old links with the code in their path still
work, once, by moving the code into the session."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from shanshui.complaints.models import Complaint
from shanshui.complaints.tests.test_public import report_data, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


def urls_in(html: str) -> list[str]:
    return re.findall(r'(?:href|src|action)="([^"]*)"', html)


def test_reporting_and_following_never_put_the_code_in_a_url(personas):
    browser = Client()
    sent = browser.post(reverse("complaints_public:report"), report_data())
    c = Complaint.objects.get()
    code = c.tracking_code
    assert sent.status_code == 302 and code not in sent["Location"]
    done = browser.get(sent["Location"])
    html = done.content.decode()
    assert "-".join(code[i : i + 4] for i in (0, 4, 8)) in html  # shown to be written down
    assert not [u for u in urls_in(html) if code in u.upper().replace("-", "")]
    status = browser.get(reverse("complaints_public:track_detail"))
    assert status.status_code == 200 and c.code in status.content.decode()
    assert 'id="awaiting-review"' in status.content.decode()  # 先审后发
    assert not [u for u in urls_in(status.content.decode()) if code in u]

    # Another browser, without the code: the form, nothing of the case.
    other = Client()
    response = other.get(reverse("complaints_public:track_detail"))
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints_public:track")
    assert other.get(reverse("complaints_public:report_done")).status_code == 302

    # It types the code into the form, which posts it (method="post", not in the query).
    form = other.get(reverse("complaints_public:track")).content.decode()
    assert re.search(r'<form method="post" action="/report/track/"', form)
    followed = other.post(reverse("complaints_public:track"), {"code": code.lower()}, follow=True)
    assert followed.redirect_chain == [(reverse("complaints_public:track_detail"), 302)]
    assert c.code in followed.content.decode()


def test_an_old_link_moves_the_code_into_the_session_once(personas):
    c = submit(approved=False)
    browser = Client()
    old = f"/report/track/{c.tracking_code}/"
    response = browser.get(old)
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints_public:track_detail")
    assert response["Referrer-Policy"] == "no-referrer"
    assert c.code in browser.get(response["Location"]).content.decode()
    done = Client().get(f"/report/done/{c.tracking_code}/", follow=True)
    assert done.redirect_chain == [(reverse("complaints_public:report_done"), 302)]
    assert c.code in done.content.decode()
    # A code in the query string (a bookmark of the old form) too.
    bookmarked = Client().get(reverse("complaints_public:track"), {"code": c.tracking_code})
    assert bookmarked["Location"] == reverse("complaints_public:track_detail")
