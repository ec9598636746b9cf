"""Gates that mean something: the recheck and the acceptance record an opinion (a failed
recheck returns the task), every checklist item has its own evidence, deadlines are not set in
the past nor moved by a plain edit after assignment, and irreversible steps ask first."""

import datetime as dt
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from shanshui.ledger import forms, rules, services
from shanshui.ledger.models import ChecklistItem, EventKind, MeasureStatus, Status, Task
from shanshui.ledger.scenarios import make_task, pdf_bytes
from shanshui.orgs.services import api_token_create
from shanshui.testing.browser import chromium_or_skip_reason, launch_chromium
from shanshui.testing.http import ClientApi

pytestmark = pytest.mark.django_db
# Playwright's sync API runs an event loop in this thread; the ORM calls below happen outside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ITEMS = ChecklistItem.values


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def api(personas):
    names = ("office", "district_a", "district_b", "department")
    return ClientApi({n: api_token_create(user=getattr(personas, n), name="t")[1] for n in names})


def upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(text), content_type="application/pdf")


def own_files() -> dict[str, list]:
    """One distinct document per checklist item."""
    return {i: [upload(f"{i}.pdf", i)] for i in ITEMS}


def one_file_for_all() -> dict[str, list]:
    """The same scan (same bytes, hence the same sha256) attached to every item."""
    return {i: [upload(f"扫描件-{n}.pdf", "一份总的说明")] for n, i in enumerate(ITEMS)}


def apply(personas, task, files, **kwargs):
    task.measures.update(status=MeasureStatus.DONE)
    return services.task_apply_acceptance(
        actor=personas.district_a,
        task=task,
        expected_version=None,
        summary="已按方案完成整改。",
        checklist={i: "已落实。" for i in ITEMS},
        files=files,
        **kwargs,
    )


def state(task):
    task.refresh_from_db()
    return task.status, task.version, task.events.count(), task.applications.count()


# --- 复查 ---------------------------------------------------------------------------------------


def test_the_recheck_is_refused_without_an_opinion_or_a_result(personas, task_in, client_as):
    task = task_in(Status.ACCEPTANCE_APPLIED)
    before = state(task)
    for passed, opinion, field in ((True, "  ", "opinion"), (None, "属实", "passed")):
        with pytest.raises(ValidationError) as excinfo:
            services.task_recheck(
                actor=personas.department,
                task=task,
                expected_version=None,
                passed=passed,
                opinion=opinion,
            )
        assert set(excinfo.value.message_dict) == {field}
    url = reverse("ledger:action", args=[task.pk, "recheck"])
    response = client_as(personas.department).post(url, {"version": task.version, "passed": "1"})
    assert response.status_code == 400
    form = response.context["action_forms"]["recheck"]
    assert form.errors["opinion"] == ["请填写复查意见。"]
    assert state(task) == before


def test_a_passed_recheck_keeps_the_opinion_and_who_and_when(personas, task_in, client_as):
    task = task_in(Status.ACCEPTANCE_APPLIED)
    url = reverse("ledger:action", args=[task.pk, "recheck"])
    posted = {"version": task.version, "passed": "1", "opinion": "现场核查，排口已封堵。"}
    assert client_as(personas.department).post(url, posted).status_code == 302
    task.refresh_from_db()
    assert task.status == Status.RECHECKED
    application = task.applications.get()
    assert application.recheck_passed is True
    assert application.recheck_opinion == "现场核查，排口已封堵。"
    assert application.rechecked_by == personas.department and application.rechecked_at
    event = task.events.get(kind=EventKind.RECHECKED)
    assert event.data["passed"] is True and event.comment == "现场核查，排口已封堵。"


