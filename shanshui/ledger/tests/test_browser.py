"""One rectification task walked from assignment to sign-off in a real browser, by three people."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone, translation

from shanshui.ledger.models import ChecklistItem, EventKind, Status, Task
from shanshui.ledger.scenarios import make_campaign, make_task, pdf_bytes, png_bytes
from shanshui.orgs.demo import DEMO_PASSWORD, load_demo
from shanshui.orgs.models import Unit
from shanshui.testing.browser import chromium_or_skip_reason, launch_chromium

# Playwright's sync API runs an event loop in this thread; the ORM calls below happen outside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(chromium_or_skip_reason()), reason=chromium_or_skip_reason() or ""),
]

VIEWPORT = {"width": 1280, "height": 900}


def test_a_task_walks_from_assignment_to_sign_off(live_server, tmp_path: Path):
    from django.contrib.auth import get_user_model

    load_demo()  # the README's demo logins: office, wanzhou, sthjj, leader
    office_user = get_user_model().objects.get(username="office")
    campaign = make_campaign(office_user)
    task = make_task(
        office_user,
        campaign,
        code="WALK-1",
        implementing=Unit.objects.get(key="cq-wanzhou"),
        lead=Unit.objects.get(key="cq-ecology-environment"),
        accepting=Unit.objects.get(key="cq-inspection-office"),
    )
    task_url = f"{live_server.url}/ledger/tasks/{task.pk}/"
    n_measures = task.measures.count()
    assert n_measures == 3

    photo = tmp_path / "现场照片.png"
    photo.write_bytes(png_bytes())
    documents = {}
    for item in ChecklistItem:
        documents[item.value] = tmp_path / f"{item.value}.pdf"
        documents[item.value].write_bytes(pdf_bytes(item.value))

    shots: list[str] = []

    def shot(page, name: str) -> None:
        page.screenshot(path=str(tmp_path / name), full_page=True)
        shots.append(name)

    with launch_chromium() as browser:

        def log_in(username: str):
            context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
            page = context.new_page()
            page.goto(live_server.url + "/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", DEMO_PASSWORD)
            with page.expect_navigation():
                page.click("button[type=submit]")
            assert "/login/" not in page.url, f"{username} could not log in"
            return page

        # 1. The office assigns the draft task.
        office = log_in("office")
        office.goto(task_url)
        assert _status_label(Status.DRAFT) in office.locator("#task-badges").inner_text()
        _open_action(office, "assign")
        shot(office, "01-office-draft.png")
        _submit(office, "assign")
        assert _status(task) == Status.ASSIGNED
        assert _status_label(Status.ASSIGNED) in office.locator("#task-badges").inner_text()
        shot(office, "02-office-assigned.png")

        # 2. 万州区 finds it under "My tasks", accepts it, reports and applies for acceptance.
        wanzhou = log_in("wanzhou")
        wanzhou.goto(live_server.url + "/ledger/my/")
        waiting = wanzhou.locator("#waiting")
        assert "WALK-1" in waiting.inner_text()
        shot(wanzhou, "03-wanzhou-my-tasks.png")
        with wanzhou.expect_navigation():
            waiting.locator(f"a[href='/ledger/tasks/{task.pk}/']").first.click()
        assert wanzhou.url == task_url

        _open_action(wanzhou, "accept_assignment")
        _submit(wanzhou, "accept_assignment")
        assert _status(task) == Status.IN_PROGRESS

        form = _open_action(wanzhou, "report")
        form.locator("[name=text]").fill("排污口已全部封堵，现场已复核。")
        form.locator("[name=percent]").fill("100")
        for number in range(1, n_measures + 1):
            form.locator(f"select[name=measure_{number}]").select_option("done")
        form.locator("input[name=files]").set_input_files(str(photo))
        shot(wanzhou, "04-wanzhou-report-filled.png")
        _submit(wanzhou, "report")
        task.refresh_from_db()
        assert task.progress == 100
        assert "现场照片.png" in wanzhou.locator("#reports").inner_text()

        form = _open_action(wanzhou, "apply_acceptance")
        form.locator("[name=summary]").fill("已按整改方案完成全部整改措施。")
        for item, path in documents.items():
            form.locator(f"textarea[name=check_{item}]").fill(f"{item}：已落实。")
            form.locator(f"input[name=files_{item}]").set_input_files(str(path))
        shot(wanzhou, "05-wanzhou-apply-filled.png")
        _submit(wanzhou, "apply_acceptance")
        assert _status(task) == Status.ACCEPTANCE_APPLIED
        assert "files_complete.pdf" in wanzhou.locator("#applications").inner_text()
        shot(wanzhou, "06-wanzhou-applied.png")

        # 3. The lead unit (市生态环境局) rechecks.
        sthjj = log_in("sthjj")
        sthjj.goto(live_server.url + "/ledger/my/")
        assert "WALK-1" in sthjj.locator("#waiting").inner_text()
        sthjj.goto(task_url)
        form = _open_action(sthjj, "recheck")
        form.locator("[name=passed][value='1']").check()
        form.locator("[name=opinion]").fill("现场复查属实。")
        shot(sthjj, "07-sthjj-recheck.png")
        _submit(sthjj, "recheck")
        assert _status(task) == Status.RECHECKED

        # 4. The office accepts, starts the public notice and, after it, signs off.
        office.goto(task_url)
        form = _open_action(office, "accept")
        assert form.locator("[name=accepted_by_name]").input_value() == "刘明"  # prefilled
        form.locator("[name=opinion]").fill("整改到位，资料齐全，同意验收。")
        shot(office, "08-office-accept.png")
        _submit(office, "accept")
        assert _status(task) == Status.ACCEPTED

        _open_action(office, "start_notice")
        _submit(office, "start_notice")
        assert _status(task) == Status.IN_PUBLIC_NOTICE
        shot(office, "09-office-in-notice.png")

        public = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
        public.goto(live_server.url + "/public/rectification/")
        assert "/login/" not in public.url
        assert "WALK-1" in public.locator("table").inner_text()
        shot(public, "10-public-list.png")

        Task.objects.filter(pk=task.pk).update(
            notice_end=timezone.localdate() - dt.timedelta(days=1)
        )
        office.reload()
        _open_action(office, "sign_off")
        _submit(office, "sign_off")
        assert _status(task) == Status.SIGNED_OFF
        assert _status_label(Status.SIGNED_OFF) in office.locator("#task-badges").inner_text()
        timeline = office.locator("#timeline").inner_text()
        for kind in [
            EventKind.ASSIGNED,
            EventKind.ASSIGNMENT_ACCEPTED,
            EventKind.REPORTED,
            EventKind.ACCEPTANCE_APPLIED,
            EventKind.RECHECKED,
            EventKind.ACCEPTED,
            EventKind.NOTICE_STARTED,
            EventKind.SIGNED_OFF,
        ]:
            assert _label(kind) in timeline, kind
        shot(office, "11-office-signed-off.png")

    for name in shots:
        assert (tmp_path / name).stat().st_size > 10_000, name


def _open_action(page, action: str):
    """Open the action's card (a <details>) and return its form."""
    form = page.locator(f"#form-{action}")
    details = page.locator("#actions details", has=form)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    form.wait_for(state="visible")
    return form


def _submit(page, action: str) -> None:
    form = page.locator(f"#form-{action}")
    asks = form.get_attribute("data-confirm")  # an irreversible step asks first
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
        if asks:
            page.locator("#confirm-modal [data-confirm-ok]").click()
    assert "#timeline" in page.url, f"{action} failed:\n{page.locator('#actions').inner_text()}"


def _status(task: Task) -> str:
    task.refresh_from_db()
    return task.status


def _label(choice) -> str:
    with translation.override("zh-hans"):
        return str(choice.label)


def _status_label(status: str) -> str:
    return _label(Status(status))
