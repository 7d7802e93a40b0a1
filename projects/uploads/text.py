"""Turn .txt, .csv/.tsv and .jsonl files into text records, checking encoding, size and spans.

A file is decoded twice: a first streaming pass checks that all of it decodes with the chosen encoding
and holds no NUL character (so a Latin-1 file uploaded as UTF-8 is refused whole, with the byte offset
and the option to set, instead of half-imported), the second pass parses records. Neither pass holds
more than one record in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, TypeGuard

from projects.uploads.report import Code, Rejected

DECODE_CHUNK = 1024 * 1024
UTF8_BOM = codecs.BOM_UTF8
UTF8_NAMES = frozenset({"utf-8", "utf-8-sig"})
# A CSV or JSONL line also carries other fields, quoting and escapes around the text itself.
RECORD_OVERHEAD_CHARS = 64 * 1024
# Line ends as readline() returns them: translated to \n, or untranslated (\r\n, \r) for CSV.
_NEWLINES = ("\n", "\r")


@dataclass(frozen=True)
class TextOptions:
    txt_mode: str  # "lines" or "file"
    text_column: str
    label_column: str
    encoding: str  # a codec name accepted by resolve_codec
    max_chars: int
    allow_overlapping_spans: bool


@dataclass
class TextRecord:
    where: str  # "line 3", "row 12"; "" for a whole file
    text: str
    text_class: str | list[str] | None = None
    spans: list[dict[str, Any]] | None = None


@dataclass
class RejectedRecord:
    where: str
    rejection: Rejected


def resolve_codec(name: str) -> str:
    """The canonical codec name for an `encoding` option; ValueError with a message when it is not one."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise ValueError(f"Unknown encoding {name!r}; use a name such as utf-8, latin-1, cp1252 or utf-16.") from None
    # Codecs such as base64 or rot13 transform bytes to bytes or str to str and are not text encodings.
    if not getattr(info, "_is_text_encoding", True):
        raise ValueError(f"{name!r} is not a text encoding; use a name such as utf-8, latin-1 or utf-16.")
    return info.name


def read_records(source: IO[bytes], text_format: str, options: TextOptions) -> Iterator[TextRecord | RejectedRecord]:
    """Yield the file's records. Raises Rejected when the file as a whole cannot be read."""
    start = _check_decodes(source, options.encoding)
    source.seek(start)
    codec = "utf-8" if options.encoding in UTF8_NAMES else options.encoding
    if text_format in ("csv", "tsv"):
        stream = io.TextIOWrapper(_binary(source), encoding=codec, newline="")
    else:
        stream = io.TextIOWrapper(_binary(source), encoding=codec)  # universal newlines: \r\n and \r become \n
    try:
        if text_format == "txt" and options.txt_mode == "file":
            yield from _whole_file(stream, options)
        elif text_format == "txt":
            yield from _lines(stream, options)
        elif text_format == "jsonl":
            yield from _jsonl(stream, options)
        else:
            yield from _csv(stream, options, delimiter="\t" if text_format == "tsv" else ",")
    finally:
        stream.detach()  # the upload owns the file; closing the wrapper would close it


def _binary(source: IO[bytes]) -> Any:
    # Django's File objects wrap the real file object; TextIOWrapper needs the buffered file itself.
    return getattr(source, "file", source)


def _check_decodes(source: IO[bytes], encoding: str) -> int:
    """Decode everything once; return where the text starts (after a UTF-8 BOM) or raise Rejected."""
    source.seek(0)
    start = 3 if encoding in UTF8_NAMES and source.read(3) == UTF8_BOM else 0
    source.seek(start)
    codec = "utf-8" if encoding in UTF8_NAMES else encoding
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    offset = start
    line = 1
    while True:
        chunk = source.read(DECODE_CHUNK)
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as error:
            raise _decode_rejection(codec, offset - pending + error.start) from None
        nul = text.find("\x00")
        if nul >= 0:
            raise Rejected(
                Code.ENCODING,
                f"contains a NUL character on line {line + text.count(chr(10), 0, nul)}; text files must not "
                "(is it a binary file, or UTF-16 text? then upload again with encoding=utf-16)",
            )
        line += text.count("\n")
        offset += len(chunk)
        if not chunk:
            return start


