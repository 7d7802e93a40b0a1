"""Every role x every augmentation endpoint: members view, managers change; outsiders get 404."""

from __future__ import annotations

from typing import Any

import pytest

from augmentation.services import jobs
from augmentation.services.pipelines import create_pipeline
from projects.models import Role
from tests.augmentation.conftest import FLIP, add_image, annotate, box
from tests.factories import UserFactory, make_project
from tests.test_permission_matrix import ALL, MANAGER, Endpoint, assert_role_outcome, call

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    Endpoint("pipeline list", "get", "/api/v1/projects/{project}/pipelines/", ALL),
    Endpoint("pipeline detail", "get", "/api/v1/projects/{project}/pipelines/{pipeline}/", ALL),
    Endpoint(
        "pipeline create",
        "post",
        "/api/v1/projects/{project}/pipelines/",
        MANAGER,
        lambda w: {"name": "new", "config": FLIP},
    ),
    Endpoint(
        "pipeline update",
        "patch",
        "/api/v1/projects/{project}/pipelines/{pipeline}/",
        MANAGER,
        lambda w: {"name": "renamed"},
    ),
    Endpoint("pipeline delete", "delete", "/api/v1/projects/{project}/pipelines/{spare_pipeline}/", MANAGER),
    Endpoint(
        "pipeline import",
        "post",
        "/api/v1/projects/{project}/pipelines/import/",
        MANAGER,
        lambda w: {"name": "imported", "data": FLIP},
    ),
    Endpoint(
        "pipeline validate", "post", "/api/v1/projects/{project}/pipelines/validate/", ALL, lambda w: {"config": FLIP}
    ),
    Endpoint(
        "pipeline convert", "post", "/api/v1/projects/{project}/pipelines/convert/", ALL, lambda w: {"data": FLIP}
    ),
    Endpoint(
        "pipeline preview",
        "post",
        "/api/v1/projects/{project}/pipelines/preview/",
        ALL,
        lambda w: {"config": FLIP, "item": w["item"], "copies": 1},
    ),
    Endpoint("pipeline export", "get", "/api/v1/projects/{project}/pipelines/{pipeline}/albumentations/", ALL),
    Endpoint("job list", "get", "/api/v1/projects/{project}/jobs/", ALL),
    Endpoint("job detail", "get", "/api/v1/projects/{project}/jobs/{job}/", ALL),
    Endpoint("job failures", "get", "/api/v1/projects/{project}/jobs/{job}/failures/", ALL),
    Endpoint("job launch", "post", "/api/v1/projects/{project}/jobs/", MANAGER, lambda w: {"pipeline": w["pipeline"]}),
    Endpoint("job cancel", "post", "/api/v1/projects/{project}/jobs/{job}/cancel/", MANAGER),
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
    manager = members[Role.MANAGER]
    item = add_image(project)
    annotate(item, [box(project.classes.get(name="cat").pk, 1, 1, 5, 5)])
    pipeline = create_pipeline(project=project, user=manager, name="flip", config=FLIP)
    spare = create_pipeline(project=project, user=manager, name="spare", config=FLIP)
    job = jobs.launch_job(project=project, user=manager, pipeline=pipeline)
    return {
        "project": project.pk,
        "item": item.pk,
        "pipeline": pipeline.pk,
        "spare_pipeline": spare.pk,
        "job": job.pk,
        "members": members,
        "outsider": UserFactory(),
    }


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@pytest.mark.parametrize("role", Role.values)
def test_role_is_allowed_or_forbidden(endpoint: Endpoint, role: str, world, client_for):
    assert_role_outcome(call(client_for(world["members"][role]), endpoint, world), endpoint, role)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_non_member_gets_404(endpoint: Endpoint, world, client_for):
    assert call(client_for(world["outsider"]), endpoint, world).status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_anonymous_is_refused(endpoint: Endpoint, world, api):
    assert call(api, endpoint, world).status_code in (401, 403)


def test_a_job_of_another_project_answers_404_even_for_its_manager(world, client_for):
    other = make_project(name="other")
    item = add_image(other)
    annotate(item, [box(other.classes.get(name="cat").pk, 1, 1, 5, 5)])
    pipeline = create_pipeline(project=other, user=other.created_by, name="flip", config=FLIP)
    foreign = jobs.launch_job(project=other, user=other.created_by, pipeline=pipeline)
    manager = world["members"][Role.MANAGER]
    response = client_for(manager).get(f"/api/v1/projects/{world['project']}/jobs/{foreign.pk}/")
    assert response.status_code == 404
