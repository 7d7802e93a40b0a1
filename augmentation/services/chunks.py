"""Running one chunk of a job: augment its items and write the outputs, keyed so that a rerun replaces them.

A chunk run claims the chunk and raises its attempt counter in the database first, so a chunk whose worker
keeps dying (an image that exhausts memory, say) is given up after AUGMENTATION_MAX_ATTEMPTS with its items
failed, instead of being redelivered forever. Within a run, an item that fails is recorded with its error and
the others go on; the soft time limit fails the items not reached yet; a cancelled job stops after the
current item. Outputs are written in batches (every FLUSH_INTERVAL_S and at the end): each batch first
deletes whatever an earlier run made for the same (job, source item, copy index) keys, in one transaction.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from augmentation.engine import Pipeline as EnginePipeline
from augmentation.engine import Sample, TextSample
from augmentation.models import CHUNK_FINISHED, AugmentationJob, ChunkStatus, JobChunk, JobOutput, OutputStatus
from augmentation.services import jobs, samples
from augmentation.services.outputs import MAX_ERROR_CHARS, Made, OutputWriter
from augmentation.services.pipelines import engine_resources
from labeling.models import Annotation, Region
from projects.models import Item, ItemKind
from projects.progress import JobStatus

logger = logging.getLogger(__name__)

# How often a running chunk looks whether its job was cancelled.
CANCEL_CHECK_INTERVAL_S = 0.5


def run_chunk(chunk_id: int) -> None:
    claimed = _claim(chunk_id)
    if claimed is None:
        return
    chunk, job = claimed
    if job.cancel_requested:
        _close(chunk, ChunkStatus.CANCELLED)
    elif chunk.attempts > settings.AUGMENTATION_MAX_ATTEMPTS:
        give_up(chunk, job)
    else:
        if job.status == JobStatus.QUEUED:
            job.mark_running()
        status = ChunkRunner(job, chunk).run()
        _close(chunk, status)
    jobs.finish_job_if_done(job.pk)


def _claim(chunk_id: int) -> tuple[JobChunk, AugmentationJob] | None:
    """The chunk, marked running with one more attempt; None when it has nothing left to do."""
    with transaction.atomic():
        # One query; only the chunk's row is locked (finishing locks the job's).
        chunk = (
            JobChunk.objects.select_for_update(of=("self",)).select_related("job__project").filter(pk=chunk_id).first()
        )
        if chunk is None or chunk.status in CHUNK_FINISHED:
            return None
        job = chunk.job
        if job.is_finished:
            return None
        chunk.attempts += 1
        chunk.status = ChunkStatus.RUNNING
        chunk.started_at = timezone.now()
        chunk.save(update_fields=["attempts", "status", "started_at"])
    return chunk, job


def _close(chunk: JobChunk, status: str, error: str | None = None) -> None:
    changes: dict[str, Any] = {"status": status, "finished_at": timezone.now()}
    if error is not None:
        changes["error"] = error
    JobChunk.objects.filter(pk=chunk.pk).update(**changes)


def record_error(chunk_id: int, error: BaseException) -> bool:
    """A run broke outside any one item (the database went away, say). True when the chunk should be tried
    again; otherwise its items are failed and the job may finish."""
    chunk = JobChunk.objects.select_related("job").filter(pk=chunk_id).first()
    if chunk is None or chunk.status in CHUNK_FINISHED:
        return False
    message = describe(error)
    if chunk.attempts < settings.AUGMENTATION_MAX_ATTEMPTS:
        JobChunk.objects.filter(pk=chunk.pk).update(status=ChunkStatus.QUEUED, error=message)
        return True
    chunk.error = message
    give_up(chunk, chunk.job)
    jobs.finish_job_if_done(chunk.job_id)
    return False


def give_up(chunk: JobChunk, job: AugmentationJob) -> None:
    """Fail every output of the chunk not made yet, with the reason; the chunk ends failed."""
    last = chunk.error or "the worker running it stopped (killed, out of memory or past the hard time limit)"
    reason = f"gave up after {settings.AUGMENTATION_MAX_ATTEMPTS} attempts: {last}"
    writer = OutputWriter(job)
    made = set(
        JobOutput.objects.filter(job=job, source_item_id__in=chunk.item_ids, status=OutputStatus.OK).values_list(
            "source_item_id", "copy_index"
        )
    )
    for key in chunk_outputs(chunk):
        if key not in made:
            writer.fail(*key, reason)
    writer.flush()
    _close(chunk, ChunkStatus.FAILED, error=reason[:MAX_ERROR_CHARS])


def describe(error: BaseException) -> str:
    text = str(error).strip()
    return (f"{type(error).__name__}: {text}" if text else type(error).__name__)[:MAX_ERROR_CHARS]


# --- the engine side ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _pipeline(config_json: str) -> EnginePipeline:
    # Keyed by the frozen config itself: a worker process runs many chunks of the same job.
    return EnginePipeline.from_config(json.loads(config_json), resources=engine_resources())


def pipeline_of(job: AugmentationJob) -> EnginePipeline:
    return _pipeline(json.dumps(job.pipeline_config, sort_keys=True))


def job_pool(job: AugmentationJob, pipeline: EnginePipeline, classes: samples.ClassIndex) -> samples.SamplePool | None:
    """The samples mixing transforms draw from: every source item of the job, in plan order."""
    if job.target != ItemKind.IMAGE or "pool" not in pipeline.needs():
        return None
    candidates: list[tuple[int, int]] = []
    for item_ids, annotation_ids in job.chunks.order_by("index").values_list("item_ids", "annotation_ids"):
        candidates.extend(zip(item_ids, annotation_ids, strict=True))

    def load(candidate: tuple[int, int]) -> Sample:
        item = Item.objects.get(pk=candidate[0])
        annotation = Annotation.objects.filter(pk=candidate[1]).prefetch_related("regions").first()
        image = samples.decode_image(samples.read_file(item))
        return samples.image_sample(image, samples.annotation_regions(annotation), classes)

    return samples.SamplePool(candidates, load)


def source_sample(item: Item, regions: list[Region], classes: samples.ClassIndex) -> Sample | TextSample:
    if item.kind == ItemKind.TEXT:
        return samples.text_sample(item.text, regions, classes)
    return samples.image_sample(samples.decode_image(samples.read_file(item)), regions, classes)


def augment(
    job: AugmentationJob,
    pipeline: EnginePipeline,
    item: Item,
    annotation: Annotation,
    sample: Sample | TextSample,
    copy_index: int,
    classes: samples.ClassIndex,
    pool: samples.SamplePool | None,
) -> Made:
    """One output: the engine's result for (job seed, item id, copy index), encoded, with its regions."""
    result = pipeline(sample, rng=pipeline.rng_for(item.pk, copy_index), pool=pool)
    regions = samples.annotation_regions(annotation)
    if isinstance(result, TextSample):
        text = result.text
        return Made(
            item,
            annotation,
            copy_index,
            ItemKind.TEXT,
            samples.text_regions(result, regions, classes),
            text=text,
            sha256=samples.sha256(text.encode()),
        )
    data, suffix = samples.encode_image(result.image, PurePosixPath(item.file.name or "").suffix)
    return Made(
        item,
        annotation,
        copy_index,
        ItemKind.IMAGE,
        samples.image_regions(result, classes, multi_class=job.project.image_class_multi),
        data=data,
        suffix=suffix,
        width=result.width,
        height=result.height,
        sha256=samples.sha256(data),
    )


