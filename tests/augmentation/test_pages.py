"""The pipeline and job pages: who may open them, what they hand to their scripts, no inline code."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from frontend.navigation import project_nav
from projects.models import Role
from tests.factories import UserFactory, add_member, make_project

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def job(launch, labelled_images):
    return launch()


def pages(project, pipeline, job) -> list[str]:
    project_id = project.pk
    return [
        reverse("frontend:pipelines", kwargs={"project_id": project_id}),
        reverse("frontend:pipeline-new", kwargs={"project_id": project_id}),
        reverse("frontend:pipeline-edit", kwargs={"project_id": project_id, "pipeline_id": pipeline.pk}),
        reverse("frontend:jobs", kwargs={"project_id": project_id}),
        reverse("frontend:job-new", kwargs={"project_id": project_id}),
        reverse("frontend:job-detail", kwargs={"project_id": project_id, "job_id": job.pk}),
    ]


def test_every_page_renders_for_a_member_without_inline_code(client, project, job, manager):
    client.force_login(manager)
    for url in pages(project, job.pipeline, job):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not INLINE_SCRIPT.findall(html), url
        assert not INLINE_HANDLER.findall(html), url
        assert 'type="module"' in html, url


def test_pages_answer_404_to_non_members_and_redirect_anonymous_users(client, project, job):
    urls = pages(project, job.pipeline, job)
    for url in urls:
        assert client.get(url).status_code == 302, url
    client.force_login(UserFactory())
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_a_pipeline_or_job_of_another_project_answers_404(client, project, manager, job):
    other = make_project(name="other", manager=manager)
    client.force_login(manager)
    wrong_pipeline = reverse("frontend:pipeline-edit", kwargs={"project_id": other.pk, "pipeline_id": job.pipeline_id})
    wrong_job = reverse("frontend:job-detail", kwargs={"project_id": other.pk, "job_id": job.pk})
    assert client.get(wrong_pipeline).status_code == 404
    assert client.get(wrong_job).status_code == 404


def test_the_builder_page_names_the_apis_its_script_uses(client, project, job, manager):
    client.force_login(manager)
    html = client.get(pages(project, job.pipeline, job)[2]).content.decode()
    assert f'data-pipelines-api="/api/v1/projects/{project.pk}/pipelines/"' in html
    assert 'data-catalog-api="/api/v1/augmentation/catalog/"' in html
    assert f'data-pipeline-id="{job.pipeline_id}"' in html
    assert 'data-can-manage="true"' in html


def test_a_viewer_sees_the_builder_read_only_and_no_launch_form(client, project, job):
    viewer = add_member(project, Role.VIEWER)
    client.force_login(viewer)
    builder = client.get(pages(project, job.pipeline, job)[2]).content.decode()
    assert 'data-can-manage="false"' in builder
    assert "Save pipeline" not in builder
    launch = client.get(pages(project, job.pipeline, job)[4]).content.decode()
    assert "Only managers of this project can launch jobs" in launch
    assert 'id="launch-form"' not in launch


def test_a_pipeline_name_with_markup_is_escaped(client, project, manager, make_pipeline):
    pipeline = make_pipeline(name="<img src=x onerror=alert(1)>")
    client.force_login(manager)
    url = reverse("frontend:pipeline-edit", kwargs={"project_id": project.pk, "pipeline_id": pipeline.pk})
    html = client.get(url).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_managers_get_pipelines_and_jobs_in_the_project_navigation(project):
    labels = [link.label for link in project_nav(project.memberships.get(), "jobs")]
    assert labels.index("Pipelines") + 1 == labels.index("Jobs")
    active = [link.label for link in project_nav(project.memberships.get(), "jobs") if link.active]
    assert active == ["Jobs"]
