"""The ledger list's bulk actions: 督办, 交办 and 导出所选 on the ticked tasks — through the
services, within the user's scope, on all of them or none."""

import io
import os
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from shanshui.ledger.models import EventKind, Status, Task, UrgeNotice
from shanshui.ledger.scenarios import make_task
from shanshui.orgs.models import Unit
from shanshui.testing.browser import chromium_or_skip_reason, launch_chromium
from shanshui.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db

BULK = reverse("ledger:bulk")


def _status(task) -> str:
    return Task.objects.get(pk=task.pk).status


@pytest.fixture
def foreign(personas, campaign):
    """A task of 渝中区 led by 市水利局: outside 万州区's and 市生态环境局's scope."""
    return make_task(
        personas.office,
        campaign,
        code="B-1",
        implementing=personas.unit_b,
        lead=Unit.objects.get(key="cq-water"),
    )


def test_it_assigns_the_selected_drafts(personas, task_in, client_as):
    a, b, c = task_in(Status.DRAFT), task_in(Status.DRAFT), task_in(Status.DRAFT)
    client = client_as(personas.office)
    response = client.post(
        BULK + "?status=draft&page=1",
        {"action": "assign", "ids": [a.pk, b.pk]},
        follow=True,
    )
    # Back to the list as it was filtered, with the outcome.
    assert response.redirect_chain[-1][0] == reverse("ledger:list") + "?status=draft&page=1"
    assert "已交办 2 项任务。" in response.content.decode()
    assert [_status(a), _status(b), _status(c)] == [Status.ASSIGNED, Status.ASSIGNED, Status.DRAFT]
    # Each through the service: its own event.
    assert a.events.filter(kind=EventKind.ASSIGNED).count() == 1


