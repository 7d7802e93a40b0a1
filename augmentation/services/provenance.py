"""Regenerate an augmented item from its provenance alone: the frozen pipeline (with the job's seed), the source
item, the source annotation at the version the job read, and the copy index. The result is byte-identical to
the stored output, which is how an output is checked or rebuilt after its file is lost."""

from __future__ import annotations

from typing import Any

from augmentation.engine import Pipeline as EnginePipeline
from augmentation.models import AugmentationJob
from augmentation.services import chunks, samples
from augmentation.services.pipelines import engine_resources
from labeling.models import Annotation, AnnotationRevision, Region
from projects.models import AnnotationKind, Item
from projects.services import ServiceError


def regenerate(output: Item) -> chunks.Made:
    provenance = output.provenance or {}
    if "job" not in provenance:
        raise ServiceError("This item was not made by an augmentation job.")
    source = Item.objects.get(pk=provenance["source_item"])
    annotation = Annotation.objects.get(pk=provenance["source_annotation"])
    regions = regions_at_version(annotation, provenance["source_annotation_version"])
    annotation._prefetched_objects_cache = {"regions": regions}  # type: ignore[attr-defined]
    job = AugmentationJob.objects.select_related("project").get(pk=provenance["job"])
    pipeline = EnginePipeline.from_config(provenance["pipeline"], resources=engine_resources())
    classes = samples.ClassIndex.of(job.project)
    sample = chunks.source_sample(source, regions, classes)
    return chunks.augment(
        job,
        pipeline,
        source,
        annotation,
        sample,
        provenance["copy_index"],
        classes,
        chunks.job_pool(job, pipeline, classes),
    )


def regions_at_version(annotation: Annotation, version: int) -> list[Region]:
    """The annotation's regions as they were at `version` (from its revision history when it changed since)."""
    if annotation.version == version:
        return list(annotation.regions.all())
    revisions = AnnotationRevision.objects.filter(annotation=annotation, version__lte=version, regions__isnull=False)
    revision = revisions.order_by("-version").first()
    if revision is None:
        raise ServiceError(f"Version {version} of annotation {annotation.pk} is not in its history.")
    return [_region(data) for data in revision.regions or []]


def _region(data: dict[str, Any]) -> Region:
    """A Region (unsaved) from the API shape that revisions keep."""
    region = Region(
        kind=data["kind"],
        label_class_id=data["label_class"],
        key=data["key"],
        comment=data.get("comment", ""),
        confidence=data.get("confidence"),
    )
    kind = data["kind"]
    if kind == AnnotationKind.BBOX:
        region.x, region.y, region.width, region.height = data["x"], data["y"], data["width"], data["height"]
    elif kind == AnnotationKind.POLYGON:
        region.points, region.holes = data["points"], data.get("holes") or []
    elif kind == AnnotationKind.MASK:
        region.mask_height, region.mask_width = data["rle"]["size"]
        region.rle = data["rle"]["counts"]
    elif kind == AnnotationKind.TEXT_SPAN:
        region.start, region.end = data["start"], data["end"]
    return region
