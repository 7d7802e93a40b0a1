"""Request and response shapes of the augmentation API."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from augmentation.models import AugmentationJob, JobOutput, Pipeline
from augmentation.services.preview import MAX_COPIES, MAX_RANDOM_ITEMS
from augmentation.services.selection import DEFAULT_SPLITS, DEFAULT_STATUSES, UNASSIGNED
from labeling.models import AnnotationStatus
from projects.api.serializers import StrictSerializer
from projects.models import DatasetVersion, Split
from projects.selectors import usable_versions

# A pipeline file is a few kilobytes; anything much larger is not one.
MAX_PIPELINE_FILE_BYTES = 1024 * 1024
SPLIT_CHOICES = [UNASSIGNED, *(value for value in Split.values if value)]
STATUS_CHOICES = [AnnotationStatus.ACCEPTED.value, AnnotationStatus.SUBMITTED.value]


@extend_schema_field(OpenApiTypes.OBJECT)
class JSONObjectField(serializers.JSONField):
    """A JSON object (not a list, string or number)."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        return value


class PipelineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    created_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Pipeline
        fields = [
            "id",
            "name",
            "description",
            "config",
            "target",
            "preset",
            "created_by",
            "created_by_name",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_created_by_name(self, pipeline: Pipeline) -> str | None:
        return pipeline.created_by.get_username() if pipeline.created_by else None


class PipelineInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    config = JSONObjectField(required=False, help_text="Pipeline JSON; leave out to start from `preset`.")
    preset = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("A pipeline needs a name.")
        return value


class PipelineUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    config = JSONObjectField(required=False)

    def validate_name(self, value: str) -> str:
        return PipelineInputSerializer.validate_name(self, value)  # type: ignore[arg-type]


class PipelineImportSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    data = JSONObjectField(required=False, help_text="Albumentations' A.to_dict(compose) output, or our JSON.")  # type: ignore[assignment]
    file = serializers.FileField(required=False, help_text="The same, as an uploaded .json file.")

    def validate_name(self, value: str) -> str:
        return PipelineInputSerializer.validate_name(self, value)  # type: ignore[arg-type]

    def validate_file(self, value: Any) -> Any:
        if value.size > MAX_PIPELINE_FILE_BYTES:
            raise serializers.ValidationError(f"A pipeline file is at most {MAX_PIPELINE_FILE_BYTES // 1024} KB.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("data" in attrs) == ("file" in attrs):
            raise serializers.ValidationError({"data": ["Send the pipeline either as `data` (JSON) or as `file`."]})
        return attrs


class ValidateInputSerializer(StrictSerializer):
    config = JSONObjectField()


class ValidationResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    valid = serializers.BooleanField()
    target = serializers.CharField(allow_null=True)
    config = JSONObjectField(allow_null=True, help_text="The config with the engine's defaults filled in.")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]


class ConvertInputSerializer(StrictSerializer):
    data = JSONObjectField(help_text="Albumentations' A.to_dict(compose) output, or our JSON.")  # type: ignore[assignment]


class ConvertResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    config = JSONObjectField()
    target = serializers.CharField()


class PreviewInputSerializer(StrictSerializer):
    config = JSONObjectField(required=False, help_text="Pipeline JSON to preview (or give `pipeline`).")
    pipeline = serializers.IntegerField(required=False, min_value=1, help_text="A saved pipeline's id.")
    item = serializers.IntegerField(required=False, min_value=1, help_text="Preview this item.")
    random = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_RANDOM_ITEMS, help_text="Or this many random items (seeded)."
    )
    copies = serializers.IntegerField(required=False, min_value=1, max_value=MAX_COPIES, default=4)
    seed = serializers.IntegerField(required=False, min_value=0, max_value=2**63 - 1, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("config" in attrs) == ("pipeline" in attrs):
            raise serializers.ValidationError({"config": ["Give either `config` or `pipeline`."]})
        if "item" in attrs and "random" in attrs:
            raise serializers.ValidationError({"item": ["Give either `item` or `random`, not both."]})
        if "item" not in attrs:
            attrs.setdefault("random", 1)
        return attrs


class PreviewSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Each item: the original and `copies` outputs, each an image data URL (or a text) with its regions in the
    shape the annotation API uses (boxes, polygons, masks as RLE, spans), in the preview image's pixels."""

    target = serializers.CharField()
    seed = serializers.IntegerField()
    copies = serializers.IntegerField()
    items = serializers.ListField(child=JSONObjectField())
    classes = serializers.ListField(child=JSONObjectField())
    elapsed_ms = serializers.IntegerField()


class SelectionSerializer(StrictSerializer):
    splits = serializers.ListField(
        child=serializers.ChoiceField(choices=SPLIT_CHOICES),
        required=False,
        allow_empty=False,
        default=list(DEFAULT_SPLITS),
        help_text="Splits to augment; train only by default (augmenting val or test leaks into evaluation).",
    )
    statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=STATUS_CHOICES),
        required=False,
        allow_empty=False,
        default=list(DEFAULT_STATUSES),
        help_text='Annotation statuses to use, e.g. ["accepted"] for reviewed labels only.',
    )
    classes = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        help_text="Only items with a region of one of these classes (all of their regions are kept).",
    )


