"""Unit pickers on the ledger's forms: grouped selects that post unit ids as before, turned by
static/js/unit-picker.js into a search box over 区县 / 市级部门 / 开发区 with select-all per
group."""

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse

from shanshui.ledger import forms
from shanshui.ledger.models import Status, Task, UnitRole
from shanshui.orgs.models import Unit
from shanshui.orgs.widgets import UnitsPicker, search_keys
from shanshui.testing.browser import chromium_or_skip_reason, launch_chromium
from shanshui.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def test_search_keys_hold_names_pinyin_and_initials():
    keys = search_keys("万州区", "重庆市万州区").split()
    assert {"万州区", "wanzhouqu", "wzq", "重庆市万州区", "chongqingshiwanzhouqu"} <= set(keys)
    assert "wsjkq" in search_keys("万盛经开区")


def test_the_unit_fields_are_grouped_pickers(personas):
    form = forms.TaskForm()
    html = str(form["implementing"])
    assert "data-unit-picker" in html and "multiple" in html
    labels = re.findall(r'<optgroup label="([^"]+)"', html)
    assert labels == ["区县", "市级部门", "开发区、管委会"]
    zones = html.split('<optgroup label="开发区、管委会">')[1].split("</optgroup>")[0]
    assert "重庆高新区" in zones and "万盛经开区" in zones and "万州区" not in zones
    wanzhou = re.search(r"<option[^>]*>万州区</option>", html).group(0)
    assert 'data-search="' in wanzhou and "wzq" in wanzhou
    # The single ones keep their empty choice first, outside the groups.
    lead = str(form["lead"])
    assert lead.index('value=""') < lead.index("<optgroup")
    assert isinstance(forms.SplitForm().fields["units"].widget, UnitsPicker)


def test_the_form_still_takes_the_posted_ids(personas, campaign, client_as, in_days):
    zones = list(Unit.objects.filter(key__in=["cq-hi-tech-zone", "cq-wansheng"]))
    ids = [u.pk for u in zones] or [personas.unit_a.pk]
    data = {
        "campaign": campaign.pk,
        "code": "P-1",
        "title": "开发区工业园区污水管网整治",
        "problem": "园区雨污管网混接。",
        "categories": ["water"],
        "deadline_kind": "dated",
        "deadline": in_days(90).isoformat(),
        "is_public": "on",
        "lead": personas.unit_department.pk,
        "implementing": [personas.unit_a.pk, personas.unit_b.pk],
    }
    form = forms.TaskForm(data)
    assert form.is_valid(), form.errors
    assert set(form.cleaned_data["implementing"]) == {personas.unit_a, personas.unit_b}
    bad = forms.TaskForm({**data, "implementing": ["99999999", "x"]})
    assert not bad.is_valid() and "implementing" in bad.errors
    # Through the page: the same values as the plain select posted.
    response = client_as(personas.office).post(reverse("ledger:new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    task = Task.objects.get(code="P-1")
    assert set(
        task.task_units.filter(role=UnitRole.IMPLEMENTING).values_list("unit_id", flat=True)
    ) == {personas.unit_a.pk, personas.unit_b.pk}
    assert ids


def test_the_split_card_posts_ids_through_its_picker(personas, task_in, client_as):
    task = task_in(Status.DRAFT)
    html = client_as(personas.office).get(reverse("ledger:task", args=[task.pk])).content
    assert b'name="units"' in html and b"data-unit-picker" in html
    response = client_as(personas.office).post(
        reverse("ledger:action", args=[task.pk, "split"]),
        {"version": task.version, "units": [personas.unit_a.pk, personas.unit_b.pk]},
    )
    assert response.status_code == 302
    assert task.shares.count() == 2


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(bool(chromium_or_skip_reason()), reason=chromium_or_skip_reason() or "")
def test_typing_filters_and_a_group_is_chosen_at_once(
    personas, campaign, task_in, live_server, in_days
):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    shots = Path(os.environ.get("SHANSHUI_SCREENSHOTS", "/tmp/shots"))
    shots.mkdir(parents=True, exist_ok=True)
    zones = set(Unit.objects.filter(kind="zone").current().values_list("pk", flat=True))
    assert len(zones) == 2
    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", personas.office.username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        page.goto(live_server.url + reverse("ledger:new"))
        picker = page.locator('.unit-picker[data-for="implementing"]')
        assert picker.is_visible() and not page.locator("#id_implementing").is_visible()
        search = picker.locator("input[type=search]")

        def shown() -> list[str]:
            return [
                t.strip()
                for t in picker.locator("label.form-check:visible").all_inner_texts()
                if t.strip()
            ]

        search.fill("万州")
        assert shown() == ["万州区"]
        search.fill("wansheng")  # pinyin
        assert shown() == ["万盛经开区"]
        search.fill("wzq")  # pinyin initials
        assert shown() == ["万州区"]
        search.fill("wsj")  # letters match the start of a name, with or without 市
        assert set(shown()) == {"万盛经开区", "市卫生健康委"}
        search.fill("")
        group = picker.locator('details[data-group="开发区、管委会"]')
        group.locator(".unit-picker-all").click()
        chosen = page.eval_on_selector(
            "#id_implementing", "s => Array.from(s.selectedOptions).map(o => Number(o.value))"
        )
        assert set(chosen) == zones
        assert "重庆高新区" in picker.locator(".unit-picker-summary").inner_text()
        page.screenshot(path=str(shots / "unit-picker-1280.png"), full_page=True)
        picker.screenshot(path=str(shots / "unit-picker-1280-field.png"))
        # The form posts the picked units.
        page.select_option("#id_campaign", str(campaign.pk))
        page.fill("#id_code", "ZONE-1")
        page.fill("#id_title", "开发区工业园区污水管网整治")
        page.fill("#id_problem", "园区雨污管网混接。")
        page.locator("input[name=categories][value=water]").check()
        page.fill("#id_deadline", in_days(90).isoformat())
        with page.expect_navigation():
            page.locator("form button[type=submit]").last.click()
        task = Task.objects.get(code="ZONE-1")
        assert (
            set(
                task.task_units.filter(role=UnitRole.IMPLEMENTING).values_list("unit_id", flat=True)
            )
            == zones
        )
        # The edit card comes later, through htmx: its pickers show the task's units.
        draft = task_in(Status.DRAFT)
        page.goto(live_server.url + reverse("ledger:task", args=[draft.pk]))
        page.locator("details[hx-get*='/edit/'] > summary").click()
        edit = page.locator('#form-edit .unit-picker[data-for="implementing"]')
        edit.wait_for(state="visible")
        assert "万州区" in edit.locator(".unit-picker-summary").inner_text()
        assert (
            edit.locator("label.form-check:visible", has_text="万州区")
            .locator("input")
            .is_checked()
        )
        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        phone.context.add_cookies(page.context.cookies())
        phone.goto(live_server.url + reverse("ledger:new"))
        phone.locator('.unit-picker[data-for="implementing"] input[type=search]').fill("区")
        phone.screenshot(path=str(shots / "unit-picker-390.png"), full_page=True)
        phone.locator('.unit-picker[data-for="implementing"]').screenshot(
            path=str(shots / "unit-picker-390-field.png")
        )
