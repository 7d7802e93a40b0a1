"""Request and response shapes of the export and import endpoints."""

from __future__ import annotations

import json
from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exchange.formats import FORMATS
from exchange.models import ExportJob, ImportJob
from exchange.services.exports import ExportOptions
from exchange.services.imports import ImportOptions
from labeling.models import AnnotationStatus
from projects.api.serializers import StrictSerializer

FORMAT_CHOICES = [(name, fmt.title) for name, fmt in FORMATS.items()]
SPLIT_CHOICES = ["train", "val", "test", "unassigned"]


class ExportInputSerializer(StrictSerializer):
    format = serializers.ChoiceField(choices=FORMAT_CHOICES)
    versions = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=False,
        help_text="Dataset version ids, e.g. the working version, an augmented version, or both. Default: the "
        "working version of the default dataset. An item in several is exported once, with the split of the "
        "first version listed.",
    )
    splits = serializers.ListField(
        child=serializers.ChoiceField(choices=SPLIT_CHOICES),
        required=False,
        allow_empty=False,
        help_text="Splits to export (default: all). Each split goes in its own folder or file.",
    )
    classes = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=False,
        help_text="Class ids to export (default: all); regions of other classes are left out.",
    )
    statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=AnnotationStatus.choices),
        required=False,
        allow_empty=False,
        help_text='Annotation statuses to export (default ["accepted", "submitted"]; ["accepted"] for accepted only).',
    )
    annotations = serializers.ChoiceField(
        choices=[("latest_accepted", "One per item"), ("all", "Every annotation (Tandem JSON and CSV)")],
        default="latest_accepted",
        help_text="latest_accepted: per item, the accepted annotation if there is one, else the most recently "
        "updated one whose status is in `statuses`. all: every such annotation (Tandem JSON and CSV only).",
    )
    include_predictions = serializers.BooleanField(
        default=False,
        help_text="Predictions are left out unless this is set; then an item with no annotation in `statuses` "
        "exports its most recent prediction (with `annotations=all`: every prediction too).",
    )
    include_images = serializers.BooleanField(
        default=False, help_text="Put the image files in the ZIP (ImageFolder always does). Default: labels only."
    )
    single_file = serializers.BooleanField(
        default=False, help_text="CSV and JSONL: one file with a split column instead of a ZIP with a file per split."
    )
    csv_rows = serializers.ChoiceField(
        choices=[("region", "One row per region"), ("item", "One row per item")], default="region"
    )
    run_async = serializers.BooleanField(
        default=False, help_text="Build the export as a background job even when it is small enough to stream."
    )

    def to_internal_value(self, data: Any) -> Any:
        # `async` is a Python keyword; the API spells it that way, the serializer field cannot.
        if hasattr(data, "copy") and "async" in data:
            data = data.copy()
            data["run_async"] = data.pop("async")
        return super().to_internal_value(data)

    def options(self, *, sessions_included: bool) -> ExportOptions:
        data = self.validated_data
        splits = data.get("splits")
        return ExportOptions(
            format=data["format"],
            versions=tuple(data.get("versions") or ()),
            splits=tuple(dict.fromkeys("" if s == "unassigned" else s for s in splits)) if splits else None,
            classes=tuple(data["classes"]) if data.get("classes") else None,
            statuses=tuple(data.get("statuses") or ("accepted", "submitted")),
            annotations=data["annotations"],
            include_predictions=data["include_predictions"],
            include_images=data["include_images"],
            single_file=data["single_file"],
            csv_rows=data["csv_rows"],
            sessions_included=sessions_included,
        )


class ExportJobSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    progress = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "url",
            "format",
            "options",
            "status",
            "progress",
            "error",
            "file_name",
            "size",
            "download_url",
            "expires_at",
            "expired",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_progress(self, job: ExportJob) -> dict[str, Any]:
        return job.progress()

    def get_url(self, job: ExportJob) -> str:
        return reverse("export-detail", kwargs={"project_pk": job.project_id, "pk": job.pk})

    def get_download_url(self, job: ExportJob) -> str | None:
        if not job.file or job.expired:
            return None
        return reverse("export-download", kwargs={"project_pk": job.project_id, "pk": job.pk})


@extend_schema_field(OpenApiTypes.OBJECT)
class _JSONObjectField(serializers.Field):  # type: ignore[type-arg]
    """A JSON object, given as an object (JSON body) or as a JSON string (multipart form field)."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, str):
            try:
                data = json.loads(data) if data.strip() else {}
            except ValueError:
                raise serializers.ValidationError("Must be a JSON object.") from None
        if not isinstance(data, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        for name, target in data.items():
            valid = target == "create" or (isinstance(target, int) and not isinstance(target, bool) and target > 0)
            if not valid:
                raise serializers.ValidationError(f'{name!r}: map to a class id or "create".')
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class ImportInputSerializer(StrictSerializer):
    file = serializers.FileField(
        help_text="A ZIP (label files, and images to add) or one label file (.json, .jsonl, .csv, .xml, .conll)."
    )
    format = serializers.ChoiceField(choices=FORMAT_CHOICES)
    as_predictions = serializers.BooleanField(
        default=False, help_text="Import as predictions (pre-annotations for annotators to correct)."
    )
    model_name = serializers.CharField(default="import", max_length=100, help_text="The predictions' model name.")
    dry_run = serializers.BooleanField(
        default=False, help_text="Report what would be created and every problem; write nothing."
    )
    class_mapping = _JSONObjectField(
        required=False,
        help_text='{"their class name": class id | "create"} for class names the project does not have.',
    )
    create_missing_classes = serializers.BooleanField(default=False, help_text="Create every unknown class.")
    annotation_status = serializers.ChoiceField(
        choices=[(AnnotationStatus.SUBMITTED, "Submitted"), (AnnotationStatus.ACCEPTED, "Accepted")],
        default=AnnotationStatus.SUBMITTED,
        help_text="Status of the imported annotations (Tandem JSON keeps each annotation's own).",
    )

    def options(self) -> ImportOptions:
        data = self.validated_data
        return ImportOptions(
            format=data["format"],
            as_predictions=data["as_predictions"],
            model_name=data["model_name"],
            dry_run=data["dry_run"],
            class_mapping=data.get("class_mapping") or {},
            create_missing_classes=data["create_missing_classes"],
            status=data["annotation_status"],
        )


class ImportJobSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ImportJob
        fields = ["id", "format", "options", "file_name", "status", "result", "created_by", "created_at"]
        read_only_fields = fields


class ImportReportSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """For the schema: the dry-run report and the result of an import."""

    format = serializers.CharField()
    as_predictions = serializers.BooleanField()
    would_create = serializers.DictField(required=False, help_text="Dry run: {items, annotations, regions, classes}.")
    created = serializers.DictField(required=False, help_text="Import: {items, annotations, regions, classes}.")
    matched_items = serializers.IntegerField()
    new_classes = serializers.ListField(child=serializers.CharField())
    unknown_classes = serializers.ListField(child=serializers.CharField())
    problems = serializers.ListField(child=serializers.DictField(), help_text="[{file, where, code, message}]")
    warnings = serializers.ListField(child=serializers.DictField())
    job = serializers.IntegerField(required=False)
    replayed = serializers.BooleanField(required=False)
