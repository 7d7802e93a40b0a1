"""Import labels (and images) into a project: all or nothing, with a dry run that writes nothing.

1. Read the upload (a ZIP or one label file) and parse it with the format's converter.
2. Resolve every item: an image by file name — a ZIP image (path, then base name), else an exported
   name `<item id>_...` of this project, else an item whose original name matches; a text by its
   content (an existing item with the same text, else a new one). A ZIP image whose content is already
   in the project uses that item.
3. Resolve every class name: an existing class, else `class_mapping` ({"their name": class id or
   "create"}), else `create_missing_classes`; any other unknown name is a problem.
4. Validate every region with labeling.validation, as the annotation API does.
5. Any problem: the dry run lists them all; a real import answers 400 with them and writes nothing.
   Otherwise everything is written in one transaction: classes, items, annotations (or predictions),
   regions, revisions — and the ImportJob that makes a retry with the same file and options return the
   first result instead of importing twice.

Annotations are the importer's own (submitted, or accepted with `status`): an item the importer has
already annotated gets its regions replaced in a new version, its history kept. Predictions go through
labeling's import_predictions (one per item and model name, replaced on re-import). Tandem JSON restores
each annotation's annotator (a member with that user name, else the importer), status, version,
timestamps, reviews, revisions and work sessions.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from django.contrib.auth.models import User
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import ValidationError

from exchange.formats import FORMATS
from exchange.formats.base import ImageInfo, ImportedAnnotation, ImportedItem, ImportInput, ParsedImport, Problem
from exchange.models import ImportJob
from exchange.records import item_id_from_export_name
from exchange.services.upload_reading import ReadUpload, ZipImage, read_upload
from labeling.models import (
    Annotation,
    AnnotationRevision,
    AnnotationStatus,
    Assignment,
    AssignmentStatus,
    Region,
    Review,
    RevisionAction,
    WorkSession,
)
from labeling.services.ingest import color_for
from labeling.services.predictions import import_predictions
from labeling.services.status import refresh_item_status
from labeling.validation import Schema, validate_regions
from projects import services as project_services
from projects.models import (
    IMAGE_KINDS,
    TEXT_KINDS,
    AnnotationKind,
    Item,
    ItemKind,
    LabelClass,
    Membership,
    Project,
    VersionItem,
)
from projects.progress import JobStatus
from projects.selectors import default_dataset, working_version
from projects.services import ServiceError
from projects.uploads.names import clean_name

logger = logging.getLogger(__name__)
HASH_CHUNK = 1024 * 1024
# A real import stops collecting problems here: the answer stays readable and the request bounded.
MAX_PROBLEMS = 1000
LOOKUP_BATCH = 5000


@dataclass(frozen=True)
class ImportOptions:
    format: str
    as_predictions: bool = False
    model_name: str = "import"
    dry_run: bool = False
    class_mapping: dict[str, int | str] = field(default_factory=dict)
    create_missing_classes: bool = False
    status: str = AnnotationStatus.SUBMITTED

    def key_json(self) -> str:
        """The options that change what an import writes (dry_run does not), in a stable form."""
        data = asdict(self)
        data.pop("dry_run")
        return json.dumps(data, sort_keys=True, ensure_ascii=False)


class ImportRejected(ServiceError):
    """Problems were found: nothing was written."""

    def __init__(self, problems: list[dict[str, str]], warnings: list[dict[str, str]]) -> None:
        super().__init__(
            f"The import has {len(problems)} problem{'s' if len(problems) != 1 else ''}; nothing was written. "
            "Fix them (or map unknown classes with class_mapping) and import again; a dry run lists them all.",
            problems=problems,
            warnings=warnings,
        )


@dataclass
class Outcome:
    """What the API answers: the report, whether it was a dry run, and whether it replays an earlier import."""

    report: dict[str, Any]
    dry_run: bool
    replayed: bool = False
    job: ImportJob | None = None


# --- entry point --------------------------------------------------------------------------------------


def import_file(
    *, project: Project, membership: Membership, upload: IO[bytes], name: str, options: ImportOptions
) -> Outcome:
    fmt = FORMATS.get(options.format)
    if fmt is None:
        raise ServiceError(f"Unknown format {options.format!r}.", field="format")
    key = idempotency_key(upload, options)
    if not options.dry_run:
        earlier = ImportJob.objects.filter(project=project, idempotency_key=key, status=JobStatus.COMPLETED).first()
        if earlier is not None:
            return Outcome(report=earlier.result, dry_run=False, replayed=True, job=earlier)
    read = read_upload(upload, name)
    try:
        plan = _Planner(project, membership, options, read).plan()
        report = plan.report()
        if options.dry_run:
            return Outcome(report=report, dry_run=True)
        if plan.problems:
            raise ImportRejected([p.as_dict() for p in plan.problems], report["warnings"])
        try:
            job = _write(plan, name=name, key=key)
        except IntegrityError:
            # The same import ran at the same moment and committed first: answer with its result.
            earlier = ImportJob.objects.filter(project=project, idempotency_key=key).first()
            if earlier is None:
                raise
            return Outcome(report=earlier.result, dry_run=False, replayed=True, job=earlier)
        return Outcome(report=job.result, dry_run=False, job=job)
    finally:
        read.close()


def idempotency_key(upload: IO[bytes], options: ImportOptions) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    while chunk := upload.read(HASH_CHUNK):
        digest.update(chunk)
    upload.seek(0)
    digest.update(b"\0" + options.key_json().encode("utf-8"))
    return digest.hexdigest()


# --- planning (shared by dry runs and real imports) ----------------------------------------------------


@dataclass
class _Target:
    """One item to label: an existing one, or one to create (from a ZIP image or a text)."""

    item: Item
    existing: bool
    source: ImportedItem
    zip_image: ZipImage | None = None
    # Validated region field dicts per imported annotation (same order as source.annotations).
    regions: list[list[dict[str, Any]]] = field(default_factory=list)


@dataclass
class _Plan:
    project: Project
    membership: Membership
    options: ImportOptions
    parsed: ParsedImport
    targets: list[_Target]
    problems: list[Problem]
    warnings: list[Problem]
    new_classes: list[str]
    unknown_classes: list[str]
    schema: Schema
    class_ids: dict[str, int]

    def report(self) -> dict[str, Any]:
        regions = sum(len(r) for target in self.targets for r in target.regions)
        annotations = sum(1 for target in self.targets for r in target.regions if r or self.options.format == "tandem")
        return {
            "format": self.options.format,
            "as_predictions": self.options.as_predictions,
            "would_create" if self.options.dry_run else "created": {
                "items": sum(1 for t in self.targets if not t.existing),
                "annotations": annotations,
                "regions": regions,
                "classes": len(self.new_classes),
            },
            "matched_items": sum(1 for t in self.targets if t.existing),
            "new_classes": self.new_classes,
            "unknown_classes": self.unknown_classes,
            "problems": [p.as_dict() for p in self.problems[:MAX_PROBLEMS]],
            "problem_count": len(self.problems),
            "warnings": [w.as_dict() for w in self.parsed.warnings[:MAX_PROBLEMS]],
        }


class _Planner:
    def __init__(self, project: Project, membership: Membership, options: ImportOptions, read: ReadUpload) -> None:
        self.project = project
        self.membership = membership
        self.options = options
        self.read = read
        self.problems: list[Problem] = list(read.problems)
        self.kinds = set(project.kinds)
        self._index_zip_images()
        self._index_project_images()

    # -- images ------------------------------------------------------------------------------------

    def _index_zip_images(self) -> None:
        self.zip_by_path: dict[str, ZipImage] = {}
        self.zip_by_base: dict[str, list[ZipImage]] = defaultdict(list)
        self.zip_by_stem: dict[str, list[ZipImage]] = defaultdict(list)
        for image in self.read.images:
            self.zip_by_path[image.path] = image
            base = image.path.rsplit("/", 1)[-1]
            self.zip_by_base[base].append(image)
            self.zip_by_stem[_stem(base)].append(image)
        shas = sorted({image.sha256 for image in self.read.images})
        self.existing_by_sha: dict[str, Item] = {}
        for start in range(0, len(shas), LOOKUP_BATCH):  # bounded IN lists (SQLite caps query parameters)
            batch = shas[start : start + LOOKUP_BATCH]
            for item in Item.objects.filter(project=self.project, sha256__in=batch, source_item__isnull=True):
                self.existing_by_sha[item.sha256] = item

    def _index_project_images(self) -> None:
        self.items_by_id: dict[int, tuple[int, str, int | None, int | None]] = {}
        self.items_by_base: dict[str, list[int]] = defaultdict(list)
        self.items_by_stem: dict[str, list[int]] = defaultdict(list)
        if not self.kinds & IMAGE_KINDS:
            return
        rows = Item.objects.filter(project=self.project, kind=ItemKind.IMAGE).values_list(
            "id", "original_name", "width", "height"
        )
        for row in rows.iterator(chunk_size=5000):
            self.items_by_id[row[0]] = row
            base = (row[1] or "").replace("\\", "/").rsplit("/", 1)[-1]
            self.items_by_base[base].append(row[0])
            self.items_by_stem[_stem(base)].append(row[0])

    def find_image(self, name: str, *, by_stem: bool) -> tuple[ZipImage | None, int | None, str]:
        """(ZIP image, existing item id, problem message): one of the first two, or the message."""
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        zip_candidates = ([self.zip_by_path[name]] if name in self.zip_by_path else self.zip_by_base.get(base, [])) or (
            self.zip_by_stem.get(base, []) if by_stem else []
        )
        if len({image.sha256 for image in zip_candidates}) > 1:
            return None, None, f"Several images in the ZIP are named {base!r}; give their paths."
        if zip_candidates:
            image = zip_candidates[0]
            existing = self.existing_by_sha.get(image.sha256)
            return (None, existing.pk, "") if existing is not None else (image, None, "")
        exported = item_id_from_export_name(base)
        if exported is not None and exported in self.items_by_id:
            return None, exported, ""
        candidates = self.items_by_base.get(base, []) or (self.items_by_stem.get(base, []) if by_stem else [])
        if len(candidates) > 1:
            return None, None, f"{len(candidates)} images in the project are named {base!r}; the name is ambiguous."
        if candidates:
            return None, candidates[0], ""
        return None, None, f"Image {name!r} is neither in the ZIP nor in the project."

    def image_info(self, name: str) -> ImageInfo | None:
        image, item_id, _ = self.find_image(name, by_stem=True)
        if image is not None:
            return ImageInfo(image.width, image.height)
        if item_id is not None:
            row = self.items_by_id[item_id]
            return ImageInfo(row[2], row[3])
        return None

    # -- plan --------------------------------------------------------------------------------------

    def plan(self) -> _Plan:
        fmt = FORMATS[self.options.format]
        parsed = fmt.parse(
            ImportInput(
                files=self.read.files,
                images=self.image_info,
                image_paths=[image.path for image in self.read.images],
            )
        )
        self.problems.extend(parsed.problems)
        targets = self._targets(parsed)
        schema = Schema.of(self.project)
        class_ids, new_classes, unknown = self._classes(parsed, schema)
        for target in targets:
            self._validate(target, schema, class_ids)
        return _Plan(
            project=self.project,
            membership=self.membership,
            options=self.options,
            parsed=parsed,
            targets=targets,
            problems=self.problems,
            warnings=parsed.warnings,
            new_classes=new_classes,
            unknown_classes=unknown,
            schema=schema,
            class_ids=class_ids,
        )

    def _targets(self, parsed: ParsedImport) -> list[_Target]:
        targets: list[_Target] = []
        seen: dict[Any, ImportedItem] = {}
        texts = self._existing_texts(parsed.items)
        new_by_sha: dict[str, _Target] = {}
        for source in parsed.items:
            target = self._target(source, texts, new_by_sha)
            if target is None:
                continue
            identity = target.item.pk if target.existing else id(target.item)
            if identity in seen:
                earlier = seen[identity]
                self.problems.append(
                    Problem(
                        source.file,
                        source.where,
                        f"The same item is already labelled by {earlier.file} {earlier.where}.",
                    )
                )
                continue
            seen[identity] = source
            targets.append(target)
        wanted = [t.item.pk for t in targets if t.existing and t.source.kind == "image"]
        loaded: dict[int, Item] = {}
        for start in range(0, len(wanted), LOOKUP_BATCH):
            loaded.update(Item.objects.in_bulk(wanted[start : start + LOOKUP_BATCH]))
        for target in targets:
            if target.existing and target.source.kind == "image":
                target.item = loaded[target.item.pk]
        return targets

    def _existing_texts(self, items: Iterable[ImportedItem]) -> dict[str, Item]:
        shas = sorted({_text_sha(source.text) for source in items if source.kind == "text" and source.text})
        found: dict[str, Item] = {}
        for start in range(0, len(shas), LOOKUP_BATCH):
            batch = shas[start : start + LOOKUP_BATCH]
            for item in Item.objects.filter(project=self.project, kind=ItemKind.TEXT, sha256__in=batch).order_by("id"):
                found.setdefault(item.sha256, item)
        return found

    def _target(self, source: ImportedItem, texts: dict[str, Item], new_by_sha: dict[str, _Target]) -> _Target | None:
        if source.kind == "text":
            if not self.kinds & TEXT_KINDS:
                self.problems.append(
                    Problem(source.file, source.where, "This project does not label texts.", "wrong_kind")
                )
                return None
            sha = _text_sha(source.text)
            if sha in texts:
                return _Target(item=texts[sha], existing=True, source=source)
            if sha in new_by_sha:
                return new_by_sha[sha]
            item = Item(project=self.project, kind=ItemKind.TEXT, text=source.text, sha256=sha)
            item.original_name = clean_name(source.extra.get("original_name") or source.name or "")
            target = _Target(item=item, existing=False, source=source)
            new_by_sha[sha] = target
            return target
        if not self.kinds & IMAGE_KINDS:
            self.problems.append(
                Problem(source.file, source.where, "This project does not label images.", "wrong_kind")
            )
            return None
        image, item_id, message = self.find_image(source.name, by_stem=bool(source.extra.get("match_stem")))
        if message:
            self.problems.append(Problem(source.file, source.where, message, "missing_image"))
            return None
        if item_id is not None:
            # A stand-in until _targets loads every matched item in one query.
            return _Target(item=Item(pk=item_id), existing=True, source=source)
        assert image is not None
        if image.sha256 in new_by_sha:
            return new_by_sha[image.sha256]
        if source.width and source.height and (source.width, source.height) != (image.width, image.height):
            self.problems.append(
                Problem(
                    source.file,
                    source.where,
                    f"The labels say the image is {source.width}x{source.height}; "
                    f"{image.path} is {image.width}x{image.height}.",
                    "size_mismatch",
                )
            )
        item = Item(
            project=self.project,
            kind=ItemKind.IMAGE,
            sha256=image.sha256,
            width=image.width,
            height=image.height,
            meta=image.meta,
            original_name=clean_name(source.extra.get("original_name") or image.path.rsplit("/", 1)[-1]),
        )
        target = _Target(item=item, existing=False, source=source, zip_image=image)
        new_by_sha[image.sha256] = target
        return target

    # -- classes -----------------------------------------------------------------------------------

    def _classes(self, parsed: ParsedImport, schema: Schema) -> tuple[dict[str, int], list[str], list[str]]:
        ids = {label.name: label.pk for label in schema.classes.values()}
        used: dict[str, Problem] = {}
        for source in parsed.items:
            for annotation in source.annotations:
                for region in annotation.regions:
                    used.setdefault(region["class_name"], Problem(source.file, region.get("_where", ""), ""))
        mapping = self.options.class_mapping
        new: list[str] = []
        unknown: list[str] = []
        names = list(used) + [name for name in parsed.declared_classes if name not in used]
        for name in names:
            if name in ids:
                continue
            target = mapping.get(name)
            if isinstance(target, int) and not isinstance(target, bool):
                if target not in schema.classes:
                    self.problems.append(
                        Problem("", "class_mapping", f"Class id {target} (for {name!r}) is not in this project.")
                    )
                    continue
                ids[name] = target
            elif target == "create" or (self.options.create_missing_classes and target is None):
                new.append(name)
                # A stand-in for validation; the real class is created when the import is written.
                placeholder = LabelClass(pk=-len(new), project=self.project, name=name, color=color_for(name))
                schema.classes[placeholder.pk] = placeholder
                ids[name] = placeholder.pk
            elif name in used:
                unknown.append(name)
                where = used[name]
                self.problems.append(
                    Problem(
                        where.file,
                        where.where,
                        f'Unknown class {name!r}: map it to a class id or "create" in class_mapping.',
                        "unknown_class",
                    )
                )
        return ids, new, unknown

    # -- regions -----------------------------------------------------------------------------------

    def _validate(self, target: _Target, schema: Schema, class_ids: dict[str, int]) -> None:
        for annotation in target.source.annotations:
            raw, wheres = self._raw_regions(annotation, class_ids)
            try:
                target.regions.append(validate_regions(raw, item=target.item, schema=schema))
            except ValidationError as error:
                target.regions.append([])
                for path, messages in _flatten(error.detail):
                    index = _region_index(path)
                    where = wheres[index] if index is not None and index < len(wheres) else target.source.where
                    file, _, place = where.rpartition(":") if ":" in where else (target.source.file, "", where)
                    for message in messages:
                        self.problems.append(Problem(file, place, f"{path}: {message}", _code(message)))

    def _raw_regions(
        self, annotation: ImportedAnnotation, class_ids: dict[str, int]
    ) -> tuple[list[dict[str, Any]], list[str]]:
        raw: list[dict[str, Any]] = []
        wheres: list[str] = []
        for region in annotation.regions:
            class_id = class_ids.get(region["class_name"])
            if class_id is None:
                continue  # reported as an unknown class; the other regions are still checked
            fields = {k: v for k, v in region.items() if not k.startswith("_") and k != "class_name"}
            fields["label_class"] = class_id
            kind = fields.get("kind")
            if kind not in self.kinds and "bbox" in self.kinds and region.get("_bbox") and kind in ("polygon", "mask"):
                # A detection-only project takes shapes as their boxes.
                x, y, width, height = region["_bbox"]
                fields = {"kind": "bbox", "label_class": class_id, "x": x, "y": y, "width": width, "height": height}
                fields.update({k: region[k] for k in ("confidence", "comment", "key") if k in region})
            raw.append(fields)
            wheres.append(region.get("_where", ""))
        return raw, wheres


def _batches(ids: list[int]) -> list[list[int]]:
    """Slices of at most LOOKUP_BATCH ids, so IN lists stay under SQLite's parameter limit."""
    return [ids[start : start + LOOKUP_BATCH] for start in range(0, len(ids), LOOKUP_BATCH)]


