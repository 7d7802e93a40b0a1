"""Curved warps: elastic and grid distortion.

Albumentations generates the displacement maps (with our generator passed in) and OpenCV resamples. Labels need
the forward map, which `cv2.remap` does not give: a remap says where each output pixel comes from. We invert it
for label points (exactly for the separable grid, by fixed-point iteration for the smooth elastic field) and
map densified outlines, so boxes follow bent edges rather than four corners.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import ClassVar

import numpy as np
from albumentations.augmentations.geometric import functional as albumentations_geometric

from augmentation.engine.geometry import map_labels
from augmentation.engine.image.geometric import WarpTransform
from augmentation.engine.image.warp import apply_to_mask, remap_image
from augmentation.engine.params import Param, fill_params, interpolation_param
from augmentation.engine.sample import Sample
from augmentation.engine.transform import Context, register

_INVERSION_STEPS = 12


def _sample_bilinear(field: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    height, width = field.shape
    x = np.clip(x, 0, width - 1)
    y = np.clip(y, 0, height - 1)
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    x1, y1 = np.minimum(x0 + 1, width - 1), np.minimum(y0 + 1, height - 1)
    fx, fy = x - x0, y - y0
    top = field[y0, x0] * (1 - fx) + field[y0, x1] * fx
    bottom = field[y1, x0] * (1 - fx) + field[y1, x1] * fx
    return top * (1 - fy) + bottom * fy


def invert_displacement(dx: np.ndarray, dy: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Forward point map of `output(q) = input(q + d(q))`: solve q + d(q) = p by fixed-point iteration.

    Converges when the field's gradient is below 1, which holds for the smoothed fields elastic transforms use.
    Works in OpenCV's pixel-index coordinates, hence the half-pixel shifts.
    """

    def point_map(points: np.ndarray) -> np.ndarray:
        source = np.asarray(points, dtype=np.float64) - 0.5
        guess = source.copy()
        for _ in range(_INVERSION_STEPS):
            guess[:, 0] = source[:, 0] - _sample_bilinear(dx, guess[:, 0], guess[:, 1])
            guess[:, 1] = source[:, 1] - _sample_bilinear(dy, guess[:, 0], guess[:, 1])
        return (guess + 0.5).astype(np.float32)

    return point_map


def _invert_monotonic(source_of_output: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Inverse of a 1-D increasing map output index -> source coordinate, with slope-1 extension at the ends."""
    size = len(source_of_output)
    sources = np.concatenate([[source_of_output[0] - 1], source_of_output, [source_of_output[-1] + 1]])
    outputs = np.arange(-1, size + 1, dtype=np.float64)
    return lambda values: np.interp(values, sources, outputs)


class RemapTransform(WarpTransform):
    group: ClassVar[str] = "geometric"

    def remap(
        self,
        sample: Sample,
        map_x: np.ndarray,
        map_y: np.ndarray,
        point_map: Callable[[np.ndarray], np.ndarray],
        context: Context,
    ) -> Sample:
        image = remap_image(sample.image, map_x, map_y, self.interpolation, self.fill_mode, self.fill)
        mask = apply_to_mask(
            sample.mask, lambda work: remap_image(work, map_x, map_y, "nearest", self.fill_mode, self.fill_mask)
        )
        if not len(sample.boxes) and not sample.polygons:
            return dataclasses.replace(sample, image=image, mask=mask)
        rect = (0.0, 0.0, float(sample.width), float(sample.height))
        labels = map_labels(sample, point_map, rect, context.min_visibility, curved=True)
        return dataclasses.replace(sample, image=image, mask=mask, **labels)  # type: ignore[arg-type]


@register
class ElasticTransform(RemapTransform):
    name = "ElasticTransform"
    summary = "Local rubber-sheet deformation: random displacements smoothed by a Gaussian (Simard et al.)."
    params = (
        Param("alpha", "number", 1.0, 0, 10000, description="displacement strength in pixels"),
        Param("sigma", "number", 50.0, 0.1, 1000, description="smoothness of the displacement (Gaussian sigma)"),
        interpolation_param(),
        *fill_params(),
    )
    alpha: float
    sigma: float

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        height, width = sample.height, sample.width
        dx, dy = albumentations_geometric.generate_displacement_fields(
            (height, width),
            self.alpha,
            self.sigma,
            same_dxdy=False,
            kernel_size=(0, 0),
            random_generator=rng,
            noise_distribution="gaussian",
        )
        grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
        return self.remap(sample, grid_x + dx, grid_y + dy, invert_displacement(dx, dy), context)


@register
class GridDistortion(RemapTransform):
    name = "GridDistortion"
    summary = "Stretch and squeeze the image along a coarse grid of rows and columns."
    params = (
        Param("num_steps", "integer", 5, 1, 100, description="grid cells per side"),
        Param("distort_limit", "number_range", (-0.3, 0.3), -0.9, 2, symmetric=True, description="cell size change"),
        interpolation_param(),
        *fill_params(),
    )
    num_steps: int
    distort_limit: tuple[float, float]

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        height, width = sample.height, sample.width
        steps = min(self.num_steps, width, height)
        steps_x = list(1 + rng.uniform(*self.distort_limit, size=steps + 1))
        steps_y = list(1 + rng.uniform(*self.distort_limit, size=steps + 1))
        normalized = albumentations_geometric.normalize_grid_distortion_steps((height, width), steps, steps_x, steps_y)
        map_x, map_y = albumentations_geometric.generate_grid(
            (height, width), list(normalized["steps_x"]), list(normalized["steps_y"]), steps
        )
        # The grid is separable and increasing per axis, so its inverse is exact by 1-D interpolation.
        invert_x, invert_y = _invert_monotonic(map_x[0]), _invert_monotonic(map_y[:, 0])

        def point_map(points: np.ndarray) -> np.ndarray:
            index = np.asarray(points, dtype=np.float64) - 0.5
            return (np.stack([invert_x(index[:, 0]), invert_y(index[:, 1])], axis=1) + 0.5).astype(np.float32)

        return self.remap(sample, map_x.astype(np.float32), map_y.astype(np.float32), point_map, context)
