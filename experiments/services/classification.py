"""Running a classification experiment: read every item once, train the same model on each training set,
predict the evaluation split, and compare every run to the baseline on the same bootstrap resamples."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from experiments.baselines import bootstrap, metrics, models
from experiments.models import Experiment, ExperimentKind, ModelFamily
from experiments.services.dose import DoseCopies, make_copies
from experiments.services.experiments import CONFIDENCE
from experiments.services.inputs import ImageInputs, TextInputs
from experiments.services.plans import LabelledSet, Member, Plan, members_by_item
from experiments.services.progress import Progress


@dataclass
class Training:
    key: str
    label: str
    role: str  # baseline | candidate | dose
    copies: int | None
    inputs: Any  # feature matrix or list of texts
    labels: np.ndarray  # class indexes
    summary: dict[str, Any]


def run(experiment: Experiment, plan: Plan, progress: Progress) -> dict[str, Any]:
    assert plan.evaluation is not None
    index = {info.id: position for position, info in enumerate(plan.classes)}
    reader = ImageInputs() if plan.kind == ExperimentKind.IMAGE_CLASSIFICATION else TextInputs()
    every_item = sorted(members_by_item([*plan.training_sets, plan.evaluation]))
    progress.stage(f"Reading {len(every_item)} {plan.shape.item_kind}s")
    reader.load(every_item)

    evaluation = plan.evaluation.members
    eval_inputs = reader.stack(reader.of([m.item_id for m in evaluation]))
    eval_labels = class_indexes(evaluation, index)

    def training(labelled: LabelledSet, copies: int | None) -> Training:
        rows = reader.of([m.item_id for m in labelled.members])
        labels = class_indexes(labelled.members, index)
        return Training(
            labelled.key, labelled.label, labelled.role, copies, reader.stack(rows), labels, labelled.summary()
        )

    dose = experiment.dose
    trainings = [training(plan.baseline, 0 if dose else None), *(training(c, None) for c in plan.candidates)]
    made: DoseCopies | None = None
    if dose:
        made = make_copies(experiment.project, dose, plan, progress)
        trainings.extend(_dose_trainings(plan, trainings[0], made, dose, index, reader))

    predictions: dict[str, np.ndarray] = {}
    fitted: dict[str, models.Run] = {}
    for number, entry in enumerate(trainings, start=1):
        progress.stage(f"Training {entry.label} ({number} of {len(trainings)}, {len(entry.labels)} items)")
        estimator = models.make_classifier(
            plan.kind, experiment.model_family, seed=experiment.seed, n_train=len(entry.labels)
        )
        fitted[entry.key] = models.fit_predict(estimator, entry.inputs, entry.labels, eval_inputs)
        predictions[entry.key] = fitted[entry.key].predictions.astype(np.int64)
        progress.step()

    progress.stage(f"Bootstrap: {experiment.resamples} paired resamples of {len(evaluation)} evaluation items")
    compared = bootstrap.compare(
        eval_labels,
        predictions,
        len(plan.classes),
        baseline="baseline",
        resamples=experiment.resamples,
        seed=experiment.seed,
        confidence=CONFIDENCE,
    )
    runs = [_run_result(entry, fitted[entry.key], compared[entry.key], eval_labels, plan) for entry in trainings]
    results: dict[str, Any] = {
        "kind": plan.kind,
        "model": {"family": experiment.model_family, "label": ModelFamily(experiment.model_family).label},
        "confidence": CONFIDENCE,
        "resamples": experiment.resamples,
        "classes": [{"id": c.id, "name": c.name, "color": c.color} for c in plan.classes],
        "evaluation": {
            **plan.evaluation.summary(),
            "support": np.bincount(eval_labels, minlength=len(plan.classes)).tolist(),
        },
        "runs": runs,
        "dose": None,
        "warnings": list(plan.warnings),
    }
    if dose and made is not None:
        results["dose"] = {
            "pipeline": dose.get("pipeline"),
            "pipeline_name": dose.get("pipeline_name", ""),
            "seed": dose.get("seed"),
            "copies": dose["copies"],
            "failed_copies": made.failed,
            "copies_without_single_class": made.without_single_class,
        }
        if made.failed:
            results["warnings"].append(f"The engine could not make {made.failed} of the dose curve's copies.")
    return results


def class_indexes(members: list[Member], index: dict[int, int]) -> np.ndarray:
    """The members' classes as indexes 0..K-1 (classification members always have a class)."""
    return np.array([index[m.class_id] for m in members if m.class_id is not None], dtype=np.int64)


def _dose_trainings(
    plan: Plan,
    baseline: Training,
    made: DoseCopies,
    dose: dict[str, Any],
    index: dict[int, int],
    reader: ImageInputs | TextInputs,
) -> list[Training]:
    baseline_rows = reader.of([m.item_id for m in plan.baseline.members])
    out = []
    for copies in dose["copies"]:
        if copies == 0:
            continue  # the baseline is the curve's first point
        extra = made.level(copies)
        labels = np.concatenate([baseline.labels, np.array([index[c] for _, c in extra], dtype=np.int64)])
        key, label = f"dose-{copies}", f"{copies} cop{'y' if copies == 1 else 'ies'} per item"
        summary = {"key": key, "label": label, "role": "dose", "items": len(labels), "augmented_items": len(extra)}
        out.append(
            Training(
                key,
                label,
                "dose",
                copies,
                reader.stack([*baseline_rows, *(row for row, _ in extra)]),  # type: ignore[list-item]
                labels,
                summary,
            )
        )
    return out


def _run_result(
    entry: Training, fitted: models.Run, compared: dict[str, Any], eval_labels: np.ndarray, plan: Plan
) -> dict[str, Any]:
    report = metrics.classification_report(eval_labels, fitted.predictions, len(plan.classes))
    difference = compared["difference"]
    return {
        "key": entry.key,
        "label": entry.label,
        "role": entry.role,
        "copies": entry.copies,
        "training": entry.summary,
        "training_items": len(entry.labels),
        "training_seconds": round(fitted.training_seconds, 4),
        "accuracy": compared["accuracy"].as_json(),
        "macro_f1": compared["macro_f1"].as_json(),
        "difference": None if difference is None else {m: d.as_json() for m, d in difference.items()},
        "per_class": [
            {
                "class": plan.classes[row.index].id,
                "precision": row.precision,
                "recall": row.recall,
                "f1": row.f1,
                "support": row.support,
            }
            for row in report.per_class
        ],
        "confusion_matrix": report.confusion,
        "warnings": fitted.warnings,
    }