# --- one run ---------------------------------------------------------------------------------------------


class ChunkRunner:
    def __init__(self, job: AugmentationJob, chunk: JobChunk) -> None:
        self.job = job
        self.chunk = chunk
        self.writer = OutputWriter(job)
        self.last_cancel_check = time.monotonic()
        self.delay_s = float(settings.AUGMENTATION_TEST_DELAY_S)

    def run(self) -> str:
        """Process the chunk; returns the chunk's final status."""
        try:
            return self._process()
        except SoftTimeLimitExceeded:
            # Everything not made or failed yet fails with the reason; what was made is kept.
            reason = f"time limit: the chunk ran past {settings.CELERY_TASK_SOFT_TIME_LIMIT} s"
            reached = self.writer.keys()
            for key in chunk_outputs(self.chunk):
                if key not in reached:
                    self.writer.fail(*key, reason)
            self.writer.flush()
            return ChunkStatus.DONE

    def _process(self) -> str:
        work = list(zip(self.chunk.item_ids, self.chunk.annotation_ids, self.chunk.copies, strict=True))
        pipeline = pipeline_of(self.job)
        classes = samples.ClassIndex.of(self.job.project)
        pool = job_pool(self.job, pipeline, classes)
        items = Item.objects.in_bulk([item_id for item_id, _, _ in work])
        annotations = samples.annotations_with_regions(a for _, a, _ in work)
        for item_id, annotation_id, copies in work:
            if self._cancelled():
                self.writer.flush()
                return ChunkStatus.CANCELLED
            self._item(items.get(item_id), item_id, annotations.get(annotation_id), copies, pipeline, classes, pool)
            if self.writer.due():
                self.writer.flush()
        self.writer.flush()
        return ChunkStatus.DONE

    def _cancelled(self) -> bool:
        now = time.monotonic()
        if now - self.last_cancel_check < CANCEL_CHECK_INTERVAL_S:
            return False
        self.last_cancel_check = now
        return AugmentationJob.objects.filter(pk=self.job.pk, cancel_requested=True).exists()

    def _item(
        self,
        item: Item | None,
        item_id: int,
        annotation: Annotation | None,
        copies: int,
        pipeline: EnginePipeline,
        classes: samples.ClassIndex,
        pool: samples.SamplePool | None,
    ) -> None:
        if item is None or annotation is None:
            for copy_index in range(copies):
                self.writer.fail(item_id, copy_index, "the item or its annotation was deleted after the job started")
            return
        try:
            sample = source_sample(item, samples.annotation_regions(annotation), classes)
        except SoftTimeLimitExceeded:
            raise
        except Exception as error:
            for copy_index in range(copies):
                self.writer.fail(item_id, copy_index, describe(error))
            return
        for copy_index in range(copies):
            try:
                self.writer.add(augment(self.job, pipeline, item, annotation, sample, copy_index, classes, pool))
            except SoftTimeLimitExceeded:
                raise
            except Exception as error:
                logger.info("augmenting item %s copy %s failed", item_id, copy_index, exc_info=True)
                self.writer.fail(item_id, copy_index, describe(error))
            if self.delay_s:
                # Test-only (AUGMENTATION_TEST_DELAY_S): slows chunks so a test can kill a worker mid-job.
                time.sleep(self.delay_s)


def chunk_outputs(chunk: JobChunk) -> Iterator[tuple[int, int]]:
    for item_id, copies in zip(chunk.item_ids, chunk.copies, strict=True):
        for copy_index in range(copies):
            yield item_id, copy_index
