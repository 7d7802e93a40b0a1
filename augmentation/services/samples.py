"""Between the database and the engine: items and their regions become engine samples, and back.

Class ids travel through the engine as small indexes (1..K, in class id order) because a mask is a label
map and CopyPaste writes polygon labels into it: boxes, polygons, masks and image classes must share one
label space. Masks are semantic: all mask regions of a class become one label-map value, so an output has
at most one mask region per class (instances of a class that touch are not told apart). Polygon holes
travel with their polygon (moved, clipped, and dropped when nothing of them stays in the picture).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import cv2
import numpy as np

from augmentation.engine import Sample, TextSample
from labeling import rle
from labeling.models import REGION_CONTENT_FIELDS, Annotation, Region
from projects.models import AnnotationKind, Item, ItemKind, LabelClass, Project

JPEG_QUALITY = 95
# Outputs of JPEG sources stay JPEG (photos); everything else is stored losslessly as PNG.
JPEG_SUFFIXES = (".jpg", ".jpeg")
# A region's coordinates are stored with this many decimals: float32 noise ("12.300000190734863") is not data.
COORDINATE_DECIMALS = 3
MIN_POLYGON_AREA = 1e-6
MASK_KINDS = (AnnotationKind.MASK,)


class UnsupportedLabels(ValueError):
    """The item's labels cannot go through the engine faithfully; the message says why."""


@dataclass(frozen=True)
class ClassIndex:
    """LabelClass ids <-> the 1-based indexes the engine sees (0 is a mask's background)."""

    ids: tuple[int, ...]

    @classmethod
    def of(cls, project: Project) -> ClassIndex:
        return cls(tuple(LabelClass.objects.filter(project=project).order_by("id").values_list("id", flat=True)))

    @cached_property
    def _positions(self) -> dict[int, int]:
        return {pk: position + 1 for position, pk in enumerate(self.ids)}

    def index(self, class_id: int) -> int:
        return self._positions[class_id]

    def class_id(self, index: int) -> int | None:
        return self.ids[index - 1] if 1 <= index <= len(self.ids) else None


# --- reading ---------------------------------------------------------------------------------------


def read_file(item: Item) -> bytes:
    with item.file.open("rb") as stored:
        return stored.read()


def decode_image(data: bytes) -> np.ndarray:
    """HxWx3 RGB uint8. Stored files are upright already (uploads apply EXIF orientation), so it is ignored."""
    array = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if array is None:
        raise ValueError("the stored image could not be decoded")
    return cv2.cvtColor(array, cv2.COLOR_BGR2RGB)


def image_sample(image: np.ndarray, regions: Sequence[Region], classes: ClassIndex, *, scale: float = 1.0) -> Sample:
    """The engine sample of an image and its regions; `scale` shrinks both (previews cap the image size)."""
    height, width = image.shape[:2]
    if scale != 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    boxes, box_labels, polygons, polygon_labels, image_labels = [], [], [], [], []
    holes: list[list[np.ndarray]] = []
    mask: np.ndarray | None = None
    for region in regions:
        index = classes.index(region.label_class_id)
        if region.kind == AnnotationKind.BBOX:
            x, y, w, h = (float(v or 0.0) * scale for v in (region.x, region.y, region.width, region.height))
            boxes.append([x, y, x + w, y + h])
            box_labels.append(index)
        elif region.kind == AnnotationKind.POLYGON:
            polygons.append(np.asarray(region.points, dtype=np.float32) * scale)
            polygon_labels.append(index)
            holes.append([np.asarray(ring, dtype=np.float32) * scale for ring in region.holes or []])
        elif region.kind == AnnotationKind.MASK:
            if (region.mask_height, region.mask_width) != (height, width):
                raise UnsupportedLabels(
                    f"mask {region.key!r} is {region.mask_width}x{region.mask_height}, the image {width}x{height}"
                )
            if mask is None:
                mask = np.zeros((height, width), dtype=np.uint16)
            mask[rle.decode(rle.from_string(region.rle), height, width)] = index
        elif region.kind == AnnotationKind.IMAGE_CLASS:
            image_labels.append(index)
    if mask is not None and scale != 1.0:
        mask = cv2.resize(mask, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_NEAREST_EXACT)
    weights = dict.fromkeys(image_labels, 1.0) if len(image_labels) > 1 else None
    return Sample.from_image(
        image,
        boxes=boxes or None,
        box_labels=box_labels or None,
        polygons=polygons,
        polygon_labels=polygon_labels or None,
        polygon_holes=holes,
        mask=mask,
        image_label=image_labels[0] if image_labels else None,
        label_weights=weights,
    )


