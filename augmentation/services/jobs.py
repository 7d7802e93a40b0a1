"""Augmentation jobs: launch, plan into chunks, cancel, and finish exactly once.

Life of a job: `launch_job` creates the job and its output version (`building`, never listed) and queues
`start_job`; planning selects the items, works out copies per item (balancing), writes the chunks and
queues one `run_chunk` task per chunk; each chunk ends with `finish_job_if_done`, which, under a row lock,
notices the last chunk and settles the job once: completed or completed_with_errors (the version switches
to `ready` in one UPDATE), failed (nothing could be made) or cancelled (the version is never ready and its
outputs are deleted).
"""

from __future__ import annotations

import copy
import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef
from django.utils import timezone

from augmentation.models import (
    CHUNK_FINISHED,
    AugmentationJob,
    ChunkStatus,
    JobChunk,
    OutputStatus,
    Pipeline,
)
from augmentation.services import pipelines as pipeline_service
from augmentation.services.balancing import plan_copies
from augmentation.services.selection import UNASSIGNED, Entry, Selection, selected_entries, selected_rows
from labeling.models import AnnotationStatus, Region
from projects.models import Dataset, DatasetVersion, Item, LabelClass, Project, Split, VersionItem, VersionStatus
from projects.progress import JobStatus
from projects.rows import insert_rows
from projects.selectors import default_dataset, working_version
from projects.services import ConflictError, ServiceError

logger = logging.getLogger(__name__)

BALANCE_MODES = ("count", "max")
# Chunks near the end of a job shrink to a quarter of what is left, down to this many items (see _parts).
TAIL_CHUNK_MIN = 8
# Thumbnails of a finished job's outputs are queued in batches of this many items per task.
THUMBNAIL_BATCH = 50


def launch_job(
    *,
    project: Project,
    user: AbstractBaseUser,
    pipeline: Pipeline,
    source_version: DatasetVersion | None = None,
    selection: dict[str, Any] | None = None,
    copies_per_item: int = 1,
    balance: dict[str, Any] | None = None,
    include_originals: bool = True,
    seed: int | None = None,
    name: str = "",
    chunk_size: int | None = None,
) -> AugmentationJob:
    """Create the job and its (building) output version; planning and the work happen on the workers."""
    if pipeline.project_id != project.pk:
        raise ServiceError("No such pipeline in this project.", field="pipeline")
    version = source_version or _working_version(project)
    if version.dataset.project_id != project.pk or version.status != VersionStatus.READY:
        raise ServiceError("The source version must be a ready version of this project.", field="source_version")
    chosen = _check_selection(project, selection)
    _check_copies(copies_per_item, balance)
    seed = int(pipeline.config.get("seed", 0)) if seed is None else seed
    frozen = copy.deepcopy(pipeline.config)
    frozen["seed"] = seed
    pipeline_service.build(frozen, field="pipeline")  # the server may have lost a resource since it was saved
    if not selected_rows(version, chosen, kind=pipeline.target).exists():
        raise ServiceError(
            f"No {pipeline.target} items of version {version.number} match the selection "
            f"(splits {', '.join(chosen.splits)}; annotation status {', '.join(chosen.statuses)}"
            f"{'; classes ' + ', '.join(map(str, chosen.classes)) if chosen.classes else ''}).",
            field="selection",
        )
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=version.dataset_id)
        number = (dataset.versions.aggregate(highest=Max("number"))["highest"] or 0) + 1
        output = DatasetVersion.objects.create(
            dataset=dataset,
            number=number,
            name=name or f"v{version.number} + {pipeline.name}",
            status=VersionStatus.BUILDING,
            parent=version,
            created_by=user,  # type: ignore[misc]
        )
        job = AugmentationJob.objects.create(
            project=project,
            created_by=user,  # type: ignore[misc]
            source_version=version,
            selection=chosen.as_json(),
            pipeline=pipeline,
            pipeline_name=pipeline.name,
            pipeline_config=frozen,
            target=pipeline.target,
            copies_per_item=copies_per_item,
            balance=balance,
            include_originals=include_originals,
            seed=seed,
            chunk_size=chunk_size or settings.AUGMENTATION_CHUNK_SIZE,
            output_version=output,
        )
        output.provenance = {
            "job": job.pk,
            "source_version": version.pk,
            "pipeline": frozen,
            "seed": seed,
            "selection": job.selection,
            "copies_per_item": copies_per_item,
            "balance": balance,
            "include_originals": include_originals,
        }
        output.save(update_fields=["provenance"])
        transaction.on_commit(lambda: _queue_start(job.pk))
    return job


