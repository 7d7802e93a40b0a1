"""Creating, revising, submitting and deleting annotations.

Every change happens in one transaction that first locks the annotation row and compares its version
with the one the client read (If-Match): a stale client gets VersionConflict and nothing is written,
so concurrent editors never overwrite each other. Regions are replaced as a whole (one DELETE, one
bulk INSERT) and the new version's regions are kept in an AnnotationRevision.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from labeling.models import (
    Annotation,
    AnnotationRevision,
    AnnotationStatus,
    Assignment,
    AssignmentStatus,
    Region,
    RevisionAction,
    SessionOutcome,
)
from labeling.services import queue, timing
from labeling.services.errors import ConflictError, Forbidden, PreconditionMissing, VersionConflict
from labeling.services.status import mark_in_progress, refresh_item_status
from labeling.validation import TimeReport
from projects.access import Ability, role_can
from projects.models import Item, Membership, Project


def create_annotation(
    *,
    project: Project,
    item: Item,
    membership: Membership,
    regions: list[dict[str, Any]],
    idempotency_key: str = "",
    report: TimeReport | None = None,
    submit: bool = False,
) -> tuple[Annotation, bool]:
    """The caller's annotation of the item and whether it is a replay of an earlier create with the
    same Idempotency-Key (then nothing new is written)."""
    user = membership.user
    if idempotency_key:
        earlier = _replay(user, idempotency_key, item)
        if earlier is not None:
            return earlier, True
    now = timezone.now()
    try:
        with transaction.atomic():
            queue.hold_for_annotation(project=project, item=item, membership=membership, now=now)
            annotation = Annotation.objects.create(
                project=project,
                item=item,
                annotator=user,
                status=AnnotationStatus.SUBMITTED if submit else AnnotationStatus.DRAFT,
                submitted_at=now if submit else None,
                idempotency_key=idempotency_key,
            )
            annotation.item = item
            annotation.current_regions = write_regions(annotation, regions)  # type: ignore[attr-defined]
            record_revision(annotation, RevisionAction.CREATED, user, annotation.current_regions)  # type: ignore[attr-defined]
            if report is not None:
                timing.record_report(report, project=project, item=item, user=user, now=now, annotation=annotation)
            if submit:
                _after_submit(annotation, project=project, now=now)
            else:
                mark_in_progress([item.pk])
    except IntegrityError:
        # Two creates raced: the same Idempotency-Key (a retry), or a second annotation of the item.
        if idempotency_key:
            earlier = _replay(user, idempotency_key, item)
            if earlier is not None:
                return earlier, True
        existing = Annotation.objects.filter(item=item, annotator=user, is_prediction=False).first()
        if existing is None:
            raise
        raise ConflictError(
            "You already have an annotation of this item; change it with PUT and its ETag.",
            annotation=existing.pk,
            version=existing.version,
        ) from None
    return annotation, False


def _replay(user: User, key: str, item: Item) -> Annotation | None:
    earlier = Annotation.objects.filter(annotator=user, idempotency_key=key).select_related("item").first()
    if earlier is not None and earlier.item_id != item.pk:
        raise ConflictError(
            f"This Idempotency-Key already created annotation {earlier.pk} of another item; use a new key.",
            annotation=earlier.pk,
        )
    return earlier


def revise_annotation(
    annotation: Annotation,
    *,
    membership: Membership,
    expected_versions: Collection[int],
    regions: list[dict[str, Any]] | None = None,
    report: TimeReport | None = None,
    submit: bool = False,
) -> Annotation:
    """Replace the regions (when given), report time and/or submit, if the client read the current version.

    `annotation` is the row as the request read it. Permissions are checked on it: every change to an
    annotation raises its version, so if the conditional UPDATE below still finds that version, the
    row is exactly what was checked.
    """
    now = timezone.now()
    ensure_can_edit(annotation, membership)
    with transaction.atomic():
        status_changes = submit and annotation.status != AnnotationStatus.SUBMITTED
        if regions is not None or status_changes:
            changes: dict[str, Any] = {}
            if status_changes:
                changes = {"status": AnnotationStatus.SUBMITTED, "submitted_at": now}
            advance_version(annotation, expected_versions, now, **changes)
            if regions is not None:
                annotation.current_regions = write_regions(annotation, regions, replace=True)  # type: ignore[attr-defined]
            action = RevisionAction.EDITED if regions is not None else RevisionAction.SUBMITTED
            record_revision(annotation, action, membership.user, getattr(annotation, "current_regions", None))
        elif annotation.version not in expected_versions:
            raise VersionConflict(Annotation.objects.get(pk=annotation.pk), set(expected_versions))
        if report is not None:
            timing.record_report(
                report,
                project=annotation.project,
                item=annotation.item,
                user=membership.user,
                now=now,
                annotation=annotation,
            )
        if submit:
            _after_submit(annotation, project=annotation.project, now=now)
    return annotation


def advance_version(annotation: Annotation, expected_versions: Collection[int], now: datetime, **changes: Any) -> None:
    """Raise the version by one, with `changes`, if it is still the version the client read.

    One conditional UPDATE: it takes the row lock, and a concurrent writer with the same version waits
    for it and then finds no row (PostgreSQL re-checks the WHERE on the committed row), so it gets
    VersionConflict instead of overwriting.
    """
    updated = 0
    if annotation.version in expected_versions:
        updated = Annotation.objects.filter(pk=annotation.pk, version=annotation.version).update(
            version=annotation.version + 1, updated_at=now, **changes
        )
    if not updated:
        raise VersionConflict(Annotation.objects.get(pk=annotation.pk), set(expected_versions))
    annotation.version += 1
    annotation.updated_at = now
    for name, value in changes.items():
        setattr(annotation, name, value)


def delete_annotation(annotation: Annotation, *, membership: Membership, expected_versions: Collection[int]) -> None:
    """Delete an annotation and its history. A submitted item place is freed, so the item returns to the queue."""
    now = timezone.now()
    with transaction.atomic():
        current = lock_annotation(annotation, expected_versions)
        ensure_can_edit(current, membership)
        item_id, annotator_id = current.item_id, current.annotator_id
        current.delete()
        if not current.is_prediction:
            Assignment.objects.filter(item_id=item_id, user_id=annotator_id, status=AssignmentStatus.SUBMITTED).delete()
            refresh_item_status(item_id, annotation.project, now)


def save_item_regions(
    *,
    project: Project,
    item: Item,
    membership: Membership,
    regions: list[dict[str, Any]],
    expected_versions: Collection[int] | None,
    report: TimeReport | None = None,
    submit: bool = False,
) -> tuple[Annotation, bool]:
    """Create or replace all regions of the caller's annotation of the item in one request; an existing
    annotation needs its ETag like any update. Returns the annotation and whether it was created."""
    existing = (
        Annotation.objects.filter(item=item, annotator=membership.user, is_prediction=False)
        .select_related("item", "project")
        .first()
    )
    if existing is None:
        if expected_versions:
            raise ConflictError("You have no annotation of this item yet; send no If-Match to create it.")
        annotation, _ = create_annotation(
            project=project, item=item, membership=membership, regions=regions, report=report, submit=submit
        )
        return annotation, True
    if expected_versions is None:
        raise PreconditionMissing(
            "You already have an annotation of this item: send If-Match with its ETag to replace it."
        )
    annotation = revise_annotation(
        existing,
        membership=membership,
        expected_versions=expected_versions,
        regions=regions,
        report=report,
        submit=submit,
    )
    return annotation, False


def ensure_can_edit(annotation: Annotation, membership: Membership) -> None:
    """Managers may change any annotation; annotators their own, until it is accepted."""
    if role_can(membership.role, Ability.MANAGE):
        return
    if not role_can(membership.role, Ability.ANNOTATE):
        raise Forbidden("Only annotators and managers can change annotations; reviewers correct them with review/.")
    if annotation.is_prediction:
        raise Forbidden("Only managers can change predictions.")
    if annotation.annotator_id != membership.user_id:
        raise Forbidden("You can only change your own annotations.")
    if annotation.status == AnnotationStatus.ACCEPTED:
        raise ConflictError("This annotation was accepted; only a reviewer or manager can change it now.")


def write_regions(annotation: Annotation, regions: list[dict[str, Any]], *, replace: bool = False) -> list[Region]:
    if replace:
        Region.objects.filter(annotation=annotation).delete()
    objects = [Region(annotation=annotation, **fields) for fields in regions]
    Region.objects.bulk_create(objects, batch_size=2000)
    return objects


def lock_annotation(annotation: Annotation, expected_versions: Collection[int]) -> Annotation:
    """The annotation's row, locked until the transaction ends, if its version is one the client sent."""
    current = Annotation.objects.select_for_update(of=("self",)).get(pk=annotation.pk)
    # The item and project were loaded with the request; reuse them instead of querying again.
    current.item = annotation.item
    current.project = annotation.project
    if current.version not in expected_versions:
        raise VersionConflict(current, set(expected_versions))
    return current


def record_revision(
    annotation: Annotation, action: str, author: User | None, regions: list[Region] | None
) -> AnnotationRevision:
    return AnnotationRevision.objects.create(
        annotation=annotation,
        version=annotation.version,
        action=action,
        author=author,
        status=annotation.status,
        regions=None if regions is None else [r.as_dict() for r in regions],
    )


def _after_submit(annotation: Annotation, *, project: Project, now: datetime) -> None:
    """The annotator's place on the item is now permanent, their sessions on it end, the item moves on."""
    queue.mark_submitted(project=project, item=annotation.item, user_id=annotation.annotator_id)
    timing.close_sessions(
        item=annotation.item,
        user_id=annotation.annotator_id,
        outcome=SessionOutcome.SUBMITTED,
        now=now,
        annotation=annotation,
    )
    refresh_item_status(annotation.item_id, project, now)
