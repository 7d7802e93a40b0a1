"""Cross-cutting HTTP middleware: request size limit (413) and Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


class RequestSizeLimitMiddleware:
    """Refuse bodies over MAX_REQUEST_BYTES before anything reads them.

    Django only limits non-file bodies (and answers 400); a client uploading a huge archive should
    learn at once, with 413, that the server will not take it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = request.META.get("CONTENT_LENGTH")
        try:
            size = int(length) if length else 0
        except ValueError:
            return JsonResponse({"detail": "Content-Length is not a number.", "errors": {}}, status=400)
        if size > settings.MAX_REQUEST_BYTES:
            return JsonResponse(
                {
                    "detail": f"The request body is {size} bytes; the limit is {settings.MAX_REQUEST_BYTES} bytes. "
                    "Split the upload into smaller requests.",
                    "errors": {},
                },
                status=413,
            )
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Forbid inline scripts everywhere: user text can never become running code."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