def _working_version(project: Project) -> DatasetVersion:
    return working_version(default_dataset(project))


def _check_selection(project: Project, data: dict[str, Any] | None) -> Selection:
    selection = Selection.from_json(data)
    known_splits = {UNASSIGNED, *(value for value in Split.values if value)}
    unknown = [split for split in selection.splits if split not in known_splits]
    if unknown:
        raise ServiceError(
            f"Unknown split {unknown[0]!r}; choose from {', '.join(sorted(known_splits))}.", field="selection.splits"
        )
    usable = {AnnotationStatus.ACCEPTED.value, AnnotationStatus.SUBMITTED.value}
    unusable = [status for status in selection.statuses if status not in usable]
    if unusable:
        raise ServiceError(
            f"Annotation status {unusable[0]!r} cannot be augmented; choose accepted and/or submitted.",
            field="selection.statuses",
        )
    found = set(LabelClass.objects.filter(project=project, pk__in=selection.classes).values_list("pk", flat=True))
    missing = [pk for pk in selection.classes if pk not in found]
    if missing:
        raise ServiceError(f"No class with id {missing[0]} in this project.", field="selection.classes")
    return selection


def _check_copies(copies_per_item: int, balance: dict[str, Any] | None) -> None:
    limit = settings.AUGMENTATION_MAX_COPIES_PER_ITEM
    if not 0 <= copies_per_item <= limit:
        raise ServiceError(f"Copies per item must be between 0 and {limit}.", field="copies_per_item")
    if copies_per_item == 0 and not balance:
        raise ServiceError(
            "With 0 copies per item, only class balancing makes copies: set a balance.", field="copies_per_item"
        )
    if balance is None:
        return
    mode = balance.get("mode")
    if mode not in BALANCE_MODES or set(balance) - {"mode", "target"}:
        raise ServiceError('A balance is {"mode": "max"} or {"mode": "count", "target": N}.', field="balance")
    target = balance.get("target")
    if mode == "count" and (not isinstance(target, int) or isinstance(target, bool) or target < 1):
        raise ServiceError("A count balance needs a whole target of 1 or more.", field="balance.target")


def _queue_start(job_id: int) -> None:
    from augmentation.celery_tasks import start_job

    start_job.delay(job_id)


def _queue_chunks(chunk_ids: Sequence[int]) -> None:
    from augmentation.celery_tasks import run_chunk

    for chunk_id in chunk_ids:
        run_chunk.delay(chunk_id)


# --- planning --------------------------------------------------------------------------------------


def start_job(job_id: int) -> None:
    """Plan the job into chunks and queue them. Safe to run twice: a planned job only (re)queues the chunks
    that have not finished (run_chunk skips a chunk that finished meanwhile)."""
    with transaction.atomic():
        job = AugmentationJob.objects.select_for_update().select_related("source_version").filter(pk=job_id).first()
        if job is None or job.is_finished:
            return
        if job.cancel_requested:
            pending: list[int] = []
        elif job.plan:
            pending = list(job.chunks.exclude(status__in=CHUNK_FINISHED).values_list("pk", flat=True))
        else:
            pending = _plan(job)
        transaction.on_commit(lambda: _queue_chunks(pending))
    if not pending:
        finish_job_if_done(job_id)


