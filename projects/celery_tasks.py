"""Celery tasks of the projects app. They take ids, load rows and call a service; each is safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

from projects.models import Item, ItemKind
from projects.uploads import orphans, thumbnails

logger = logging.getLogger(__name__)


@shared_task(name="projects.make_thumbnail")
def make_thumbnail(item_id: int) -> None:
    item = Item.objects.filter(pk=item_id).first()
    if item is not None:  # deleted since the upload: nothing to do
        thumbnails.make_thumbnail(item)


@shared_task(name="projects.make_thumbnails")
def make_thumbnails(item_ids: list[int]) -> None:
    """Thumbnails for a batch of items (uploads queue ~50 per task); one unreadable file does not stop the rest."""
    for item in Item.objects.filter(pk__in=item_ids, kind=ItemKind.IMAGE, thumbnail=""):
        try:
            thumbnails.make_thumbnail(item)
        except Exception:
            logger.exception("could not make a thumbnail for item %s", item.pk)


@shared_task(name="projects.clean_orphan_files")
def clean_orphan_files() -> int:
    return orphans.clean_orphan_files()
