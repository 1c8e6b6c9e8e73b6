"""Headless Chromium through Playwright, using Debian's browser (no browser download here)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# As in the machine notes: without the background-networking flags Chromium tries to reach
# Google's hosts at start and shows up as requests to other hosts.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("BROWSER_TESTS_REQUIRED") == "1":
            pytest.fail(f"Browser tests are required but {CHROMIUM} is missing.")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
    # the test itself (fixtures, assertions) are still synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class PageWatch:
    """Everything a page did that a visitor should never see: errors and foreign requests."""

    def __init__(self, page: Any, allowed_host: str) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.foreign_requests: list[str] = []
        self.failed_responses: list[str] = []
        self._host = allowed_host
        self._page = page
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("request", self._on_request)
        page.on("response", self._on_response)

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _on_request(self, request: Any) -> None:
        url: str = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        from urllib.parse import urlsplit

        if urlsplit(url).hostname != self._host:
            self.foreign_requests.append(url)

    def _on_response(self, response: Any) -> None:
        if response.status >= 400:
            self.failed_responses.append(f"{response.status} {response.url}")

    def assert_accessible(self) -> None:
        """axe-core (bundled in axe-playwright-python, injected locally) finds no serious or
        critical WCAG 2.2 A/AA violation on the current page."""
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self._page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        serious = [
            f"{violation['id']}: {[node['target'] for node in violation['nodes']]}"
            for violation in results.response["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
        assert serious == []

    def assert_clean(self) -> None:
        assert self.console_errors == []
        assert self.page_errors == []
        assert self.foreign_requests == []
        assert self.failed_responses == []


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.watch = PageWatch(page, "127.0.0.1")
    page.set_default_timeout(15_000)
    yield page
    context.close()
