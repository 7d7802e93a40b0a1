"""Playwright fixtures for end-to-end tests in a real Chromium (Debian's, at /usr/bin/chromium).

Every project test that drives a browser uses these: `page` (a fresh context per test, screenshot in
test-artifacts/ when the test fails, uncaught page errors fail the test) and `logged_in_page(user)` (logs in
through the real form), on the session's `browser` from tests/conftest.py (there so that every directory shares
one instance: a second `sync_playwright()` cannot start beside the first). Mark tests `@pytest.mark.e2e`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

# Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls from it
# ("SynchronousOnlyOperation") although nothing here is async. Tests and fixtures still use the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, Page

from tests.factories import PASSWORD

ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS_DIR", "test-artifacts"))
VIEWPORT = {"width": 1280, "height": 900}


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the test item, so `page` knows at teardown whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(autouse=True)
def _plain_static_files(settings) -> None:
    """No `collectstatic` in tests: serve static files from the apps (the live server finds them)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_login_throttle() -> None:
    # Every test logs in from 127.0.0.1; the login throttle must not carry over between tests.
    cache.delete("login-attempts:127.0.0.1")


def artifact_name(node_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", node_name)[:180]


@pytest.fixture
def page(browser: Browser, live_server, transactional_db, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context on the live server; uncaught script errors fail the test."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is None or report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{artifact_name(request.node.name)}.png"), full_page=True)
        except Exception as error:  # a crashed page must not hide the test's own failure
            print(f"Could not save a screenshot: {error}")
    context.close()
    assert not page_errors, f"Uncaught errors in the page: {page_errors}"


@pytest.fixture
def logged_in_page(page: Page) -> Callable[..., Page]:
    """`logged_in_page(user)` logs the user in through the login form and returns the page."""

    def log_in(user, password: str = PASSWORD) -> Page:
        page.goto("/login/")
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/(\?.*)?$"))
        return page

    return log_in
