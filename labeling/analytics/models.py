"""Time analytics: one fact row per submitted annotation and per region, rebuilt from the work sessions.

The dashboard's figures are computed from these tables only, never from the sessions' JSON events, so
an API call stays fast whatever the project's size. `labeling.analytics.services.refresh_project` rebuilds
a project's rows in one transaction (writing only the rows that changed, on PostgreSQL), so readers see
either the old or the new set.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AnnotationTimeFact(models.Model):
    """One submitted human annotation with the time its annotator spent on the item."""

    # No index of its own: every index below starts with the project, and each index is one more to
    # update for every row a refresh writes.
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    # The annotation's id is the fact's: region facts can point at it without reading ids back.
    annotation = models.OneToOneField(
        "labeling.Annotation", on_delete=models.CASCADE, primary_key=True, related_name="time_fact"
    )
    # project, item and annotator are the annotation's: its constraint covers them. Without database
    # constraints of their own, a refresh's inserts skip three foreign-key checks per row (deletes still
    # cascade, through Django's collector).
    item = models.ForeignKey("projects.Item", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    # The item's split in its dataset's working version ("" when unassigned).
    split = models.CharField(max_length=8, blank=True, default="")
    status = models.CharField(max_length=16)
    submitted_at = models.DateTimeField()
    # The annotator's sessions on the item, summed: trusted (clipped) active time and server wall time.
    active_ms = models.BigIntegerField()
    wall_ms = models.BigIntegerField()
    regions = models.PositiveIntegerField()
    # 1 for the annotator's first submitted annotation in the project, by submission time.
    nth_item = models.PositiveIntegerField()
    # The latest review's decision ("" when not reviewed).
    review_decision = models.CharField(max_length=8, blank=True, default="")
    # Mean agreement score with the item's other annotators (None when nobody else annotated it).
    agreement = models.FloatField(null=True, blank=True)
    # Why the submission looks implausibly fast ("" when it does not); see figures.fast_submission_reasons.
    fast_reason = models.CharField(max_length=32, blank=True, default="")
    # What `agreement` was scored on: a digest of the item's submitted annotations, ids and versions, in
    # the order they were paired ("" when nobody else annotated the item). A refresh keeps the agreement
    # of an item whose annotations still give this digest (every change to an annotation raises its version).
    agreement_basis = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        ordering = ["annotation_id"]
        indexes = [
            models.Index(fields=["project", "annotator", "submitted_at"]),
            models.Index(fields=["project", "submitted_at"]),
            models.Index(fields=["project", "item"]),
            # The outliers page: a few fast submissions among many, newest first, and their count.
            models.Index(
                fields=["project", "-submitted_at", "-annotation"],
                condition=~models.Q(fast_reason=""),
                name="analytics_fast_submissions",
            ),
        ]

    def __str__(self) -> str:
        return f"time of annotation {self.annotation_id}"


class RegionTimeFact(models.Model):
    """One region of a fact's annotation with the time its events recorded (None when no event named it)."""

    # Derived rows, rebuilt with their facts: the database checks none of their foreign keys (checking
    # the fact and the class of every region was a fifth of a refresh's time, at commit); Django's
    # delete collector still cascades a deleted fact, class, project or user to them. project and
    # annotator are the fact's, copied so figures filter without a join.
    fact = models.ForeignKey(
        AnnotationTimeFact, on_delete=models.CASCADE, related_name="region_facts", db_constraint=False
    )
    # No index of its own: both indexes below start with the project.
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    kind = models.CharField(max_length=16)
    label_class = models.ForeignKey(
        "projects.LabelClass", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    # The tool that created the region (or last touched it, when its creation was in no report).
    tool = models.CharField(max_length=32, blank=True, default="")
    duration_ms = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["project", "kind"]),
            models.Index(fields=["project", "label_class"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} region time of fact {self.fact_id}"


class AnalyticsState(models.Model):
    """When a project's facts were last rebuilt; its row lock serialises refreshes."""

    project = models.OneToOneField("projects.Project", on_delete=models.CASCADE, related_name="analytics_state")
    refreshed_at = models.DateTimeField(null=True, blank=True)
    refresh_ms = models.PositiveIntegerField(null=True, blank=True)
    annotations = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"analytics of project {self.project_id}"
