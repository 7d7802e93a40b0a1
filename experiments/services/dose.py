"""The dose curve's augmented copies, made in memory by the augmentation engine.

Copy k of an item is `pipeline(sample, rng=pipeline.rng_for(item id, k))`, the same generator key an
augmentation job with the same frozen pipeline and seed uses, through the same code that turns items and
annotations into engine samples (`augmentation.services.chunks.source_sample`). So the copies at "c copies per
item" are exactly the first c copies a job would make (before a job encodes them: PNG is lossless, so PNG items
give identical pixels; JPEG items differ by the job's JPEG re-encoding), and the levels are nested: the set at
4 copies is the set at 2 copies plus two more per item, which makes the curve a measure of quantity, not of
luck in the draws. Nothing is written: no items, no versions, no files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from augmentation.engine import Pipeline as EnginePipeline
from augmentation.engine import Sample
from augmentation.services import samples
from augmentation.services.chunks import source_sample
from augmentation.services.pipelines import engine_resources
from experiments.baselines import features
from experiments.services.plans import Member, Plan
from experiments.services.progress import Progress
from labeling.models import Annotation
from projects.models import AnnotationKind, Item, ItemKind, Project

BATCH = 500
STAGE_EVERY = 25


@dataclass
class DoseCopies:
    # copies[k]: (model input, class id) of copy k of every baseline item that made one
    copies: list[list[tuple[Any, int]]] = field(default_factory=list)
    failed: int = 0  # copies the engine could not make (the reason is logged per item)
    without_single_class: int = 0  # copies that came out with no class or several (mixing in multi-class projects)

    def level(self, copies_per_item: int) -> list[tuple[Any, int]]:
        return [row for k in range(copies_per_item) for row in self.copies[k]]


def make_copies(project: Project, dose: dict[str, Any], plan: Plan, progress: Progress) -> DoseCopies:
    most = max(dose["copies"])
    pipeline = EnginePipeline.from_config(dose["pipeline_config"], resources=engine_resources())
    classes = samples.ClassIndex.of(project)
    members = plan.baseline.members
    items: dict[int, Item] = {}
    annotations: dict[int, Annotation] = {}
    for start in range(0, len(members), BATCH):
        part = members[start : start + BATCH]
        items.update(Item.objects.in_bulk([m.item_id for m in part]))
        annotations.update(samples.annotations_with_regions(m.annotation_id for m in part))
    pool = None
    if plan.shape.item_kind == ItemKind.IMAGE and "pool" in pipeline.needs():
        pool = _pool(members, items, annotations, classes)
    made = DoseCopies(copies=[[] for _ in range(most)])
    for position, member in enumerate(members):
        if position % STAGE_EVERY == 0:
            progress.stage(f"Augmenting in memory for the dose curve: item {position + 1} of {len(members)}")
        item, annotation = items.get(member.item_id), annotations.get(member.annotation_id)
        if item is None or annotation is None:
            made.failed += most
            continue
        try:
            sample = source_sample(item, samples.annotation_regions(annotation), classes)
        except Exception:
            made.failed += most
            continue
        for k in range(most):
            try:
                result = pipeline(sample, rng=pipeline.rng_for(item.pk, k), pool=pool)
            except Exception:
                made.failed += 1
                continue
            row = _row(result, member, classes, project)
            if row is None:
                made.without_single_class += 1
            else:
                made.copies[k].append(row)
    return made


def _row(result: Any, member: Member, classes: samples.ClassIndex, project: Project) -> tuple[Any, int] | None:
    if not isinstance(result, Sample):
        # Text transforms keep a text's class (samples.text_regions copies text classes unchanged).
        assert member.class_id is not None
        return result.text, member.class_id
    fields = samples.image_regions(result, classes, multi_class=project.image_class_multi)
    found = {f["label_class_id"] for f in fields if f["kind"] == AnnotationKind.IMAGE_CLASS}
    if len(found) != 1:
        return None
    return features.image_features(result.image), found.pop()


def _pool(
    members: list[Member], items: dict[int, Item], annotations: dict[int, Annotation], classes: samples.ClassIndex
) -> samples.SamplePool:
    """Mixing transforms draw their second image from the baseline's items, as a job draws from its sources."""

    def load(member: Member) -> Sample:
        item, annotation = items[member.item_id], annotations.get(member.annotation_id)
        image = samples.decode_image(samples.read_file(item))
        return samples.image_sample(image, samples.annotation_regions(annotation), classes)

    return samples.SamplePool(members, load)
