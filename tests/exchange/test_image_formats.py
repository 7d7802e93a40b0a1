"""YOLO, Pascal VOC, PNG masks and ImageFolder: exact output and round trips through import."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import yaml
from PIL import Image

from labeling import rle
from labeling.models import Annotation
from projects.models import LabelClass, Role
from tests.exchange.conftest import annotate, body_of, class_id, export, import_file, zip_files
from tests.factories import add_member, make_image_item, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def detection(project):
    """Two images with boxes and a polygon (train, val), one without labels, a class without regions."""
    LabelClass.objects.create(project=project, name="Ünïcödé", color="#123456", order=5)
    annotator = add_member(project, Role.ANNOTATOR)
    cat, dog = class_id(project, "cat"), class_id(project, "dog")
    first = make_image_item(project, width=200, height=100, split="train", name="street.jpg")
    second = make_image_item(project, width=50, height=80, color=(3, 3, 3), split="val", name="park.png")
    make_image_item(project, width=10, height=10, color=(4, 4, 4), split="train", name="nothing.png")
    annotate(
        project,
        first,
        annotator,
        [
            {"kind": "bbox", "label_class": cat, "x": 10, "y": 20, "width": 50, "height": 30},
            {"kind": "bbox", "label_class": dog, "x": 100.5, "y": 0, "width": 99.5, "height": 100},
        ],
    )
    annotate(
        project, second, annotator, [{"kind": "polygon", "label_class": dog, "points": [[5, 5], [45, 10], [25, 75]]}]
    )
    return project


def _independent_yolo_lines(project) -> dict[str, list[str]]:
    """YOLO lines computed straight from the database rows, without the exporter's code."""
    order = list(project.classes.order_by("order", "id").values_list("id", flat=True))
    expected: dict[str, list[str]] = {}
    for annotation in Annotation.objects.filter(project=project).select_related("item"):
        item = annotation.item
        split = item.version_entries.get().split
        lines = []
        for region in annotation.regions.order_by("id"):
            cx = (region.x + region.width / 2) / item.width
            cy = (region.y + region.height / 2) / item.height
            lines.append(
                f"{order.index(region.label_class_id)} {cx:.6f} {cy:.6f} "
                f"{region.width / item.width:.6f} {region.height / item.height:.6f}"
            )
        stem = f"{item.pk}_{item.original_name.rsplit('.', 1)[0]}"
        expected[f"labels/{split}/{stem}.txt"] = lines
    return expected


def test_yolo_detection_matches_an_independent_conversion(detection, manager_api):
    files = zip_files(body_of(export(manager_api, detection, format="yolo_detection")))
    for path, lines in _independent_yolo_lines(detection).items():
        assert files[path].decode().splitlines() == lines
    empty = [p for p in files if p.startswith("labels/") and "nothing" in p]
    assert len(empty) == 1 and files[empty[0]] == b""


def test_yolo_data_yaml_names_every_class_and_split(detection, manager_api):
    files = zip_files(body_of(export(manager_api, detection, format="yolo_detection")))
    data = yaml.safe_load(files["data.yaml"])
    assert data["names"] == {0: "cat", 1: "dog", 2: "Ünïcödé"}
    assert data["train"] == "images/train" and data["val"] == "images/val"
    assert data["nc"] == 3


def test_yolo_segmentation_writes_normalised_polygon_and_box_corners(detection, manager_api):
    files = zip_files(body_of(export(manager_api, detection, format="yolo_segmentation")))
    val = next(data for path, data in files.items() if path.startswith("labels/val/"))
    expected = " ".join(f"{x / 50:.6f} {y / 80:.6f}" for x, y in [[5, 5], [45, 10], [25, 75]])
    assert val.decode() == f"1 {expected}\n"
    train = next(data for path, data in files.items() if path.startswith("labels/train/") and "street" in path)
    first = train.decode().splitlines()[0].split()
    assert [float(v) for v in first[1:]] == pytest.approx([0.05, 0.2, 0.3, 0.2, 0.3, 0.5, 0.05, 0.5])


@pytest.mark.parametrize("fmt", ["yolo_detection", "yolo_segmentation", "voc"])
def test_round_trip_gives_the_same_label_files(detection, manager_api, fmt):
    before = body_of(export(manager_api, detection, format=fmt))
    Annotation.objects.filter(project=detection).delete()
    response = import_file(manager_api, detection, before, "labels.zip", format=fmt)
    assert response.status_code == 201, response.data
    after = body_of(export(manager_api, detection, format=fmt))
    assert zip_files(after) == zip_files(before)


def test_yolo_import_into_a_new_project_reads_images_and_names_from_the_zip(detection, manager_api, manager):
    data = body_of(export(manager_api, detection, format="yolo_detection", include_images=True))
    fresh = make_project(manager=manager, name="fresh", kinds=("bbox",), classes=())
    response = import_file(manager_api, fresh, data, "yolo.zip", format="yolo_detection", create_missing_classes=True)
    assert response.status_code == 201, response.data
    assert response.data["created"] == {"items": 3, "annotations": 2, "regions": 3, "classes": 3}
    assert fresh.items.filter(version_entries__split="val").count() == 1


