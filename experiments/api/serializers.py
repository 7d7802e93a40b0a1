"""Request and response shapes of the experiments API."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from augmentation.api.serializers import VersionRefSerializer
from experiments.models import Experiment, ExperimentKind, ModelFamily
from experiments.services.experiments import DEFAULT_DOSE_COPIES, MAX_DOSE_LEVELS, MAX_RESAMPLES, MIN_RESAMPLES
from experiments.services.plans import MAX_CANDIDATES, SPLITS
from projects.api.serializers import StrictSerializer

MAX_SEED = 2**32 - 1  # scikit-learn's random_state limit
MAX_JOBS_PER_CANDIDATE = 20


class IndexedListField(serializers.ListField):  # type: ignore[type-arg]
    """A list whose item errors are keyed like the rest of the API, `candidates[0].version`, not `candidates.0`."""

    def run_child_validation(self, data: list[Any]) -> list[Any]:
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as error:
            detail = error.detail
            if isinstance(detail, dict):
                detail = [detail.get(index, []) for index in range(len(data))]  # type: ignore[call-overload]
            raise serializers.ValidationError(detail) from None


class CandidateInputSerializer(StrictSerializer):
    label = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)  # type: ignore[assignment]
    version = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Train on this version's training split."
    )
    jobs = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=False,
        max_length=MAX_JOBS_PER_CANDIDATE,
        help_text="Or: the baseline plus what these completed augmentation jobs made from its items.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("version") is not None) == bool(attrs.get("jobs")):
            raise serializers.ValidationError({"version": ["Give either `version` or `jobs`."]})
        return attrs


class DoseInputSerializer(StrictSerializer):
    pipeline = serializers.IntegerField(min_value=1, help_text="A saved pipeline of this project.")
    copies = IndexedListField(
        child=serializers.IntegerField(min_value=0, max_value=settings.AUGMENTATION_MAX_COPIES_PER_ITEM),
        required=False,
        allow_empty=False,
        max_length=MAX_DOSE_LEVELS,
        default=list(DEFAULT_DOSE_COPIES),
        help_text="Copies per item at each point of the curve; 0 is the baseline.",
    )
    seed = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=2**63 - 1, help_text="The pipeline's seed if left out."
    )


class ExperimentInputSerializer(StrictSerializer):
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    kind = serializers.ChoiceField(
        choices=ExperimentKind.choices,
        required=False,
        help_text="Worked out from the project's annotation kinds when it allows only one.",
    )
    model = serializers.ChoiceField(
        choices=ModelFamily.choices,
        required=False,
        help_text="Images: logreg, linear_svm, knn, mlp. Texts: logreg, linear_svm, naive_bayes. Default logreg; "
        "none for detection.",
    )
    training_version = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Default: the working version of the default dataset."
    )
    training_split = serializers.ChoiceField(choices=SPLITS, default="train")
    evaluation_version = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Default: the training version."
    )
    evaluation_split = serializers.ChoiceField(
        choices=SPLITS, default="val", help_text="Never augmented; must differ from the training data."
    )
    candidates = IndexedListField(
        child=CandidateInputSerializer(), required=False, default=list, max_length=MAX_CANDIDATES
    )
    dose = DoseInputSerializer(required=False, allow_null=True, default=None)
    seed = serializers.IntegerField(required=False, default=0, min_value=0, max_value=MAX_SEED)
    resamples = serializers.IntegerField(
        required=False, default=1000, min_value=MIN_RESAMPLES, max_value=MAX_RESAMPLES, help_text="Bootstrap resamples."
    )


class ExperimentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    url = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    training_version = VersionRefSerializer(read_only=True, allow_null=True)
    evaluation_version = VersionRefSerializer(read_only=True, allow_null=True)
    created_by_name = serializers.SerializerMethodField()
    headline = serializers.SerializerMethodField()

    class Meta:
        model = Experiment
        fields = [
            "id",
            "url",
            "name",
            "kind",
            "model_family",
            "status",
            "progress",
            "stage",
            "cancel_requested",
            "error",
            "training_version",
            "training_split",
            "evaluation_version",
            "evaluation_split",
            "candidates",
            "dose",
            "seed",
            "resamples",
            "headline",
            "rerun_of",
            "created_by",
            "created_by_name",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_url(self, experiment: Experiment) -> str:
        return reverse("experiment-detail", kwargs={"project_pk": experiment.project_id, "pk": experiment.pk})

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_progress(self, experiment: Experiment) -> dict[str, Any]:
        """status, total, done (model fits, or label sets for detection), percent, elapsed_s, eta."""
        return experiment.progress()

    def get_created_by_name(self, experiment: Experiment) -> str | None:
        return experiment.created_by.get_username() if experiment.created_by else None

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_headline(self, experiment: Experiment) -> list[dict[str, Any]]:
        """Per run of a completed classification experiment: label, accuracy and the difference to the baseline
        with its interval (the list page's summary)."""
        rows = []
        for run in (experiment.results or {}).get("runs", []):
            difference = run.get("difference") or {}
            rows.append(
                {
                    "key": run["key"],
                    "label": run["label"],
                    "role": run["role"],
                    "accuracy": run["accuracy"]["estimate"],
                    "accuracy_difference": difference.get("accuracy"),
                }
            )
        return rows


class ExperimentDetailSerializer(ExperimentSerializer):
    results = serializers.JSONField(read_only=True)
    inputs = serializers.JSONField(read_only=True)

    class Meta(ExperimentSerializer.Meta):
        fields = [*ExperimentSerializer.Meta.fields, "results", "inputs"]
        read_only_fields = fields
