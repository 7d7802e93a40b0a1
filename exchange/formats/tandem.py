"""Tandem's own JSON: everything, so that an import gives back the same project content.

`tandem.json` holds the project's settings and classes and every exported item with its own fields
(split, status, provenance of augmented items, meta) and its annotations: status and version, who
made and reviewed them and when, every region with all its fields (class by name), the reviews, the
revision history and, when the exporter is a manager, the labelling time (work sessions with their
events). Images go in `images/<split>/`. Timestamps are ISO 8601 in UTC.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from exchange.formats.base import (
    Chunks,
    ExportContext,
    ImportedAnnotation,
    ImportedItem,
    ImportInput,
    OutFile,
    ParsedImport,
    Problem,
    all_items,
    buffered,
    dumps,
)
from exchange.records import ItemRecord, RegionRecord, split_folder, split_from_folder

MEDIA = "any"
FORMAT_VERSION = 1
FILE_NAME = "tandem.json"


def label_files(ctx: ExportContext, chunks: Chunks) -> Iterator[OutFile]:
    yield OutFile(FILE_NAME, buffered(_document(ctx, chunks)), large=True)


def image_paths(item: ItemRecord) -> list[str]:
    return [f"images/{split_folder(item.split)}/{item.file_name}"]


def _document(ctx: ExportContext, chunks: Chunks) -> Iterator[str]:
    classes = [
        {"id": c.id, "name": c.name, "color": c.color, "hotkey": c.hotkey, "kinds": list(c.kinds), "order": c.index}
        for c in ctx.classes
    ]
    header = {
        "format": "tandem",
        "format_version": FORMAT_VERSION,
        "project": ctx.project,
        "classes": classes,
        "sessions_included": bool(ctx.options.get("sessions_included")),
    }
    yield dumps(header)[:-1] + ',"items":[\n'
    names = {c.id: c.name for c in ctx.classes}
    for index, item in enumerate(all_items(chunks)):
        yield ("" if index == 0 else ",\n") + dumps(item_json(item, names))
    yield "\n]}\n"


def item_json(item: ItemRecord, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind,
        "file_name": item.file_name if item.kind == "image" else "",
        "original_name": item.original_name,
        "sha256": item.sha256,
        "split": item.split,
        "width": item.width,
        "height": item.height,
        "text": item.text,
        "status": item.status,
        "source_item": item.source_item,
        "provenance": item.provenance,
        "meta": item.meta,
        **item.extra,
        "annotations": [
            {
                "id": annotation.id,
                "annotator": annotation.annotator,
                "is_prediction": annotation.is_prediction,
                "model_name": annotation.model_name,
                "status": annotation.status,
                "version": annotation.version,
                **annotation.extra,
                "regions": [region_json(region, names) for region in annotation.regions if region.class_id in names],
            }
            for annotation in item.annotations
        ],
    }


def region_json(region: RegionRecord, names: dict[int, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"key": region.key, "kind": region.kind, "class": names[region.class_id]}
    if region.kind == "bbox":
        data.update(x=region.x, y=region.y, width=region.width, height=region.height)
    elif region.kind == "polygon":
        data.update(points=region.points, holes=region.holes or [])
    elif region.kind == "mask":
        data["rle"] = {"size": [region.mask_height, region.mask_width], "counts": region.rle}
    elif region.kind == "text_span":
        data.update(start=region.start, end=region.end)
    data.update(comment=region.comment, confidence=region.confidence)
    return data


# --- import ---------------------------------------------------------------------------------------


def parse(source: ImportInput) -> ParsedImport:
    parsed = ParsedImport()
    documents = {p: d for p, d in source.files.items() if p.rsplit("/", 1)[-1] == FILE_NAME}
    if not documents:
        documents = {p: d for p, d in source.files.items() if p.lower().endswith(".json")}
    if len(documents) != 1:
        parsed.problems.append(Problem("", "", f"Expected one {FILE_NAME}, found {len(documents)}.", "no_labels"))
        return parsed
    path, data = next(iter(documents.items()))
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        parsed.problems.append(Problem(path, "", f"Not valid JSON: {error}"))
        return parsed
    if not isinstance(document, dict) or document.get("format") != "tandem":
        parsed.problems.append(Problem(path, "", 'Not a Tandem export: "format" must be "tandem".'))
        return parsed
    if document.get("format_version") != FORMAT_VERSION:
        parsed.problems.append(Problem(path, "", f"Format version {document.get('format_version')!r} is not 1."))
        return parsed
    for label in document.get("classes") or []:
        if isinstance(label, dict) and isinstance(label.get("name"), str):
            parsed.declared_classes.setdefault(label["name"], label.get("color") or "")
            parsed.class_details[label["name"]] = {
                "hotkey": label.get("hotkey") or "",
                "kinds": label.get("kinds") or [],
            }
    for index, raw in enumerate(document.get("items") or []):
        where = f"items[{index}]"
        if not isinstance(raw, dict) or raw.get("kind") not in ("image", "text"):
            parsed.problems.append(Problem(path, where, 'An item needs "kind" image or text.'))
            continue
        parsed.items.append(_item(path, where, raw, parsed))
    return parsed


def _item(path: str, where: str, raw: dict[str, Any], parsed: ParsedImport) -> ImportedItem:
    split = raw.get("split")
    item = ImportedItem(
        file=path,
        where=where,
        kind=raw["kind"],
        name=raw.get("file_name") or "",
        text=raw.get("text") or "",
        split=split_from_folder(split or "unassigned") if isinstance(split, str) else None,
        width=raw.get("width"),
        height=raw.get("height"),
        extra={
            key: raw.get(key)
            for key in ("id", "original_name", "status", "provenance", "meta", "sha256", "source_item", "sessions")
        },
    )
    for index, annotation in enumerate(raw.get("annotations") or []):
        here = f"{where}.annotations[{index}]"
        if not isinstance(annotation, dict):
            parsed.problems.append(Problem(path, here, "An annotation must be an object."))
            continue
        regions = []
        for number, region in enumerate(annotation.get("regions") or []):
            if not isinstance(region, dict) or not isinstance(region.get("class"), str):
                parsed.problems.append(Problem(path, f"{here}.regions[{number}]", "A region needs a class name."))
                continue
            class_name = region["class"]
            region = {k: v for k, v in region.items() if k != "class" and v is not None}
            region["class_name"] = class_name
            region["_where"] = f"{path}:{here}.regions[{number}]"
            regions.append(region)
        item.annotations.append(
            ImportedAnnotation(
                regions=regions,
                annotator=str(annotation.get("annotator") or ""),
                is_prediction=bool(annotation.get("is_prediction")),
                model_name=str(annotation.get("model_name") or ""),
                status=str(annotation.get("status") or ""),
                extra={
                    key: annotation.get(key)
                    for key in (
                        "id",
                        "version",
                        "submitted_at",
                        "reviewed_by",
                        "reviewed_at",
                        "review_comment",
                        "created_at",
                        "updated_at",
                        "reviews",
                        "revisions",
                        "sessions",
                    )
                    if key in annotation
                },
            )
        )
    return item
