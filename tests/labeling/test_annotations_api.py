from __future__ import annotations

import pytest

from labeling.models import Annotation, AnnotationStatus
from projects.models import Role
from tests.factories import UserFactory, add_member
from tests.labeling.conftest import annotation_url, annotations_url, box, create, hand

pytestmark = pytest.mark.django_db


def test_annotator_creates_a_box_annotation_and_gets_its_etag(annotator_api, annotator, image_item, cat):
    hand(image_item, annotator)
    response = create(annotator_api, image_item, [box(cat, key="b1")])
    assert response.status_code == 201, response.data
    assert response["ETag"] == '"1"'
    assert response.data["version"] == 1 and response.data["status"] == "draft"
    assert response.data["regions"] == [
        {
            "key": "b1",
            "kind": "bbox",
            "label_class": cat.pk,
            "x": 1.0,
            "y": 2.0,
            "width": 10.0,
            "height": 8.0,
            "area": 80.0,
            "comment": "",
            "confidence": None,
        }
    ]
    image_item.refresh_from_db()
    assert image_item.status == "in_progress"


def test_get_returns_the_annotation_with_its_etag(annotator_api, annotator, image_item, cat):
    hand(image_item, annotator)
    created = create(annotator_api, image_item, [box(cat)]).data
    response = annotator_api.get(annotation_url(created["id"], image_item.project_id))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.data["regions"][0]["kind"] == "bbox"


