"""Export and import endpoints, nested under a project.

Exports — `POST /api/v1/projects/{p}/exports/` with the options as JSON:
- 200: the export itself, streamed as it is built (a ZIP; a .csv or .jsonl with `single_file`), with
  `Tandem-Export: streamed`. This happens when the export has at most EXPORT_SYNC_MAX_ITEMS items
  (EXPORT_SYNC_MAX_ITEMS_WITH_IMAGES with images) and `async` was not asked for.
- 202: a background job, with `Tandem-Export: job`, a `Location` header and the job as JSON; poll
  `GET .../exports/{id}/` (progress, then `download_url` once completed) and download from
  `GET .../exports/{id}/download/` until EXPORT_RETENTION_HOURS have passed (then 410).
Managers, reviewers and viewers may export; annotators may not (an export holds other annotators'
work, which annotators never see). Work sessions (labelling time) are in Tandem JSON only when a
manager exports. Everyone sees and downloads their own export jobs; managers see all of them.

Imports — `POST /api/v1/projects/{p}/imports/` (multipart, managers only): 200 with the dry run's
report, 201 with what was created, 200 again (`replayed: true`) for a retry of the same file and
options, or 400 with every problem and nothing written.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import api_error
from exchange.api.serializers import (
    ExportInputSerializer,
    ExportJobSerializer,
    ImportInputSerializer,
    ImportJobSerializer,
    ImportReportSerializer,
)
from exchange.models import ExportJob, ImportJob
from exchange.services import exports, imports
from projects.access import Ability, role_can
from projects.api.base import ProjectScopedViewSet
from projects.models import Role

EXPORT_EXAMPLE = OpenApiExample(
    "COCO of the accepted train and val annotations",
    value={"format": "coco", "splits": ["train", "val"], "statuses": ["accepted"], "include_images": False},
    request_only=True,
)
ASYNC_PARAMETER = OpenApiParameter(
    "async", OpenApiTypes.BOOL, OpenApiParameter.QUERY, description="Run as a background job whatever the size."
)


class ExportViewSet(ProjectScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = ExportJobSerializer
    abilities = dict.fromkeys(("list", "retrieve", "create", "download"), Ability.EXPORT)

    def scoped_queryset(self) -> QuerySet[ExportJob]:
        jobs = ExportJob.objects.filter(project=self.project)
        if not role_can(self.membership.role, Ability.MANAGE):
            jobs = jobs.filter(created_by=self.membership.user)
        return jobs

    @extend_schema(
        request=ExportInputSerializer,
        parameters=[ASYNC_PARAMETER],
        examples=[EXPORT_EXAMPLE],
        description=__doc__,
        responses={
            200: OpenApiResponse(OpenApiTypes.BINARY, description="The export, streamed (ZIP, CSV or JSONL)."),
            202: OpenApiResponse(ExportJobSerializer, description="A background job: poll its url."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        data = ExportInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        options = data.options(sessions_included=self.membership.role == Role.MANAGER)
        plan = exports.plan_export(self.project, options)
        forced = data.validated_data["run_async"] or request.query_params.get("async", "").lower() in ("1", "true")
        if plan.runs_in_background(forced):
            job = exports.start_export_job(plan, user=self.membership.user)
            body = ExportJobSerializer(job).data
            return Response(
                body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"], "Tandem-Export": "job"}
            )
        response = StreamingHttpResponse(plan.stream(), content_type=plan.content_type)
        response["Content-Disposition"] = content_disposition_header(True, plan.file_name)
        response["Tandem-Export"] = "streamed"
        response["Tandem-Export-Items"] = str(plan.total)
        return response

    @extend_schema(
        responses={
            200: OpenApiResponse(OpenApiTypes.BINARY, description="The export file."),
            409: OpenApiResponse(description="The job has not finished."),
            410: OpenApiResponse(description="The file was deleted after EXPORT_RETENTION_HOURS."),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        job = self.get_object()
        if job.expired:
            return api_error(status.HTTP_410_GONE, "This export's file was deleted after its retention time.")
        if not job.file:
            return api_error(status.HTTP_409_CONFLICT, f"The export is {job.status}; download it once it completed.")
        response = FileResponse(
            default_storage.open(job.file, "rb"),
            as_attachment=True,
            filename=job.file_name,
            content_type=job.content_type,
        )
        return response


class ImportViewSet(ProjectScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]
    abilities = {"list": Ability.MANAGE, "retrieve": Ability.MANAGE, "create": Ability.MANAGE}

    def scoped_queryset(self) -> QuerySet[ImportJob]:
        return ImportJob.objects.filter(project=self.project)

    @extend_schema(
        request={"multipart/form-data": ImportInputSerializer},
        description=imports.__doc__,
        responses={
            200: OpenApiResponse(ImportReportSerializer, description="Dry run report, or the replayed first result."),
            201: OpenApiResponse(ImportReportSerializer, description="Imported."),
            400: OpenApiResponse(
                description="Problems were found: {detail, errors, problems, warnings}; nothing written."
            ),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ImportInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        outcome = imports.import_file(
            project=self.project, membership=self.membership, upload=upload, name=upload.name, options=data.options()
        )
        body = dict(outcome.report)
        if outcome.job is not None:
            body["job"] = outcome.job.pk
            body["replayed"] = outcome.replayed
        if outcome.dry_run or outcome.replayed:
            return Response(body, status=status.HTTP_200_OK)
        return Response(body, status=status.HTTP_201_CREATED)