def test_a_failed_recheck_returns_the_task_with_the_opinion(personas, task_in, client_as):
    task = task_in(Status.ACCEPTANCE_APPLIED)
    opinion = "抽查3个排口仍有污水直排，监测报告缺少采样点位。"
    url = reverse("ledger:action", args=[task.pk, "recheck"])
    posted = {"version": task.version, "passed": "0", "opinion": opinion}
    response = client_as(personas.department).post(url, posted)
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == Status.IN_PROGRESS
    application = task.applications.get()
    assert (application.outcome, application.recheck_passed) == ("returned", False)
    assert application.recheck_opinion == opinion
    event = task.events.order_by("-pk").first()  # one event: the recheck, which returned it
    assert event.kind == EventKind.RECHECKED and event.data["passed"] is False
    assert (event.from_status, event.to_status) == (Status.ACCEPTANCE_APPLIED, Status.IN_PROGRESS)
    assert event.comment == opinion and event.unit == personas.unit_department
    # The executing unit reads why, on the timeline and in the application.
    html = client_as(personas.district_a).get(reverse("ledger:task", args=[task.pk])).text
    timeline = html.split('id="timeline"')[1]
    assert opinion in timeline and "不通过，已退回" in timeline
    applications = html.split('id="applications"')[1].split('id="timeline"')[0]
    assert opinion in applications and "不通过" in applications
    # And it may apply again: the task is back in rectification.
    assert 'id="form-apply_acceptance"' in html


def test_the_recheck_card_offers_pass_or_fail_and_an_opinion(personas, task_in, client_as):
    task = task_in(Status.ACCEPTANCE_APPLIED)
    html = client_as(personas.department).get(reverse("ledger:task", args=[task.pk])).text
    card = html.split('id="form-recheck"')[1].split("</form>")[0]
    assert card.count('type="radio" name="passed"') == 2
    assert 'name="opinion"' in card and "复查意见" in card


# --- 验收 ---------------------------------------------------------------------------------------


def test_acceptance_is_refused_without_an_opinion_or_a_name(personas, task_in, client_as):
    task = task_in(Status.RECHECKED)
    before = state(task)
    with pytest.raises(ValidationError) as excinfo:
        services.task_accept(
            actor=personas.office,
            task=task,
            expected_version=None,
            accepted_by_name=" ",
            opinion="",
        )
    assert set(excinfo.value.message_dict) == {"opinion", "accepted_by_name"}
    url = reverse("ledger:action", args=[task.pk, "accept"])
    response = client_as(personas.office).post(url, {"version": task.version})
    assert response.status_code == 400
    errors = response.context["action_forms"]["accept"].errors
    assert errors["opinion"] == ["请填写验收意见。"]
    assert errors["accepted_by_name"] == ["请填写验收人姓名。"]
    assert state(task) == before


def test_acceptance_keeps_the_opinion_and_the_acceptors_name(personas, task_in, client_as):
    task = task_in(Status.RECHECKED)
    client = client_as(personas.office)
    page = client.get(reverse("ledger:task", args=[task.pk]))
    form = page.context["action_forms"]["accept"]
    assert form.initial["accepted_by_name"] == personas.office.get_full_name()  # prefilled
    url = reverse("ledger:action", args=[task.pk, "accept"])
    posted = {
        "version": task.version,
        "opinion": "整改到位，同意验收。",
        "accepted_by_name": "王建国",
    }
    assert client.post(url, posted).status_code == 302
    task.refresh_from_db()
    assert (task.status, task.accepted_by_name) == (Status.ACCEPTED, "王建国")
    application = task.applications.get()
    assert (application.outcome, application.acceptor_name) == ("accepted", "王建国")
    assert application.acceptance_opinion == "整改到位，同意验收。" and application.decided_at
    html = client.get(reverse("ledger:task", args=[task.pk])).text
    section = html.split('id="applications"')[1].split('id="timeline"')[0]
    assert "整改到位，同意验收。" in section and "王建国" in section
    assert "经现场复查" in section  # the recheck opinion (scenarios.drive), with who and when
    assert "p_sthjj" in section


