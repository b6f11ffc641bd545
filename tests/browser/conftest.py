"""Browser fixtures: Debian chromium driven by Playwright against pytest-django's live server.

Playwright's sync API runs an event loop in the test thread, so Django's async-safety check
would refuse ORM calls from the test; the live server runs in its own thread anyway.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("KNOOPPUNT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Dutch visitors are the audience; the browser says so, like a Dutch desktop would.
CONTEXT_OPTIONS: dict[str, Any] = {
    "locale": "nl-NL",
    "viewport": {"width": 1280, "height": 900},
    "timezone_id": "Europe/Amsterdam",
}
TIMEOUT_MS = 10_000

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: install Debian's chromium package to run browser tests"
        if _on_ci():
            pytest.fail(f"{reason} (CI is set, so browser tests must run)", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


class ConsoleLog(list[str]):
    """Console errors, uncaught page errors and failed requests (4xx/5xx) seen by one page.

    CSP violations are reported as console errors, so they land here too. The browser's own
    /favicon.ico probe is ignored: it is not a request the product makes.
    """

    IGNORED_PATHS = ("/favicon.ico",)

    def watch(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.append(f"pageerror: {exc}"))
        page.on("response", self._response)

    def _console(self, msg: Any) -> None:
        # A failed load is logged without its URL; `_response` records it with the URL.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.append(f"console: {msg.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and not urlsplit(response.url).path.endswith(self.IGNORED_PATHS):
            self.append(f"HTTP {response.status}: {response.request.method} {response.url}")


def _new_page(browser: Any, **options: Any) -> tuple[Any, Any]:
    context = browser.new_context(**{**CONTEXT_OPTIONS, **options})
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def page_errors() -> ConsoleLog:
    """Console errors of the `page` fixture; a test may assert it stays empty."""
    return ConsoleLog()


@pytest.fixture
def page(browser: Any, live_server: Any, page_errors: ConsoleLog) -> Iterator[Any]:
    """A fresh context (no cookies) and page with JavaScript on, Dutch browser locale."""
    context, page = _new_page(browser)
    page_errors.watch(page)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def nojs_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A second, separate context with JavaScript disabled."""
    context, page = _new_page(browser, java_script_enabled=False)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def login(live_server: Any) -> Any:
    """Log a page in through the real login form: `login(page, "redacteur@example.nl")`."""
    from tests.conftest import PASSWORD

    def do_login(page: Any, email: str, password: str = PASSWORD) -> None:
        page.goto(live_server.url + "/account/inloggen/")
        page.fill("#id_username", email)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.locator("main form.stacked button[type=submit]").click()
        assert "/account/inloggen/" not in page.url, f"login failed for {email}: {page.url}"

    return do_login


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
