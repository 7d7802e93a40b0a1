from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Tests run with DEBUG off and no `collectstatic`, so the manifest storage has no manifest to read."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
