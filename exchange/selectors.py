"""Streaming reads for exports: items of the chosen versions, chunk by chunk, with their annotations.

Memory stays flat whatever the dataset's size: items are read in keyset-paginated chunks (item id
greater than the last one seen, in the (version, item) index's order), and each chunk's annotations,
regions, reviews, revisions and sessions come in one query each — never a query per item or region.

Which annotation an item exports (the `annotations` option):
- `latest_accepted` (default): among the item's human annotations whose status is in `statuses`, the
  accepted one if there is one, else the most recently updated; with `include_predictions`, an item
  that has no such annotation exports its most recently updated prediction instead.
- `all`: every human annotation whose status is in `statuses`, and every prediction when
  `include_predictions` (Tandem JSON and CSV only).
Items in several exported versions are exported once, with the split of the first version listed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connections
from django.db.models import Count

from exchange.formats import FORMATS, Format
from exchange.records import SPLIT_ORDER, AnnotationRecord, ClassRecord, ItemRecord, RegionRecord, export_file_name
from labeling.models import (
    REGION_CONTENT_FIELDS,
    Annotation,
    AnnotationRevision,
    AnnotationStatus,
    Region,
    Review,
    WorkSession,
)
from projects.models import IMAGE_KINDS, TEXT_KINDS, LabelClass, Project, VersionItem

CHUNK_SIZE = 2000
STATUS_RANK = {
    AnnotationStatus.ACCEPTED: 3,
    AnnotationStatus.SUBMITTED: 2,
    AnnotationStatus.REJECTED: 1,
    AnnotationStatus.DRAFT: 0,
}
ALL_KINDS = frozenset({"bbox", "polygon", "mask", "image_class", "text_class", "text_span"})


@dataclass(frozen=True)
class Selection:
    project_id: int
    # Versions in priority order: an item in several takes its split from the first.
    version_ids: tuple[int, ...]
    splits: frozenset[str] | None = None
    class_ids: frozenset[int] | None = None
    statuses: frozenset[str] = frozenset({AnnotationStatus.ACCEPTED, AnnotationStatus.SUBMITTED})
    annotations: str = "latest_accepted"
    include_predictions: bool = False
    region_kinds: frozenset[str] = ALL_KINDS
    # Tandem JSON: timestamps, reviews and revisions; and work sessions when `sessions` is set too.
    full: bool = False
    sessions: bool = False


def export_classes(project: Project, class_ids: frozenset[int] | None) -> list[ClassRecord]:
    """The exported classes in the project's order, indexed from 0 in that order."""
    rows = LabelClass.objects.filter(project=project).order_by("order", "id")
    if class_ids is not None:
        rows = rows.filter(pk__in=class_ids)
    return [
        ClassRecord(id=c.pk, name=c.name, color=c.color, index=index, hotkey=c.hotkey, kinds=tuple(c.kinds or ()))
        for index, c in enumerate(rows)
    ]


def _entries(selection: Selection, position: int) -> Any:
    """VersionItem rows of the version at `position` whose items no earlier-listed version holds."""
    version_id = selection.version_ids[position]
    rows = VersionItem.objects.filter(version_id=version_id, item__project_id=selection.project_id)
    earlier = selection.version_ids[:position]
    if earlier:
        rows = rows.exclude(item_id__in=VersionItem.objects.filter(version_id__in=earlier).values("item_id"))
    return rows


def split_counts(selection: Selection) -> dict[str, int]:
    """Items per split in this export (only splits that have items), in SPLIT_ORDER."""
    counts: dict[str, int] = defaultdict(int)
    for position in range(len(selection.version_ids)):
        rows = _entries(selection, position).order_by().values("split").annotate(n=Count("id"))
        for row in rows:
            if selection.splits is None or row["split"] in selection.splits:
                counts[row["split"]] += row["n"]
    return {split: counts[split] for split in SPLIT_ORDER if counts.get(split)}


ITEM_FIELDS = (
    "item_id",
    "item__kind",
    "item__original_name",
    "item__file",
    "item__width",
    "item__height",
    "item__text",
)
FULL_ITEM_FIELDS = ("item__sha256", "item__status", "item__source_item_id", "item__provenance", "item__meta")