def _plan(job: AugmentationJob) -> list[int]:
    entries = selected_entries(job.source_version, Selection.from_json(job.selection), kind=job.target)
    counts = _class_counts([entry.annotation_id for entry in entries])
    plan = plan_copies(
        [counts.get(entry.annotation_id, {}) for entry in entries],
        copies_per_item=job.copies_per_item,
        include_originals=job.include_originals,
        balance=job.balance,
        max_copies=settings.AUGMENTATION_MAX_COPIES_PER_ITEM,
    )
    work = [(entry, copies) for entry, copies in zip(entries, plan.copies, strict=True) if copies > 0]
    chunks = [
        JobChunk(
            job=job,
            index=index,
            item_ids=[entry.item_id for entry, _ in part],
            copies=[copies for _, copies in part],
            annotation_ids=[entry.annotation_id for entry, _ in part],
        )
        for index, part in enumerate(_parts(work, job.chunk_size, max_outputs_per_chunk(job.pipeline_config)))
    ]
    JobChunk.objects.bulk_create(chunks, batch_size=1000)
    if job.include_originals:
        _add_originals(job, entries)
    job.total = sum(plan.copies)
    job.plan = {"items": len(entries), "chunks": len(chunks), "outputs": job.total, **plan.as_json()}
    job.status = JobStatus.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["total", "plan", "status", "started_at"])
    return [chunk.pk for chunk in chunks]


