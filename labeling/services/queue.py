"""The work queue: which item an annotator labels next, skipping, and explicit assignments.

An item is handed to at most `annotators_per_item` people. On PostgreSQL the choice locks the item
row with SELECT ... FOR UPDATE SKIP LOCKED, so concurrent requests pick different items instead of
waiting, and counts the places taken again after the lock (a new statement sees every commit made
before it), so two people never take the last place. SQLite runs one writer at a time, which gives
the same guarantee without row locks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from labeling.models import Annotation, AnnotationStatus, Assignment, AssignmentStatus, SessionOutcome, WorkSession
from labeling.services import timing
from labeling.services.errors import ConflictError, Forbidden, ServiceError
from labeling.services.status import live_assignments, mark_in_progress, refresh_item_status
from labeling.validation import TimeReport
from projects.access import Ability, role_can
from projects.models import Item, ItemStatus, Membership, Project


class Reason:
    REJECTED = "rejected"  # a reviewer sent it back, with a comment
    RESUME = "resume"  # the annotator's lock on it is still live
    DRAFT = "draft"  # the annotator started it and has not submitted
    ASSIGNED = "assigned"  # a manager assigned it
    NEW = "new"  # a fresh item from the pool


@dataclass(frozen=True)
class Handout:
    item: Item
    reason: str
    session: WorkSession
    lock_expires_at: datetime | None
    annotation: Annotation | None


class _Full(Exception):
    """The locked candidate has no place left; roll its savepoint back, which releases the lock."""


def next_item(*, project: Project, user: User) -> Handout | None:
    """The item the annotator should label now, locked for them, with a new work session; None
    when nothing is left for them."""
    now = timezone.now()
    lock_until = now + timedelta(minutes=project.lock_minutes)
    with transaction.atomic():
        found = (
            _returned_by_review(project, user)
            or _live_lock(project, user, now, lock_until)
            or _own_draft(project, user, now, lock_until)
            or _assigned(project, user)
            or _fresh(project, user, now, lock_until)
        )
        if found is None:
            return None
        item, reason, expires = found
        if item.status == ItemStatus.NEW:
            mark_in_progress([item.pk])
            item.status = ItemStatus.IN_PROGRESS
        session = timing.open_session(project=project, item=item, user=user, now=now)
        annotation = Annotation.objects.filter(item=item, annotator=user, is_prediction=False).first()
    return Handout(item=item, reason=reason, session=session, lock_expires_at=expires, annotation=annotation)


_Found = tuple[Item, str, datetime | None] | None


def _returned_by_review(project: Project, user: User) -> _Found:
    annotation = (
        Annotation.objects.filter(
            project=project, annotator=user, is_prediction=False, status=AnnotationStatus.REJECTED
        )
        .select_related("item")
        .order_by("reviewed_at", "id")
        .first()
    )
    return (annotation.item, Reason.REJECTED, None) if annotation else None


def _live_lock(project: Project, user: User, now: datetime, lock_until: datetime) -> _Found:
    row = (
        Assignment.objects.filter(project=project, user=user, status=AssignmentStatus.LOCKED, locked_until__gt=now)
        .select_related("item")
        .order_by("id")
        .first()
    )
    if row is None:
        return None
    Assignment.objects.filter(pk=row.pk).update(locked_until=lock_until, updated_at=now)
    return row.item, Reason.RESUME, lock_until


def _own_draft(project: Project, user: User, now: datetime, lock_until: datetime) -> _Found:
    skipped = Assignment.objects.filter(item=OuterRef("item"), user=user, status=AssignmentStatus.SKIPPED)
    annotation = (
        Annotation.objects.filter(project=project, annotator=user, is_prediction=False, status=AnnotationStatus.DRAFT)
        .exclude(Exists(skipped))
        .select_related("item")
        .order_by("id")
        .first()
    )
    if annotation is None:
        return None
    _lock_for(annotation.item, user, project, lock_until)
    return annotation.item, Reason.DRAFT, lock_until


def _assigned(project: Project, user: User) -> _Found:
    row = (
        Assignment.objects.filter(project=project, user=user, status=AssignmentStatus.ASSIGNED)
        .select_related("item")
        .order_by("id")
        .first()
    )
    return (row.item, Reason.ASSIGNED, None) if row else None


def _fresh(project: Project, user: User, now: datetime, lock_until: datetime) -> _Found:
    tried: list[int] = []
    # First without waiting for rows other requests hold; then, so as not to answer "nothing left"
    # while another request is only looking at the last free item, waiting for them.
    for skip_locked in (True, False):
        while True:
            try:
                with transaction.atomic():
                    item = (
                        available_items(project, user, now)
                        .exclude(pk__in=tried)
                        .select_for_update(skip_locked=skip_locked, of=("self",))
                        .order_by("id")
                        .first()
                    )
                    if item is None:
                        break
                    tried.append(item.pk)
                    if places_taken(item.pk, now) >= project.annotators_per_item:
                        raise _Full
                    _lock_for(item, user, project, lock_until)
                    return item, Reason.NEW, lock_until
            except _Full:
                continue
    return None


def available_items(project: Project, user: User, now: datetime) -> QuerySet[Item]:
    """Items with a free place that this user has not taken, skipped or submitted."""
    own = Assignment.objects.filter(item=OuterRef("pk"), user=user).exclude(
        status=AssignmentStatus.LOCKED, locked_until__lte=now
    )
    taken = (
        Assignment.objects.filter(live_assignments(now), item=OuterRef("pk"))
        .order_by()
        .values("item")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return (
        Item.objects.filter(
            project=project, source_item__isnull=True, status__in=[ItemStatus.NEW, ItemStatus.IN_PROGRESS]
        )
        .exclude(Exists(own))
        .annotate(taken=Coalesce(Subquery(taken), 0))
        .filter(taken__lt=project.annotators_per_item)
    )


def places_taken(item_id: int, now: datetime) -> int:
    return Assignment.objects.filter(live_assignments(now), item_id=item_id).count()


def _lock_for(item: Item, user: User, project: Project, lock_until: datetime) -> None:
    Assignment.objects.update_or_create(
        item=item,
        user=user,
        defaults={"project": project, "status": AssignmentStatus.LOCKED, "locked_until": lock_until},
    )


def hold_for_annotation(*, project: Project, item: Item, membership: Membership, now: datetime) -> None:
    """Before someone creates an annotation: annotators need the item handed to them (an expired lock
    is renewed if the item still has a place); managers take a place on it. Call inside a transaction."""
    user = membership.user
    row = Assignment.objects.filter(item=item, user=user).first()
    lock_until = now + timedelta(minutes=project.lock_minutes)
    if role_can(membership.role, Ability.MANAGE):
        if row is None or row.status == AssignmentStatus.SKIPPED:
            _lock_for(item, user, project, lock_until)
        return
    if row is None or row.status == AssignmentStatus.SKIPPED:
        raise Forbidden("This item was not handed to you; take your next item with POST queue/next/.")
    if row.status == AssignmentStatus.LOCKED and row.locked_until is not None and row.locked_until <= now:
        Item.objects.select_for_update().filter(pk=item.pk).first()
        if places_taken(item.pk, now) >= project.annotators_per_item:
            raise ConflictError("Your lock on this item expired and it was handed to someone else.")
        Assignment.objects.filter(pk=row.pk).update(locked_until=lock_until, updated_at=now)


def mark_submitted(*, project: Project, item: Item, user_id: int) -> None:
    Assignment.objects.update_or_create(
        item=item,
        user_id=user_id,
        defaults={"project": project, "status": AssignmentStatus.SUBMITTED, "locked_until": None},
    )


def skip_item(*, project: Project, item: Item, user: User, report: TimeReport | None = None) -> None:
    """Give the item up: its place is freed, it is not handed to this user again, and the user's
    sessions on it end as skipped."""
    now = timezone.now()
    with transaction.atomic():
        row = Assignment.objects.select_for_update().filter(item=item, user=user).first()
        if row is None:
            raise ConflictError("This item is not handed to you, so there is nothing to skip.", field="item")
        if row.status == AssignmentStatus.SUBMITTED:
            raise ConflictError("You already submitted this item; it cannot be skipped.", field="item")
        if report is not None:
            timing.record_report(report, project=project, item=item, user=user, now=now)
        row.status = AssignmentStatus.SKIPPED
        row.locked_until = None
        row.save(update_fields=["status", "locked_until", "updated_at"])
        timing.close_sessions(item=item, user_id=user.pk, outcome=SessionOutcome.SKIPPED, now=now)
        refresh_item_status(item.pk, project, now)


@dataclass(frozen=True)
class AssignResult:
    assigned: list[int]
    already_submitted: list[int]


def assign_items(*, project: Project, assignee: User, item_ids: Sequence[int], by: User) -> AssignResult:
    """A manager gives items to a person explicitly; the overlap limit does not apply to this."""
    membership = Membership.objects.filter(project=project, user=assignee).first()
    if membership is None or not role_can(membership.role, Ability.ANNOTATE):
        raise ServiceError("Items can only be assigned to annotators or managers of this project.", field="user")
    items = _items_of(project, item_ids)
    with transaction.atomic():
        rows = {r.item_id: r for r in Assignment.objects.select_for_update().filter(user=assignee, item__in=items)}
        submitted = sorted(i for i, r in rows.items() if r.status == AssignmentStatus.SUBMITTED)
        to_update = [r for r in rows.values() if r.status != AssignmentStatus.SUBMITTED]
        for row in to_update:
            row.status, row.locked_until, row.assigned_by = AssignmentStatus.ASSIGNED, None, by
        Assignment.objects.bulk_update(to_update, ["status", "locked_until", "assigned_by"], batch_size=1000)
        new_rows = [
            Assignment(project=project, item_id=i, user=assignee, status=AssignmentStatus.ASSIGNED, assigned_by=by)
            for i in items
            if i not in rows
        ]
        Assignment.objects.bulk_create(new_rows, batch_size=1000)
        assigned = sorted([r.item_id for r in to_update] + [r.item_id for r in new_rows])
        mark_in_progress(assigned)
    return AssignResult(assigned=assigned, already_submitted=submitted)


def unassign_items(*, project: Project, assignee: User, item_ids: Sequence[int]) -> int:
    """Take unfinished items back from a person; submitted work stays theirs."""
    items = _items_of(project, item_ids)
    now = timezone.now()
    with transaction.atomic():
        deleted, _ = Assignment.objects.filter(
            user=assignee, item_id__in=items, status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.LOCKED]
        ).delete()
        for item_id in items:
            refresh_item_status(item_id, project, now)
    return deleted


def _items_of(project: Project, item_ids: Sequence[int]) -> list[int]:
    wanted = list(dict.fromkeys(item_ids))
    found = set(Item.objects.filter(project=project, pk__in=wanted).values_list("pk", flat=True))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ServiceError(f"Not items of this project: {', '.join(map(str, missing[:20]))}.", field="items")
    return wanted
