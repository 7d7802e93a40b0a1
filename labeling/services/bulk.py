"""Create many annotations at once, with their regions and first revision: uploads with labels, imports and
augmentation outputs all write this shape, so they write it here."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from labeling.models import Annotation, AnnotationRevision, Region, RevisionAction
from projects.rows import fields_of, insert_rows, stamped

REVISION_COLUMNS = ("annotation_id", "version", "action", "author_id", "status", "regions")


def create_annotations(
    pairs: Sequence[tuple[Annotation, Sequence[dict[str, Any]]]],
    *,
    author_id: int | None,
    action: str = RevisionAction.IMPORTED,
) -> list[Annotation]:
    """Insert unsaved annotations and their regions (validated field dicts) in a few bulk writes.

    The caller holds the transaction. Each annotation gets version 1 recorded as one revision. The annotations
    come back saved: primary key and timestamps set, as `bulk_create` leaves them.
    """
    annotations = [annotation for annotation, _ in pairs]
    if not annotations:
        return annotations
    fields = fields_of(Annotation)
    now = timezone.now()
    stamps = [field.attname for field in fields if stamped(field)]
    for annotation in annotations:
        for name in stamps:  # created_at and updated_at, as bulk_create's pre_save sets them
            setattr(annotation, name, now)
    columns = [field.attname for field in fields]
    ids = insert_rows(
        Annotation, columns, [tuple(getattr(a, name) for name in columns) for a in annotations], return_ids=True
    )
    for annotation, pk in zip(annotations, ids, strict=True):
        annotation.pk = pk
        annotation._state.adding = False
        annotation._state.db = connection.alias
    region_columns = [field.attname for field in fields_of(Region)]
    region_rows: list[tuple[Any, ...]] = []
    revisions: list[tuple[Any, ...]] = []
    for annotation, fields_list in pairs:
        own = [{**_region_defaults(), **fields, "annotation_id": annotation.pk} for fields in fields_list]
        for row in own:
            if len(row) != len(region_columns):  # each field once (defaults filled in), and nothing else
                unknown = set(row) - set(region_columns)
                raise TypeError(f"not Region fields: {', '.join(sorted(unknown))}")
            region_rows.append(tuple([row[name] for name in region_columns]))
        revisions.append((annotation.pk, 1, action, author_id, annotation.status, [_api_shape(row) for row in own]))
    insert_rows(Region, region_columns, region_rows)
    insert_rows(AnnotationRevision, REVISION_COLUMNS, revisions)
    return annotations


# --- regions without model instances --------------------------------------------------------------------
# Outputs and imports write ten or more regions per annotation; building a Region and going through
# bulk_create's per-field preparation cost several times the INSERT itself (augmentation jobs: about a tenth
# of the time per output), so regions are written from their field dicts by projects.rows.insert_rows.


@functools.cache
def _region_defaults() -> dict[str, Any]:
    return {field.attname: field.get_default() for field in fields_of(Region)}


def _api_shape(row: dict[str, Any]) -> dict[str, Any]:
    """`Region.as_dict()` of a row, without Region's per-field __init__ (as_dict reads plain attributes)."""
    region = Region.__new__(Region)
    region.__dict__.update(row)
    return region.as_dict()
