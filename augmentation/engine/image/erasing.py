"""Erasing: random erasing, coarse dropout and grid mask, anywhere or only inside / outside the boxes.

Shapes that the erased pixels leave less than `min_visibility` visible (or not visible at all) are removed with
their labels; the others keep their full extent.
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

import numpy as np

from augmentation.engine.geometry import drop_hidden_labels
from augmentation.engine.params import Param
from augmentation.engine.randomness import choose, integer_between
from augmentation.engine.sample import Sample
from augmentation.engine.transform import Context, ImageTransform, register

Hole = tuple[int, int, int, int]  # x_min, y_min, x_max, y_max in whole pixels
Reference = tuple[float, float, float, float]  # the rectangle hole sizes are relative to

REGIONS = ("anywhere", "inside_boxes", "outside_boxes")


def boxes_area_mask(boxes: np.ndarray, height: int, width: int) -> np.ndarray:
    covered = np.zeros((height, width), dtype=bool)
    for x0, y0, x1, y1 in np.round(boxes).astype(int):
        covered[max(y0, 0) : max(y1, 0), max(x0, 0) : max(x1, 0)] = True
    return covered


class ErasingTransform(ImageTransform):
    group: ClassVar[str] = "erasing"
    shared_params: ClassVar[tuple[Param, ...]] = (
        Param("fill", "color", 0, 0, 255, description="colour of the erased pixels"),
        Param("random_fill", "boolean", False, description="fill with uniform noise instead of `fill`"),
        Param("fill_mask", "integer", None, 0, 2**31 - 1, nullable=True, description="mask class there (null: keep)"),
        Param(
            "region",
            "enum",
            "anywhere",
            choices=REGIONS,
            description="where pixels may be erased; inside_boxes sizes holes relative to a random box",
        ),
    )
    fill: int | tuple[int, int, int]
    random_fill: bool
    fill_mask: int | None
    region: str

    @classmethod
    def all_params(cls) -> tuple[Param, ...]:
        return (*super().all_params(), *cls.shared_params)

    def holes_in(self, reference: Reference, rng: np.random.Generator) -> list[Hole]:
        raise NotImplementedError

    def references(self, sample: Sample, rng: np.random.Generator) -> list[Reference]:
        if self.region != "inside_boxes":
            return [(0.0, 0.0, float(sample.width), float(sample.height))]
        if not len(sample.boxes):
            return []
        return [tuple(choose(rng, sample.boxes))]  # type: ignore[list-item]

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        height, width = sample.height, sample.width
        holes = [
            (max(x0, 0), max(y0, 0), min(x1, width), min(y1, height))
            for reference in self.references(sample, rng)
            for x0, y0, x1, y1 in self.holes_in(reference, rng)
        ]
        holes = [hole for hole in holes if hole[2] > hole[0] and hole[3] > hole[1]]
        if not holes:
            return sample
        hidden = np.zeros((height, width), dtype=bool)
        for x0, y0, x1, y1 in holes:
            hidden[y0:y1, x0:x1] = True
        if self.region == "outside_boxes":
            hidden &= ~boxes_area_mask(sample.boxes, height, width)
        elif self.region == "inside_boxes":
            hidden &= boxes_area_mask(sample.boxes, height, width)
        image = sample.image.copy()
        mask = None if sample.mask is None or self.fill_mask is None else sample.mask.copy()
        # Rectangles fill by slicing; boolean indexing over the whole image costs several times more.
        rectangular = self.region == "anywhere"
        if self.random_fill:
            image[hidden] = rng.integers(0, 256, size=(int(hidden.sum()), image.shape[2]), dtype=np.uint8)
        elif rectangular:
            for x0, y0, x1, y1 in holes:
                image[y0:y1, x0:x1] = self.fill
        else:
            image[hidden] = self.fill
        if mask is not None:
            if rectangular:
                for x0, y0, x1, y1 in holes:
                    mask[y0:y1, x0:x1] = self.fill_mask
            else:
                mask[hidden] = self.fill_mask
        mask = sample.mask if mask is None else mask
        labels = (
            drop_hidden_labels(sample, hidden, context.min_visibility) if len(sample.boxes) or sample.polygons else {}
        )
        return dataclasses.replace(sample, image=image, mask=mask, **labels)  # type: ignore[arg-type]


def _place(reference: Reference, hole_width: float, hole_height: float, rng: np.random.Generator) -> Hole:
    x_min, y_min, x_max, y_max = reference
    x = rng.uniform(x_min, max(x_min, x_max - hole_width))
    y = rng.uniform(y_min, max(y_min, y_max - hole_height))
    return (round(x), round(y), round(x + hole_width), round(y + hole_height))


@register
class RandomErasing(ErasingTransform):
    name = "RandomErasing"
    summary = "Erase one rectangle of random area and aspect ratio (Zhong et al.)."
    params = (
        Param("scale", "number_range", (0.02, 0.33), 0.0001, 1, description="area as a fraction of the region"),
        Param("ratio", "number_range", (0.3, 3.3), 0.01, 100, description="height / width"),
    )
    scale: tuple[float, float]
    ratio: tuple[float, float]

    def holes_in(self, reference: Reference, rng: np.random.Generator) -> list[Hole]:
        width, height = reference[2] - reference[0], reference[3] - reference[1]
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            area = width * height * rng.uniform(*self.scale)
            aspect = math.exp(rng.uniform(*log_ratio))
            hole_height, hole_width = math.sqrt(area * aspect), math.sqrt(area / aspect)
            if hole_height <= height and hole_width <= width:
                return [_place(reference, hole_width, hole_height, rng)]
        return []


@register
class CoarseDropout(ErasingTransform):
    name = "CoarseDropout"
    summary = "Erase several rectangles, sizes as fractions of the region (DeVries & Taylor's cutout)."
    params = (
        Param("num_holes_range", "integer_range", (1, 2), 1, 1000, description="number of rectangles"),
        Param("hole_height_range", "number_range", (0.1, 0.2), 0, 1, description="height / region height"),
        Param("hole_width_range", "number_range", (0.1, 0.2), 0, 1, description="width / region width"),
    )
    num_holes_range: tuple[int, int]
    hole_height_range: tuple[float, float]
    hole_width_range: tuple[float, float]

    def holes_in(self, reference: Reference, rng: np.random.Generator) -> list[Hole]:
        width, height = reference[2] - reference[0], reference[3] - reference[1]
        count = integer_between(rng, self.num_holes_range)
        holes = []
        for _ in range(count):
            hole_height = rng.uniform(*self.hole_height_range) * height
            hole_width = rng.uniform(*self.hole_width_range) * width
            holes.append(_place(reference, hole_width, hole_height, rng))
        return holes


@register
class GridMask(ErasingTransform):
    name = "GridMask"
    summary = "Erase a regular grid of squares (Chen et al.'s GridMask)."
    params = (
        Param("ratio", "number", 0.5, 0.01, 1, description="erased side / grid unit side"),
        Param("unit_size_range", "integer_range", (32, 96), 2, 10000, description="grid unit in pixels"),
        Param("random_offset", "boolean", True, description="shift the grid randomly (else it starts at 0, 0)"),
    )
    ratio: float
    unit_size_range: tuple[int, int]
    random_offset: bool

    def holes_in(self, reference: Reference, rng: np.random.Generator) -> list[Hole]:
        x_min, y_min, x_max, y_max = (round(value) for value in reference)
        unit = integer_between(rng, self.unit_size_range)
        side = max(1, round(unit * self.ratio))
        offset_x, offset_y = (int(value) for value in rng.integers(0, unit, size=2)) if self.random_offset else (0, 0)
        return [
            (x, y, x + side, y + side)
            for y in range(y_min + offset_y - unit, y_max, unit)
            for x in range(x_min + offset_x - unit, x_max, unit)
        ]
