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


# One Chromium per test process, shared by consecutive browser tests (each test gets its own
# contexts, closed after it): starting Playwright's driver and the browser cost about a second
# each time. close_shared() stops it when the next test is not a browser test (conftest).
_shared: list = []  # [playwright, browser] while running


def _browser():
    if _shared and _shared[1].is_connected():
        return _shared[1]
    close_shared()
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    _shared[:] = [playwright, browser]
    return browser


def close_shared() -> None:
    if not _shared:
        return
    playwright, browser = _shared
    _shared.clear()
    with contextlib.suppress(Exception):
        browser.close()
    with contextlib.suppress(Exception):
        playwright.stop()


# Chromium reports every blocked script, style or connection on the console ("Refused to …
# because it violates the following Content Security Policy directive").
POLICY_WORDS = ("Content Security Policy", "Content-Security-Policy")


class PolicyViolations(AssertionError):
    pass


class _WatchedBrowser:
    """The shared browser as a test sees it: every context it opens is watched for
    Content-Security-Policy violations and closed when the test's ``with`` block ends."""

    def __init__(self, browser) -> None:
        self._browser = browser
        self.contexts: list = []
        self.violations: list[str] = []

    def _watch(self, context):
        def console(message):
            if any(word in message.text for word in POLICY_WORDS):
                url = message.page.url if message.page else "?"
                self.violations.append(f"{url}: {message.text}")

        context.on("console", console)
        self.contexts.append(context)
        return context

    def new_context(self, **options):
        return self._watch(self._browser.new_context(**options))

    def new_page(self, **options):
        context = self.new_context(**options)
        return context.new_page()

    def __getattr__(self, name):
        return getattr(self._browser, name)


@contextlib.contextmanager
def launch_chromium(*, allow_policy_violations: bool = False) -> Iterator:
    """Debian's Chromium for one test. Every page the test opens must load and work without a
    Content-Security-Policy violation (the policy forbids inline script and style): a violation
    fails the test, unless it says ``allow_policy_violations``."""
    watched = _WatchedBrowser(_browser())
    failed = False
    try:
        yield watched
    except BaseException:
        failed = True
        raise
    finally:
        for context in watched.contexts:
            with contextlib.suppress(Exception):
                context.close()
        if watched.violations and not failed and not allow_policy_violations:
            raise PolicyViolations(
                "Content-Security-Policy violations:\n" + "\n".join(watched.violations)
            )