def text_sample(text: str, regions: Sequence[Region], classes: ClassIndex) -> TextSample:
    spans = [
        (region.start or 0, region.end or 0, classes.index(region.label_class_id))
        for region in regions
        if region.kind == AnnotationKind.TEXT_SPAN
    ]
    labels = [classes.index(r.label_class_id) for r in regions if r.kind == AnnotationKind.TEXT_CLASS]
    return TextSample.create(text, label=labels[0] if labels else None, spans=spans)


# --- writing ---------------------------------------------------------------------------------------


def encode_image(image: np.ndarray, suffix: str) -> tuple[bytes, str]:
    """(bytes, suffix): JPEG for JPEG sources, PNG otherwise. OpenCV's encoders are deterministic."""
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 and image.shape[2] == 3 else image
    if suffix.lower() in JPEG_SUFFIXES:
        ok, encoded = cv2.imencode(".jpg", bgr, (cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY))
        suffix = ".jpg"
    else:
        ok, encoded = cv2.imencode(".png", bgr, (cv2.IMWRITE_PNG_COMPRESSION, 3))
        suffix = ".png"
    if not ok:
        raise ValueError("the augmented image could not be encoded")
    return encoded.tobytes(), suffix


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _ring_area(points: list[list[float]]) -> float:
    """Shoelace area of a ring of [x, y] points."""
    array = np.asarray(points, dtype=np.float64)
    xs, ys = array[:, 0], array[:, 1]
    return 0.5 * abs(float(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1))))


def _round(value: float) -> float:
    return round(float(value), COORDINATE_DECIMALS)


def image_regions(sample: Sample, classes: ClassIndex, *, multi_class: bool) -> list[dict[str, Any]]:
    """Region field dicts (`Region(annotation=..., **fields)`) for an augmented image sample."""
    width, height = sample.width, sample.height
    fields: list[dict[str, Any]] = []

    def add(kind: str, index: int, **values: Any) -> None:
        class_id = classes.class_id(int(index))
        if class_id is not None:
            fields.append({"kind": kind, "label_class_id": class_id, "key": f"{kind}-{len(fields)}", **values})

    for box, label in zip(sample.boxes, sample.box_labels, strict=True):
        x0, y0 = max(0.0, float(box[0])), max(0.0, float(box[1]))
        x1, y1 = min(float(width), float(box[2])), min(float(height), float(box[3]))
        if x1 - x0 <= 0 or y1 - y0 <= 0:
            continue
        w, h = _round(x1 - x0), _round(y1 - y0)
        add(AnnotationKind.BBOX, label, x=_round(x0), y=_round(y0), width=w, height=h, area=w * h)
    for index, (polygon, label) in enumerate(zip(sample.polygons, sample.polygon_labels, strict=True)):
        points = [[_round(x), _round(y)] for x, y in polygon]
        outer = _ring_area(points)
        if len(points) < 3 or outer <= MIN_POLYGON_AREA:
            continue
        holes = []
        for ring in sample.holes(index):
            hole = [[_round(x), _round(y)] for x, y in ring]
            if len(hole) >= 3 and _ring_area(hole) > MIN_POLYGON_AREA:
                holes.append(hole)
        # As the labelling API stores it: the outer ring's area less its holes'.
        area = outer - sum(_ring_area(hole) for hole in holes)
        if area <= MIN_POLYGON_AREA:
            continue
        xs, ys = [x for x, _ in points], [y for _, y in points]
        left, top = min(xs), min(ys)
        add(
            AnnotationKind.POLYGON,
            label,
            points=points,
            holes=holes,
            area=area,
            x=left,
            y=top,
            width=max(xs) - left,
            height=max(ys) - top,
        )
    if sample.mask is not None:
        for index in np.unique(sample.mask):
            if index == 0:
                continue
            counts = rle.encode(sample.mask == index)
            box = rle.bounding_box(counts, height)
            if box is None:
                continue
            add(
                AnnotationKind.MASK,
                int(index),
                rle=rle.to_string(counts),
                mask_height=height,
                mask_width=width,
                area=float(rle.area(counts)),
                x=float(box[0]),
                y=float(box[1]),
                width=float(box[2]),
                height=float(box[3]),
            )
    for index, weight in _image_classes(sample, multi_class):
        add(AnnotationKind.IMAGE_CLASS, index, confidence=None if weight >= 1.0 else round(weight, 4))
    return fields


