"""On a 390 px phone, a district reads 我的任务 as cards, opens one and signs for it (签收).

The lists are the wide tables of the desktop turned into cards by CSS alone (`.table-cards` in
static/css/shanshui.css): these tests measure the laid-out page in a real browser, because a
template test cannot see whether a row is a card or a squeezed table column.
"""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone, translation

from shanshui.ledger.models import Status, Task, WarningLevel
from shanshui.ledger.scenarios import drive, make_campaign, make_task
from shanshui.testing.browser import chromium_or_skip_reason, launch_chromium
from shanshui.testing.personas import PASSWORD

# Playwright's sync API runs an event loop in this thread; the ORM calls below happen outside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(chromium_or_skip_reason()), reason=chromium_or_skip_reason() or ""),
]

PHONE = {"width": 390, "height": 844}

# A deadline near with no progress is red, one within a month yellow, a far one green.
TASKS = [
    ("PH-1", "长江干流及主要支流入河排污口排查整治不到位，部分点位仍有污水直排", 6),
    ("PH-2", "城市建成区黑臭水体治理成效不稳固", 25),
    ("PH-3", "工业园区挥发性有机物无组织排放问题突出", 200),
]


def _assigned_tasks(personas) -> list[Task]:
    campaign = make_campaign(personas.office)
    today = timezone.localdate()
    tasks = []
    for code, title, days in TASKS:
        task = make_task(
            personas.office,
            campaign,
            code=code,
            title=title,
            deadline=today + dt.timedelta(days=days),
            implementing=personas.unit_a,
            lead=personas.unit_department,
            accepting=personas.unit_office,
        )
        tasks.append(
            drive(
                task,
                Status.ASSIGNED,
                office=personas.office,
                executor=personas.district_a,
                lead_reviewer=personas.department,
            )
        )
    return tasks


def _log_in(browser, base: str, username: str):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/login/" not in page.url, f"{username} could not log in"
    return page


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not laid out"
    return box


def _label(choice) -> str:
    with translation.override("zh-hans"):
        return str(choice.label)


