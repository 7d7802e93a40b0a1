from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from projects import selectors

LOGIN_ATTEMPTS_PER_MINUTE = 10


class ThrottledLoginView(LoginView):
    """Session login, throttled per client address like the token endpoint."""

    template_name = "frontend/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        key = f"login-attempts:{request.META.get('REMOTE_ADDR', '')}"
        attempts = cache.get_or_set(key, 0, timeout=60)
        if attempts >= LOGIN_ATTEMPTS_PER_MINUTE:
            return HttpResponse("Too many login attempts; wait a minute and try again.", status=429)
        cache.incr(key)
        return super().post(request, *args, **kwargs)


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = selectors.projects_for_user(request.user)  # type: ignore[arg-type]
    return render(request, "frontend/project_list.html", {"projects": projects})