def _stem(name: str) -> str:
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name


def _text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _flatten(detail: Any, prefix: str = "") -> list[tuple[str, list[str]]]:
    if isinstance(detail, dict):
        return [pair for key, value in detail.items() for pair in _flatten(value, f"{prefix}{key}")]
    if isinstance(detail, list):
        return [(prefix, [str(message) for message in detail])]
    return [(prefix, [str(detail)])]


def _region_index(path: str) -> int | None:
    if path.startswith("regions[") and "]" in path:
        try:
            return int(path[len("regions[") : path.index("]")])
        except ValueError:
            return None
    return None


def _code(message: str) -> str:
    return "outside_image" if "outside the image" in message or "lies outside" in message else "invalid"


# --- writing -------------------------------------------------------------------------------------------


def _write(plan: _Plan, *, name: str, key: str) -> ImportJob:
    storage = Item._meta.get_field("file").storage
    stored: list[str] = []
    try:
        with transaction.atomic():
            class_ids = _create_classes(plan)
            _create_items(plan, storage, stored)
            counts = _Writer(plan, class_ids).write()
            result = plan.report()
            result["created"]["annotations"] = counts["annotations"]
            result["created"]["regions"] = counts["regions"]
            result["updated_annotations"] = counts["updated"]
            now = timezone.now()
            job = ImportJob.objects.create(
                project=plan.project,
                created_by=plan.membership.user,
                format=plan.options.format,
                options=json.loads(plan.options.key_json()),
                file_name=name[:300],
                idempotency_key=key,
                status=JobStatus.COMPLETED,
                total=len(plan.targets),
                done=len(plan.targets),
                started_at=now,
                finished_at=now,
                result=result,
            )
    except Exception:
        for stored_name in stored:  # the rows are gone; their files must not stay behind
            try:
                storage.delete(stored_name)
            except Exception:
                logger.exception("could not delete %s after a failed import", stored_name)
        raise
    return job


