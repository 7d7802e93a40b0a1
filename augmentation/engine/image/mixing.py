"""Transforms that combine several samples: mixup, cutmix, mosaic and copy-paste.

The extra samples come from the pool given to the pipeline call (`pipeline(sample, rng=rng, pool=...)`), drawn
with the same generator, so a mixed result is as reproducible as any other.

Image-level classes become soft labels (`label_weights`) weighted by each source's share of the result, and
`image_label` becomes the class with the largest weight. Masks survive only when every source has one: a label
map that is missing for part of the image cannot be made up.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import ClassVar

import cv2
import numpy as np

from augmentation.engine.geometry import (
    drop_hidden_labels,
    map_labels,
    matrix_point_map,
    polygon_pixels,
    scaling,
    translation,
)
from augmentation.engine.image.crops import resize
from augmentation.engine.image.warp import resize_image, resize_mask
from augmentation.engine.params import Param
from augmentation.engine.randomness import integer_between
from augmentation.engine.sample import Sample, normal_holes
from augmentation.engine.transform import Context, ImageTransform, register

LabelFields = dict[str, object]


def weighted_labels(parts: Sequence[tuple[Sample, float]]) -> tuple[int | None, dict[int, float] | None]:
    """Soft labels from (source, share) pairs; the hard label is the heaviest class."""
    weights: dict[int, float] = defaultdict(float)
    for source, share in parts:
        for label, weight in source.soft_labels().items():
            weights[label] += weight * share
    if not weights:
        return None, None
    return max(weights, key=lambda label: weights[label]), dict(weights)


def concatenate_labels(parts: Sequence[LabelFields]) -> LabelFields:
    """Join label sets of several sources into one, renumbering box → polygon links."""
    boxes: list[np.ndarray] = []
    box_labels: list[np.ndarray] = []
    polygons: list[np.ndarray] = []
    polygon_labels: list[np.ndarray] = []
    links: list[np.ndarray] = []
    holes: list[list[np.ndarray]] = []
    for part in parts:
        offset = len(polygons)
        part_links = np.asarray(part["box_polygon"])
        part_polygons: list[np.ndarray] = part["polygons"]  # type: ignore[assignment]
        boxes.append(np.asarray(part["boxes"], dtype=np.float32).reshape(-1, 4))
        box_labels.append(np.asarray(part["box_labels"], dtype=np.int64))
        links.append(np.where(part_links >= 0, part_links + offset, -1))
        polygons.extend(part_polygons)
        polygon_labels.append(np.asarray(part["polygon_labels"], dtype=np.int64))
        part_holes: list[list[np.ndarray]] = part.get("polygon_holes") or []  # type: ignore[assignment]
        holes.extend(part_holes or [[] for _ in part_polygons])
    return {
        "boxes": np.concatenate(boxes) if boxes else np.zeros((0, 4), np.float32),
        "box_labels": np.concatenate(box_labels) if box_labels else np.zeros(0, np.int64),
        "polygons": polygons,
        "polygon_labels": np.concatenate(polygon_labels) if polygon_labels else np.zeros(0, np.int64),
        "box_polygon": np.concatenate(links).astype(np.int64) if links else np.zeros(0, np.int64),
        "polygon_holes": normal_holes(holes),
    }


def label_fields(sample: Sample) -> LabelFields:
    return {
        "boxes": sample.boxes,
        "box_labels": sample.box_labels,
        "polygons": sample.polygons,
        "polygon_labels": sample.polygon_labels,
        "box_polygon": sample.box_polygon,
        "polygon_holes": sample.polygon_holes,
    }


def same_size(other: Sample, like: Sample, min_visibility: float) -> Sample:
    if other.image.shape == like.image.shape:
        return other
    if other.image.shape[2] != like.image.shape[2]:
        raise ValueError(f"cannot mix a {other.image.shape[2]}-channel image into a {like.image.shape[2]}-channel one")
    return resize(other, like.width, like.height, "linear", min_visibility)


class MixingTransform(ImageTransform):
    group: ClassVar[str] = "mixing"
    needs = ("pool",)

    def partner(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        """One sample from the pool, resized (with its labels) to this sample's size."""
        (other,) = context.draw(rng, 1, by=self.name)
        return same_size(other, sample, context.min_visibility)

    @staticmethod
    def mixed(
        sample: Sample,
        image: np.ndarray,
        mask: np.ndarray | None,
        shares: Sequence[tuple[Sample, float]],
        labels: Sequence[LabelFields],
    ) -> Sample:
        """The combined sample: new pixels and mask, joined shape labels, and soft image labels by share."""
        image_label, weights = weighted_labels(shares)
        return dataclasses.replace(
            sample,
            image=image,
            mask=mask,
            image_label=image_label,
            label_weights=weights,
            **concatenate_labels(labels),  # type: ignore[arg-type]
        )


