"""Read a ZIP archive entry by entry, safely, without ever holding the archive in memory.

Every entry is checked before a byte of it is used: unsafe paths, symbolic links, encryption and nested
archives are refused; each entry is inflated in chunks (into memory when it declares a small size, into a
spooled temporary file otherwise) while its real size is counted, because the sizes an archive declares can
lie: per-entry size, compression ratio and the archive's total are enforced on what was actually inflated.
"""

from __future__ import annotations

import contextlib
import io
import re
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.conf import settings

from projects.uploads.names import clean_name
from projects.uploads.report import Code, Rejected
from projects.uploads.sniff import HEAD_BYTES, archive_kind

READ_CHUNK = 1024 * 1024
# Entries up to this size stay in memory; larger ones spill to a temporary file.
SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024
# Below this many inflated bytes the ratio is not checked: a small blank BMP legitimately compresses
# 500:1, while a zip bomb only matters once it inflates to a lot.
RATIO_CHECK_FROM_BYTES = 1024 * 1024
# Central-directory bytes allowed per permitted entry: zipfile keeps one object per entry in memory, so
# the directory's size is checked before zipfile reads it.
DIRECTORY_BYTES_PER_ENTRY = 1024

# Operating-system clutter that is skipped without a report line.
_CLUTTER_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass
class Entry:
    """An inflated entry. The caller owns `content` and closes it, possibly after reading further entries."""

    path: str  # cleaned path inside the archive, for the report and Item.original_name
    content: IO[bytes]  # the inflated bytes, positioned at 0
    head: bytes


@dataclass
class RejectedEntry:
    path: str
    rejection: Rejected


def read_zip(source: IO[bytes]) -> Iterator[Entry | RejectedEntry]:
    """Yield each file entry of the ZIP in `source`, or why it was refused.

    Raises Rejected for the archive as a whole when it is not a readable ZIP or breaks a limit that
    applies to the whole (entry count, declared total size). Directories and OS clutter (`__MACOSX/`,
    `.DS_Store`, `._*`) are skipped silently.
    """
    _check_directory(source)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as error:
        raise Rejected(Code.CORRUPT, f"not a readable ZIP archive ({error})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > settings.ARCHIVE_MAX_ENTRIES:
            raise _too_many_entries(len(infos))
        declared = sum(info.file_size for info in infos)
        if declared > settings.ARCHIVE_MAX_UNCOMPRESSED_BYTES:
            raise Rejected(
                Code.ARCHIVE_LIMIT,
                f"archive declares {declared} bytes uncompressed; the limit is "
                f"{settings.ARCHIVE_MAX_UNCOMPRESSED_BYTES} bytes (413). Split it into smaller archives.",
            )
        # Every inflated byte counts, also those of entries refused half-way, so many entries that each
        # fail just under a limit cannot add up to unbounded work.
        budget = _Budget(settings.ARCHIVE_MAX_UNCOMPRESSED_BYTES)
        for info in infos:
            path = entry_path(info)
            if info.is_dir() or is_clutter(path):
                continue
            if budget.remaining <= 0:
                yield RejectedEntry(path, _total_exceeded("not read: "))
                continue
            try:
                _check_entry(info)
            except Rejected as rejection:
                yield RejectedEntry(path, rejection)
                continue
            spool, memory_limit = _sink(info.file_size)
            try:
                head = _inflate(archive, info, spool, budget, memory_limit=memory_limit)
            except Rejected as rejection:
                spool.close()
                yield RejectedEntry(path, rejection)
                continue
            except BaseException:
                spool.close()
                raise
            spool.seek(0)
            yield Entry(path, spool, head)


def _sink(declared_size: int) -> tuple[IO[bytes], int | None]:
    """Where an entry is inflated to, and the in-memory limit that then applies.

    Small entries go to a plain BytesIO: Pillow reads in many small steps, and a spooled file's Python-level
    read() around its buffer costs more than decoding a small image does. Since that choice trusts the
    declared size, the BytesIO gets a hard limit.
    """
    if declared_size <= SPOOL_IN_MEMORY_BYTES:
        return io.BytesIO(), SPOOL_IN_MEMORY_BYTES
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES), None


@dataclass
class _Budget:
    remaining: int


