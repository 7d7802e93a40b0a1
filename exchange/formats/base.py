"""What every format converter shares: the export context, output files, and parsed imports."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from exchange.records import ClassRecord, ItemRecord

# (split, items) pairs, grouped by split in SPLIT_ORDER and ordered by item id within a split.
Chunks = Iterable[tuple[str, list[ItemRecord]]]


@dataclass(frozen=True)
class ExportContext:
    classes: list[ClassRecord]
    # Splits that have items in this export, in SPLIT_ORDER.
    splits: list[str]
    include_images: bool = False
    project: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    def class_by_id(self) -> dict[int, ClassRecord]:
        return {c.id: c for c in self.classes}


@dataclass
class OutFile:
    """One file of an export. `chunks` is consumed once, before the next file is asked for."""

    path: str
    chunks: Iterable[bytes]
    # Whole-dataset files may pass 2 GiB, so their ZIP entries carry ZIP64 sizes.
    large: bool = False


def items_by_split(chunks: Chunks) -> Iterator[tuple[str, Iterator[ItemRecord]]]:
    """(split, items) with each split's items streamed: consume a split's items before the next split."""
    for split, group in itertools.groupby(chunks, key=lambda pair: pair[0]):
        yield split, (item for _, items in group for item in items)


def all_items(chunks: Chunks) -> Iterator[ItemRecord]:
    for _, items in chunks:
        yield from items


def dumps(value: Any) -> str:
    """Compact, key-order-preserving JSON with non-ASCII kept as is (byte-identical for equal input)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def number(value: float) -> float | int:
    """Floats that are whole numbers are written as integers: 10 rather than 10.0, the same every time."""
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else round(float(value), 6)


def buffered(lines: Iterable[str], size: int = 256 * 1024) -> Iterator[bytes]:
    """Join small strings into chunks of about `size` bytes before encoding: one write per chunk."""
    parts: list[str] = []
    length = 0
    for line in lines:
        parts.append(line)
        length += len(line)
        if length >= size:
            yield "".join(parts).encode("utf-8")
            parts, length = [], 0
    if parts:
        yield "".join(parts).encode("utf-8")


# --- import -------------------------------------------------------------------------------------


@dataclass
class Problem:
    file: str
    where: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "where": self.where, "code": self.code, "message": self.message}


@dataclass
class ImportedAnnotation:
    # Region dicts in the annotation API's input shape, with "class_name" in place of "label_class".
    regions: list[dict[str, Any]] = field(default_factory=list)
    # Tandem JSON restores these; other formats leave them empty.
    annotator: str = ""
    is_prediction: bool = False
    model_name: str = ""
    status: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportedItem:
    """One item a label file talks about: an image (by file name) or a text (by its content)."""

    file: str  # the label file it came from, for problem reports
    where: str
    kind: str  # "image" or "text"
    name: str = ""  # image file name or path as the label file gives it
    text: str = ""
    split: str | None = None
    width: int | None = None
    height: int | None = None
    annotations: list[ImportedAnnotation] = field(default_factory=list)
    # Tandem JSON: the item's own fields (original name, provenance, meta, status).
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedImport:
    items: list[ImportedItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Class names the files declare (categories, data.yaml names, legends), in their order, with colours if known.
    declared_classes: dict[str, str] = field(default_factory=dict)
    # Tandem JSON: each class's hotkey and kinds, by name, so created classes get them back.
    class_details: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class ImageInfo:
    """An image the importer can see: in the uploaded ZIP or already in the project."""

    width: int | None
    height: int | None


# Resolves an image name from a label file to the size of the image it names (None when unknown).
ImageLookup = Callable[[str], ImageInfo | None]


@dataclass
class ImportInput:
    """What a format parser gets: label files by path (bytes), and a way to ask for image sizes."""

    files: dict[str, bytes]
    images: ImageLookup
    # Paths of the image entries in the uploaded ZIP, for formats whose layout is made of images.
    image_paths: list[str] = field(default_factory=list)