@register
class MixUp(MixingTransform):
    name = "MixUp"
    summary = "Blend with another sample: λ·A + (1-λ)·B, λ ~ Beta(alpha, alpha); boxes of both are kept."
    params = (Param("alpha", "number", 0.4, 0.01, 100, description="Beta distribution parameter"),)
    alpha: float

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        other = self.partner(sample, rng, context)
        share = float(rng.beta(self.alpha, self.alpha))
        image = cv2.addWeighted(sample.image, share, other.image, 1 - share, 0).reshape(sample.image.shape)
        dominant = sample if share >= 0.5 else other
        mask = dominant.mask if sample.mask is not None and other.mask is not None else None
        shares = [(sample, share), (other, 1 - share)]
        return self.mixed(sample, image, mask, shares, [label_fields(sample), label_fields(other)])


@register
class CutMix(MixingTransform):
    name = "CutMix"
    summary = "Paste a random rectangle of another sample; labels follow the pixels (Yun et al.)."
    params = (Param("alpha", "number", 1.0, 0.01, 100, description="Beta distribution parameter of the kept area"),)
    alpha: float

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        other = self.partner(sample, rng, context)
        width, height = sample.width, sample.height
        cut = math.sqrt(1 - float(rng.beta(self.alpha, self.alpha)))
        center_x, center_y = rng.uniform(0, width), rng.uniform(0, height)
        x0, x1 = (int(np.clip(round(center_x + sign * cut * width / 2), 0, width)) for sign in (-1, 1))
        y0, y1 = (int(np.clip(round(center_y + sign * cut * height / 2), 0, height)) for sign in (-1, 1))
        if x1 <= x0 or y1 <= y0:
            return sample
        image = sample.image.copy()
        image[y0:y1, x0:x1] = other.image[y0:y1, x0:x1]
        mask = None
        if sample.mask is not None and other.mask is not None:
            mask = sample.mask.copy()
            mask[y0:y1, x0:x1] = other.mask[y0:y1, x0:x1]
        hidden = np.zeros((height, width), dtype=bool)
        hidden[y0:y1, x0:x1] = True
        kept = drop_hidden_labels(sample, hidden, context.min_visibility)
        pasted = map_labels(other, matrix_point_map(np.eye(3)), (x0, y0, x1, y1), context.min_visibility)
        pasted_share = (x1 - x0) * (y1 - y0) / (width * height)
        return self.mixed(sample, image, mask, [(sample, 1 - pasted_share), (other, pasted_share)], [kept, pasted])


@register
class Mosaic(MixingTransform):
    name = "Mosaic"
    summary = "Four samples (this one and three from the pool) stretched into the quarters around a random centre."
    params = (
        Param("center_range", "number_range", (0.25, 0.75), 0.05, 0.95, description="centre as a fraction of size"),
    )
    center_range: tuple[float, float]

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        sources = [sample, *context.draw(rng, 3, by=self.name)]
        width, height = sample.width, sample.height
        center_x = int(np.clip(round(rng.uniform(*self.center_range) * width), 1, width - 1))
        center_y = int(np.clip(round(rng.uniform(*self.center_range) * height), 1, height - 1))
        quarters = [
            (0, 0, center_x, center_y),
            (center_x, 0, width, center_y),
            (0, center_y, center_x, height),
            (center_x, center_y, width, height),
        ]
        image = np.empty_like(sample.image)
        with_masks = all(source.mask is not None for source in sources)
        mask = np.empty_like(sample.mask) if with_masks and sample.mask is not None else None
        parts, shares = [], []
        for source, (x0, y0, x1, y1) in zip(sources, quarters, strict=True):
            if source.image.shape[2] != image.shape[2]:
                raise ValueError("Mosaic needs images with the same number of channels")
            image[y0:y1, x0:x1] = resize_image(source.image, x1 - x0, y1 - y0, "linear")
            if mask is not None:
                mask[y0:y1, x0:x1] = resize_mask(source.mask, x1 - x0, y1 - y0)
            matrix = translation(x0, y0) @ scaling((x1 - x0) / source.width, (y1 - y0) / source.height)
            parts.append(map_labels(source, matrix_point_map(matrix), (x0, y0, x1, y1), context.min_visibility))
            shares.append((source, (x1 - x0) * (y1 - y0) / (width * height)))
        return self.mixed(sample, image, mask, shares, parts)


