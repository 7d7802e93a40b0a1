"""The Exports page: who may open it, who gets the export and import forms, and which formats it offers."""

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
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.IGNORECASE)


def exports_url(project) -> str:
    return reverse("frontend:exports", kwargs={"project_id": project.pk})


def page_for(client, user, project, query: str = "") -> str:
    client.force_login(user)
    response = client.get(exports_url(project) + query)
    assert response.status_code == 200
    return response.content.decode()


def offered_formats(html: str) -> list[str]:
    export_select = html.split('id="export-format"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([a-z_]+)"', export_select)


def test_the_exports_page_is_at_the_navigation_entry_that_was_waiting_for_it(project):
    links = project_nav(project.memberships.get(), "exports")
    exports = [link for link in links if link.label == "Exports"]
    assert [(link.url, link.active) for link in exports] == [(f"/projects/{project.pk}/exports/", True)]


def test_anonymous_users_are_sent_to_log_in(client, project):
    response = client.get(exports_url(project))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("frontend:login"))


def test_outsiders_get_404(client, project):
    client.force_login(UserFactory())
    assert client.get(exports_url(project)).status_code == 404


def test_manager_gets_the_export_and_import_forms_without_inline_code(client, manager, project):
    html = page_for(client, manager, project)
    assert 'id="export-form"' in html
    assert f'data-exports-api="/api/v1/projects/{project.pk}/exports/"' in html
    assert 'id="import-form"' in html
    assert f'data-imports-api="/api/v1/projects/{project.pk}/imports/"' in html
    assert '<script type="module" src="/static/frontend/exports.js">' in html
    assert '<script type="module" src="/static/frontend/imports.js">' in html
    assert not INLINE_SCRIPT.findall(html)
    assert not INLINE_HANDLER.findall(html)
    assert not INLINE_STYLE.findall(html)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.REVIEWER])
def test_viewers_and_reviewers_export_but_get_no_import_form(client, project, role):
    # The import API is for managers only; the export API lets every role but annotators export.
    html = page_for(client, add_member(project, role), project)
    assert 'id="export-form"' in html
    assert 'id="export-jobs"' in html
    assert 'id="import-form"' not in html
    assert "imports.js" not in html
    assert "Import labels" not in html


def test_annotators_are_told_why_they_cannot_export(client, project):
    html = page_for(client, add_member(project, Role.ANNOTATOR), project)
    assert "Annotators cannot export" in html
    assert 'id="export-form"' not in html
    assert 'id="import-form"' not in html


def test_an_image_project_is_offered_the_image_formats_and_the_general_ones(client, manager, project):
    # The default test project labels boxes, polygons, masks and image classes.
    formats = offered_formats(page_for(client, manager, project))
    assert formats == [
        "coco",
        "yolo_detection",
        "yolo_segmentation",
        "voc",
        "png_masks",
        "imagefolder",
        "csv",
        "tandem",
    ]


def test_a_text_project_is_offered_only_the_formats_that_hold_its_kinds(client):
    owner = UserFactory()
    spans_and_classes = make_project(manager=owner, kinds=("text_class", "text_span"), name="Reviews")
    assert offered_formats(page_for(client, owner, spans_and_classes)) == ["csv", "jsonl", "conll", "tandem"]
    # CoNLL holds spans only: a project of text classes has nothing to put in it.
    classes_only = make_project(manager=owner, kinds=("text_class",), name="Sentiment")
    assert offered_formats(page_for(client, owner, classes_only)) == ["csv", "jsonl", "tandem"]


def test_a_detection_project_is_not_offered_imagefolder_or_masks(client):
    owner = UserFactory()
    boxes = make_project(manager=owner, kinds=("bbox",), name="Boxes")
    assert offered_formats(page_for(client, owner, boxes)) == [
        "coco",
        "yolo_detection",
        "yolo_segmentation",
        "voc",
        "csv",
        "tandem",
    ]


def test_formats_say_what_the_page_needs_to_fit_its_options(client, manager, project):
    html = page_for(client, manager, project)
    assert re.search(r'value="imagefolder"[^>]*data-needs-images="true"', html)
    assert re.search(r'value="csv"[^>]*data-single-file="true"[^>]*data-all-annotations="true"', html)
    assert re.search(r'value="coco"[^>]*data-single-file="false"[^>]*data-all-annotations="false"', html)


def test_the_working_version_is_chosen_unless_the_address_names_another(client, manager, project, augmented):
    working, made = augmented["working"], augmented["version"]
    checked = re.compile(r'name="versions" value="(\d+)"[^>]*checked')
    assert checked.findall(page_for(client, manager, project)) == [str(working.pk)]
    assert checked.findall(page_for(client, manager, project, f"?version={made.pk}")) == [str(made.pk)]
    assert checked.findall(page_for(client, manager, project, "?version=999999")) == [str(working.pk)]


def test_class_names_with_markup_are_escaped(client, manager):
    project = make_project(manager=manager, classes=[("<b>bold</b>", "#123456", "b")], name="Markup")
    html = page_for(client, manager, project)
    assert "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
