"""Server-rendered pages: login, membership, the Content-Security-Policy and escaping of user text."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from projects.models import Role
from tests.factories import UserFactory, add_member, make_image_item, make_project, make_text_item

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def project_pages(project, item) -> list[str]:
    return [
        reverse("frontend:project-detail", kwargs={"project_id": project.pk}),
        reverse("frontend:project-upload", kwargs={"project_id": project.pk}),
        reverse("frontend:project-settings", kwargs={"project_id": project.pk}),
        reverse("frontend:item-detail", kwargs={"project_id": project.pk, "item_id": item.pk}),
    ]


@pytest.fixture
def item(project):
    return make_image_item(project, name="cat.png")


@pytest.fixture
def all_pages(project, item) -> list[str]:
    return [reverse("frontend:project-list"), reverse("frontend:api-token"), *project_pages(project, item)]


def assert_no_inline_code(html: str) -> None:
    assert not INLINE_SCRIPT.findall(html), INLINE_SCRIPT.findall(html)
    assert not INLINE_HANDLER.findall(html), INLINE_HANDLER.findall(html)


def test_every_page_redirects_anonymous_users_to_login(client, all_pages):
    for url in all_pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("frontend:login")), url
        assert "next=" in response["Location"]


def test_project_pages_answer_404_to_non_members(client, project, item):
    client.force_login(UserFactory())
    for url in project_pages(project, item):
        assert client.get(url).status_code == 404, url


def test_item_of_another_project_answers_404_on_the_item_page(client, manager, project):
    other_item = make_image_item(make_project(name="Other"))
    client.force_login(manager)
    url = reverse("frontend:item-detail", kwargs={"project_id": project.pk, "item_id": other_item.pk})
    assert client.get(url).status_code == 404


def test_every_page_sends_the_csp_header_and_has_no_inline_script(client, manager, all_pages):
    client.force_login(manager)
    for url in all_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "script-src 'self'" in response["Content-Security-Policy"], url
        assert_no_inline_code(response.content.decode())


def test_login_page_has_no_inline_script(client):
    response = client.get(reverse("frontend:login"))
    assert response.status_code == 200
    assert_no_inline_code(response.content.decode())


def test_pages_load_their_scripts_as_modules_from_static_files(client, manager, project):
    client.force_login(manager)
    html = client.get(reverse("frontend:project-detail", kwargs={"project_id": project.pk})).content.decode()
    assert '<script type="module" src="/static/frontend/gallery.js">' in html
    assert '<script type="module" src="/static/frontend/layout.js">' in html


def test_login_form_logs_in_and_redirects_to_projects(client, manager):
    response = client.post(
        reverse("frontend:login"), {"username": "manager", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:project-list")


def test_log_out_is_a_post(client, manager):
    client.force_login(manager)
    assert client.get(reverse("frontend:logout")).status_code == 405
    response = client.post(reverse("frontend:logout"))
    assert response.status_code == 302
    assert client.get(reverse("frontend:project-list")).status_code == 302


def test_item_name_with_markup_is_escaped_on_the_item_page(client, manager, project):
    item = make_image_item(project, name="<script>alert(1)</script>.png")
    client.force_login(manager)
    url = reverse("frontend:item-detail", kwargs={"project_id": project.pk, "item_id": item.pk})
    html = client.get(url).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.png" in html


def test_text_item_without_a_name_has_a_page_title(client, manager, project):
    item = make_text_item(project, "hello world")
    client.force_login(manager)
    url = reverse("frontend:item-detail", kwargs={"project_id": project.pk, "item_id": item.pk})
    html = client.get(url).content.decode()
    assert f"item {item.pk}" in html


def test_project_name_and_description_with_markup_are_escaped_on_every_page(client, item):
    project = item.project
    project.name = "<img src=x onerror=alert(1)>"
    project.description = "<script>alert(2)</script>"
    project.save()
    client.force_login(project.memberships.get().user)
    pages = [reverse("frontend:project-list"), *project_pages(project, item)]
    for url in pages:
        html = client.get(url).content.decode()
        assert "<img src=x" not in html, url
        assert "<script>alert(2)" not in html, url
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, url


def test_class_name_with_markup_is_escaped_on_the_project_list(client, manager):
    make_project(manager=manager, classes=[("<b>bold</b>", "#123456", "b")])
    client.force_login(manager)
    html = client.get(reverse("frontend:project-list")).content.decode()
    assert "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_project_list_shows_only_my_projects(client, manager, project):
    make_project(name="Someone else's")
    client.force_login(manager)
    html = client.get(reverse("frontend:project-list")).content.decode()
    assert "Pets" in html
    assert "Someone else" not in html


def test_project_pages_pass_the_api_root_and_role_to_scripts(client, project):
    viewer = add_member(project, Role.VIEWER)
    client.force_login(viewer)
    html = client.get(reverse("frontend:project-detail", kwargs={"project_id": project.pk})).content.decode()
    assert f'data-project-api="/api/v1/projects/{project.pk}/"' in html
    assert 'data-role="viewer"' in html


def test_manager_sees_upload_and_bulk_actions(client, manager, project):
    client.force_login(manager)
    html = client.get(reverse("frontend:project-detail", kwargs={"project_id": project.pk})).content.decode()
    assert reverse("frontend:project-upload", kwargs={"project_id": project.pk}) in html
    assert 'id="bulk-bar"' in html


def test_viewer_gets_no_upload_link_nor_bulk_actions(client, project):
    client.force_login(add_member(project, Role.VIEWER))
    html = client.get(reverse("frontend:project-detail", kwargs={"project_id": project.pk})).content.decode()
    assert reverse("frontend:project-upload", kwargs={"project_id": project.pk}) not in html
    assert 'id="bulk-bar"' not in html


def test_viewer_sees_settings_read_only(client, project):
    client.force_login(add_member(project, Role.VIEWER))
    html = client.get(reverse("frontend:project-settings", kwargs={"project_id": project.pk})).content.decode()
    assert "Only managers can change these settings" in html
    assert "Save changes" not in html
    assert 'id="add-member-form"' not in html


def test_curl_example_uses_this_server_and_the_token(client, manager):
    client.force_login(manager)
    client.post(reverse("frontend:api-token"))
    html = client.get(reverse("frontend:api-token")).content.decode()
    key = manager.auth_token.key
    assert f'curl -H "Authorization: Token {key}" http://testserver/api/v1/projects/' in html
