"""Time analytics endpoints under /api/v1/projects/{project_pk}/analytics/ (figures in JSON, records in CSV).

Every member may read; the figures are their own unless they manage the project (see selectors).
Cost is for managers; so is asking for a refresh. Every JSON answer carries `rounding` and `refresh`
(when the facts were rebuilt), and every figure its `n`.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import Pagination
from labeling.analytics import figures, selectors, services
from projects.access import Ability
from projects.api.base import ProjectScopedViewSet
from projects.models import AnnotationKind, Item, Split


class FilterSerializer(serializers.Serializer):  # type: ignore[type-arg]
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    annotator = serializers.IntegerField(required=False, min_value=1)
    label_class = serializers.IntegerField(required=False, min_value=1)
    kind = serializers.ChoiceField(choices=AnnotationKind.values, required=False)
    tool = serializers.CharField(required=False, max_length=32)
    split = serializers.ChoiceField(choices=["", *Split.values], required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": ["Must not be before date_from."]})
        return attrs


FILTER_PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Submitted on or after this date."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Submitted on or before this date."),
    OpenApiParameter("annotator", OpenApiTypes.INT, description="One annotator's user id (managers only)."),
    OpenApiParameter("label_class", OpenApiTypes.INT, description="Annotations with a region of this class."),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=AnnotationKind.values, description="... of this kind."),
    OpenApiParameter("tool", OpenApiTypes.STR, description="... made with this editor tool."),
    OpenApiParameter("split", OpenApiTypes.STR, description="Items in this split (empty: unassigned)."),
]
FIGURE = OpenApiResponse(description="Figures with `n`, `rounding` and `refresh`; see labeling/analytics.")


def figure_schema(description: str) -> Callable[[Any], Any]:
    return extend_schema(parameters=FILTER_PARAMETERS, responses={200: FIGURE}, description=description)


class OutlierPagination(Pagination):
    page_size = 50


class AnalyticsViewSet(ProjectScopedViewSet):
    queryset = Item.objects.none()  # for the schema's path parameters only
    abilities = {
        "summary": Ability.VIEW,
        "annotators": Ability.VIEW,
        "classes": Ability.VIEW,
        "items": Ability.VIEW,
        "learning_curves": Ability.VIEW,
        "throughput": Ability.VIEW,
        "outliers": Ability.VIEW,
        "records": Ability.VIEW,
        "cost": Ability.MANAGE,
        "refresh": Ability.MANAGE,
    }

    def scope(self) -> selectors.Scope:
        data = FilterSerializer(data=self.request.query_params)
        data.is_valid(raise_exception=True)
        filters = selectors.Filters(**data.validated_data)
        everyone = selectors.sees_everyone(self.membership)
        if not everyone and filters.annotator not in (None, self.membership.user_id):
            raise PermissionDenied("Only managers can see other annotators' figures.")
        return selectors.scope_for(self.membership, filters)

    def figure(self, name: str, build: Callable[[selectors.Scope], dict[str, Any]]) -> Response:
        body, refresh = selectors.cached_figure(self.scope(), name, build)
        return Response({**body, "rounding": figures.ROUNDING, "refresh": refresh})

    @figure_schema("Totals, idle ratio, time per item and per region with their distribution.")
    @action(detail=False, methods=["get"])
    def summary(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.figure("summary", selectors.summary)

    @figure_schema("Per annotator: work done, items and regions per hour, idle ratio, times, acceptance, agreement.")
    @action(detail=False, methods=["get"])
    def annotators(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.figure("annotators", _annotators)

    @figure_schema("Per kind and class: seconds per region, cost against a box, growth with the number of regions.")
    @action(detail=False, methods=["get"])
    def classes(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.figure("classes", selectors.classes)

    @figure_schema("Per item: total time across annotators; the slowest items and the most disputed.")
    @action(detail=False, methods=["get"])
    def items(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.figure("items", selectors.items)

    @figure_schema("Median time per item against each annotator's n-th item.")
    @action(detail=False, methods=["get"], url_path="learning-curves")
    def learning_curves(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.figure("learning_curves", selectors.learning_curves)

    @figure_schema("Items per active hour per day, for the team and per annotator.")
    @action(detail=False, methods=["get"])
    def throughput(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.figure("throughput", selectors.throughput)

    @figure_schema("Implausibly fast submissions (paginated), newest first, with the rule that flagged them.")
    @action(detail=False, methods=["get"])
    def outliers(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Cached like the figures, per page: the page's links carry the request's address.
        body, _ = selectors.cached_figure(
            self.scope(), f"outliers:{request.build_absolute_uri()}", lambda scope: self._outlier_page(scope)
        )
        return Response(body)

    def _outlier_page(self, scope: selectors.Scope) -> dict[str, Any]:
        paginator = OutlierPagination()
        page = paginator.paginate_queryset(selectors.outliers(scope), self.request, view=self)
        assert page is not None
        medians = selectors.annotator_medians(scope, sorted({fact.annotator_id for fact in page}))
        rows = [
            {
                "annotation": fact.annotation_id,
                "item": fact.item_id,
                "item_name": fact.item.original_name,
                "annotator": fact.annotator_id,
                "username": fact.annotator.get_username(),
                "submitted_at": fact.submitted_at,
                "active_s": figures.seconds(fact.active_ms),
                "regions": fact.regions,
                "annotator_median_s": medians.get(fact.annotator_id),
                "reason": fact.fast_reason,
                "review_decision": fact.review_decision,
            }
            for fact in page
        ]
        data = dict(paginator.get_paginated_response(rows).data)
        data["rule"] = {
            "min_seconds_per_region": figures.FAST_MS_PER_REGION / 1000,
            "share_of_own_median": figures.FAST_SHARE_OF_OWN_MEDIAN,
            "own_median_needs": figures.FAST_MIN_OWN_SUBMISSIONS,
        }
        data["rounding"] = figures.ROUNDING
        return data

    @figure_schema("Cost per annotation, item, region, kind and class, and a 90% forecast for the rest. Managers.")
    @action(detail=False, methods=["get"])
    def cost(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.figure("cost", selectors.cost)

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per annotation.")},
    )
    @action(detail=False, methods=["get"], url_path="records")
    def records(self, request: Request, *args: Any, **kwargs: Any) -> StreamingHttpResponse:
        rows = selectors.records(self.scope())
        response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="project-{self.project.pk}-time-records.csv"'
        return response

    @extend_schema(request=None, responses={202: OpenApiResponse(description="{scheduled: true}")})
    @action(detail=False, methods=["post"])
    def refresh(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.schedule_refresh(self.project.pk, debounce=False)
        return Response({"scheduled": True}, status=status.HTTP_202_ACCEPTED)


def _annotators(scope: selectors.Scope) -> dict[str, Any]:
    rows = selectors.annotators(scope)
    return {"n": sum(r["n"] for r in rows), "annotators": rows}


CSV_COLUMNS = (
    "annotation_id",
    "item_id",
    "annotator_id",
    "username",
    "split",
    "status",
    "submitted_at",
    "active_ms",
    "wall_ms",
    "regions",
    "nth_item",
    "review_decision",
    "agreement",
    "fast_reason",
)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterator[Mapping[str, Any]]) -> Iterator[str]:
    """Milliseconds as integers (no rounding), timestamps in ISO 8601 UTC; cells that a spreadsheet would
    run as a formula are prefixed with a quote."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for record in rows:
        row = {**record, "submitted_at": record["submitted_at"].isoformat(), "username": _safe_cell(record["username"])}
        yield writer.writerow([row[column] if row[column] is not None else "" for column in CSV_COLUMNS])


def _safe_cell(value: str) -> str:
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value
