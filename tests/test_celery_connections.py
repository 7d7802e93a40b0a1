"""Workers keep their database connection between tasks, and drop one a previous task left broken."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest

# config/__init__.py exports the app itself as `celery_app`; this is the module.
celery_app = importlib.import_module("config.celery_app")


class FakeConnection:
    def __init__(self, *, open_: bool = True, autocommit: bool = True, usable: bool = True) -> None:
        self.connection = object() if open_ else None
        self.settings_dict = {"AUTOCOMMIT": True}
        self._autocommit = autocommit
        self._usable = usable
        self.closed = False

    def get_autocommit(self) -> bool:
        return self._autocommit

    def is_usable(self) -> bool:
        return self._usable

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_connections(monkeypatch) -> dict[str, FakeConnection]:
    import django.db

    fakes = {
        "healthy": FakeConnection(),
        "unusable": FakeConnection(usable=False),
        "left_in_a_transaction": FakeConnection(autocommit=False),
        "never_opened": FakeConnection(open_=False, usable=False),
    }

    class Handler:
        def all(self, initialized_only: bool = False) -> list[Any]:
            return list(fakes.values())

    monkeypatch.setattr(django.db, "connections", Handler())
    return fakes


def task(*, eager: bool) -> Any:
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


def test_the_worker_reuses_connections_for_the_configured_number_of_tasks(settings):
    assert celery_app.app.conf.get("CELERY_DB_REUSE_MAX") == settings.CELERY_DB_REUSE_MAX > 0


def test_before_a_task_only_broken_connections_are_closed(fake_connections):
    celery_app._drop_broken_database_connections(task=task(eager=False))

    assert {name for name, fake in fake_connections.items() if fake.closed} == {"unusable", "left_in_a_transaction"}


def test_an_eager_task_leaves_its_callers_connection_alone(fake_connections):
    celery_app._drop_broken_database_connections(task=task(eager=True))

    assert not any(fake.closed for fake in fake_connections.values())
