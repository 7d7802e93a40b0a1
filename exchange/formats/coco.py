"""COCO JSON (object detection and instance segmentation).

Export layout: `annotations/instances_<split>.json` per split, images in `images/<split>/`.
- Category ids are the project's class ids (stable across exports, renames and reorders); every
  exported class is listed, with or without annotations. Image ids are item ids; annotation ids count
  from 1 in each file.
- Boxes: `bbox` [x, y, width, height] in pixels and, so that every annotation has a mask (pycocotools'
  annToMask), the box's rectangle as its polygon.
- Polygons: one outer ring as the polygon. COCO polygons cannot have holes, so a polygon with holes is
  written as compressed RLE of its rasterised pixels (iscrowd 0), its rings kept in `attributes`.
- Masks: compressed RLE with `iscrowd: 1`.
- Every annotation has `attributes.kind` (as CVAT writes `attributes`), which Tandem's import uses to
  give each region back its kind; other tools ignore it. Predictions carry `score`.
The file is written object by object: the images go straight out while their annotations wait in a
temporary file (on disk beyond a few MB), so memory stays flat however many images there are.
"""

from __future__ import annotations

import json
import tempfile
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
    dumps,
    items_by_split,
)
from exchange.formats.raster import mask_to_rle_string, polygon_mask
from exchange.records import ItemRecord, RegionRecord, split_folder, split_from_folder

NAME = "coco"
MEDIA = "image"
SPOOL_BYTES = 4 * 1024 * 1024
READ_CHUNK = 1024 * 1024


def label_files(ctx: ExportContext, chunks: Chunks) -> Iterator[OutFile]:
    for split, items in items_by_split(chunks):
        yield OutFile(f"annotations/instances_{split_folder(split)}.json", _document(ctx, items), large=True)


def image_paths(item: ItemRecord) -> list[str]:
    return [f"images/{split_folder(item.split)}/{item.file_name}"]


def _num(value: float | None) -> str:
    """A float as JSON/XML text: Python's repr is the shortest text that reads back as the same float."""
    return repr(float(value or 0.0))


def _document(ctx: ExportContext, items: Iterator[ItemRecord]) -> Iterator[bytes]:
    categories = [{"id": c.id, "name": c.name, "supercategory": ""} for c in ctx.classes]
    head = (
        '{"info":{"description":"Exported from Tandem","version":"1.0"},"licenses":[],'
        f'"categories":{dumps(categories)},"images":['
    )
    yield head.encode("utf-8")
    wanted = ctx.class_by_id()
    next_id = 1
    first_image = True
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b") as spool:
        batch: list[str] = []
        for item in items:
            image = dumps({"id": item.id, "file_name": item.file_name, "width": item.width, "height": item.height})
            batch.append(image if first_image else "," + image)
            first_image = False
            annotations: list[str] = []
            for region in item.regions():
                if region.class_id not in wanted:
                    continue
                text = _annotation(next_id, item, region)
                if text is not None:
                    annotations.append(text if next_id == 1 else "," + text)
                    next_id += 1
            if annotations:
                spool.write("".join(annotations).encode("utf-8"))
            if len(batch) >= 500:
                yield "".join(batch).encode("utf-8")
                batch = []
        if batch:
            yield "".join(batch).encode("utf-8")
        yield b'],"annotations":['
        spool.seek(0)
        while chunk := spool.read(READ_CHUNK):
            yield chunk
    yield b"]}\n"


