from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory, make_project


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
