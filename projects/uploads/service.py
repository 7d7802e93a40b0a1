"""upload_files: check every uploaded file, store the good ones, report on all of them.

Images are decoded, hashed and written to storage by a small thread pool while the request's thread reads
the next archive entries (decoding, inflating, hashing and file writes release the GIL); results are taken
back in upload order, so the report keeps the order of the files. Accepted items are inserted in batches:
per batch, one query finds content already in the project, one transaction bulk-inserts Items and
VersionItems and sends `items_ingested` for labelled items, and thumbnails are scheduled once it has
committed. Memory stays flat whatever the upload's size: an archive is read entry by entry, at most
MAX_IN_FLIGHT images are between reading and inserting, and otherwise only the current batch and the
report lines are kept.
"""

from __future__ import annotations

import hashlib
import logging
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, transaction

from projects.celery_tasks import make_thumbnails
from projects.models import (
    IMAGE_KINDS,
    TEXT_KINDS,
    AnnotationKind,
    Dataset,
    DatasetVersion,
    Item,
    ItemKind,
    Project,
    Upload,
    VersionItem,
    item_upload_path,
)
from projects.selectors import default_dataset, working_version
from projects.services import ServiceError
from projects.signals import items_ingested
from projects.uploads.archives import Entry, read_zip, top_folder
from projects.uploads.images import prepare_image
from projects.uploads.labels import ClassResolver
from projects.uploads.names import clean_name
from projects.uploads.report import Code, Line, Rejected, Report, Status, mark_rejected
from projects.uploads.sniff import HEAD_BYTES, SUPPORTED_DESCRIPTION, Category, Sniffed, sniff
from projects.uploads.text import RejectedRecord, TextOptions, TextRecord, read_records

logger = logging.getLogger(__name__)

# Items per insert transaction: large enough that per-statement cost vanishes, small enough that a failed
# batch costs little and thumbnails start while the upload goes on.
BATCH_SIZE = 100
THUMBNAIL_BATCH = 50
# Attempts when a concurrent upload inserts the same content between our duplicate check and our insert.
INSERT_ATTEMPTS = 3
# Threads decoding and storing images. Two keep both cores of a small server busy next to the request's own
# thread; more gain little, as the Python parts of decoding and storing hold the GIL.
IMAGE_THREADS = 2
# Images read but not yet taken back: bounds the memory held by entries waiting for a thread.
MAX_IN_FLIGHT = 4 * IMAGE_THREADS


@dataclass(frozen=True)
class UploadOptions:
    dataset: Dataset | None = None  # None: the project's default dataset
    split: str = ""
    class_folders: bool = False
    create_classes: bool = False
    txt_mode: str = "lines"
    text_column: str = "text"
    label_column: str = ""
    encoding: str = "utf-8"

    def as_json(self, dataset: Dataset) -> dict[str, Any]:
        return {
            "dataset": dataset.pk,
            "split": self.split,
            "class_folders": self.class_folders,
            "create_classes": self.create_classes,
            "txt_mode": self.txt_mode,
            "text_column": self.text_column,
            "label_column": self.label_column,
            "encoding": self.encoding,
        }


def upload_files(
    *, project: Project, user: AbstractBaseUser, files: Iterable[UploadedFile], options: UploadOptions
) -> Upload:
    """Import the files into the dataset's working version; return the stored Upload with its report.

    Each file (each archive entry, each text line or record) is accepted, reported as a duplicate of the
    item that already holds its content, or rejected with a reason; one bad file never stops the others.
    """
    dataset = options.dataset or default_dataset(project)
    if dataset.project_id != project.pk:
        raise ServiceError("This dataset belongs to another project.", field="dataset")
    ingest = _Ingest(project=project, user=user, dataset=dataset, version=working_version(dataset), options=options)
    try:
        for uploaded in files:
            ingest.add_upload(uploaded)
        ingest.finish()
    except BaseException:
        ingest.discard()  # files stored for items never inserted; earlier batches stay, they are complete
        raise
    finally:
        ingest.close()
    counts = ingest.report.counts()
    return Upload.objects.create(
        project=project,
        dataset=dataset,
        created_by=user,  # type: ignore[misc]  # AbstractBaseUser, as everywhere in projects.services
        options=options.as_json(dataset),
        accepted=counts[Status.ACCEPTED],
        duplicates=counts[Status.DUPLICATE],
        rejected=counts[Status.REJECTED],
        report=ingest.report.lines,
    )