def iter_chunks(
    selection: Selection, *, with_annotations: bool = True, chunk_size: int = CHUNK_SIZE
) -> Iterator[tuple[str, list[ItemRecord]]]:
    """(split, items) chunks: splits in SPLIT_ORDER, item ids ascending within a split and version."""
    fields = ITEM_FIELDS + (FULL_ITEM_FIELDS if selection.full else ())
    splits = split_counts(selection)
    for split in splits:
        for position in range(len(selection.version_ids)):
            entries = _entries(selection, position).filter(split=split).order_by("item_id")
            last = 0
            while True:
                rows = list(entries.filter(item_id__gt=last).values_list(*fields)[:chunk_size])
                if not rows:
                    break
                last = rows[-1][0]
                items = [_item(row, split, selection.full) for row in rows]
                if with_annotations:
                    _attach_annotations(items, selection)
                yield split, items
                if len(rows) < chunk_size:
                    break


def _suffix(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return base[dot:].lower() if dot > 0 else ""


def _item(row: tuple[Any, ...], split: str, full: bool) -> ItemRecord:
    item_id, kind, original_name, file_path, width, height, text = row[:7]
    record = ItemRecord(
        id=item_id,
        kind=kind,
        file_name=export_file_name(item_id, original_name or "", _suffix(file_path or "")),
        original_name=original_name or "",
        split=split,
        width=width,
        height=height,
        text=text or "",
        file_path=file_path or "",
    )
    if full:
        record.sha256, record.status, record.source_item, record.provenance, record.meta = row[7:12]
    return record


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


ANNOTATION_FIELDS = ("id", "item_id", "annotator__username", "is_prediction", "model_name", "status", "version")
FULL_ANNOTATION_FIELDS = (
    "updated_at",
    "created_at",
    "submitted_at",
    "reviewed_by__username",
    "reviewed_at",
    "review_comment",
)
REGION_FIELDS = ("annotation_id", *REGION_CONTENT_FIELDS)


def _attach_annotations(items: list[ItemRecord], selection: Selection) -> None:
    by_item = {item.id: item for item in items}
    chosen = _choose(list(by_item), selection)
    if not chosen:
        return
    annotations = {record.id: record for record in chosen}
    # Kinds and classes are filtered here, not in SQL: a kind condition makes the planner pick the
    # (kind, label_class) index and sort every matching region instead of walking annotation_id's index.
    kinds, class_ids = selection.region_kinds, selection.class_ids
    regions = Region.objects.filter(annotation_id__in=list(annotations)).order_by("annotation_id", "id")
    current_id, current = None, []
    make = RegionRecord._make
    new_region = tuple.__new__  # _make without its Python frame: this loop runs once per region
    for row in _raw_rows(regions.values_list(*REGION_FIELDS)):
        if row[1] not in kinds or (class_ids is not None and row[2] not in class_ids):
            continue
        if row[0] != current_id:  # rows come grouped by annotation
            current_id = row[0]
            current = annotations[current_id].regions
        if row[8] is None and row[9] is None:
            current.append(new_region(RegionRecord, row[1:]))
        else:
            values = list(row[1:])
            values[7], values[8] = _json(row[8]), _json(row[9])
            current.append(make(values))
    if selection.full:
        _attach_history(annotations)
        if selection.sessions:
            _attach_sessions(by_item, annotations)
    for record in chosen:
        by_item[record.extra.pop("item_id")].annotations.append(record)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _raw_rows(queryset: Any) -> list[tuple[Any, ...]]:
    """The rows of a values_list() query straight from the database cursor.

    Regions are the bulk of an export (100,000 rows for 10,000 images); Django's per-value converters
    cost more than the query itself, and only the JSON columns (points, holes) need converting, which
    the caller does for the rows that have them.
    """
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _choose(item_ids: Sequence[int], selection: Selection) -> list[AnnotationRecord]:
    """The annotations each item exports, in item order, then annotation id (see the module's rule)."""
    fields = ANNOTATION_FIELDS + (FULL_ANNOTATION_FIELDS if selection.full else ("updated_at",))
    rows = Annotation.objects.filter(item_id__in=item_ids)
    if not selection.include_predictions:
        rows = rows.filter(is_prediction=False)
    humans: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    machines: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows.order_by("item_id", "id").values_list(*fields):
        if row[3]:
            machines[row[1]].append(row)
        elif row[5] in selection.statuses:
            humans[row[1]].append(row)
    chosen: list[tuple[Any, ...]] = []
    for item_id in item_ids:
        if selection.annotations == "all":
            chosen.extend(sorted(humans.get(item_id, []) + machines.get(item_id, []), key=lambda r: r[0]))
        elif humans.get(item_id):
            chosen.append(max(humans[item_id], key=lambda r: (STATUS_RANK.get(r[5], 0), r[7], r[0])))
        elif machines.get(item_id):
            chosen.append(max(machines[item_id], key=lambda r: (r[7], r[0])))
    return [_annotation(row, selection.full) for row in chosen]


def _annotation(row: tuple[Any, ...], full: bool) -> AnnotationRecord:
    annotation_id, item_id, annotator, is_prediction, model_name, status, version = row[:7]
    extra: dict[str, Any] = {"item_id": item_id}
    if full:
        updated_at, created_at, submitted_at, reviewed_by, reviewed_at, review_comment = row[7:13]
        extra.update(
            created_at=_time(created_at),
            updated_at=_time(updated_at),
            submitted_at=_time(submitted_at),
            reviewed_by=reviewed_by,
            reviewed_at=_time(reviewed_at),
            review_comment=review_comment,
            reviews=[],
            revisions=[],
        )
    return AnnotationRecord(
        id=annotation_id,
        annotator=annotator if not is_prediction else "",
        is_prediction=is_prediction,
        model_name=model_name,
        status=status,
        version=version,
        extra=extra,
    )


def _attach_history(annotations: dict[int, AnnotationRecord]) -> None:
    ids = list(annotations)
    for row in (
        Review.objects.filter(annotation_id__in=ids)
        .order_by("annotation_id", "id")
        .values_list(
            "annotation_id",
            "reviewer__username",
            "decision",
            "comment",
            "reviewed_version",
            "corrected_version",
            "created_at",
        )
    ):
        annotations[row[0]].extra["reviews"].append(
            {
                "reviewer": row[1],
                "decision": row[2],
                "comment": row[3],
                "reviewed_version": row[4],
                "corrected_version": row[5],
                "created_at": _time(row[6]),
            }
        )
    for revision in (
        AnnotationRevision.objects.filter(annotation_id__in=ids)
        .order_by("annotation_id", "version")
        .values_list("annotation_id", "version", "action", "author__username", "status", "regions", "created_at")
    ):
        annotations[revision[0]].extra["revisions"].append(
            {
                "version": revision[1],
                "action": revision[2],
                "author": revision[3],
                "status": revision[4],
                "regions": revision[5],
                "created_at": _time(revision[6]),
            }
        )


SESSION_FIELDS = (
    "item_id",
    "annotation_id",
    "user__username",
    "started_at",
    "last_report_at",
    "ended_at",
    "outcome",
    "idle_threshold_s",
    "wall_ms",
    "active_ms",
    "trusted_active_ms",
    "events",
    "flags",
    "reports",
)


def _attach_sessions(by_item: dict[int, ItemRecord], annotations: dict[int, AnnotationRecord]) -> None:
    for item in by_item.values():
        item.extra["sessions"] = []
    rows = WorkSession.objects.filter(item_id__in=list(by_item)).order_by("item_id", "id").values_list(*SESSION_FIELDS)
    for row in rows:
        item_id, annotation_id, user = row[0], row[1], row[2]
        by_item[item_id].extra["sessions"].append(
            {
                "user": user,
                # Only annotations in this export can be referred to; others' sessions keep their time.
                "annotation": annotation_id if annotation_id in annotations else None,
                "started_at": _time(row[3]),
                "last_report_at": _time(row[4]),
                "ended_at": _time(row[5]),
                "outcome": row[6],
                "idle_threshold_s": row[7],
                "wall_ms": row[8],
                "active_ms": row[9],
                "trusted_active_ms": row[10],
                "events": row[11],
                "flags": row[12],
                "reports": row[13],
            }
        )


def formats_for(project: Project) -> list[Format]:
    """The formats that fit the project, in FORMATS' order: they hold its media (what plan_export checks)
    and at least one of its annotation kinds (COCO of a project of image classes only would be empty)."""
    kinds = set(project.kinds)
    media = {"image"} if kinds & IMAGE_KINDS else set()
    media |= {"text"} if kinds & TEXT_KINDS else set()
    return [fmt for fmt in FORMATS.values() if (fmt.media == "any" or fmt.media in media) and fmt.kinds & kinds]
