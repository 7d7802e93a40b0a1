"""Create many annotations at once, with their regions and first revision: uploads with labels, imports and
augmentation outputs all write this shape, so they write it here."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Field

from labeling.models import Annotation, AnnotationRevision, Region, RevisionAction

# Rows per INSERT statement (fewer where the database caps the parameters of one statement).
REGION_BATCH = 2000


def create_annotations(
    pairs: Sequence[tuple[Annotation, Sequence[dict[str, Any]]]],
    *,
    author_id: int | None,
    action: str = RevisionAction.IMPORTED,
) -> list[Annotation]:
    """Insert unsaved annotations and their regions (validated field dicts) in a few bulk queries.

    The caller holds the transaction. Each annotation gets version 1 recorded as one revision.
    """
    annotations = [annotation for annotation, _ in pairs]
    Annotation.objects.bulk_create(annotations, batch_size=1000)
    rows: list[dict[str, Any]] = []
    revisions: list[AnnotationRevision] = []
    for annotation, fields_list in pairs:
        own = [{**_region_defaults(), **fields, "annotation_id": annotation.pk} for fields in fields_list]
        rows.extend(own)
        revisions.append(
            AnnotationRevision(
                annotation=annotation,
                version=1,
                action=action,
                author_id=author_id,
                status=annotation.status,
                regions=[_api_shape(row) for row in own],
            )
        )
    _insert_regions(rows)
    AnnotationRevision.objects.bulk_create(revisions, batch_size=1000)
    return annotations


# --- regions without model instances --------------------------------------------------------------------
# Outputs and imports write ten or more regions per annotation; building a Region and going through
# bulk_create's per-field preparation cost several times the INSERT itself (augmentation jobs: about a tenth
# of the time per output). Region has no field computed on save (no auto_now, no default callable that
# differs per row), so its rows can be written from their field dicts as they are.


@functools.cache
def _region_fields() -> tuple[Field[Any, Any], ...]:
    fields = tuple(field for field in Region._meta.concrete_fields if not field.primary_key)
    computed = [
        field.name for field in fields if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    if computed:  # bulk_create's pre_save would fill such a field; this path would leave it empty
        raise TypeError(f"Region fields computed on save: {', '.join(computed)}")
    return fields


@functools.cache
def _region_defaults() -> dict[str, Any]:
    return {field.attname: field.get_default() for field in _region_fields()}


def _api_shape(row: dict[str, Any]) -> dict[str, Any]:
    """`Region.as_dict()` of a row, without Region's per-field __init__ (as_dict reads plain attributes)."""
    region = Region.__new__(Region)
    region.__dict__.update(row)
    return region.as_dict()


def _insert_regions(rows: list[dict[str, Any]]) -> None:
    """One multi-row INSERT per batch. Values go to the driver as they are (validated dicts hold ints,
    floats, strings and None), except JSON, which the field serialises as bulk_create would."""
    if not rows:
        return
    fields = _region_fields()
    for row in rows:
        if len(row) != len(fields):  # every row holds each field once (defaults filled in), and nothing else
            unknown = set(row) - {field.attname for field in fields}
            raise TypeError(f"not Region fields: {', '.join(sorted(unknown))}")
    json_fields = [(index, field) for index, field in enumerate(fields) if field.get_internal_type() == "JSONField"]
    table = connection.ops.quote_name(Region._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column or "") for field in fields)
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, min(REGION_BATCH, connection.ops.bulk_batch_size(list(fields), rows)))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            parameters: list[Any] = []
            for row in batch:
                values = [row[field.attname] for field in fields]
                for index, field in json_fields:
                    values[index] = field.get_db_prep_save(values[index], connection)
                parameters.extend(values)
            # Identifiers come from the model, values go as parameters.
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholder] * len(batch))}"  # noqa: S608
            cursor.execute(sql, parameters)
