"""Imports: dry runs report every problem without writing, real imports are all or nothing and idempotent."""

from __future__ import annotations

import json

import pytest

from exchange.models import ImportJob
from labeling.models import Annotation, Region
from projects.models import Item, LabelClass
from tests.exchange.conftest import import_file, make_zip
from tests.factories import make_image_item, png_bytes

pytestmark = pytest.mark.django_db


def _coco(images: list[dict], annotations: list[dict], categories: list[dict] | None = None) -> bytes:
    categories = categories or [{"id": 1, "name": "cat"}, {"id": 2, "name": "zebra"}]
    return json.dumps({"images": images, "annotations": annotations, "categories": categories}).encode()


def _box(image_id: int, category: int, bbox: list[float]) -> dict:
    return {"id": 1, "image_id": image_id, "category_id": category, "bbox": bbox, "segmentation": [], "iscrowd": 0}


@pytest.fixture
def broken(project):
    """COCO with an unknown class, a box outside its image and a missing image."""
    make_image_item(project, width=32, height=24, name="here.png")
    return _coco(
        [
            {"id": 1, "file_name": "here.png", "width": 32, "height": 24},
            {"id": 2, "file_name": "missing.png", "width": 10, "height": 10},
        ],
        [_box(1, 1, [40, 1, 5, 5]), _box(1, 2, [1, 1, 5, 5]), _box(2, 1, [1, 1, 2, 2])],
    )


def test_dry_run_reports_every_problem_and_writes_nothing(project, manager_api, broken):
    response = import_file(manager_api, project, broken, "coco.json", format="coco", dry_run=True)
    assert response.status_code == 200
    codes = sorted(problem["code"] for problem in response.data["problems"])
    assert codes == ["missing_image", "outside_image", "unknown_class"]
    assert response.data["unknown_classes"] == ["zebra"]
    assert all(problem["file"] == "coco.json" for problem in response.data["problems"])
    assert not Annotation.objects.exists() and not ImportJob.objects.exists()


def test_import_with_problems_answers_400_and_writes_nothing(project, manager_api, broken):
    response = import_file(manager_api, project, broken, "coco.json", format="coco")
    assert response.status_code == 400
    assert len(response.data["problems"]) == 3
    assert not Annotation.objects.exists() and not LabelClass.objects.filter(name="zebra").exists()


def test_dry_run_counts_what_would_be_created(project, manager_api):
    make_image_item(project, width=32, height=24, name="here.png")
    data = _coco([{"id": 1, "file_name": "here.png", "width": 32, "height": 24}], [_box(1, 2, [1, 1, 5, 5])])
    response = import_file(
        manager_api, project, data, "coco.json", format="coco", dry_run=True, class_mapping={"zebra": "create"}
    )
    assert response.status_code == 200
    assert response.data["would_create"] == {"items": 0, "annotations": 1, "regions": 1, "classes": 1}
    assert response.data["problems"] == []
    assert not LabelClass.objects.filter(name="zebra").exists()


def test_class_mapping_maps_their_name_to_one_of_ours(project, manager_api):
    item = make_image_item(project, width=32, height=24, name="here.png")
    data = _coco([{"id": 1, "file_name": "here.png", "width": 32, "height": 24}], [_box(1, 2, [1, 1, 5, 5])])
    dog = project.classes.get(name="dog")
    response = import_file(manager_api, project, data, "coco.json", format="coco", class_mapping={"zebra": dog.pk})
    assert response.status_code == 201, response.data
    assert list(Region.objects.filter(annotation__item=item).values_list("label_class", flat=True)) == [dog.pk]


def test_retried_import_returns_the_first_result_and_creates_nothing_more(project, manager_api):
    make_image_item(project, width=32, height=24, name="here.png")
    data = _coco([{"id": 1, "file_name": "here.png", "width": 32, "height": 24}], [_box(1, 1, [1, 1, 5, 5])])
    first = import_file(manager_api, project, data, "coco.json", format="coco")
    second = import_file(manager_api, project, data, "coco.json", format="coco")
    assert first.status_code == 201 and second.status_code == 200
    assert second.data["replayed"] is True and second.data["job"] == first.data["job"]
    assert second.data["created"] == first.data["created"]
    assert Annotation.objects.count() == 1 and Region.objects.count() == 1


