"""What an experiment trains and evaluates on, worked out from its settings, with every check the API makes.

The same plan is made when the experiment is created (so bad input answers 400 naming the field) and again
when it runs (the data may have changed in between; then the experiment fails with the same message).

- Baseline: the original items (never augmented ones) of the training version's training split.
- A candidate is either a version (its items of the training split, originals and augmented), or the baseline
  plus what the given augmentation jobs made from the baseline's items.
- Evaluation: the evaluation version's evaluation split. It must hold no augmented item, share no item with
  any training set, and no training set may hold a copy made from one of its items: any of these would
  measure how well a model remembers, not how well it generalises.
- Labels: each item's latest accepted annotation, else its latest submitted one. For classification an item
  counts when that annotation has exactly one class; items with none or several are left out and counted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from augmentation.models import AugmentationJob
from augmentation.services.selection import UNASSIGNED
from experiments import selectors
from experiments.models import ExperimentKind
from experiments.selectors import ClassInfo, ItemRow
from projects.models import AnnotationKind, DatasetVersion, ItemKind, Project, Split
from projects.progress import JobStatus
from projects.selectors import usable_versions
from projects.services import ServiceError

SPLITS = (*(value for value in Split.values if value), UNASSIGNED)
MAX_CANDIDATES = 8
USABLE_JOB_STATUSES = (JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_ERRORS)


@dataclass(frozen=True)
class Shape:
    """What a kind of experiment reads: items of one kind, labelled by regions of one kind."""

    item_kind: str
    region_kind: str
    classified: bool

    @property
    def label_words(self) -> str:
        return {
            AnnotationKind.IMAGE_CLASS: "an image class",
            AnnotationKind.TEXT_CLASS: "a text class",
            AnnotationKind.BBOX: "boxes",
        }[self.region_kind]  # type: ignore[index]


SHAPES = {
    ExperimentKind.IMAGE_CLASSIFICATION: Shape(ItemKind.IMAGE, AnnotationKind.IMAGE_CLASS, classified=True),
    ExperimentKind.TEXT_CLASSIFICATION: Shape(ItemKind.TEXT, AnnotationKind.TEXT_CLASS, classified=True),
    ExperimentKind.DETECTION_STATISTICS: Shape(ItemKind.IMAGE, AnnotationKind.BBOX, classified=False),
}


@dataclass(frozen=True)
class Member:
    """One item a set trains or evaluates on, with the annotation its labels come from."""

    item_id: int
    annotation_id: int
    class_id: int | None  # the item's class (classification); None for detection sets
    source_item_id: int | None


@dataclass
class LabelledSet:
    key: str
    label: str
    role: str  # baseline | candidate | evaluation
    members: list[Member]
    unlabelled: int = 0  # no usable annotation, or (classification) no class
    several_classes: int = 0
    left_out_augmented: int = 0  # the baseline leaves augmented items of the training split out
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def item_ids(self) -> set[int]:
        return {member.item_id for member in self.members}

    @property
    def augmented(self) -> int:
        return sum(1 for member in self.members if member.source_item_id is not None)

    @property
    def class_ids(self) -> set[int]:
        return {member.class_id for member in self.members if member.class_id is not None}

    def fingerprint(self) -> str:
        """SHA-256 of (item, annotation, class) of every member: two runs with equal fingerprints used the same
        items with the same labels."""
        digest = hashlib.sha256()
        for member in sorted(self.members, key=lambda m: m.item_id):
            digest.update(f"{member.item_id}:{member.annotation_id}:{member.class_id}\n".encode())
        return digest.hexdigest()

    def summary(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "role": self.role,
            **self.source,
            "items": len(self.members),
            "augmented_items": self.augmented,
            "left_out_unlabelled": self.unlabelled,
            "left_out_several_classes": self.several_classes,
            "left_out_augmented": self.left_out_augmented,
            "fingerprint": self.fingerprint(),
        }


@dataclass
class Plan:
    kind: str
    shape: Shape
    baseline: LabelledSet
    candidates: list[LabelledSet]
    evaluation: LabelledSet | None
    classes: list[ClassInfo]
    warnings: list[str] = field(default_factory=list)

    @property
    def training_sets(self) -> list[LabelledSet]:
        return [self.baseline, *self.candidates]


@dataclass(frozen=True)
class Spec:
    """An experiment's settings as ids and names (what the API takes and an Experiment row stores)."""

    kind: str
    training_version: int | None
    training_split: str
    evaluation_version: int | None
    evaluation_split: str
    candidates: Sequence[dict[str, Any]]


