"""Annotation API: annotations and regions, the work queue, time sessions, review, agreement, predictions.

Every annotation answer carries `ETag: "<version>"`; every change needs `If-Match` with it (428 without,
412 with the current version and representation when stale).
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import Pagination, PreconditionRequired
from labeling import selectors
from labeling.api.parsers import LimitedJSONParser, LimitedMultiPartParser, loads_limited
from labeling.api.serializers import (
    AnnotationSerializer,
    AnnotationWriteSerializer,
    AssignmentSerializer,
    AssignSerializer,
    HandoutSerializer,
    OpenSessionSerializer,
    PredictionImportSerializer,
    ReviewSerializer,
    SkipSerializer,
    SubmitSerializer,
    TimeReportSerializer,
    WorkSessionSerializer,
)
from labeling.models import (
    Annotation,
    AnnotationStatus,
    Assignment,
    AssignmentStatus,
    Region,
    SessionOutcome,
    WorkSession,
)
from labeling.services import annotations as annotation_services
from labeling.services import predictions, queue, review, timing
from labeling.services.errors import VersionConflict
from labeling.validation import Schema, validate_regions, validate_time_report
from projects.access import Ability, role_can
from projects.api.base import ProjectScopedViewSet, parse_id, scoped_get, service_error_response
from projects.models import AnnotationKind, Item

ETAG_PART = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")

BOX_EXAMPLE = {"key": "r1", "kind": "bbox", "label_class": 3, "x": 10.5, "y": 20, "width": 100, "height": 50}
WRITE_EXAMPLE = OpenApiExample(
    "Boxes with a time report",
    value={
        "regions": [BOX_EXAMPLE, {"kind": "image_class", "label_class": 4}],
        "time": {
            "session": 41,
            "active_ms": 52000,
            "events": [
                {
                    "type": "created",
                    "region_key": "r1",
                    "tool": "bbox",
                    "label_class": 3,
                    "started_at_ms": 1200,
                    "duration_ms": 2300,
                }
            ],
        },
        "submit": False,
    },
    request_only=True,
)
IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True, description='The ETag you read, e.g. "3".'
)


def if_match_versions(request: Request) -> set[int] | None:
    """Versions named by If-Match, or None when the header is absent."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    versions: set[int] = set()
    for part in header.split(","):
        match = ETAG_PART.match(part)
        if match is None:
            raise ValidationError({"If-Match": ['Send the ETag you read, e.g. "3" (not *).']})
        versions.add(int(match.group(1)))
    return versions


def require_if_match(request: Request) -> set[int]:
    versions = if_match_versions(request)
    if versions is None:
        raise PreconditionRequired()
    return versions


def etag_headers(annotation: Annotation) -> dict[str, str]:
    return {"ETag": annotation.etag}


def annotation_body(request: Request) -> tuple[Any, dict[str, Any]]:
    """The JSON body, or for multipart requests the `payload` part and the files (mask PNGs)."""
    if (request.content_type or "").startswith("multipart/form-data"):
        payload = request.data.get("payload")  # type: ignore[union-attr]
        if not isinstance(payload, str):
            raise ValidationError({"payload": ["Send the annotation JSON in a form field named payload."]})
        return loads_limited(payload), dict(request.FILES.items())
    return request.data, {}


class LabelingViewSet(ProjectScopedViewSet):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # The membership's user is the request's user; saves services a query for it.
        self.membership.user = request.user  # type: ignore[assignment]


class FirstPageCountPagination(Pagination):
    """Page-number pagination that skips the COUNT query when everything fits on the first page."""

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        page_size = self.get_page_size(request)
        if not page_size or request.query_params.get(self.page_query_param, "1") != "1":
            return super().paginate_queryset(queryset, request, view)
        rows = list(queryset[: page_size + 1])
        if len(rows) > page_size:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        # A Django paginator over a list counts with len(): no query.
        self.page = self.django_paginator_class(rows, page_size).page(1)
        return rows