def test_one_refusal_assigns_nothing_and_says_why(personas, task_in, client_as):
    a, b = task_in(Status.DRAFT), task_in(Status.DRAFT)
    started = task_in(Status.IN_PROGRESS)
    response = client_as(personas.office).post(
        BULK, {"action": "assign", "ids": [a.pk, started.pk, b.pk]}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "未作任何更改" in html and "所选 3 项中有 1 项不能交办" in html
    refused = html.split('id="bulk-refused"')[1].split("</ul>")[0]
    assert started.code in refused and a.code not in refused
    assert [_status(a), _status(b)] == [Status.DRAFT, Status.DRAFT]
    assert not a.events.filter(kind=EventKind.ASSIGNED).exists()
    # The selection is kept, so the refused task can be unticked.
    assert f'value="{a.pk}" form="ledger-bulk" ' in html
    assert html.count(" checked>") >= 3


def test_only_the_office_assigns(personas, task_in, client_as):
    draft = task_in(Status.DRAFT)
    for user in (personas.district_a, personas.department):
        response = client_as(user).post(BULK, {"action": "assign", "ids": [draft.pk]})
        assert response.status_code == 409
        assert "您在该任务中的职责不允许此操作。" in response.content.decode()
    assert _status(draft) == Status.DRAFT


def test_it_urges_each_selected_task_once(personas, task_in, client_as, today, in_days):
    a, b = task_in(Status.IN_PROGRESS), task_in(Status.ASSIGNED)
    # 市生态环境局 leads both tasks: it may urge them.
    response = client_as(personas.department).post(
        BULK,
        {
            "action": "urge",
            "ids": [a.pk, b.pk],
            "text": "请于本周内报送整改进展。",
            "response_due": in_days(5).isoformat(),
        },
        follow=True,
    )
    assert "已对 2 项任务发出督办单，共 2 份。" in response.content.decode()
    notices = UrgeNotice.objects.order_by("task_id")
    assert [n.task_id for n in notices] == sorted([a.pk, b.pk])
    assert {(n.to_unit_id, n.text, n.response_due) for n in notices} == {
        (personas.unit_a.pk, "请于本周内报送整改进展。", in_days(5))
    }
    assert a.events.filter(kind=EventKind.URGED).count() == 1


def test_an_urge_without_text_or_date_changes_nothing(personas, task_in, client_as, in_days):
    a = task_in(Status.IN_PROGRESS)
    client = client_as(personas.office)
    response = client.post(BULK, {"action": "urge", "ids": [a.pk], "text": " "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请写明需要办理的事项" in html or "is-invalid" in html
    response = client.post(
        BULK,
        {"action": "urge", "ids": [a.pk], "text": "抓紧", "response_due": in_days(-1).isoformat()},
    )
    assert response.status_code == 400
    assert not UrgeNotice.objects.exists()


def test_a_task_outside_the_scope_is_404_and_nothing_is_done(
    personas, task_in, foreign, client_as, in_days
):
    own = task_in(Status.IN_PROGRESS)
    services_done = UrgeNotice.objects.count()
    client = client_as(personas.department)
    for action in ("urge", "assign", "export"):
        response = client.post(
            BULK,
            {
                "action": action,
                "ids": [own.pk, foreign.pk],
                "text": "抓紧整改。",
                "response_due": in_days(3).isoformat(),
            },
        )
        assert response.status_code == 404, action
    assert UrgeNotice.objects.count() == services_done
    assert not own.events.filter(kind=EventKind.URGED).exists()
    # Ids that are no tasks at all, or no ids: 404 too.
    assert client.post(BULK, {"action": "export", "ids": ["x1"]}).status_code == 404
    assert client.post(BULK, {"action": "export", "ids": [10**8]}).status_code == 404


def test_nothing_ticked_is_said_plainly(personas, task_in, client_as):
    task_in(Status.DRAFT)
    response = client_as(personas.office).post(BULK, {"action": "assign"}, follow=True)
    assert "请先勾选任务。" in response.content.decode()


def _codes(response) -> set[str]:
    body = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    return {c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)}


def test_it_exports_only_the_selected_tasks(personas, task_in, foreign, client_as):
    a, b, c = task_in(Status.IN_PROGRESS), task_in(Status.IN_PROGRESS), task_in(Status.DRAFT)
    client = client_as(personas.office)
    response = client.post(BULK, {"action": "export", "ids": [a.pk, c.pk]})
    assert response.status_code == 302
    assert response.url.startswith(reverse("reports:export_ledger") + "?ids=")
    codes = _codes(client.get(response.url))
    assert {a.code, c.code} <= codes and b.code not in codes and foreign.code not in codes
    # The export itself refuses a selection outside the scope, or ids that are no ids: it never
    # exports the whole ledger in their place.
    export = reverse("reports:export_ledger")
    district = client_as(personas.district_a)
    assert district.get(export, {"ids": f"{a.pk},{foreign.pk}"}).status_code == 404
    assert district.get(export, {"ids": "1;drop"}).status_code == 404
    assert a.code in _codes(district.get(export, {"ids": str(a.pk)}))


def test_the_bulk_bar_offers_what_the_role_allows(personas, task_in, client_as):
    task_in(Status.IN_PROGRESS)
    url = reverse("ledger:list")

    def offered(user) -> set[str]:
        html = client_as(user).get(url).content.decode()
        return {a for a in ("urge", "assign", "export") if f'name="action" value="{a}"' in html}

    assert offered(personas.office) == {"urge", "assign", "export"}
    assert offered(personas.department) == {"urge", "export"}  # it leads the task
    assert offered(personas.district_a_staff) == {"export"}
    html = client_as(personas.office).get(url).content.decode()
    assert 'class="select-cell"' in html and 'form="ledger-bulk"' in html
    assert 'value="assign" data-bulk-action\n      data-confirm="' in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(bool(chromium_or_skip_reason()), reason=chromium_or_skip_reason() or "")
def test_select_all_then_assign_after_confirming(personas, task_in, live_server):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    shots = Path(os.environ.get("SHANSHUI_SCREENSHOTS", "/tmp/shots"))
    shots.mkdir(parents=True, exist_ok=True)
    drafts = [task_in(Status.DRAFT) for _ in range(3)]
    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", personas.office.username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        page.goto(live_server.url + reverse("ledger:list") + "?status=draft")
        assign = page.locator('#ledger-bulk button[value="assign"]')
        assert assign.is_disabled()  # nothing ticked yet
        page.locator('[data-select-all="ledger-bulk"]').check()
        assert "已选 3 项" in page.locator("[data-bulk-count]").inner_text()
        page.locator("#ledger-bulk details summary").click()
        page.screenshot(path=str(shots / "bulk-1280.png"), full_page=True)
        assign.click()
        dialog = page.locator("#confirm-modal")
        dialog.wait_for(state="visible")
        assert "交办后不能退回草稿" in dialog.inner_text()
        with page.expect_navigation():
            dialog.locator("[data-confirm-ok]").click()
        assert "已交办 3 项任务。" in page.content()
        assert {_status(t) for t in drafts} == {Status.ASSIGNED}
        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        phone.context.add_cookies(page.context.cookies())
        phone.goto(live_server.url + reverse("ledger:list"))
        phone.locator('input[name="ids"]').first.check()
        phone.screenshot(path=str(shots / "bulk-390.png"), full_page=True)
