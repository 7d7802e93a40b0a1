"""The experiment pages: who may open them, what they hand to their scripts, no inline code."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from augmentation.services.pipelines import create_pipeline
from experiments.services import experiments
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
def experiment(image_project, manager):
    pipeline = create_pipeline(
        project=image_project, user=manager, name="flip", config={"steps": [{"type": "HorizontalFlip"}]}
    )
    return experiments.create_experiment(
        project=image_project, user=manager, name="<b>bold</b>", dose={"pipeline": pipeline.pk}
    )


def pages(project, experiment) -> list[str]:
    return [
        reverse("frontend:experiments", kwargs={"project_id": project.pk}),
        reverse("frontend:experiment-new", kwargs={"project_id": project.pk}),
        reverse("frontend:experiment-detail", kwargs={"project_id": project.pk, "experiment_id": experiment.pk}),
    ]


def test_every_page_renders_for_a_member_without_inline_code(client, image_project, experiment, manager):
    client.force_login(manager)
    for url in pages(image_project, experiment):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not INLINE_SCRIPT.findall(html), url
        assert not INLINE_HANDLER.findall(html), url
        assert 'type="module"' in html, url


def test_pages_answer_404_to_non_members_and_redirect_anonymous_users(client, image_project, experiment):
    urls = pages(image_project, experiment)
    for url in urls:
        assert client.get(url).status_code == 302, url
    client.force_login(UserFactory())
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_an_experiment_of_another_project_answers_404(client, image_project, experiment, manager):
    other = make_project(manager=manager, name="Other")
    client.force_login(manager)
    url = reverse("frontend:experiment-detail", kwargs={"project_id": other.pk, "experiment_id": experiment.pk})
    assert client.get(url).status_code == 404


def test_the_result_page_loads_the_vendored_chart_library_and_names_its_api(client, image_project, experiment, manager):
    client.force_login(manager)
    html = client.get(pages(image_project, experiment)[2]).content.decode()
    assert "/static/vendor/chartjs-4.4.9/chart.umd.js" in html
    assert f'data-experiment-api="/api/v1/projects/{image_project.pk}/experiments/{experiment.pk}/"' in html
    assert 'id="chart-runs"' in html and 'id="chart-dose"' in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    assert 'id="rerun-experiment"' in html


def test_the_form_offers_the_projects_kinds_and_the_models_of_each(client, image_project, experiment, manager):
    client.force_login(manager)
    html = client.get(pages(image_project, experiment)[1]).content.decode()
    assert 'id="experiment-form"' in html
    assert '<option value="image_classification">Image classification</option>' in html
    assert "text_classification</option>" not in html
    assert re.search(r'<option value="naive_bayes" data-kinds="text_classification">', html)
    assert re.search(r'<option value="logreg" data-kinds="image_classification text_classification" selected>', html)


def test_a_viewer_reads_results_but_gets_no_form_or_buttons(client, image_project, experiment):
    viewer = add_member(image_project, Role.VIEWER)
    client.force_login(viewer)
    form = client.get(pages(image_project, experiment)[1]).content.decode()
    assert "Only managers of this project can start experiments" in form
    assert 'id="experiment-form"' not in form
    detail = client.get(pages(image_project, experiment)[2]).content.decode()
    assert 'id="rerun-experiment"' not in detail and 'id="cancel-experiment"' not in detail
    assert "Experiments" in [link.label for link in project_nav(image_project.memberships.get(user=viewer), "items")]


def test_experiments_follow_jobs_in_the_project_navigation(image_project):
    links = project_nav(image_project.memberships.get(), "experiments")
    labels = [link.label for link in links]
    assert labels.index("Jobs") + 1 == labels.index("Experiments")
    assert [link.label for link in links if link.active] == ["Experiments"]
