"""Reads for annotations, regions, sessions, assignments and agreement, scoped to what the member may see.

Annotators see their own annotations and the project's predictions, never another annotator's work
(agreement must come from independent judgements); reviewers, managers and viewers see everything.
Time records are personal: managers see everyone's, everyone else their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from labeling import agreement
from labeling.models import (
    Annotation,
    AnnotationRevision,
    AnnotationStatus,
    Assignment,
    Region,
    Review,
    WorkSession,
)
from projects.access import Ability, role_can
from projects.models import Item, Membership, Project, Role


def _sees_everyones_annotations(membership: Membership) -> bool:
    return membership.role != Role.ANNOTATOR


def annotations_for(membership: Membership) -> QuerySet[Annotation]:
    queryset = Annotation.objects.filter(project_id=membership.project_id)
    if not _sees_everyones_annotations(membership):
        queryset = queryset.filter(Q(annotator_id=membership.user_id) | Q(is_prediction=True))
    return queryset


def annotations_with_regions(membership: Membership) -> QuerySet[Annotation]:
    return annotations_for(membership).select_related("annotator").prefetch_related("regions").order_by("id")


def regions_for(membership: Membership) -> QuerySet[Region]:
    queryset = Region.objects.filter(annotation__project_id=membership.project_id)
    if not _sees_everyones_annotations(membership):
        queryset = queryset.filter(Q(annotation__annotator_id=membership.user_id) | Q(annotation__is_prediction=True))
    return queryset.order_by("id")


def history_of(annotation: Annotation) -> dict[str, Any]:
    """Every version with its regions (a version that changed only the status shows the regions it
    inherited) and every review."""
    versions: list[dict[str, Any]] = []
    regions: list[dict[str, Any]] | None = None
    for revision in AnnotationRevision.objects.filter(annotation=annotation).select_related("author"):
        changed = revision.regions is not None
        if changed:
            regions = revision.regions
        versions.append(
            {
                "version": revision.version,
                "action": revision.action,
                "author": revision.author_id,
                "author_name": revision.author.get_username() if revision.author else None,
                "status": revision.status,
                "regions_changed": changed,
                "regions": regions,
                "created_at": revision.created_at,
            }
        )
    reviews = [
        {
            "reviewer": review.reviewer_id,
            "decision": review.decision,
            "comment": review.comment,
            "reviewed_version": review.reviewed_version,
            "corrected_version": review.corrected_version,
            "created_at": review.created_at,
        }
        for review in Review.objects.filter(annotation=annotation)
    ]
    return {"annotation": annotation.pk, "versions": versions, "reviews": reviews}


def sessions_for(membership: Membership) -> QuerySet[WorkSession]:
    queryset = WorkSession.objects.filter(project_id=membership.project_id).select_related("user")
    if not role_can(membership.role, Ability.MANAGE):
        queryset = queryset.filter(user_id=membership.user_id)
    return queryset.order_by("id")


SESSION_GROUPS = {"user": "user_id", "item": "item_id", "annotation": "annotation_id"}


def session_totals(sessions: QuerySet[WorkSession], group_by: str) -> list[dict[str, Any]]:
    column = SESSION_GROUPS[group_by]
    rows = (
        sessions.order_by()
        .values(column)
        .annotate(
            sessions=Count("id"),
            wall_ms=Sum("wall_ms"),
            active_ms=Sum("active_ms"),
            trusted_active_ms=Sum("trusted_active_ms"),
            flagged=Count("id", filter=~Q(flags=[])),
        )
        .order_by(column)
    )
    return [{group_by: row.pop(column), **row} for row in rows]


def assignments_for(membership: Membership) -> QuerySet[Assignment]:
    queryset = Assignment.objects.filter(project_id=membership.project_id).select_related("user")
    if not role_can(membership.role, Ability.MANAGE):
        queryset = queryset.filter(user_id=membership.user_id)
    return queryset.order_by("id")


# --- agreement --------------------------------------------------------------------------------------

AGREEMENT_STATUSES = (AnnotationStatus.SUBMITTED, AnnotationStatus.ACCEPTED)


def _raters_by_item(project: Project, item_ids: Iterable[int] | None = None) -> dict[int, list[agreement.Rater]]:
    """Submitted or accepted human annotations, as agreement raters, for items with at least two."""
    annotations = Annotation.objects.filter(project=project, is_prediction=False, status__in=AGREEMENT_STATUSES)
    if item_ids is not None:
        annotations = annotations.filter(item_id__in=list(item_ids))
    per_item: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for annotation_id, item_id, user_id in annotations.values_list("id", "item_id", "annotator_id"):
        per_item[item_id].append((annotation_id, user_id))
    multi = {item_id: pairs for item_id, pairs in per_item.items() if len(pairs) >= 2}
    shapes: dict[int, list[agreement.Shape]] = defaultdict(list)
    annotation_ids = [a for pairs in multi.values() for a, _ in pairs]
    for region in Region.objects.filter(annotation_id__in=annotation_ids).order_by("id"):
        shapes[region.annotation_id].append(_shape(region))
    return {
        item_id: [agreement.Rater(user=user_id, shapes=shapes[a]) for a, user_id in sorted(pairs, key=lambda p: p[1])]
        for item_id, pairs in multi.items()
    }


def _shape(region: Region) -> agreement.Shape:
    box = (region.x, region.y, region.width, region.height) if region.x is not None else None
    return agreement.Shape(
        kind=region.kind,
        label_class=region.label_class_id,
        box=box,  # type: ignore[arg-type]
        points=region.points,
        holes=region.holes or (),
        rle_counts=region.rle or None,
        size=(region.mask_height, region.mask_width) if region.mask_height else None,  # type: ignore[arg-type]
        start=region.start,
        end=region.end,
    )


def item_agreement(project: Project, item: Item, *, iou_threshold: float = 0.5) -> dict[str, Any]:
    raters = _raters_by_item(project, [item.pk]).get(item.pk, [])
    size = (item.height, item.width) if item.width and item.height else None
    results = agreement.item_agreement(raters, image_size=size, iou_threshold=iou_threshold)
    return {
        "item": item.pk,
        "annotators": [r.user for r in raters],
        "iou_threshold": iou_threshold,
        "classes": [_class_result(r) for r in results],
    }


def project_agreement(project: Project, *, iou_threshold: float = 0.5) -> dict[str, Any]:
    """Per (kind, class): the mean over items of the per-item scores; for image and text classes also
    alpha/kappa across items, per class (present or not) and, for single-class kinds, over the class chosen."""
    raters_by_item = _raters_by_item(project)
    sizes = {
        pk: (h, w) if w and h else None
        for pk, w, h in Item.objects.filter(pk__in=list(raters_by_item)).values_list("pk", "width", "height")
    }
    sums: dict[tuple[str, int], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    item_counts: dict[tuple[str, int], int] = defaultdict(int)
    for item_id, raters in raters_by_item.items():
        for result in agreement.item_agreement(raters, image_size=sizes.get(item_id), iou_threshold=iou_threshold):
            key = (result.kind, result.label_class)
            item_counts[key] += 1
            for name, value in result.scores.items():
                if value is not None and name != "agreement":
                    sums[key][name].append(value)
    classes: list[dict[str, Any]] = []
    for kind, label_class in sorted(item_counts):
        entry: dict[str, Any] = {"kind": kind, "label_class": label_class, "items": item_counts[(kind, label_class)]}
        for name, values in sums[(kind, label_class)].items():
            entry[name] = sum(values) / len(values)
        if kind in agreement.CLASS_KINDS:
            units: list[dict[int, Hashable]] = [
                {r.user: any(s.kind == kind and s.label_class == label_class for s in r.shapes) for r in raters}
                for raters in raters_by_item.values()
                if any(s.kind == kind for r in raters for s in r.shapes)
            ]
            entry.update(agreement.classification_summary(units))
        classes.append(entry)
    summary: dict[str, Any] = {
        "items": len(raters_by_item),
        "iou_threshold": iou_threshold,
        "classes": classes,
    }
    for kind, multi in (("image_class", project.image_class_multi), ("text_class", project.text_class_multi)):
        if kind in project.kinds and not multi:
            single: list[dict[int, Hashable]] = []
            for raters in raters_by_item.values():
                unit: dict[int, Hashable] = {}
                for rater in raters:
                    chosen = [s.label_class for s in rater.shapes if s.kind == kind]
                    if chosen:
                        unit[rater.user] = chosen[0]
                single.append(unit)
            summary[kind] = agreement.classification_summary(single)
    return summary


def _class_result(result: agreement.ClassAgreement) -> dict[str, Any]:
    return {"kind": result.kind, "label_class": result.label_class, "pairs": result.pairs, **result.scores}
