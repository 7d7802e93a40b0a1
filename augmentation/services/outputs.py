"""Writing a chunk's outputs: new items with their files, version entries, annotations and regions, keyed
(job, source item, copy index) in JobOutput so that writing the same key again replaces what was there.

Each batch is one transaction that first deletes whatever an earlier run made for the batch's keys (a chunk
run again after its worker died), then inserts everything with bulk inserts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from augmentation.models import AugmentationJob, JobOutput, OutputStatus
from labeling.models import Annotation, AnnotationStatus
from labeling.services.bulk import create_annotations
from projects.models import Item, ItemKind, ItemStatus, VersionItem, item_upload_path
from projects.rows import insert_rows

# What an output item's row is written from (OutputWriter._item_row gives the values in this order).
ITEM_COLUMNS = (
    "project_id",
    "dataset_id",
    "kind",
    "original_name",
    "sha256",
    "file",
    "width",
    "height",
    "text",
    "status",
    "source_item_id",
    "provenance",
    "uploaded_by_id",
)

# Outputs are written at least this often, so progress moves during long chunks.
FLUSH_INTERVAL_S = 0.5
MAX_ERROR_CHARS = 1000


@dataclass
class Made:
    """One augmented output, ready to be written."""

    source: Item
    annotation: Annotation
    copy_index: int
    kind: str
    regions: list[dict[str, Any]]
    text: str = ""
    data: bytes = b""
    suffix: str = ""
    width: int | None = None
    height: int | None = None
    sha256: str = ""


@dataclass
class _Failure:
    source_item_id: int
    copy_index: int
    error: str


@dataclass
class OutputWriter:
    """Collects outputs and failures and writes them in batches, one transaction each, replacing earlier runs'."""

    job: AugmentationJob
    made: list[Made] = field(default_factory=list)
    failures: list[_Failure] = field(default_factory=list)
    written: set[tuple[int, int]] = field(default_factory=set)
    last_flush: float = field(default_factory=time.monotonic)

    def add(self, made: Made) -> None:
        self.made.append(made)

    def fail(self, source_item_id: int, copy_index: int, error: str) -> None:
        self.failures.append(_Failure(source_item_id, copy_index, error[:MAX_ERROR_CHARS]))

    def keys(self) -> set[tuple[int, int]]:
        """Every key made or failed so far, written or not."""
        pending = {(m.source.pk, m.copy_index) for m in self.made}
        return self.written | pending | {(f.source_item_id, f.copy_index) for f in self.failures}

    def due(self) -> bool:
        return time.monotonic() - self.last_flush >= FLUSH_INTERVAL_S

    def flush(self) -> None:
        self.last_flush = time.monotonic()
        if not self.made and not self.failures:
            return
        names = [self._store(made) for made in self.made]
        try:
            self._write(self.made, self.failures, names)
        except IntegrityError:
            # Another run of the same chunk wrote some of these keys between our read and our insert
            # (a redelivered message racing the original): read again and replace what it wrote.
            self._write(self.made, self.failures, names)
        self.written |= {(m.source.pk, m.copy_index) for m in self.made}
        self.written |= {(f.source_item_id, f.copy_index) for f in self.failures}
        self.made, self.failures = [], []

    def _store(self, made: Made) -> str:
        """Content-addressed: identical bytes (a rerun of the same key) reuse the stored file."""
        if made.kind == ItemKind.TEXT:
            return ""
        name = item_upload_path(Item(project_id=self.job.project_id, sha256=made.sha256), f"output{made.suffix}")
        if default_storage.exists(name):
            return name
        return default_storage.save(name, ContentFile(made.data))

    def _write(self, made_list: list[Made], failures: list[_Failure], names: list[str]) -> None:
        job = self.job
        keys = {(m.source.pk, m.copy_index) for m in made_list} | {(f.source_item_id, f.copy_index) for f in failures}
        now = timezone.now()
        author_id = job.created_by_id or job.project.created_by_id
        with transaction.atomic():
            _commit_without_waiting_for_disk()
            earlier = [
                output
                for output in JobOutput.objects.select_for_update().filter(
                    job=job, source_item_id__in={source for source, _ in keys}
                )
                if (output.source_item_id, output.copy_index) in keys
            ]
            replaced_items = [o.output_item_id for o in earlier if o.output_item_id]
            JobOutput.objects.filter(pk__in=[o.pk for o in earlier]).delete()
            if replaced_items:
                Item.objects.filter(pk__in=replaced_items).delete()
            splits = dict(
                VersionItem.objects.filter(
                    version_id=job.source_version_id, item_id__in={m.source.pk for m in made_list}
                ).values_list("item_id", "split")
            )
            item_ids = insert_rows(
                Item,
                ITEM_COLUMNS,
                [self._item_row(made, name, author_id) for made, name in zip(made_list, names, strict=True)],
                return_ids=True,
            )
            insert_rows(
                VersionItem,
                ("version_id", "item_id", "split"),
                [
                    (job.output_version_id, item_id, splits.get(made.source.pk, ""))
                    for made, item_id in zip(made_list, item_ids, strict=True)
                ],
            )
            # The shape uploads and imports write too (annotation, regions, first revision): labeling's service.
            create_annotations(
                [
                    (
                        Annotation(
                            project_id=job.project_id,
                            item_id=item_id,
                            annotator_id=author_id,
                            status=_output_status(made.annotation),
                            submitted_at=now,
                        ),
                        made.regions,
                    )
                    for made, item_id in zip(made_list, item_ids, strict=True)
                ],
                author_id=author_id,
            )
            insert_rows(
                JobOutput,
                ("job_id", "source_item_id", "copy_index", "output_item_id", "status", "error"),
                [
                    (job.pk, made.source.pk, made.copy_index, item_id, OutputStatus.OK, "")
                    for made, item_id in zip(made_list, item_ids, strict=True)
                ]
                + [
                    (job.pk, failure.source_item_id, failure.copy_index, None, OutputStatus.FAILED, failure.error)
                    for failure in failures
                ],
            )
            done = len(made_list) - sum(1 for o in earlier if o.status == OutputStatus.OK)
            failed = len(failures) - sum(1 for o in earlier if o.status == OutputStatus.FAILED)
            if done or failed:
                AugmentationJob.objects.filter(pk=job.pk).update(done=F("done") + done, failed=F("failed") + failed)

    def _item_row(self, made: Made, name: str, author_id: int) -> tuple[Any, ...]:
        """The output item's values, in the order of ITEM_COLUMNS."""
        source = made.source
        job = self.job
        status = _output_status(made.annotation)
        return (
            job.project_id,
            source.dataset_id,
            made.kind,
            _output_name(source, job.pk, made.copy_index, made.suffix),
            made.sha256,
            name,
            made.width,
            made.height,
            made.text,
            ItemStatus.ACCEPTED if status == AnnotationStatus.ACCEPTED else ItemStatus.SUBMITTED,
            source.pk,
            {
                "job": job.pk,
                "pipeline": job.pipeline_config,
                "seed": job.seed,
                "copy_index": made.copy_index,
                "source_item": source.pk,
                "source_annotation": made.annotation.pk,
                "source_annotation_version": made.annotation.version,
            },
            author_id,
        )


def _commit_without_waiting_for_disk() -> None:
    """Let PostgreSQL acknowledge this batch's commit before its WAL reaches the disk.

    Safe here, and worth a commit's fsync per batch: the WAL is flushed in order, so a batch can only be lost
    together with everything committed after it, including the chunk's own `done` mark (an ordinary,
    synchronous commit, which flushes every batch before it). A server crash therefore loses at most the
    unfinished tail of a chunk that is still marked running, and running the chunk again replaces it.
    """
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _output_status(annotation: Annotation) -> str:
    return AnnotationStatus.ACCEPTED if annotation.status == AnnotationStatus.ACCEPTED else AnnotationStatus.SUBMITTED


def _output_name(source: Item, job_id: int, copy_index: int, suffix: str) -> str:
    if not source.original_name:
        return ""
    path = PurePosixPath(source.original_name)
    return f"{path.stem}.aug{job_id}-{copy_index}{suffix or path.suffix}"[:500]
