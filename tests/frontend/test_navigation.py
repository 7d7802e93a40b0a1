"""The project navigation lists a page only when its URL exists and the user's role may use it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from frontend.navigation import project_nav
from projects.models import Role
from tests.factories import add_member, make_image_item

pytestmark = pytest.mark.django_db


def labels(membership, active="items"):
    return [link.label for link in project_nav(membership, active)]


@pytest.mark.urls("tests.frontend.urls_without_label")
def test_pages_of_later_features_are_left_out_until_their_url_exists(project):
    membership = project.memberships.get()
    assert labels(membership) == ["Items", "Upload", "Settings"]


@pytest.mark.urls("tests.frontend.urls_with_label")
def test_a_later_page_appears_once_its_url_exists(project):
    membership = project.memberships.get()
    assert "Label" in labels(membership)


@pytest.mark.urls("tests.frontend.urls_without_label")
def test_viewer_does_not_get_the_upload_entry(project):
    viewer = add_member(project, Role.VIEWER)
    assert labels(project.memberships.get(user=viewer)) == ["Items", "Settings"]


def test_the_active_entry_is_marked(project):
    links = project_nav(project.memberships.get(), "settings")
    assert [link.label for link in links if link.active] == ["Settings"]


@pytest.mark.urls("tests.frontend.urls_with_label")
def test_item_page_links_to_labelling_when_that_page_exists(client, manager, project):
    item = make_image_item(project)
    client.force_login(manager)
    html = client.get(reverse("frontend:item-detail", kwargs={"project_id": project.pk, "item_id": item.pk})).content
    assert f'href="/projects/{project.pk}/items/{item.pk}/label/"' in html.decode()


@pytest.mark.urls("tests.frontend.urls_without_label")
def test_item_page_has_no_label_link_without_that_page(client, manager, project):
    item = make_image_item(project)
    client.force_login(manager)
    html = client.get(reverse("frontend:item-detail", kwargs={"project_id": project.pk, "item_id": item.pk})).content
    assert "/label/" not in html.decode()
    assert ">Label<" not in html.decode()