def test_importing_other_labels_again_replaces_the_importers_annotation_keeping_history(project, manager_api):
    item = make_image_item(project, width=32, height=24, name="here.png")
    image = [{"id": 1, "file_name": "here.png", "width": 32, "height": 24}]
    import_file(manager_api, project, _coco(image, [_box(1, 1, [1, 1, 5, 5])]), "a.json", format="coco")
    response = import_file(manager_api, project, _coco(image, [_box(1, 1, [2, 2, 5, 5])]), "b.json", format="coco")
    assert response.data["updated_annotations"] == 1
    annotation = Annotation.objects.get(item=item)
    assert annotation.version == 2 and annotation.revisions.count() == 2
    assert list(annotation.regions.values_list("x", flat=True)) == [2.0]


def test_import_as_predictions_makes_pre_annotations(project, manager_api):
    item = make_image_item(project, width=32, height=24, name="here.png")
    data = _coco([{"id": 1, "file_name": "here.png", "width": 32, "height": 24}], [_box(1, 1, [1, 1, 5, 5])])
    response = import_file(manager_api, project, data, "p.json", format="coco", as_predictions=True, model_name="detr")
    assert response.status_code == 201, response.data
    prediction = Annotation.objects.get(item=item)
    assert prediction.is_prediction and prediction.model_name == "detr"


def test_images_in_the_zip_become_items_and_known_content_is_not_duplicated(project, manager_api):
    existing = make_image_item(project, width=32, height=24, name="old-name.png")
    with existing.file.open("rb") as handle:
        known = handle.read()
    data = make_zip(
        {
            "images/train/again.png": known,
            "images/train/new.png": png_bytes(16, 16, (0, 0, 9)),
            "annotations/instances_train.json": _coco(
                [{"id": 1, "file_name": "again.png"}, {"id": 2, "file_name": "new.png"}],
                [_box(1, 1, [1, 1, 5, 5]), _box(2, 1, [1, 1, 5, 5])],
            ),
        }
    )
    response = import_file(manager_api, project, data, "d.zip", format="coco")
    assert response.status_code == 201, response.data
    assert response.data["created"]["items"] == 1 and response.data["matched_items"] == 1
    new = Item.objects.get(original_name="new.png")
    assert new.version_entries.get().split == "train" and new.width == 16


def test_a_failure_while_writing_rolls_everything_back(project, manager_api, monkeypatch):
    data = make_zip(
        {
            "images/new.png": png_bytes(16, 16, (0, 0, 9)),
            "labels.json": _coco([{"id": 1, "file_name": "new.png"}], [_box(1, 2, [1, 1, 5, 5])]),
        }
    )

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("exchange.services.imports.refresh_item_status", explode)
    with pytest.raises(RuntimeError):
        import_file(manager_api, project, data, "d.zip", format="coco", create_missing_classes=True)
    assert not Item.objects.exists() and not LabelClass.objects.filter(name="zebra").exists()
    assert not Annotation.objects.exists() and not ImportJob.objects.exists()


def test_polygon_for_a_box_only_project_becomes_its_box(manager, manager_api):
    from tests.factories import make_project

    project = make_project(manager=manager, kinds=("bbox",))
    make_image_item(project, width=32, height=24, name="here.png")
    polygon = {
        "id": 1,
        "image_id": 1,
        "category_id": 1,
        "bbox": [1, 2, 10, 5],
        "iscrowd": 0,
        "segmentation": [[1, 2, 11, 2, 6, 7]],
    }
    data = _coco([{"id": 1, "file_name": "here.png"}], [polygon])
    response = import_file(manager_api, project, data, "c.json", format="coco")
    assert response.status_code == 201, response.data
    region = Region.objects.get()
    assert (region.kind, region.x, region.y, region.width, region.height) == ("bbox", 1, 2, 10, 5)


def test_unreadable_label_file_is_a_problem_not_a_crash(project, manager_api):
    response = import_file(manager_api, project, b"{not json", "x.json", format="coco")
    assert response.status_code == 400
    assert "Not valid JSON" in response.data["problems"][0]["message"]
