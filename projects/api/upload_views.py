"""Uploads: POST files or a ZIP to a project, get a per-file report; list and read past reports.

Registered from projects/api/urls.py under `projects/<project_pk>/uploads/` (this module's urlpatterns).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from projects.api.base import ProjectScopedViewSet, scoped_get
from projects.api.serializers import StrictSerializer, UploadSerializer
from projects.models import Dataset, Split, Upload
from projects.uploads.report import Code, Status
from projects.uploads.selectors import uploads_of
from projects.uploads.service import UploadOptions, upload_files
from projects.uploads.text import resolve_codec


class UploadInputSerializer(StrictSerializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True, use_url=False),
        allow_empty=False,
        help_text="Repeat the field for several files. Images (JPEG, PNG, WebP, TIFF, BMP, GIF), ZIP archives of "
        "them, .txt, .csv, .tsv or .jsonl text files. The content decides the type, never the name.",
    )
    dataset = serializers.IntegerField(
        required=False, min_value=1, help_text="Dataset id; default: the project's default dataset."
    )
    split = serializers.ChoiceField(
        choices=Split.choices, allow_blank=True, default="", help_text="Split for every accepted item."
    )
    class_folders = serializers.BooleanField(
        default=False, help_text="In ZIPs, a top-level folder's name is the class of the files in it."
    )
    create_classes = serializers.BooleanField(
        default=False, help_text="Create classes named by folders or labels that the schema lacks."
    )
    txt_mode = serializers.ChoiceField(
        choices=[("lines", "One item per line"), ("file", "One item per file")], default="lines"
    )
    text_column = serializers.CharField(default="text", max_length=200, help_text="CSV column holding the text.")
    label_column = serializers.CharField(
        default="", allow_blank=True, max_length=200, help_text="CSV column holding a text class (optional)."
    )
    encoding = serializers.CharField(
        default="utf-8", allow_blank=True, max_length=64, help_text="Encoding of text files, e.g. latin-1."
    )

    def validate_dataset(self, value: int) -> Dataset:
        dataset = self.context["project"].datasets.filter(pk=value).first()
        if dataset is None:
            raise ValidationError(f"No dataset with id {value} in this project.")
        return dataset

    def validate_encoding(self, value: str) -> str:
        try:
            return resolve_codec(value or "utf-8")
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def validate_class_folders(self, value: bool) -> bool:
        kinds = set(self.context["project"].kinds)
        if value and not kinds & {"image_class", "text_class"}:
            raise ValidationError("Class folders need a project that uses image_class or text_class annotations.")
        return value


class UploadFailureSerializer(UploadSerializer):
    """For the schema only: the error shape ({"detail", "errors"}) around the upload and its report."""

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        # Declared here, not as class attributes: a field named "errors" would shadow Serializer.errors.
        return {
            "detail": serializers.CharField(),
            "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
            **super().get_fields(),
        }


REPORT_EXAMPLE = OpenApiExample(
    "Mixed upload",
    value={
        "id": 7,
        "dataset": 1,
        "created_at": "2026-01-01T12:00:00Z",
        "options": {"dataset": 1, "split": "train", "class_folders": True, "create_classes": False},
        "accepted": 1,
        "duplicates": 1,
        "rejected": 2,
        "report": [
            {"name": "pets.zip:cat/1.jpg", "status": "accepted", "item": 101},
            {"name": "pets.zip:cat/2.jpg", "status": "duplicate", "reason": "same content as item 55", "item": 55},
            {
                "name": "pets.zip:bird/3.jpg",
                "status": "rejected",
                "code": "unknown_class",
                "reason": "class 'bird' is not in the project's schema; add it first or upload again with "
                "create_classes=true",
            },
            {
                "name": "notes.svg",
                "status": "rejected",
                "code": "unsupported_type",
                "reason": "unsupported file type (415): the content is not a JPEG, PNG, ... image",
            },
        ],
    },
    response_only=True,
    status_codes=["201"],
)


@extend_schema_view(
    list=extend_schema(summary="Past uploads of the project with their reports"),
    retrieve=extend_schema(summary="One upload and its report"),
)
class UploadViewSet(  # type: ignore[misc]  # mypy rejects ProjectScopedViewSet itself
    ProjectScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin
):
    """Only managers upload (403 for other roles, 404 for non-members); members may read past reports."""

    serializer_class = UploadSerializer
    queryset = Upload.objects.none()  # for the schema generator; requests use get_queryset()
    parser_classes = [MultiPartParser]

    def get_queryset(self) -> QuerySet[Upload]:
        return uploads_of(self.project)

    def get_object(self) -> Upload:
        return scoped_get(self.get_queryset(), pk=self.kwargs["pk"])  # type: ignore[return-value]

    @extend_schema(
        summary="Upload images, ZIP archives or text files",
        description=(
            "Every file, archive entry, text line or record gets a report line: `accepted` (with `item`), "
            "`duplicate` (with the `item` that already holds the content) or `rejected` (with `code` and "
            "`reason`). One bad file never stops the others. The answer is 201 when anything was accepted, "
            "200 when everything was a duplicate, 415 when every file was of an unsupported type, 413 when "
            "every file was too large, and 400 otherwise; the report is in the body in every case."
        ),
        request={"multipart/form-data": UploadInputSerializer},
        responses={
            201: UploadSerializer,
            200: OpenApiResponse(UploadSerializer, description="Nothing new: every file was a duplicate."),
            400: OpenApiResponse(UploadFailureSerializer, description="Invalid options, or nothing accepted."),
            413: OpenApiResponse(UploadFailureSerializer, description="Request or every file too large."),
            415: OpenApiResponse(UploadFailureSerializer, description="Every file was of an unsupported type."),
        },
        examples=[REPORT_EXAMPLE],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = UploadInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        options = dict(data.validated_data)
        files = options.pop("files")
        upload = upload_files(
            project=self.project,
            user=request.user,  # type: ignore[arg-type]  # signed in: IsAuthenticated ran first
            files=files,
            options=UploadOptions(**options),
        )
        body = UploadSerializer(upload).data
        status_code, detail = outcome(upload)
        if detail:
            return Response({"detail": detail, "errors": {}, **body}, status=status_code)
        return Response(body, status=status_code)

    def handle_exception(self, exc: Exception) -> Response:
        # Django raises these while parsing the multipart body; without this they become an HTML 400.
        if isinstance(exc, TooManyFilesSent):
            return Response(
                {
                    "detail": f"More than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files in one request; "
                    "put them in a ZIP archive or split the upload.",
                    "errors": {},
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        if isinstance(exc, RequestDataTooBig):
            return Response({"detail": str(exc), "errors": {}}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        return super().handle_exception(exc)


def outcome(upload: Upload) -> tuple[int, str]:
    """HTTP status and, for failures, a summary: clients must notice when nothing was imported."""
    if upload.accepted:
        return status.HTTP_201_CREATED, ""
    if upload.duplicates and not upload.rejected:
        return status.HTTP_200_OK, ""
    lines = upload.report
    codes = {line.get("code") for line in lines if line["status"] == Status.REJECTED}
    first = next((line for line in lines if line["status"] == Status.REJECTED), None)
    summary = f"Nothing was imported: {upload.rejected} rejected, {upload.duplicates} duplicate."
    if first is not None:
        summary += f" First problem: {first['name']}: {first['reason']}"
    if codes == {Code.UNSUPPORTED_TYPE}:
        return status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, summary
    if codes == {Code.TOO_LARGE}:
        return status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, summary
    return status.HTTP_400_BAD_REQUEST, summary


router = SimpleRouter()
router.register("", UploadViewSet, basename="upload")
urlpatterns = router.urls