class AnnotationViewMixin:
    """Shared by the item-nested and project-level annotation endpoints."""

    parser_classes = [LimitedJSONParser, LimitedMultiPartParser]
    project: Any
    membership: Any
    request: Request

    def write_context(self, item: Item, files: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"schema": Schema.of(self.project), "item": item, "files": files or {}}

    def annotation_response(self, annotation: Annotation, status_code: int = 200, **headers: str) -> Response:
        body = AnnotationSerializer(annotation, context={"user": self.request.user}).data
        return Response(body, status=status_code, headers={**etag_headers(annotation), **headers})

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, VersionConflict):
            response = service_error_response(exc)
            response.data["current"] = AnnotationSerializer(exc.annotation, context={"user": self.request.user}).data
            response["ETag"] = exc.annotation.etag
            return response
        return super().handle_exception(exc)  # type: ignore[misc, no-any-return]


class AnnotationFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=AnnotationStatus.choices)

    class Meta:
        model = Annotation
        fields = ["item", "annotator", "status", "is_prediction", "model_name"]


class ItemAnnotationViewSet(AnnotationViewMixin, LabelingViewSet):  # type: ignore[misc]
    """An item's annotations (yours and predictions, or everyone's for reviewers and managers)."""

    serializer_class = AnnotationSerializer
    pagination_class = FirstPageCountPagination
    abilities = {"list": Ability.VIEW, "create": Ability.ANNOTATE, "replace": Ability.ANNOTATE}

    def get_item(self) -> Item:
        return scoped_get(Item.objects.filter(project=self.project), pk=self.kwargs["item_pk"])  # type: ignore[return-value]

    def get_queryset(self) -> QuerySet[Annotation]:
        if getattr(self, "swagger_fake_view", False):
            return Annotation.objects.none()
        return selectors.annotations_with_regions(self.membership).filter(item=self.get_item())

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if getattr(self, "swagger_fake_view", False):
            return Response([])
        # An item has a handful of annotations: read them first and look the item up only when there
        # are none (to tell an empty item from one that is not there), saving a query on every read.
        annotations = selectors.annotations_with_regions(self.membership).filter(item_id=self.kwargs["item_pk"])
        page = self.paginate_queryset(annotations)
        if not page:
            self.get_item()
        serializer = AnnotationSerializer(page, many=True, context={"user": request.user})
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        request=AnnotationWriteSerializer,
        responses={201: AnnotationSerializer, 409: OpenApiResponse(description="You already annotated this item.")},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="A retry with the same key returns the first result instead of a duplicate.",
            )
        ],
        examples=[WRITE_EXAMPLE],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_item()
        key = request.headers.get("Idempotency-Key", "")
        if key and not IDEMPOTENCY_KEY.match(key):
            raise ValidationError({"Idempotency-Key": ["Use 1 to 200 visible ASCII characters."]})
        body, files = annotation_body(request)
        data = AnnotationWriteSerializer(data=body, context=self.write_context(item, files))
        data.is_valid(raise_exception=True)
        annotation, replayed = annotation_services.create_annotation(
            project=self.project,
            item=item,
            membership=self.membership,
            regions=data.validated_data["regions"],
            idempotency_key=key,
            report=data.validated_data.get("time"),
            submit=data.validated_data.get("submit", False),
        )
        headers = {"Location": f"/api/v1/projects/{self.project.pk}/annotations/{annotation.pk}/"}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return self.annotation_response(annotation, status.HTTP_201_CREATED, **headers)

    @extend_schema(
        request=AnnotationWriteSerializer,
        responses={200: AnnotationSerializer, 201: AnnotationSerializer},
        parameters=[
            OpenApiParameter(
                "If-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Required when you already have an annotation of this item.",
            )
        ],
        examples=[WRITE_EXAMPLE],
    )
    def replace(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create or replace all regions of your annotation of this item in one request."""
        item = self.get_item()
        body, files = annotation_body(request)
        data = AnnotationWriteSerializer(data=body, context=self.write_context(item, files))
        data.is_valid(raise_exception=True)
        annotation, created = annotation_services.save_item_regions(
            project=self.project,
            item=item,
            membership=self.membership,
            regions=data.validated_data["regions"],
            expected_versions=if_match_versions(request),
            report=data.validated_data.get("time"),
            submit=data.validated_data.get("submit", False),
        )
        return self.annotation_response(annotation, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class AnnotationViewSet(AnnotationViewMixin, LabelingViewSet, mixins.ListModelMixin):  # type: ignore[misc]
    """Annotations of the project you may see; each with its regions and ETag."""

    serializer_class = AnnotationSerializer
    filterset_class = AnnotationFilter
    abilities = {
        "update": Ability.ANNOTATE,
        "partial_update": Ability.ANNOTATE,
        "destroy": Ability.ANNOTATE,
        "submit": Ability.ANNOTATE,
        "review": Ability.REVIEW,
    }

    def get_queryset(self) -> QuerySet[Annotation]:
        if getattr(self, "swagger_fake_view", False):
            return Annotation.objects.none()
        return selectors.annotations_with_regions(self.membership)

    def get_object(self) -> Annotation:
        annotation: Annotation = scoped_get(  # type: ignore[assignment]
            selectors.annotations_for(self.membership).select_related("item"), pk=self.kwargs["pk"]
        )
        annotation.project = self.project
        return annotation

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "user": self.request.user}

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        annotation = scoped_get(self.get_queryset(), pk=self.kwargs["pk"])
        return self.annotation_response(annotation)  # type: ignore[arg-type]

    @extend_schema(request=AnnotationWriteSerializer, parameters=[IF_MATCH], examples=[WRITE_EXAMPLE])
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        annotation = self.get_object()
        expected = require_if_match(request)
        body, files = annotation_body(request)
        partial = kwargs.get("partial", False)
        data = AnnotationWriteSerializer(data=body, partial=partial, context=self.write_context(annotation.item, files))
        data.is_valid(raise_exception=True)
        annotation = annotation_services.revise_annotation(
            annotation,
            membership=self.membership,
            expected_versions=expected,
            regions=data.validated_data.get("regions"),
            report=data.validated_data.get("time"),
            submit=data.validated_data.get("submit", False),
        )
        return self.annotation_response(annotation)

    @extend_schema(request=AnnotationWriteSerializer, parameters=[IF_MATCH])
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Like PUT, but regions are optional: without them, only report time and/or submit."""
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(parameters=[IF_MATCH], responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        annotation = self.get_object()
        annotation_services.delete_annotation(
            annotation, membership=self.membership, expected_versions=require_if_match(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=SubmitSerializer, responses=AnnotationSerializer, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        annotation = self.get_object()
        expected = require_if_match(request)
        data = SubmitSerializer(data=request.data, context=self.write_context(annotation.item))
        data.is_valid(raise_exception=True)
        annotation = annotation_services.revise_annotation(
            annotation,
            membership=self.membership,
            expected_versions=expected,
            report=data.validated_data.get("time"),
            submit=True,
        )
        return self.annotation_response(annotation)

    @extend_schema(
        request=ReviewSerializer,
        responses=AnnotationSerializer,
        parameters=[IF_MATCH],
        examples=[
            OpenApiExample("Reject", value={"decision": "reject", "comment": "The dog's tail is cut off."}),
            OpenApiExample(
                "Correct and accept",
                value={"decision": "accept", "comment": "Tightened a box.", "regions": [BOX_EXAMPLE]},
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Accept or reject (a rejection needs a comment); `regions` corrects the annotation in a new version."""
        annotation = self.get_object()
        expected = require_if_match(request)
        body, files = annotation_body(request)
        data = ReviewSerializer(data=body, context=self.write_context(annotation.item, files))
        data.is_valid(raise_exception=True)
        annotation = review.review_annotation(
            annotation,
            membership=self.membership,
            expected_versions=expected,
            decision=data.validated_data["decision"],
            comment=data.validated_data.get("comment", ""),
            regions=data.validated_data.get("regions"),
            report=data.validated_data.get("time"),
        )
        return self.annotation_response(annotation)

    @extend_schema(responses={200: OpenApiResponse(description="{annotation, versions: [...], reviews: [...]}")})
    @action(detail=True, methods=["get"])
    def history(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Every version (who, why, status, regions) and every review, oldest first."""
        return Response(selectors.history_of(self.get_object()))


class RegionFilter(django_filters.FilterSet):
    item = django_filters.NumberFilter(field_name="annotation__item")
    kind = django_filters.ChoiceFilter(choices=AnnotationKind.choices)

    class Meta:
        model = Region
        fields = ["annotation", "label_class", "kind"]


class RegionViewSet(LabelingViewSet, mixins.ListModelMixin):  # type: ignore[misc]
    """Regions you may see across the project, for analysis (read-only; change them through annotations)."""

    filterset_class = RegionFilter

    def get_queryset(self) -> QuerySet[Region]:
        if getattr(self, "swagger_fake_view", False):
            return Region.objects.none()
        return selectors.regions_for(self.membership).select_related("annotation")

    @extend_schema(responses={200: OpenApiResponse(description="Paginated regions with id, annotation and item.")})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = [
            {"id": r.pk, "annotation": r.annotation_id, "item": r.annotation.item_id, **r.as_dict()}
            for r in page  # type: ignore[union-attr]
        ]
        return self.get_paginated_response(rows)


class QueueViewSet(LabelingViewSet):
    """The work queue: next item, skip, and (managers) explicit assignments."""

    abilities = {
        "next": Ability.ANNOTATE,
        "skip": Ability.ANNOTATE,
        "assign": Ability.MANAGE,
        "unassign": Ability.MANAGE,
        "assignments": Ability.VIEW,
    }
    serializer_class = AssignmentSerializer

    @extend_schema(
        request=None,
        responses={200: HandoutSerializer, 204: OpenApiResponse(description="Nothing left for you to label.")},
    )
    @action(detail=False, methods=["post"])
    def next(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Your next item, locked for you, with a new work session: items a reviewer sent back first,
        then the one you hold, your drafts, items assigned to you, and then a fresh one."""
        handout = queue.next_item(project=self.project, user=request.user)  # type: ignore[arg-type]
        if handout is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(HandoutSerializer(handout).data)

    @extend_schema(request=SkipSerializer, responses={204: None})
    @action(detail=False, methods=["post"])
    def skip(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Give an item up; it is not handed to you again. A time report may go with it."""
        data = SkipSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item: Item = scoped_get(Item.objects.filter(project=self.project), pk=data.validated_data["item"])  # type: ignore[assignment]
        raw_time = data.validated_data.get("time")
        report = validate_time_report(raw_time, schema=Schema.of(self.project)) if raw_time is not None else None
        queue.skip_item(project=self.project, item=item, user=request.user, report=report)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=AssignSerializer,
        responses={200: OpenApiResponse(description="{assigned: [item ids], already_submitted: [item ids]}")},
    )
    @action(detail=False, methods=["post"])
    def assign(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = queue.assign_items(
            project=self.project,
            assignee=_member_user(data.validated_data["user"]),
            item_ids=data.validated_data["items"],
            by=request.user,  # type: ignore[arg-type]
        )
        return Response({"assigned": result.assigned, "already_submitted": result.already_submitted})

    @extend_schema(request=AssignSerializer, responses={200: OpenApiResponse(description="{unassigned: n}")})
    @action(detail=False, methods=["post"])
    def unassign(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        removed = queue.unassign_items(
            project=self.project,
            assignee=_member_user(data.validated_data["user"]),
            item_ids=data.validated_data["items"],
        )
        return Response({"unassigned": removed})

    @extend_schema(
        responses=AssignmentSerializer(many=True),
        parameters=[
            OpenApiParameter("user", int, description="Only this user's rows (managers)."),
            OpenApiParameter("status", str, enum=AssignmentStatus.values),
        ],
    )
    @action(detail=False, methods=["get"])
    def assignments(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Who holds which item (managers see everyone's, others their own)."""
        rows: QuerySet[Assignment] = selectors.assignments_for(self.membership)
        if request.query_params.get("user"):
            rows = rows.filter(user_id=parse_id(request.query_params["user"], "user"))
        if request.query_params.get("status"):
            rows = rows.filter(status=request.query_params["status"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(AssignmentSerializer(page, many=True).data)


def _member_user(value: Any) -> Any:
    users = get_user_model().objects
    if isinstance(value, int) and not isinstance(value, bool):
        user = users.filter(pk=value).first()
    elif isinstance(value, str) and value:
        user = users.filter(username=value).first()
    else:
        raise ValidationError({"user": ["Give a username or a user id."]})
    if user is None:
        raise ValidationError({"user": [f"No user {value!r}."]})
    return user


class SessionFilter(django_filters.FilterSet):
    started_after = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="lt")
    outcome = django_filters.MultipleChoiceFilter(choices=SessionOutcome.choices)
    flagged = django_filters.BooleanFilter(method="filter_flagged")

    class Meta:
        model = WorkSession
        fields = ["user", "item", "annotation", "outcome"]

    def filter_flagged(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        return queryset.exclude(flags=[]) if value else queryset.filter(flags=[])


class SessionViewSet(LabelingViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):  # type: ignore[misc]
    """Labelling time for analysis: one row per work session (managers see everyone's, others their own)."""

    serializer_class = WorkSessionSerializer
    filterset_class = SessionFilter
    abilities = {"create": Ability.VIEW, "report": Ability.VIEW}

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return WorkSession.objects.none()
        return selectors.sessions_for(self.membership)

    def get_object(self) -> Any:
        return scoped_get(self.get_queryset(), pk=self.kwargs["pk"])

    def _require_worker(self) -> None:
        role = self.membership.role
        if not (role_can(role, Ability.ANNOTATE) or role_can(role, Ability.REVIEW)):
            raise PermissionDenied("Only annotators, reviewers and managers record labelling time.")

    @extend_schema(request=OpenSessionSerializer, responses={201: WorkSessionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Open an item outside the queue (to edit later, or to review): starts a session now."""
        self._require_worker()
        data = OpenSessionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = scoped_get(Item.objects.filter(project=self.project), pk=data.validated_data["item"])
        session = timing.open_session(project=self.project, item=item, user=request.user)  # type: ignore[arg-type]
        return Response(WorkSessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TimeReportSerializer, responses=WorkSessionSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Report time on a session without saving an annotation; `session` may be left out of the body."""
        self._require_worker()
        body = request.data
        if isinstance(body, dict) and "session" not in body:
            body = {**body, "session": parse_id(self.kwargs["pk"], "session")}
        report = validate_time_report(body, schema=Schema.of(self.project), path="")
        if report.session_id != parse_id(self.kwargs["pk"], "session"):
            raise ValidationError({"session": ["Does not match the session in the URL."]})
        session = timing.report_time(project=self.project, user=request.user, report=report)  # type: ignore[arg-type]
        return Response(WorkSessionSerializer(session).data)

    @extend_schema(
        parameters=[OpenApiParameter("group_by", str, enum=list(selectors.SESSION_GROUPS), default="user")],
        responses={200: OpenApiResponse(description="[{<group>: id, sessions, wall_ms, active_ms, ...}]")},
    )
    @action(detail=False, methods=["get"])
    def totals(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Sums per user, item or annotation over the (filtered) sessions."""
        group_by = request.query_params.get("group_by", "user")
        if group_by not in selectors.SESSION_GROUPS:
            raise ValidationError({"group_by": [f"Choose one of {', '.join(selectors.SESSION_GROUPS)}."]})
        sessions = self.filter_queryset(self.get_queryset())
        return Response(selectors.session_totals(sessions, group_by))


def _iou_threshold(request: Request) -> float:
    raw = request.query_params.get("iou_threshold", "0.5")
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if not 0 < value <= 1:
        raise ValidationError({"iou_threshold": ["Must be a number above 0 and at most 1."]})
    return value


IOU_PARAMETER = OpenApiParameter("iou_threshold", float, default=0.5, description="IoU at which regions match.")


class ItemAgreementViewSet(LabelingViewSet):
    queryset = Item.objects.none()  # for the schema's path parameters only
    abilities = {"retrieve_agreement": Ability.REVIEW}

    @extend_schema(
        parameters=[IOU_PARAMETER], responses={200: OpenApiResponse(description="Per-class agreement on the item.")}
    )
    def retrieve_agreement(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Agreement between the item's submitted annotations, per class: boxes/polygons/masks by IoU with
        optimal matching (f1, mean_iou), classes by the share of agreeing pairs, spans by exact/overlap F1."""
        item: Item = scoped_get(Item.objects.filter(project=self.project), pk=self.kwargs["item_pk"])  # type: ignore[assignment]
        return Response(selectors.item_agreement(self.project, item, iou_threshold=_iou_threshold(request)))


class ProjectAgreementViewSet(LabelingViewSet):
    queryset = Item.objects.none()  # for the schema's path parameters only
    abilities = {"list": Ability.REVIEW}

    @extend_schema(
        parameters=[IOU_PARAMETER],
        responses={200: OpenApiResponse(description="Per-class means over items; alpha and kappas for classes.")},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(selectors.project_agreement(self.project, iou_threshold=_iou_threshold(request)))


class PredictionViewSet(LabelingViewSet):
    abilities = {"import_predictions": Ability.MANAGE}
    parser_classes = [LimitedJSONParser]
    max_body_setting = "PREDICTION_IMPORT_MAX_BODY_BYTES"

    @extend_schema(
        request=PredictionImportSerializer,
        responses={200: OpenApiResponse(description="{created, updated, regions}")},
        examples=[
            OpenApiExample(
                "Two items",
                value={
                    "model_name": "detector-v2",
                    "items": [
                        {"item": 12, "regions": [{**BOX_EXAMPLE, "confidence": 0.91}]},
                        {"item": 13, "regions": []},
                    ],
                },
                request_only=True,
            )
        ],
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_predictions(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create or replace one model's predictions for many items; all or nothing."""
        data = PredictionImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entries = _prediction_entries(self.project, data.validated_data["items"])
        result = predictions.import_predictions(
            project=self.project,
            by=request.user,  # type: ignore[arg-type]
            model_name=data.validated_data["model_name"],
            entries=entries,
        )
        return Response({"created": result.created, "updated": result.updated, "regions": result.regions})


def _prediction_entries(project: Any, raw_items: list[dict[str, Any]]) -> list[tuple[Item, list[dict[str, Any]]]]:
    errors: dict[str, list[str]] = {}
    wanted = [e.get("item") for e in raw_items]
    ids = [i for i in wanted if isinstance(i, int) and not isinstance(i, bool)]
    items = {item.pk: item for item in Item.objects.filter(project=project, pk__in=ids)}
    schema = Schema.of(project)
    seen: set[int] = set()
    entries: list[tuple[Item, list[dict[str, Any]]]] = []
    for index, entry in enumerate(raw_items):
        here = f"items[{index}]"
        unknown = sorted(set(entry) - {"item", "regions"})
        if unknown:
            errors[f"{here}.{unknown[0]}"] = ["Unknown field."]
            continue
        item = items.get(entry.get("item"))  # type: ignore[arg-type]
        if item is None:
            errors[f"{here}.item"] = ["Not an item of this project."]
            continue
        if item.pk in seen:
            errors[f"{here}.item"] = ["This item is given twice."]
            continue
        seen.add(item.pk)
        try:
            entries.append(
                (item, validate_regions(entry.get("regions"), item=item, schema=schema, path=f"{here}.regions"))
            )
        except ValidationError as error:
            errors.update(error.detail)  # type: ignore[arg-type]
        if len(errors) >= 100:
            break
    if errors:
        raise ValidationError(errors)
    return entries
