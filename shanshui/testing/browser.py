"""Launching Debian's Chromium for browser tests. Playwright never downloads a browser here."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator

CHROMIUM = os.environ.get("SHANSHUI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_or_skip_reason() -> str | None:
    """None when browser tests can run; otherwise why not (CI installs Chromium, so CI runs them).

    Set SHANSHUI_REQUIRE_BROWSER=1 to turn a missing browser into a failure instead of a skip.
    """
    if os.path.exists(CHROMIUM) or shutil.which(CHROMIUM):
        return None
    reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium fonts-wqy-microhei)"
    if os.environ.get("SHANSHUI_REQUIRE_BROWSER") == "1":
        raise RuntimeError(reason)
    return reason


@contextlib.contextmanager
def launch_chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
