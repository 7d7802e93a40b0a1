"""Export options (versions, splits, classes, statuses, predictions, images) and background jobs."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from exchange.celery_tasks import delete_expired_exports, run_export
from exchange.models import ExportJob
from exchange.records import export_file_name
from labeling.services.predictions import import_predictions
from labeling.validation import Schema, validate_regions
from projects.models import Role
from tests.exchange.conftest import annotate, body_of, class_id, export, zip_files
from tests.factories import add_member, make_image_item

pytestmark = pytest.mark.django_db


def _boxes(project, item, user, class_name: str, x: float = 1, **kwargs):
    box = {"kind": "bbox", "label_class": class_id(project, class_name), "x": x, "y": 1, "width": 2, "height": 2}
    return annotate(project, item, user, [box], **kwargs)


def _coco(client, project, **options) -> dict[str, dict]:
    response = export(client, project, format="coco", **options)
    assert response.status_code == 200, getattr(response, "data", None)
    return {name: json.loads(data) for name, data in zip_files(body_of(response)).items()}


def test_accepted_annotation_wins_over_a_later_submitted_one(project, manager, manager_api):
    item = make_image_item(project, split="train")
    first, second = add_member(project, Role.ANNOTATOR), add_member(project, Role.ANNOTATOR)
    _boxes(project, item, first, "cat", x=1, accept_by=manager)
    _boxes(project, item, second, "dog", x=5)
    annotations = _coco(manager_api, project)["annotations/instances_train.json"]["annotations"]
    assert [a["bbox"][0] for a in annotations] == [1]


def test_statuses_accepted_only_leaves_out_submitted_work(project, manager, manager_api):
    accepted, submitted = (
        make_image_item(project, split="train"),
        make_image_item(project, color=(1, 1, 1), split="train"),
    )
    _boxes(project, accepted, manager, "cat", accept_by=manager)
    annotator = add_member(project, Role.ANNOTATOR)
    _boxes(project, submitted, annotator, "dog")
    document = _coco(manager_api, project, statuses=["accepted"])["annotations/instances_train.json"]
    assert [a["image_id"] for a in document["annotations"]] == [accepted.pk]
    assert len(document["images"]) == 2


def test_predictions_are_left_out_unless_asked_for(project, manager, manager_api):
    item = make_image_item(project, split="train")
    fields = validate_regions(
        [
            {
                "kind": "bbox",
                "label_class": class_id(project, "cat"),
                "x": 0,
                "y": 0,
                "width": 4,
                "height": 4,
                "confidence": 0.5,
            }
        ],
        item=item,
        schema=Schema.of(project),
    )
    import_predictions(project=project, by=manager, model_name="m", entries=[(item, fields)])
    assert _coco(manager_api, project)["annotations/instances_train.json"]["annotations"] == []
    with_predictions = _coco(manager_api, project, include_predictions=True)["annotations/instances_train.json"]
    assert [a["score"] for a in with_predictions["annotations"]] == [0.5]


def test_splits_and_classes_filter_the_export(project, manager, manager_api):
    train, val = make_image_item(project, split="train"), make_image_item(project, color=(1, 1, 1), split="val")
    annotate(
        project,
        train,
        manager,
        [
            {"kind": "bbox", "label_class": class_id(project, "cat"), "x": 1, "y": 1, "width": 2, "height": 2},
            {"kind": "bbox", "label_class": class_id(project, "dog"), "x": 3, "y": 3, "width": 2, "height": 2},
        ],
    )
    _boxes(project, val, manager, "cat")
    files = _coco(manager_api, project, splits=["train"], classes=[class_id(project, "dog")])
    assert list(files) == ["annotations/instances_train.json"]
    document = files["annotations/instances_train.json"]
    assert [c["name"] for c in document["categories"]] == ["dog"]
    assert [a["category_id"] for a in document["annotations"]] == [class_id(project, "dog")]


def test_unassigned_items_go_to_their_own_folder(project, manager_api):
    make_image_item(project)
    assert list(_coco(manager_api, project)) == ["annotations/instances_unassigned.json"]


def test_images_are_included_under_names_that_cannot_collide(project, manager_api):
    one = make_image_item(project, split="train", name="same.png")
    two = make_image_item(project, color=(1, 2, 3), split="train", name="folder/same.png")
    files = zip_files(body_of(export(manager_api, project, format="coco", include_images=True)))
    for item in (one, two):
        with item.file.open("rb") as handle:
            assert files[f"images/train/{export_file_name(item.pk, 'same.png', '.png')}"] == handle.read()
    assert len([name for name in files if name.startswith("images/")]) == 2


def test_export_file_names_are_safe_and_unique():
    assert export_file_name(7, "../../etc/pass wd.JPG", ".jpg") == "7_pass_wd.jpg"
    assert export_file_name(8, "🐱 cat.png", ".png") == "8_cat.png"
    assert export_file_name(9, "", "") == "9_item"


def test_text_format_for_an_image_project_is_refused(project, manager_api):
    response = export(manager_api, project, format="jsonl")
    assert response.status_code == 400
    assert response.data["errors"] == {"format": [response.data["detail"]]}


def test_all_annotations_are_refused_for_one_per_item_formats(project, manager_api):
    response = export(manager_api, project, format="coco", annotations="all")
    assert response.status_code == 400


def test_unknown_option_is_refused(project, manager_api):
    assert export(manager_api, project, format="coco", colour="blue").status_code == 400


def test_large_export_runs_as_a_job_with_progress_and_a_download(project, manager, manager_api, settings):
    settings.EXPORT_SYNC_MAX_ITEMS = 1
    for shade in range(3):
        _boxes(project, make_image_item(project, color=(shade, 0, 0), split="train"), manager, "cat")
    response = export(manager_api, project, format="coco")
    assert response.status_code == 202
    assert response["Tandem-Export"] == "job"
    assert response.data["status"] == "queued" and response.data["download_url"] is None
    run_export(response.data["id"])  # what the worker does with the queued task
    detail = manager_api.get(response["Location"])
    assert detail.data["status"] == "completed"
    assert detail.data["progress"]["done"] == 3 and detail.data["progress"]["percent"] == 100.0
    download = manager_api.get(detail.data["download_url"])
    assert download.status_code == 200
    settings.EXPORT_SYNC_MAX_ITEMS = 100
    streamed = body_of(export(manager_api, project, format="coco"))
    assert b"".join(download.streaming_content) == streamed


def test_async_flag_forces_a_job_and_a_second_run_changes_nothing(project, manager_api):
    make_image_item(project, split="train")
    response = manager_api.post(f"/api/v1/projects/{project.pk}/exports/?async=true", {"format": "voc"}, format="json")
    assert response.status_code == 202
    run_export(response.data["id"])
    job = ExportJob.objects.get()
    run_export(job.pk)
    assert ExportJob.objects.get().file == job.file


def test_expired_export_files_are_deleted_and_download_answers_410(project, manager_api):
    make_image_item(project, split="train")
    response = export(manager_api, project, format="coco", run_async=True)
    run_export(response.data["id"])
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert delete_expired_exports() == 1
    assert not default_storage.exists(job.file)
    assert manager_api.get(f"{response['Location']}download/").status_code == 410


def test_download_of_an_unfinished_job_answers_409(project, manager_api):
    make_image_item(project, split="train")
    response = export(manager_api, project, format="coco", run_async=True)
    assert manager_api.get(f"{response['Location']}download/").status_code == 409


def test_members_see_only_their_own_jobs_and_managers_see_all(project, manager_api, client_for):
    make_image_item(project, split="train")
    viewer = add_member(project, Role.VIEWER)
    export(manager_api, project, format="coco", run_async=True)
    viewer_job = export(client_for(viewer), project, format="coco", run_async=True)
    listed = client_for(viewer).get(f"/api/v1/projects/{project.pk}/exports/").data["results"]
    assert [job["id"] for job in listed] == [viewer_job.data["id"]]
    assert manager_api.get(f"/api/v1/projects/{project.pk}/exports/").data["count"] == 2
