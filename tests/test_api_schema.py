"""The OpenAPI schema is part of the product: it must generate cleanly and Swagger UI must work offline."""

from __future__ import annotations

import re

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    GENERATOR_STATS.reset()
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return generated, GENERATOR_STATS


def test_schema_is_valid_openapi_without_generator_warnings(schema):
    generated, stats = schema
    validate_schema(generated)
    assert not stats._warn_cache, sorted(stats._warn_cache)
    assert not stats._error_cache, sorted(stats._error_cache)


def test_schema_documents_every_project_endpoint(schema):
    generated, _ = schema
    paths = set(generated["paths"])
    for path in [
        "/api/v1/projects/",
        "/api/v1/projects/{id}/",
        "/api/v1/projects/{project_pk}/classes/{id}/",
        "/api/v1/projects/{project_pk}/members/",
        "/api/v1/projects/{project_pk}/items/",
        "/api/v1/projects/{project_pk}/items/random-split/",
        "/api/v1/auth/token/",
    ]:
        assert path in paths, path


def test_schema_endpoint_serves_yaml(manager_api):
    response = manager_api.get("/api/schema/")
    assert response.status_code == 200
    assert b"openapi: 3" in response.content


def test_swagger_ui_loads_its_assets_from_this_server(client, manager):
    client.force_login(manager)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(not s.startswith(("http://", "https://", "//")) for s in sources), sources
    assert not re.search(r"<script>(?!\s*</script>)", html), "inline script would break the CSP"
