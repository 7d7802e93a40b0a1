"""Preview a pipeline on a few items, in the request: the original and K augmented copies with their labels.

It runs the same code as a job with the same generator keys (rng_for(item id, copy index)), so the same seed
gives the same preview, and copy k shows the flips, crops and colours a job with that seed gives the item.
Images are shrunk to AUGMENTATION_PREVIEW_MAX_SIDE first (labels with them) and sent back as JPEG data URLs,
so an image preview with 8 copies stays well under a second without going through the workers.
"""

from __future__ import annotations

import base64
import copy
import time
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
from django.conf import settings

from augmentation.engine import Pipeline as EnginePipeline
from augmentation.engine import Sample, TextSample
from augmentation.services import samples
from augmentation.services.chunks import describe
from augmentation.services.pipelines import build
from augmentation.services.selection import chosen_annotation
from labeling.models import Annotation, Region
from projects.models import Item, ItemKind, LabelClass, Project
from projects.services import ServiceError

MAX_COPIES = 8
MAX_RANDOM_ITEMS = 4
PREVIEW_JPEG_QUALITY = 85
# Mixing transforms draw from at most this many other items of the project in a preview.
POOL_CANDIDATES = 32


def preview(
    *,
    project: Project,
    config: dict[str, Any],
    item_ids: Sequence[int] = (),
    random_count: int = 0,
    copies: int = 4,
    seed: int | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    if seed is not None:
        config = {**copy.deepcopy(config), "seed": seed}
    pipeline = build(config)
    if not 1 <= copies <= MAX_COPIES:
        raise ServiceError(f"Copies must be between 1 and {MAX_COPIES}.", field="copies")
    kind = pipeline.target
    items = _items(project, kind, item_ids, random_count, pipeline.seed)
    classes = samples.ClassIndex.of(project)
    labelled = (
        Item.objects.filter(project=project, kind=kind, source_item__isnull=True)
        .annotate(annotation_id=chosen_annotation())
        .filter(annotation_id__isnull=False)
    )
    annotation_of = dict(labelled.filter(pk__in=[i.pk for i in items]).values_list("pk", "annotation_id"))
    annotations = Annotation.objects.prefetch_related("regions").in_bulk(list(annotation_of.values()))
    pool = None
    if kind == ItemKind.IMAGE and "pool" in pipeline.needs():
        pool = _pool(labelled, annotations, classes, pipeline.seed)
    results = []
    for item in items:
        annotation = annotations.get(annotation_of.get(item.pk, 0))
        regions = samples.annotation_regions(annotation)
        results.append(_preview_item(pipeline, item, regions, classes, copies, pool, project.image_class_multi))
    return {
        "target": kind,
        "seed": pipeline.seed,
        "copies": copies,
        "items": results,
        "classes": [{"id": c.pk, "name": c.name, "color": c.color} for c in LabelClass.objects.filter(project=project)],
        "elapsed_ms": round((time.perf_counter() - started) * 1000),
    }


def _items(project: Project, kind: str, item_ids: Sequence[int], random_count: int, seed: int) -> list[Item]:
    if item_ids:
        found = Item.objects.in_bulk(list(item_ids))
        items = [found[pk] for pk in item_ids if pk in found and found[pk].project_id == project.pk]
        if len(items) != len(item_ids):
            raise ServiceError("No such item in this project.", field="item")
        wrong = [item for item in items if item.kind != kind]
        if wrong:
            raise ServiceError(
                f"This pipeline works on {kind}s; item {wrong[0].pk} is a {wrong[0].kind}.", field="item"
            )
        return items
    if not 1 <= random_count <= MAX_RANDOM_ITEMS:
        raise ServiceError(f"Preview 1 to {MAX_RANDOM_ITEMS} random items, or name an item.", field="random")
    # Labelled items first: a preview is about what happens to the labels.
    candidates = list(
        Item.objects.filter(project=project, kind=kind, source_item__isnull=True)
        .annotate(annotation_id=chosen_annotation())
        .order_by("-annotation_id", "id")
        .values_list("pk", "annotation_id")[:5000]
    )
    if not candidates:
        raise ServiceError(f"This project has no {kind} items to preview.", field="random")
    labelled = [pk for pk, annotation in candidates if annotation] or [pk for pk, _ in candidates]
    rng = np.random.default_rng([seed, 7919])
    chosen = rng.choice(len(labelled), size=min(random_count, len(labelled)), replace=False)
    picked = [labelled[int(index)] for index in sorted(chosen)]
    found = Item.objects.in_bulk(picked)
    return [found[pk] for pk in picked]


def _scale(item: Item) -> float:
    longest = max(item.width or 0, item.height or 0)
    limit = settings.AUGMENTATION_PREVIEW_MAX_SIDE
    return 1.0 if not longest or longest <= limit else limit / longest


def _pool(
    labelled: Any, annotations: dict[int, Annotation], classes: samples.ClassIndex, seed: int
) -> samples.SamplePool | None:
    pairs = list(labelled.order_by("id").values_list("pk", "annotation_id")[:1000])
    if not pairs:
        return None
    rng = np.random.default_rng([seed, 104729])
    chosen = sorted(int(i) for i in rng.choice(len(pairs), size=min(POOL_CANDIDATES, len(pairs)), replace=False))

    def load(pair: tuple[int, int]) -> Sample:
        item = Item.objects.get(pk=pair[0])
        annotation = annotations.get(pair[1]) or Annotation.objects.prefetch_related("regions").get(pk=pair[1])
        image = samples.decode_image(samples.read_file(item))
        return samples.image_sample(image, samples.annotation_regions(annotation), classes, scale=_scale(item))

    return samples.SamplePool([pairs[i] for i in chosen], load)


def _preview_item(
    pipeline: EnginePipeline,
    item: Item,
    regions: list[Region],
    classes: samples.ClassIndex,
    copies: int,
    pool: samples.SamplePool | None,
    multi_class: bool,
) -> dict[str, Any]:
    entry: dict[str, Any] = {"item": item.pk, "name": item.original_name, "kind": item.kind}
    try:
        if item.kind == ItemKind.TEXT:
            sample: Sample | TextSample = samples.text_sample(item.text, regions, classes)
        else:
            scale = _scale(item)
            entry["scale"] = scale
            image = samples.decode_image(samples.read_file(item))
            sample = samples.image_sample(image, regions, classes, scale=scale)
    except Exception as error:
        entry["error"] = describe(error)
        return entry
    entry["original"] = _shown(sample, regions, classes, multi_class)
    outputs = []
    for copy_index in range(copies):
        try:
            result = pipeline(sample, rng=pipeline.rng_for(item.pk, copy_index), pool=pool)
            outputs.append({"copy_index": copy_index, **_shown(result, regions, classes, multi_class)})
        except Exception as error:
            outputs.append({"copy_index": copy_index, "error": describe(error)})
    entry["outputs"] = outputs
    return entry


def _shown(
    sample: Sample | TextSample, source_regions: list[Region], classes: samples.ClassIndex, multi_class: bool
) -> dict[str, Any]:
    if isinstance(sample, TextSample):
        fields = samples.text_regions(sample, source_regions, classes)
        return {"text": sample.text, "regions": samples.display_regions(fields)}
    fields = samples.image_regions(sample, classes, multi_class=multi_class)
    bgr = cv2.cvtColor(sample.image, cv2.COLOR_RGB2BGR) if sample.image.shape[2] == 3 else sample.image
    ok, encoded = cv2.imencode(".jpg", bgr, (cv2.IMWRITE_JPEG_QUALITY, PREVIEW_JPEG_QUALITY))
    if not ok:
        raise ValueError("the preview image could not be encoded")
    return {
        "image": "data:image/jpeg;base64," + base64.b64encode(encoded.tobytes()).decode("ascii"),
        "width": sample.width,
        "height": sample.height,
        "regions": samples.display_regions(fields),
    }
