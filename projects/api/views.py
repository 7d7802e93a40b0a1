from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.throttling import ScopedRateThrottle

from projects import selectors, services
from projects.access import Ability, get_membership, require
from projects.api.base import ProjectScopedViewSet, ServiceErrorMixin, current_user, parse_id, scoped_get
from projects.api.serializers import (
    BulkSplitSerializer,
    DatasetSerializer,
    DatasetVersionSerializer,
    ItemSerializer,
    ItemSplitSerializer,
    LabelClassSerializer,
    MembershipRoleSerializer,
    MembershipSerializer,
    ProjectSerializer,
    RandomSplitSerializer,
)
from projects.models import DatasetVersion, Item, ItemStatus, LabelClass, Membership, Project, Split


class ProjectViewSet(ServiceErrorMixin, viewsets.ModelViewSet):  # type: ignore[type-arg]
    """Projects the user is a member of. Anyone signed in may create one and becomes its manager."""

    serializer_class = ProjectSerializer

    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Project]:
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return selectors.projects_for_user(current_user(self.request))

    def get_object(self) -> Project:
        membership = get_membership(self.kwargs["pk"], self.request.user)
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            require(membership, Ability.MANAGE)
        return scoped_get(self.get_queryset(), pk=membership.project_id)  # type: ignore[return-value]

    def perform_create(self, serializer: BaseSerializer[Project]) -> None:
        project = services.create_project(user=current_user(self.request), **serializer.validated_data)
        serializer.instance = selectors.projects_for_user(self.request.user).get(pk=project.pk)  # type: ignore[arg-type]

    def perform_update(self, serializer: BaseSerializer[Project]) -> None:
        assert serializer.instance is not None
        services.update_project(serializer.instance, **serializer.validated_data)
        serializer.instance = self.get_object()

    def perform_destroy(self, instance: Project) -> None:
        services.delete_project(instance)