def _decode_rejection(codec: str, position: int) -> Rejected:
    if codec == "utf-8":
        return Rejected(
            Code.ENCODING,
            f"not valid UTF-8 at byte {position}; if the file is Latin-1 (or Windows-1252), upload it again "
            "with encoding=latin-1 (or encoding=cp1252)",
        )
    return Rejected(
        Code.ENCODING, f"not valid {codec} at byte {position}; upload it again with the right encoding option"
    )


def _too_long(length: int | str, options: TextOptions) -> Rejected:
    return Rejected(
        Code.TOO_LARGE, f"text has {length} characters; the limit is {options.max_chars} (TEXT_ITEM_MAX_CHARS)"
    )


def _whole_file(stream: io.TextIOWrapper, options: TextOptions) -> Iterator[TextRecord | RejectedRecord]:
    text = stream.read(options.max_chars + 1)
    if len(text) > options.max_chars:
        raise _too_long(f"more than {options.max_chars}", options)
    if not text.strip():
        raise Rejected(Code.INVALID, "the file holds no text")
    yield TextRecord("", text)


def _bounded_lines(stream: io.TextIOWrapper, limit: int) -> Iterator[tuple[int, str | None]]:
    """(line number, line without its newline); None for a line longer than `limit`, which is skipped unread."""
    number = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(_NEWLINES):
            while (rest := stream.readline(DECODE_CHUNK)) and not rest.endswith(_NEWLINES):
                pass
            yield number, None
            continue
        yield number, line.rstrip("\n")


def _lines(stream: io.TextIOWrapper, options: TextOptions) -> Iterator[TextRecord | RejectedRecord]:
    seen_text = False
    for number, line in _bounded_lines(stream, options.max_chars):
        where = f"line {number}"
        if line is None:
            yield RejectedRecord(where, _too_long(f"more than {options.max_chars}", options))
            seen_text = True
        elif line.strip():  # blank lines are skipped without a report line
            seen_text = True
            yield TextRecord(where, line)
    if not seen_text:
        raise Rejected(Code.INVALID, "the file holds no text (only blank lines)")


def _jsonl(stream: io.TextIOWrapper, options: TextOptions) -> Iterator[TextRecord | RejectedRecord]:
    seen_record = False
    for number, line in _bounded_lines(stream, 2 * options.max_chars + RECORD_OVERHEAD_CHARS):
        where = f"line {number}"
        if line is None:
            seen_record = True
            yield RejectedRecord(where, _too_long(f"more than {options.max_chars}", options))
            continue
        if not line.strip():
            continue
        seen_record = True
        try:
            yield _json_record(where, line, options)
        except Rejected as rejection:
            yield RejectedRecord(where, rejection)
    if not seen_record:
        raise Rejected(Code.INVALID, "the file holds no records (only blank lines)")


