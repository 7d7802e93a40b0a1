"""Input and output shapes of the annotation API.

Inputs are strict: unknown fields and wrong JSON types are errors (a string "12" is not an id, 1 is not
true). Regions and time reports are checked by labeling.validation, which knows the project's schema
and the item; these serializers carry their shape for the OpenAPI schema.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from labeling.models import Annotation, AnnotationStatus, Assignment, ReviewDecision, WorkSession
from labeling.validation import Schema, validate_regions, validate_time_report
from projects.api.serializers import ItemSerializer, StrictSerializer

# --- strict scalar fields ---------------------------------------------------------------------------


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": "Must be an integer."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)  # type: ignore[no-any-return]


class StrictCharField(serializers.CharField):
    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)  # type: ignore[no-any-return]


# --- documentation shapes of regions and time reports -------------------------------------------------


class RegionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A region; which fields apply depends on `kind` (see each field)."""

    key = serializers.CharField(required=False, help_text="Client's stable id for the region; made up if absent.")
    kind = serializers.ChoiceField(choices=["bbox", "polygon", "mask", "image_class", "text_class", "text_span"])
    label_class = serializers.IntegerField(help_text="Id of a class of the project that allows this kind.")
    x = serializers.FloatField(required=False, help_text="bbox: left edge in image pixels.")
    y = serializers.FloatField(required=False, help_text="bbox: top edge in image pixels.")
    width = serializers.FloatField(required=False, help_text="bbox: width in pixels (> 0).")
    height = serializers.FloatField(required=False, help_text="bbox: height in pixels (> 0).")
    points = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField()),
        required=False,
        help_text="polygon: [[x, y], ...], at least 3 points, non-zero area.",
    )
    holes = serializers.ListField(
        child=serializers.ListField(child=serializers.ListField(child=serializers.FloatField())),
        required=False,
        help_text="polygon: rings cut out of it, each like points.",
    )
    rle = serializers.DictField(
        required=False,
        help_text="mask: COCO RLE {size: [height, width], counts: compressed string or list of run lengths}; "
        "answers always give the compressed string.",
    )
    png = serializers.CharField(
        required=False, write_only=True, help_text="mask: name of a multipart file part holding a single-channel PNG."
    )
    start = serializers.IntegerField(required=False, help_text="text_span: first code point (0-based).")
    end = serializers.IntegerField(required=False, help_text="text_span: code point after the last (exclusive).")
    area = serializers.FloatField(read_only=True, help_text="bbox, polygon, mask: area in square pixels.")
    bbox = serializers.ListField(
        child=serializers.FloatField(), read_only=True, help_text="polygon, mask: [x, y, width, height]."
    )
    comment = serializers.CharField(required=False, allow_blank=True)
    confidence = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return instance.as_dict()  # type: ignore[no-any-return]


class TimeEventSerializer(serializers.Serializer):  # type: ignore[type-arg]
    type = serializers.ChoiceField(choices=["created", "edited", "deleted"])
    region_key = serializers.CharField(required=False, allow_null=True)
    tool = serializers.CharField(required=False, allow_null=True, help_text="e.g. bbox, polygon, brush")
    label_class = serializers.IntegerField(required=False, allow_null=True)
    started_at_ms = serializers.IntegerField(help_text="Milliseconds since the session started (client clock).")
    duration_ms = serializers.IntegerField()


class TimeReportSerializer(serializers.Serializer):  # type: ignore[type-arg]
    session = serializers.IntegerField(help_text="The work session id from queue/next/ or POST sessions/.")
    active_ms = serializers.IntegerField(
        help_text="Cumulative active milliseconds in this session (input activity; idle gaps over the "
        "project's idle threshold not counted)."
    )
    events = TimeEventSerializer(many=True, required=False, help_text="Region events since the last report.")


@extend_schema_field(RegionSerializer(many=True))
class RegionListField(serializers.Field):  # type: ignore[type-arg]
    """Passes the raw list on; the serializer validates it against the schema and item."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(TimeReportSerializer)
class TimeReportField(serializers.Field):  # type: ignore[type-arg]
    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class _SchemaValidated(StrictSerializer):
    """Validates `regions` and `time` against context["schema"] and context["item"]."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        schema: Schema = self.context["schema"]
        if "regions" in attrs:
            attrs["regions"] = validate_regions(
                attrs["regions"], item=self.context["item"], schema=schema, files=self.context.get("files")
            )
        if attrs.get("time") is not None:
            attrs["time"] = validate_time_report(attrs["time"], schema=schema)
        return attrs


class AnnotationWriteSerializer(_SchemaValidated):
    regions = RegionListField(help_text="All regions of the annotation; they replace the previous ones.")
    time = TimeReportField(required=False, allow_null=True)
    submit = StrictBooleanField(required=False, help_text="Also submit the annotation (default false).")


class SubmitSerializer(_SchemaValidated):
    time = TimeReportField(required=False, allow_null=True)


