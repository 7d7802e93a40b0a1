"""What a file is, from its first bytes: an image Pillow may open, an archive, or (by extension) text."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from projects.uploads.names import extension

# Enough for every signature below, including tar's "ustar" at offset 257.
HEAD_BYTES = 512


class Category(StrEnum):
    IMAGE = "image"
    ARCHIVE = "archive"
    TEXT = "text"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Sniffed:
    category: Category
    # Pillow format name for images ("JPEG"), archive kind ("zip", "gzip"), text format ("csv"), or "".
    format: str


_IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)

_ARCHIVE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty ZIP
    (b"PK\x07\x08", "zip"),  # a spanned ZIP
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)

TEXT_EXTENSIONS = {".txt": "txt", ".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}

SUPPORTED_DESCRIPTION = (
    "a JPEG, PNG, WebP, TIFF, BMP or GIF image, a ZIP archive, or a .txt, .csv, .tsv or .jsonl text file"
)


def sniff(head: bytes, name: str) -> Sniffed:
    """Classify by content; text formats, which have no signature, by extension."""
    for signature, image_format in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            if image_format == "BMP" and not _plausible_bmp(head):
                break
            return Sniffed(Category.IMAGE, image_format)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed(Category.IMAGE, "WEBP")
    archive = archive_kind(head)
    if archive:
        return Sniffed(Category.ARCHIVE, archive)
    text_format = TEXT_EXTENSIONS.get(extension(name))
    if text_format:
        return Sniffed(Category.TEXT, text_format)
    return Sniffed(Category.UNKNOWN, "")


def archive_kind(head: bytes) -> str:
    """The archive or compressed-stream kind the bytes start with, or ""."""
    for signature, kind in _ARCHIVE_SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[257:262] == b"ustar":
        return "tar"
    return ""


def _plausible_bmp(head: bytes) -> bool:
    # "BM" alone is too common a start for text ("BMW,..."); a real BMP has a known DIB header size at 14.
    return len(head) >= 18 and int.from_bytes(head[14:18], "little") in {12, 16, 40, 52, 56, 64, 108, 124}
