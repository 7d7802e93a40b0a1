"""Experiments: does augmentation help? Train the same baseline model on a training set and on candidates
(the training set with augmented items), evaluate each on the same never-augmented split, and compare.

An experiment is a background job (TrackedJob: status, progress, cancel): `total` and `done` count model fits
(or, for detection projects, the label sets measured). What it was asked is kept in its fields; what it
actually used (item counts, fingerprints of the items and labels, the frozen dose pipeline, the model's
settings, library versions) is recorded in `inputs`; what it found is in `results`, written in one step when
the run completes. See experiments/README.md.
"""

from __future__ import annotations

from django.db import models

from projects.progress import TrackedJob


class ExperimentKind(models.TextChoices):
    IMAGE_CLASSIFICATION = "image_classification", "Image classification"
    TEXT_CLASSIFICATION = "text_classification", "Text classification"
    DETECTION_STATISTICS = "detection_statistics", "Detection label statistics"


class ModelFamily(models.TextChoices):
    """Every baseline model; which ones a kind offers is in experiments.baselines.models."""

    LOGREG = "logreg", "Logistic regression"
    LINEAR_SVM = "linear_svm", "Linear SVM"
    KNN = "knn", "k-nearest neighbours"
    MLP = "mlp", "Small MLP"
    NAIVE_BAYES = "naive_bayes", "Naive Bayes"


class Experiment(TrackedJob):
    name = models.CharField(max_length=200, blank=True, default="")
    kind = models.CharField(max_length=32, choices=ExperimentKind.choices)
    # Empty for detection experiments, which train nothing.
    model_family = models.CharField(max_length=16, choices=ModelFamily.choices, blank=True, default="")
    # SET_NULL: an experiment outlives the versions it used; `inputs` keeps their ids, numbers and names.
    training_version = models.ForeignKey(
        "projects.DatasetVersion", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # A split name as the API spells it: train, val, test or unassigned.
    training_split = models.CharField(max_length=16, default="train")
    evaluation_version = models.ForeignKey(
        "projects.DatasetVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evaluation_split = models.CharField(max_length=16, blank=True, default="val")
    # [{"label": "...", "version": id} | {"label": "...", "jobs": [id, ...]}], in the order given.
    candidates = models.JSONField(default=list, blank=True)
    # {"pipeline": id, "pipeline_name": "...", "pipeline_config": {... with "seed"}, "copies": [0, 1, 2, 4, 8]}
    dose = models.JSONField(null=True, blank=True)
    seed = models.BigIntegerField(default=0)
    resamples = models.PositiveIntegerField(default=1000)
    inputs = models.JSONField(default=dict, blank=True)
    results = models.JSONField(default=dict, blank=True)
    # What a running experiment is doing, for the progress display ("training candidate 2 of 3").
    stage = models.CharField(max_length=200, blank=True, default="")
    # Raised in the database each time a worker starts the run: a run that keeps killing its worker gives up.
    attempts = models.PositiveIntegerField(default=0)
    rerun_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reruns")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "status"])]

    def __str__(self) -> str:
        return f"experiment {self.pk} of project {self.project_id}"
