"""The browser fixtures of tests/e2e (Chromium, `page`, `logged_in_page`), for the experiment pages' tests."""

from tests.e2e.conftest import (  # noqa: F401  (pytest finds fixtures and hooks by name in a conftest)
    _fresh_login_throttle,
    _plain_static_files,
    logged_in_page,
    page,
    pytest_runtest_makereport,
)
