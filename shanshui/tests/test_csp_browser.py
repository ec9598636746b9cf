"""The Content-Security-Policy in a real browser, over the pages no other browser test walks:
the dashboards with their charts (tooltips drawn when hovered), the units, the two-high
projects, the API docs (Swagger UI expanding an operation) and the language menu. Every other
browser test is watched for violations too (shanshui.testing.browser.launch_chromium), so the
ledger, cases, report form, maps, markets, targets and directives are covered where they are
used."""

import io
import os

import pytest
from django.core.management import call_command

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
    "/reports/",
    "/reports/rankings/",
    "/monitoring/",
    "/carbon/",
    "/units/",
    "/carbon/projects/",
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
        # The API docs expand an operation (Swagger UI renders it with its own scripts).
        visit("/api/v1/docs", lambda: page.locator(".opblock-summary").first.click())
        # The language menu submits by itself (data-autosubmit, no onchange handler).
        visit("/")
        with page.expect_navigation():
            page.select_option("#language-select", "en")
        assert page.locator("html").get_attribute("lang") == "en"
        problems.extend(page.evaluate("window.__csp"))

    assert not problems, "\n".join(problems)