# --- building ---------------------------------------------------------------------------------------------


def version_name(version: DatasetVersion) -> str:
    return f"v{version.number} ({version.name})" if version.name else f"v{version.number}"


def resolve_version(project: Project, version_id: int | None, field_name: str) -> DatasetVersion:
    if version_id is None:
        raise ServiceError("The dataset version this experiment used no longer exists.", field=field_name)
    version = usable_versions(project).filter(pk=version_id).first()
    if version is None:
        raise ServiceError(f"No ready dataset version with id {version_id} in this project.", field=field_name)
    return version


def check_split(split: str, field_name: str) -> None:
    if split not in SPLITS:
        raise ServiceError(f"Unknown split {split!r}; choose from {', '.join(SPLITS)}.", field=field_name)


def labelled(rows: Sequence[ItemRow], shape: Shape, *, key: str, label: str, role: str) -> LabelledSet:
    annotation_ids = [row.annotation_id for row in rows if row.annotation_id is not None]
    classes = selectors.classes_by_annotation(annotation_ids, shape.region_kind) if shape.classified else {}
    result = LabelledSet(key=key, label=label, role=role, members=[])
    for row in rows:
        if row.annotation_id is None:
            result.unlabelled += 1
            continue
        class_id = None
        if shape.classified:
            found = classes.get(row.annotation_id, [])
            if not found:
                result.unlabelled += 1
                continue
            if len(found) > 1:
                result.several_classes += 1
                continue
            class_id = found[0]
        result.members.append(Member(row.item_id, row.annotation_id, class_id, row.source_item_id))
    return result


def build_plan(project: Project, spec: Spec) -> Plan:
    shape = SHAPES[spec.kind]  # type: ignore[index]
    warnings: list[str] = []
    check_split(spec.training_split, "training_split")
    training_version = resolve_version(project, spec.training_version, "training_version")
    baseline = _baseline(training_version, spec.training_split, shape, warnings)
    evaluation = None
    if shape.classified:
        evaluation = _evaluation(project, spec, training_version, shape)
        _check_apart(baseline, evaluation, "evaluation_split")
    if len(spec.candidates) > MAX_CANDIDATES:
        raise ServiceError(f"At most {MAX_CANDIDATES} candidates per experiment.", field="candidates")
    candidates = [
        _candidate(project, position, entry, spec.training_split, baseline, evaluation, shape)
        for position, entry in enumerate(spec.candidates)
    ]
    used = set().union(*(s.class_ids for s in [baseline, *candidates, *([evaluation] if evaluation else [])]))
    if not shape.classified:
        used = {c.id for c in selectors.project_classes(project)}
    classes = [info for info in selectors.project_classes(project) if info.id in used]
    if evaluation is not None:
        unseen = sorted(info.name for info in classes if info.id in evaluation.class_ids - baseline.class_ids)
        if unseen:
            warnings.append(
                f"The evaluation split has classes the baseline never trains on ({', '.join(unseen)}); "
                "no baseline can predict them."
            )
    return Plan(spec.kind, shape, baseline, candidates, evaluation, classes, warnings)


