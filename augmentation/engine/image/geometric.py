"""Flips, rotations, affine and perspective warps: pixels through OpenCV, labels through one 3x3 matrix.

Matrices are in continuous pixel coordinates (the whole image spans [0, W] x [0, H]); `warp.warp_image` converts
them to OpenCV's pixel-centre convention, so a 90° rotation by matrix equals `np.rot90` exactly.
Positive angles turn the picture counter-clockwise on screen, as in OpenCV and Albumentations.
"""

from __future__ import annotations

import math
from typing import ClassVar

import cv2
import numpy as np

from augmentation.engine.geometry import affine_matrix, translation, with_matrix
from augmentation.engine.image.warp import keep_channel_axis, warp_image, warp_mask
from augmentation.engine.params import Param, fill_params, interpolation_param
from augmentation.engine.sample import Sample
from augmentation.engine.transform import Context, ImageTransform, register


def rotation_matrix(angle_degrees: float, center: tuple[float, float], scale: float = 1.0) -> np.ndarray:
    cos, sin = math.cos(math.radians(angle_degrees)) * scale, math.sin(math.radians(angle_degrees)) * scale
    return translation(*center) @ affine_matrix(cos, sin, 0, -sin, cos, 0) @ translation(-center[0], -center[1])


class WarpTransform(ImageTransform):
    """A transform whose output pixels come from a matrix warp, with a fill mode for uncovered pixels."""

    group: ClassVar[str] = "geometric"
    interpolation: str
    fill_mode: str
    fill: int | tuple[int, int, int]
    fill_mask: int

    def warp(self, sample: Sample, matrix: np.ndarray, context: Context) -> Sample:
        size = (sample.width, sample.height)
        image = warp_image(sample.image, matrix, size, self.interpolation, self.fill_mode, self.fill)
        mask = warp_mask(sample.mask, matrix, size, self.fill_mode, self.fill_mask)
        return with_matrix(sample, image, mask, matrix, context.min_visibility)


@register
class HorizontalFlip(ImageTransform):
    name = "HorizontalFlip"
    group = "geometric"
    summary = "Mirror left to right."

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        image = keep_channel_axis(cv2.flip(sample.image, 1), sample.image)
        mask = None if sample.mask is None else np.ascontiguousarray(sample.mask[:, ::-1])
        return with_matrix(sample, image, mask, affine_matrix(-1, 0, sample.width, 0, 1, 0), context.min_visibility)


@register
class VerticalFlip(ImageTransform):
    name = "VerticalFlip"
    group = "geometric"
    summary = "Mirror top to bottom."

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        image = keep_channel_axis(cv2.flip(sample.image, 0), sample.image)
        mask = None if sample.mask is None else np.ascontiguousarray(sample.mask[::-1])
        return with_matrix(sample, image, mask, affine_matrix(1, 0, 0, 0, -1, sample.height), context.min_visibility)


def rotate90(sample: Sample, quarter_turns: int, min_visibility: float) -> Sample:
    """Exact counter-clockwise quarter turns (no resampling); width and height swap for odd turns."""
    quarter_turns %= 4
    if quarter_turns == 0:
        return sample
    image = np.ascontiguousarray(np.rot90(sample.image, quarter_turns))
    mask = None if sample.mask is None else np.ascontiguousarray(np.rot90(sample.mask, quarter_turns))
    width, height = sample.width, sample.height
    matrix = {
        1: affine_matrix(0, 1, 0, -1, 0, width),
        2: affine_matrix(-1, 0, width, 0, -1, height),
        3: affine_matrix(0, -1, height, 1, 0, 0),
    }[quarter_turns]
    return with_matrix(sample, image, mask, matrix, min_visibility)


@register
class RandomRotate90(ImageTransform):
    name = "RandomRotate90"
    group = "geometric"
    summary = "Turn by 0, 90, 180 or 270 degrees, chosen uniformly; exact, no resampling."

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        return rotate90(sample, int(rng.integers(0, 4)), context.min_visibility)


@register
class Rotate(WarpTransform):
    name = "Rotate"
    summary = "Rotate by an angle drawn from `limit` (degrees) about the image centre, keeping the image size."
    params = (
        Param(
            "limit",
            "number_range",
            (-30.0, 30.0),
            -180,
            180,
            symmetric=True,
            description="angle range in degrees; one number x means [-x, x]",
        ),
        interpolation_param(),
        *fill_params(),
    )
    limit: tuple[float, float]

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        angle = rng.uniform(*self.limit)
        return self.warp(sample, rotation_matrix(angle, (sample.width / 2, sample.height / 2)), context)


@register
class Affine(WarpTransform):
    name = "Affine"
    summary = "Scale, translate, rotate and shear about the image centre in one resampling."
    params = (
        Param("scale", "number_range", (1.0, 1.0), 0.01, 10, description="zoom factor range (1 = unchanged)"),
        Param("keep_ratio", "boolean", True, description="one zoom factor for x and y (else drawn separately)"),
        Param(
            "translate_percent",
            "number_range",
            (0.0, 0.0),
            -1,
            1,
            description="shift range as a fraction of width (x) and height (y), drawn separately",
        ),
        Param("rotate", "number_range", (0.0, 0.0), -180, 180, symmetric=True, description="degrees"),
        Param(
            "shear",
            "number_range",
            (0.0, 0.0),
            -80,
            80,
            symmetric=True,
            description="degrees, x and y drawn separately",
        ),
        interpolation_param(),
        *fill_params(),
    )
    scale: tuple[float, float]
    keep_ratio: bool
    translate_percent: tuple[float, float]
    rotate: tuple[float, float]
    shear: tuple[float, float]

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        scale_x = rng.uniform(*self.scale)
        scale_y = scale_x if self.keep_ratio else rng.uniform(*self.scale)
        shift_x, shift_y = rng.uniform(*self.translate_percent, size=2)
        angle = rng.uniform(*self.rotate)
        shear_x, shear_y = rng.uniform(*self.shear, size=2)
        center = (sample.width / 2, sample.height / 2)
        shear = affine_matrix(1, math.tan(math.radians(shear_x)), 0, math.tan(math.radians(shear_y)), 1, 0)
        matrix = (
            translation(center[0] + shift_x * sample.width, center[1] + shift_y * sample.height)
            @ rotation_matrix(angle, (0.0, 0.0))
            @ shear
            @ affine_matrix(scale_x, 0, 0, 0, scale_y, 0)
            @ translation(-center[0], -center[1])
        )
        return self.warp(sample, matrix, context)


@register
class Perspective(WarpTransform):
    name = "Perspective"
    summary = "Move the four corners inwards by random amounts and stretch that quadrilateral to the full image."
    params = (
        Param(
            "scale",
            "number_range",
            (0.05, 0.1),
            0,
            0.4,
            description="standard deviation of the corner shifts, as a fraction of the image size",
        ),
        interpolation_param(),
        *fill_params(),
    )
    scale: tuple[float, float]

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        width, height = sample.width, sample.height
        sigma = rng.uniform(*self.scale)
        # Clamped below half the size so the quadrilateral never folds over itself.
        shifts = np.minimum(np.abs(rng.normal(0, sigma, size=(4, 2))), 0.45) * (width, height)
        corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
        inwards = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]])
        source = (corners + inwards * shifts).astype(np.float32)
        matrix = cv2.getPerspectiveTransform(source, corners).astype(np.float64)
        return self.warp(sample, matrix, context)
