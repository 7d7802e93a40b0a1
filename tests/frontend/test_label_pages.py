"""The labelling and review pages: who may open them, what they hand the editor, and no inline script."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from frontend.navigation import project_nav
from labeling.models import Annotation
from projects.models import Role
from tests.factories import UserFactory, add_member, make_image_item, make_project

pytestmark = pytest.mark.django_db


def label_url(project):
    return reverse("frontend:label", kwargs={"project_id": project.pk})


def review_url(project):
    return reverse("frontend:review", kwargs={"project_id": project.pk})


def test_an_annotator_gets_the_editor_for_the_work_queue(client, project):
    annotator = add_member(project, Role.ANNOTATOR)
    client.force_login(annotator)
    html = client.get(label_url(project)).content.decode()
    assert 'id="editor"' in html
    assert 'data-mode="queue"' in html
    assert f'data-project-id="{project.pk}"' in html
    assert f'data-user-id="{annotator.pk}"' in html


def test_the_item_page_opens_that_item_in_the_editor(client, manager, project):
    item = make_image_item(project)
    client.force_login(manager)
    url = reverse("frontend:label-item", kwargs={"project_id": project.pk, "item_id": item.pk})
    html = client.get(url).content.decode()
    assert 'data-mode="item"' in html
    assert f'data-item-id="{item.pk}"' in html


@pytest.mark.parametrize("role", [Role.VIEWER, Role.REVIEWER])
def test_members_who_cannot_annotate_are_refused_the_editor(client, project, role):
    client.force_login(add_member(project, role))
    assert client.get(label_url(project)).status_code == 403


def test_a_non_member_gets_not_found_like_the_api(client, project):
    client.force_login(UserFactory())
    assert client.get(label_url(project)).status_code == 404
    assert client.get(review_url(project)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, project):
    response = client.get(label_url(project))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("frontend:login"))


def test_an_item_of_another_project_is_not_found(client, manager, project):
    other = make_image_item(make_project(manager=manager, name="Other"))
    client.force_login(manager)
    url = reverse("frontend:label-item", kwargs={"project_id": project.pk, "item_id": other.pk})
    assert client.get(url).status_code == 404


def test_reviewers_get_the_review_page_and_annotators_do_not(client, project):
    reviewer = add_member(project, Role.REVIEWER)
    client.force_login(reviewer)
    html = client.get(review_url(project)).content.decode()
    assert 'data-mode="review"' in html
    assert 'id="review-panel"' in html
    client.force_login(add_member(project, Role.ANNOTATOR))
    assert client.get(review_url(project)).status_code == 403


def test_reviewing_an_annotation_of_another_project_is_not_found(client, manager, project):
    other = make_project(manager=manager, name="Other")
    item = make_image_item(other)
    annotation = Annotation.objects.create(project=other, item=item, annotator=manager)
    client.force_login(manager)
    url = reverse("frontend:review-annotation", kwargs={"project_id": project.pk, "annotation_id": annotation.pk})
    assert client.get(url).status_code == 404


def test_the_project_navigation_offers_labelling_and_review_to_a_manager(project):
    labels = [link.label for link in project_nav(project.memberships.get(), "items")]
    assert "Label" in labels
    assert "Review" in labels


def test_the_item_page_links_to_its_editor(client, manager, project):
    item = make_image_item(project)
    client.force_login(manager)
    html = client.get(reverse("frontend:item-detail", kwargs={"project_id": project.pk, "item_id": item.pk})).content
    assert f'href="/projects/{project.pk}/items/{item.pk}/label/"' in html.decode()


def test_the_editor_page_has_no_inline_script_for_the_content_security_policy(client, manager, project):
    client.force_login(manager)
    for url in (label_url(project), review_url(project)):
        html = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert not re.search(r"\son[a-z]+=", html)
        assert "frontend/editor/main.js" in html