def test_the_api_asks_for_the_opinions_too(api, task_in):
    task = task_in(Status.ACCEPTANCE_APPLIED)
    path = f"/tasks/{task.pk}/recheck"
    status, body = api.post("department", path, version=task.version, passed=False)
    assert (status, body["code"]) == (400, "invalid") and set(body["fields"]) == {"opinion"}
    status, body = api.post("department", path, version=task.version, passed=False, opinion="不实")
    assert (status, body["status"]) == (200, Status.IN_PROGRESS)
    rechecked = task_in(Status.RECHECKED)
    path = f"/tasks/{rechecked.pk}/accept"
    status, body = api.post("office", path, version=rechecked.version, accepted_by_name="王建国")
    assert (status, body["code"]) == (400, "invalid") and set(body["fields"]) == {"opinion"}
    status, body = api.post("office", path, version=rechecked.version, opinion="同意验收")
    assert set(body["fields"]) == {"accepted_by_name"}
    status, body = api.post(
        "office", path, version=rechecked.version, opinion="同意验收", accepted_by_name="王建国"
    )
    assert (status, body["status"]) == (200, Status.ACCEPTED)


# --- evidence per checklist item ----------------------------------------------------------------


def test_a_checklist_item_without_evidence_is_refused(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    before = state(task)
    files = own_files()
    files.pop("mechanism")
    with pytest.raises(ValidationError) as excinfo:
        apply(personas, task, files)
    assert set(excinfo.value.message_dict) == {"files_mechanism"}
    assert excinfo.value.message_dict["files_mechanism"] == ["请上传该项的佐证材料。"]
    assert state(task) == before


def test_one_file_for_every_item_is_refused_without_a_reason(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    before = state(task)
    with pytest.raises(ValidationError) as excinfo:
        apply(personas, task, one_file_for_all())
    errors = excinfo.value.message_dict
    assert set(errors) == {*(f"files_{i}" for i in ITEMS), "reuse_reason"}
    assert "各项使用了同一文件" in errors["files_measures_done"][0]
    assert state(task) == before and not task.evidence.exists()


def test_one_file_for_two_items_is_refused_for_those_two(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    files = own_files()
    files["mechanism"] = [upload("制度.pdf", "standards_met")]  # the monitoring report again
    with pytest.raises(ValidationError) as excinfo:
        apply(personas, task, files)
    errors = excinfo.value.message_dict
    assert set(errors) == {"files_standards_met", "files_mechanism", "reuse_reason"}
    with translation.override("zh-hans"):
        standards, mechanism = ChecklistItem.STANDARDS_MET.label, ChecklistItem.MECHANISM.label
        assert f"同一文件也用于“{standards}”" in errors["files_mechanism"][0]
        assert f"同一文件也用于“{mechanism}”" in errors["files_standards_met"][0]


def test_one_file_for_every_item_is_accepted_with_a_reason(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    reason = "该项目为单一排口封堵，一份验收报告涵盖全部六项内容。"
    application = apply(personas, task, one_file_for_all(), reuse_reason=reason)
    task.refresh_from_db()
    assert task.status == Status.ACCEPTANCE_APPLIED
    assert application.reuse_reason == reason
    assert application.evidence.count() == 6
    assert len(set(application.evidence.values_list("sha256", flat=True))) == 1


def test_the_form_shows_the_reuse_errors_field_by_field(personas, task_in, client_as):
    task = task_in(Status.IN_PROGRESS)
    task.measures.update(status=MeasureStatus.DONE)
    data = {"version": task.version, "summary": "已完成。"}
    data |= {f"check_{i}": "已落实。" for i in ITEMS}
    data |= {f"files_{i}": files for i, files in one_file_for_all().items()}
    client = client_as(personas.district_a)
    url = reverse("ledger:action", args=[task.pk, "apply_acceptance"])
    response = client.post(url, data)
    assert response.status_code == 400
    form = response.context["action_forms"]["apply_acceptance"]
    assert set(form.errors) == {*(f"files_{i}" for i in ITEMS), "reuse_reason"}
    assert "请说明一份材料用于多项的理由" in form.errors["reuse_reason"][0]
    html = response.text
    assert html.count("各项使用了同一文件") == 6
    task.refresh_from_db()
    assert task.status == Status.IN_PROGRESS
    data |= {f"files_{i}": files for i, files in one_file_for_all().items()}
    data["reuse_reason"] = "一份验收报告涵盖全部六项。"
    assert client.post(url, data).status_code == 302
    task.refresh_from_db()
    assert task.status == Status.ACCEPTANCE_APPLIED
    assert task.applications.get().reuse_reason == "一份验收报告涵盖全部六项。"
    html = client.get(reverse("ledger:task", args=[task.pk])).text
    assert "一份材料用于多项的理由：一份验收报告涵盖全部六项。" in html


def test_the_api_holds_the_same_rules_for_evidence(api, task_in):
    task = task_in(Status.IN_PROGRESS)
    task.measures.update(status=MeasureStatus.DONE)
    fields = {"summary": "已完成。", "version": task.version} | {i: "已落实。" for i in ITEMS}
    same = [(f"files_{i}", f"{i}.pdf", pdf_bytes("同一份"), "application/pdf") for i in ITEMS]
    path = f"/tasks/{task.pk}/apply-acceptance"
    status, body = api.upload("district_a", path, fields, same)
    assert (status, body["code"]) == (400, "invalid")
    assert "reuse_reason" in body["fields"] and "files_lessons_applied" in body["fields"]
    status, body = api.upload("district_a", path, fields, same[:5])  # files_complete missing
    assert status == 400 and "files_files_complete" in body["fields"]
    status, body = api.upload("district_a", path, fields | {"reuse_reason": "一份总报告"}, same)
    assert (status, body["status"]) == (200, Status.ACCEPTANCE_APPLIED)


# --- deadlines ----------------------------------------------------------------------------------


def new_task_post(personas, campaign, **changes):
    data = {
        "campaign": campaign.pk,
        "code": "N-1",
        "title": "新问题",
        "problem": "描述",
        "categories": ["water"],
        "deadline_kind": "dated",
        "deadline": "2026-03-10",
        "lead": personas.unit_department.pk,
        "responsible": [personas.unit_a.pk],
    }
    return data | changes


def test_a_past_deadline_is_refused_at_creation_in_the_form(
    personas, campaign, client_as, ordinary_day
):
    client = client_as(personas.office)
    response = client.post(reverse("ledger:new"), new_task_post(personas, campaign))
    assert response.status_code == 400
    assert response.context["form"].errors["deadline"] == ["整改时限不能早于今天。"]
    assert not Task.objects.filter(code="N-1").exists()
    today = timezone.localdate().isoformat()
    response = client.post(reverse("ledger:new"), new_task_post(personas, campaign, deadline=today))
    assert response.status_code == 302 and Task.objects.filter(code="N-1").exists()


def test_a_past_deadline_is_refused_by_the_api(api, personas, campaign, ordinary_day):
    payload = dict(
        campaign_id=campaign.pk,
        code="API-1",
        title="新问题",
        problem="描述",
        deadline="2026-03-10",
        units=[{"unit_id": personas.unit_a.pk, "role": "implementing"}],
    )
    status, body = api.post("office", "/tasks", **payload)
    assert (status, body["code"]) == (400, "invalid") and set(body["fields"]) == {"deadline"}
    assert not Task.objects.filter(code="API-1").exists()
    status, body = api.post("office", "/tasks", **(payload | {"deadline": "2026-03-11"}))
    assert status == 201
    # Editing the draft's deadline into the past is refused the same way (page or API).
    task = Task.objects.get(code="API-1")
    status, body = api.post("office", f"/tasks/{task.pk}/edit", deadline="2026-03-01")
    assert status == 400 and set(body["fields"]) == {"deadline"}
    task.refresh_from_db()
    assert task.deadline == dt.date(2026, 3, 11)


def test_the_service_still_records_a_historic_overdue_task(personas, campaign, ordinary_day):
    # Imports and scenarios put tasks that were overdue long ago on the ledger.
    task = make_task(
        personas.office, campaign, code="OLD-1", deadline=dt.date(2024, 12, 31), lead=None
    )
    assert task.deadline == dt.date(2024, 12, 31)


def test_after_assignment_the_deadline_moves_only_by_extension(personas, task_in, client_as, api):
    draft = task_in(Status.DRAFT)
    assert "deadline" in forms.EditForm(task=draft).fields
    task = task_in(Status.IN_PROGRESS)
    # The edit form offers no deadline field (and says why).
    assert "deadline" not in forms.EditForm(task=task).fields
    client = client_as(personas.office)
    html = client.get(reverse("ledger:action_form", args=[task.pk, "edit"])).text
    assert 'name="deadline"' not in html and "申请延期" in html
    # A deadline posted anyway is ignored by the form; the task keeps its date.
    deadline = task.deadline
    data = forms.EditForm.initial_for(task)
    data = {k: v for k, v in data.items() if v is not None}
    data |= {"deadline": (deadline + dt.timedelta(days=90)).isoformat(), "title": "改了标题"}
    response = client.post(reverse("ledger:action", args=[task.pk, "edit"]), data)
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.deadline) == ("改了标题", deadline)
    # The service and the API refuse it, pointing to the extension request.
    with pytest.raises(ValidationError) as excinfo:
        services.task_edit(
            actor=personas.office,
            task=task,
            expected_version=None,
            deadline=deadline + dt.timedelta(days=90),
        )
    assert "申请延期" in excinfo.value.message_dict["deadline"][0]
    later = (deadline + dt.timedelta(days=90)).isoformat()
    before = state(task)
    status, body = api.post("office", f"/tasks/{task.pk}/edit", deadline=later)
    assert (status, body["code"]) == (400, "invalid")
    assert "申请延期" in body["fields"]["deadline"][0]
    assert state(task) == before
    # Sending the same date back is no change, and no refusal.
    status, body = api.post("office", f"/tasks/{task.pk}/edit", deadline=deadline.isoformat())
    assert status == 200


# --- scope --------------------------------------------------------------------------------------


def test_another_districts_user_gets_404_on_the_gates(personas, task_in, api, client_as):
    applied, rechecked, working = (
        task_in(Status.ACCEPTANCE_APPLIED),
        task_in(Status.RECHECKED),
        task_in(Status.IN_PROGRESS),
    )
    before = [state(t) for t in (applied, rechecked, working)]
    client = client_as(personas.district_b)
    posts = [
        (applied, "recheck", {"passed": "0", "opinion": "试探"}),
        (rechecked, "accept", {"opinion": "试探", "accepted_by_name": "冒名"}),
        (working, "apply_acceptance", {"summary": "试探", "reuse_reason": "试探"}),
        (working, "edit", {"title": "试探"}),
    ]
    for task, action, data in posts:
        url = reverse("ledger:action", args=[task.pk, action])
        assert client.post(url, {"version": task.version, **data}).status_code == 404, action
    status, body = api.post(
        "district_b", f"/tasks/{applied.pk}/recheck", passed=False, opinion="试探"
    )
    assert (status, body["code"]) == (404, "not_found")
    status, body = api.post(
        "district_b", f"/tasks/{rechecked.pk}/accept", opinion="试探", accepted_by_name="冒名"
    )
    assert (status, body["code"]) == (404, "not_found")
    fields = {"summary": "试探", "reuse_reason": "试探"} | {i: "试探" for i in ITEMS}
    status, body = api.upload("district_b", f"/tasks/{working.pk}/apply-acceptance", fields)
    assert (status, body["code"]) == (404, "not_found")
    status, body = api.post("district_b", f"/tasks/{working.pk}/edit", deadline="2099-01-01")
    assert (status, body["code"]) == (404, "not_found")
    assert [state(t) for t in (applied, rechecked, working)] == before


# --- confirmation of irreversible steps --------------------------------------------------------


def test_irreversible_steps_carry_a_confirmation(personas, task_in, client_as):
    draft = task_in(Status.DRAFT)
    html = client_as(personas.office).get(reverse("ledger:task", args=[draft.pk])).text
    form_tag = html.split('id="form-assign"')[1].split(">")[0]
    assert 'data-confirm="任务将交办给各责任单位' in form_tag and "不可撤销" in form_tag
    assert 'src="/static/js/confirm.js"' in html and 'id="confirm-modal"' in html
    assert "data-confirm" not in html.split('id="form-withdraw"')[1].split(">")[0]
    rechecked = task_in(Status.RECHECKED)
    html = client_as(personas.office).get(reverse("ledger:task", args=[rechecked.pk])).text
    assert "data-confirm" in html.split('id="form-accept"')[1].split(">")[0]
    assert "data-confirm" not in html.split('id="form-return"')[1].split(">")[0]


def test_closing_and_publishing_a_case_ask_first_too(personas, client_as):
    # The same data-confirm on the complaints' irreversible steps (办结, 公开).
    from shanshui.complaints.models import Status as CaseStatus
    from shanshui.complaints.scenarios import drive_case, make_report

    case = make_report(district=personas.unit_a)
    kwargs = dict(office=personas.office, handler=personas.district_a, unit=personas.unit_a)
    drive_case(case, CaseStatus.HANDLED, **kwargs)
    client = client_as(personas.district_a)
    html = client.get(reverse("complaints:case", args=[case.pk])).text
    assert "data-confirm=" in html.split('id="form-close"')[1].split(">")[0]
    drive_case(case, CaseStatus.CLOSED, **kwargs)
    html = client.get(reverse("complaints:case", args=[case.pk])).text
    tag = html.split('id="form-publish"')[1].split(">")[0]
    assert 'data-confirm="办理结果将向社会公开。此操作不可撤销。"' in tag


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(bool(chromium_or_skip_reason()), reason=chromium_or_skip_reason() or "")
def test_the_confirmation_dialog_asks_and_cancel_submits_nothing(live_server, personas, task_in):
    task = task_in(Status.DRAFT)
    session = Client()
    session.force_login(personas.office)
    url = f"{live_server.url}/ledger/tasks/{task.pk}/"
    with translation.override("zh-hans"):
        message = str(rules.ACTIONS["assign"].confirm)
    from playwright.sync_api import expect

    with launch_chromium() as browser:
        for width, height in ((1280, 900), (390, 844)):
            context = browser.new_context(
                viewport={"width": width, "height": height}, locale="zh-CN"
            )
            context.add_cookies(
                [
                    {
                        "name": "sessionid",
                        "value": session.cookies["sessionid"].value,
                        "url": live_server.url,
                    }
                ]
            )
            page = context.new_page()
            page.goto(url)
            form = page.locator("#form-assign")
            form.wait_for(state="visible")  # the primary card is open
            dialog = page.locator("#confirm-modal")
            # Cancel with the button: nothing is posted, the page stays.
            form.locator("button[type=submit]").click()
            dialog.wait_for(state="visible")
            assert dialog.locator("#confirm-modal-text").inner_text() == message
            # Once shown, the focus is on 取消, the harmless choice.
            expect(page.locator("#confirm-modal [data-confirm-cancel]")).to_be_focused()
            assert dialog.get_attribute("role") == "alertdialog"
            page.screenshot(path=f"/tmp/shots/gates-confirm-{width}.png")
            dialog.locator("[data-confirm-cancel]").click()
            dialog.wait_for(state="hidden")
            assert page.url == url and _status(task) == Status.DRAFT
            # The focus comes back to the form's button.
            expect(form.locator("button[type=submit]")).to_be_focused()
            # Cancel with the keyboard: Esc.
            form.locator("button[type=submit]").focus()
            page.keyboard.press("Enter")
            dialog.wait_for(state="visible")
            expect(page.locator("#confirm-modal [data-confirm-cancel]")).to_be_focused()
            page.keyboard.press("Escape")
            dialog.wait_for(state="hidden")
            assert page.url == url and _status(task) == Status.DRAFT
            # The focus comes back to the form's button.
            expect(form.locator("button[type=submit]")).to_be_focused()
            context.close()
        # Confirm: the form is posted, once.
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": session.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        page.goto(url)
        page.locator("#form-assign button[type=submit]").click()
        page.locator("#confirm-modal").wait_for(state="visible")
        expect(page.locator("#confirm-modal [data-confirm-cancel]")).to_be_focused()
        with page.expect_navigation():
            page.locator("#confirm-modal [data-confirm-ok]").press("Enter")
        assert "#timeline" in page.url
        assert _status(task) == Status.ASSIGNED
        assert task.events.filter(kind=EventKind.ASSIGNED).count() == 1


def _status(task: Task) -> str:
    task.refresh_from_db()
    return task.status
