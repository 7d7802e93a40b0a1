"""Read an import upload: label files into memory, images checked and parked in a temporary folder.

A ZIP is read with the uploads' safe reader (paths, links, sizes, ratios and nesting checked on what
is actually inflated). Each image is decoded and checked as an upload would be, and its canonical
bytes wait on disk until the import decides whether it needs them.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from exchange.formats.base import Problem
from projects.uploads.archives import Entry, read_zip
from projects.uploads.images import prepare_image
from projects.uploads.report import Rejected
from projects.uploads.sniff import HEAD_BYTES, Category, archive_kind, sniff

LABEL_SUFFIXES = (
    ".json",
    ".jsonl",
    ".ndjson",
    ".csv",
    ".txt",
    ".xml",
    ".yaml",
    ".yml",
    ".conll",
    ".bio",
    ".iob",
    ".names",
)
# PNGs in these folders are label masks, not images to import.
MASK_FOLDERS = frozenset({"masks", "masks_color", "SegmentationClass", "SegmentationObject"})


@dataclass
class ZipImage:
    path: str
    sha256: str
    width: int
    height: int
    extension: str
    meta: dict
    stored_at: Path  # the canonical bytes, in the reading's temporary folder


@dataclass
class ReadUpload:
    files: dict[str, bytes] = field(default_factory=dict)
    images: list[ZipImage] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    is_zip: bool = False
    folder: Path | None = None

    def close(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def read_upload(source: IO[bytes], name: str) -> ReadUpload:
    source.seek(0)
    head = source.read(HEAD_BYTES)
    source.seek(0)
    result = ReadUpload()
    if archive_kind(head) != "zip":
        if archive_kind(head):
            result.problems.append(Problem(name, "", "Only ZIP archives can be imported.", "unsupported_type"))
        else:
            result.files[name] = source.read()
        return result
    result.is_zip = True
    result.folder = Path(tempfile.mkdtemp(prefix="tandem-import-"))
    try:
        for entry in read_zip(source):
            if not isinstance(entry, Entry):
                result.problems.append(Problem(entry.path, "", entry.rejection.reason, entry.rejection.code))
                continue
            _take(entry, result)
    except Rejected as rejection:
        result.problems.append(Problem(name, "", rejection.reason, rejection.code))
    return result


def _take(entry: Entry, result: ReadUpload) -> None:
    parts = entry.path.split("/")
    sniffed = sniff(entry.head, entry.path)
    if sniffed.category == Category.IMAGE and not MASK_FOLDERS & set(parts[:-1]):
        try:
            prepared = prepare_image(entry.content, sniffed.format)
        except Rejected as rejection:
            result.problems.append(Problem(entry.path, "", rejection.reason, rejection.code))
            return
        assert result.folder is not None
        stored_at = result.folder / f"{len(result.images)}{prepared.extension}"
        prepared.content.seek(0)
        with stored_at.open("wb") as handle:
            shutil.copyfileobj(prepared.content, handle)
        result.images.append(
            ZipImage(
                path=entry.path,
                sha256=prepared.sha256,
                width=prepared.width,
                height=prepared.height,
                extension=prepared.extension,
                meta=prepared.meta,
                stored_at=stored_at,
            )
        )
    elif entry.path.lower().endswith(LABEL_SUFFIXES) or sniffed.category == Category.IMAGE:
        result.files[entry.path] = entry.content.read()