def _baseline(version: DatasetVersion, split: str, shape: Shape, warnings: list[str]) -> LabelledSet:
    rows = selectors.split_rows(version, split, shape.item_kind)
    if not rows:
        raise ServiceError(
            f"Version {version_name(version)} has no {shape.item_kind} items in the {split} split: assign items "
            "to that split, or choose another version or split.",
            field="training_split",
        )
    originals = [row for row in rows if row.source_item_id is None]
    if not originals:
        raise ServiceError(
            f"The {split} split of {version_name(version)} holds only augmented items. The baseline trains on "
            "originals: choose the version the augmentation job started from (and add this one as a candidate).",
            field="training_version",
        )
    baseline = labelled(
        originals, shape, key="baseline", label=f"Baseline: {version_name(version)} {split}", role="baseline"
    )
    baseline.left_out_augmented = len(rows) - len(originals)
    baseline.source = {"version": version.pk, "version_number": version.number, "split": split}
    if baseline.left_out_augmented:
        warnings.append(
            f"The baseline leaves out the {baseline.left_out_augmented} augmented items of the training split; "
            "add the version as a candidate to train on them."
        )
    if not baseline.members:
        raise ServiceError(
            f"None of the {len(originals)} {shape.item_kind} items in the {split} split of {version_name(version)} "
            f"has {shape.label_words} in an accepted or submitted annotation, so there is nothing to train on: "
            f"this experiment needs {shape.item_kind}s labelled with {shape.label_words}.",
            field="training_version",
        )
    if shape.classified and len(baseline.class_ids) < 2:
        raise ServiceError(
            f"The training data ({len(baseline.members)} labelled items of the {split} split) has only one class; "
            "a classifier needs at least two. Label items of another class or choose another split.",
            field="training_split",
        )
    if not shape.classified and not any(selectors.boxes_by_annotation([m.annotation_id for m in baseline.members])):
        raise ServiceError(
            f"The labelled items in the {split} split of {version_name(version)} have no boxes; label statistics "
            "need object-detection labels.",
            field="training_version",
        )
    return baseline


def _evaluation(project: Project, spec: Spec, training_version: DatasetVersion, shape: Shape) -> LabelledSet:
    check_split(spec.evaluation_split, "evaluation_split")
    version_id = spec.evaluation_version if spec.evaluation_version is not None else training_version.pk
    version = resolve_version(project, version_id, "evaluation_version")
    split = spec.evaluation_split
    if version.pk == training_version.pk and split == spec.training_split:
        raise ServiceError(
            f"The evaluation split is the training split ({split}): evaluate on items the models never see, "
            "e.g. val or test.",
            field="evaluation_split",
        )
    rows = selectors.split_rows(version, split, shape.item_kind)
    if not rows:
        raise ServiceError(
            f"The {split} split of {version_name(version)} is empty (no {shape.item_kind} items): assign items to "
            "it on the Items page, or choose another split.",
            field="evaluation_split",
        )
    augmented = sum(1 for row in rows if row.source_item_id is not None)
    if augmented:
        raise ServiceError(
            f"The {split} split of {version_name(version)} contains {augmented} augmented items (made by "
            "augmentation jobs). Evaluate on items that were never augmented, e.g. the same split of the "
            "working version.",
            field="evaluation_version",
        )
    evaluation = labelled(rows, shape, key="evaluation", label=f"{version_name(version)} {split}", role="evaluation")
    evaluation.source = {"version": version.pk, "version_number": version.number, "split": split}
    if not evaluation.members:
        raise ServiceError(
            f"None of the {len(rows)} items in the {split} split of {version_name(version)} has "
            f"{shape.label_words} in an accepted or submitted annotation, so there is nothing to evaluate on.",
            field="evaluation_split",
        )
    return evaluation


