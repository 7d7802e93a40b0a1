"""Progress of background work (augmentation jobs, large exports, large imports), kept in the database.

Progress is a row the API reads, never a task's memory: counters are bumped with F() expressions so
several workers can report at once, and a finished job's result becomes visible in one step.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils import timezone


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors", "Completed with errors"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED = frozenset({JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_ERRORS, JobStatus.FAILED, JobStatus.CANCELLED})


class TrackedJob(models.Model):
    """Abstract base: status, counters, timing and the error of a background job."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=24, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    def mark_running(self) -> None:
        """Move queued → running once; later calls (other chunks, retries) change nothing."""
        type(self)._default_manager.filter(pk=self.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, started_at=timezone.now()
        )

    def add_progress(self, *, done: int = 0, failed: int = 0) -> None:
        type(self)._default_manager.filter(pk=self.pk).update(done=F("done") + done, failed=F("failed") + failed)

    def progress(self) -> dict[str, Any]:
        """Counts, rate and ETA as the API shows them."""
        return compute_progress(
            status=self.status,
            total=self.total,
            done=self.done,
            failed=self.failed,
            started_at=self.started_at,
            finished_at=self.finished_at,
        )


def compute_progress(
    *,
    status: str,
    total: int,
    done: int,
    failed: int,
    started_at: datetime | None,
    finished_at: datetime | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    now = now or timezone.now()
    finished = status in FINISHED
    processed = done + failed
    elapsed = ((finished_at or now) - started_at).total_seconds() if started_at else 0.0
    rate = processed / elapsed if elapsed > 0 and processed else None
    remaining = max(total - processed, 0)
    eta = None
    if rate and not finished and remaining:
        eta = (now + timedelta(seconds=remaining / rate)).isoformat()
    return {
        "status": status,
        "total": total,
        "done": done,
        "failed": failed,
        "queued": 0 if finished else remaining,
        "percent": round(100.0 * processed / total, 1) if total else (100.0 if finished else 0.0),
        "items_per_s": round(rate, 2) if rate else None,
        "eta": eta,
        "elapsed_s": round(elapsed, 1),
    }
