"""Every export/import format, by the name the API uses.

Each format is a pair of pure converters: records → files (export) and files → parsed items (import).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from exchange.formats import coco, conll, imagefolder, jsonl, masks, table, tandem, voc, yolo
from exchange.formats.base import Chunks, ExportContext, ImportInput, OutFile, ParsedImport
from exchange.records import ClassRecord, ItemRecord


@dataclass(frozen=True)
class Format:
    name: str
    title: str
    # Item kinds it holds: "image", "text" or "any".
    media: str
    # Region kinds it carries (the rest of an item's regions are left out).
    kinds: frozenset[str]
    label_files: Callable[[ExportContext, Chunks], Iterator[OutFile]]
    image_paths: Callable[[ItemRecord, dict[int, ClassRecord]], list[str]]
    parse: Callable[[ImportInput], ParsedImport]
    # ImageFolder is made of images; every other format can be labels only.
    needs_images: bool = False
    # One file of labels for the whole export is possible (CSV and JSONL).
    single_file: bool = False
    # `annotations=all` (every annotator's annotation) needs a format with room for several per item.
    all_annotations: bool = False
    single_file_type: str = ""


def _paths(function: Callable[[ItemRecord], list[str]]) -> Callable[[ItemRecord, dict[int, ClassRecord]], list[str]]:
    return lambda item, classes: function(item)


def _parse_masks(source: ImportInput) -> ParsedImport:
    pngs = {
        path: data
        for path, data in source.files.items()
        if path.lower().endswith(".png") and "masks" in path.split("/")[:-1]
    }
    return masks.parse(source, mask_pngs=pngs)


IMAGE_SHAPES = frozenset({"bbox", "polygon", "mask"})
FORMATS: dict[str, Format] = {
    "coco": Format("coco", "COCO JSON", "image", IMAGE_SHAPES, coco.label_files, _paths(coco.image_paths), coco.parse),
    "yolo_detection": Format(
        "yolo_detection",
        "YOLO detection",
        "image",
        IMAGE_SHAPES,
        yolo.detection_files,
        _paths(yolo.image_paths),
        yolo.parse,
    ),
    "yolo_segmentation": Format(
        "yolo_segmentation",
        "YOLO segmentation",
        "image",
        IMAGE_SHAPES,
        yolo.segmentation_files,
        _paths(yolo.image_paths),
        yolo.parse,
    ),
    "voc": Format("voc", "Pascal VOC XML", "image", IMAGE_SHAPES, voc.label_files, _paths(voc.image_paths), voc.parse),
    "png_masks": Format(
        "png_masks",
        "PNG masks",
        "image",
        frozenset({"polygon", "mask"}),
        masks.label_files,
        _paths(masks.image_paths),
        _parse_masks,
    ),
    "imagefolder": Format(
        "imagefolder",
        "ImageFolder",
        "image",
        frozenset({"image_class"}),
        imagefolder.label_files,
        imagefolder.image_paths,
        imagefolder.parse,
        needs_images=True,
    ),
    "csv": Format(
        "csv",
        "CSV",
        "any",
        frozenset({"bbox", "polygon", "mask", "image_class", "text_class", "text_span"}),
        table.label_files,
        _paths(table.image_paths),
        table.parse,
        single_file=True,
        all_annotations=True,
        single_file_type="text/csv; charset=utf-8",
    ),
    "jsonl": Format(
        "jsonl",
        "JSON Lines",
        "text",
        frozenset({"text_class", "text_span"}),
        jsonl.label_files,
        _paths(tandem.image_paths),
        jsonl.parse,
        single_file=True,
        single_file_type="application/jsonl; charset=utf-8",
    ),
    "conll": Format(
        "conll",
        "CoNLL (BIO)",
        "text",
        frozenset({"text_span"}),
        conll.label_files,
        _paths(tandem.image_paths),
        conll.parse,
    ),
    "tandem": Format(
        "tandem",
        "Tandem JSON",
        "any",
        frozenset({"bbox", "polygon", "mask", "image_class", "text_class", "text_span"}),
        tandem.label_files,
        _paths(tandem.image_paths),
        tandem.parse,
        all_annotations=True,
    ),
}