def test_a_district_reads_my_tasks_as_cards_and_signs_for_one_on_a_phone(
    live_server, personas, tmp_path: Path
):
    tasks = _assigned_tasks(personas)
    warnings = {t.code: Task.objects.get(pk=t.pk).warning for t in tasks}
    assert warnings == {
        "PH-1": WarningLevel.RED,
        "PH-2": WarningLevel.YELLOW,
        "PH-3": WarningLevel.GREEN,
    }
    with launch_chromium() as browser:
        page = _log_in(browser, live_server.url, personas.district_a.username)
        page.goto(live_server.url + "/ledger/my/")
        page.screenshot(path=str(tmp_path / "my-tasks-390.png"), full_page=True)

        # Nothing runs off the side of the screen: no horizontal scrolling anywhere.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # No column headers: each row is a card that names its own fields.
        assert page.locator(".ledger-table thead").first.is_hidden()

        rows = page.locator(".ledger-table tbody tr")
        assert rows.count() == len(TASKS)
        for task in tasks:
            row = rows.filter(has=page.locator(f"a[href='/ledger/tasks/{task.pk}/']"))
            card = _box(row)
            layout = row.evaluate(
                "r => { const s = getComputedStyle(r);"
                " return {display: s.display, edge: s.borderLeftWidth,"
                " colour: s.borderLeftColor}; }"
            )
            # A block the width of the screen, not a table row of six squeezed columns.
            assert layout["display"] in ("block", "flex"), layout
            assert card["width"] >= 350 and card["x"] >= 0
            assert card["x"] + card["width"] <= PHONE["width"]
            # The warning colour on the card's edge.
            assert layout["edge"] == "4px" and layout["colour"] not in ("", "rgba(0, 0, 0, 0)")

            title = row.locator(".tc-main a").first
            status = row.locator(".tc-status .badge").first
            deadline = row.locator("td[data-label]").first
            for part, text in [
                (title, task.title),
                (status, _label(Status.ASSIGNED)),
                (deadline, task.deadline.isoformat()),
            ]:
                assert part.is_visible()
                assert text in part.inner_text()
                box = _box(part)
                assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], text
            # The title runs across the card, not down a narrow column.
            assert _box(row.locator(".tc-main"))["width"] >= 300
            # The deadline says what it is: its label is drawn before it (CSS content).
            label = deadline.evaluate("d => getComputedStyle(d, '::before').content")
            assert label == '"整改时限"', label
            # Status and deadline sit inside the card, below or beside the title.
            assert card["y"] <= _box(status)["y"] < card["y"] + card["height"]
            assert card["y"] <= _box(deadline)["y"] < card["y"] + card["height"]

        # The warning colours differ from card to card (red, yellow, green).
        colours = rows.evaluate_all("rs => rs.map(r => getComputedStyle(r).borderLeftColor)")
        assert len(set(colours)) == len(TASKS)

        # A tap anywhere on the card (here on its deadline, not on the title) opens the task.
        red = next(t for t in tasks if t.code == "PH-1")
        row = rows.filter(has=page.locator(f"a[href='/ledger/tasks/{red.pk}/']"))
        row.scroll_into_view_if_needed()
        spot = _box(row.locator("td[data-label]").first)
        with page.expect_navigation():
            page.touchscreen.tap(spot["x"] + spot["width"] / 2, spot["y"] + spot["height"] / 2)
        assert page.url == f"{live_server.url}/ledger/tasks/{red.pk}/"

        # 签收 on the phone.
        form = page.locator("#form-accept_assignment")
        details = page.locator("#actions details", has=form)
        if details.get_attribute("open") is None:
            details.locator("summary").tap()
        form.wait_for(state="visible")
        button = form.locator("button[type=submit]")
        assert _box(button)["x"] + _box(button)["width"] <= PHONE["width"]
        with page.expect_navigation():
            button.tap()
        page.screenshot(path=str(tmp_path / "signed-390.png"), full_page=True)
        red.refresh_from_db()
        assert red.status == Status.IN_PROGRESS
        assert _label(Status.IN_PROGRESS) in page.locator("#task-badges").inner_text()

        # Back on 我的任务 the task is no longer waiting to be signed for.
        page.goto(live_server.url + "/ledger/my/")
        waiting = page.locator("#waiting")
        assert waiting.count() == 0 or "PH-1" not in waiting.inner_text()


def test_the_list_pages_fit_a_phone_and_stay_tables_on_a_desk(
    live_server, personas, tmp_path: Path
):
    _assigned_tasks(personas)
    with launch_chromium() as browser:
        page = _log_in(browser, live_server.url, personas.district_a.username)
        for path in ("/ledger/", "/ledger/campaigns/", "/complaints/", "/complaints/my/", "/"):
            page.goto(live_server.url + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        page.goto(live_server.url + "/ledger/")
        row = page.locator(".ledger-table tbody tr").first
        assert row.evaluate("r => getComputedStyle(r).display") == "flex"
        assert _box(row)["width"] >= 350
        # A row's selection box (bulk actions) sits in the card's corner, above the card's link:
        # a tap ticks it and stays on the list.
        tick = row.locator(".select-cell input[type=checkbox]")
        if tick.count():
            tick.scroll_into_view_if_needed()
            spot = _box(tick)
            page.touchscreen.tap(spot["x"] + spot["width"] / 2, spot["y"] + spot["height"] / 2)
            assert tick.is_checked() and page.url.endswith("/ledger/")

        # The same markup stays a table on a desk.
        page.set_viewport_size({"width": 1280, "height": 900})
        page.reload()
        assert row.evaluate("r => getComputedStyle(r).display") == "table-row"
        assert page.locator(".ledger-table thead").first.is_visible()