def entry_path(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:
        # Many archivers write UTF-8 names without setting the UTF-8 flag; zipfile then decodes them as
        # cp437. Undo that when the bytes are valid UTF-8.
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("utf-8")
    return clean_name(name.replace("\\", "/"))


def is_clutter(path: str) -> bool:
    parts = path.split("/")
    base = parts[-1]
    return parts[0] == "__MACOSX" or base in _CLUTTER_NAMES or base.startswith("._")


def top_folder(path: str) -> str | None:
    """The first folder of an entry's path (its class with class_folders), None for a top-level file."""
    parts = [part for part in path.split("/") if part]
    return parts[0] if len(parts) > 1 else None


def _check_entry(info: zipfile.ZipInfo) -> None:
    raw = info.filename.replace("\\", "/")
    if raw.startswith("/") or _DRIVE.match(raw):
        raise Rejected(Code.UNSAFE_PATH, "unsafe path in archive: absolute paths are not allowed")
    if ".." in raw.split("/"):
        raise Rejected(Code.UNSAFE_PATH, "unsafe path in archive: '..' components are not allowed")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise Rejected(Code.UNSAFE_PATH, "symbolic links in archives are not allowed")
    if info.flag_bits & 0x1:
        raise Rejected(Code.INVALID, "encrypted archive entries are not supported")
    limit = settings.MAX_UPLOAD_FILE_BYTES
    if info.file_size > limit:
        raise Rejected(Code.TOO_LARGE, f"entry is {info.file_size} bytes; the limit is {limit} bytes (413)")
    if info.file_size > RATIO_CHECK_FROM_BYTES and info.file_size > settings.ARCHIVE_MAX_RATIO * max(
        info.compress_size, 1
    ):
        raise _ratio_rejection(info.file_size, info.compress_size)


def _inflate(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, spool: IO[bytes], budget: _Budget, *, memory_limit: int | None
) -> bytes:
    """Copy the entry into `spool`, counting real bytes against every limit; return its first bytes.

    `memory_limit` applies when `spool` is in memory because the entry declared a small size.
    """
    per_entry = settings.MAX_UPLOAD_FILE_BYTES
    size = 0
    head = b""
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(READ_CHUNK):
                if not head:
                    head = chunk[:HEAD_BYTES]
                    kind = archive_kind(head)
                    if kind:
                        raise Rejected(
                            Code.NESTED_ARCHIVE,
                            f"nested archive ({kind}) inside an archive is not supported; upload it separately",
                        )
                size += len(chunk)
                budget.remaining -= len(chunk)
                if size > per_entry:
                    raise Rejected(Code.TOO_LARGE, f"entry inflates to more than {per_entry} bytes (413)")
                if memory_limit is not None and size > memory_limit:
                    raise Rejected(Code.CORRUPT, f"entry inflates to more than the {info.file_size} bytes it declares")
                if budget.remaining < 0:
                    raise _total_exceeded("")
                if size > RATIO_CHECK_FROM_BYTES and size > settings.ARCHIVE_MAX_RATIO * max(info.compress_size, 1):
                    raise _ratio_rejection(size, info.compress_size)
                spool.write(chunk)
    except Rejected:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as error:
        # Bad CRC (also what a lying declared size produces), unsupported compression, password needed.
        raise Rejected(Code.CORRUPT, f"corrupt archive entry ({error})") from None
    return head


def _total_exceeded(prefix: str) -> Rejected:
    return Rejected(
        Code.ARCHIVE_LIMIT,
        f"{prefix}the archive's total uncompressed size exceeds {settings.ARCHIVE_MAX_UNCOMPRESSED_BYTES} bytes (413)",
    )


def _ratio_rejection(size: int, compressed: int) -> Rejected:
    ratio = size / max(compressed, 1)
    return Rejected(
        Code.ARCHIVE_LIMIT,
        f"compression ratio {ratio:.0f}:1 exceeds the limit of {settings.ARCHIVE_MAX_RATIO}:1 (zip bomb?)",
    )


def _too_many_entries(count: int) -> Rejected:
    return Rejected(
        Code.ARCHIVE_LIMIT,
        f"archive has {count} entries; the limit is {settings.ARCHIVE_MAX_ENTRIES}. Split it into smaller archives.",
    )


def _check_directory(source: IO[bytes]) -> None:
    """Check the entry count and directory size the end record declares before zipfile reads the directory."""
    source.seek(0, 2)
    length = source.tell()
    tail_length = min(length, 22 + 65535)  # end record plus the longest possible comment
    source.seek(length - tail_length)
    tail = source.read(tail_length)
    position = tail.rfind(b"PK\x05\x06")
    if position < 0 or len(tail) - position < 22:
        raise Rejected(Code.CORRUPT, "not a readable ZIP archive (no end-of-archive record)")
    entries, directory_size = struct.unpack("<xxxxxxxxxxHI", tail[position : position + 16])
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF:
        entries, directory_size = _zip64_directory(source, length - tail_length + position)
    if entries > settings.ARCHIVE_MAX_ENTRIES:
        raise _too_many_entries(entries)
    if directory_size > max(settings.ARCHIVE_MAX_ENTRIES, 1) * DIRECTORY_BYTES_PER_ENTRY:
        raise Rejected(Code.ARCHIVE_LIMIT, f"archive directory is {directory_size} bytes, too large to read")


def _zip64_directory(source: IO[bytes], end_record_offset: int) -> tuple[int, int]:
    locator_offset = end_record_offset - 20
    if locator_offset < 0:
        raise Rejected(Code.CORRUPT, "not a readable ZIP archive (broken ZIP64 record)")
    source.seek(locator_offset)
    locator = source.read(20)
    if locator[:4] != b"PK\x06\x07":
        raise Rejected(Code.CORRUPT, "not a readable ZIP archive (broken ZIP64 record)")
    (record_offset,) = struct.unpack("<Q", locator[8:16])
    source.seek(record_offset)
    record = source.read(56)
    if len(record) < 56 or record[:4] != b"PK\x06\x06":
        raise Rejected(Code.CORRUPT, "not a readable ZIP archive (broken ZIP64 record)")
    entries, directory_size = struct.unpack("<QQ", record[32:48])
    return entries, directory_size
