"""Creating, cancelling and rerunning experiments.

`create_experiment` checks everything a user can get wrong (see services/plans.py) before it writes a row, so
bad input answers 400 naming the field; then it records the exact inputs and queues the run once the
transaction commits. `rerun_experiment` creates a new experiment from a finished one's recorded settings (the
dose pipeline as frozen then, not as edited since).
"""

from __future__ import annotations

import copy
import platform
from importlib import metadata
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from augmentation.models import Pipeline
from augmentation.services import pipelines as pipeline_service
from experiments.baselines import features, models
from experiments.models import Experiment, ExperimentKind
from experiments.services.plans import SHAPES, Plan, Spec, build_plan
from projects.models import AnnotationKind, Project
from projects.progress import JobStatus
from projects.selectors import default_dataset, working_version
from projects.services import ConflictError, ServiceError

DEFAULT_DOSE_COPIES = (0, 1, 2, 4, 8)
MAX_DOSE_LEVELS = 8
DEFAULT_MODEL = "logreg"
CONFIDENCE = 0.95
MIN_RESAMPLES, MAX_RESAMPLES = 100, 10_000
# What each kind needs among the project's annotation kinds.
KIND_NEEDS = {
    ExperimentKind.IMAGE_CLASSIFICATION: AnnotationKind.IMAGE_CLASS,
    ExperimentKind.TEXT_CLASSIFICATION: AnnotationKind.TEXT_CLASS,
    ExperimentKind.DETECTION_STATISTICS: AnnotationKind.BBOX,
}
LIBRARIES = ("scikit-learn", "numpy", "scipy", "opencv-python-headless", "albumentations")
LABEL_RULE = (
    "each item's latest accepted annotation, else its latest submitted one; a classification item counts when "
    "that annotation has exactly one class"
)


def applicable_kinds(project: Project) -> list[str]:
    return [kind for kind, needs in KIND_NEEDS.items() if needs in (project.kinds or [])]


def create_experiment(
    *,
    project: Project,
    user: AbstractBaseUser,
    kind: str | None = None,
    model: str | None = None,
    training_version: int | None = None,
    training_split: str = "train",
    evaluation_version: int | None = None,
    evaluation_split: str = "val",
    candidates: list[dict[str, Any]] | None = None,
    dose: dict[str, Any] | None = None,
    seed: int = 0,
    resamples: int = 1000,
    name: str = "",
    rerun_of: Experiment | None = None,
) -> Experiment:
    kind = _kind(project, kind)
    family = _family(kind, model)
    if not MIN_RESAMPLES <= resamples <= MAX_RESAMPLES:
        raise ServiceError(f"Resamples must be between {MIN_RESAMPLES} and {MAX_RESAMPLES}.", field="resamples")
    if training_version is None and rerun_of is None:
        training_version = working_version(default_dataset(project)).pk
    candidates = [_candidate_spec(entry) for entry in candidates or []]
    frozen_dose = _dose(project, kind, dose)
    if not candidates and frozen_dose is None:
        raise ServiceError(
            "Nothing to compare: give at least one candidate (a version, or augmentation jobs) or a dose setting.",
            field="candidates",
        )
    spec = Spec(
        kind=kind,
        training_version=training_version,
        training_split=training_split,
        evaluation_version=evaluation_version,
        evaluation_split=evaluation_split if SHAPES[kind].classified else "",  # type: ignore[index]
        candidates=candidates,
    )
    plan = build_plan(project, spec)
    levels = [c for c in (frozen_dose or {}).get("copies", []) if c > 0]
    with transaction.atomic():
        experiment = Experiment.objects.create(
            project=project,
            created_by=user,  # type: ignore[misc]
            name=name,
            kind=kind,
            model_family=family,
            training_version_id=plan.baseline.source["version"],
            training_split=training_split,
            evaluation_version_id=plan.evaluation.source["version"] if plan.evaluation else None,
            evaluation_split=spec.evaluation_split,
            candidates=candidates,
            dose=frozen_dose,
            seed=seed,
            resamples=resamples,
            total=1 + len(plan.candidates) + len(levels),
            inputs=recorded_inputs(plan, family=family, dose=frozen_dose, seed=seed, resamples=resamples),
            rerun_of=rerun_of,
        )
        transaction.on_commit(lambda: _queue_run(experiment.pk))
    return experiment


def _queue_run(experiment_id: int) -> None:
    from experiments.celery_tasks import run_experiment

    run_experiment.delay(experiment_id)


def _kind(project: Project, kind: str | None) -> str:
    usable = applicable_kinds(project)
    labels = dict(ExperimentKind.choices)
    if kind:
        if kind not in labels:
            raise ServiceError(f"Unknown kind {kind!r}; choose from {', '.join(labels)}.", field="kind")
        if kind not in usable:
            needs = AnnotationKind(KIND_NEEDS[kind]).label.lower()  # type: ignore[index]
            raise ServiceError(
                f"{labels[kind]} needs a project that uses {needs} labels; this one does not.", field="kind"
            )
        return kind
    if len(usable) == 1:
        return usable[0]
    if not usable:
        raise ServiceError(
            "Experiments need image classes, text classes or boxes; this project uses none of them.", field="kind"
        )
    raise ServiceError(
        f"This project allows several kinds of experiment: choose one of {', '.join(usable)}.", field="kind"
    )


def _family(kind: str, model: str | None) -> str:
    if not SHAPES[kind].classified:  # type: ignore[index]
        if model:
            raise ServiceError("Detection experiments train no model: leave `model` out.", field="model")
        return ""
    family = model or DEFAULT_MODEL
    offered = models.families_for(kind)
    if family not in offered:
        raise ServiceError(
            f"Model {family!r} is not offered for {kind.replace('_', ' ')}; choose from {', '.join(offered)}.",
            field="model",
        )
    return family


