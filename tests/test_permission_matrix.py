"""Every role by every endpoint: what each member may do, and that outsiders always get 404.

Each row names an endpoint, its method, a body, and the roles allowed. A role that is allowed must
not get 403/404 (the exact success code is each endpoint's own test's business); a member without
the ability gets 403; a signed-in non-member gets 404; an anonymous client gets 401/403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from projects.models import Role
from tests.factories import UserFactory, make_image_item, make_project

pytestmark = pytest.mark.django_db

ALL = frozenset(Role.values)
MANAGER = frozenset({Role.MANAGER})
ANNOTATE = frozenset({Role.MANAGER, Role.ANNOTATOR})
REVIEW = frozenset({Role.MANAGER, Role.REVIEWER})


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # formatted with the world's ids
    allowed: frozenset[str]
    body: Callable[[dict[str, Any]], Any] = field(default=lambda world: None)


ENDPOINTS = [
    Endpoint("project detail", "get", "/api/v1/projects/{project}/", ALL),
    Endpoint("project update", "patch", "/api/v1/projects/{project}/", MANAGER, lambda w: {"description": "x"}),
    Endpoint("project delete", "delete", "/api/v1/projects/{project}/", MANAGER),
    Endpoint("class list", "get", "/api/v1/projects/{project}/classes/", ALL),
    Endpoint("class detail", "get", "/api/v1/projects/{project}/classes/{cat}/", ALL),
    Endpoint(
        "class create",
        "post",
        "/api/v1/projects/{project}/classes/",
        MANAGER,
        lambda w: {"name": "bird", "color": "#123456"},
    ),
    Endpoint("class rename", "patch", "/api/v1/projects/{project}/classes/{cat}/", MANAGER, lambda w: {"name": "kat"}),
    Endpoint("class delete", "delete", "/api/v1/projects/{project}/classes/{dog}/", MANAGER),
    Endpoint("member list", "get", "/api/v1/projects/{project}/members/", ALL),
    Endpoint(
        "member add",
        "post",
        "/api/v1/projects/{project}/members/",
        MANAGER,
        lambda w: {"user": w["outsider_name"], "role": "viewer"},
    ),
    Endpoint(
        "member role",
        "patch",
        "/api/v1/projects/{project}/members/{viewer_membership}/",
        MANAGER,
        lambda w: {"role": "annotator"},
    ),
    Endpoint("member remove", "delete", "/api/v1/projects/{project}/members/{viewer_membership}/", MANAGER),
    Endpoint("dataset list", "get", "/api/v1/projects/{project}/datasets/", ALL),
    Endpoint("dataset create", "post", "/api/v1/projects/{project}/datasets/", MANAGER, lambda w: {"name": "extra"}),
    Endpoint("version list", "get", "/api/v1/projects/{project}/versions/", ALL),
    Endpoint("item list", "get", "/api/v1/projects/{project}/items/", ALL),
    Endpoint("item detail", "get", "/api/v1/projects/{project}/items/{item}/", ALL),
    Endpoint("item file", "get", "/api/v1/projects/{project}/items/{item}/file/", ALL),
    Endpoint("item split", "patch", "/api/v1/projects/{project}/items/{item}/", MANAGER, lambda w: {"split": "val"}),
    Endpoint("item delete", "delete", "/api/v1/projects/{project}/items/{item}/", MANAGER),
    Endpoint(
        "bulk split",
        "post",
        "/api/v1/projects/{project}/items/split/",
        MANAGER,
        lambda w: {"items": [w["item"]], "split": "train"},
    ),
    Endpoint(
        "random split",
        "post",
        "/api/v1/projects/{project}/items/random-split/",
        MANAGER,
        lambda w: {"train": 0.8, "val": 0.1, "test": 0.1, "seed": 1},
    ),
]


@pytest.fixture
def world() -> dict[str, Any]:
    project = make_project()
    members = {}
    for role in Role.values:
        user = project.memberships.get().user if role == Role.MANAGER else UserFactory()
        if role != Role.MANAGER:
            project.memberships.create(user=user, role=role)
        members[role] = user
    outsider = UserFactory()
    viewer_membership = project.memberships.get(role=Role.VIEWER)
    return {
        "project": project.pk,
        "cat": project.classes.get(name="cat").pk,
        "dog": project.classes.get(name="dog").pk,
        "item": make_image_item(project).pk,
        "viewer_membership": viewer_membership.pk,
        "members": members,
        "outsider": outsider,
        "outsider_name": outsider.username,
    }


def call(client, endpoint: Endpoint, world: dict[str, Any]):
    path = endpoint.path.format(**world)
    return getattr(client, endpoint.method)(path, endpoint.body(world), format="json")


def assert_role_outcome(response, endpoint: Endpoint, role: str) -> None:
    """An allowed role gets past the permission check (no 401/403/404, no 500); any other gets a 403 that says why.
    The matrices of the other apps (tests/*/test_permissions.py) check their endpoints with this too."""
    if role in endpoint.allowed:
        assert response.status_code not in (401, 403, 404), (response.status_code, getattr(response, "data", None))
        assert response.status_code < 500
    else:
        assert response.status_code == 403, (response.status_code, getattr(response, "data", None))
        assert response.data["detail"]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@pytest.mark.parametrize("role", Role.values)
def test_role_is_allowed_or_forbidden(endpoint: Endpoint, role: str, world, client_for):
    assert_role_outcome(call(client_for(world["members"][role]), endpoint, world), endpoint, role)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_non_member_gets_404(endpoint: Endpoint, world, client_for):
    response = call(client_for(world["outsider"]), endpoint, world)
    assert response.status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_anonymous_is_refused(endpoint: Endpoint, world, api):
    assert call(api, endpoint, world).status_code in (401, 403)


def test_object_of_another_project_answers_404_even_for_its_manager(client_for, world):
    other = make_project(name="other")
    other_item = make_image_item(other)
    manager = world["members"][Role.MANAGER]
    response = client_for(manager).get(f"/api/v1/projects/{world['project']}/items/{other_item.pk}/")
    assert response.status_code == 404
