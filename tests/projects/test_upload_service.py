"""The ingest service's guarantees: batches, no half items when the database fails, concurrent duplicates."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import DatabaseError

from projects.models import Item, ItemKind, VersionItem
from projects.signals import items_ingested
from projects.uploads import service
from tests.projects.hostile import assert_storage_matches_items, jpeg_bytes, line_for, make_zip, post_files

pytestmark = pytest.mark.django_db


def test_uploads_larger_than_a_batch_are_inserted_in_several_batches(
    manager_api, project, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(service, "BATCH_SIZE", 4)
    monkeypatch.setattr(service, "THUMBNAIL_BATCH", 3)
    archive = make_zip([(f"{i}.jpg", jpeg_bytes(i)) for i in range(10)])
    with mock.patch.object(service.make_thumbnails, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        response = post_files(manager_api, project, [("a.zip", archive)])
    assert response.data["accepted"] == 10
    batches = [call.args[0] for call in delay.call_args_list]
    assert [len(batch) for batch in batches] == [3, 1, 3, 1, 2]  # per insert batch of 4, 4 and 2
    assert sorted(item_id for batch in batches for item_id in batch) == sorted(
        Item.objects.values_list("id", flat=True)
    )


def test_duplicate_of_an_item_from_an_earlier_batch_of_the_same_upload(manager_api, project, monkeypatch):
    monkeypatch.setattr(service, "BATCH_SIZE", 2)
    entries = [("0.jpg", jpeg_bytes(0)), ("1.jpg", jpeg_bytes(1)), ("again.jpg", jpeg_bytes(0))]
    response = post_files(manager_api, project, [("a.zip", make_zip(entries))])
    line = line_for(response, "a.zip:again.jpg")
    assert line["status"] == "duplicate" and line["item"] == line_for(response, "a.zip:0.jpg")["item"]
    assert "earlier in this upload" in line["reason"]
    assert_storage_matches_items(project)


def test_database_failure_rejects_the_batch_and_deletes_its_files(manager_api, project):
    with mock.patch.object(VersionItem.objects, "bulk_create", side_effect=DatabaseError("disk I/O error")):
        response = post_files(manager_api, project, [("a.jpg", jpeg_bytes(1)), ("b.jpg", jpeg_bytes(2))])
    assert response.status_code == 400
    assert {line["code"] for line in response.data["report"]} == {"storage"}
    assert not Item.objects.filter(project=project).exists()  # the Items of the batch were rolled back
    assert_storage_matches_items(project)


def test_unexpected_error_in_a_receiver_leaves_no_half_items(manager_api, project):
    def broken_receiver(**kwargs):
        raise RuntimeError("labeling bug")

    items_ingested.connect(broken_receiver)
    try:
        archive = make_zip([("cat/1.jpg", jpeg_bytes(1))])
        with pytest.raises(RuntimeError):
            post_files(manager_api, project, [("a.zip", archive)], class_folders="true")
    finally:
        items_ingested.disconnect(broken_receiver)
    assert not Item.objects.filter(project=project).exists()
    assert_storage_matches_items(project)


def test_error_before_insert_deletes_files_already_stored_for_the_batch(manager_api, project):
    real_prepare = service.prepare_image
    calls = []

    def failing_on_second(content, image_format):
        calls.append(image_format)
        if len(calls) == 2:
            raise MemoryError
        return real_prepare(content, image_format)

    with mock.patch.object(service, "prepare_image", side_effect=failing_on_second), pytest.raises(MemoryError):
        post_files(manager_api, project, [("a.jpg", jpeg_bytes(1)), ("b.jpg", jpeg_bytes(2))])
    assert not Item.objects.filter(project=project).exists()
    assert_storage_matches_items(project)


def test_same_content_inserted_concurrently_becomes_a_duplicate(manager_api, project, manager):
    data = jpeg_bytes(3)
    real_drop = service._Ingest._drop_existing
    raced = []

    def drop_then_lose_the_race(self, batch):
        remaining = real_drop(self, batch)
        if not raced:  # another request inserts the same content right after our check
            raced.append(
                Item.objects.create(
                    project=project,
                    dataset=project.datasets.get(),
                    kind=ItemKind.IMAGE,
                    sha256=batch[0].item.sha256,
                    original_name="theirs.jpg",
                )
            )
        return remaining

    with mock.patch.object(service._Ingest, "_drop_existing", drop_then_lose_the_race):
        response = post_files(manager_api, project, [("mine.jpg", data)])
    line = line_for(response, "mine.jpg")
    assert line["status"] == "duplicate" and line["item"] == raced[0].pk
    assert Item.objects.filter(project=project).count() == 1
    assert_storage_matches_items(project)