def test_voc_xml_has_exact_boxes_and_lists_splits(detection, manager_api):
    files = zip_files(body_of(export(manager_api, detection, format="voc")))
    street = next(data for path, data in files.items() if path.startswith("Annotations/") and "street" in path)
    root = ET.fromstring(street)
    boxes = [
        (o.findtext("name"), [float(o.find("bndbox").findtext(t)) for t in ("xmin", "ymin", "xmax", "ymax")])
        for o in root.findall("object")
    ]
    assert boxes == [("cat", [10, 20, 60, 50]), ("dog", [100.5, 0, 200, 100])]
    assert root.findtext("size/width") == "200"
    train_ids = files["ImageSets/Main/train.txt"].decode().split()
    assert len(train_ids) == 2 and any("street" in i for i in train_ids)
    assert files["labels.txt"].decode().splitlines() == ["cat", "dog", "Ünïcödé"]


def test_voc_import_refuses_entity_declarations(detection, manager_api):
    hostile = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><annotation><filename>&x;</filename></annotation>'
    response = import_file(manager_api, detection, hostile, "evil.xml", format="voc")
    assert response.status_code == 400
    assert "DOCTYPE" in response.data["problems"][0]["message"]


@pytest.fixture
def segmentation(manager):
    project = make_project(manager=manager, name="seg", kinds=("polygon", "mask"))
    annotator = add_member(project, Role.ANNOTATOR)
    item = make_image_item(project, width=30, height=20, split="train", name="scene.png")
    mask = np.zeros((20, 30), dtype=bool)
    mask[2:6, 20:28] = True
    annotate(
        project,
        item,
        annotator,
        [
            {
                "kind": "polygon",
                "label_class": class_id(project, "cat"),
                "points": [[0, 0], [18, 0], [18, 18], [0, 18]],
                "holes": [[[6, 6], [12, 6], [12, 12], [6, 12]]],
            },
            {
                "kind": "mask",
                "label_class": class_id(project, "dog"),
                "rle": {"size": [20, 30], "counts": rle.encode(mask)},
            },
        ],
    )
    return project


def test_png_masks_paint_class_indexes_with_holes_and_a_legend(segmentation, manager_api):
    files = zip_files(body_of(export(manager_api, segmentation, format="png_masks")))
    index_path = next(p for p in files if p.startswith("masks/train/"))
    values = np.asarray(Image.open(io.BytesIO(files[index_path])))
    assert values.shape == (20, 30)
    assert values[3, 3] == 1  # cat
    assert values[8, 8] == 0  # the hole
    assert values[3, 22] == 2  # dog's mask
    assert (values == 2).sum() == 32
    colour = Image.open(io.BytesIO(files[index_path.replace("masks/", "masks_color/")]))
    assert colour.mode == "P" and colour.getpalette()[3:9] == [255, 0, 0, 0, 255, 0]
    legend = list(csv.DictReader(io.StringIO(files["classes.csv"].decode())))
    assert [(r["index"], r["name"], r["color"]) for r in legend] == [
        ("0", "background", "#000000"),
        ("1", "cat", "#ff0000"),
        ("2", "dog", "#00ff00"),
    ]


def test_png_masks_round_trip_gives_the_same_pngs(segmentation, manager_api):
    before = body_of(export(manager_api, segmentation, format="png_masks"))
    Annotation.objects.filter(project=segmentation).delete()
    response = import_file(manager_api, segmentation, before, "masks.zip", format="png_masks")
    assert response.status_code == 201, response.data
    assert response.data["created"]["regions"] == 2
    assert zip_files(body_of(export(manager_api, segmentation, format="png_masks"))) == zip_files(before)


@pytest.fixture
def classification(manager):
    project = make_project(manager=manager, name="cls", kinds=("image_class",), image_class_multi=True)
    annotator = add_member(project, Role.ANNOTATOR)
    cat, dog = class_id(project, "cat"), class_id(project, "dog")
    both = make_image_item(project, split="train", name="both.png")
    only = make_image_item(project, color=(5, 6, 7), split="val", name="only.png")
    make_image_item(project, color=(8, 8, 8), split="train", name="unlabelled.png")
    annotate(
        project,
        both,
        annotator,
        [{"kind": "image_class", "label_class": cat}, {"kind": "image_class", "label_class": dog}],
    )
    annotate(project, only, annotator, [{"kind": "image_class", "label_class": dog}])
    return project


def test_imagefolder_puts_each_image_in_its_class_folders(classification, manager_api):
    files = zip_files(body_of(export(manager_api, classification, format="imagefolder")))
    images = sorted(p.rsplit("_", 1)[0].rsplit("/", 1)[0] for p in files if p.endswith(".png"))
    assert images == ["train/cat", "train/dog", "val/dog"]
    assert files["classes.txt"] == b"cat\ndog\n"


def test_imagefolder_round_trip_into_a_new_project(classification, manager_api, manager):
    data = body_of(export(manager_api, classification, format="imagefolder"))
    fresh = make_project(manager=manager, name="fresh", kinds=("image_class",), image_class_multi=True, classes=())
    response = import_file(manager_api, fresh, data, "folders.zip", format="imagefolder", create_missing_classes=True)
    assert response.status_code == 201, response.data
    assert response.data["created"] == {"items": 2, "annotations": 2, "regions": 3, "classes": 2}
    again = zip_files(body_of(export(manager_api, fresh, format="imagefolder")))
    strip = lambda paths: sorted(p.split("/")[0] + "/" + p.split("/")[1] for p in paths if p.endswith(".png"))  # noqa: E731
    assert strip(again) == strip(zip_files(data))