def _check_apart(training: LabelledSet, evaluation: LabelledSet, field_name: str) -> None:
    """No item in both, and no training item made from an evaluation item."""
    evaluation_ids = evaluation.item_ids
    shared = training.item_ids & evaluation_ids
    if shared:
        raise ServiceError(
            f"{_count(len(shared), 'item')} {'is' if len(shared) == 1 else 'are'} both in {training.label} and in "
            "the evaluation split; a model would be "
            "scored on items it trained on. Choose splits that do not overlap.",
            field=field_name,
        )
    copies = sum(1 for member in training.members if member.source_item_id in evaluation_ids)
    if copies:
        raise ServiceError(
            f"{_count(copies, 'augmented item')} of {training.label} {'was' if copies == 1 else 'were'} made from "
            "evaluation items; a model would be "
            "scored on items it saw in another form. Evaluate on another split, or augment only the training "
            "split.",
            field=field_name,
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _candidate(
    project: Project,
    position: int,
    entry: dict[str, Any],
    split: str,
    baseline: LabelledSet,
    evaluation: LabelledSet | None,
    shape: Shape,
) -> LabelledSet:
    where = f"candidates[{position}]"
    has_version, job_ids = entry.get("version") is not None, list(entry.get("jobs") or [])
    if has_version == bool(job_ids):
        raise ServiceError("A candidate is either a `version` or a list of `jobs`.", field=where)
    key = f"candidate-{position + 1}"
    if has_version:
        version = resolve_version(project, entry["version"], f"{where}.version")
        rows = selectors.split_rows(version, split, shape.item_kind)
        label = entry.get("label") or f"{version_name(version)} {split}"
        candidate = labelled(rows, shape, key=key, label=label, role="candidate")
        candidate.source = {"version": version.pk, "version_number": version.number, "split": split}
        if not candidate.members:
            raise ServiceError(
                f"The {split} split of {version_name(version)} has no {shape.item_kind} items with "
                f"{shape.label_words}.",
                field=f"{where}.version",
            )
    else:
        candidate = _job_candidate(project, job_ids, entry.get("label") or "", key, baseline, shape, where)
    if shape.classified and len(candidate.class_ids) < 2:
        raise ServiceError(
            f"{candidate.label} has only one class among its labelled items; a classifier needs at least two.",
            field=where,
        )
    if evaluation is not None:
        _check_apart(candidate, evaluation, where)
    return candidate


def _job_candidate(
    project: Project,
    job_ids: list[int],
    label: str,
    key: str,
    baseline: LabelledSet,
    shape: Shape,
    where: str,
) -> LabelledSet:
    jobs = selectors.jobs_by_id(project, job_ids)
    made: list[ItemRow] = []
    for job_id in dict.fromkeys(job_ids):
        job = jobs.get(job_id)
        _check_job(job, job_id, shape, f"{where}.jobs")
        assert job is not None
        rows = selectors.job_output_rows(job, (member.item_id for member in baseline.members))
        if not rows:
            raise ServiceError(
                f"Job {job_id} made no outputs from the baseline's items (it augmented version "
                f"{version_name(job.source_version)}, splits {', '.join(job.selection.get('splits', []))}).",
                field=f"{where}.jobs",
            )
        made.extend(rows)
    outputs = labelled(made, shape, key=key, label="", role="candidate")
    default = f"Baseline + job{'s' if len(job_ids) > 1 else ''} {', '.join(map(str, dict.fromkeys(job_ids)))}"
    candidate = LabelledSet(
        key=key,
        label=label or default,
        role="candidate",
        members=[*baseline.members, *outputs.members],
        unlabelled=baseline.unlabelled + outputs.unlabelled,
        several_classes=baseline.several_classes + outputs.several_classes,
        source={"jobs": list(dict.fromkeys(job_ids)), "job_outputs": len(outputs.members)},
    )
    return candidate


def _check_job(job: AugmentationJob | None, job_id: int, shape: Shape, field_name: str) -> None:
    if job is None:
        raise ServiceError(f"No augmentation job with id {job_id} in this project.", field=field_name)
    if job.status not in USABLE_JOB_STATUSES:
        raise ServiceError(
            f"Job {job_id} is {job.status}; only completed jobs have outputs to train on.", field=field_name
        )
    if job.target != shape.item_kind:
        raise ServiceError(
            f"Job {job_id} augmented {job.target}s; this experiment is about {shape.item_kind}s.", field=field_name
        )


def members_by_item(sets: Iterable[LabelledSet]) -> dict[int, Member]:
    found: dict[int, Member] = {}
    for labelled_set in sets:
        for member in labelled_set.members:
            found.setdefault(member.item_id, member)
    return found