class ReviewSerializer(_SchemaValidated):
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    comment = StrictCharField(required=False, allow_blank=True, max_length=5000, default="")
    regions = RegionListField(required=False, help_text="Corrected regions: a new version; the original is kept.")
    time = TimeReportField(required=False, allow_null=True)


class SkipSerializer(StrictSerializer):
    item = StrictIntegerField(min_value=1)
    time = TimeReportField(required=False, allow_null=True)


class AssignSerializer(StrictSerializer):
    user = serializers.JSONField(help_text="Username or user id of an annotator or manager of the project.")
    items = serializers.ListField(child=StrictIntegerField(min_value=1), allow_empty=False, max_length=100_000)


class OpenSessionSerializer(StrictSerializer):
    item = StrictIntegerField(min_value=1)


class PredictionImportSerializer(StrictSerializer):
    model_name = StrictCharField(max_length=100, help_text="Which model made the predictions; one per item.")
    items = serializers.ListField(
        child=serializers.DictField(), allow_empty=False, help_text="[{item: id, regions: [...]}, ...]"
    )


# --- outputs ------------------------------------------------------------------------------------------


_DATETIME = serializers.DateTimeField()


class AnnotationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """An annotation with its regions. Declared field by field rather than as a ModelSerializer: this
    is on every save and read, and building fields from the model on each use costs a millisecond."""

    id = serializers.IntegerField(read_only=True)
    item = serializers.IntegerField(source="item_id", read_only=True)
    annotator = serializers.IntegerField(source="annotator_id", read_only=True)
    annotator_name = serializers.SerializerMethodField()
    is_prediction = serializers.BooleanField(read_only=True)
    model_name = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=AnnotationStatus.choices, read_only=True)
    version = serializers.IntegerField(read_only=True, help_text='Also sent as the ETag header, quoted: "3".')
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    review_comment = serializers.CharField(read_only=True)
    reviewed_by = serializers.IntegerField(source="reviewed_by_id", read_only=True, allow_null=True)
    reviewed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    regions = serializers.SerializerMethodField()

    def to_representation(self, annotation: Annotation) -> dict[str, Any]:
        # By hand: the same fields as declared above, without DRF's per-field machinery on the hot path.
        when = _DATETIME.to_representation
        return {
            "id": annotation.pk,
            "item": annotation.item_id,
            "annotator": annotation.annotator_id,
            "annotator_name": self.get_annotator_name(annotation),
            "is_prediction": annotation.is_prediction,
            "model_name": annotation.model_name,
            "status": annotation.status,
            "version": annotation.version,
            "submitted_at": when(annotation.submitted_at) if annotation.submitted_at else None,
            "review_comment": annotation.review_comment,
            "reviewed_by": annotation.reviewed_by_id,
            "reviewed_at": when(annotation.reviewed_at) if annotation.reviewed_at else None,
            "created_at": when(annotation.created_at),
            "updated_at": when(annotation.updated_at),
            "regions": self.get_regions(annotation),
        }

    def get_annotator_name(self, annotation: Annotation) -> str:
        cached = annotation._state.fields_cache.get("annotator")
        if cached is not None:
            return cached.get_username()  # type: ignore[no-any-return]
        user = self.context.get("user")
        if user is not None and user.pk == annotation.annotator_id:
            return user.get_username()  # type: ignore[no-any-return]
        return annotation.annotator.get_username()

    @extend_schema_field(RegionSerializer(many=True))
    def get_regions(self, annotation: Annotation) -> list[dict[str, Any]]:
        regions = getattr(annotation, "current_regions", None)
        if regions is None:
            regions = annotation.regions.all()
        return [region.as_dict() for region in regions]


class WorkSessionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    username = serializers.CharField(source="user.username", read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    events = serializers.ListField(child=serializers.DictField(), read_only=True)
    flags = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = WorkSession
        fields = [
            "id",
            "item",
            "user",
            "username",
            "annotation",
            "started_at",
            "last_report_at",
            "ended_at",
            "submitted_at",
            "outcome",
            "idle_threshold_s",
            "wall_ms",
            "active_ms",
            "trusted_active_ms",
            "reports",
            "flags",
            "events",
        ]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "item", "user", "username", "status", "locked_until", "assigned_by", "created_at"]
        read_only_fields = fields


class HandoutAnnotationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    status = serializers.CharField()
    review_comment = serializers.CharField()


class HandoutSerializer(serializers.Serializer):  # type: ignore[type-arg]
    item = ItemSerializer()
    reason = serializers.ChoiceField(choices=["rejected", "resume", "draft", "assigned", "new"])
    session = serializers.SerializerMethodField()
    lock_expires_at = serializers.DateTimeField(allow_null=True)
    annotation = HandoutAnnotationSerializer(allow_null=True)

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "started_at": {"type": "string", "format": "date-time"},
                "idle_threshold_s": {"type": "integer"},
            },
        }
    )
    def get_session(self, handout: Any) -> dict[str, Any]:
        session = handout.session
        return {
            "id": session.pk,
            "started_at": serializers.DateTimeField().to_representation(session.started_at),
            "idle_threshold_s": session.idle_threshold_s,
        }