@dataclass
class _Source:
    """One file to import: an uploaded file or an archive entry."""

    display: str  # name in the report ("photos.zip:cats/1.jpg")
    original_name: str  # name on the item ("cats/1.jpg")
    content: IO[bytes]
    sniffed: Sniffed
    folder: str | None = None  # class folder, with class_folders
    archive: str | None = None
    owned: bool = False  # an archive entry's spooled content, closed once the source is done with

    def done(self) -> None:
        if self.owned:
            self.content.close()


@dataclass
class _InFlight:
    source: _Source
    label: dict[str, Any] | None
    future: Future[Item]


@dataclass
class _Pending:
    """An item stored (if it has a file) but not yet inserted."""

    item: Item
    line: Line
    display: str
    label: dict[str, Any] | None
    duplicate_lines: list[Line] = field(default_factory=list)


class _Ingest:
    def __init__(
        self,
        *,
        project: Project,
        user: AbstractBaseUser,
        dataset: Dataset,
        version: DatasetVersion,
        options: UploadOptions,
    ) -> None:
        self.project = project
        self.user = user
        self.dataset = dataset
        self.version = version
        self.options = options
        self.report = Report()
        self.classes = ClassResolver(project, create_missing=options.create_classes)
        self.storage = Item._meta.get_field("file").storage
        self.accepts_images = bool(IMAGE_KINDS.intersection(project.kinds))
        self.accepts_text = bool(TEXT_KINDS.intersection(project.kinds))
        self.text_options = TextOptions(
            txt_mode=options.txt_mode,
            text_column=options.text_column,
            label_column=options.label_column,
            encoding=options.encoding,
            max_chars=settings.TEXT_ITEM_MAX_CHARS,
            allow_overlapping_spans=project.allow_overlapping_spans,
        )
        self.executor: ThreadPoolExecutor | None = None
        self.in_flight: deque[_InFlight] = deque()
        self.pending: list[_Pending] = []
        self.pending_by_hash: dict[str, _Pending] = {}
        # Ids inserted by this upload, to tell "twice in this upload" from "already in the project".
        self.created_ids: set[int] = set()

    # --- files --------------------------------------------------------------------------------------

    def add_upload(self, uploaded: UploadedFile) -> None:
        name = clean_name(uploaded.name or "") or "unnamed file"
        if uploaded.size is not None and uploaded.size > settings.MAX_UPLOAD_FILE_BYTES:
            self._reject(
                name,
                Rejected(
                    Code.TOO_LARGE,
                    f"file is {uploaded.size} bytes; the limit is {settings.MAX_UPLOAD_FILE_BYTES} bytes (413)",
                ),
            )
            return
        uploaded.seek(0)
        sniffed = sniff(uploaded.read(HEAD_BYTES), name)
        uploaded.seek(0)
        if sniffed.category is Category.ARCHIVE:
            if sniffed.format == "zip":
                self._add_archive(uploaded, name)
            else:
                self._reject(
                    name,
                    Rejected(
                        Code.UNSUPPORTED_TYPE,
                        f"unsupported file type (415): {sniffed.format} archives are not supported; upload a ZIP",
                    ),
                )
            return
        self._add_source(_Source(display=name, original_name=name, content=uploaded, sniffed=sniffed))

    def _add_archive(self, uploaded: UploadedFile, archive_name: str) -> None:
        self._drain()
        lines_before = len(self.report.lines)
        try:
            for entry in read_zip(uploaded):
                display = f"{archive_name}:{entry.path}"
                if not isinstance(entry, Entry):
                    self._reject(display, entry.rejection)
                    continue
                source = _Source(
                    display=display,
                    original_name=entry.path,
                    content=entry.content,
                    sniffed=sniff(entry.head, entry.path),
                    folder=top_folder(entry.path) if self.options.class_folders else None,
                    archive=archive_name,
                    owned=True,
                )
                self._add_source(source)
        except Rejected as rejection:
            self._reject(archive_name, rejection)
            return
        self._drain()
        if len(self.report.lines) == lines_before:
            self._reject(archive_name, Rejected(Code.INVALID, "the archive holds no files"))

    def _add_source(self, source: _Source) -> None:
        if source.sniffed.category is Category.IMAGE:
            self._add_image(source)  # takes care of closing the source
            return
        try:
            if source.sniffed.category is Category.TEXT:
                self._add_text(source)
            elif source.sniffed.category is Category.ARCHIVE:  # only reachable for archive entries
                self._reject(
                    source.display,
                    Rejected(Code.NESTED_ARCHIVE, "nested archives are not supported; upload it separately"),
                )
            else:
                self._reject(
                    source.display,
                    Rejected(
                        Code.UNSUPPORTED_TYPE,
                        f"unsupported file type (415): the content is not {SUPPORTED_DESCRIPTION}",
                    ),
                )
        finally:
            source.done()

    def _reject(self, display: str, rejection: Rejected) -> None:
        self._drain()  # lines of images still being decoded come first
        self.report.rejected(display, rejection)

    # --- images -------------------------------------------------------------------------------------

    def _add_image(self, source: _Source) -> None:
        try:
            if not self.accepts_images:
                raise Rejected(Code.WRONG_KIND, "this project annotates text, so images cannot be added to it")
            label = (
                {"image_class": self.classes.resolve(source.folder, AnnotationKind.IMAGE_CLASS)}
                if source.folder
                else None
            )
        except Rejected as rejection:
            source.done()
            self._reject(source.display, rejection)
            return
        if self.executor is None:
            self.executor = ThreadPoolExecutor(max_workers=IMAGE_THREADS, thread_name_prefix="upload")
        item = self._new_item(source.original_name, "", ItemKind.IMAGE, source.archive)
        future = self.executor.submit(_prepare_and_store, item, source.content, source.sniffed.format, self.storage)
        self.in_flight.append(_InFlight(source, label, future))
        if len(self.in_flight) >= MAX_IN_FLIGHT:
            self._take_back_oldest()

    def _take_back_oldest(self) -> None:
        flight = self.in_flight.popleft()
        try:
            item = flight.future.result()
        except Rejected as rejection:
            self.report.rejected(flight.source.display, rejection)
            return
        finally:
            flight.source.done()
        if self._duplicate_in_batch(flight.source.display, item.sha256):
            self._delete_file(item)
            return
        self._queue(item, flight.source.display, flight.label)

    def _drain(self) -> None:
        while self.in_flight:
            self._take_back_oldest()

    # --- text ---------------------------------------------------------------------------------------

    def _add_text(self, source: _Source) -> None:
        self._drain()
        lines_before = len(self.report.lines)
        try:
            if not self.accepts_text:
                raise Rejected(Code.WRONG_KIND, "this project annotates images, so text cannot be added to it")
            folder_class = self.classes.resolve(source.folder, AnnotationKind.TEXT_CLASS) if source.folder else None
            for record in read_records(source.content, source.sniffed.format, self.text_options):
                display = f"{source.display}:{record.where}" if record.where else source.display
                if isinstance(record, RejectedRecord):
                    self._reject(display, record.rejection)
                    continue
                self._add_text_record(source, record, display, folder_class)
        except Rejected as rejection:
            self.report.rejected(source.display, rejection)
            return
        if len(self.report.lines) == lines_before:  # e.g. a CSV with a header and no rows
            self.report.rejected(source.display, Rejected(Code.INVALID, "the file holds no text items"))

    def _add_text_record(self, source: _Source, record: TextRecord, display: str, folder_class: str | None) -> None:
        try:
            label = self._text_label(record, folder_class)
        except Rejected as rejection:
            self.report.rejected(display, rejection)
            return
        sha256 = hashlib.sha256(record.text.encode("utf-8")).hexdigest()
        if self._duplicate_in_batch(display, sha256):
            return
        name = f"{source.original_name}:{record.where}" if record.where else source.original_name
        item = self._new_item(clean_name(name), sha256, ItemKind.TEXT, source.archive)
        item.text = record.text
        self._queue(item, display, label)

    def _text_label(self, record: TextRecord, folder_class: str | None) -> dict[str, Any] | None:
        label: dict[str, Any] = {}
        if isinstance(record.text_class, list):
            if len(record.text_class) > 1 and not self.project.text_class_multi:
                raise Rejected(
                    Code.INVALID,
                    f"{len(record.text_class)} labels given, but this project allows one text class per item",
                )
            label["text_class"] = [self.classes.resolve(n, AnnotationKind.TEXT_CLASS) for n in record.text_class]
        elif record.text_class:
            label["text_class"] = self.classes.resolve(record.text_class, AnnotationKind.TEXT_CLASS)
        elif folder_class:
            label["text_class"] = folder_class
        if record.spans:
            label["spans"] = [
                {**span, "label": self.classes.resolve(span["label"], AnnotationKind.TEXT_SPAN)}
                for span in record.spans
            ]
        return label or None

    # --- batching -----------------------------------------------------------------------------------

    def _new_item(self, original_name: str, sha256: str, kind: str, archive: str | None) -> Item:
        provenance: dict[str, Any] = {"source": "upload"}
        if archive:
            provenance["archive"] = archive
        return Item(
            project=self.project,
            dataset=self.dataset,
            kind=kind,
            original_name=original_name,
            sha256=sha256,
            uploaded_by=self.user,  # type: ignore[misc]  # AbstractBaseUser, as everywhere in projects.services
            provenance=provenance,
        )

    def _duplicate_in_batch(self, display: str, sha256: str) -> bool:
        first = self.pending_by_hash.get(sha256)
        if first is None:
            return False
        line = self.report.duplicate(display, f"same content as {first.display!r} earlier in this upload", None)
        first.duplicate_lines.append(line)  # gets the item id once the first one is inserted
        return True

    def _queue(self, item: Item, display: str, label: dict[str, Any] | None) -> None:
        pending = _Pending(item=item, line=self.report.accepted(display), display=display, label=label)
        self.pending.append(pending)
        self.pending_by_hash[item.sha256] = pending
        if len(self.pending) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        """Insert the pending items in one transaction; files of items that end up not inserted are deleted."""
        batch, self.pending, self.pending_by_hash = self.pending, [], {}
        try:
            for attempt in range(INSERT_ATTEMPTS):
                batch = self._drop_existing(batch)
                if not batch:
                    return
                try:
                    self._insert(batch)
                except IntegrityError:
                    # Someone inserted the same content since _drop_existing looked: look again.
                    for pending in batch:
                        pending.item.pk = None
                        pending.item._state.adding = True
                    if attempt == INSERT_ATTEMPTS - 1:
                        raise
                    continue
                for pending in batch:
                    self.created_ids.add(pending.item.pk)
                    for line in (pending.line, *pending.duplicate_lines):
                        line["item"] = pending.item.pk
                return
        except DatabaseError:
            logger.exception("could not insert a batch of %d uploaded items", len(batch))
            self._abandon(batch, Rejected(Code.STORAGE, "could not be saved (database error); upload it again"))
        except BaseException:
            self._abandon(batch, None)
            raise

    def _insert(self, batch: list[_Pending]) -> None:
        with transaction.atomic():
            Item.objects.bulk_create([pending.item for pending in batch])
            VersionItem.objects.bulk_create(
                [
                    VersionItem(version_id=self.version.pk, item_id=pending.item.pk, split=self.options.split)
                    for pending in batch
                ]
            )
            labelled = [(pending.item, pending.label) for pending in batch if pending.label]
            if labelled:
                items_ingested.send(sender=Item, project=self.project, user=self.user, labels=labelled)
            image_ids = [pending.item.pk for pending in batch if pending.item.kind == ItemKind.IMAGE]
            if image_ids:
                transaction.on_commit(partial(schedule_thumbnails, image_ids))

    def _drop_existing(self, batch: list[_Pending]) -> list[_Pending]:
        """Report items whose content the project already holds as duplicates; return the rest."""
        existing = {
            sha256: (item_id, name)
            for sha256, item_id, name in Item.objects.filter(
                project=self.project, source_item__isnull=True, sha256__in=[p.item.sha256 for p in batch]
            ).values_list("sha256", "id", "original_name")
        }
        remaining = []
        for pending in batch:
            found = existing.get(pending.item.sha256)
            if found is None:
                remaining.append(pending)
                continue
            item_id, name = found
            if item_id in self.created_ids:
                reason = f"same content as {name!r} earlier in this upload"
            else:
                reason = f"same content as item {item_id} ({name!r}) already in the project"
            for line in (pending.line, *pending.duplicate_lines):
                line.update(status=Status.DUPLICATE.value, item=item_id)
                line.setdefault("reason", reason)
            pending.line["reason"] = reason
            self._delete_file(pending.item)
        return remaining

    def finish(self) -> None:
        self._drain()
        self.flush()

    def discard(self) -> None:
        """After a failure: delete the files of every image stored but not inserted."""
        while self.in_flight:
            flight = self.in_flight.popleft()
            try:
                self._delete_file(flight.future.result())
            except BaseException:  # noqa: S112  (already failing; this image stored nothing or is gone)
                continue
            finally:
                flight.source.done()
        self._abandon(self.pending, None)
        self.pending, self.pending_by_hash = [], {}

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)

    def _abandon(self, batch: list[_Pending], rejection: Rejected | None) -> None:
        for pending in batch:
            self._delete_file(pending.item)
            if rejection is not None:
                for line in (pending.line, *pending.duplicate_lines):
                    mark_rejected(line, rejection)

    def _delete_file(self, item: Item) -> None:
        if item.file.name:
            try:
                self.storage.delete(item.file.name)
            except Exception:  # left for clean_orphan_files
                logger.exception("could not delete %s", item.file.name)


def _prepare_and_store(item: Item, content: IO[bytes], image_format: str, storage: Storage) -> Item:
    """Runs in a pool thread: check and decode the image, store its canonical bytes, fill in the item.

    No database access here: Django's connections belong to the request's thread.
    """
    prepared = prepare_image(content, image_format)
    item.sha256 = prepared.sha256
    item.width, item.height, item.meta = prepared.width, prepared.height, prepared.meta
    try:
        item.file = storage.save(item_upload_path(item, prepared.extension), File(prepared.content))
    except Exception:  # a full disk or an unreachable bucket: this file fails, the others may not
        logger.exception("could not store %s", item.original_name)
        raise Rejected(Code.STORAGE, "could not be written to storage; upload it again") from None
    return item


def schedule_thumbnails(item_ids: list[int]) -> None:
    """Queue thumbnail tasks in batches. Runs after commit: a broker outage must not fail the upload."""
    for start in range(0, len(item_ids), THUMBNAIL_BATCH):
        try:
            make_thumbnails.delay(item_ids[start : start + THUMBNAIL_BATCH])
        except Exception:
            logger.exception("could not queue thumbnails for items %s", item_ids[start : start + THUMBNAIL_BATCH])
