"""Page views: each renders a template with the project and the user's role; data comes from the API in JS."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from frontend import services
from frontend.navigation import optional_url, project_nav
from projects import selectors
from projects.access import Ability, get_membership, role_can
from projects.models import IMAGE_KINDS, TEXT_KINDS, AnnotationKind, Item, Membership, Role

LOGIN_ATTEMPTS_PER_MINUTE = 10


class ThrottledLoginView(LoginView):
    """Session login, throttled per client address like the token endpoint."""

    template_name = "frontend/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        key = f"login-attempts:{request.META.get('REMOTE_ADDR', '')}"
        attempts = cache.get_or_set(key, 0, timeout=60) or 0
        if attempts >= LOGIN_ATTEMPTS_PER_MINUTE:
            return HttpResponse("Too many login attempts; wait a minute and try again.", status=429)
        cache.incr(key)
        return super().post(request, *args, **kwargs)


def kind_choices() -> dict[str, list[tuple[str, str]]]:
    """Annotation kinds grouped the way the project form shows them."""
    return {
        "image": [(value, label) for value, label in AnnotationKind.choices if value in IMAGE_KINDS],
        "text": [(value, label) for value, label in AnnotationKind.choices if value in TEXT_KINDS],
    }


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = selectors.projects_for_user(request.user)  # type: ignore[arg-type]
    return render(request, "frontend/project_list.html", {"projects": projects, "kinds": kind_choices()})


def project_context(membership: Membership, active: str) -> dict[str, Any]:
    """What every page of a project needs: the project, the user's role, the navigation and API roots."""
    project_id = membership.project_id
    return {
        "project": membership.project,
        "role": membership.role,
        "can_manage": role_can(membership.role, Ability.MANAGE),
        "project_nav": project_nav(membership, active),
        "project_api": reverse("project-detail", kwargs={"pk": project_id}),
        "project_page": reverse("frontend:project-detail", kwargs={"project_id": project_id}),
    }


@login_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = get_membership(project_id, request.user)  # 404 for non-members, like the API
    return render(request, "frontend/project_detail.html", project_context(membership, "items"))


@login_required
def project_upload(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = get_membership(project_id, request.user)
    uses_classes = bool({"image_class", "text_class"} & set(membership.project.kinds))
    context = {**project_context(membership, "upload"), "uses_classes": uses_classes}
    return render(request, "frontend/project_upload.html", context)


@login_required
def project_settings(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = get_membership(project_id, request.user)
    context = {**project_context(membership, "settings"), "kinds": kind_choices(), "roles": Role.choices}
    return render(request, "frontend/project_settings.html", context)


@login_required
def item_detail(request: HttpRequest, project_id: int, item_id: int) -> HttpResponse:
    membership = get_membership(project_id, request.user)
    item = get_object_or_404(Item.objects.only("id", "kind", "original_name"), project_id=project_id, pk=item_id)
    context = {
        **project_context(membership, "items"),
        "item": item,
        "item_api": reverse("item-detail", kwargs={"project_pk": project_id, "pk": item_id}),
        "label_url": optional_url("frontend:label-item", project_id=project_id, item_id=item_id),
    }
    return render(request, "frontend/item_detail.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_token(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required: never anonymous here
    if request.method == "POST":
        services.regenerate_token(user)
        return redirect("frontend:api-token")
    token = Token.objects.filter(user=user).first()
    projects_url = request.build_absolute_uri(reverse("project-list"))
    return render(request, "frontend/api_token.html", {"token": token, "projects_url": projects_url})