def max_outputs_per_chunk(pipeline_config: dict[str, Any]) -> int:
    """Outputs one chunk may hold: AUGMENTATION_CHUNK_MAX_OUTPUTS, or for a pipeline that calls the LLM (one
    request per output, each allowed LLM_TIMEOUT_S) as many as half the soft time limit lets wait that long."""
    limit = settings.AUGMENTATION_CHUNK_MAX_OUTPUTS
    if "llm" in pipeline_service.build(pipeline_config, field="pipeline").needs():
        limit = min(limit, settings.CELERY_TASK_SOFT_TIME_LIMIT // (2 * max(1, settings.LLM_TIMEOUT_S)))
    return max(1, limit)


def _parts(work: list[tuple[Entry, int]], size: int, max_outputs: int) -> list[list[tuple[Entry, int]]]:
    """Consecutive runs of at most `size` items and `max_outputs` outputs; an item is never split (one with more
    copies than that is a chunk of its own).

    Chunks shrink towards the end of the job (guided self-scheduling): each takes at most a quarter of the items
    left, though never fewer than a quarter of `size` nor TAIL_CHUNK_MIN items. Workers then run out of work at
    about the same time, instead of all but one waiting while the last full chunk runs.
    """
    parts: list[list[tuple[Entry, int]]] = []
    floor = max(math.ceil(size / 4), TAIL_CHUNK_MIN)
    start = 0
    while start < len(work):
        limit = max(1, min(size, max(floor, math.ceil((len(work) - start) / 4))))
        part: list[tuple[Entry, int]] = []
        outputs = 0
        for entry, copies in work[start : start + limit]:
            if part and outputs + copies > max_outputs:
                break
            part.append((entry, copies))
            outputs += copies
        parts.append(part)
        start += len(part)
    return parts


def _class_counts(annotation_ids: list[int]) -> dict[int, dict[int, int]]:
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    for start in range(0, len(annotation_ids), 5000):
        rows = (
            Region.objects.filter(annotation_id__in=annotation_ids[start : start + 5000])
            .values("annotation_id", "label_class_id")
            .annotate(n=Count("id"))
            .values_list("annotation_id", "label_class_id", "n")
        )
        for annotation_id, class_id, n in rows:
            counts[annotation_id][class_id] = n
    return counts


def _add_originals(job: AugmentationJob, entries: list[Entry]) -> None:
    # Planning runs once per job, under its row lock, into the job's own output version (new and empty at
    # launch): these rows cannot exist yet.
    insert_rows(
        VersionItem,
        ("version_id", "item_id", "split"),
        [(job.output_version_id, entry.item_id, entry.split) for entry in entries],
    )


# --- finishing -------------------------------------------------------------------------------------


def finish_job_if_done(job_id: int) -> AugmentationJob | None:
    """Settle the job if no chunk is left to run; exactly once, whoever calls (the row lock serialises callers)."""
    # Most calls come from a chunk while others still run: answer those without taking the job's row lock.
    if JobChunk.objects.filter(job_id=job_id, status__in=[ChunkStatus.QUEUED, ChunkStatus.RUNNING]).exists():
        return None
    with transaction.atomic():
        job = AugmentationJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return job
        planned = bool(job.plan)
        if not planned and not job.cancel_requested:
            return job
        if job.chunks.exclude(status__in=CHUNK_FINISHED).exists():
            return job
        tallies = dict(job.outputs.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        job.done = tallies.get(OutputStatus.OK, 0)
        job.failed = tallies.get(OutputStatus.FAILED, 0)
        if job.cancel_requested:
            job.status, version_status = JobStatus.CANCELLED, VersionStatus.CANCELLED
        elif job.total and not job.done:
            job.status, version_status = JobStatus.FAILED, VersionStatus.FAILED
            job.error = job.error or "No output could be made; see the failed items."
        elif job.failed:
            job.status, version_status = JobStatus.COMPLETED_WITH_ERRORS, VersionStatus.READY
        else:
            job.status, version_status = JobStatus.COMPLETED, VersionStatus.READY
        job.finished_at = timezone.now()
        job.save(update_fields=["done", "failed", "status", "finished_at", "error"])
        # The one step that makes the output usable (or, for a cancelled or failed job, never).
        DatasetVersion.objects.filter(augmentation_job=job).update(status=version_status)
        if version_status == VersionStatus.READY:
            made = list(job.outputs.filter(status=OutputStatus.OK).values_list("output_item_id", flat=True))
            transaction.on_commit(lambda: _queue_thumbnails(made))
        else:
            _discard_outputs(job)
    return job


def _discard_outputs(job: AugmentationJob) -> None:
    """A cancelled or failed job leaves no items behind; files go with clean_orphan_files (they are shared
    by content address, so deleting one here could take another item's file)."""
    item_ids = list(job.outputs.exclude(output_item=None).values_list("output_item_id", flat=True))
    job.outputs.update(output_item=None)
    for start in range(0, len(item_ids), 1000):
        Item.objects.filter(pk__in=item_ids[start : start + 1000]).delete()
    VersionItem.objects.filter(version_id=job.output_version_id).delete()


def _queue_thumbnails(item_ids: list[int]) -> None:
    from projects.celery_tasks import make_thumbnails

    for start in range(0, len(item_ids), THUMBNAIL_BATCH):
        try:
            make_thumbnails.delay(item_ids[start : start + THUMBNAIL_BATCH])
        except Exception:  # the version is ready either way; thumbnails are a convenience
            logger.exception("could not queue thumbnails for augmented items")


# --- cancelling and recovering ---------------------------------------------------------------------


def cancel_job(job: AugmentationJob) -> AugmentationJob:
    """Stop scheduling: queued chunks are cancelled now, running ones stop after their current item; the job
    ends `cancelled` and its output version is never made ready."""
    with transaction.atomic():
        locked = AugmentationJob.objects.select_for_update().get(pk=job.pk)
        if locked.is_finished:
            raise ConflictError(f"The job has already finished ({locked.status}).", status=locked.status)
        locked.cancel_requested = True
        locked.save(update_fields=["cancel_requested"])
        JobChunk.objects.filter(job=locked, status=ChunkStatus.QUEUED).update(
            status=ChunkStatus.CANCELLED, finished_at=timezone.now()
        )
    return finish_job_if_done(job.pk) or locked


def requeue_stalled_chunks() -> int:
    """Queue again the chunks of jobs that stopped moving, so no job stays running forever.

    - A chunk marked running for longer than a task may run: its worker died and the broker did not deliver
      the message again (the hard time limit, or a broker that lost it).
    - Queued chunks of a job none of whose chunks started or finished for that long: their messages were lost
      (the broker restarted without persistence, or publishing failed after planning committed).

    Each run counts an attempt, so a chunk that always stalls ends failed after AUGMENTATION_MAX_ATTEMPTS. A
    message that was not lost after all only runs the chunk again, which replaces its outputs.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    active = AugmentationJob.objects.filter(status=JobStatus.RUNNING)
    running = JobChunk.objects.filter(job__in=active, status=ChunkStatus.RUNNING, started_at__lt=cutoff)
    recent = JobChunk.objects.filter(job=OuterRef("job"), started_at__gte=cutoff) | JobChunk.objects.filter(
        job=OuterRef("job"), finished_at__gte=cutoff
    )
    forgotten = JobChunk.objects.filter(
        job__in=active.filter(started_at__lt=cutoff), status=ChunkStatus.QUEUED
    ).exclude(Exists(recent))
    stalled = sorted({*running.values_list("pk", flat=True), *forgotten.values_list("pk", flat=True)})
    if stalled:
        logger.warning("requeueing %d stalled augmentation chunks", len(stalled))
        _queue_chunks(stalled)
    return len(stalled)
