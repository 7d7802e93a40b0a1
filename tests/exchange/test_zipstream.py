"""The streaming ZIP writer: valid archives, produced in bounded chunks, the same bytes every time."""

from __future__ import annotations

import io
import os
import zipfile

from exchange.formats.base import OutFile
from exchange.zipstream import FLUSH_BYTES, stream_zip


def _files():
    # 6 MB of incompressible data in 64 KB pieces, plus a small text file.
    yield OutFile("labels/big.bin", (os.urandom(64 * 1024) for _ in range(96)), large=True)
    yield OutFile("data.yaml", [b"names: {}\n"])


def test_archive_is_produced_in_bounded_chunks_while_it_is_built():
    chunks = list(stream_zip(_files()))
    assert len(chunks) > 4
    assert max(len(chunk) for chunk in chunks) < FLUSH_BYTES + 128 * 1024
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as archive:
        assert archive.testzip() is None
        assert [info.filename for info in archive.infolist()] == ["labels/big.bin", "data.yaml"]
        assert archive.getinfo("labels/big.bin").file_size == 96 * 64 * 1024


def test_same_entries_give_the_same_bytes_with_fixed_timestamps():
    entries = [OutFile("a.txt", [b"alpha\n"]), OutFile("b/c.json", [b'{"x":1}'])]
    first = b"".join(stream_zip(entries))
    second = b"".join(stream_zip([OutFile("a.txt", [b"alpha\n"]), OutFile("b/c.json", [b'{"x":1}'])]))
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_images_are_stored_and_labels_deflated():
    data = b"".join(stream_zip([OutFile("images/x.png", [b"\x89PNG" + b"0" * 100]), OutFile("x.txt", [b"0" * 100])]))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("images/x.png").compress_type == zipfile.ZIP_STORED
        assert archive.getinfo("x.txt").compress_type == zipfile.ZIP_DEFLATED