class BalanceSerializer(StrictSerializer):
    mode = serializers.ChoiceField(choices=["count", "max"])
    target = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["mode"] == "count" and "target" not in attrs:
            raise serializers.ValidationError({"target": ["A count balance needs a target."]})
        if attrs["mode"] == "max":
            attrs.pop("target", None)
        return attrs


class JobInputSerializer(StrictSerializer):
    pipeline = serializers.PrimaryKeyRelatedField(queryset=Pipeline.objects.none())
    source_version = serializers.PrimaryKeyRelatedField(
        queryset=DatasetVersion.objects.none(),
        required=False,
        allow_null=True,
        help_text="A ready version; the default dataset's working version when left out.",
    )
    selection = SelectionSerializer(required=False)
    copies_per_item = serializers.IntegerField(required=False, min_value=0, default=1)
    balance = BalanceSerializer(required=False, allow_null=True, default=None)
    include_originals = serializers.BooleanField(required=False, default=True)
    seed = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        allow_null=True,
        default=None,
        help_text="The pipeline's own seed when left out.",
    )
    name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, help_text="Name of the output version."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        project = self.context.get("project")
        if project is not None:
            self.fields["pipeline"].queryset = Pipeline.objects.filter(project=project)  # type: ignore[attr-defined]
            self.fields["source_version"].queryset = usable_versions(project)  # type: ignore[attr-defined]

    def validate_copies_per_item(self, value: int) -> int:
        if value > settings.AUGMENTATION_MAX_COPIES_PER_ITEM:
            raise serializers.ValidationError(f"At most {settings.AUGMENTATION_MAX_COPIES_PER_ITEM}.")
        return value


class VersionRefSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = DatasetVersion
        fields = ["id", "number", "name", "status", "dataset"]
        read_only_fields = fields


class JobSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    url = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    source_version = VersionRefSerializer(read_only=True)
    output_version = VersionRefSerializer(read_only=True)
    created_by_name = serializers.SerializerMethodField()

    class Meta:
        model = AugmentationJob
        fields = [
            "id",
            "url",
            "status",
            "progress",
            "cancel_requested",
            "error",
            "pipeline",
            "pipeline_name",
            "pipeline_config",
            "target",
            "source_version",
            "output_version",
            "selection",
            "copies_per_item",
            "balance",
            "include_originals",
            "seed",
            "chunk_size",
            "plan",
            "created_by",
            "created_by_name",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_url(self, job: AugmentationJob) -> str:
        return reverse("augmentation-job-detail", kwargs={"project_pk": job.project_id, "pk": job.pk})

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_progress(self, job: AugmentationJob) -> dict[str, Any]:
        """status, total, done, failed, queued, percent, items_per_s, eta, elapsed_s (outputs, not source items)."""
        return job.progress()

    def get_created_by_name(self, job: AugmentationJob) -> str | None:
        return job.created_by.get_username() if job.created_by else None


class JobDetailSerializer(JobSerializer):
    chunks = serializers.SerializerMethodField()

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "chunks"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_chunks(self, job: AugmentationJob) -> dict[str, Any]:
        return dict(self.context.get("chunks", {}))


class FailureSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    source_name = serializers.CharField(source="source_item.original_name", read_only=True)

    class Meta:
        model = JobOutput
        fields = ["source_item", "source_name", "copy_index", "error", "updated_at"]
        read_only_fields = fields