def _candidate_spec(entry: dict[str, Any]) -> dict[str, Any]:
    label = str(entry.get("label") or "")
    if entry.get("version") is not None:
        return {"label": label, "version": int(entry["version"])}
    return {"label": label, "jobs": [int(job) for job in entry.get("jobs") or []]}


def _dose(project: Project, kind: str, dose: dict[str, Any] | None) -> dict[str, Any] | None:
    """The dose setting with its pipeline frozen (config and seed), as the run will use it."""
    if dose is None:
        return None
    shape = SHAPES[kind]  # type: ignore[index]
    if not shape.classified:
        raise ServiceError(
            "A dose curve needs a trained model; detection experiments report label statistics only.", field="dose"
        )
    copies = sorted({int(c) for c in dose.get("copies") or DEFAULT_DOSE_COPIES})
    limit = settings.AUGMENTATION_MAX_COPIES_PER_ITEM
    if any(not 0 <= c <= limit for c in copies):
        raise ServiceError(f"Copies per item must be between 0 and {limit}.", field="dose.copies")
    if not any(c > 0 for c in copies):
        raise ServiceError("A dose curve needs at least one level above 0 copies.", field="dose.copies")
    if len(copies) > MAX_DOSE_LEVELS:
        raise ServiceError(f"At most {MAX_DOSE_LEVELS} dose levels.", field="dose.copies")
    if "pipeline_config" in dose:  # a rerun: the pipeline exactly as the first run used it
        config, name, pipeline_id = dose["pipeline_config"], dose.get("pipeline_name", ""), dose.get("pipeline")
    else:
        pipeline_id = dose.get("pipeline")
        pipeline = (
            Pipeline.objects.filter(project=project, pk=pipeline_id).first() if isinstance(pipeline_id, int) else None
        )
        if pipeline is None:
            raise ServiceError(f"No pipeline with id {pipeline_id} in this project.", field="dose.pipeline")
        config = copy.deepcopy(pipeline.config)
        seed = dose.get("seed")
        config["seed"] = int(pipeline.config.get("seed", 0) if seed is None else seed)
        name, pipeline_id = pipeline.name, pipeline.pk
    built = pipeline_service.build(config, field="dose.pipeline")
    if built.target != shape.item_kind:
        raise ServiceError(
            f"Pipeline {name!r} transforms {built.target}s; this experiment is about {shape.item_kind}s.",
            field="dose.pipeline",
        )
    return {
        "pipeline": pipeline_id,
        "pipeline_name": name,
        "pipeline_config": config,
        "seed": int(config.get("seed", 0)),
        "copies": copies,
    }


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def recorded_inputs(
    plan: Plan, *, family: str, dose: dict[str, Any] | None, seed: int, resamples: int
) -> dict[str, Any]:
    """Everything needed to run the experiment again and to tell whether a rerun saw the same data."""
    baseline = plan.baseline.source
    evaluation = plan.evaluation.source if plan.evaluation else None
    recorded: dict[str, Any] = {
        "kind": plan.kind,
        "training": {**baseline},
        "evaluation": evaluation,
        "sets": [s.summary() for s in plan.training_sets] + ([plan.evaluation.summary()] if plan.evaluation else []),
        "classes": [{"id": c.id, "name": c.name} for c in plan.classes],
        "labels": LABEL_RULE,
        "dose": dose,
        "seed": seed,
        "bootstrap": {"resamples": resamples, "confidence": CONFIDENCE, "paired": True} if plan.evaluation else None,
        "libraries": library_versions(),
        "recorded_at": timezone.now().isoformat(),
    }
    if family:
        estimator = models.make_classifier(plan.kind, family, seed=seed, n_train=len(plan.baseline.members))
        recorded["model"] = {"family": family, **models.describe(estimator)}
        if plan.kind == ExperimentKind.IMAGE_CLASSIFICATION:
            recorded["features"] = features.settings()
    return recorded


def cancel_experiment(experiment: Experiment) -> Experiment:
    """A queued experiment is cancelled at once; a running one stops before its next model fit."""
    with transaction.atomic():
        locked = Experiment.objects.select_for_update().get(pk=experiment.pk)
        if locked.is_finished:
            raise ConflictError(f"The experiment has already finished ({locked.status}).", status=locked.status)
        locked.cancel_requested = True
        fields = ["cancel_requested"]
        if locked.status == JobStatus.QUEUED:
            locked.status, locked.finished_at, locked.stage = JobStatus.CANCELLED, timezone.now(), ""
            fields += ["status", "finished_at", "stage"]
        locked.save(update_fields=fields)
    return locked


def rerun_experiment(experiment: Experiment, user: AbstractBaseUser) -> Experiment:
    """A new experiment with the same settings (and the same frozen dose pipeline)."""
    if not experiment.is_finished:
        raise ConflictError("The experiment is still running; rerun it once it has finished.")
    if SHAPES[experiment.kind].classified and experiment.evaluation_version_id is None:  # type: ignore[index]
        raise ServiceError("The evaluation version this experiment used no longer exists.", field="evaluation_version")
    return create_experiment(
        project=experiment.project,
        user=user,
        kind=experiment.kind,
        model=experiment.model_family or None,
        training_version=experiment.training_version_id,
        training_split=experiment.training_split,
        evaluation_version=experiment.evaluation_version_id,
        evaluation_split=experiment.evaluation_split or "val",
        candidates=list(experiment.candidates or []),
        dose=experiment.dose,
        seed=experiment.seed,
        resamples=experiment.resamples,
        name=experiment.name,
        rerun_of=experiment,
    )
