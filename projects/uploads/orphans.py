"""Remove stored files that no item references: what interrupted uploads and crashed tasks leave behind."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db.models import Q, QuerySet
from django.utils import timezone

from projects.models import Item

logger = logging.getLogger(__name__)

# Item files and thumbnails live under projects/<project id>/<area>/ (see projects.models).
AREAS = ("items", "thumbnails")
QUERY_CHUNK = 500


def clean_orphan_files(*, storage: Storage | None = None, now: datetime | None = None) -> int:
    """Delete unreferenced item files and thumbnails older than ORPHAN_FILE_GRACE_S; return how many.

    The grace period protects files of uploads still in progress, which are written before their rows.
    Only the storage API is used, so this works the same on local disk and S3.
    """
    storage = storage or default_storage
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.ORPHAN_FILE_GRACE_S)
    deleted = 0
    for project_dir in _listdir(storage, "projects")[0]:
        # Files of a project only ever belong to that project's items (or to none, once it is deleted).
        items = Item.objects.filter(project_id=int(project_dir)) if project_dir.isdigit() else Item.objects.none()
        for area in AREAS:
            for chunk in _chunks(_walk(storage, f"projects/{project_dir}/{area}"), QUERY_CHUNK):
                deleted += _delete_unreferenced(storage, items, chunk, cutoff)
    if deleted:
        logger.info("deleted %d orphan files", deleted)
    return deleted


def _delete_unreferenced(storage: Storage, items: QuerySet[Item], names: list[str], cutoff: datetime) -> int:
    pairs = items.filter(Q(file__in=names) | Q(thumbnail__in=names)).values_list("file", "thumbnail")
    referenced = {name for pair in pairs for name in pair}
    deleted = 0
    for name in names:
        if name in referenced:
            continue
        try:
            if storage.get_modified_time(name) >= cutoff:
                continue
            storage.delete(name)
        except FileNotFoundError:  # deleted meanwhile
            continue
        deleted += 1
    return deleted


def _walk(storage: Storage, path: str) -> Iterator[str]:
    directories, files = _listdir(storage, path)
    for name in files:
        yield f"{path}/{name}"
    for directory in directories:
        yield from _walk(storage, f"{path}/{directory}")


def _listdir(storage: Storage, path: str) -> tuple[list[str], list[str]]:
    try:
        return storage.listdir(path)
    except FileNotFoundError:  # local storage: the folder does not exist (S3 answers empty lists)
        return [], []


def _chunks(names: Iterator[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for name in names:
        chunk.append(name)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
