"""Review in a real browser: see the annotation, accept or reject with a comment, correct it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from labeling.models import Annotation, AnnotationStatus, Review
from projects.models import Role
from tests.e2e.editor_support import make_marked_item, open_editor
from tests.factories import UserFactory, add_member, make_project

pytestmark = pytest.mark.e2e


@pytest.fixture
def people(transactional_db):
    return {"annotator": UserFactory(username="ann"), "reviewer": UserFactory(username="rev")}


@pytest.fixture
def project(people):
    project = make_project(name="Boxes", kinds=("bbox",))
    add_member(project, Role.ANNOTATOR, user=people["annotator"])
    add_member(project, Role.REVIEWER, user=people["reviewer"])
    return project


def submit_box(project, user, item, x=10):
    client = APIClient()
    client.force_authenticate(user)
    assert client.post(f"/api/v1/projects/{project.pk}/queue/next/").status_code == 200
    box = {
        "key": "b1",
        "kind": "bbox",
        "label_class": project.classes.first().pk,
        "x": x,
        "y": 10,
        "width": 20,
        "height": 20,
    }
    response = client.post(
        f"/api/v1/projects/{project.pk}/items/{item.pk}/annotations/", {"regions": [box], "submit": True}, format="json"
    )
    assert response.status_code == 201, response.content
    return Annotation.objects.get(pk=response.json()["id"])


@pytest.fixture
def submitted(project, people):
    return submit_box(project, people["annotator"], make_marked_item(project))


def test_a_rejection_needs_a_comment_and_goes_back_to_the_annotator(logged_in_page, people, project, submitted):
    page = logged_in_page(people["reviewer"])
    open_editor(page, f"/projects/{project.pk}/review/")
    panel = page.get_by_role("region", name="Review")
    expect(panel).to_contain_text("ann")
    expect(page.locator(".region-row")).to_have_count(1)
    panel.get_by_role("button", name="Reject").click()
    expect(panel.locator("#review-comment-error")).to_contain_text("needs a comment")
    panel.get_by_label("Comment for the annotator").fill("The box misses the <tail>.")
    panel.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("heading", name="All done")).to_be_visible()
    submitted.refresh_from_db()
    assert (submitted.status, submitted.review_comment) == (AnnotationStatus.REJECTED, "The box misses the <tail>.")
    # The annotator gets it back first, with the comment.
    page.context.clear_cookies()
    annotator_page = page
    annotator_page.goto("/login/")
    annotator_page.get_by_label("Username").fill("ann")
    annotator_page.get_by_label("Password").fill("correct-horse-battery-staple")
    annotator_page.get_by_role("button", name="Log in").click()
    open_editor(annotator_page, f"/projects/{project.pk}/label/")
    expect(annotator_page.get_by_role("alert")).to_contain_text("The box misses the <tail>.")


def test_a_correction_is_saved_as_a_new_version_when_accepting(logged_in_page, people, project, submitted):
    page = logged_in_page(people["reviewer"])
    open_editor(page, f"/projects/{project.pk}/review/{submitted.pk}/")
    page.locator(".region-row").first.click()
    page.locator(".stage-regions").focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#review-correction")).to_be_visible()
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("heading", name="All done")).to_be_visible()
    submitted.refresh_from_db()
    assert submitted.status == AnnotationStatus.ACCEPTED
    (box,) = submitted.regions.all()
    assert box.x == pytest.approx(15)
    review = Review.objects.get(annotation=submitted)
    assert review.corrected_version == submitted.version


def test_reviewing_moves_on_to_the_next_submitted_annotation(logged_in_page, people, project, submitted):
    other_annotator = add_member(project, Role.ANNOTATOR, user=UserFactory(username="ann2"))
    second = submit_box(project, other_annotator, make_marked_item(project, name="second.png"), x=30)
    page = logged_in_page(people["reviewer"])
    open_editor(page, f"/projects/{project.pk}/review/")
    expect(page.locator("#editor-title")).to_have_text("markers.png")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#editor-title")).to_have_text("second.png")
    expect(page).to_have_url(f"{page.url.split('/projects/')[0]}/projects/{project.pk}/review/{second.pk}/")
    page.get_by_role("button", name="Skip").click()
    expect(page.get_by_role("heading", name="All done")).to_be_visible()
    assert Annotation.objects.get(pk=second.pk).status == AnnotationStatus.SUBMITTED
