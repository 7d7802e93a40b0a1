"""Reviewers accept or reject submitted annotations, and may correct them.

A correction replaces the regions in a new version; the annotator's version stays in the history
(AnnotationRevision), and the Review row records which version was reviewed and which one the
correction made.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.utils import timezone

from labeling.models import Annotation, AnnotationStatus, Review, ReviewDecision, RevisionAction, SessionOutcome
from labeling.services import timing
from labeling.services.annotations import lock_annotation, record_revision, write_regions
from labeling.services.errors import ConflictError, ServiceError
from labeling.services.status import refresh_item_status
from labeling.validation import TimeReport
from projects.models import Membership


def review_annotation(
    annotation: Annotation,
    *,
    membership: Membership,
    expected_versions: Collection[int],
    decision: str,
    comment: str = "",
    regions: list[dict[str, Any]] | None = None,
    report: TimeReport | None = None,
) -> Annotation:
    """Accept or reject (a rejection needs a comment for the annotator), optionally with corrected regions."""
    if decision == ReviewDecision.REJECT and not comment.strip():
        raise ServiceError("Say what is wrong: a rejection needs a comment for the annotator.", field="comment")
    now = timezone.now()
    reviewer = membership.user
    with transaction.atomic():
        current = lock_annotation(annotation, expected_versions)
        if current.is_prediction:
            raise ConflictError("Predictions are not reviewed; copy them into an annotation first.")
        if current.status == AnnotationStatus.DRAFT:
            raise ConflictError("Only submitted annotations can be reviewed; this one is still a draft.")
        reviewed_version = current.version
        corrected = None
        if regions is not None:
            corrected = write_regions(current, regions, replace=True)
            current.current_regions = corrected  # type: ignore[attr-defined]
        current.status = AnnotationStatus.ACCEPTED if decision == ReviewDecision.ACCEPT else AnnotationStatus.REJECTED
        current.review_comment = comment
        current.reviewed_by = reviewer
        current.reviewed_at = now
        current.version += 1
        current.updated_at = now
        current.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at", "version", "updated_at"])
        action = RevisionAction.CORRECTED if corrected is not None else RevisionAction.REVIEWED
        record_revision(current, action, reviewer, corrected)
        Review.objects.create(
            annotation=current,
            reviewer=reviewer,
            decision=decision,
            comment=comment,
            reviewed_version=reviewed_version,
            corrected_version=current.version if corrected is not None else None,
        )
        if report is not None:
            timing.record_report(report, project=current.project, item=current.item, user=reviewer, now=now)
        timing.close_sessions(item=current.item, user_id=reviewer.pk, outcome=SessionOutcome.REVIEWED, now=now)
        refresh_item_status(current.item_id, current.project, now)
    return current
