"""Plain records that travel between the database and the format converters.

Converters in exchange/formats/ read and write only these: they never import Django models, so each
format can be tested (and reasoned about) as a pure function from records to bytes and back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

SPLIT_ORDER = ("train", "val", "test", "")


def split_folder(split: str) -> str:
    """The folder (or file stem) a split is written to; unassigned items go to 'unassigned'."""
    return split or "unassigned"


def split_from_folder(name: str) -> str | None:
    """The split a folder or file stem names, None when it names none."""
    lowered = name.lower()
    aliases = {
        "train": "train",
        "training": "train",
        "val": "val",
        "valid": "val",
        "validation": "val",
        "test": "test",
        "testing": "test",
        "unassigned": "",
    }
    return aliases.get(lowered)


@dataclass(frozen=True, slots=True)
class ClassRecord:
    id: int
    name: str
    color: str
    # Position among the exported classes, from 0 (YOLO's class index; PNG masks use index + 1).
    index: int
    hotkey: str = ""
    kinds: tuple[str, ...] = ()


class RegionRecord(NamedTuple):
    """One region, read-only. A named tuple: exports make 100,000s of these, and a tuple is the cheapest."""

    kind: str
    class_id: int
    key: str = ""
    x: float | None = None
    y: float | None = None
    width: float | None = None
    height: float | None = None
    points: list[list[float]] | None = None
    holes: list[list[list[float]]] | None = None
    rle: str = ""
    mask_height: int | None = None
    mask_width: int | None = None
    area: float | None = None
    start: int | None = None
    end: int | None = None
    comment: str = ""
    confidence: float | None = None


@dataclass(slots=True)
class AnnotationRecord:
    id: int
    annotator: str
    is_prediction: bool
    model_name: str
    status: str
    version: int
    regions: list[RegionRecord] = field(default_factory=list)
    # Full-fidelity extras (timestamps, reviews, revisions, time sessions), filled for Tandem JSON only.
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ItemRecord:
    id: int
    kind: str
    # The name the item's file gets in an export: unique because it starts with the item's id.
    file_name: str
    original_name: str
    split: str
    width: int | None = None
    height: int | None = None
    text: str = ""
    sha256: str = ""
    status: str = ""
    # Storage name of the image file ("" for text items).
    file_path: str = ""
    source_item: int | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    annotations: list[AnnotationRecord] = field(default_factory=list)
    # Full-fidelity extras (the item's work sessions), filled for Tandem JSON only.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        dot = self.file_name.rfind(".")
        return self.file_name[:dot] if dot > 0 else self.file_name

    def regions(self) -> list[RegionRecord]:
        """Regions of every exported annotation (the selection picked at most one unless `annotations=all`)."""
        if len(self.annotations) == 1:
            return self.annotations[0].regions
        return [region for annotation in self.annotations for region in annotation.regions]


_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
MAX_STEM_CHARS = 80


def export_file_name(item_id: int, original_name: str, extension: str) -> str:
    """`<id>_<cleaned stem><extension>`: the id prefix makes it unique in the project whatever the
    original names were; the cleaned stem keeps it recognisable and safe in every file system."""
    base = original_name.replace("\\", "/").rsplit("/", 1)[-1]
    dot = base.rfind(".")
    stem = base[:dot] if dot > 0 else base
    stem = _UNSAFE.sub("_", stem).strip("._")[:MAX_STEM_CHARS] or "item"
    return f"{item_id}_{stem}{extension}"


_EXPORT_NAME = re.compile(r"^(\d+)_")


def item_id_from_export_name(name: str) -> int | None:
    """The item id an export gave a file name, or None when the name is not of that shape."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    match = _EXPORT_NAME.match(base)
    return int(match.group(1)) if match else None


def safe_folder_name(name: str) -> str:
    """A class name usable as one path component: separators and control characters replaced."""
    cleaned = "".join("_" if ch in "/\\\0" or ord(ch) < 32 else ch for ch in name).strip()
    return cleaned if cleaned not in ("", ".", "..") else "_"