def _json_record(where: str, line: str, options: TextOptions) -> TextRecord:
    try:
        data = json.loads(line)
    except (ValueError, RecursionError) as error:
        raise Rejected(Code.INVALID, f"not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise Rejected(Code.INVALID, 'each line must be a JSON object such as {"text": "..."}')
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise Rejected(Code.INVALID, 'the "text" field is missing, empty or not a string')
    if len(text) > options.max_chars:
        raise _too_long(len(text), options)
    label = data.get("label")
    if label is not None and not (
        (isinstance(label, str) and label.strip())
        or (isinstance(label, list) and label and all(isinstance(name, str) and name.strip() for name in label))
    ):
        raise Rejected(Code.INVALID, '"label" must be a class name or a list of class names')
    spans = data.get("spans")
    if spans is not None:
        spans = validate_spans(spans, text, allow_overlapping=options.allow_overlapping_spans)
    return TextRecord(where, text, text_class=label, spans=spans or None)


def validate_spans(spans: Any, text: str, *, allow_overlapping: bool) -> list[dict[str, Any]]:
    """Spans as [{"start", "end", "label"}] with code-point offsets, 0 <= start < end <= len(text)."""
    if not isinstance(spans, list):
        raise Rejected(Code.INVALID, '"spans" must be a list of {"start", "end", "label"} objects')
    cleaned: list[tuple[int, int, str]] = []
    for index, span in enumerate(spans):
        if not isinstance(span, dict):
            raise Rejected(Code.INVALID, f"span {index} is not an object")
        start, end, label = span.get("start"), span.get("end"), span.get("label")
        if not _is_offset(start) or not _is_offset(end):
            raise Rejected(Code.INVALID, f"span {index}: start and end must be integers (code-point offsets)")
        if not 0 <= start < end <= len(text):
            raise Rejected(
                Code.INVALID,
                f"span {index} ({start}-{end}) is not inside the text (0-{len(text)}) with start < end",
            )
        if not isinstance(label, str) or not label.strip():
            raise Rejected(Code.INVALID, f"span {index}: label must be a class name")
        cleaned.append((start, end, label.strip()))
    if not allow_overlapping:
        for (start, end, _), (next_start, next_end, _) in itertools.pairwise(sorted(cleaned)):
            if next_start < end:
                raise Rejected(
                    Code.INVALID,
                    f"spans {start}-{end} and {next_start}-{next_end} overlap; "
                    "this project does not allow overlapping spans",
                )
    return [{"start": start, "end": end, "label": label} for start, end, label in cleaned]


def _is_offset(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _csv(stream: io.TextIOWrapper, options: TextOptions, *, delimiter: str) -> Iterator[TextRecord | RejectedRecord]:
    overlong: list[int] = []
    limit = 2 * options.max_chars + RECORD_OVERHEAD_CHARS

    def physical_lines() -> Iterator[str]:
        for number, line in _bounded_lines(stream, limit):
            if line is None:
                overlong.append(number)
                yield "\n"  # an empty row in its place; the rejection is reported below
            else:
                yield line + "\n"

    reader = csv.reader(physical_lines(), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise Rejected(Code.INVALID, "the file is empty") from None
    except csv.Error as error:
        raise Rejected(Code.INVALID, f"the header row is not valid CSV ({error})") from None
    text_index = _column(header, options.text_column, "text_column")
    label_index = _column(header, options.label_column, "label_column") if options.label_column else None
    row_number = 1  # the header is row 1, as in a spreadsheet
    while True:
        row_number += 1
        where = f"row {row_number}"
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield RejectedRecord(where, Rejected(Code.INVALID, f"not valid CSV ({error})"))
            continue
        if overlong:
            overlong.clear()
            yield RejectedRecord(where, _too_long(f"more than {options.max_chars}", options))
            continue
        if not row or not any(cell.strip() for cell in row):
            continue  # blank rows are skipped without a report line (but still counted, as a spreadsheet does)
        if len(row) <= max(text_index, label_index or 0):
            yield RejectedRecord(
                where, Rejected(Code.INVALID, f"row has {len(row)} fields; the header has {len(header)}")
            )
            continue
        text = row[text_index]
        if not text.strip():
            yield RejectedRecord(where, Rejected(Code.INVALID, f"column {header[text_index]!r} is empty"))
            continue
        if len(text) > options.max_chars:
            yield RejectedRecord(where, _too_long(len(text), options))
            continue
        label = row[label_index].strip() if label_index is not None else ""
        yield TextRecord(where, text, text_class=label or None)


def _column(header: list[str], wanted: str, option: str) -> int:
    if wanted in header:
        return header.index(wanted)
    relaxed = [i for i, name in enumerate(header) if name.strip().casefold() == wanted.strip().casefold()]
    if len(relaxed) == 1:
        return relaxed[0]
    found = ", ".join(repr(name) for name in header) or "none"
    raise Rejected(
        Code.INVALID,
        f"column {wanted!r} not found (400); the columns are: {found}. Set {option} to one of them.",
    )
