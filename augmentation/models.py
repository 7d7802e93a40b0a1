"""Saved augmentation pipelines and the jobs that run them over a dataset version.

A job is split into chunks of source item ids; each chunk is one Celery task. Every output is keyed
(job, source item, copy index) in JobOutput, so running a chunk twice replaces its outputs instead of
adding more. The job writes into an output DatasetVersion that stays `building` (never listed) until
the job completes and flips it to `ready` in one UPDATE.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from projects.progress import TrackedJob


class PipelineTarget(models.TextChoices):
    IMAGE = "image", "Images"
    TEXT = "text", "Texts"


class Pipeline(models.Model):
    """A named pipeline of a project: engine JSON (see augmentation/engine/README.md), checked on every save."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="pipelines")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    config = models.JSONField()
    # What the steps work on, worked out by the engine on save (a pipeline works on one kind).
    target = models.CharField(max_length=8, choices=PipelineTarget.choices, default=PipelineTarget.IMAGE)
    # The preset it started from, if any (kept for reference; the config may have been edited since).
    preset = models.CharField(max_length=100, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="unique_pipeline_name_per_project")]

    def __str__(self) -> str:
        return self.name


class AugmentationJob(TrackedJob):
    """Augment a selection of a dataset version into a new version.

    `total`, `done` and `failed` count outputs (one per source item and copy), not source items.
    """

    source_version = models.ForeignKey("projects.DatasetVersion", on_delete=models.CASCADE, related_name="+")
    # {"splits": ["train"], "classes": [ids], "statuses": ["accepted", "submitted"]} (see services.selection)
    selection = models.JSONField(default=dict)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs")
    pipeline_name = models.CharField(max_length=200, blank=True, default="")
    # The pipeline as it was at launch, with the job's seed: outputs are reproducible from this alone.
    pipeline_config = models.JSONField()
    target = models.CharField(max_length=8, choices=PipelineTarget.choices, default=PipelineTarget.IMAGE)
    copies_per_item = models.PositiveIntegerField(default=1)
    # {"mode": "count", "target": N} | {"mode": "max"} | null (see services.balancing)
    balance = models.JSONField(null=True, blank=True)
    include_originals = models.BooleanField(default=True)
    seed = models.BigIntegerField(default=0)
    chunk_size = models.PositiveIntegerField(default=100)
    output_version = models.OneToOneField(
        "projects.DatasetVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="augmentation_job"
    )
    # What planning found: source item count, class counts before and planned after, skipped items.
    plan = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "status"])]

    def __str__(self) -> str:
        return f"augmentation job {self.pk} of project {self.project_id}"


class ChunkStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


CHUNK_FINISHED = frozenset({ChunkStatus.DONE, ChunkStatus.FAILED, ChunkStatus.CANCELLED})


class JobChunk(models.Model):
    """Source items one Celery task processes: `copies[i]` outputs of `item_ids[i]`, labelled by the annotation
    `annotation_ids[i]` that planning chose (so a rerun uses the same labels)."""

    job = models.ForeignKey(AugmentationJob, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    item_ids = models.JSONField(default=list)
    annotation_ids = models.JSONField(default=list)
    copies = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=ChunkStatus.choices, default=ChunkStatus.QUEUED)
    # Raised in the database when a task starts on the chunk: survives the worker being killed.
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job_id", "index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="unique_chunk_index_per_job")]
        indexes = [models.Index(fields=["job", "status"])]

    def __str__(self) -> str:
        return f"chunk {self.index} of job {self.job_id} ({self.status})"


class OutputStatus(models.TextChoices):
    OK = "ok", "Made"
    FAILED = "failed", "Failed"


class JobOutput(models.Model):
    """One output of a job, keyed (job, source item, copy index): a rerun replaces it, never adds a second."""

    # No index of its own: the key's unique index and (job, status) start with it.
    job = models.ForeignKey(AugmentationJob, on_delete=models.CASCADE, related_name="outputs", db_index=False)
    source_item = models.ForeignKey("projects.Item", on_delete=models.CASCADE, related_name="+")
    copy_index = models.PositiveIntegerField()
    output_item = models.ForeignKey(
        "projects.Item", on_delete=models.SET_NULL, null=True, blank=True, related_name="augmentation_outputs"
    )
    status = models.CharField(max_length=8, choices=OutputStatus.choices)
    error = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["job_id", "source_item_id", "copy_index"]
        constraints = [
            models.UniqueConstraint(fields=["job", "source_item", "copy_index"], name="one_output_per_key"),
        ]
        indexes = [models.Index(fields=["job", "status"])]

    def __str__(self) -> str:
        return f"output {self.copy_index} of item {self.source_item_id} in job {self.job_id} ({self.status})"
