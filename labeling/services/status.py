"""An item's status follows from its annotations and who holds it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q

from labeling.models import Annotation, AnnotationStatus, Assignment, AssignmentStatus
from projects.models import Item, ItemStatus, Project


def live_assignments(now: datetime) -> Q:
    """Rows that take a place on an item: assigned, submitted, or locked and not yet expired."""
    return Q(status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED]) | Q(
        status=AssignmentStatus.LOCKED, locked_until__gt=now
    )


def refresh_item_status(item_id: int, project: Project, now: datetime) -> str:
    """Rejected while any annotation is rejected; accepted or submitted once enough annotators
    (the project's annotators_per_item) are; in progress while anyone works on it; new otherwise."""
    statuses = list(Annotation.objects.filter(item_id=item_id, is_prediction=False).values_list("status", flat=True))
    required = project.annotators_per_item
    accepted = statuses.count(AnnotationStatus.ACCEPTED)
    done = accepted + statuses.count(AnnotationStatus.SUBMITTED)
    if AnnotationStatus.REJECTED in statuses:
        status = ItemStatus.REJECTED
    elif accepted >= required:
        status = ItemStatus.ACCEPTED
    elif done >= required:
        status = ItemStatus.SUBMITTED
    elif statuses or Assignment.objects.filter(live_assignments(now), item_id=item_id).exists():
        status = ItemStatus.IN_PROGRESS
    else:
        status = ItemStatus.NEW
    Item.objects.filter(pk=item_id).exclude(status=status).update(status=status)
    return status


def mark_in_progress(item_ids: Iterable[int]) -> None:
    Item.objects.filter(pk__in=list(item_ids), status=ItemStatus.NEW).update(status=ItemStatus.IN_PROGRESS)
