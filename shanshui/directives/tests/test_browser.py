"""In a real browser, as the office: upload a speech saved in GB18030, review its directives,
make the tasks (through the confirmation), and find the sentence on the task's page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shanshui.directives.models import Document
from shanshui.ledger.models import Task
from shanshui.orgs.demo import DEMO_PASSWORD, load_demo
from shanshui.testing.browser import chromium_or_skip_reason, launch_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(chromium_or_skip_reason()), reason=chromium_or_skip_reason() or ""),
]

# The test reads the database between browser steps; Playwright's sync API runs an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
SHOTS = Path(os.environ.get("SHANSHUI_SHOTS", "/tmp/shots"))
SPEECH = (
    "全市生态环境保护工作会议召开\n"
    "张三在讲话中指出，要更大力度抓好“双碳”工作，坚决遏制高耗能高排放项目盲目发展。\n"
    "李四强调，要深入打好碧水保卫战，推进长江生态环境保护修复。"
)


def test_from_upload_to_tasks(live_server, tmp_path: Path):
    load_demo()
    SHOTS.mkdir(parents=True, exist_ok=True)
    speech = tmp_path / "讲话.txt"
    speech.write_bytes(SPEECH.encode("gb18030"))
    with launch_chromium() as browser:
        for width, height in ((1280, 900), (390, 844)):
            context = browser.new_context(
                viewport={"width": width, "height": height}, locale="zh-CN"
            )
            page = context.new_page()
            page.goto(live_server.url + "/login/")
            page.fill("#id_username", "office")
            page.fill("#id_password", DEMO_PASSWORD)
            with page.expect_navigation():
                page.click("button[type=submit]")
            page.goto(live_server.url + "/directives/new/")
            page.fill("#id_meeting_name", f"全市生态环境保护工作会议{width}")
            page.fill("#id_meeting_date", "2026-02-23")
            page.set_input_files("#id_upload", str(speech))
            with page.expect_navigation():
                page.click("text=读取文档")
            assert "识别出 2 条部署事项" in page.content()
            page.screenshot(path=str(SHOTS / f"directives-document-{width}.png"), full_page=True)
            document = Document.objects.order_by("-pk").first()
            assert document.encoding == "gb18030"
            for d in document.directives.order_by("number"):
                card = page.locator(f"#d{d.pk}")
                card.locator("summary").click()
                card.locator(f"#id_d{d.pk}-deadline").fill("2027-06-30")
                with page.expect_navigation():
                    card.locator("button:has-text('保存')").click()
                assert "已保存" in page.content()
            page.click("button:has-text('生成 2 项任务')")
            page.wait_for_selector("[data-confirm-ok]", state="visible")
            with page.expect_navigation():
                page.click("[data-confirm-ok]")
            assert "生成 2 项草稿任务" in page.content()
            first = document.directives.get(number=1)
            task = Task.objects.get(directive=first)
            assert task.title == "更大力度抓好“双碳”工作"
            page.screenshot(path=str(SHOTS / f"directives-committed-{width}.png"), full_page=True)
            with page.expect_navigation():
                page.click(f"a:has-text('{task.code}')")
            assert "来源：会议部署事项" in page.content()
            assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
            context.close()