def _image_classes(sample: Sample, multi_class: bool) -> list[tuple[int, float]]:
    """Image classes with their weight: mixing (MixUp, CutMix, Mosaic) makes soft labels, kept as confidence.

    A single-class project keeps only the dominant class, as its schema allows one.
    """
    weights = sample.soft_labels()
    if not weights:
        return []
    if multi_class:
        return [(int(index), float(weight)) for index, weight in sorted(weights.items()) if weight > 0]
    dominant = sample.image_label if sample.image_label is not None else max(weights, key=weights.__getitem__)
    return [(int(dominant), float(weights.get(dominant, 1.0)))]


def text_regions(sample: TextSample, source_regions: Iterable[Region], classes: ClassIndex) -> list[dict[str, Any]]:
    """Spans as the engine moved them; text classes unchanged (text transforms keep a text's meaning)."""
    fields: list[dict[str, Any]] = [
        copy_region_fields(region) for region in source_regions if region.kind == AnnotationKind.TEXT_CLASS
    ]
    for span in sample.spans:
        class_id = classes.class_id(int(span.label))
        if class_id is not None:
            key = f"text_span-{len(fields)}"
            fields.append(
                {
                    "kind": AnnotationKind.TEXT_SPAN,
                    "label_class_id": class_id,
                    "key": key,
                    "start": span.start,
                    "end": span.end,
                }
            )
    return fields


def copy_region_fields(region: Region) -> dict[str, Any]:
    return {name: getattr(region, name) for name in REGION_CONTENT_FIELDS}


def display_regions(fields: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Region field dicts in the API's region shape (what the annotation endpoints show)."""
    return [Region(**values).as_dict() for values in fields]


# --- the pool mixing transforms draw from ------------------------------------------------------------


class SamplePool:
    """`pool(rng) -> Sample` for MixUp, CutMix, Mosaic and CopyPaste: a candidate drawn with the output's own
    generator, so the draw is part of the reproducible output. Loaded samples are kept for the pool's life."""

    def __init__(self, candidates: Sequence[Any], load: Callable[[Any], Sample], *, keep: int = 64) -> None:
        if not candidates:
            raise ValueError("mixing transforms need other labelled items to mix with; the selection has none")
        self.candidates = list(candidates)
        self.load = load
        self.keep = keep
        self.loaded: dict[int, Sample] = {}

    def __call__(self, rng: np.random.Generator) -> Sample:
        position = int(rng.integers(0, len(self.candidates)))
        sample = self.loaded.get(position)
        if sample is None:
            sample = self.load(self.candidates[position])
            if len(self.loaded) >= self.keep:
                self.loaded.pop(next(iter(self.loaded)))
            self.loaded[position] = sample
        return sample


def annotations_with_regions(annotation_ids: Iterable[int]) -> dict[int, Annotation]:
    """Annotations by id with their regions, in two plain queries (read back by `annotation_regions`).

    What `prefetch_related("regions")` gives, for a fraction of its cost per region: jobs read ten regions or
    more per source item."""
    annotations = Annotation.objects.in_bulk(list(annotation_ids))
    regions: dict[int, list[Region]] = {pk: [] for pk in annotations}
    for region in Region.objects.filter(annotation_id__in=list(annotations)).order_by("id"):
        regions[region.annotation_id].append(region)
    for pk, annotation in annotations.items():
        annotation._prefetched_objects_cache = {"regions": regions[pk]}  # type: ignore[attr-defined]
    return annotations


def annotation_regions(annotation: Annotation | None) -> list[Region]:
    if annotation is None:
        return []
    cached = getattr(annotation, "_prefetched_objects_cache", {}).get("regions")
    return list(cached) if cached is not None else list(annotation.regions.all())


def is_image(item: Item) -> bool:
    return item.kind == ItemKind.IMAGE