def _create_classes(plan: _Plan) -> dict[str, int]:
    ids = dict(plan.class_ids)
    declared = plan.parsed.declared_classes
    for name in plan.new_classes:
        color = declared.get(name) or color_for(name)
        if not (len(color) == 7 and color.startswith("#")):
            color = color_for(name)
        details = plan.parsed.class_details.get(name, {})
        hotkey = details.get("hotkey") if isinstance(details.get("hotkey"), str) else ""
        if hotkey and (len(hotkey) != 1 or plan.project.classes.filter(hotkey=hotkey).exists()):
            hotkey = ""
        kinds = [k for k in details.get("kinds") or [] if k in AnnotationKind.values]
        label = project_services.create_class(project=plan.project, name=name, color=color, hotkey=hotkey, kinds=kinds)
        ids[name] = label.pk
    return ids


def _create_items(plan: _Plan, storage: Any, stored: list[str]) -> None:
    dataset = default_dataset(plan.project)
    version = working_version(dataset)
    new = [target for target in plan.targets if not target.existing]
    for target in new:
        target.item.dataset = dataset
        target.item.uploaded_by = plan.membership.user
        extra = target.source.extra
        if isinstance(extra.get("provenance"), dict):
            target.item.provenance = extra["provenance"]
        if isinstance(extra.get("meta"), dict):
            target.item.meta = extra["meta"]
        if target.zip_image is not None:
            image = target.zip_image
            file_name = Item._meta.get_field("file").generate_filename(target.item, f"image{image.extension}")
            with image.stored_at.open("rb") as handle:
                target.item.file.name = storage.save(file_name, File(handle))
            stored.append(target.item.file.name)
    Item.objects.bulk_create([t.item for t in new], batch_size=500)
    # Tandem JSON: augmented items point again at their source when it came along.
    by_old_id = {t.source.extra.get("id"): t.item for t in plan.targets if t.source.extra.get("id") is not None}
    derived = []
    for target in new:
        source_item = by_old_id.get(target.source.extra.get("source_item"))
        if source_item is not None and source_item is not target.item:
            target.item.source_item = source_item
            derived.append(target.item)
    Item.objects.bulk_update(derived, ["source_item"], batch_size=500)
    VersionItem.objects.bulk_create(
        [VersionItem(version=version, item=t.item, split=t.source.split or "") for t in new], batch_size=1000
    )


