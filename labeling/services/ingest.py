"""Annotations from labels found in an upload (class folders, a CSV label column, JSONL labels/spans).

They are the user's own ground truth, so they become submitted annotations by the uploader, made in
the upload's transaction. A class name the schema lacks is added to it; labels that break the
schema's rules (a kind the project does not use, a span outside the text) are left out and reported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from labeling.models import (
    Annotation,
    AnnotationStatus,
    Assignment,
    AssignmentStatus,
)
from labeling.services.bulk import create_annotations
from labeling.validation import Schema, validate_regions
from projects import services as project_services
from projects.models import AnnotationKind, Item, ItemStatus, Project


@dataclass
class IngestResult:
    annotations: int = 0
    regions: int = 0
    classes_created: list[str] = field(default_factory=list)
    # [{"item": id, "reason": "..."}]
    skipped: list[dict[str, Any]] = field(default_factory=list)


def annotations_from_upload_labels(
    *, project: Project, user: User, labels: Sequence[tuple[Item, dict[str, Any]]]
) -> IngestResult:
    result = IngestResult()
    if not labels:
        return result
    now = timezone.now()
    with transaction.atomic():
        schema = Schema.of(project)
        class_ids = {c.name: c.pk for c in schema.classes.values()}
        prepared: list[tuple[Item, list[dict[str, Any]]]] = []
        for item, spec in labels:
            raw = _regions_of(spec, class_ids, project, schema, result)
            if not raw:
                continue
            try:
                prepared.append((item, validate_regions(raw, item=item, schema=schema)))
            except ValidationError as error:
                result.skipped.append({"item": item.pk, "reason": _first_message(error)})
        create_annotations(
            [
                (
                    Annotation(
                        project=project,
                        item=item,
                        annotator=user,
                        status=AnnotationStatus.SUBMITTED,
                        submitted_at=now,
                    ),
                    fields_list,
                )
                for item, fields_list in prepared
            ],
            author_id=user.pk,
        )
        Assignment.objects.bulk_create(
            [
                Assignment(project=project, item=item, user=user, status=AssignmentStatus.SUBMITTED)
                for item, _ in prepared
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        # One uploader's labels fill one of the annotators_per_item places.
        status = ItemStatus.SUBMITTED if project.annotators_per_item <= 1 else ItemStatus.IN_PROGRESS
        Item.objects.filter(pk__in=[item.pk for item, _ in prepared]).update(status=status)
    result.annotations = len(prepared)
    result.regions = sum(len(fields_list) for _, fields_list in prepared)
    return result


def _regions_of(
    spec: dict[str, Any], class_ids: dict[str, int], project: Project, schema: Schema, result: IngestResult
) -> list[dict[str, Any]]:
    raw: list[dict[str, Any]] = []
    if spec.get("image_class"):
        raw.append({"kind": AnnotationKind.IMAGE_CLASS, "label": spec["image_class"]})
    text_classes = spec.get("text_class")
    if text_classes:
        names = [text_classes] if isinstance(text_classes, str) else list(text_classes)
        raw.extend({"kind": AnnotationKind.TEXT_CLASS, "label": name} for name in names)
    for span in spec.get("spans") or []:
        raw.append(
            {
                "kind": AnnotationKind.TEXT_SPAN,
                "start": span.get("start"),
                "end": span.get("end"),
                "label": span.get("label"),
            }
        )
    for region in raw:
        name = str(region.pop("label") or "").strip()
        if not name:
            # Validation then names the missing class for the report.
            continue
        if name not in class_ids:
            label_class = project_services.create_class(project=project, name=name, color=color_for(name))
            class_ids[name] = label_class.pk
            schema.classes[label_class.pk] = label_class
            result.classes_created.append(name)
        region["label_class"] = class_ids[name]
    return raw


def color_for(name: str) -> str:
    """A stable colour per class name, so re-uploading gives the same colours."""
    return "#" + hashlib.sha256(name.encode()).hexdigest()[:6]


def _first_message(error: ValidationError) -> str:
    detail = error.detail
    if isinstance(detail, dict):
        for field_name, messages in detail.items():
            message = messages[0] if isinstance(messages, list) and messages else messages
            return f"{field_name}: {message}"
    return str(detail)
