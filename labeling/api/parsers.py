"""Request parsers for annotation endpoints: a size limit answered with 413, and a nesting limit.

DRF's JSON parser reads the whole stream whatever its size and lets Python's parser recurse as deep as
the body nests; these read at most the limit and refuse bodies nested deeper than
ANNOTATION_MAX_JSON_DEPTH. NaN and Infinity parse to floats so that validation can name the field
that holds them, instead of failing the whole body with an anonymous parse error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, DataAndFiles, MultiPartParser

from config.api import PayloadTooLarge


def _limit_from(parser_context: Mapping[str, Any] | None, default_setting: str) -> int:
    view = (parser_context or {}).get("view")
    setting = getattr(view, "max_body_setting", default_setting)
    return int(getattr(settings, setting))


def _check_declared_length(parser_context: Mapping[str, Any] | None, limit: int) -> None:
    request = (parser_context or {}).get("request")
    declared = request.META.get("CONTENT_LENGTH") if request is not None else None
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"The request body is {int(declared)} bytes; the limit here is {limit} bytes.")


def loads_limited(raw: bytes | str, *, max_depth: int | None = None) -> Any:
    """Parse JSON, refusing nesting deeper than the limit with a ParseError (400)."""
    depth_limit = settings.ANNOTATION_MAX_JSON_DEPTH if max_depth is None else max_depth
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        data = json.loads(text, parse_constant=float)
    except RecursionError:
        raise ParseError(f"JSON nested deeper than {depth_limit} levels.") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise ParseError(f"JSON parse error - {error}") from None
    if _depth_exceeds(data, depth_limit):
        raise ParseError(f"JSON nested deeper than {depth_limit} levels.")
    return data


def _depth_exceeds(data: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class LimitedJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        limit = _limit_from(parser_context, "ANNOTATION_MAX_BODY_BYTES")
        _check_declared_length(parser_context, limit)
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge(f"The request body is over the limit of {limit} bytes.")
        return loads_limited(raw)


class LimitedMultiPartParser(MultiPartParser):
    """Multipart bodies (a mask PNG with a `payload` JSON part) under the same size limit."""

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> DataAndFiles:  # type: ignore[type-arg]
        limit = _limit_from(parser_context, "ANNOTATION_MAX_BODY_BYTES")
        _check_declared_length(parser_context, limit)
        try:
            return super().parse(stream, media_type, parser_context)
        except RequestDataTooBig:
            raise PayloadTooLarge("A form field of the request is over the size limit.") from None
