"""Semantic segmentation PNGs: one class-index PNG and one colour PNG per image, with a legend.

Export layout: `masks/<split>/<image stem>.png` (8-bit grey, pixel value = class index + 1, 0 for
background), `masks_color/<split>/<image stem>.png` (palette PNG in the classes' colours) and
`classes.csv` (index, name, color — the legend for both). Images go in `images/<split>/`.
Polygons (minus their holes) and masks are painted, largest area first so smaller objects stay
visible on top; boxes and image classes are not part of a semantic mask. At most 255 classes fit.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import numpy as np
from PIL import Image

from exchange.formats.base import (
    Chunks,
    ExportContext,
    ImportedAnnotation,
    ImportedItem,
    ImportInput,
    OutFile,
    ParsedImport,
    Problem,
    items_by_split,
)
from exchange.formats.raster import mask_to_rle_string, region_mask
from exchange.records import ItemRecord, split_folder, split_from_folder

MEDIA = "image"
MAX_CLASSES = 255
BACKGROUND = (0, 0, 0)


def _rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    try:
        return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
    except (ValueError, IndexError):
        return (128, 128, 128)


def legend(ctx: ExportContext) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["index", "name", "color"])
    writer.writerow([0, "background", "#000000"])
    for label in ctx.classes:
        writer.writerow([label.index + 1, label.name, label.color])
    return buffer.getvalue().encode("utf-8")


def label_files(ctx: ExportContext, chunks: Chunks) -> Iterator[OutFile]:
    yield OutFile("classes.csv", [legend(ctx)])
    palette = list(BACKGROUND)
    for label in ctx.classes:
        palette.extend(_rgb(label.color))
    classes = ctx.class_by_id()
    for split, items in items_by_split(chunks):
        folder = split_folder(split)
        for item in items:
            if not item.width or not item.height:
                continue
            index_map = paint(item, classes)
            size = (index_map.shape[1], index_map.shape[0])
            yield OutFile(f"masks/{folder}/{item.stem}.png", [_png(Image.frombytes("L", size, index_map.tobytes()))])
            coloured = Image.frombytes("P", size, index_map.tobytes())
            coloured.putpalette(palette)
            yield OutFile(f"masks_color/{folder}/{item.stem}.png", [_png(coloured)])


def image_paths(item: ItemRecord) -> list[str]:
    return [f"images/{split_folder(item.split)}/{item.file_name}"]


def paint(item: ItemRecord, classes: dict) -> np.ndarray:
    height, width = int(item.height or 0), int(item.width or 0)
    index_map = np.zeros((height, width), dtype=np.uint8)
    shapes = [
        (region.area or 0.0, order, region)
        for order, region in enumerate(item.regions())
        if region.class_id in classes and region.kind in ("polygon", "mask")
    ]
    shapes.sort(key=lambda entry: (-entry[0], entry[1]))
    for _, _, region in shapes:
        mask = region_mask(region, height, width)
        if mask is not None:
            index_map[mask] = classes[region.class_id].index + 1
    return index_map


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


# --- import ---------------------------------------------------------------------------------------


def _legend(source: ImportInput, parsed: ParsedImport) -> dict[int, str]:
    for path, data in sorted(source.files.items()):
        if path.rsplit("/", 1)[-1].lower() == "classes.csv":
            names: dict[int, str] = {}
            reader = csv.DictReader(io.StringIO(data.decode("utf-8", "replace")))
            for number, row in enumerate(reader, start=2):
                try:
                    index = int(row.get("index") or "")
                except ValueError:
                    parsed.problems.append(Problem(path, f"line {number}", "index must be an integer."))
                    continue
                name = (row.get("name") or "").strip()
                if index > 0 and name:
                    names[index] = name
                    parsed.declared_classes.setdefault(name, (row.get("color") or "").strip())
            return names
    parsed.problems.append(Problem("", "", "classes.csv (the legend of mask values) is missing.", "no_names"))
    return {}


def parse(source: ImportInput, *, mask_pngs: dict[str, bytes]) -> ParsedImport:
    """`mask_pngs`: the index PNGs under a `masks/` folder (colour PNGs are ignored), by path."""
    parsed = ParsedImport()
    names = _legend(source, parsed)
    if not mask_pngs:
        parsed.problems.append(Problem("", "", "No class-index PNGs found under masks/.", "no_labels"))
    for path, data in sorted(mask_pngs.items()):
        parts = path.split("/")
        stem = parts[-1].rsplit(".", 1)[0]
        split = next((s for s in (split_from_folder(part) for part in parts[:-1]) if s is not None), None)
        item = ImportedItem(file=path, where="", kind="image", name=stem, split=split, extra={"match_stem": True})
        annotation = ImportedAnnotation()
        item.annotations.append(annotation)
        parsed.items.append(item)
        try:
            with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
                if image.mode not in ("L", "P"):
                    parsed.problems.append(Problem(path, "", f"Must be an 8-bit index PNG, not mode {image.mode}."))
                    continue
                info = source.images(stem)
                if info is None:
                    continue  # the service reports the missing image; an unchecked size is never decoded
                if (info.width, info.height) != image.size:
                    parsed.problems.append(
                        Problem(
                            path,
                            "",
                            f"The mask is {image.width}x{image.height}; the image is {info.width}x{info.height}.",
                        )
                    )
                    continue
                values = np.asarray(image)
        except (OSError, ValueError, Image.DecompressionBombError) as error:
            parsed.problems.append(Problem(path, "", f"Not a readable PNG: {error}"))
            continue
        for value in np.unique(values):
            if value == 0:
                continue
            name = names.get(int(value), str(int(value)))
            annotation.regions.append(
                {
                    "class_name": name,
                    "kind": "mask",
                    "rle": {"size": [values.shape[0], values.shape[1]], "counts": mask_to_rle_string(values == value)},
                    "_where": f"{path}:value {int(value)}",
                }
            )
    return parsed
