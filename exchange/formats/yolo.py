"""YOLO detection and segmentation (the Ultralytics layout).

Export layout: `data.yaml` (class names by index and each split's image folder), `images/<split>/`,
and `labels/<split>/<image stem>.txt` for every image, empty when it has no labels.
- Detection: `class cx cy w h`, normalised to 0-1 by the image's width and height, 6 decimals. Polygons
  and masks are written as their bounding boxes.
- Segmentation: `class x1 y1 x2 y2 ...` normalised. Boxes become their 4 corners; polygons their outer
  ring (YOLO has no holes, so holes are left out); masks the outer contour of each connected part.
Class indexes are the exported classes' positions in the project's class order, from 0.
"""

from __future__ import annotations

import math
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
from exchange.formats.raster import mask_outlines, region_mask
from exchange.records import ClassRecord, ItemRecord, RegionRecord, split_folder, split_from_folder

MEDIA = "image"


def data_yaml(ctx: ExportContext, task: str) -> bytes:
    lines = [
        f"# Exported from Tandem: YOLO {task}. Labels in labels/<split>/<image stem>.txt, coordinates normalised.",
        "path: .",
    ]
    for split in ctx.splits:
        key = split or "unassigned"
        lines.append(f"{key}: images/{split_folder(split)}")
    lines.append(f"nc: {len(ctx.classes)}")
    lines.append("names:")
    # JSON strings are valid YAML double-quoted scalars, so any class name survives.
    lines.extend(f"  {c.index}: {dumps(c.name)}" for c in ctx.classes)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _files(ctx: ExportContext, chunks: Chunks, task: str) -> Iterator[OutFile]:
    yield OutFile("data.yaml", [data_yaml(ctx, task)])
    classes = ctx.class_by_id()
    line_of = _box_lines if task == "detection" else _segment_lines
    for split, items in items_by_split(chunks):
        folder = split_folder(split)
        for item in items:
            if not item.width or not item.height:
                continue
            lines = [
                line
                for region in item.regions()
                if region.class_id in classes
                for line in line_of(region, classes[region.class_id], item)
            ]
            yield OutFile(f"labels/{folder}/{item.stem}.txt", ["".join(lines).encode("ascii")])


def detection_files(ctx: ExportContext, chunks: Chunks) -> Iterator[OutFile]:
    return _files(ctx, chunks, "detection")


def segmentation_files(ctx: ExportContext, chunks: Chunks) -> Iterator[OutFile]:
    return _files(ctx, chunks, "segmentation")


def image_paths(item: ItemRecord) -> list[str]:
    return [f"images/{split_folder(item.split)}/{item.file_name}"]


def _f(value: float) -> str:
    return f"{min(max(value, 0.0), 1.0):.6f}"


def _box_lines(region: RegionRecord, label: ClassRecord, item: ItemRecord) -> list[str]:
    if region.kind not in ("bbox", "polygon", "mask") or region.x is None:
        return []
    width, height = float(item.width or 1), float(item.height or 1)
    x, y, w, h = region.x, region.y or 0.0, region.width or 0.0, region.height or 0.0
    cx, cy, nw, nh = (x + w / 2) / width, (y + h / 2) / height, w / width, h / height
    if min(cx, cy, nw, nh) >= 0.0 and max(cx, cy, nw, nh) <= 1.0:  # stored boxes lie inside their image
        return [f"{label.index} {cx:.6f} {cy:.6f} {nw:.6f} {nh:.6f}\n"]
    return [f"{label.index} {_f(cx)} {_f(cy)} {_f(nw)} {_f(nh)}\n"]


def _segment_lines(region: RegionRecord, label: ClassRecord, item: ItemRecord) -> list[str]:
    width, height = float(item.width or 1), float(item.height or 1)
    if region.kind == "bbox" and region.x is not None:
        x, y, w, h = region.x, region.y or 0.0, region.width or 0.0, region.height or 0.0
        rings = [[[x, y], [x + w, y], [x + w, y + h], [x, y + h]]]
    elif region.kind == "polygon" and region.points:
        rings = [region.points]
    elif region.kind == "mask":
        mask = region_mask(region, int(height), int(width))
        rings = mask_outlines(mask) if mask is not None else []
    else:
        return []
    return [
        f"{label.index} " + " ".join(f"{_f(px / width)} {_f(py / height)}" for px, py in ring) + "\n" for ring in rings
    ]


