"""Moving through the work queue in a real browser: keyboard-only labelling, submit and next, previous,
skip, predictions to accept, and user text (file names, text items, class names) shown as text."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from labeling.models import Annotation, AnnotationStatus, Assignment, AssignmentStatus
from projects.models import Role
from tests.e2e.editor_support import make_marked_item, open_editor, own_annotation, save_now
from tests.factories import UserFactory, add_member, make_image_item, make_project, make_text_item

pytestmark = pytest.mark.e2e

MARKUP = "<img src=x onerror=\"document.title='pwned'\">"


@pytest.fixture
def annotator(transactional_db):
    return UserFactory(username="ann")


def project_for(annotator, **fields):
    project = make_project(**fields)
    add_member(project, Role.ANNOTATOR, user=annotator)
    return project


def test_an_image_class_is_labelled_and_submitted_with_the_keyboard_only(logged_in_page, annotator):
    project = project_for(annotator, name="Pets", kinds=("image_class",))
    first = make_image_item(project, name="first.png")
    second = make_image_item(project, name="second.png", color=(10, 200, 10))
    page = logged_in_page(annotator)
    open_editor(page, f"/projects/{project.pk}/label/")
    expect(page.locator("#editor-title")).to_have_text("first.png")
    page.keyboard.press("d")  # the schema's hotkey for "dog"
    expect(page.get_by_role("group", name="Image classes").get_by_role("button", name="dog")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.keyboard.press("Control+Enter")
    expect(page.locator("#editor-title")).to_have_text("second.png")
    page.keyboard.press("1")  # "cat" by position
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("heading", name="All done")).to_be_visible()
    labels = {
        a.item_id: (a.status, [r.label_class.name for r in a.regions.all()])
        for a in Annotation.objects.filter(annotator=annotator)
    }
    assert labels == {first.pk: ("submitted", ["dog"]), second.pk: ("submitted", ["cat"])}


def test_a_single_class_project_replaces_the_image_class_instead_of_adding_one(logged_in_page, annotator):
    project = project_for(annotator, name="Pets", kinds=("image_class",))
    item = make_image_item(project)
    page = logged_in_page(annotator)
    open_editor(page, f"/projects/{project.pk}/label/")
    page.keyboard.press("c")
    page.keyboard.press("d")
    save_now(page)
    (region,) = own_annotation(page, project.pk, item.pk)["regions"]
    assert region["label_class"] == project.classes.get(name="dog").pk


def test_previous_reopens_the_submitted_item_for_changes(logged_in_page, annotator):
    project = project_for(annotator, name="Pets", kinds=("image_class",))
    first = make_image_item(project, name="first.png")
    make_image_item(project, name="second.png", color=(10, 200, 10))
    page = logged_in_page(annotator)
    open_editor(page, f"/projects/{project.pk}/label/")
    page.keyboard.press("c")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#editor-title")).to_have_text("second.png")
    page.get_by_role("button", name="Previous").click()
    expect(page.locator("#editor-title")).to_have_text("first.png")
    expect(page).to_have_url(f"{page.url.split('/projects/')[0]}/projects/{project.pk}/items/{first.pk}/label/")
    expect(page.locator("#editor-item-status")).to_have_text("Submitted")
    page.keyboard.press("d")
    save_now(page)
    (region,) = own_annotation(page, project.pk, first.pk)["regions"]
    assert region["label_class"] == project.classes.get(name="dog").pk
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#editor-title")).to_have_text("second.png")


def test_skip_gives_the_item_up_and_opens_the_next(logged_in_page, annotator):
    project = project_for(annotator, name="Pets", kinds=("image_class",))
    first = make_image_item(project, name="first.png")
    make_image_item(project, name="second.png", color=(10, 200, 10))
    page = logged_in_page(annotator)
    open_editor(page, f"/projects/{project.pk}/label/")
    page.get_by_role("button", name="Skip").click()
    expect(page.locator("#editor-title")).to_have_text("second.png")
    assert Assignment.objects.get(item=first, user=annotator).status == AssignmentStatus.SKIPPED


def test_predictions_are_shown_as_suggestions_to_accept_correct_or_delete(logged_in_page, annotator):
    project = project_for(annotator, name="Cars", kinds=("bbox",))
    item = make_marked_item(project)
    cat = project.classes.get(name="cat").pk
    manager = APIClient()
    manager.force_authenticate(project.memberships.get(role=Role.MANAGER).user)
    response = manager.post(
        f"/api/v1/projects/{project.pk}/predictions/import/",
        {
            "model_name": "detector-v2",
            "items": [
                {
                    "item": item.pk,
                    "regions": [
                        {
                            "kind": "bbox",
                            "label_class": cat,
                            "x": 10,
                            "y": 10,
                            "width": 20,
                            "height": 20,
                            "confidence": 0.9,
                        },
                        {
                            "kind": "bbox",
                            "label_class": cat,
                            "x": 50,
                            "y": 40,
                            "width": 10,
                            "height": 10,
                            "confidence": 0.4,
                        },
                    ],
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    page = logged_in_page(annotator)
    open_editor(page, f"/projects/{project.pk}/label/")
    expect(page.get_by_text("suggested by detector-v2")).to_be_visible()
    rows = page.locator(".region-row")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="suggested")).to_have_count(2)
    rows.nth(1).click()
    page.keyboard.press("Delete")  # the weak one is wrong
    rows.nth(0).click()
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(rows.filter(has_text="suggested")).to_have_count(0)
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("heading", name="All done")).to_be_visible()
    annotation = Annotation.objects.get(annotator=annotator, item=item)
    assert annotation.status == AnnotationStatus.SUBMITTED
    (box,) = annotation.regions.all()
    assert (box.x, box.y, box.width, box.height, box.confidence) == (10, 10, 20, 20, None)


def test_markup_in_a_file_name_and_a_class_name_is_shown_as_text(logged_in_page, annotator):
    project = project_for(
        annotator,
        name="Markup",
        kinds=("bbox", "image_class"),
        classes=((MARKUP, "#ff8800", "x"), ("plain", "#0088ff", "p")),
    )
    make_marked_item(project, name=f"{MARKUP}.png")
    page = logged_in_page(annotator)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_editor(page, f"/projects/{project.pk}/label/")
    expect(page.locator("#editor-title")).to_have_text(f"{MARKUP}.png")
    expect(page.get_by_role("group", name="Drawing class").get_by_role("button").first).to_contain_text(MARKUP)
    assert page.locator("#editor img").count() == 0
    # An executed onerror would have replaced the title; it still names the file, as text.
    assert page.title() == f"{MARKUP}.png · Label · Markup"
    assert dialogs == []


def test_markup_in_a_text_item_is_shown_as_text(logged_in_page, annotator):
    text = f"<script>document.title='pwned'</script>{MARKUP} & &amp; <b>not bold</b>"
    project = project_for(annotator, name="Texts", kinds=("text_span",), classes=(("thing", "#ff8800", "t"),))
    make_text_item(project, text, name="<i>name</i>.txt")
    page = logged_in_page(annotator)
    open_editor(page, f"/projects/{project.pk}/label/")
    view = page.locator(".text-view")
    assert view.evaluate("element => element.textContent") == text
    assert view.locator("script, img, b").count() == 0
    expect(page.locator("#editor-title")).to_have_text("<i>name</i>.txt")
    assert page.title() == "<i>name</i>.txt · Label · Texts"


def test_the_help_overlay_lists_the_shortcuts_of_this_project(logged_in_page, annotator):
    project = project_for(annotator, name="Pets", kinds=("bbox", "polygon", "image_class"))
    make_marked_item(project)
    page = logged_in_page(annotator)
    open_editor(page, f"/projects/{project.pk}/label/")
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    for text in ["Box tool", "Polygon tool", "Class cat", "Class dog", "Undo", "Submit and open the next item"]:
        expect(help_dialog).to_contain_text(text)
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()


def test_an_empty_queue_says_so(logged_in_page, annotator):
    project = project_for(annotator, name="Empty", kinds=("bbox",))
    page = logged_in_page(annotator)
    page.goto(f"/projects/{project.pk}/label/")
    expect(page.get_by_role("heading", name="All done")).to_be_visible()
