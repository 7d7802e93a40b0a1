"""Base classes every project-nested endpoint uses (labeling and augmentation too)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import User
from django.db.models import Model, QuerySet
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.access import Ability, get_membership, require
from projects.models import Membership, Project
from projects.services import ServiceError


def service_error_response(error: ServiceError) -> Response:
    errors = {error.field: [error.message]} if error.field else {}
    return Response({"detail": error.message, "errors": errors, **error.extra}, status=error.status_code)


class ServiceErrorMixin(APIView):
    """Turn a ServiceError raised by a service into its 4xx response."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ServiceError):
            return service_error_response(exc)
        return super().handle_exception(exc)


def current_user(request: Request) -> User:
    """The signed-in user; every API view requires authentication, so never anonymous here."""
    user = request.user
    assert isinstance(user, User), "authentication runs before views"
    return user


class ProjectScopedViewSet(ServiceErrorMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Resolve `project_pk` from the URL: 404 for non-members, 403 for a role without the ability.

    Subclasses name the ability each action needs in `abilities`; anything unnamed needs MANAGE
    for writes and VIEW for reads. They implement `scoped_queryset()`, which may use `self.project`.
    Ids in URLs are digits only, so a malformed id answers 404 from the router.
    """

    abilities: ClassVar[dict[str, Ability]] = {}
    project: Project
    membership: Membership

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication and throttles first
        self.membership = get_membership(self.kwargs["project_pk"], request.user)
        self.project = self.membership.project
        require(self.membership, self.ability_for(request))

    def ability_for(self, request: Request) -> Ability:
        if self.action and self.action in self.abilities:
            return self.abilities[self.action]
        return Ability.VIEW if request.method in ("GET", "HEAD", "OPTIONS") else Ability.MANAGE

    lookup_value_regex = r"[0-9]+"

    def scoped_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no project
            return self.get_serializer_class().Meta.model.objects.none()  # type: ignore[attr-defined, no-any-return]
        return self.scoped_queryset()

    def get_object(self) -> Any:
        return scoped_get(self.get_queryset(), pk=self.kwargs[self.lookup_url_kwarg or self.lookup_field])

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if hasattr(self, "project"):
            context["project"] = self.project
        return context


def parse_id(value: Any, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: ["Must be an integer id."]}) from None
    if number <= 0:
        raise ValidationError({field: ["Must be a positive integer id."]})
    return number


def scoped_get(queryset: QuerySet[Any], **lookup: Any) -> Model:
    """Get one object from an already project-scoped queryset, 404 otherwise (including bad ids)."""
    from django.http import Http404

    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
