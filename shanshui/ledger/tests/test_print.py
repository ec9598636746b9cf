"""The task's A4 sheets for the paper file: 办理单 and 销号审批表 — scoped like the task page,
with the fields offices file, and printable: Chromium's PDF of each is one or two A4 pages."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from shanshui.ledger.models import Status
from shanshui.ledger.scenarios import make_task
from shanshui.testing.browser import chromium_or_skip_reason, launch_chromium
from shanshui.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def sheet(pk):
    return reverse("ledger:print_sheet", args=[pk])


def sign_off(pk):
    return reverse("ledger:print_sign_off", args=[pk])


def test_the_handling_sheet_holds_what_offices_file(personas, task_in, client_as):
    task = task_in(Status.IN_PROGRESS)
    response = client_as(personas.district_a).get(sheet(task.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "生态环境保护督察整改任务办理单" in html
    for text in [
        task.code,
        task.title,
        "督察发现部分点位仍有污水直排",
        "排查问题清单",
        "建立长效机制",
    ]:
        assert text in html, text
    # Units by role, each with its own leader; a line for each hand signature.
    assert "重庆市万州区" in html and "周强（副区长）" in html
    assert "重庆市生态环境局" in html and "张伟（副局长）" in html
    assert "承办人（签字）" in html and html.count('class="line') >= 4
    # A page of its own: no navigation of the site around it.
    assert "navbar" not in html and "@page" not in html  # the A4 rules live in the stylesheet
    assert "css/print-sheet.css" in html


def test_the_sign_off_form_carries_the_gates(personas, task_in, client_as):
    task = task_in(Status.IN_PUBLIC_NOTICE)
    application = task.applications.get()
    html = client_as(personas.office).get(sign_off(task.pk)).content.decode()
    assert "生态环境保护督察整改任务销号审批表" in html
    assert application.summary in html
    for item in application.checklist.values():  # the six statements and their files
        assert item in html
    assert "监测报告.pdf" in html
    if application.recheck_opinion:
        assert application.recheck_opinion in html
    assert (application.acceptor_name or task.accepted_by_name) in html
    assert task.notice_start.isoformat() in html and task.notice_end.isoformat() in html
    assert "市督察整改办负责人（签字、盖章）" in html


def test_print_views_are_scoped_like_the_task(personas, task_in, campaign, client_as):
    own = task_in(Status.ACCEPTED)
    other = make_task(personas.office, campaign, code="B-1", implementing=personas.unit_b)
    district_b = client_as(personas.district_b)
    assert district_b.get(sheet(own.pk)).status_code == 404
    assert district_b.get(sign_off(own.pk)).status_code == 404
    assert client_as(personas.district_a).get(sheet(other.pk)).status_code == 404
    assert client_as(personas.citizen).get(sheet(own.pk)).status_code == 404
    assert client_as(personas.district_a).get(sign_off(own.pk)).status_code == 200


def test_the_task_page_links_to_its_sheets(personas, task_in, client_as):
    working, accepted = task_in(Status.IN_PROGRESS), task_in(Status.ACCEPTED)
    client = client_as(personas.office)
    html = client.get(reverse("ledger:task", args=[working.pk])).content.decode()
    assert sheet(working.pk) in html and "打印办理单" in html
    assert "打印销号审批表" not in html
    # No application for acceptance yet: no sign-off form to print.
    assert client.get(sign_off(working.pk)).status_code == 404
    html = client.get(reverse("ledger:task", args=[accepted.pk])).content.decode()
    assert sign_off(accepted.pk) in html and "打印销号审批表" in html


# --- printed by Chromium ------------------------------------------------------------------------


def _pdf_facts(path: Path) -> tuple[int, list[tuple[float, float]], str]:
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "9", str(path)], capture_output=True, text=True, check=True
    ).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    sizes = [
        (float(w), float(h))
        for w, h in re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    ]
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return pages, sizes, text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(bool(chromium_or_skip_reason()), reason=chromium_or_skip_reason() or "")
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is missing")
def test_both_sheets_print_on_a4(personas, task_in, live_server, tmp_path):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    task = task_in(Status.IN_PUBLIC_NOTICE, title="长江支流入河排污口整治不到位")
    shots = Path(os.environ.get("SHANSHUI_SCREENSHOTS", "/tmp/shots"))
    shots.mkdir(parents=True, exist_ok=True)
    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", personas.district_a.username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        for name, url, title in [
            ("sheet", sheet(task.pk), "生态环境保护督察整改任务办理单"),
            ("sign-off", sign_off(task.pk), "生态环境保护督察整改任务销号审批表"),
        ]:
            page.goto(live_server.url + url)
            page.screenshot(path=str(shots / f"print-{name}-1280.png"), full_page=True)
            pdf = tmp_path / f"{name}.pdf"
            page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=False)
            pages, sizes, text = _pdf_facts(pdf)
            assert 1 <= pages <= 2, (name, pages)
            for width, height in sizes:  # A4: 595 × 842 pt
                assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2, (name, width, height)
            flat = re.sub(r"\s+", "", text)
            assert title in flat and task.title in flat and task.code in flat, name
            assert "打印" not in flat.split(title)[0]  # the toolbar stays off the paper
