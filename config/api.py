"""API conventions shared by every app: error shape, pagination, conditional-request helpers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource changed since you read it."
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "This request must be conditional: send If-Match with the ETag you read."
    default_code = "precondition_required"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error structure into {"field.sub[0].x": [messages]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = str(key) if not prefix else (f"{prefix}.{key}" if key != "non_field_errors" else prefix)
            for sub_key, messages in _flatten(value, name).items():
                flat.setdefault(sub_key, []).extend(messages)
    elif isinstance(errors, list):
        if all(not isinstance(e, (dict, list)) for e in errors):
            flat.setdefault(prefix or "non_field_errors", []).extend(str(e) for e in errors)
        else:
            for index, value in enumerate(errors):
                if value:
                    for sub_key, messages in _flatten(value, f"{prefix}[{index}]").items():
                        flat.setdefault(sub_key, []).extend(messages)
    else:
        flat.setdefault(prefix or "non_field_errors", []).append(str(errors))
    return flat


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error answers {"detail": "...", "errors": {field: [messages]}} with its status."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    extra: dict[str, Any] = {}
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(data)
        first = next(iter(errors.items()), None)
        detail = "Invalid input."
        if first:
            field, messages = first
            detail = messages[0] if field == "non_field_errors" else f"{field}: {messages[0]}"
    else:
        errors = {}
        if isinstance(data, dict):
            detail = str(data.get("detail", exc))
            extra = {k: v for k, v in data.items() if k != "detail"}
        else:
            detail = str(data)
    response.data = {"detail": detail, "errors": errors, **extra}
    return response


def api_error(status_code: int, detail: str, **extra: Any) -> Response:
    return Response({"detail": detail, "errors": {}, **extra}, status=status_code)
