"""Reads for experiments: the experiments of a project, and the items and labels an experiment trains and
evaluates on.

An item's labels are chosen as augmentation jobs choose them (`augmentation.services.selection`): its latest
accepted annotation, else its latest submitted one; never a draft or a prediction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet

from augmentation.models import AugmentationJob, JobOutput, OutputStatus
from augmentation.services.selection import UNASSIGNED, chosen_annotation
from experiments.baselines.labels import Box
from experiments.models import Experiment
from labeling.models import Region
from projects.models import AnnotationKind, DatasetVersion, Item, LabelClass, Project, VersionItem

BATCH = 5000


def experiments_of(project: Project) -> QuerySet[Experiment]:
    return (
        Experiment.objects.filter(project=project)
        .select_related("training_version", "evaluation_version", "created_by")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class ItemRow:
    """One item of a set: its chosen annotation (None when it has no usable one) and, for an augmented item, the
    item it was made from."""

    item_id: int
    annotation_id: int | None
    source_item_id: int | None


def database_split(split: str) -> str:
    return "" if split == UNASSIGNED else split


def split_rows(version: DatasetVersion, split: str, item_kind: str) -> list[ItemRow]:
    """The version's items of one kind in one split, by item id."""
    rows = (
        VersionItem.objects.filter(version=version, split=database_split(split), item__kind=item_kind)
        .annotate(annotation_id=chosen_annotation(OuterRef("item_id")))
        .order_by("item_id")
        .values_list("item_id", "annotation_id", "item__source_item_id")
    )
    return [ItemRow(item_id, annotation_id, source_id) for item_id, annotation_id, source_id in rows]


def job_output_rows(job: AugmentationJob, source_ids: Iterable[int]) -> list[ItemRow]:
    """The items a job made (outputs that succeeded) from the given source items, by item id."""
    sources = set(source_ids)
    made = [
        output_id
        for output_id, source_id in JobOutput.objects.filter(
            job=job, status=OutputStatus.OK, output_item__isnull=False
        ).values_list("output_item_id", "source_item_id")
        if source_id in sources
    ]
    rows: list[ItemRow] = []
    for start in range(0, len(made), BATCH):
        batch = (
            Item.objects.filter(pk__in=made[start : start + BATCH])
            .annotate(annotation_id=chosen_annotation())
            .values_list("pk", "annotation_id", "source_item_id")
        )
        rows.extend(ItemRow(item_id, annotation_id, source_id) for item_id, annotation_id, source_id in batch)
    return sorted(rows, key=lambda row: row.item_id)


def classes_by_annotation(annotation_ids: Sequence[int], region_kind: str) -> dict[int, list[int]]:
    """{annotation id: the distinct class ids of its regions of `region_kind`}, for annotations that have any."""
    found: dict[int, set[int]] = defaultdict(set)
    for start in range(0, len(annotation_ids), BATCH):
        rows = Region.objects.filter(annotation_id__in=annotation_ids[start : start + BATCH], kind=region_kind)
        for annotation_id, class_id in rows.values_list("annotation_id", "label_class_id"):
            found[annotation_id].add(class_id)
    return {annotation_id: sorted(classes) for annotation_id, classes in found.items()}


def boxes_by_annotation(annotation_ids: Sequence[int]) -> dict[int, list[Box]]:
    found: dict[int, list[Box]] = defaultdict(list)
    for start in range(0, len(annotation_ids), BATCH):
        rows = Region.objects.filter(
            annotation_id__in=annotation_ids[start : start + BATCH], kind=AnnotationKind.BBOX
        ).order_by("id")
        for annotation_id, class_id, width, height in rows.values_list(
            "annotation_id", "label_class_id", "width", "height"
        ):
            found[annotation_id].append(Box(class_id, float(width or 0.0), float(height or 0.0)))
    return dict(found)


def source_annotations(item_ids: Sequence[int]) -> dict[int, int]:
    """{augmented item id: the id of the annotation its job read}, from each item's provenance."""
    found: dict[int, int] = {}
    for start in range(0, len(item_ids), BATCH):
        rows = Item.objects.filter(pk__in=item_ids[start : start + BATCH], source_item__isnull=False)
        for item_id, provenance in rows.values_list("pk", "provenance"):
            annotation_id = (provenance or {}).get("source_annotation")
            if isinstance(annotation_id, int):
                found[item_id] = annotation_id
    return found


@dataclass(frozen=True)
class ClassInfo:
    id: int
    name: str
    color: str


def project_classes(project: Project) -> list[ClassInfo]:
    return [
        ClassInfo(pk, name, color)
        for pk, name, color in LabelClass.objects.filter(project=project)
        .order_by("order", "id")
        .values_list("pk", "name", "color")
    ]


def jobs_by_id(project: Project, job_ids: Sequence[int]) -> dict[int, AugmentationJob]:
    return (
        AugmentationJob.objects.filter(project=project, pk__in=job_ids)
        .select_related("output_version", "source_version")
        .in_bulk()
    )


def per_class_rows(experiment: Experiment) -> tuple[list[str], list[dict[str, object]]]:
    """The per-class table of a completed experiment: one row per run (or label set) and class."""
    results = experiment.results or {}
    names = {entry["id"]: entry["name"] for entry in results.get("classes", [])}
    if "runs" in results:
        columns = ["run", "label", "role", "copies", "training_items", "class_id", "class"]
        columns += ["precision", "recall", "f1", "support"]
        rows = [
            {
                "run": run["key"],
                "label": run["label"],
                "role": run["role"],
                "copies": run.get("copies"),
                "training_items": run["training_items"],
                "class_id": entry["class"],
                "class": names.get(entry["class"], ""),
                **{metric: entry[metric] for metric in ("precision", "recall", "f1", "support")},
            }
            for run in results["runs"]
            for entry in run["per_class"]
        ]
        return columns, rows
    columns = ["set", "label", "role", "items", "class_id", "class", "boxes", "lost_boxes"]
    rows = []
    for labelled_set in results.get("sets", []):
        lost = {entry["class"]: entry["boxes"] for entry in (labelled_set.get("lost") or {}).get("per_class", [])}
        for entry in labelled_set["per_class"]:
            rows.append(
                {
                    "set": labelled_set["key"],
                    "label": labelled_set["label"],
                    "role": labelled_set["role"],
                    "items": labelled_set["items"],
                    "class_id": entry["class"],
                    "class": names.get(entry["class"], ""),
                    "boxes": entry["boxes"],
                    "lost_boxes": lost.get(entry["class"]) if labelled_set.get("lost") else None,
                }
            )
    return columns, rows