# --- import ---------------------------------------------------------------------------------------


def _names(source: ImportInput, parsed: ParsedImport) -> list[str]:
    for path, data in sorted(source.files.items()):
        base = path.rsplit("/", 1)[-1].lower()
        if base in ("data.yaml", "data.yml", "dataset.yaml"):
            return _yaml_names(path, data, parsed)
    for path, data in sorted(source.files.items()):
        base = path.rsplit("/", 1)[-1].lower()
        if base in ("classes.txt", "obj.names", "classes.names"):
            return [line.strip() for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    parsed.warnings.append(
        Problem("", "", "No data.yaml or classes.txt: class names are the class indexes.", "no_names")
    )
    return []


def _yaml_names(path: str, data: bytes, parsed: ParsedImport) -> list[str]:
    import yaml  # PyYAML comes with drf-spectacular; safe_load builds only plain values

    try:
        document = yaml.safe_load(data.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        parsed.problems.append(Problem(path, "", f"Not valid YAML: {error}"))
        return []
    names: Any = document.get("names") if isinstance(document, dict) else None
    if isinstance(names, dict):
        try:
            ordered = sorted((int(k), str(v)) for k, v in names.items())
        except (TypeError, ValueError):
            parsed.problems.append(Problem(path, "names", "names must map class indexes to names."))
            return []
        result = [str(i) for i in range(ordered[-1][0] + 1)] if ordered else []
        for index, name in ordered:
            if index >= 0:
                result[index] = name
        return result
    if isinstance(names, list):
        return [str(name) for name in names]
    parsed.problems.append(Problem(path, "names", "data.yaml has no names list."))
    return []


def parse(source: ImportInput) -> ParsedImport:
    parsed = ParsedImport()
    names = _names(source, parsed)
    for name in names:
        parsed.declared_classes.setdefault(name, "")
    label_files = {
        path: data
        for path, data in sorted(source.files.items())
        if path.lower().endswith(".txt") and path.rsplit("/", 1)[-1].lower() not in ("classes.txt", "obj.names")
    }
    if not label_files:
        parsed.problems.append(Problem("", "", "No YOLO label (.txt) files found in the upload.", "no_labels"))
    for path, data in label_files.items():
        parts = path.split("/")
        stem = parts[-1][: -len(".txt")]
        split = next((s for s in (split_from_folder(part) for part in parts[:-1]) if s is not None), None)
        item = ImportedItem(file=path, where="", kind="image", name=stem, split=split, extra={"match_stem": True})
        info = source.images(stem)
        annotation = ImportedAnnotation()
        item.annotations.append(annotation)
        parsed.items.append(item)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            parsed.problems.append(Problem(path, "", "Not UTF-8 text."))
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            where = f"line {number}"
            if info is None or not info.width or not info.height:
                # The service reports the missing image once per item; coordinates cannot be read without it.
                item.extra["unsized"] = True
                break
            region = _region(line, names, info.width, info.height, path, where, parsed)
            if region is not None:
                region["_where"] = f"{path}:{where}"
                annotation.regions.append(region)
    return parsed


def _region(
    line: str, names: list[str], width: int, height: int, path: str, where: str, parsed: ParsedImport
) -> dict[str, Any] | None:
    fields = line.split()
    try:
        index = int(fields[0])
        values = [float(v) for v in fields[1:]]
    except ValueError:
        parsed.problems.append(Problem(path, where, "Expected a class index followed by numbers."))
        return None
    if any(not math.isfinite(v) for v in values):
        parsed.problems.append(Problem(path, where, "Coordinates must be finite numbers."))
        return None
    name = names[index] if 0 <= index < len(names) else str(index)
    if len(values) == 4:
        cx, cy, w, h = values
        return {
            "class_name": name,
            "kind": "bbox",
            "x": (cx - w / 2) * width,
            "y": (cy - h / 2) * height,
            "width": w * width,
            "height": h * height,
        }
    if len(values) >= 6 and len(values) % 2 == 0:
        points = [[values[i] * width, values[i + 1] * height] for i in range(0, len(values), 2)]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        box = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
        return {"class_name": name, "kind": "polygon", "points": points, "_bbox": box}
    parsed.problems.append(
        Problem(path, where, f"Expected 4 box values or at least 3 polygon points, got {len(values)} numbers.")
    )
    return None
