"""Create many annotations at once, with their regions and first revision: uploads with labels, imports and
augmentation outputs all write this shape, so they write it here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from labeling.models import Annotation, AnnotationRevision, Region, RevisionAction


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
    regions: list[Region] = []
    revisions: list[AnnotationRevision] = []
    for annotation, fields_list in pairs:
        objects = [Region(annotation=annotation, **fields) for fields in fields_list]
        regions.extend(objects)
        revisions.append(
            AnnotationRevision(
                annotation=annotation,
                version=1,
                action=action,
                author_id=author_id,
                status=annotation.status,
                regions=[region.as_dict() for region in objects],
            )
        )
    Region.objects.bulk_create(regions, batch_size=2000)
    AnnotationRevision.objects.bulk_create(revisions, batch_size=1000)
    return annotations
