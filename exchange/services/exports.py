"""Exports: choose what goes out, then stream it (small) or build it in a Celery job (large).

An export is the format's label files, then (with `include_images`) the image files, written as one
ZIP stream — or, for CSV and JSONL with `single_file`, one file. Both paths run the same generator,
so an export built by a job has the same bytes as the same export streamed. Label files depend only on
the data and the options (fixed order, fixed timestamps, no export date), so they are byte-identical
every time for the same version and options.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from exchange import selectors
from exchange.formats import FORMATS, Format
from exchange.formats.base import Chunks, ExportContext, OutFile
from exchange.models import ExportJob
from exchange.zipstream import stream_zip
from projects.models import IMAGE_KINDS, TEXT_KINDS, DatasetVersion, Item, ItemKind, Project, VersionStatus
from projects.progress import JobStatus
from projects.selectors import default_dataset, working_version
from projects.services import ServiceError

logger = logging.getLogger(__name__)
READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ExportOptions:
    format: str
    versions: tuple[int, ...] = ()
    splits: tuple[str, ...] | None = None
    classes: tuple[int, ...] | None = None
    statuses: tuple[str, ...] = ("accepted", "submitted")
    annotations: str = "latest_accepted"
    include_predictions: bool = False
    include_images: bool = False
    single_file: bool = False
    csv_rows: str = "region"
    # Decided from the exporter's role when the export is asked for (work sessions are personal data).
    sessions_included: bool = False

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExportOptions:
        values = dict(data)
        for name in ("versions", "splits", "classes", "statuses"):
            if values.get(name) is not None:
                values[name] = tuple(values[name])
        return cls(**values)


@dataclass
class Plan:
    """Everything an export needs, resolved once; `stream()` can then run in a request or a task."""

    project: Project
    options: ExportOptions
    format: Format
    selection: selectors.Selection
    context: ExportContext
    counts: dict[str, int]
    versions: list[DatasetVersion] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def single_file(self) -> bool:
        return self.options.single_file and self.format.single_file and not self.options.include_images

    @property
    def file_name(self) -> str:
        numbers = "-".join(f"v{v.number}" for v in self.versions)
        suffix = ".zip"
        if self.single_file:
            suffix = ".csv" if self.format.name == "csv" else ".jsonl"
        return f"project-{self.project.pk}-{numbers}-{self.format.name}{suffix}"

    @property
    def content_type(self) -> str:
        return self.format.single_file_type if self.single_file else "application/zip"

    def runs_in_background(self, force: bool) -> bool:
        limit = (
            settings.EXPORT_SYNC_MAX_ITEMS_WITH_IMAGES
            if self.options.include_images
            else settings.EXPORT_SYNC_MAX_ITEMS
        )
        return force or self.total > limit

    def stream(self, on_progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
        files = export_files(self, on_progress)
        if self.single_file:
            out = next(files)
            yield from out.chunks
            return
        yield from stream_zip(files)


def plan_export(project: Project, options: ExportOptions) -> Plan:
    """Check the options against the project and resolve versions and classes; ServiceError if they do not fit."""
    fmt = FORMATS.get(options.format)
    if fmt is None:
        raise ServiceError(f"Unknown format {options.format!r}.", field="format")
    kinds = set(project.kinds)
    media = {"image"} if kinds & IMAGE_KINDS else set()
    media |= {"text"} if kinds & TEXT_KINDS else set()
    if fmt.media != "any" and fmt.media not in media:
        raise ServiceError(f"{fmt.title} holds {fmt.media} labels; this project has none.", field="format")
    if options.annotations == "all" and not fmt.all_annotations:
        raise ServiceError(
            "annotations=all (every annotator's annotation) is available for Tandem JSON and CSV only; "
            f"{fmt.title} holds one annotation per item.",
            field="annotations",
        )
    if options.single_file and not fmt.single_file:
        raise ServiceError(f"single_file is available for CSV and JSONL, not {fmt.title}.", field="single_file")
    if options.single_file and options.include_images:
        raise ServiceError("single_file holds labels only; it cannot include images.", field="single_file")
    if fmt.needs_images:
        options = replace(options, include_images=True)
    versions = _versions(project, options.versions)
    classes = _classes(project, options.classes)
    if fmt.name == "png_masks" and len(classes) > 255:
        raise ServiceError("PNG masks hold at most 255 classes; choose fewer with `classes`.", field="classes")
    selection = selectors.Selection(
        project_id=project.pk,
        version_ids=tuple(v.pk for v in versions),
        splits=frozenset(options.splits) if options.splits is not None else None,
        class_ids=frozenset(options.classes) if options.classes is not None else None,
        statuses=frozenset(options.statuses),
        annotations=options.annotations,
        include_predictions=options.include_predictions,
        region_kinds=fmt.kinds,
        full=fmt.name == "tandem",
        sessions=fmt.name == "tandem" and options.sessions_included,
    )
    counts = selectors.split_counts(selection)
    context = ExportContext(
        classes=selectors.export_classes(project, selection.class_ids),
        splits=list(counts),
        include_images=options.include_images,
        project=_project_json(project, versions),
        options={
            "single_file": options.single_file,
            "csv_rows": options.csv_rows,
            "sessions_included": selection.sessions,
        },
    )
    return Plan(project, options, fmt, selection, context, counts, versions)


def _versions(project: Project, ids: tuple[int, ...]) -> list[DatasetVersion]:
    if not ids:
        return [working_version(default_dataset(project))]
    found = {
        v.pk: v for v in DatasetVersion.objects.filter(pk__in=ids, dataset__project=project).select_related("dataset")
    }
    for version_id in ids:
        version = found.get(version_id)
        if version is None:
            raise ServiceError(f"No version with id {version_id} in this project.", field="versions")
        if version.status != VersionStatus.READY:
            raise ServiceError(f"Version {version_id} is {version.status}, not ready.", field="versions")
    return [found[v] for v in dict.fromkeys(ids)]


def _classes(project: Project, ids: tuple[int, ...] | None) -> list[int]:
    known = set(project.classes.values_list("id", flat=True))
    if ids is None:
        return sorted(known)
    unknown = sorted(set(ids) - known)
    if unknown:
        raise ServiceError(f"No class with id {unknown[0]} in this project.", field="classes")
    return sorted(set(ids))


def _project_json(project: Project, versions: list[DatasetVersion]) -> dict[str, Any]:
    return {
        "id": project.pk,
        "name": project.name,
        "kinds": project.kinds,
        "image_class_multi": project.image_class_multi,
        "text_class_multi": project.text_class_multi,
        "allow_overlapping_spans": project.allow_overlapping_spans,
        "versions": [
            {
                "id": v.pk,
                "dataset": v.dataset.name,
                "number": v.number,
                "name": v.name,
                "is_working": v.is_working,
                "provenance": v.provenance,
            }
            for v in versions
        ],
    }


def export_files(plan: Plan, on_progress: Callable[[int], None] | None = None) -> Iterator[OutFile]:
    """The label files, then the images: two passes over the items, each streamed chunk by chunk."""
    chunks: Chunks = selectors.iter_chunks(plan.selection)
    if on_progress is not None:
        chunks = _counting(chunks, on_progress)
    yield from plan.format.label_files(plan.context, chunks)
    if plan.options.include_images:
        yield from _image_files(plan)


def _counting(chunks: Iterable[tuple[str, list[Any]]], on_progress: Callable[[int], None]) -> Chunks:
    for split, items in chunks:
        yield split, items
        on_progress(len(items))


def _image_files(plan: Plan) -> Iterator[OutFile]:
    # Only ImageFolder needs the annotations (its folders are the classes); the others need file names.
    needs_labels = plan.format.needs_images
    classes = plan.context.class_by_id()
    storage = Item._meta.get_field("file").storage
    for _, items in selectors.iter_chunks(plan.selection, with_annotations=needs_labels):
        for item in items:
            if item.kind != ItemKind.IMAGE or not item.file_path:
                continue
            for path in plan.format.image_paths(item, classes):
                yield OutFile(path, _read(storage, item.file_path))


def _read(storage: Any, name: str) -> Iterator[bytes]:
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            yield chunk


# --- background jobs --------------------------------------------------------------------------------


def start_export_job(plan: Plan, *, user: User) -> ExportJob:
    """Record the job and queue its task once the row is committed."""
    from exchange.celery_tasks import run_export

    job = ExportJob.objects.create(
        project=plan.project,
        created_by=user,
        format=plan.format.name,
        options=plan.options.as_json(),
        total=plan.total,
        file_name=plan.file_name,
        content_type=plan.content_type,
    )
    transaction.on_commit(lambda: run_export.delay(job.pk))
    return job


def run_export_job(job_id: int) -> None:
    """Build the job's file and store it. Safe to run twice: a finished job is left alone, and a job
    whose worker died half-way starts again from nothing."""
    job = ExportJob.objects.select_related("project").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return
    job.mark_running()
    ExportJob.objects.filter(pk=job.pk).update(done=0, failed=0)
    try:
        plan = plan_export(job.project, ExportOptions.from_json(job.options))
        ExportJob.objects.filter(pk=job.pk).update(total=plan.total)
        name = f"exports/{job.project_id}/{job.pk}/{plan.file_name}"
        with tempfile.TemporaryFile() as spool:
            size = 0
            for chunk in plan.stream(on_progress=lambda count: job.add_progress(done=count)):
                spool.write(chunk)
                size += len(chunk)
            spool.seek(0)
            stored = default_storage.save(name, File(spool, name=plan.file_name))
    except Exception as error:
        logger.exception("export job %s failed", job_id)
        ExportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        return
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.COMPLETED,
        file=stored,
        size=size,
        finished_at=now,
        expires_at=now + timedelta(hours=settings.EXPORT_RETENTION_HOURS),
    )


def delete_expired_exports(now: Any = None) -> int:
    """Delete the files of exports past their retention time; the rows stay, marked expired."""
    now = now or timezone.now()
    deleted = 0
    for job in ExportJob.objects.filter(expires_at__lte=now, expired=False).exclude(file=""):
        try:
            default_storage.delete(job.file)
        except Exception:  # an unreachable bucket: try again at the next run
            logger.exception("could not delete export file %s", job.file)
            continue
        ExportJob.objects.filter(pk=job.pk).update(file="", expired=True)
        deleted += 1
    return deleted
