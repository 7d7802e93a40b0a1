"""Review: accept, reject with a comment, correct in a new version while the original is kept."""

from __future__ import annotations

import pytest

from labeling.models import Annotation, Review
from projects.models import Role
from tests.factories import add_member
from tests.labeling.conftest import annotation_url, box, create, hand

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer_api(client_for, image_project):
    return client_for(add_member(image_project, Role.REVIEWER))


@pytest.fixture
def submitted(annotator_api, annotator, image_item, cat):
    hand(image_item, annotator)
    response = create(annotator_api, image_item, [box(cat, key="b1")], submit=True)
    assert response.status_code == 201, response.data
    return response.data


def review(api, annotation, version=1, **body):
    return api.post(
        annotation_url(annotation["id"], annotation_project(annotation), "review/"),
        body,
        format="json",
        HTTP_IF_MATCH=f'"{version}"',
    )


def annotation_project(annotation):
    return Annotation.objects.get(pk=annotation["id"]).project_id


def test_accept_marks_annotation_and_item_accepted(reviewer_api, submitted, image_item):
    response = review(reviewer_api, submitted, decision="accept", comment="Good.")
    assert response.status_code == 200, response.data
    assert (response.data["status"], response.data["version"], response.data["review_comment"]) == (
        "accepted",
        2,
        "Good.",
    )
    image_item.refresh_from_db()
    assert image_item.status == "accepted"


def test_reject_needs_a_comment(reviewer_api, submitted):
    response = review(reviewer_api, submitted, decision="reject")
    assert response.status_code == 400
    assert "comment" in response.data["errors"]


def test_correction_is_a_new_version_and_the_original_is_kept(reviewer_api, submitted, cat, dog):
    response = review(
        reviewer_api, submitted, decision="accept", comment="It is a dog.", regions=[box(dog, key="b1", x=3)]
    )
    assert response.status_code == 200, response.data
    assert response.data["version"] == 2
    assert [(r["label_class"], r["x"]) for r in response.data["regions"]] == [(dog.pk, 3.0)]
    history = reviewer_api.get(annotation_url(submitted["id"], annotation_project(submitted), "history/")).data
    original, corrected = history["versions"]
    assert (original["version"], original["action"], original["regions"][0]["label_class"]) == (1, "created", cat.pk)
    assert (corrected["version"], corrected["action"], corrected["regions"][0]["label_class"]) == (
        2,
        "corrected",
        dog.pk,
    )
    assert history["reviews"][0]["reviewed_version"] == 1
    assert history["reviews"][0]["corrected_version"] == 2


def test_correction_is_validated_like_any_annotation(reviewer_api, submitted, cat):
    response = review(reviewer_api, submitted, decision="accept", regions=[box(cat, width=0)])
    assert response.status_code == 400
    assert "regions[0].width" in response.data["errors"]


def test_review_needs_the_current_etag(reviewer_api, submitted):
    assert review(reviewer_api, submitted, version=7, decision="accept").status_code == 412
    response = reviewer_api.post(
        annotation_url(submitted["id"], annotation_project(submitted), "review/"), {"decision": "accept"}, format="json"
    )
    assert response.status_code == 428


def test_annotators_cannot_review(annotator_api, submitted):
    assert review(annotator_api, submitted, decision="accept").status_code == 403


def test_drafts_cannot_be_reviewed(reviewer_api, manager_api, image_item, cat):
    draft = create(manager_api, image_item, [box(cat)]).data
    response = review(reviewer_api, draft, decision="accept")
    assert response.status_code == 409


def test_accepted_annotation_is_locked_for_its_annotator(reviewer_api, annotator_api, submitted, cat):
    review(reviewer_api, submitted, decision="accept")
    response = annotator_api.put(
        annotation_url(submitted["id"], annotation_project(submitted)),
        {"regions": [box(cat)]},
        format="json",
        HTTP_IF_MATCH='"2"',
    )
    assert response.status_code == 409


def test_rejected_annotation_is_fixed_and_resubmitted(reviewer_api, annotator_api, submitted, image_item, cat):
    review(reviewer_api, submitted, decision="reject", comment="Missing the second cat.")
    response = annotator_api.put(
        annotation_url(submitted["id"], annotation_project(submitted)),
        {"regions": [box(cat), box(cat, x=12)], "submit": True},
        format="json",
        HTTP_IF_MATCH='"2"',
    )
    assert response.status_code == 200, response.data
    assert response.data["status"] == "submitted"
    image_item.refresh_from_db()
    assert image_item.status == "submitted"
    assert list(Review.objects.values_list("decision", flat=True)) == ["reject"]
