"""Annotations and their regions, their history and reviews; the work queue; labelling time.

An annotation is one person's (or one model's) labels for one item. Every change to it raises its
`version`, which the API exposes as the ETag, and writes an AnnotationRevision, so a reviewer's
correction never destroys what the annotator did.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from projects.models import AnnotationKind


class AnnotationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class Annotation(models.Model):
    # The project is the item's; kept here so every query can be scoped without a join.
    # No index of its own: the composite indexes below start with it (one fewer index to write per row).
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="annotations", db_index=False
    )
    item = models.ForeignKey("projects.Item", on_delete=models.CASCADE, related_name="annotations")
    # Who made it; for predictions, who imported them.
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations")
    is_prediction = models.BooleanField(default=False)
    model_name = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(max_length=16, choices=AnnotationStatus.choices, default=AnnotationStatus.DRAFT)
    version = models.PositiveIntegerField(default=1)
    # A client's Idempotency-Key for the create that made this annotation: a retry finds it again.
    idempotency_key = models.CharField(max_length=200, blank=True, default="")
    submitted_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True, default="")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "annotator"], condition=Q(is_prediction=False), name="one_annotation_per_annotator"
            ),
            models.UniqueConstraint(
                fields=["item", "model_name"], condition=Q(is_prediction=True), name="one_prediction_per_model"
            ),
            models.UniqueConstraint(
                fields=["annotator", "idempotency_key"], condition=~Q(idempotency_key=""), name="unique_idempotency_key"
            ),
        ]
        indexes = [models.Index(fields=["project", "status"]), models.Index(fields=["project", "annotator"])]

    def __str__(self) -> str:
        return f"annotation {self.pk} of item {self.item_id} v{self.version}"

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


class Region(models.Model):
    """One labelled shape, span or class of an annotation.

    Geometry by kind: bbox uses x, y, width, height (image pixels); polygon uses points [[x, y], ...]
    and holes [[[x, y], ...], ...] with its bounding box in x/y/width/height; mask keeps COCO's
    compressed RLE string with its size, and the derived area and bounding box; text_span uses start
    and end in Unicode code points (end exclusive); image_class and text_class need only the class.
    """

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="regions")
    # PROTECT: deleting a class in use must fail, and projects.services.delete_class counts the annotations.
    label_class = models.ForeignKey("projects.LabelClass", on_delete=models.PROTECT, related_name="regions")
    kind = models.CharField(max_length=16, choices=AnnotationKind.choices)
    # The client's stable name for the region across versions (time events refer to it).
    key = models.CharField(max_length=64)
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)
    width = models.FloatField(null=True, blank=True)
    height = models.FloatField(null=True, blank=True)
    points = models.JSONField(null=True, blank=True)
    holes = models.JSONField(null=True, blank=True)
    rle = models.TextField(blank=True, default="")
    mask_height = models.PositiveIntegerField(null=True, blank=True)
    mask_width = models.PositiveIntegerField(null=True, blank=True)
    area = models.FloatField(null=True, blank=True)
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, default="")
    confidence = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "label_class"])]

    def __str__(self) -> str:
        return f"{self.kind} region {self.pk} of annotation {self.annotation_id}"

    def as_dict(self) -> dict[str, Any]:
        """The region as the API shows it: only the fields of its kind."""
        data: dict[str, Any] = {"key": self.key, "kind": self.kind, "label_class": self.label_class_id}
        kind = self.kind
        if kind == AnnotationKind.BBOX:
            data.update(x=self.x, y=self.y, width=self.width, height=self.height, area=self.area)
        elif kind == AnnotationKind.POLYGON:
            data.update(points=self.points, holes=self.holes or [], area=self.area, bbox=self._bbox())
        elif kind == AnnotationKind.MASK:
            data.update(
                rle={"size": [self.mask_height, self.mask_width], "counts": self.rle}, area=self.area, bbox=self._bbox()
            )
        elif kind == AnnotationKind.TEXT_SPAN:
            data.update(start=self.start, end=self.end)
        data["comment"] = self.comment
        data["confidence"] = self.confidence
        return data

    def _bbox(self) -> list[float] | None:
        if self.x is None:
            return None
        return [self.x, self.y, self.width, self.height]  # type: ignore[list-item]


# Region columns that carry its content (everything but ids and the annotation), for copies and bulk reads.
REGION_CONTENT_FIELDS = (
    "kind",
    "label_class_id",
    "key",
    "x",
    "y",
    "width",
    "height",
    "points",
    "holes",
    "rle",
    "mask_height",
    "mask_width",
    "area",
    "start",
    "end",
    "comment",
    "confidence",
)


class RevisionAction(models.TextChoices):
    CREATED = "created", "Created"
    EDITED = "edited", "Edited"
    SUBMITTED = "submitted", "Submitted"
    CORRECTED = "corrected", "Corrected by a reviewer"
    REVIEWED = "reviewed", "Reviewed"
    IMPORTED = "imported", "Imported"


class AnnotationRevision(models.Model):
    """One version of an annotation: who made it, why, and (when they changed) its regions."""

    # No index of its own: the (annotation, version) unique constraint's index starts with it.
    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="revisions", db_index=False)
    version = models.PositiveIntegerField()
    action = models.CharField(max_length=16, choices=RevisionAction.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=16, choices=AnnotationStatus.choices)
    # Region dicts as the API shows them; null when this version changed only the status.
    regions = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["annotation_id", "version"]
        constraints = [models.UniqueConstraint(fields=["annotation", "version"], name="one_revision_per_version")]

    def __str__(self) -> str:
        return f"annotation {self.annotation_id} v{self.version} ({self.action})"


class ReviewDecision(models.TextChoices):
    ACCEPT = "accept", "Accept"
    REJECT = "reject", "Reject"


class Review(models.Model):
    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    decision = models.CharField(max_length=8, choices=ReviewDecision.choices)
    comment = models.TextField(blank=True, default="")
    # The version the reviewer looked at, and the version their correction made (if they corrected).
    reviewed_version = models.PositiveIntegerField()
    corrected_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.decision} of annotation {self.annotation_id}"


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", "Assigned by a manager"
    LOCKED = "locked", "Handed out by the queue"
    SUBMITTED = "submitted", "Submitted"
    SKIPPED = "skipped", "Skipped"


class Assignment(models.Model):
    """Who holds which item. An item is taken by every assigned or submitted row, and by locked
    rows until `locked_until`; the queue hands an item out while fewer rows than the project's
    annotators_per_item take it."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="assignments")
    item = models.ForeignKey("projects.Item", on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    status = models.CharField(max_length=16, choices=AssignmentStatus.choices)
    locked_until = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["item", "user"], name="one_assignment_per_user_and_item")]
        indexes = [models.Index(fields=["project", "user", "status"]), models.Index(fields=["item", "status"])]

    def __str__(self) -> str:
        return f"item {self.item_id} {self.status} for user {self.user_id}"


