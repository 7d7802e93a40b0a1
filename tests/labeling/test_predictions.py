"""Importing predictions (pre-annotations) for many items in one request."""

from __future__ import annotations

import pytest

from labeling.models import Annotation
from tests.factories import make_image_item
from tests.labeling.conftest import annotations_url, box, hand

pytestmark = pytest.mark.django_db


def import_url(project):
    return f"/api/v1/projects/{project.pk}/predictions/import/"


@pytest.fixture
def two_items(image_project):
    return [make_image_item(image_project, color=(i, 1, 1)) for i in range(2)]


def test_import_creates_one_prediction_per_item_with_confidences(manager_api, image_project, two_items, cat):
    body = {
        "model_name": "detector-v2",
        "items": [
            {"item": two_items[0].pk, "regions": [box(cat, confidence=0.9), box(cat, x=5, confidence=0.4)]},
            {"item": two_items[1].pk, "regions": [box(cat, confidence=0.7)]},
        ],
    }
    response = manager_api.post(import_url(image_project), body, format="json")
    assert response.status_code == 200, response.data
    assert response.data == {"created": 2, "updated": 0, "regions": 3}
    prediction = Annotation.objects.get(item=two_items[0])
    assert prediction.is_prediction and prediction.model_name == "detector-v2"
    assert sorted(prediction.regions.values_list("confidence", flat=True)) == [0.4, 0.9]


def test_importing_again_replaces_the_models_prediction_in_a_new_version(manager_api, image_project, two_items, cat):
    body = {"model_name": "m", "items": [{"item": two_items[0].pk, "regions": [box(cat)]}]}
    manager_api.post(import_url(image_project), body, format="json")
    body["items"][0]["regions"] = [box(cat, x=3), box(cat, x=4)]
    response = manager_api.post(import_url(image_project), body, format="json")
    assert response.data == {"created": 0, "updated": 1, "regions": 2}
    prediction = Annotation.objects.get(item=two_items[0])
    assert (prediction.version, prediction.regions.count()) == (2, 2)


def test_import_errors_name_the_item_and_region_and_nothing_is_written(manager_api, image_project, two_items, cat):
    body = {
        "model_name": "m",
        "items": [
            {"item": two_items[0].pk, "regions": [box(cat, width=-1)]},
            {"item": 999999, "regions": []},
        ],
    }
    response = manager_api.post(import_url(image_project), body, format="json")
    assert response.status_code == 400
    assert set(response.data["errors"]) == {"items[0].regions[0].width", "items[1].item"}
    assert not Annotation.objects.exists()


def test_only_managers_import_predictions(annotator_api, image_project, two_items, cat):
    body = {"model_name": "m", "items": [{"item": two_items[0].pk, "regions": []}]}
    assert annotator_api.post(import_url(image_project), body, format="json").status_code == 403


def test_annotators_see_predictions_next_to_their_own_annotation(
    manager_api, annotator_api, annotator, image_project, two_items, cat
):
    item = two_items[0]
    manager_api.post(
        import_url(image_project),
        {"model_name": "m", "items": [{"item": item.pk, "regions": [box(cat)]}]},
        format="json",
    )
    hand(item, annotator)
    annotator_api.post(annotations_url(item), {"regions": []}, format="json")
    listed = annotator_api.get(annotations_url(item)).data["results"]
    assert sorted(a["is_prediction"] for a in listed) == [False, True]


def test_import_over_its_body_limit_answers_413(manager_api, image_project, two_items, cat, settings):
    settings.PREDICTION_IMPORT_MAX_BODY_BYTES = 200
    body = {"model_name": "m", "items": [{"item": two_items[0].pk, "regions": [box(cat) for _ in range(10)]}]}
    assert manager_api.post(import_url(image_project), body, format="json").status_code == 413
