"""The work queue: next item, locks and their expiry, overlap, skip, explicit assignment, returned items."""

from __future__ import annotations

import pytest

from labeling.models import Assignment, AssignmentStatus
from projects.models import Role
from tests.factories import add_member, make_image_item
from tests.labeling.conftest import annotation_url, box, create, next_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(image_project):
    return [make_image_item(image_project, color=(i, 0, 0)) for i in range(3)]


@pytest.fixture
def second(image_project, client_for):
    return client_for(add_member(image_project, Role.ANNOTATOR))


def skip(api, project, item):
    return api.post(f"/api/v1/projects/{project.pk}/queue/skip/", {"item": item.pk}, format="json")


def test_next_hands_out_the_first_new_item_locked_for_its_lock_time(annotator_api, image_project, items, clock):
    response = next_item(annotator_api, image_project)
    assert response.status_code == 200, response.data
    assert response.data["item"]["id"] == items[0].pk
    assert response.data["reason"] == "new"
    assert response.data["lock_expires_at"] == "2026-03-02T09:10:00Z"
    items[0].refresh_from_db()
    assert items[0].status == "in_progress"


def test_an_item_is_not_handed_to_a_second_annotator_beyond_the_overlap(annotator_api, second, image_project, items):
    first = next_item(annotator_api, image_project).data["item"]["id"]
    assert next_item(second, image_project).data["item"]["id"] != first


def test_with_an_overlap_of_two_two_annotators_share_an_item_and_a_third_does_not(
    annotator_api, second, client_for, image_project, items
):
    image_project.annotators_per_item = 2
    image_project.save()
    third = client_for(add_member(image_project, Role.ANNOTATOR))
    handed = [next_item(api, image_project).data["item"]["id"] for api in (annotator_api, second, third)]
    assert handed == [items[0].pk, items[0].pk, items[1].pk]


def test_asking_again_resumes_the_held_item(annotator_api, image_project, items):
    first = next_item(annotator_api, image_project).data
    again = next_item(annotator_api, image_project).data
    assert again["item"]["id"] == first["item"]["id"]
    assert again["reason"] == "resume"
    assert again["session"]["id"] != first["session"]["id"]


def test_an_expired_lock_frees_the_item_for_someone_else(annotator_api, second, image_project, items, clock):
    first = next_item(annotator_api, image_project).data["item"]["id"]
    clock.advance(minutes=10, seconds=1)
    assert next_item(second, image_project).data["item"]["id"] == first


def test_lock_time_is_the_project_setting(annotator_api, second, client_for, image_project, items, clock):
    image_project.lock_minutes = 2
    image_project.save()
    third = client_for(add_member(image_project, Role.ANNOTATOR))
    first = next_item(annotator_api, image_project).data["item"]["id"]
    clock.advance(minutes=1, seconds=59)
    assert next_item(second, image_project).data["item"]["id"] != first
    clock.advance(seconds=2)
    assert next_item(third, image_project).data["item"]["id"] == first


def test_submit_releases_the_lock_and_the_next_call_gives_a_new_item(annotator_api, image_project, items, cat):
    item = items[0]
    assert next_item(annotator_api, image_project).data["item"]["id"] == item.pk
    create(annotator_api, item, [box(cat)], submit=True)
    response = next_item(annotator_api, image_project).data
    assert response["item"]["id"] == items[1].pk
    assert Assignment.objects.get(item=item).status == AssignmentStatus.SUBMITTED


def test_skipped_item_is_not_handed_back_to_the_same_annotator_but_to_others(
    annotator_api, second, image_project, items
):
    first = next_item(annotator_api, image_project).data["item"]["id"]
    assert skip(annotator_api, image_project, items[0]).status_code == 204
    assert next_item(annotator_api, image_project).data["item"]["id"] != first
    assert next_item(second, image_project).data["item"]["id"] == first


def test_nothing_left_answers_204(annotator_api, image_project, items, cat):
    for _ in items:
        handed = next_item(annotator_api, image_project).data["item"]["id"]
        skip(annotator_api, image_project, next(i for i in items if i.pk == handed))
    assert next_item(annotator_api, image_project).status_code == 204


def test_skipping_an_item_you_do_not_hold_is_a_conflict(annotator_api, image_project, items):
    assert skip(annotator_api, image_project, items[0]).status_code == 409


