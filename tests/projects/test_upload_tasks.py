"""Thumbnails and orphan cleaning: the Celery tasks called directly, as an eager worker would."""

from __future__ import annotations

import io
import os
import time
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from projects import celery_tasks
from projects.models import Item
from tests.factories import make_image_item
from tests.projects.hostile import image_bytes, jpeg_bytes, post_files, storage_path

pytestmark = pytest.mark.django_db


def test_thumbnail_task_makes_a_webp_with_the_longest_side_at_the_setting(project, settings):
    settings.THUMBNAIL_SIZE = 64
    item = make_image_item(project, width=200, height=100)
    celery_tasks.make_thumbnail(item.pk)
    item.refresh_from_db()
    assert item.thumbnail.name.endswith(".webp")
    with item.thumbnail.open("rb") as stored, Image.open(stored) as thumbnail:
        assert thumbnail.format == "WEBP"
        assert thumbnail.size == (64, 32)


def test_thumbnail_of_a_16_bit_greyscale_png_keeps_its_tones(manager_api, project):
    scan = Image.new("I;16", (300, 100))
    scan.paste(65535, (150, 0, 300, 100))  # left half black, right half full white
    buffer = io.BytesIO()
    scan.save(buffer, format="PNG")
    response = post_files(manager_api, project, [("scan.png", buffer.getvalue())])
    item_id = response.data["report"][0]["item"]
    celery_tasks.make_thumbnail(item_id)
    item = Item.objects.get(pk=item_id)
    with item.thumbnail.open("rb") as stored, Image.open(stored) as thumbnail:
        assert thumbnail.size == (256, 85)
        assert thumbnail.convert("L").getpixel((20, 40)) < 10
        assert thumbnail.convert("L").getpixel((230, 40)) > 245


def test_thumbnail_task_run_twice_keeps_one_thumbnail(project):
    item = make_image_item(project, width=300, height=300)
    celery_tasks.make_thumbnail(item.pk)
    item.refresh_from_db()
    first = item.thumbnail.name
    celery_tasks.make_thumbnail(item.pk)
    item.refresh_from_db()
    assert item.thumbnail.name == first
    directory = os.path.dirname(storage_path(first))
    assert os.listdir(directory) == [os.path.basename(first)]


def test_thumbnail_is_made_again_when_its_file_is_missing(project):
    item = make_image_item(project)
    celery_tasks.make_thumbnail(item.pk)
    item.refresh_from_db()
    default_storage.delete(item.thumbnail.name)
    celery_tasks.make_thumbnail(item.pk)
    item.refresh_from_db()
    assert default_storage.exists(item.thumbnail.name)


def test_thumbnail_task_for_an_item_that_no_longer_exists_does_nothing(project):
    missing_id = make_image_item(project).pk + 1000
    celery_tasks.make_thumbnail(missing_id)  # must not raise
    celery_tasks.make_thumbnails([missing_id])
    assert not default_storage.exists(f"projects/{project.pk}/thumbnails")


def test_batch_thumbnail_task_skips_an_unreadable_file_and_does_the_rest(project):
    broken, fine = make_image_item(project, color=(1, 1, 1)), make_image_item(project, color=(2, 2, 2))
    with default_storage.open(broken.file.name, "wb") as handle:
        handle.write(b"not an image any more")
    celery_tasks.make_thumbnails([broken.pk, fine.pk])
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert not broken.thumbnail and fine.thumbnail


def test_upload_schedules_thumbnails_in_batches_after_commit(manager_api, project, django_capture_on_commit_callbacks):
    files = [(f"{i}.jpg", jpeg_bytes(i)) for i in range(3)]
    with mock.patch.object(celery_tasks.make_thumbnails, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = post_files(manager_api, project, files)
        assert not delay.called  # nothing before the commit
        for callback in callbacks:
            callback()
    item_ids = [line["item"] for line in response.data["report"]]
    delay.assert_called_once_with(item_ids)


def test_thumbnails_from_an_upload_end_up_on_the_items(manager_api, project, django_capture_on_commit_callbacks):
    eager = mock.patch.object(celery_tasks.make_thumbnails, "delay", side_effect=celery_tasks.make_thumbnails)
    with eager, django_capture_on_commit_callbacks(execute=True):
        response = post_files(manager_api, project, [("a.png", image_bytes("PNG", (600, 300)))])
    item = Item.objects.get(pk=response.data["report"][0]["item"])
    with item.thumbnail.open("rb") as stored, Image.open(stored) as thumbnail:
        assert thumbnail.size == (256, 128)


def test_broker_outage_does_not_fail_the_upload(manager_api, project, django_capture_on_commit_callbacks):
    broken = mock.patch.object(celery_tasks.make_thumbnails, "delay", side_effect=ConnectionError("broker down"))
    with broken, django_capture_on_commit_callbacks(execute=True):
        response = post_files(manager_api, project, [("a.png", image_bytes())])
    assert response.status_code == 201


def _age(name: str, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(storage_path(name), (then, then))


def test_clean_orphan_files_removes_old_orphans_only(project, settings):
    settings.ORPHAN_FILE_GRACE_S = 3600
    referenced = make_image_item(project)
    celery_tasks.make_thumbnail(referenced.pk)
    referenced.refresh_from_db()
    old_orphan = default_storage.save(f"projects/{project.pk}/items/ab/{'ab' * 32}.jpg", ContentFile(b"x"))
    old_thumbnail = default_storage.save(f"projects/{project.pk}/thumbnails/cd/{'cd' * 32}.webp", ContentFile(b"x"))
    fresh_orphan = default_storage.save(f"projects/{project.pk}/items/ef/{'ef' * 32}.jpg", ContentFile(b"x"))
    for name in (referenced.file.name, referenced.thumbnail.name, old_orphan, old_thumbnail):
        _age(name, 7200)
    _age(fresh_orphan, 60)

    assert celery_tasks.clean_orphan_files() == 2

    assert not default_storage.exists(old_orphan) and not default_storage.exists(old_thumbnail)
    assert default_storage.exists(fresh_orphan)
    assert default_storage.exists(referenced.file.name) and default_storage.exists(referenced.thumbnail.name)


def test_clean_orphan_files_removes_files_of_deleted_projects(project, settings):
    settings.ORPHAN_FILE_GRACE_S = 0
    stale = default_storage.save("projects/999999/items/aa/stale.png", ContentFile(b"x"))
    _age(stale, 10)
    assert celery_tasks.clean_orphan_files() == 1
    assert not default_storage.exists(stale)


def test_clean_orphan_files_with_no_files_at_all_does_nothing(db):
    assert celery_tasks.clean_orphan_files() == 0


def test_tasks_are_registered_under_their_names():
    from config.celery_app import app

    for name in ("projects.make_thumbnail", "projects.make_thumbnails", "projects.clean_orphan_files"):
        assert name in app.tasks