class _Writer:
    def __init__(self, plan: _Plan, class_ids: dict[str, int]) -> None:
        self.plan = plan
        self.user = plan.membership.user
        self.now = timezone.now()
        # Placeholder ids (negative) of created classes → their real ids.
        self.real_ids = {plan.class_ids[name]: class_ids[name] for name in plan.new_classes}
        self.counts = {"annotations": 0, "regions": 0, "updated": 0}

    def regions(self, fields_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not self.real_ids:
            return fields_list
        return [
            {**fields, "label_class_id": self.real_ids.get(fields["label_class_id"], fields["label_class_id"])}
            for fields in fields_list
        ]

    def write(self) -> dict[str, int]:
        if self.plan.options.format == "tandem" and not self.plan.options.as_predictions:
            _TandemWriter(self).write()
        elif self.plan.options.as_predictions:
            entries = [
                (target.item, self.regions([r for regions in target.regions for r in regions]))
                for target in self.plan.targets
                if any(target.regions)
            ]
            if entries:
                result = import_predictions(
                    project=self.plan.project, by=self.user, model_name=self.plan.options.model_name, entries=entries
                )
                self.counts.update(annotations=result.created, updated=result.updated, regions=result.regions)
        else:
            self._own_annotations()
        return self.counts

    def _own_annotations(self) -> None:
        targets = [t for t in self.plan.targets if any(t.regions)]
        existing = {
            a.item_id: a
            for batch in _batches([t.item.pk for t in targets])
            for a in Annotation.objects.select_for_update().filter(
                item_id__in=batch, annotator=self.user, is_prediction=False
            )
        }
        status = self.plan.options.status
        annotations: list[Annotation] = []
        regions_of: dict[int, list[dict[str, Any]]] = {}
        for target in targets:
            annotation = existing.get(target.item.pk)
            if annotation is None:
                annotation = Annotation(project=self.plan.project, item=target.item, annotator=self.user)
                self.counts["annotations"] += 1
            else:
                annotation.version += 1
                self.counts["updated"] += 1
            annotation.status = status
            annotation.submitted_at = annotation.submitted_at or self.now
            annotation.updated_at = self.now
            annotations.append(annotation)
            regions_of[id(annotation)] = self.regions([r for regions in target.regions for r in regions])
        new = [a for a in annotations if a.pk is None]
        revised = [a for a in annotations if a.pk is not None]
        Annotation.objects.bulk_create(new, batch_size=1000)
        Annotation.objects.bulk_update(revised, ["version", "status", "submitted_at", "updated_at"], batch_size=1000)
        Region.objects.filter(annotation__in=revised).delete()
        self._regions_and_revisions(annotations, regions_of)
        Assignment.objects.bulk_create(
            [
                Assignment(
                    project=self.plan.project, item_id=a.item_id, user=self.user, status=AssignmentStatus.SUBMITTED
                )
                for a in annotations
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        _refresh_statuses(self.plan.project, {a.item_id for a in annotations})

    def _regions_and_revisions(
        self, annotations: list[Annotation], regions_of: dict[int, list[dict[str, Any]]]
    ) -> None:
        objects: list[Region] = []
        revisions: list[AnnotationRevision] = []
        for annotation in annotations:
            mine = [Region(annotation=annotation, **fields) for fields in regions_of[id(annotation)]]
            objects.extend(mine)
            revisions.append(
                AnnotationRevision(
                    annotation=annotation,
                    version=annotation.version,
                    action=RevisionAction.IMPORTED,
                    author=self.user,
                    status=annotation.status,
                    regions=[r.as_dict() for r in mine],
                )
            )
        Region.objects.bulk_create(objects, batch_size=2000)
        AnnotationRevision.objects.bulk_create(revisions, batch_size=1000)
        self.counts["regions"] += len(objects)


def _refresh_statuses(project: Project, item_ids: Iterable[int]) -> None:
    now = timezone.now()
    for item_id in sorted(item_ids):
        refresh_item_status(item_id, project, now)


def _restore_times(objects: list[Any], times: list[Any]) -> list[Any]:
    changed = []
    for obj, when in zip(objects, times, strict=True):
        if when is not None:
            obj.created_at = when
            changed.append(obj)
    return changed


def _when(value: Any) -> Any:
    return parse_datetime(value) if isinstance(value, str) else None


class _TandemWriter:
    """Restores annotations as the export had them: annotator, status, version, history and time."""

    def __init__(self, writer: _Writer) -> None:
        self.writer = writer
        self.plan = writer.plan
        members = Membership.objects.filter(project=self.plan.project).select_related("user")
        self.users: dict[str, User] = {m.user.get_username(): m.user for m in members}

    def user(self, name: Any) -> User:
        return self.users.get(name or "", self.writer.user)

    def maybe_user(self, name: Any) -> User | None:
        return self.users.get(name) if isinstance(name, str) else None

    def write(self) -> None:
        made: list[tuple[Annotation, ImportedAnnotation, list[dict[str, Any]]]] = []
        for target in self.plan.targets:
            for annotation_data, fields_list in zip(target.source.annotations, target.regions, strict=True):
                made.append((self._annotation(target, annotation_data), annotation_data, fields_list))
        self._check_unique(made)
        # The file's annotations replace the same people's (and models') annotations of these items.
        annotators = {a.annotator_id for a, _, _ in made if not a.is_prediction}
        models = {a.model_name for a, _, _ in made if a.is_prediction}
        for batch in _batches(sorted({a.item_id for a, _, _ in made})):
            Annotation.objects.filter(item_id__in=batch, annotator_id__in=annotators, is_prediction=False).delete()
            Annotation.objects.filter(item_id__in=batch, model_name__in=models, is_prediction=True).delete()
        times = [(a.created_at, a.updated_at) for a, _, _ in made]
        Annotation.objects.bulk_create([a for a, _, _ in made], batch_size=1000)
        # auto_now and auto_now_add overwrite timestamps on insert; put the exported ones back.
        for (annotation, _, _), (created_at, updated_at) in zip(made, times, strict=True):
            annotation.created_at, annotation.updated_at = created_at, updated_at
        Annotation.objects.bulk_update([a for a, _, _ in made], ["created_at", "updated_at"], batch_size=1000)
        regions: list[Region] = []
        for annotation, _, fields_list in made:
            regions.extend(Region(annotation=annotation, **fields) for fields in self.writer.regions(fields_list))
        Region.objects.bulk_create(regions, batch_size=2000)
        self.writer.counts["annotations"] = len(made)
        self.writer.counts["regions"] = len(regions)
        self._history(made)
        self._sessions(made)
        Assignment.objects.bulk_create(
            [
                Assignment(
                    project=self.plan.project,
                    item_id=a.item_id,
                    user_id=a.annotator_id,
                    status=AssignmentStatus.SUBMITTED,
                )
                for a, _, _ in made
                if not a.is_prediction and a.status != AnnotationStatus.DRAFT
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        _refresh_statuses(self.plan.project, {t.item.pk for t in self.plan.targets})

    def _annotation(self, target: _Target, data: ImportedAnnotation) -> Annotation:
        extra = data.extra
        status = data.status if data.status in AnnotationStatus.values else AnnotationStatus.SUBMITTED
        version: int = extra["version"] if isinstance(extra.get("version"), int) and extra["version"] > 0 else 1
        annotation = Annotation(
            project=self.plan.project,
            item=target.item,
            annotator=self.writer.user if data.is_prediction else self.user(data.annotator),
            is_prediction=data.is_prediction,
            model_name=data.model_name if data.is_prediction else "",
            status=status,
            version=version,
            submitted_at=_when(extra.get("submitted_at")),
            reviewed_by=self.maybe_user(extra.get("reviewed_by")),
            reviewed_at=_when(extra.get("reviewed_at")),
            review_comment=extra.get("review_comment") or "",
        )
        annotation.created_at = _when(extra.get("created_at")) or self.writer.now
        annotation.updated_at = _when(extra.get("updated_at")) or self.writer.now
        return annotation

    def _check_unique(self, made: list[tuple[Annotation, ImportedAnnotation, list[dict[str, Any]]]]) -> None:
        seen: set[tuple[int, Any, bool]] = set()
        for annotation, data, _ in made:
            key = (
                annotation.item.pk,
                annotation.model_name if annotation.is_prediction else annotation.annotator_id,
                annotation.is_prediction,
            )
            if key in seen:
                raise ServiceError(
                    f"Two annotations of item {annotation.item.pk} would both belong to "
                    f"{data.annotator or data.model_name!r}: add that user to the project first.",
                    field="file",
                )
            seen.add(key)

    def _history(self, made: list[tuple[Annotation, ImportedAnnotation, list[dict[str, Any]]]]) -> None:
        reviews: list[Review] = []
        review_times: list[Any] = []
        revisions: list[AnnotationRevision] = []
        revision_times: list[Any] = []
        for annotation, data, _ in made:
            for review in data.extra.get("reviews") or []:
                if not isinstance(review, dict) or review.get("decision") not in ("accept", "reject"):
                    continue
                reviews.append(
                    Review(
                        annotation=annotation,
                        reviewer=self.maybe_user(review.get("reviewer")),
                        decision=review["decision"],
                        comment=review.get("comment") or "",
                        reviewed_version=review.get("reviewed_version") or 1,
                        corrected_version=review.get("corrected_version"),
                    )
                )
                review_times.append(_when(review.get("created_at")))
            revisions_data = [r for r in data.extra.get("revisions") or [] if isinstance(r, dict)]
            if not revisions_data:
                revisions_data = [{"version": annotation.version, "action": RevisionAction.IMPORTED}]
            for revision in revisions_data:
                action = str(revision.get("action"))
                revision_status = str(revision.get("status"))
                revisions.append(
                    AnnotationRevision(
                        annotation=annotation,
                        version=revision.get("version") or annotation.version,
                        action=action if action in RevisionAction.values else RevisionAction.IMPORTED,
                        author=self.maybe_user(revision.get("author")) or self.writer.user,
                        status=revision_status if revision_status in AnnotationStatus.values else annotation.status,
                        regions=revision.get("regions"),
                    )
                )
                revision_times.append(_when(revision.get("created_at")))
        Review.objects.bulk_create(reviews, batch_size=1000)
        AnnotationRevision.objects.bulk_create(revisions, batch_size=1000)
        # auto_now_add set the import's time on insert; the exported times go back in one UPDATE per batch.
        Review.objects.bulk_update(_restore_times(reviews, review_times), ["created_at"], batch_size=1000)
        AnnotationRevision.objects.bulk_update(
            _restore_times(revisions, revision_times), ["created_at"], batch_size=1000
        )

    def _sessions(self, made: list[tuple[Annotation, ImportedAnnotation, list[dict[str, Any]]]]) -> None:
        by_old_id = {data.extra.get("id"): annotation for annotation, data, _ in made if data.extra.get("id")}
        sessions: list[WorkSession] = []
        for target in self.plan.targets:
            for raw in target.source.extra.get("sessions") or []:
                if not isinstance(raw, dict) or not _when(raw.get("started_at")):
                    continue
                user = self.maybe_user(raw.get("user"))
                if user is None:
                    continue  # time belongs to a person; a non-member's sessions are not attributed to anyone else
                sessions.append(
                    WorkSession(
                        project=self.plan.project,
                        item=target.item,
                        user=user,
                        annotation=by_old_id.get(raw.get("annotation")),
                        started_at=_when(raw["started_at"]),
                        last_report_at=_when(raw.get("last_report_at")),
                        ended_at=_when(raw.get("ended_at")),
                        outcome=raw.get("outcome") or "open",
                        idle_threshold_s=raw.get("idle_threshold_s") or self.plan.project.idle_threshold_s,
                        wall_ms=raw.get("wall_ms"),
                        active_ms=raw.get("active_ms"),
                        trusted_active_ms=raw.get("trusted_active_ms"),
                        events=raw.get("events") or [],
                        flags=raw.get("flags") or [],
                        reports=raw.get("reports") or 0,
                    )
                )
        WorkSession.objects.bulk_create(sessions, batch_size=1000)
