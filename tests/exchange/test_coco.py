"""COCO export loads in pycocotools, keeps every shape, and round-trips through import."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from labeling import rle
from labeling.models import Annotation
from projects.models import LabelClass, Role
from tests.exchange.conftest import annotate, body_of, class_id, export, import_file, zip_files
from tests.factories import add_member, make_image_item, make_project

pytestmark = pytest.mark.django_db


def _mask_rle(height: int, width: int, top: int, left: int, size: int) -> dict:
    mask = np.zeros((height, width), dtype=bool)
    mask[top : top + size, left : left + size] = True
    return {"size": [height, width], "counts": rle.to_string(rle.encode(mask))}


@pytest.fixture
def labelled(project, manager):
    """Boxes, a polygon with a hole, an RLE mask, an unlabelled image and a class with no annotations."""
    LabelClass.objects.create(project=project, name="oiseau 🐦", color="#0000ff", order=2)
    LabelClass.objects.create(project=project, name="unused", color="#777777", order=3)
    annotator = add_member(project, Role.ANNOTATOR)
    cat, bird = class_id(project, "cat"), class_id(project, "oiseau 🐦")
    first = make_image_item(project, width=64, height=48, split="train", name="a/one.png")
    second = make_image_item(project, width=40, height=30, color=(1, 2, 3), split="val", name="two.png")
    make_image_item(project, width=20, height=20, color=(9, 9, 9), split="train", name="empty.png")
    annotate(
        project,
        first,
        annotator,
        [
            {"kind": "bbox", "label_class": cat, "x": 1.5, "y": 2, "width": 10.25, "height": 8},
            {
                "kind": "polygon",
                "label_class": bird,
                "points": [[10, 10], [50, 10], [50, 40], [10, 40]],
                "holes": [[[20, 20], [30, 20], [30, 30], [20, 30]]],
            },
            {"kind": "mask", "label_class": cat, "rle": _mask_rle(48, 64, 5, 30, 6)},
        ],
        accept_by=manager,
    )
    annotate(
        project,
        second,
        annotator,
        [
            {"kind": "polygon", "label_class": cat, "points": [[1, 1], [20, 2], [10, 15]]},
            {"kind": "bbox", "label_class": bird, "x": 0, "y": 0, "width": 40, "height": 30},
        ],
    )
    return project


def _coco_files(manager_api, project, tmp_path) -> dict[str, bytes]:
    response = export(manager_api, project, format="coco")
    assert response.status_code == 200, response.content
    assert response["Tandem-Export"] == "streamed"
    return zip_files(body_of(response))


def test_coco_export_has_a_file_per_split_with_every_class(labelled, manager_api, tmp_path):
    files = _coco_files(manager_api, labelled, tmp_path)
    assert sorted(files) == ["annotations/instances_train.json", "annotations/instances_val.json"]
    train = json.loads(files["annotations/instances_train.json"])
    names = [c["name"] for c in train["categories"]]
    assert names == ["cat", "dog", "oiseau 🐦", "unused"]
    assert [c["id"] for c in train["categories"]] == list(
        labelled.classes.order_by("order").values_list("id", flat=True)
    )
    assert {image["file_name"] for image in train["images"]} == {
        f"{i.pk}_{i.original_name.rsplit('/', 1)[-1].rsplit('.', 1)[0]}.png"
        for i in labelled.items.filter(version_entries__split="train")
    }


def test_coco_export_loads_in_pycocotools_and_every_annotation_has_a_mask(labelled, manager_api, tmp_path):
    files = _coco_files(manager_api, labelled, tmp_path)
    total = 0
    for name, data in files.items():
        path = tmp_path / name.replace("/", "_")
        path.write_bytes(data)
        coco = COCO(str(path))
        for annotation in coco.loadAnns(coco.getAnnIds()):
            image = coco.loadImgs(annotation["image_id"])[0]
            mask = coco.annToMask(annotation)
            assert mask.shape == (image["height"], image["width"])
            assert mask.sum() > 0
            total += 1
    assert total == 5


def test_coco_masks_are_crowd_rle_and_holes_are_cut_out(labelled, manager_api, tmp_path):
    train = json.loads(_coco_files(manager_api, labelled, tmp_path)["annotations/instances_train.json"])
    by_kind = {a["attributes"]["kind"]: a for a in train["annotations"] if a["attributes"]["kind"] != "bbox"}
    assert by_kind["mask"]["iscrowd"] == 1
    assert mask_utils.area(by_kind["mask"]["segmentation"]) == 36
    polygon = by_kind["polygon"]
    assert polygon["iscrowd"] == 0
    decoded = mask_utils.decode(
        {"size": polygon["segmentation"]["size"], "counts": polygon["segmentation"]["counts"].encode()}
    )
    assert decoded[25, 25] == 0  # inside the hole
    assert decoded[15, 15] == 1
    assert polygon["area"] == 40 * 30 - 10 * 10


def test_coco_box_is_exact_and_carries_its_rectangle(labelled, manager_api, tmp_path):
    train = json.loads(_coco_files(manager_api, labelled, tmp_path)["annotations/instances_train.json"])
    box = next(a for a in train["annotations"] if a["attributes"]["kind"] == "bbox")
    assert box["bbox"] == [1.5, 2, 10.25, 8]
    assert box["segmentation"] == [[1.5, 2, 11.75, 2, 11.75, 10, 1.5, 10]]


def test_coco_export_is_byte_identical_when_repeated(labelled, manager_api):
    first = body_of(export(manager_api, labelled, format="coco"))
    second = body_of(export(manager_api, labelled, format="coco"))
    assert first == second


def test_coco_round_trip_gives_the_same_label_files(labelled, manager_api, tmp_path):
    before = body_of(export(manager_api, labelled, format="coco"))
    Annotation.objects.filter(project=labelled).delete()
    response = import_file(manager_api, labelled, before, "export.zip", format="coco")
    assert response.status_code == 201, response.data
    assert response.data["created"]["regions"] == 5
    after = body_of(export(manager_api, labelled, format="coco"))
    assert zip_files(after) == zip_files(before)


def test_coco_import_into_a_new_project_creates_items_from_the_zip_images(labelled, manager_api, manager):
    data = body_of(export(manager_api, labelled, format="coco", include_images=True))
    fresh = make_project(manager=manager, name="fresh", classes=())
    response = import_file(manager_api, fresh, data, "export.zip", format="coco", create_missing_classes=True)
    assert response.status_code == 201, response.data
    assert response.data["created"]["items"] == 3
    assert sorted(fresh.classes.values_list("name", flat=True)) == ["cat", "dog", "oiseau 🐦", "unused"]
    again = zip_files(body_of(export(manager_api, fresh, format="coco")))
    original = zip_files(data)
    for name in ("annotations/instances_train.json", "annotations/instances_val.json"):
        assert _labels(again[name]) == _labels(original[name])


def _labels(data: bytes) -> list:
    """Annotations by image file name (without the id prefix) and class name: ids differ across projects."""
    document = json.loads(data)
    names = {c["id"]: c["name"] for c in document["categories"]}
    # Re-imported images are named after the first export's file ("1_one.png"), so strip every id prefix.
    images = {i["id"]: re.sub(r"^(\d+_)+", "", i["file_name"]) for i in document["images"]}
    return sorted(
        json.dumps(
            {
                **{k: v for k, v in a.items() if k not in ("id", "image_id", "category_id")},
                "image": images[a["image_id"]],
                "class": names[a["category_id"]],
            },
            sort_keys=True,
        )
        for a in document["annotations"]
    )
