"""Running a detection experiment: label statistics of the baseline and of each candidate (no model is trained)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from experiments import selectors
from experiments.baselines.labels import box_statistics, lost_boxes
from experiments.models import Experiment
from experiments.services.plans import LabelledSet, Plan
from experiments.services.progress import Progress


def run(experiment: Experiment, plan: Plan, progress: Progress) -> dict[str, Any]:
    class_ids = [info.id for info in plan.classes]
    sets = []
    for number, labelled in enumerate(plan.training_sets, start=1):
        progress.stage(f"Counting the boxes of {labelled.label} ({number} of {len(plan.training_sets)})")
        sets.append({**labelled.summary(), **_statistics(labelled, class_ids)})
        progress.step()
    return {
        "kind": plan.kind,
        "classes": [{"id": c.id, "name": c.name, "color": c.color} for c in plan.classes],
        "sets": sets,
        "warnings": list(plan.warnings),
    }


def _statistics(labelled: LabelledSet, class_ids: list[int]) -> dict[str, Any]:
    boxes = selectors.boxes_by_annotation([m.annotation_id for m in labelled.members])
    statistics = box_statistics([boxes.get(m.annotation_id, []) for m in labelled.members], class_ids)
    augmented = [m for m in labelled.members if m.source_item_id is not None]
    sources = selectors.source_annotations([m.item_id for m in augmented])
    source_boxes = selectors.boxes_by_annotation(sorted(set(sources.values())))
    pairs = [
        (_per_class(source_boxes.get(sources[m.item_id], [])), _per_class(boxes.get(m.annotation_id, [])))
        for m in augmented
        if m.item_id in sources
    ]
    statistics["lost"] = lost_boxes(pairs, class_ids) if augmented else None
    return statistics


def _per_class(boxes: list[Any]) -> Counter[int]:
    return Counter(box.class_id for box in boxes)