@register
class CopyPaste(MixingTransform):
    name = "CopyPaste"
    summary = (
        "Cut segmented objects (polygons) out of another sample and paste them at random places (Ghiasi et al.); "
        "objects they cover are removed when less than min_visibility of them stays visible."
    )
    params = (
        Param("objects_range", "integer_range", (1, 3), 1, 100, description="objects pasted"),
        Param("scale_range", "number_range", (1.0, 1.0), 0.05, 10, description="size change of pasted objects"),
    )
    objects_range: tuple[int, int]
    scale_range: tuple[float, float]

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        (donor,) = context.draw(rng, 1, by=self.name)
        if not donor.polygons:
            return sample
        count = min(len(donor.polygons), integer_between(rng, self.objects_range))
        for index in rng.choice(len(donor.polygons), size=count, replace=False):
            sample = self.paste(sample, donor, int(index), rng, context)
        return sample

    def paste(self, sample: Sample, donor: Sample, index: int, rng: np.random.Generator, context: Context) -> Sample:
        polygon = donor.polygons[index]
        x0, y0 = np.floor(np.maximum(polygon.min(axis=0), 0)).astype(int)
        x1, y1 = np.ceil(np.minimum(polygon.max(axis=0), (donor.width, donor.height))).astype(int)
        if x1 <= x0 or y1 <= y0:
            return sample
        local = polygon - (x0, y0)
        local_holes = [hole - (x0, y0) for hole in donor.holes(index)]
        cut_image = donor.image[y0:y1, x0:x1]
        cut_shape = polygon_pixels(local, local_holes, (y1 - y0, x1 - x0))  # what shows through a hole stays
        cut_mask = None if donor.mask is None else donor.mask[y0:y1, x0:x1]
        factor = rng.uniform(*self.scale_range)
        factor = min(factor, sample.width / (x1 - x0), sample.height / (y1 - y0))
        width, height = max(1, math.floor((x1 - x0) * factor)), max(1, math.floor((y1 - y0) * factor))
        cut_image = resize_image(cut_image, width, height, "linear")
        cut_shape = resize_mask(cut_shape.astype(np.uint8), width, height).astype(bool)  # type: ignore[union-attr]
        cut_mask = resize_mask(cut_mask, width, height)
        left = int(rng.integers(0, sample.width - width + 1))
        top = int(rng.integers(0, sample.height - height + 1))

        hidden = np.zeros((sample.height, sample.width), dtype=bool)
        hidden[top : top + height, left : left + width] = cut_shape
        image = sample.image.copy()
        image[hidden] = cut_image[cut_shape]
        mask = sample.mask
        if mask is not None:
            mask = mask.copy()
            mask[hidden] = cut_mask[cut_shape] if cut_mask is not None else donor.polygon_labels[index]
        kept = drop_hidden_labels(sample, hidden, context.min_visibility)
        scale = (width / (x1 - x0), height / (y1 - y0))
        placed = (local * scale + (left, top)).astype(np.float32)
        placed_polygon = np.concatenate([placed.min(axis=0), placed.max(axis=0)])[None].astype(np.float32)
        pasted: LabelFields = {
            "boxes": placed_polygon,
            "box_labels": donor.polygon_labels[index : index + 1],
            "polygons": [placed],
            "polygon_labels": donor.polygon_labels[index : index + 1],
            "box_polygon": np.zeros(1, dtype=np.int64),
            "polygon_holes": normal_holes([[(hole * scale + (left, top)).astype(np.float32) for hole in local_holes]]),
        }
        return dataclasses.replace(sample, image=image, mask=mask, **concatenate_labels([kept, pasted]))  # type: ignore[arg-type]
