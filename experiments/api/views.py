"""Experiment endpoints, nested under a project: `/api/v1/projects/{p}/experiments/`.

- list and read (every member): status, progress, and once completed the results as JSON;
- create (managers): checks everything first, answers 400 naming the field for any bad input, 201 with the
  experiment (queued) otherwise;
- `{id}/cancel/` (managers): a queued experiment is cancelled at once, a running one before its next fit; 409
  once it has finished;
- `{id}/rerun/` (managers): a new experiment with the same recorded settings; 201;
- `{id}/per-class-metrics/` (every member): the per-class metrics of every run as CSV (detection: boxes per
  class of every set); 409 until the experiment has completed.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import api_error
from experiments import selectors
from experiments.api.serializers import ExperimentDetailSerializer, ExperimentInputSerializer, ExperimentSerializer
from experiments.models import Experiment
from experiments.services import experiments
from projects.access import Ability
from projects.api.base import ProjectScopedViewSet, current_user
from projects.progress import JobStatus

EXPERIMENT_EXAMPLE = OpenApiExample(
    "Baseline against one augmentation job, plus a dose curve",
    value={
        "model": "logreg",
        "training_split": "train",
        "evaluation_split": "val",
        "candidates": [{"jobs": [12], "label": "rotations and shifts"}],
        "dose": {"pipeline": 3, "copies": [0, 1, 2, 4, 8]},
        "seed": 0,
    },
    request_only=True,
)
INVALID = OpenApiResponse(description='Bad input, by field: {"detail": "...", "errors": {"evaluation_split": [...]}}.')


class ExperimentViewSet(ProjectScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = ExperimentSerializer
    filterset_fields = ["status", "kind"]
    abilities = {"per_class_metrics": Ability.VIEW}

    def scoped_queryset(self) -> QuerySet[Experiment]:
        return selectors.experiments_of(self.project)

    @extend_schema(
        request=ExperimentInputSerializer,
        examples=[EXPERIMENT_EXAMPLE],
        responses={201: ExperimentDetailSerializer, 400: INVALID},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ExperimentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        experiment = experiments.create_experiment(
            project=self.project, user=current_user(request), **data.validated_data
        )
        return self._detail(experiment, status.HTTP_201_CREATED)

    @extend_schema(responses=ExperimentDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(ExperimentDetailSerializer(self.get_object()).data)

    @extend_schema(
        request=None,
        responses={200: ExperimentDetailSerializer, 409: OpenApiResponse(description="It has already finished.")},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        experiment = experiments.cancel_experiment(self.get_object())
        return self._detail(experiment, status.HTTP_200_OK)

    @extend_schema(
        request=None,
        responses={201: ExperimentDetailSerializer, 400: INVALID, 409: OpenApiResponse(description="Still running.")},
    )
    @action(detail=True, methods=["post"])
    def rerun(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        experiment = experiments.rerun_experiment(self.get_object(), current_user(request))
        return self._detail(experiment, status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per run (or set) and class."),
            409: OpenApiResponse(description="The experiment has not completed."),
        }
    )
    @action(detail=True, methods=["get"], url_path="per-class-metrics")
    def per_class_metrics(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse | Response:
        experiment = self.get_object()
        if experiment.status != JobStatus.COMPLETED:
            return api_error(
                status.HTTP_409_CONFLICT,
                f"The experiment is {experiment.status}; per-class metrics exist once it has completed.",
            )
        columns, rows = selectors.per_class_rows(experiment)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows([[_cell(row[c]) for c in columns] for row in rows])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="experiment-{experiment.pk}-per-class.csv"'
        return response

    def _detail(self, experiment: Experiment, code: int) -> Response:
        experiment = self.scoped_queryset().get(pk=experiment.pk)
        body = ExperimentDetailSerializer(experiment).data
        headers = {"Location": body["url"]} if code == status.HTTP_201_CREATED else None
        return Response(body, status=code, headers=headers)


def _cell(value: Any) -> Any:
    """Empty for None; text a spreadsheet would run as a formula (class and run names) gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return f"'{value}"
    return value
