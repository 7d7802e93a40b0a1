"""Import predictions (pre-annotations) from a model for many items in one request.

Each (item, model name) has one prediction; importing again replaces its regions in a new version,
so re-running an import is safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from labeling.models import Annotation, AnnotationRevision, AnnotationStatus, Region, RevisionAction
from projects.models import Item, Project


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    regions: int


def import_predictions(
    *,
    project: Project,
    by: User,
    model_name: str,
    entries: Sequence[tuple[Item, list[dict[str, Any]]]],
) -> ImportResult:
    """Create or replace the model's prediction for each (item, validated regions) entry, all or nothing."""
    now = timezone.now()
    with transaction.atomic():
        item_ids = [item.pk for item, _ in entries]
        existing = {
            a.item_id: a
            for a in Annotation.objects.select_for_update().filter(
                item_id__in=item_ids, is_prediction=True, model_name=model_name
            )
        }
        created = [
            Annotation(
                project=project,
                item=item,
                annotator=by,
                is_prediction=True,
                model_name=model_name,
                status=AnnotationStatus.SUBMITTED,
                submitted_at=now,
            )
            for item, _ in entries
            if item.pk not in existing
        ]
        Annotation.objects.bulk_create(created, batch_size=1000)
        updated = list(existing.values())
        for annotation in updated:
            annotation.version += 1
            annotation.updated_at = now
            annotation.annotator = by
        Annotation.objects.bulk_update(updated, ["version", "updated_at", "annotator"], batch_size=1000)
        Region.objects.filter(annotation__in=updated).delete()
        by_item = {a.item_id: a for a in [*created, *updated]}
        regions_of: dict[int, list[Region]] = {}
        all_regions: list[Region] = []
        for item, fields_list in entries:
            annotation = by_item[item.pk]
            objects = [Region(annotation=annotation, **fields) for fields in fields_list]
            regions_of[annotation.pk] = objects
            all_regions.extend(objects)
        Region.objects.bulk_create(all_regions, batch_size=2000)
        AnnotationRevision.objects.bulk_create(
            [
                AnnotationRevision(
                    annotation=annotation,
                    version=annotation.version,
                    action=RevisionAction.IMPORTED,
                    author=by,
                    status=annotation.status,
                    regions=[r.as_dict() for r in regions_of[annotation.pk]],
                )
                for annotation in by_item.values()
            ],
            batch_size=1000,
        )
    return ImportResult(created=len(created), updated=len(updated), regions=len(all_regions))