def test_put_replaces_regions_and_raises_the_version(annotator_api, annotator, image_item, cat, dog):
    hand(image_item, annotator)
    created = create(annotator_api, image_item, [box(cat), box(cat, x=5)]).data
    response = annotator_api.put(
        annotation_url(created["id"], image_item.project_id),
        {"regions": [box(dog)]},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.data
    assert response["ETag"] == '"2"'
    assert [r["label_class"] for r in response.data["regions"]] == [dog.pk]


def test_update_without_if_match_answers_428(annotator_api, annotator, image_item, cat):
    hand(image_item, annotator)
    created = create(annotator_api, image_item, [box(cat)]).data
    response = annotator_api.put(annotation_url(created["id"], image_item.project_id), {"regions": []}, format="json")
    assert response.status_code == 428
    assert Annotation.objects.get(pk=created["id"]).regions.count() == 1


def test_stale_if_match_answers_412_with_the_current_version_and_writes_nothing(
    annotator_api, annotator, image_item, cat
):
    hand(image_item, annotator)
    created = create(annotator_api, image_item, [box(cat)]).data
    url = annotation_url(created["id"], image_item.project_id)
    assert annotator_api.put(url, {"regions": [box(cat, x=3)]}, format="json", HTTP_IF_MATCH='"1"').status_code == 200
    stale = annotator_api.put(url, {"regions": []}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.data["current_version"] == 2
    assert stale["ETag"] == '"2"'
    assert stale.data["current"]["regions"][0]["x"] == 3.0
    assert Annotation.objects.get(pk=created["id"]).regions.count() == 1


def test_if_match_star_is_refused(annotator_api, annotator, image_item, cat):
    hand(image_item, annotator)
    created = create(annotator_api, image_item, [box(cat)]).data
    response = annotator_api.put(
        annotation_url(created["id"], image_item.project_id), {"regions": []}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 400
    assert "If-Match" in response.data["errors"]


def test_retried_create_with_the_same_idempotency_key_returns_the_first_annotation(
    annotator_api, annotator, image_item, cat
):
    hand(image_item, annotator)
    first = annotator_api.post(
        annotations_url(image_item), {"regions": [box(cat)]}, format="json", HTTP_IDEMPOTENCY_KEY="abc-1"
    )
    retry = annotator_api.post(
        annotations_url(image_item), {"regions": [box(cat)]}, format="json", HTTP_IDEMPOTENCY_KEY="abc-1"
    )
    assert first.status_code == retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.data["id"] == first.data["id"]
    assert Annotation.objects.filter(item=image_item).count() == 1


def test_second_create_without_key_is_a_conflict_naming_the_existing_annotation(
    annotator_api, annotator, image_item, cat
):
    hand(image_item, annotator)
    first = create(annotator_api, image_item, [box(cat)]).data
    response = create(annotator_api, image_item, [box(cat)])
    assert response.status_code == 409
    assert response.data["annotation"] == first["id"]


def test_annotator_cannot_annotate_an_item_not_handed_to_them(annotator_api, image_item, cat):
    response = create(annotator_api, image_item, [box(cat)])
    assert response.status_code == 403
    assert "queue/next" in response.data["detail"]


def test_manager_may_annotate_any_item(manager_api, image_item, cat):
    assert create(manager_api, image_item, [box(cat)]).status_code == 201


def test_viewer_cannot_create_annotations(client_for, image_project, image_item, cat):
    viewer = add_member(image_project, Role.VIEWER)
    assert create(client_for(viewer), image_item, [box(cat)]).status_code == 403


def test_annotators_do_not_see_each_others_annotations_but_reviewers_do(
    client_for, image_project, image_item, annotator, annotator_api, cat
):
    other = add_member(image_project, Role.ANNOTATOR)
    hand(image_item, annotator)
    hand(image_item, other)
    create(annotator_api, image_item, [box(cat)])
    create(client_for(other), image_item, [box(cat, x=4)])
    mine = annotator_api.get(annotations_url(image_item)).data["results"]
    assert [a["annotator"] for a in mine] == [annotator.pk]
    reviewer = add_member(image_project, Role.REVIEWER)
    assert client_for(reviewer).get(annotations_url(image_item)).data["count"] == 2


def test_annotator_cannot_edit_someone_elses_annotation(client_for, image_project, image_item, annotator, cat):
    hand(image_item, annotator)
    created = create(client_for(annotator), image_item, [box(cat)]).data
    reviewer = add_member(image_project, Role.REVIEWER)
    response = client_for(reviewer).put(
        annotation_url(created["id"], image_project.pk), {"regions": []}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 403


def test_stranger_gets_404_for_an_annotation(client_for, image_item, manager_api, cat):
    created = create(manager_api, image_item, [box(cat)]).data
    stranger = UserFactory()
    response = client_for(stranger).get(annotation_url(created["id"], image_item.project_id))
    assert response.status_code == 404


def test_submit_marks_the_annotation_and_the_item_submitted(annotator_api, annotator, image_item, cat):
    hand(image_item, annotator)
    created = create(annotator_api, image_item, [box(cat)]).data
    response = annotator_api.post(
        annotation_url(created["id"], image_item.project_id, "submit/"), {}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200, response.data
    assert response.data["status"] == AnnotationStatus.SUBMITTED and response.data["version"] == 2
    image_item.refresh_from_db()
    assert image_item.status == "submitted"


def test_bulk_regions_endpoint_creates_then_replaces_with_if_match(annotator_api, annotator, image_item, cat, dog):
    hand(image_item, annotator)
    url = f"/api/v1/projects/{image_item.project_id}/items/{image_item.pk}/regions/"
    created = annotator_api.put(url, {"regions": [box(cat), box(cat, x=3)]}, format="json")
    assert created.status_code == 201, created.data
    without_etag = annotator_api.put(url, {"regions": [box(dog)]}, format="json")
    assert without_etag.status_code == 428
    replaced = annotator_api.put(url, {"regions": [box(dog)]}, format="json", HTTP_IF_MATCH='"1"')
    assert replaced.status_code == 200
    assert [r["label_class"] for r in replaced.data["regions"]] == [dog.pk]


def test_delete_needs_the_etag_and_returns_the_item_to_new(annotator_api, annotator, image_item, cat):
    hand(image_item, annotator)
    created = create(annotator_api, image_item, [box(cat)], submit=True).data
    url = annotation_url(created["id"], image_item.project_id)
    assert annotator_api.delete(url).status_code == 428
    assert annotator_api.delete(url, HTTP_IF_MATCH='"1"').status_code == 204
    image_item.refresh_from_db()
    assert image_item.status == "new"


def test_save_takes_a_bounded_number_of_queries(
    annotator_api, annotator, image_item, cat, django_assert_max_num_queries
):
    hand(image_item, annotator)
    created = create(annotator_api, image_item, [box(cat)]).data
    regions = [box(cat, x=float(i)) for i in range(10)]
    with django_assert_max_num_queries(9):
        response = annotator_api.put(
            annotation_url(created["id"], image_item.project_id),
            {"regions": regions},
            format="json",
            HTTP_IF_MATCH='"1"',
        )
    assert response.status_code == 200


def test_deleting_a_class_in_use_reports_the_annotation_count(manager_api, image_project, image_item, cat):
    create(manager_api, image_item, [box(cat), box(cat, x=5)])
    response = manager_api.delete(f"/api/v1/projects/{image_project.pk}/classes/{cat.pk}/")
    assert response.status_code == 409
    assert response.data["annotation_count"] == 1


def test_history_keeps_every_version(annotator_api, annotator, image_item, cat, dog):
    hand(image_item, annotator)
    created = create(annotator_api, image_item, [box(cat)]).data
    url = annotation_url(created["id"], image_item.project_id)
    annotator_api.put(url, {"regions": [box(dog)]}, format="json", HTTP_IF_MATCH='"1"')
    annotator_api.post(url + "submit/", {}, format="json", HTTP_IF_MATCH='"2"')
    history = annotator_api.get(url + "history/").data
    assert [(v["version"], v["action"]) for v in history["versions"]] == [
        (1, "created"),
        (2, "edited"),
        (3, "submitted"),
    ]
    assert history["versions"][0]["regions"][0]["label_class"] == cat.pk
    assert history["versions"][2]["regions_changed"] is False
    assert history["versions"][2]["regions"][0]["label_class"] == dog.pk


def test_project_annotation_list_filters_by_status(manager_api, image_project, cat):
    from tests.factories import make_image_item

    first, second = (make_image_item(image_project, color=(i, 5, 5)) for i in range(2))
    create(manager_api, first, [box(cat)], submit=True)
    create(manager_api, second, [box(cat)])
    listed = manager_api.get(f"/api/v1/projects/{image_project.pk}/annotations/", {"status": "submitted"}).data
    assert [a["item"] for a in listed["results"]] == [first.pk]


def test_region_list_filters_by_class_and_names_item_and_annotation(manager_api, image_project, image_item, cat, dog):
    annotation = create(manager_api, image_item, [box(cat), box(dog, x=4)]).data
    listed = manager_api.get(f"/api/v1/projects/{image_project.pk}/regions/", {"label_class": dog.pk}).data
    assert [(r["annotation"], r["item"], r["label_class"], r["x"]) for r in listed["results"]] == [
        (annotation["id"], image_item.pk, dog.pk, 4.0)
    ]


def test_annotators_list_only_their_own_regions(client_for, image_project, image_item, annotator, cat):
    hand(image_item, annotator)
    create(client_for(annotator), image_item, [box(cat)])
    other = add_member(image_project, Role.ANNOTATOR)
    assert client_for(other).get(f"/api/v1/projects/{image_project.pk}/regions/").data["count"] == 0


def test_a_project_with_annotations_can_be_deleted(manager_api, image_project, image_item, cat):
    create(manager_api, image_item, [box(cat)])
    assert manager_api.delete(f"/api/v1/projects/{image_project.pk}/").status_code == 204
    assert not Annotation.objects.exists()


def test_an_item_with_annotations_can_be_deleted(manager_api, image_project, image_item, cat):
    create(manager_api, image_item, [box(cat)])
    assert manager_api.delete(f"/api/v1/projects/{image_project.pk}/items/{image_item.pk}/").status_code == 204
    assert not Annotation.objects.exists()


def test_openapi_schema_documents_the_annotation_endpoints(manager_api):
    schema = manager_api.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/projects/{project_pk}/items/{item_pk}/annotations/",
        "/api/v1/projects/{project_pk}/annotations/{id}/review/",
        "/api/v1/projects/{project_pk}/queue/next/",
        "/api/v1/projects/{project_pk}/sessions/totals/",
        "/api/v1/projects/{project_pk}/predictions/import/",
    ):
        assert path in paths
    parameters = paths["/api/v1/projects/{project_pk}/annotations/{id}/"]["put"]["parameters"]
    assert any(p["name"] == "If-Match" and p["required"] for p in parameters)


def test_item_annotations_of_a_missing_item_answer_404(manager_api, image_project):
    assert manager_api.get(f"/api/v1/projects/{image_project.pk}/items/999999/annotations/").status_code == 404


def test_item_annotations_are_paginated_with_a_count(manager_api, client_for, image_project, image_item, cat):
    create(manager_api, image_item, [box(cat)])
    other = add_member(image_project, Role.MANAGER)
    create(client_for(other), image_item, [box(cat)])
    first = manager_api.get(annotations_url(image_item), {"page_size": 1}).data
    assert (first["count"], len(first["results"]), first["next"] is not None) == (2, 1, True)
    whole = manager_api.get(annotations_url(image_item)).data
    assert (whole["count"], len(whole["results"]), whole["next"]) == (2, 2, None)


def test_annotation_answer_has_exactly_the_documented_fields(manager_api, image_item, cat):
    from labeling.api.serializers import AnnotationSerializer

    body = create(manager_api, image_item, [box(cat)], submit=True).data
    assert set(body) == set(AnnotationSerializer().fields)
    assert body["submitted_at"].endswith("Z")


def test_items_can_be_filtered_by_the_class_of_their_regions(manager_api, image_project, image_item, cat, dog):
    from tests.factories import make_image_item

    other = make_image_item(image_project, color=(7, 7, 7))
    create(manager_api, image_item, [box(cat)])
    create(manager_api, other, [box(dog)])
    listed = manager_api.get(f"/api/v1/projects/{image_project.pk}/items/", {"label_class": dog.pk}).data
    assert [i["id"] for i in listed["results"]] == [other.pk]