def _annotation(annotation_id: int, item: ItemRecord, region: RegionRecord) -> str | None:
    score = "" if region.confidence is None else f',"score":{_num(region.confidence)}'
    common = f'"id":{annotation_id},"image_id":{item.id},"category_id":{region.class_id}'
    if region.kind == "bbox":
        # The hot path (100,000 boxes take well under a second): floats formatted straight into the text.
        x, y = float(region.x or 0.0), float(region.y or 0.0)
        w, h = float(region.width or 0.0), float(region.height or 0.0)
        area = float(region.area) if region.area is not None else w * h
        # Each number is turned into text once (float repr is most of the cost), then reused.
        xs, ys, ws, hs, rs, bs = repr(x), repr(y), repr(w), repr(h), repr(x + w), repr(y + h)
        return (
            f'{{{common},"segmentation":[[{xs},{ys},{rs},{ys},{rs},{bs},{xs},{bs}]],'
            f'"area":{area!r},"bbox":[{xs},{ys},{ws},{hs}],"iscrowd":0,"attributes":{{"kind":"bbox"}}{score}}}'
        )
    bbox = [region.x, region.y, region.width, region.height]
    if region.kind == "polygon" and region.points:
        flat = [coordinate for point in region.points for coordinate in point]
        attributes: dict[str, Any] = {"kind": "polygon"}
        if region.holes:
            if not item.width or not item.height:
                return None
            mask = polygon_mask(region.points, region.holes, item.height, item.width)
            segmentation: Any = {"size": [item.height, item.width], "counts": mask_to_rle_string(mask)}
            attributes.update(points=flat, holes=[[c for p in hole for c in p] for hole in region.holes])
        else:
            segmentation = [flat]
        body = {"segmentation": segmentation, "area": region.area, "bbox": bbox, "iscrowd": 0}
    elif region.kind == "mask" and region.rle:
        segmentation = {"size": [region.mask_height, region.mask_width], "counts": region.rle}
        attributes = {"kind": "mask"}
        body = {"segmentation": segmentation, "area": region.area, "bbox": bbox, "iscrowd": 1}
    else:
        return None  # image classes have no place in COCO's instance annotations
    text = dumps({**body, "attributes": attributes})
    return f"{{{common},{text[1:-1]}{score}}}"


# --- import ---------------------------------------------------------------------------------------


def parse(source: ImportInput) -> ParsedImport:
    parsed = ParsedImport()
    documents = {path: data for path, data in sorted(source.files.items()) if path.lower().endswith(".json")}
    if not documents:
        parsed.problems.append(Problem("", "", "No COCO .json file found in the upload.", "no_labels"))
    for path, data in documents.items():
        _parse_document(path, data, parsed)
    return parsed


def _split_of(path: str) -> str | None:
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    for prefix in ("instances_", "annotations_", ""):
        if stem.startswith(prefix):
            split = split_from_folder(stem[len(prefix) :])
            if split is not None:
                return split
    return None


def _parse_document(path: str, data: bytes, parsed: ParsedImport) -> None:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        parsed.problems.append(Problem(path, "", f"Not valid JSON: {error}"))
        return
    if not isinstance(document, dict) or not isinstance(document.get("images"), list):
        parsed.problems.append(Problem(path, "", 'Not a COCO file: it needs an "images" list.'))
        return
    categories: dict[Any, str] = {}
    for index, category in enumerate(document.get("categories") or []):
        if not isinstance(category, dict) or not isinstance(category.get("name"), str):
            parsed.problems.append(Problem(path, f"categories[{index}]", "A category needs an id and a name."))
            continue
        categories[category.get("id")] = category["name"]
        parsed.declared_classes.setdefault(category["name"], "")
    split = _split_of(path)
    items: dict[Any, ImportedItem] = {}
    for index, image in enumerate(document["images"]):
        if not isinstance(image, dict) or not isinstance(image.get("file_name"), str):
            parsed.problems.append(Problem(path, f"images[{index}]", "An image needs an id and a file_name."))
            continue
        width, height = image.get("width"), image.get("height")
        item = ImportedItem(
            file=path,
            where=f"images[{index}]",
            kind="image",
            name=image["file_name"],
            split=split,
            width=width if isinstance(width, int) else None,
            height=height if isinstance(height, int) else None,
            annotations=[ImportedAnnotation()],
        )
        items[image.get("id")] = item
        parsed.items.append(item)
    for index, annotation in enumerate(document.get("annotations") or []):
        where = f"annotations[{index}]"
        if not isinstance(annotation, dict):
            parsed.problems.append(Problem(path, where, "An annotation must be an object."))
            continue
        target = items.get(annotation.get("image_id"))
        if target is None:
            parsed.problems.append(Problem(path, where, f"image_id {annotation.get('image_id')!r} is not in images."))
            continue
        name = categories.get(annotation.get("category_id"))
        if name is None:
            parsed.problems.append(
                Problem(path, where, f"category_id {annotation.get('category_id')!r} is not in categories.")
            )
            continue
        for region in _regions(annotation, name, path, where, parsed):
            region["_where"] = f"{path}:{where}"
            target.annotations[0].regions.append(region)


