"""Write a ZIP archive as a stream of byte chunks, never holding the archive in memory.

zipfile writes to a non-seekable file object by putting each entry's sizes and CRC in a data
descriptor after its data, so the archive can be produced front to back: the writer here collects
what zipfile writes and hands it out whenever enough has built up. Entries carry a fixed timestamp
(1980-01-01) and fixed permissions, so the same entries in the same order give the same bytes.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator

from exchange.formats.base import OutFile

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
# Hand out bytes once this much has built up: large enough for efficient socket writes, small enough
# that a response holds little.
FLUSH_BYTES = 1024 * 1024
# Already-compressed files (images) are stored as they are: deflating them again costs time for nothing.
STORED_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".zip")
DEFLATE_LEVEL = 1


class _Sink:
    """A write-only file object; zipfile wraps it to count positions because it cannot tell()."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        if data:
            self.parts.append(bytes(data))
            self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def entry_info(path: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=FIXED_DATE)
    info.create_system = 3  # Unix, whatever machine made the archive
    info.external_attr = (0o100644 & 0xFFFF) << 16
    stored = path.lower().endswith(STORED_SUFFIXES)
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    # Label text compresses well even at the fastest level, which deflates several times faster than
    # the default; the level is fixed, so the bytes are the same every time.
    info._compresslevel = DEFLATE_LEVEL  # type: ignore[attr-defined]  # no public setter before Python 3.13
    return info


def stream_zip(files: Iterable[OutFile]) -> Iterator[bytes]:
    """The ZIP of `files`, in their order, as chunks of about FLUSH_BYTES."""
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", allowZip64=True) as archive:  # type: ignore[call-overload]
        for out in files:
            with archive.open(entry_info(out.path), mode="w", force_zip64=out.large) as entry:
                for chunk in out.chunks:
                    entry.write(chunk)
                    if sink.size >= FLUSH_BYTES:
                        yield sink.drain()
            if sink.size >= FLUSH_BYTES:
                yield sink.drain()
    tail = sink.drain()
    if tail:
        yield tail
