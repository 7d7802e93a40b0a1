from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.servers.basehttp import WSGIServer
from rest_framework.test import APIClient

from tests.factories import UserFactory, make_project

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class _SerialWSGIServer(WSGIServer):
    """A live server that answers one request at a time (and closes each connection, which Django does for
    servers without threads). Used on in-memory SQLite, whose one connection every request thread shares:
    two requests at once can deadlock inside sqlite3 when one runs a Python SQL function (Django's date
    functions) while the other holds the GIL waiting for the connection's mutex."""

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def _serial_live_server_on_in_memory_sqlite() -> Iterator[None]:
    from django.db import connection
    from django.test.testcases import LiveServerThread

    # SQLite test databases are in memory unless TEST NAME names a file (this runs before the test database exists).
    if connection.vendor != "sqlite" or connection.settings_dict["TEST"].get("NAME"):
        yield
        return
    threaded = LiveServerThread.server_class
    LiveServerThread.server_class = _SerialWSGIServer  # type: ignore[assignment]
    yield
    LiveServerThread.server_class = threaded


# The browser fixtures are session-wide and live here, not in a directory's conftest: a conftest that imported
# them would define a second session fixture, and a second sync_playwright() cannot start beside the first.
@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"No Chromium at {CHROMIUM}: install Debian's chromium package (`make browser`) or set CHROMIUM_PATH."
        )
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # PBKDF2 is slow on purpose; tests create many users and prove nothing about hashing cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api():
    """An API client; call `api.force_authenticate(user)` or use `client_for(user)`."""
    return APIClient()


@pytest.fixture
def client_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def manager(db):
    return UserFactory(username="manager")


@pytest.fixture
def project(manager):
    return make_project(manager=manager, name="Pets")


@pytest.fixture
def manager_api(client_for, manager):
    return client_for(manager)
