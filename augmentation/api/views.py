"""Augmentation endpoints.

Pipelines — `/api/v1/projects/{p}/pipelines/`: list and read (every member); create (from `config` JSON or a
`preset` name), update, delete and `import/` (Albumentations' `A.to_dict(compose)` or our JSON, as `data` or
an uploaded `file`) for managers. Every invalid pipeline answers 400 with ALL its problems by JSON path:
`{"detail": "...", "errors": {"config.steps[2].limit": ["must be between 0 and 360, got 300"]}}`.
`validate/` checks a config without saving; `convert/` turns Albumentations JSON into ours; `preview/` shows
the original and K copies of an item (or of a few random items) with their labels, computed in the request;
`{id}/albumentations/` exports to Albumentations.

Jobs — `/api/v1/projects/{p}/jobs/`: list and read with progress (every member); create launches (managers);
`{id}/cancel/` cancels (managers); `{id}/failures/` pages through failed outputs with their reasons.

`/api/v1/augmentation/catalog/` lists every transform with its parameters and ranges; `/presets/` the presets.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from augmentation import selectors
from augmentation.api.serializers import (
    ConvertInputSerializer,
    ConvertResultSerializer,
    FailureSerializer,
    JobDetailSerializer,
    JobInputSerializer,
    JobSerializer,
    PipelineImportSerializer,
    PipelineInputSerializer,
    PipelineSerializer,
    PipelineUpdateSerializer,
    PreviewInputSerializer,
    PreviewSerializer,
    ValidateInputSerializer,
    ValidationResultSerializer,
)
from augmentation.engine import presets, transform_catalog
from augmentation.models import AugmentationJob, Pipeline
from augmentation.services import jobs, pipelines, preview
from projects.access import Ability
from projects.api.base import ProjectScopedViewSet

PIPELINE_EXAMPLE = OpenApiExample(
    "Flip and rotate",
    value={
        "name": "flip-rotate",
        "config": {
            "min_visibility": 0.3,
            "steps": [{"type": "HorizontalFlip", "p": 0.5}, {"type": "Rotate", "limit": 15, "p": 0.7}],
        },
    },
    request_only=True,
)
INVALID_PIPELINE = OpenApiResponse(
    description='Every problem by path: {"detail", "errors": {"config.steps[0].limit": ["..."]}}.'
)
JOB_EXAMPLE = OpenApiExample(
    "Two copies of accepted train items, rare classes balanced up to the largest",
    value={
        "pipeline": 3,
        "selection": {"splits": ["train"], "statuses": ["accepted"]},
        "copies_per_item": 2,
        "balance": {"mode": "max"},
        "include_originals": True,
        "seed": 42,
    },
    request_only=True,
)


class PipelineViewSet(ProjectScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = PipelineSerializer
    abilities = {
        "preview": Ability.VIEW,
        "validate": Ability.VIEW,
        "convert": Ability.VIEW,
        "albumentations": Ability.VIEW,
    }

    def scoped_queryset(self) -> QuerySet[Pipeline]:
        return selectors.pipelines_of(self.project)

    @extend_schema(
        request=PipelineInputSerializer,
        examples=[PIPELINE_EXAMPLE],
        responses={201: PipelineSerializer, 400: INVALID_PIPELINE, 409: OpenApiResponse(description="Name taken.")},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = PipelineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pipeline = pipelines.create_pipeline(project=self.project, user=request.user, **data.validated_data)  # type: ignore[arg-type]
        return Response(PipelineSerializer(pipeline).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PipelineUpdateSerializer, responses={200: PipelineSerializer, 400: INVALID_PIPELINE})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pipeline = self.get_object()
        data = PipelineUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        return Response(PipelineSerializer(pipelines.update_pipeline(pipeline, **data.validated_data)).data)

    @extend_schema(request=PipelineUpdateSerializer, responses={200: PipelineSerializer, 400: INVALID_PIPELINE})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pipelines.delete_pipeline(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request={"application/json": PipelineImportSerializer, "multipart/form-data": PipelineImportSerializer},
        responses={201: PipelineSerializer, 400: INVALID_PIPELINE},
        description="Save a pipeline from Albumentations' `A.to_dict(compose)` output or from our JSON.",
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[JSONParser, MultiPartParser, FormParser])
    def import_pipeline(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = PipelineImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        source = values["file"].read() if "file" in values else values["data"]
        config = pipelines.parse_import(source)
        pipeline = pipelines.create_pipeline(
            project=self.project,
            user=request.user,  # type: ignore[arg-type]
            name=values["name"],
            description=values["description"],
            config=config,
        )
        return Response(PipelineSerializer(pipeline).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ValidateInputSerializer, responses={200: ValidationResultSerializer})
    @action(detail=False, methods=["post"])
    def validate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Check a config without saving it: 200 either way, with `valid` and every problem by path."""
        data = ValidateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            config, target = pipelines.check_config(data.validated_data["config"])
        except pipelines.PipelineInvalid as invalid:
            return Response({"valid": False, "target": None, "config": None, "errors": invalid.extra["errors"]})
        return Response({"valid": True, "target": target, "config": config, "errors": {}})

    @extend_schema(request=ConvertInputSerializer, responses={200: ConvertResultSerializer, 400: INVALID_PIPELINE})
    @action(detail=False, methods=["post"])
    def convert(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Albumentations' `A.to_dict()` output (or our JSON) as our pipeline JSON, without saving it."""
        data = ConvertInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        config = pipelines.parse_import(data.validated_data["data"])
        return Response({"config": config, "target": pipelines.build(config).target})

    @extend_schema(request=PreviewInputSerializer, responses={200: PreviewSerializer, 400: INVALID_PIPELINE})
    @action(detail=False, methods=["post"])
    def preview(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = PreviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        config = values.get("config")
        if config is None:
            saved = self.scoped_queryset().filter(pk=values["pipeline"]).first()
            if saved is None:
                raise ValidationError({"pipeline": ["No such pipeline in this project."]})
            config = saved.config
        result = preview.preview(
            project=self.project,
            config=config,
            item_ids=[values["item"]] if "item" in values else [],
            random_count=values.get("random", 0),
            copies=values["copies"],
            seed=values["seed"],
        )
        return Response(result)

    @extend_schema(responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="A.to_dict() format.")})
    @action(detail=True, methods=["get"])
    def albumentations(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The pipeline in Albumentations' serialisation (`A.from_dict(...)` loads it); 400 names the steps that
        have no Albumentations equivalent."""
        return Response(pipelines.to_albumentations(self.get_object()))


class JobViewSet(ProjectScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = JobSerializer

    def scoped_queryset(self) -> QuerySet[AugmentationJob]:
        return selectors.jobs_of(self.project)

    @extend_schema(
        request=JobInputSerializer,
        examples=[JOB_EXAMPLE],
        responses={201: JobDetailSerializer, 400: OpenApiResponse(description="Invalid options or empty selection.")},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = JobInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        job = jobs.launch_job(project=self.project, user=request.user, **values)  # type: ignore[arg-type]
        job = self.scoped_queryset().get(pk=job.pk)
        body = JobDetailSerializer(job, context={"chunks": selectors.chunk_summary(job)}).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})

    @extend_schema(responses=JobDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        job = self.get_object()
        return Response(JobDetailSerializer(job, context={"chunks": selectors.chunk_summary(job)}).data)

    @extend_schema(
        request=None,
        responses={200: JobDetailSerializer, 409: OpenApiResponse(description="The job has already finished.")},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        job = jobs.cancel_job(self.get_object())
        job = self.scoped_queryset().get(pk=job.pk)
        return Response(JobDetailSerializer(job, context={"chunks": selectors.chunk_summary(job)}).data)

    @extend_schema(responses=FailureSerializer(many=True))
    @action(detail=True, methods=["get"])
    def failures(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(selectors.failed_outputs(self.get_object()))
        return self.get_paginated_response(FailureSerializer(page, many=True).data)


class CatalogView(APIView):
    """Every transform and group a pipeline can contain, with each parameter's type, default, range and choices."""

    @extend_schema(responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="{transforms: [...]}")})
    def get(self, request: Request) -> Response:
        return Response({"transforms": transform_catalog()})


class PresetsView(APIView):
    """Starting pipelines for common domains, each with the reasoning behind its choices (`why`)."""

    @extend_schema(responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="{presets: [...]}")})
    def get(self, request: Request) -> Response:
        return Response({"presets": presets()})
