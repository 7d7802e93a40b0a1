"""The per-file report of one upload, and the exception that rejects a file with a reason."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class Code(StrEnum):
    """Why a file was rejected, for API clients; the human reason travels next to it."""

    UNSUPPORTED_TYPE = "unsupported_type"
    TOO_LARGE = "too_large"
    TOO_MANY_PIXELS = "too_many_pixels"
    CORRUPT = "corrupt"
    UNSAFE_PATH = "unsafe_path"
    NESTED_ARCHIVE = "nested_archive"
    ARCHIVE_LIMIT = "archive_limit"
    ENCODING = "encoding"
    INVALID = "invalid"
    UNKNOWN_CLASS = "unknown_class"
    WRONG_KIND = "wrong_kind"
    STORAGE = "storage"


class Rejected(Exception):
    """A file (or one record of it) cannot be imported; the reason is shown to the user as is."""

    def __init__(self, code: Code, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


Line = dict[str, Any]


class Report:
    """Report lines in upload order: one per file, archive entry, text line or record.

    Lines are plain dicts (they are stored as JSON on the Upload row); an accepted line gets its item id
    once the batch it belongs to is committed.
    """

    def __init__(self) -> None:
        self.lines: list[Line] = []

    def accepted(self, name: str) -> Line:
        return self._add({"name": name, "status": Status.ACCEPTED.value, "item": None})

    def duplicate(self, name: str, reason: str, item_id: int | None) -> Line:
        return self._add({"name": name, "status": Status.DUPLICATE.value, "reason": reason, "item": item_id})

    def rejected(self, name: str, rejection: Rejected) -> Line:
        return self._add(rejected_line(name, rejection))

    def _add(self, line: Line) -> Line:
        self.lines.append(line)
        return line

    def counts(self) -> Counter[str]:
        return Counter(line["status"] for line in self.lines)


def rejected_line(name: str, rejection: Rejected) -> Line:
    return {"name": name, "status": Status.REJECTED.value, "code": rejection.code.value, "reason": rejection.reason}


def mark_rejected(line: Line, rejection: Rejected) -> None:
    """Rewrite a line in place (it already sits in the report) when its batch could not be saved."""
    name = line["name"]
    line.clear()
    line.update(rejected_line(name, rejection))
