"""Export and import endpoints in the permission matrix: every role, outsiders 404, anonymous refused.

Exports are for managers, reviewers and viewers — not annotators, who never see other annotators' work;
imports are for managers only.
"""

from __future__ import annotations

import pytest

from projects.models import Role
from tests.test_permission_matrix import MANAGER, Endpoint, assert_role_outcome, call, world  # noqa: F401  (world is a fixture)

pytestmark = pytest.mark.django_db

EXPORTERS = frozenset({Role.MANAGER, Role.REVIEWER, Role.VIEWER})

ENDPOINTS = [
    Endpoint("export create", "post", "/api/v1/projects/{project}/exports/", EXPORTERS, lambda w: {"format": "coco"}),
    Endpoint("export list", "get", "/api/v1/projects/{project}/exports/", EXPORTERS),
    Endpoint("import create", "post", "/api/v1/projects/{project}/imports/", MANAGER, lambda w: {"format": "coco"}),
    Endpoint("import list", "get", "/api/v1/projects/{project}/imports/", MANAGER),
]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@pytest.mark.parametrize("role", Role.values)
def test_role_is_allowed_or_forbidden(endpoint: Endpoint, role: str, world, client_for):  # noqa: F811
    assert_role_outcome(call(client_for(world["members"][role]), endpoint, world), endpoint, role)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_non_member_gets_404(endpoint: Endpoint, world, client_for):  # noqa: F811
    assert call(client_for(world["outsider"]), endpoint, world).status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_anonymous_is_refused(endpoint: Endpoint, world, api):  # noqa: F811
    assert call(api, endpoint, world).status_code in (401, 403)


def test_another_members_export_job_is_not_found(world, client_for):  # noqa: F811
    manager, viewer = world["members"][Role.MANAGER], world["members"][Role.VIEWER]
    path = f"/api/v1/projects/{world['project']}/exports/?async=true"
    job = client_for(manager).post(path, {"format": "coco"}, format="json").data
    assert client_for(viewer).get(f"{job['url']}download/").status_code == 404