def _is_rectangle_of(segmentation: Any, bbox: Any) -> bool:
    if not (isinstance(bbox, list) and len(bbox) == 4):
        return False
    if not (isinstance(segmentation, list) and len(segmentation) == 1 and isinstance(segmentation[0], list)):
        return False
    x, y, w, h = bbox
    try:
        return [float(v) for v in segmentation[0]] == [x, y, x + w, y, x + w, y + h, x, y + h]
    except (TypeError, ValueError):
        return False


def _ring(flat: Any) -> list[list[Any]] | None:
    if not isinstance(flat, list) or len(flat) < 6 or len(flat) % 2:
        return None
    return [[flat[i], flat[i + 1]] for i in range(0, len(flat), 2)]


def _regions(
    annotation: dict[str, Any], name: str, path: str, where: str, parsed: ParsedImport
) -> list[dict[str, Any]]:
    raw_attributes = annotation.get("attributes")
    attributes: dict[str, Any] = raw_attributes if isinstance(raw_attributes, dict) else {}
    kind = attributes.get("kind")
    segmentation = annotation.get("segmentation")
    bbox = annotation.get("bbox")
    common: dict[str, Any] = {"class_name": name}
    if annotation.get("score") is not None:
        common["confidence"] = annotation["score"]
    if isinstance(bbox, list) and len(bbox) == 4:
        common["_bbox"] = bbox
    if kind == "bbox" or (kind is None and (not segmentation or _is_rectangle_of(segmentation, bbox))):
        if "_bbox" not in common:
            parsed.problems.append(Problem(path, where, "A box needs bbox [x, y, width, height]."))
            return []
        x, y, w, h = common["_bbox"]
        return [{**common, "kind": "bbox", "x": x, "y": y, "width": w, "height": h}]
    if kind == "polygon" and attributes.get("points") is not None:
        outer = _ring(attributes.get("points"))
        holes = [_ring(hole) for hole in attributes.get("holes") or []]
        if outer is None or any(hole is None for hole in holes):
            parsed.problems.append(Problem(path, where, "attributes.points/holes must be flat [x, y, ...] lists."))
            return []
        return [{**common, "kind": "polygon", "points": outer, "holes": holes}]
    if isinstance(segmentation, dict):
        counts, size = segmentation.get("counts"), segmentation.get("size")
        return [{**common, "kind": "mask", "rle": {"size": size, "counts": counts}}]
    if isinstance(segmentation, list):
        rings = [_ring(flat) for flat in segmentation]
        if not rings or any(ring is None for ring in rings):
            parsed.problems.append(Problem(path, where, "segmentation polygons must be flat [x, y, ...] lists."))
            return []
        if len(rings) > 1:
            parsed.warnings.append(
                Problem(path, where, f"A polygon in {len(rings)} parts becomes {len(rings)} regions.", "split_polygon")
            )
        return [{**common, "kind": "polygon", "points": ring} for ring in rings]
    parsed.problems.append(Problem(path, where, "Unrecognised segmentation."))
    return []