class SessionOutcome(models.TextChoices):
    OPEN = "open", "Open"
    SUBMITTED = "submitted", "Submitted"
    SKIPPED = "skipped", "Skipped"
    REVIEWED = "reviewed", "Reviewed"
    ABANDONED = "abandoned", "Abandoned"


class WorkSession(models.Model):
    """One stretch of work on one item by one person, timed by the server's clock.

    `started_at` is set when the item is opened; every time report sets `wall_ms` from the server's
    clock and stores the client's cumulative `active_ms` as reported. Reports the server finds
    implausible are kept but flagged, and `trusted_active_ms` is the reported value clipped to
    [0, wall_ms].
    """

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="work_sessions")
    item = models.ForeignKey("projects.Item", on_delete=models.CASCADE, related_name="work_sessions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="work_sessions")
    annotation = models.ForeignKey(
        Annotation, on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions"
    )
    started_at = models.DateTimeField()
    last_report_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=SessionOutcome.choices, default=SessionOutcome.OPEN)
    # The project's idle threshold when the session started: the rule the client's active time followed.
    idle_threshold_s = models.PositiveIntegerField()
    wall_ms = models.BigIntegerField(null=True, blank=True)
    active_ms = models.BigIntegerField(null=True, blank=True)
    trusted_active_ms = models.BigIntegerField(null=True, blank=True)
    events = models.JSONField(default=list, blank=True)
    flags = models.JSONField(default=list, blank=True)
    reports = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["project", "user", "started_at"]),
            models.Index(fields=["item", "user", "outcome"]),
        ]

    def __str__(self) -> str:
        return f"session {self.pk} of user {self.user_id} on item {self.item_id}"

    @property
    def submitted_at(self) -> Any:
        return self.ended_at if self.outcome == SessionOutcome.SUBMITTED else None


# Time analytics' fact tables live in their own module but belong to this app (and its migrations).
from labeling.analytics.models import AnalyticsState, AnnotationTimeFact, RegionTimeFact  # noqa: E402,F401