class LabelClassViewSet(ProjectScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The project's label schema. Renaming keeps ids; deleting a class in use answers 409."""

    serializer_class = LabelClassSerializer
    pagination_class = None

    def scoped_queryset(self) -> QuerySet[LabelClass]:
        return LabelClass.objects.filter(project=self.project)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = LabelClassSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        label_class = services.create_class(project=self.project, **data.validated_data)
        return Response(LabelClassSerializer(label_class).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        label_class = self.get_object()
        data = LabelClassSerializer(label_class, data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        label_class = services.update_class(label_class, **data.validated_data)
        return Response(LabelClassSerializer(label_class).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(responses={204: None, 409: OpenApiResponse(description="The class is used by annotations.")})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.delete_class(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class MembershipViewSet(ProjectScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = MembershipSerializer

    def scoped_queryset(self) -> QuerySet[Membership]:
        return Membership.objects.filter(project=self.project).select_related("user")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = MembershipSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.add_member(project=self.project, **data.validated_data)
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MembershipRoleSerializer, responses=MembershipSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = MembershipRoleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.change_role(self.get_object(), data.validated_data["role"])
        return Response(MembershipSerializer(membership).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.remove_member(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class DatasetViewSet(ProjectScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = DatasetSerializer

    def scoped_queryset(self) -> QuerySet[Any]:
        return self.project.datasets.all()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = DatasetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dataset = services.create_dataset(project=self.project, user=current_user(request), **data.validated_data)
        return Response(DatasetSerializer(dataset).data, status=status.HTTP_201_CREATED)


class DatasetVersionViewSet(ProjectScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Usable (ready) versions only: a version still being built is never listed."""

    serializer_class = DatasetVersionSerializer
    filterset_fields = ["dataset", "is_working"]

    def scoped_queryset(self) -> QuerySet[DatasetVersion]:
        return selectors.usable_versions(self.project)


def resolve_version(project: Project, version_id: Any) -> DatasetVersion:
    """The version named by id, or the default dataset's working version."""
    if version_id in (None, ""):
        return selectors.working_version(selectors.default_dataset(project))
    return scoped_get(  # type: ignore[return-value]
        selectors.usable_versions(project), pk=parse_id(version_id, "version")
    )


class ItemFilter(django_filters.FilterSet):
    split = django_filters.ChoiceFilter(choices=[*Split.choices, ("none", "Unassigned")], method="filter_split")
    status = django_filters.MultipleChoiceFilter(choices=ItemStatus.choices)
    kind = django_filters.CharFilter()
    name = django_filters.CharFilter(field_name="original_name", lookup_expr="icontains")
    label_class = django_filters.NumberFilter(method="filter_class", label="Items with a region of this class")

    class Meta:
        model = Item
        fields = ["status", "kind"]

    def filter_split(self, queryset: QuerySet[Item], name: str, value: str) -> QuerySet[Item]:
        # `split` is annotated by selectors.items_in_version (the split in the chosen version).
        return queryset.filter(split="" if value == "none" else value)  # type: ignore[misc]

    def filter_class(self, queryset: QuerySet[Item], name: str, value: int) -> QuerySet[Item]:
        # Regions live in the labeling app; the reverse relation keeps projects free of imports from it.
        return queryset.filter(annotations__regions__label_class_id=int(value)).distinct()


class ItemViewSet(ProjectScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Items of one version (the default dataset's working version unless `?version=` says otherwise)."""

    serializer_class = ItemSerializer
    filterset_class = ItemFilter
    abilities = {"file": Ability.VIEW, "thumbnail": Ability.VIEW}

    def scoped_queryset(self) -> QuerySet[Item]:
        version_id = self.request.query_params.get("version")
        if self.action in ("file", "thumbnail") and version_id in (None, ""):
            # A file is the item's whatever version lists it: the URLs in item bodies name no version.
            return selectors.items_in_usable_versions(self.project)
        version = resolve_version(self.project, version_id)
        return selectors.items_in_version(version).order_by("id")

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.delete_item(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ItemSplitSerializer, responses=ItemSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        data = ItemSplitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = resolve_version(self.project, request.query_params.get("version"))
        services.assign_split(version=version, item_ids=[item.pk], split=data.validated_data["split"])
        return Response(ItemSerializer(self.get_object()).data)

    def _serve(self, field: str) -> FileResponse:
        item = self.get_object()
        stored = getattr(item, field)
        if not stored:
            raise Http404
        response = FileResponse(stored.open("rb"))
        response["Cache-Control"] = "private, max-age=86400"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(responses={(200, "image/*"): bytes})
    @action(detail=True, methods=["get"])
    def file(self, request: Request, *args: Any, **kwargs: Any) -> FileResponse:
        return self._serve("file")

    @extend_schema(responses={(200, "image/webp"): bytes})
    @action(detail=True, methods=["get"])
    def thumbnail(self, request: Request, *args: Any, **kwargs: Any) -> FileResponse:
        return self._serve("thumbnail")

    @extend_schema(request=BulkSplitSerializer, responses={200: OpenApiResponse(description="{'updated': n}")})
    @action(detail=False, methods=["post"], url_path="split")
    def bulk_split(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = BulkSplitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = resolve_version(self.project, data.validated_data.get("version"))
        updated = services.assign_split(
            version=version, item_ids=data.validated_data["items"], split=data.validated_data["split"]
        )
        return Response({"updated": updated})

    @extend_schema(request=RandomSplitSerializer, responses={200: OpenApiResponse(description="Counts per split")})
    @action(detail=False, methods=["post"], url_path="random-split")
    def random_split(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = RandomSplitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        options = dict(data.validated_data)
        version = resolve_version(self.project, options.pop("version", None))
        result = services.random_split(version=version, **options)
        return Response({"train": result.train, "val": result.val, "test": result.test})


class ThrottledObtainAuthToken(ObtainAuthToken):
    """POST username and password, get `{"token": ...}` for `Authorization: Token …`. Throttled."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
