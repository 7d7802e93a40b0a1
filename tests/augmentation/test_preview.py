"""Preview: original and K outputs with labels, computed in the request, reproducible by seed, fast."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from tests.augmentation.conftest import FIVE_STEPS, FLIP, add_image, add_text, annotate, box

pytestmark = pytest.mark.django_db


def url(project) -> str:
    return f"/api/v1/projects/{project.pk}/pipelines/preview/"


def decoded_size(data_url: str) -> tuple[int, int]:
    assert data_url.startswith("data:image/jpeg;base64,")
    with Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))) as image:
        return image.size


def test_preview_shows_the_original_and_each_copy_with_its_boxes(manager_api, project, classes):
    item = add_image(project, width=64, height=48)
    annotate(item, [box(classes["cat"], 4, 6, 20, 10)])

    response = manager_api.post(url(project), {"config": FLIP, "item": item.pk, "copies": 2})

    assert response.status_code == 200, response.data
    (entry,) = response.data["items"]
    assert entry["item"] == item.pk
    (original_box,) = entry["original"]["regions"]
    assert (original_box["x"], original_box["width"], original_box["label_class"]) == (4, 20, classes["cat"])
    assert [output["copy_index"] for output in entry["outputs"]] == [0, 1]
    for output in entry["outputs"]:
        (flipped,) = output["regions"]
        assert (flipped["x"], flipped["y"], flipped["width"], flipped["height"]) == (40, 6, 20, 10)
        assert decoded_size(output["image"]) == (64, 48)
    assert {c["name"] for c in response.data["classes"]} == {"cat", "dog"}


def test_the_same_seed_gives_the_same_preview_and_another_seed_another(manager_api, project, labelled_images):
    body = {"config": FIVE_STEPS, "item": labelled_images[0].pk, "copies": 3}
    first = manager_api.post(url(project), {**body, "seed": 5}).data["items"]
    again = manager_api.post(url(project), {**body, "seed": 5}).data["items"]
    other = manager_api.post(url(project), {**body, "seed": 6}).data["items"]
    assert first == again
    assert [o["image"] for o in first[0]["outputs"]] != [o["image"] for o in other[0]["outputs"]]


def test_random_items_are_chosen_by_the_seed_among_labelled_items(manager_api, project, labelled_images):
    add_image(project, seed=42)  # unlabelled: a preview is about labels, so these come last
    body = {"config": FLIP, "random": 3, "copies": 1, "seed": 11}
    first = [entry["item"] for entry in manager_api.post(url(project), body).data["items"]]
    again = [entry["item"] for entry in manager_api.post(url(project), body).data["items"]]
    assert first == again and len(first) == 3
    assert set(first) <= {item.pk for item in labelled_images}


def test_a_saved_pipeline_can_be_previewed_by_id(manager_api, project, make_pipeline, labelled_images):
    pipeline = make_pipeline()
    response = manager_api.post(url(project), {"pipeline": pipeline.pk, "item": labelled_images[0].pk, "copies": 1})
    assert response.status_code == 200
    assert len(response.data["items"][0]["outputs"]) == 1


def test_an_invalid_config_answers_400_with_every_problem(manager_api, project, labelled_images):
    config = {"steps": [{"type": "Rotate", "limit": 999}, {"type": "Nope"}]}
    response = manager_api.post(url(project), {"config": config, "item": labelled_images[0].pk})
    assert response.status_code == 400
    assert set(response.data["errors"]) == {"config.steps[0].limit", "config.steps[1].type"}


def test_an_item_of_another_project_is_not_previewed(manager_api, project, labelled_images):
    from tests.factories import make_project

    stranger = add_image(make_project(name="other"))
    response = manager_api.post(url(project), {"config": FLIP, "item": stranger.pk})
    assert response.status_code == 400
    assert response.data["errors"] == {"item": ["No such item in this project."]}


def test_more_than_eight_copies_are_refused(manager_api, project, labelled_images):
    response = manager_api.post(url(project), {"config": FLIP, "item": labelled_images[0].pk, "copies": 9})
    assert response.status_code == 400
    assert "copies" in response.data["errors"]


def test_large_images_are_shrunk_with_their_labels(manager_api, project, classes, settings):
    settings.AUGMENTATION_PREVIEW_MAX_SIDE = 100
    item = add_image(project, width=400, height=200)
    annotate(item, [box(classes["cat"], 40, 20, 100, 60)])
    entry = manager_api.post(url(project), {"config": FLIP, "item": item.pk, "copies": 1}).data["items"][0]
    assert entry["scale"] == 0.25
    assert decoded_size(entry["original"]["image"]) == (100, 50)
    (original,) = entry["original"]["regions"]
    assert (original["x"], original["y"], original["width"], original["height"]) == (10, 5, 25, 15)


def test_an_image_preview_with_eight_copies_of_the_bench_pipeline(manager_api, project, classes):
    # Its speed (under a second is the goal) is measured by bench/preview.py, not asserted here.
    item = add_image(project, width=640, height=480, seed=3)
    annotate(item, [box(classes["cat"], 10 + 50 * i, 20 + 30 * i, 60, 40) for i in range(10)])
    response = manager_api.post(url(project), {"config": FIVE_STEPS, "item": item.pk, "copies": 8})

    assert response.status_code == 200
    outputs = response.data["items"][0]["outputs"]
    assert [output["copy_index"] for output in outputs] == list(range(8))
    for output in outputs:
        assert decoded_size(output["image"]) == (output["width"], output["height"])
        assert 0 < len(output["regions"]) <= 10  # min_visibility may drop a box an affine pushes out
        assert {region["kind"] for region in output["regions"]} == {"bbox"}
    assert response.data["elapsed_ms"] >= 0


def test_a_text_preview_shows_texts_with_their_spans(manager_api, project):
    from projects.models import LabelClass

    person = LabelClass.objects.create(project=project, name="PER", color="#123456")
    item = add_text(project, "Alice met Bob in Paris today")
    annotate(item, [{"kind": "text_span", "label_class_id": person.pk, "start": 0, "end": 5}])
    config = {"seed": 1, "steps": [{"type": "RandomSwap", "p": 1.0, "fraction": 0.5}]}

    entry = manager_api.post(url(project), {"config": config, "item": item.pk, "copies": 2}).data["items"][0]

    assert entry["original"]["text"] == item.text
    for output in entry["outputs"]:
        (span,) = output["regions"]
        assert output["text"][span["start"] : span["end"]] == "Alice"


def test_an_image_pipeline_cannot_preview_a_text(manager_api, project):
    item = add_text(project, "just words")
    response = manager_api.post(url(project), {"config": FLIP, "item": item.pk})
    assert response.status_code == 400
    assert "works on images" in response.data["detail"]


def test_a_viewer_may_preview(client_for, project, labelled_images):
    from tests.factories import add_member

    viewer = add_member(project, role="viewer")
    response = client_for(viewer).post(url(project), {"config": FLIP, "item": labelled_images[0].pk, "copies": 1})
    assert response.status_code == 200
