"""Errors the labeling services raise; views turn each into its status code."""

from __future__ import annotations

from typing import Any

from projects.services import ConflictError, ServiceError

__all__ = ["ConflictError", "Forbidden", "PreconditionMissing", "ServiceError", "VersionConflict"]


class Forbidden(ServiceError):
    status_code = 403


class PreconditionMissing(ServiceError):
    """An update without If-Match: it would overwrite whatever is there, so it is refused."""

    status_code = 428


class VersionConflict(ServiceError):
    """The client edited an old version: nothing was written; it must reload and merge."""

    status_code = 412

    def __init__(self, annotation: Any, sent: set[int]) -> None:
        sent_text = ", ".join(str(v) for v in sorted(sent))
        super().__init__(
            f"The annotation changed since you read it: you sent version {sent_text}, it is now version "
            f"{annotation.version}. Reload it, merge your changes and send them with the new ETag.",
            current_version=annotation.version,
        )
        self.annotation = annotation
