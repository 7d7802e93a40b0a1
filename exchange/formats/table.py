"""CSV: one row per region (default) or one row per item, for images and texts.

Per region: an item without regions still gets one row with the region columns empty, so every item
is listed. Geometry columns hold pixels (boxes: x, y, box_width, box_height; polygons: `points` and
`holes` as JSON; masks: COCO's compressed `rle` with mask_height/mask_width) or code-point offsets
(spans: start, end, with the span's text in span_text). Per item: `classes` lists the image or text
classes (`;`-separated) and `regions` holds every region as JSON.

Spreadsheets run cells that begin with =, +, -, @, tab or carriage return as formulas, so such text
cells get a leading apostrophe; a cell that already begins with apostrophes before one of those
characters gets one more, and the import removes exactly one, so every value comes back unchanged.
Numbers are written as numbers and never neutralised.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
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
    dumps,
    items_by_split,
)
from exchange.records import ClassRecord, ItemRecord, RegionRecord, split_folder, split_from_folder

MEDIA = "any"
REGION_COLUMNS = [
    "split",
    "file_name",
    "item_id",
    "width",
    "height",
    "text",
    "annotation_id",
    "annotator",
    "status",
    "kind",
    "class",
    "x",
    "y",
    "box_width",
    "box_height",
    "points",
    "holes",
    "rle",
    "mask_height",
    "mask_width",
    "start",
    "end",
    "span_text",
    "confidence",
    "comment",
]
ITEM_COLUMNS = ["split", "file_name", "item_id", "width", "height", "text", "classes", "regions"]
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")


def neutralise(value: str) -> str:
    return "'" + value if _FORMULA.match(value) else value


def restore(value: str) -> str:
    return value[1:] if _NEUTRALISED.match(value) else value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def label_files(ctx: ExportContext, chunks: Chunks) -> Iterator[OutFile]:
    if ctx.options.get("single_file"):
        yield OutFile("labels.csv", rows_csv(ctx, ((split, item) for split, items in chunks for item in items)), True)
        return
    for split, items in items_by_split(chunks):
        yield OutFile(f"{split_folder(split)}.csv", rows_csv(ctx, ((split, item) for item in items)), large=True)


def image_paths(item: ItemRecord) -> list[str]:
    return [f"images/{split_folder(item.split)}/{item.file_name}"]


def rows_csv(ctx: ExportContext, items: Iterable[tuple[str, ItemRecord]]) -> Iterator[bytes]:
    per_item = ctx.options.get("csv_rows") == "item"
    classes = ctx.class_by_id()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ITEM_COLUMNS if per_item else REGION_COLUMNS)
    for count, (_, item) in enumerate(items, start=1):
        rows = _item_row(item, classes) if per_item else _region_rows(item, classes)
        writer.writerows([[_cell(value) for value in row] for row in rows])
        if count % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _item_columns(item: ItemRecord) -> list[Any]:
    return [item.split, item.file_name, item.id, item.width, item.height, item.text if item.kind == "text" else None]


def _region_rows(item: ItemRecord, classes: dict[int, ClassRecord]) -> list[list[Any]]:
    base = _item_columns(item)
    rows = []
    for annotation in item.annotations:
        who = [annotation.id, annotation.annotator or annotation.model_name, annotation.status]
        for region in annotation.regions:
            label = classes.get(region.class_id)
            if label is not None:
                rows.append(base + who + _region_columns(region, label, item))
    if not rows:
        rows.append(base + [None] * (len(REGION_COLUMNS) - len(base)))
    return rows


def _region_columns(region: RegionRecord, label: ClassRecord, item: ItemRecord) -> list[Any]:
    geometry = region.kind in ("bbox", "polygon", "mask")
    span = region.kind == "text_span"
    return [
        region.kind,
        label.name,
        region.x if geometry else None,
        region.y if geometry else None,
        region.width if geometry else None,
        region.height if geometry else None,
        dumps(region.points) if region.kind == "polygon" else None,
        dumps(region.holes or []) if region.kind == "polygon" else None,
        region.rle if region.kind == "mask" else None,
        region.mask_height if region.kind == "mask" else None,
        region.mask_width if region.kind == "mask" else None,
        region.start if span else None,
        region.end if span else None,
        item.text[region.start or 0 : region.end or 0] if span else None,
        region.confidence,
        region.comment,
    ]


def _item_row(item: ItemRecord, classes: dict[int, ClassRecord]) -> list[list[Any]]:
    names: list[str] = []
    regions: list[dict[str, Any]] = []
    for region in item.regions():
        label = classes.get(region.class_id)
        if label is None:
            continue
        if region.kind in ("image_class", "text_class"):
            names.append(label.name)
        regions.append(region_json(region, label.name))
    return [[*_item_columns(item), ";".join(names), dumps(regions)]]


def region_json(region: RegionRecord, class_name: str) -> dict[str, Any]:
    """A region as the annotation API takes it, with the class by name."""
    data: dict[str, Any] = {"kind": region.kind, "class": class_name}
    if region.kind == "bbox":
        data.update(x=region.x, y=region.y, width=region.width, height=region.height)
    elif region.kind == "polygon":
        data.update(points=region.points, holes=region.holes or [])
    elif region.kind == "mask":
        data["rle"] = {"size": [region.mask_height, region.mask_width], "counts": region.rle}
    elif region.kind == "text_span":
        data.update(start=region.start, end=region.end)
    if region.key:
        data["key"] = region.key
    if region.comment:
        data["comment"] = region.comment
    if region.confidence is not None:
        data["confidence"] = region.confidence
    return data


# --- import ---------------------------------------------------------------------------------------


def parse(source: ImportInput) -> ParsedImport:
    parsed = ParsedImport()
    tables = {p: d for p, d in sorted(source.files.items()) if p.lower().endswith(".csv")}
    if not tables:
        parsed.problems.append(Problem("", "", "No .csv file found in the upload.", "no_labels"))
    for path, data in tables.items():
        _parse_table(path, data, parsed)
    return parsed


def _number(value: str, column: str, path: str, where: str, parsed: ParsedImport) -> float | int | None:
    if value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        parsed.problems.append(Problem(path, where, f"{column} must be a number, not {value!r}."))
        return None
    return int(number) if column in ("start", "end", "mask_height", "mask_width") and number.is_integer() else number


def _parse_table(path: str, data: bytes, parsed: ParsedImport) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.problems.append(Problem(path, "", "Not UTF-8 text."))
        return
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = set(reader.fieldnames or [])
    if not columns & {"file_name", "text"}:
        parsed.problems.append(Problem(path, "line 1", "The header needs a file_name or a text column."))
        return
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    file_split = split_from_folder(stem)
    items: dict[tuple[str, str], ImportedItem] = {}
    for number, row in enumerate(reader, start=2):
        where = f"line {number}"
        values = {key: restore(value or "") for key, value in row.items() if key is not None}
        text_value = values.get("text", "")
        kind = "text" if text_value else "image"
        name = values.get("file_name", "")
        key = (kind, text_value if kind == "text" else name)
        if not key[1]:
            parsed.problems.append(Problem(path, where, "The row names no file_name and no text."))
            continue
        item = items.get(key)
        if item is None:
            split_value = values.get("split")
            item = ImportedItem(
                file=path,
                where=where,
                kind=kind,
                name=name,
                text=text_value,
                split=split_from_folder(split_value) if split_value else file_split,
                annotations=[ImportedAnnotation()],
            )
            items[key] = item
            parsed.items.append(item)
        annotation_id = values.get("annotation_id", "")
        first_annotation = item.extra.setdefault("annotation_id", annotation_id)
        if annotation_id != first_annotation:
            # An `annotations=all` sheet: one annotation per item is imported (the first listed).
            parsed.warnings.append(
                Problem(path, where, f"Annotation {annotation_id} skipped: one annotation per item is imported.")
            )
            continue
        if "regions" in columns:
            _item_regions(values, item, path, where, parsed)
        else:
            region = _row_region(values, path, where, parsed)
            if region is not None:
                item.annotations[0].regions.append(region)


def _item_regions(values: dict[str, str], item: ImportedItem, path: str, where: str, parsed: ParsedImport) -> None:
    raw = values.get("regions", "")
    if raw:
        try:
            regions = json.loads(raw)
        except (ValueError, RecursionError) as error:
            parsed.problems.append(Problem(path, where, f"regions is not valid JSON: {error}"))
            return
        if not isinstance(regions, list):
            parsed.problems.append(Problem(path, where, "regions must be a JSON list."))
            return
        for index, region in enumerate(regions):
            if not isinstance(region, dict) or not isinstance(region.get("class"), str):
                parsed.problems.append(Problem(path, f"{where} regions[{index}]", "A region needs a class name."))
                continue
            region = dict(region)
            region["class_name"] = region.pop("class")
            region["_where"] = f"{path}:{where} regions[{index}]"
            item.annotations[0].regions.append(region)
        return
    # No regions column value: the classes column alone (a simple classification sheet).
    kind = "text_class" if item.kind == "text" else "image_class"
    for name in filter(None, (part.strip() for part in values.get("classes", "").split(";"))):
        item.annotations[0].regions.append({"class_name": name, "kind": kind, "_where": f"{path}:{where}"})


def _row_region(values: dict[str, str], path: str, where: str, parsed: ParsedImport) -> dict[str, Any] | None:
    kind = values.get("kind", "")
    if not kind:
        return None  # an item without regions
    name = values.get("class", "")
    if not name:
        parsed.problems.append(Problem(path, where, "class is empty."))
        return None
    region: dict[str, Any] = {"class_name": name, "kind": kind, "_where": f"{path}:{where}"}
    numbers = {
        column: _number(values.get(column, ""), column, path, where, parsed)
        for column in ("x", "y", "box_width", "box_height", "mask_height", "mask_width", "start", "end", "confidence")
    }
    if kind == "bbox":
        region.update(x=numbers["x"], y=numbers["y"], width=numbers["box_width"], height=numbers["box_height"])
    elif kind == "polygon":
        try:
            region["points"] = json.loads(values.get("points") or "null")
            region["holes"] = json.loads(values.get("holes") or "[]")
        except (ValueError, RecursionError) as error:
            parsed.problems.append(Problem(path, where, f"points/holes are not valid JSON: {error}"))
            return None
    elif kind == "mask":
        region["rle"] = {"size": [numbers["mask_height"], numbers["mask_width"]], "counts": values.get("rle", "")}
    elif kind == "text_span":
        region.update(start=numbers["start"], end=numbers["end"])
    if numbers["confidence"] is not None:
        region["confidence"] = numbers["confidence"]
    if values.get("comment"):
        region["comment"] = values["comment"]
    if None not in (numbers["x"], numbers["y"], numbers["box_width"], numbers["box_height"]):
        region["_bbox"] = [numbers["x"], numbers["y"], numbers["box_width"], numbers["box_height"]]
    return region