def test_manager_assigns_items_and_they_come_first(manager_api, annotator, annotator_api, image_project, items):
    response = manager_api.post(
        f"/api/v1/projects/{image_project.pk}/queue/assign/",
        {"user": annotator.username, "items": [items[2].pk]},
        format="json",
    )
    assert response.status_code == 200, response.data
    assert response.data == {"assigned": [items[2].pk], "already_submitted": []}
    handed = next_item(annotator_api, image_project).data
    assert (handed["item"]["id"], handed["reason"], handed["lock_expires_at"]) == (items[2].pk, "assigned", None)


def test_annotators_cannot_assign(annotator_api, annotator, image_project, items):
    response = annotator_api.post(
        f"/api/v1/projects/{image_project.pk}/queue/assign/",
        {"user": annotator.pk, "items": [items[0].pk]},
        format="json",
    )
    assert response.status_code == 403


def test_items_cannot_be_assigned_to_a_viewer(manager_api, image_project, items):
    viewer = add_member(image_project, Role.VIEWER)
    response = manager_api.post(
        f"/api/v1/projects/{image_project.pk}/queue/assign/", {"user": viewer.pk, "items": [items[0].pk]}, format="json"
    )
    assert response.status_code == 400
    assert "user" in response.data["errors"]


def test_unassign_takes_unfinished_items_back(manager_api, annotator, image_project, items):
    url = f"/api/v1/projects/{image_project.pk}/queue/"
    manager_api.post(url + "assign/", {"user": annotator.pk, "items": [items[0].pk, items[1].pk]}, format="json")
    response = manager_api.post(url + "unassign/", {"user": annotator.pk, "items": [items[0].pk]}, format="json")
    assert response.data == {"unassigned": 1}
    listed = manager_api.get(url + "assignments/", {"user": annotator.pk}).data["results"]
    assert [row["item"] for row in listed] == [items[1].pk]
    items[0].refresh_from_db()
    assert items[0].status == "new"


def test_rejected_annotation_returns_to_its_annotator_with_the_comment(
    annotator_api, client_for, image_project, items, cat
):
    item = items[0]
    next_item(annotator_api, image_project)
    annotation = create(annotator_api, item, [box(cat)], submit=True).data
    next_item(annotator_api, image_project)  # now holding another item
    reviewer = client_for(add_member(image_project, Role.REVIEWER))
    reviewer.post(
        annotation_url(annotation["id"], image_project.pk, "review/"),
        {"decision": "reject", "comment": "Box too loose."},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    handed = next_item(annotator_api, image_project).data
    assert (handed["item"]["id"], handed["reason"]) == (item.pk, "rejected")
    assert handed["annotation"]["review_comment"] == "Box too loose."
    item.refresh_from_db()
    assert item.status == "rejected"


def test_annotator_whose_lock_expired_cannot_start_an_item_someone_else_took(
    annotator_api, second, image_project, items, cat, clock
):
    item = next_item(annotator_api, image_project).data["item"]["id"]
    clock.advance(minutes=11)
    assert next_item(second, image_project).data["item"]["id"] == item
    response = create(annotator_api, items[0], [box(cat)])
    assert response.status_code == 409
    assert "expired" in response.data["detail"]


def test_annotator_whose_lock_expired_may_still_start_an_item_nobody_took(
    annotator_api, image_project, items, cat, clock
):
    next_item(annotator_api, image_project)
    clock.advance(minutes=11)
    assert create(annotator_api, items[0], [box(cat)]).status_code == 201


def test_own_draft_is_resumed_after_the_lock_expired(annotator_api, image_project, items, cat, clock):
    next_item(annotator_api, image_project)
    create(annotator_api, items[0], [box(cat)])
    clock.advance(minutes=30)
    handed = next_item(annotator_api, image_project).data
    assert (handed["item"]["id"], handed["reason"]) == (items[0].pk, "draft")
    assert handed["annotation"]["version"] == 1


def test_predictions_do_not_take_places_on_items(manager_api, annotator_api, image_project, items, cat):
    manager_api.post(
        f"/api/v1/projects/{image_project.pk}/predictions/import/",
        {"model_name": "m", "items": [{"item": items[0].pk, "regions": [box(cat)]}]},
        format="json",
    )
    assert next_item(annotator_api, image_project).data["item"]["id"] == items[0].pk


def test_augmented_items_are_not_in_the_queue(annotator_api, image_project, items):
    for item in items:
        item.source_item = items[0] if item != items[0] else None
        item.save()
    Assignment.objects.create(project=image_project, item=items[0], user=image_project.created_by, status="submitted")
    assert next_item(annotator_api, image_project).status_code == 204
