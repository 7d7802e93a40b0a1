"""Tandem JSON keeps everything (review state, labelling time, provenance) and imports back losslessly."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.files.base import ContentFile

from labeling.models import Annotation, Review, WorkSession
from labeling.services.predictions import import_predictions
from labeling.validation import Schema, validate_regions
from projects.models import DatasetVersion, Item, ItemKind, Membership, Role, VersionItem
from projects.selectors import default_dataset
from tests.exchange.conftest import annotate, body_of, class_id, export, import_file, zip_files
from tests.factories import add_member, make_image_item, make_project, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(project):
    return {"annotator": add_member(project, Role.ANNOTATOR), "reviewer": add_member(project, Role.REVIEWER)}


@pytest.fixture
def full(project, manager, people):
    cat = class_id(project, "cat")
    item = make_image_item(project, width=50, height=40, split="train", name="original.png")
    annotate(
        project,
        item,
        people["annotator"],
        [{"kind": "bbox", "label_class": cat, "x": 1, "y": 2, "width": 3, "height": 4, "comment": "tail hidden"}],
        accept_by=people["reviewer"],
        timed=True,
    )
    fields = validate_regions(
        [{"kind": "bbox", "label_class": cat, "x": 5, "y": 5, "width": 10, "height": 10, "confidence": 0.75}],
        item=item,
        schema=Schema.of(project),
    )
    import_predictions(project=project, by=manager, model_name="yolo-v8", entries=[(item, fields)])
    # An augmented version holding a flipped copy of the item.
    dataset = default_dataset(project)
    augmented = DatasetVersion.objects.create(dataset=dataset, number=2, name="flipped", provenance={"job": 7})
    flipped = png_bytes(50, 40, (0, 0, 255))
    copy = Item.objects.create(
        project=project,
        dataset=dataset,
        kind=ItemKind.IMAGE,
        original_name="original.png",
        sha256=hashlib.sha256(flipped).hexdigest(),
        width=50,
        height=40,
        source_item=item,
        provenance={"job": 7, "transforms": ["HorizontalFlip"]},
    )
    copy.file.save("copy.png", ContentFile(flipped), save=True)
    VersionItem.objects.create(version=augmented, item=copy, split="train")
    VersionItem.objects.create(version=augmented, item=item, split="train")
    return {"item": item, "copy": copy, "augmented": augmented}


def _document(manager_api, project, **options) -> dict:
    files = zip_files(body_of(export(manager_api, project, format="tandem", **options)))
    return json.loads(files["tandem.json"])


def test_tandem_json_holds_review_state_time_and_predictions(full, project, manager_api, people):
    document = _document(manager_api, project, annotations="all", include_predictions=True)
    item = document["items"][0]
    human = next(a for a in item["annotations"] if not a["is_prediction"])
    assert human["status"] == "accepted"
    assert human["annotator"] == people["annotator"].username
    assert human["reviewed_by"] == people["reviewer"].username
    assert [r["decision"] for r in human["reviews"]] == ["accept"]
    assert [r["action"] for r in human["revisions"]] == ["created", "reviewed"]
    assert human["regions"][0]["comment"] == "tail hidden"
    prediction = next(a for a in item["annotations"] if a["is_prediction"])
    assert prediction["model_name"] == "yolo-v8" and prediction["regions"][0]["confidence"] == 0.75
    session = item["sessions"][0]
    assert session["user"] == people["annotator"].username and session["outcome"] == "submitted"
    assert session["annotation"] == human["id"]


def test_tandem_json_of_an_augmented_version_keeps_provenance(full, project, manager_api):
    document = _document(manager_api, project, versions=[full["augmented"].pk])
    copy = next(i for i in document["items"] if i["id"] == full["copy"].pk)
    assert copy["source_item"] == full["item"].pk
    assert copy["provenance"] == {"job": 7, "transforms": ["HorizontalFlip"]}
    assert document["project"]["versions"][0]["provenance"] == {"job": 7}


def test_labelling_time_is_left_out_when_a_reviewer_exports(full, project, client_for, people):
    document = _document(client_for(people["reviewer"]), project)
    assert document["sessions_included"] is False
    assert "sessions" not in document["items"][0]


def _comparable(document: dict) -> dict:
    """The document without database ids (which a new project gives anew)."""
    text = json.dumps(document, sort_keys=True)
    data = json.loads(text)
    data.pop("project")
    for label in data["classes"]:
        label.pop("id")
    for item in data["items"]:
        for key in ("id", "file_name", "source_item"):
            item.pop(key)
        for annotation in item["annotations"]:
            annotation.pop("id")
            for revision in annotation["revisions"]:
                for region in revision["regions"] or []:
                    region.pop("label_class")
        for session in item.get("sessions", []):
            session.pop("annotation")
    return data


def test_tandem_round_trip_into_a_new_project_is_lossless(full, project, manager, manager_api, people):
    options = {"versions": [full["augmented"].pk], "annotations": "all", "include_predictions": True}
    data = body_of(export(manager_api, project, format="tandem", include_images=True, **options))
    fresh = make_project(manager=manager, name="fresh", classes=())
    for role in ("annotator", "reviewer"):
        Membership.objects.create(project=fresh, user=people[role], role=role)
    response = import_file(manager_api, fresh, data, "tandem.zip", format="tandem", create_missing_classes=True)
    assert response.status_code == 201, response.data
    assert Review.objects.filter(annotation__project=fresh).count() == 1
    assert WorkSession.objects.filter(project=fresh).count() == 1
    copy = fresh.items.get(source_item__isnull=False)
    assert copy.provenance == {"job": 7, "transforms": ["HorizontalFlip"]}
    again = json.loads(
        zip_files(body_of(export(manager_api, fresh, format="tandem", annotations="all", include_predictions=True)))[
            "tandem.json"
        ]
    )
    before = json.loads(zip_files(data)["tandem.json"])
    assert _comparable(again) == _comparable(before)


def test_tandem_import_attributes_work_of_non_members_to_the_importer(full, project, manager, manager_api):
    data = body_of(export(manager_api, project, format="tandem", include_images=True))
    fresh = make_project(manager=manager, name="fresh", classes=())
    response = import_file(manager_api, fresh, data, "tandem.zip", format="tandem", create_missing_classes=True)
    assert response.status_code == 201, response.data
    assert set(Annotation.objects.filter(project=fresh).values_list("annotator", flat=True)) == {manager.pk}
    assert not WorkSession.objects.filter(project=fresh).exists()


def test_exporting_the_original_and_an_augmented_version_lists_each_item_once(full, project, manager_api):
    working = project.datasets.get().versions.get(is_working=True)
    files = zip_files(body_of(export(manager_api, project, format="coco", versions=[working.pk, full["augmented"].pk])))
    images = json.loads(files["annotations/instances_train.json"])["images"]
    assert sorted(image["id"] for image in images) == sorted([full["item"].pk, full["copy"].pk])


def test_a_version_of_another_project_is_refused(full, project, manager, manager_api):
    other = make_project(manager=manager, name="other")
    version = other.datasets.get().versions.get()
    response = export(manager_api, project, format="coco", versions=[version.pk])
    assert response.status_code == 400 and "versions" in response.data["errors"]
