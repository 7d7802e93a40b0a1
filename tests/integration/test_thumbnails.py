"""An upload through the API gets its thumbnail from a real Celery worker over Redis, on PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from projects.models import Item
from tests.factories import png_bytes
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.integration

THUMBNAIL_TIMEOUT_S = 30.0


def uploaded_item_ids(response) -> list[int]:
    return [line["item"] for line in response.data["report"] if line["status"] == "accepted"]


def thumbnail_name(item_id: int) -> str:
    return Item.objects.values_list("thumbnail", flat=True).get(pk=item_id)


def test_uploaded_image_gets_a_webp_thumbnail_from_the_worker(celery_worker_process, manager_api, project, settings):
    response = manager_api.post(
        f"/api/v1/projects/{project.pk}/uploads/",
        {"files": [SimpleUploadedFile("wide.png", png_bytes(640, 320), content_type="image/png")]},
        format="multipart",
    )
    assert response.status_code == 201, response.data
    (item_id,) = uploaded_item_ids(response)

    wait_until(
        lambda: thumbnail_name(item_id),
        timeout=THUMBNAIL_TIMEOUT_S,
        message=lambda: f"a thumbnail for item {item_id}; worker log:\n{celery_worker_process.log()}",
    )

    item = Item.objects.get(pk=item_id)
    with item.thumbnail.open("rb") as stored, Image.open(stored) as thumbnail:
        assert thumbnail.format == "WEBP"
        # The longest side becomes THUMBNAIL_SIZE and the aspect ratio is kept.
        assert thumbnail.size == (settings.THUMBNAIL_SIZE, settings.THUMBNAIL_SIZE // 2)


def test_worker_restarted_after_sigkill_still_makes_thumbnails(celery_worker_process, manager_api, project):
    celery_worker_process.kill()
    celery_worker_process.restart()

    response = manager_api.post(
        f"/api/v1/projects/{project.pk}/uploads/",
        {"files": [SimpleUploadedFile("square.png", png_bytes(300, 300), content_type="image/png")]},
        format="multipart",
    )
    assert response.status_code == 201, response.data
    (item_id,) = uploaded_item_ids(response)

    wait_until(
        lambda: thumbnail_name(item_id),
        timeout=THUMBNAIL_TIMEOUT_S,
        message=lambda: f"a thumbnail from the restarted worker; its log:\n{celery_worker_process.log()}",
    )
