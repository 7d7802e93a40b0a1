"""Reads for pipelines and jobs, scoped to one project."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from augmentation.models import AugmentationJob, ChunkStatus, JobChunk, JobOutput, OutputStatus, Pipeline
from projects.models import Project


def pipelines_of(project: Project) -> QuerySet[Pipeline]:
    return Pipeline.objects.filter(project=project).select_related("created_by").order_by("name", "id")


def jobs_of(project: Project) -> QuerySet[AugmentationJob]:
    return (
        AugmentationJob.objects.filter(project=project)
        .select_related("source_version", "output_version", "created_by")
        .order_by("-created_at", "-id")
    )


def chunk_summary(job: AugmentationJob) -> dict[str, Any]:
    """Chunks per status and how many were retried, for the job page."""
    counts = dict(job.chunks.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    retried = JobChunk.objects.filter(job=job, attempts__gt=1).count()
    return {
        "total": sum(counts.values()),
        **{status: counts.get(status, 0) for status in ChunkStatus.values},
        "retried": retried,
    }


def failed_outputs(job: AugmentationJob) -> QuerySet[JobOutput]:
    return (
        JobOutput.objects.filter(job=job, status=OutputStatus.FAILED)
        .select_related("source_item")
        .order_by("source_item_id", "copy_index")
    )
