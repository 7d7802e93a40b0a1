"""Export and import jobs: their options, progress (TrackedJob) and results."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from projects.progress import TrackedJob


class ExportJob(TrackedJob):
    """A large export built by a Celery task into a file kept for EXPORT_RETENTION_HOURS.

    Small exports stream straight from the API and leave no row.
    """

    format = models.CharField(max_length=32)
    # The validated options, as JSON (what the task rebuilds the export from).
    options = models.JSONField(default=dict)
    # Storage name of the finished file ("" until it is ready, and again once it expired).
    file = models.CharField(max_length=300, blank=True, default="")
    file_name = models.CharField(max_length=200, blank=True, default="")
    content_type = models.CharField(max_length=100, blank=True, default="application/zip")
    size = models.BigIntegerField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    expired = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "created_by"])]

    def __str__(self) -> str:
        return f"{self.format} export {self.pk} of project {self.project_id}"


class ImportJob(TrackedJob):
    """One import request that wrote (or tried to write) annotations; dry runs leave no row."""

    format = models.CharField(max_length=32)
    options = models.JSONField(default=dict)
    file_name = models.CharField(max_length=300, blank=True, default="")
    # SHA-256 of the uploaded file and the options: a retry with the same key returns this job's result.
    idempotency_key = models.CharField(max_length=64, blank=True, default="")
    # Counts of what was created, as the API answered.
    result = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "idempotency_key"], condition=~Q(idempotency_key=""), name="one_import_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.format} import {self.pk} into project {self.project_id}"
