from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from projects.models import (
    AnnotationKind,
    Dataset,
    DatasetVersion,
    Item,
    LabelClass,
    Membership,
    Project,
    Role,
    Split,
    Upload,
)

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


class StrictSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Unknown fields are an error, not silently dropped: a typo must not look like success."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class StrictModelSerializer(StrictSerializer, serializers.ModelSerializer):  # type: ignore[type-arg]
    pass


def validate_kinds_list(value: list[str]) -> list[str]:
    unknown = [k for k in value if k not in AnnotationKind.values]
    if unknown:
        raise serializers.ValidationError(
            f"Unknown annotation kind(s) {', '.join(map(repr, unknown))}; "
            f"choose from {', '.join(AnnotationKind.values)}."
        )
    return list(dict.fromkeys(value))


class LabelClassSerializer(StrictModelSerializer):
    kinds = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = LabelClass
        fields = ["id", "name", "color", "hotkey", "kinds", "order"]
        read_only_fields = ["id"]
        extra_kwargs = {"order": {"required": False}, "hotkey": {"required": False}}
        validators: list[Any] = []  # uniqueness is checked by the service, answering 409

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("A class needs a name.")
        return value

    def validate_color(self, value: str) -> str:
        if not COLOR_RE.match(value):
            raise serializers.ValidationError("Colour must be #rrggbb, e.g. #1f77b4.")
        return value.lower()

    def validate_hotkey(self, value: str) -> str:
        if value and (len(value) != 1 or not value.isprintable() or value.isspace()):
            raise serializers.ValidationError("A hotkey is one printable character, e.g. 'c'.")
        return value.lower()

    def validate_kinds(self, value: list[str]) -> list[str]:
        return validate_kinds_list(value)


class ProjectSerializer(StrictModelSerializer):
    kinds = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    classes = LabelClassSerializer(many=True, required=False)
    my_role = serializers.CharField(read_only=True)
    item_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "description",
            "kinds",
            "image_class_multi",
            "text_class_multi",
            "allow_overlapping_spans",
            "annotators_per_item",
            "lock_minutes",
            "idle_threshold_s",
            "hourly_rate",
            "classes",
            "my_role",
            "item_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "annotators_per_item": {"min_value": 1, "max_value": 50},
            "lock_minutes": {"min_value": 1, "max_value": 24 * 60},
            "idle_threshold_s": {"min_value": 1, "max_value": 3600},
            "hourly_rate": {"min_value": 0},
        }

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("A project needs a name.")
        return value

    def validate_kinds(self, value: list[str]) -> list[str]:
        return validate_kinds_list(value)

    def validate_classes(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.instance is not None:
            raise serializers.ValidationError("Edit classes through /projects/{id}/classes/.")
        names = [c["name"] for c in value]
        hotkeys = [c.get("hotkey") for c in value if c.get("hotkey")]
        if len(set(names)) != len(names):
            raise serializers.ValidationError("Class names must be unique.")
        if len(set(hotkeys)) != len(hotkeys):
            raise serializers.ValidationError("Class hotkeys must be unique.")
        return value


class MembershipSerializer(StrictModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    user = serializers.CharField(write_only=True, help_text="Username or e-mail of an existing user.")

    class Meta:
        model = Membership
        fields = ["id", "user", "username", "role", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_user(self, value: str) -> Any:
        user_model = get_user_model()
        user = (
            user_model.objects.filter(username=value).first() or user_model.objects.filter(email__iexact=value).first()
        )
        if user is None:
            raise serializers.ValidationError(f"No user with username or e-mail {value!r}.")
        return user


class MembershipRoleSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=Role.choices)


class DatasetSerializer(StrictModelSerializer):
    class Meta:
        model = Dataset
        fields = ["id", "name", "created_at"]
        read_only_fields = ["id", "created_at"]


class DatasetVersionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    item_count = serializers.IntegerField(read_only=True)
    dataset_name = serializers.CharField(source="dataset.name", read_only=True)

    class Meta:
        model = DatasetVersion
        fields = [
            "id",
            "dataset",
            "dataset_name",
            "number",
            "name",
            "is_working",
            "status",
            "parent",
            "provenance",
            "item_count",
            "created_at",
        ]
        read_only_fields = fields


class ItemSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    split = serializers.CharField(read_only=True, allow_null=True)
    file_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Item
        fields = [
            "id",
            "dataset",
            "kind",
            "original_name",
            "sha256",
            "width",
            "height",
            "text",
            "status",
            "split",
            "source_item",
            "provenance",
            "meta",
            "file_url",
            "thumbnail_url",
            "created_at",
        ]
        read_only_fields = fields

    def _url(self, item: Item, name: str) -> str | None:
        if item.kind != "image":
            return None
        return f"/api/v1/projects/{item.project_id}/items/{item.pk}/{name}/"

    def get_file_url(self, item: Item) -> str | None:
        return self._url(item, "file")

    def get_thumbnail_url(self, item: Item) -> str | None:
        return self._url(item, "thumbnail") if item.thumbnail else None


class ItemSplitSerializer(StrictSerializer):
    split = serializers.ChoiceField(choices=Split.choices, allow_blank=True)


class BulkSplitSerializer(StrictSerializer):
    items = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=100_000)
    split = serializers.ChoiceField(choices=Split.choices, allow_blank=True)
    version = serializers.IntegerField(required=False, min_value=1)


class RandomSplitSerializer(StrictSerializer):
    train = serializers.FloatField(min_value=0, max_value=1)
    val = serializers.FloatField(min_value=0, max_value=1)
    test = serializers.FloatField(min_value=0, max_value=1)
    seed = serializers.IntegerField(min_value=0, max_value=2**32 - 1)
    only_unassigned = serializers.BooleanField(default=False)
    version = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["train"] + attrs["val"] + attrs["test"] <= 0:
            raise serializers.ValidationError({"train": ["At least one ratio must be above zero."]})
        return attrs


class UploadSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Upload
        fields = ["id", "dataset", "created_at", "options", "accepted", "duplicates", "rejected", "report"]
        read_only_fields = fields
