"""The Content-Security-Policy in a real browser: the key pages — the ledger list, a task, the
report form with its map, the dashboard with its charts, the maps, the API docs (Swagger UI) —
load and work without a single policy violation, including what their scripts do afterwards
(charts drawn, tooltips shown, the map's outline, htmx swaps)."""

import io
import os

import pytest
from django.core.management import call_command

from shanshui.complaints.models import Complaint
from shanshui.ledger.models import Task
from shanshui.orgs.demo import DEMO_PASSWORD
from shanshui.testing.browser import chromium_or_skip_reason, launch_chromium

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(chromium_or_skip_reason()), reason=chromium_or_skip_reason() or ""),
]

# Every violation the page reports (securitypolicyviolation events), kept on window.
RECORD = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " +
                    (e.sourceFile || "") + ":" + (e.lineNumber || ""));
});
"""

PAGES = [
    "/ledger/",
    "/ledger/map/",
    "/reports/",
    "/reports/rankings/",
    "/complaints/",
    "/monitoring/",
    "/carbon/",
    "/carbon/targets/",
    "/api/v1/docs",
    "/units/",
    "/carbon/market/",
    "/carbon/projects/",
    "/directives/",
]


def test_key_pages_raise_no_policy_violation(live_server):
    call_command("load_demo", stdout=io.StringIO())  # every app's demo data: charts have data
    problems: list[str] = []
    with launch_chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(RECORD)
        page = context.new_page()
        page.on(
            "console",
            lambda m: (
                problems.append(f"{page.url} console: {m.text}")
                if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text
                else None
            ),
        )

        def visit(path: str, then=None):
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            assert "script-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_load_state("networkidle")
            if then:
                then()
            page.wait_for_timeout(200)
            problems.extend(f"{path}: {v}" for v in page.evaluate("window.__csp"))

        # The public report form with its map picker, before logging in.
        def pick_a_point():
            page.locator(".leaflet-container").first.click(position={"x": 200, "y": 150})

        visit("/report/", pick_a_point)
        visit("/login/")
        page.fill("#id_username", "office")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(live_server.url + "/")

        def hover_charts():
            for chart in page.locator("[data-chart] canvas, .carbon-chart canvas").all()[:3]:
                chart.hover(position={"x": 120, "y": 120})
                page.wait_for_timeout(150)

        for path in PAGES:
            visit(path, hover_charts)
        # A task of the demo ledger.
        visit(f"/ledger/tasks/{Task.objects.order_by('pk').first().pk}/")
        # A case of the demo channel, with its map, photos and action forms.
        visit(f"/complaints/cases/{Complaint.objects.order_by('-pk').first().pk}/")
        # The API docs expand an operation (Swagger UI renders it with its own scripts).
        visit("/api/v1/docs", lambda: page.locator(".opblock-summary").first.click())
        # The language menu submits by itself (data-autosubmit, no onchange handler).
        visit("/")
        with page.expect_navigation():
            page.select_option("#language-select", "en")
        assert page.locator("html").get_attribute("lang") == "en"
        problems.extend(page.evaluate("window.__csp"))

    assert not problems, "\n".join(problems)
