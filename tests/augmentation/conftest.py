"""Fixtures for augmentation pipelines and jobs (the engine's own tests live in tests/augmentation/engine/)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pytest
from django.utils import timezone
from PIL import Image

from augmentation.models import AugmentationJob, JobChunk, Pipeline
from augmentation.services import chunks, jobs
from labeling.models import Annotation, AnnotationStatus, Region
from projects.models import Item, ItemStatus, Project
from tests.factories import make_text_item, store_image_item

FLIP = {"seed": 0, "steps": [{"type": "HorizontalFlip", "p": 1.0}]}
FIVE_STEPS = {
    "seed": 1234,
    "min_visibility": 0.3,
    "steps": [
        {"type": "HorizontalFlip", "p": 0.5},
        {"type": "Affine", "p": 1.0, "rotate": [-15, 15], "scale": [0.9, 1.1], "fill_mode": "reflect"},
        {"type": "RandomBrightnessContrast", "p": 0.5},
        {"type": "GaussianBlur", "p": 0.5},
        {"type": "CoarseDropout", "p": 0.5},
    ],
}


def image_bytes(width: int, height: int, *, seed: int = 0, fmt: str = "JPEG") -> bytes:
    """A smooth gradient with a square, so JPEG compresses it like a photo and every image differs."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width]
    base = rng.uniform(0, 200, size=3)
    pixels = np.stack([np.clip(base[c] + 0.2 * xs + 0.1 * ys, 0, 255) for c in range(3)], axis=-1).astype(np.uint8)
    pixels[height // 4 : height // 2, width // 4 : width // 2] = rng.integers(0, 256, size=3)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt, quality=90)
    return buffer.getvalue()


def add_image(
    project: Project,
    *,
    width: int = 64,
    height: int = 48,
    split: str = "train",
    seed: int = 0,
    fmt: str = "JPEG",
    name: str | None = None,
) -> Item:
    suffix = ".jpg" if fmt == "JPEG" else ".png"
    data = image_bytes(width, height, seed=seed, fmt=fmt)
    return store_image_item(
        project, data, width=width, height=height, suffix=suffix, split=split, name=name or f"image-{seed}{suffix}"
    )


def add_text(project: Project, text: str, *, split: str = "train") -> Item:
    return make_text_item(project, text, split=split, name=f"{text[:10]}.txt")


def box(label_class: int, x: float, y: float, width: float, height: float) -> dict[str, Any]:
    return {
        "kind": "bbox",
        "label_class_id": label_class,
        "x": x,
        "y": y,
        "width": width,
        "height": height,
        "area": width * height,
    }


def image_class(label_class: int) -> dict[str, Any]:
    return {"kind": "image_class", "label_class_id": label_class}


def annotate(
    item: Item,
    regions: Iterable[dict[str, Any]],
    *,
    user=None,
    status: str = AnnotationStatus.ACCEPTED,
    is_prediction: bool = False,
    model_name: str = "",
) -> Annotation:
    user = user or item.project.created_by
    annotation = Annotation.objects.create(
        project=item.project,
        item=item,
        annotator=user,
        status=status,
        is_prediction=is_prediction,
        model_name=model_name,
        submitted_at=timezone.now(),
    )
    Region.objects.bulk_create(
        [Region(annotation=annotation, key=f"k{index}", **fields) for index, fields in enumerate(regions)]
    )
    item_status = {AnnotationStatus.ACCEPTED: ItemStatus.ACCEPTED, AnnotationStatus.SUBMITTED: ItemStatus.SUBMITTED}
    Item.objects.filter(pk=item.pk).update(status=item_status.get(status, ItemStatus.IN_PROGRESS))
    return annotation


@pytest.fixture
def classes(project) -> dict[str, int]:
    return dict(project.classes.values_list("name", "id"))


@pytest.fixture
def make_pipeline(project, manager) -> Callable[..., Pipeline]:
    def make(config: dict[str, Any] | None = None, name: str = "flip") -> Pipeline:
        from augmentation.services.pipelines import create_pipeline

        return create_pipeline(project=project, user=manager, name=name, config=config or FLIP)

    return make


@pytest.fixture
def labelled_images(project, classes) -> list[Item]:
    """Four 64x48 train JPEGs with one cat box each; the last also has a dog box."""
    items = []
    for seed in range(4):
        item = add_image(project, seed=seed)
        regions = [box(classes["cat"], 4 + seed, 6, 20, 10)]
        if seed == 3:
            regions.append(box(classes["dog"], 30, 20, 10, 12))
        annotate(item, regions)
        items.append(item)
    return items


def run_job(job: AugmentationJob, *, chunk_order: Sequence[int] | None = None) -> AugmentationJob:
    """Run a job the way workers do, in this process: plan, then every chunk (in `chunk_order` if given)."""
    jobs.start_job(job.pk)
    chunk_ids = list(JobChunk.objects.filter(job=job).order_by("index").values_list("pk", flat=True))
    for position in chunk_order if chunk_order is not None else range(len(chunk_ids)):
        chunks.run_chunk(chunk_ids[position])
    job.refresh_from_db()
    return job


@pytest.fixture
def launch(project, manager, make_pipeline) -> Callable[..., AugmentationJob]:
    def go(pipeline: Pipeline | None = None, **options: Any) -> AugmentationJob:
        pipeline = pipeline or Pipeline.objects.filter(project=project, name="flip").first() or make_pipeline()
        return jobs.launch_job(project=project, user=manager, pipeline=pipeline, **options)

    return go
