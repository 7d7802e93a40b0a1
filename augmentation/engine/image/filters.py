"""Kernel filters: blurs, sharpen and emboss. Labels never change."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import cv2
import numpy as np

from augmentation.engine.image.pixel import PixelTransform
from augmentation.engine.image.warp import keep_channel_axis
from augmentation.engine.params import Param
from augmentation.engine.problems import Problem, join_path
from augmentation.engine.transform import register

_NO_CHANGE = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=np.float32)


def odd_between(rng: np.random.Generator, low: int, high: int) -> int:
    """A random odd kernel size in [low, high] (both odd, checked at build time)."""
    return int(low + 2 * rng.integers(0, (high - low) // 2 + 1))


def odd_range_problems(parameters: dict[str, Any], name: str, path: str, allow_zero: bool = False) -> list[Problem]:
    low, high = parameters[name] or (3, 3)
    if allow_zero and low == high == 0:
        return []
    if low % 2 == 0 or high % 2 == 0:
        return [Problem(join_path(path, name), f"kernel sizes must be odd, got [{low}, {high}]")]
    return []


class FilterTransform(PixelTransform):
    group: ClassVar[str] = "filter"


@register
class GaussianBlur(FilterTransform):
    name = "GaussianBlur"
    summary = "Gaussian blur with a random sigma; kernel size from blur_limit, or from sigma when it is [0, 0]."
    params = (
        Param("sigma_limit", "number_range", (0.5, 3.0), 0, 100, description="standard deviation in pixels"),
        Param("blur_limit", "integer_range", (0, 0), 0, 255, description="odd kernel sizes, or [0, 0] for automatic"),
    )
    sigma_limit: tuple[float, float]
    blur_limit: tuple[int, int]

    @classmethod
    def check_combination(cls, parameters: dict[str, Any], path: str) -> list[Problem]:
        return odd_range_problems(parameters, "blur_limit", path, allow_zero=True)

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        sigma = rng.uniform(*self.sigma_limit)
        size = 0 if self.blur_limit == (0, 0) else odd_between(rng, *self.blur_limit)
        if size == 0:
            # Albumentations' (and PIL's) rule, so an exported pipeline blurs alike: int(3.5 sigma) each side.
            size = int(sigma * 3.5) * 2 + 1
        if sigma == 0 and size <= 1:
            return image
        return keep_channel_axis(cv2.GaussianBlur(image, (size, size), sigmaX=sigma, sigmaY=sigma), image)


def motion_kernel(size: int, angle_degrees: float, direction: float) -> np.ndarray:
    """A line through the kernel centre at `angle`; `direction` in [-1, 1] weights one end more (-1: backward)."""
    kernel = np.zeros((size, size), dtype=np.float32)
    center = (size - 1) / 2
    half = center
    dx, dy = math.cos(math.radians(angle_degrees)) * half, math.sin(math.radians(angle_degrees)) * half
    points = max(2, size * 4)
    for t in np.linspace(-1, 1, points):
        weight = 1 + direction * t
        x, y = round(center + t * dx), round(center + t * dy)
        kernel[y, x] = max(kernel[y, x], weight)
    if kernel.sum() == 0:
        kernel[int(center), int(center)] = 1
    return kernel / kernel.sum()


@register
class MotionBlur(FilterTransform):
    name = "MotionBlur"
    summary = "Blur along a random line, as from camera or subject motion."
    params = (
        Param("blur_limit", "integer_range", (3, 7), 3, 255, description="odd kernel sizes"),
        Param("angle_range", "number_range", (0.0, 360.0), 0, 360, description="direction of motion, degrees"),
        Param("direction_range", "number_range", (-1.0, 1.0), -1, 1, description="-1 backward … 0 even … 1 forward"),
    )
    blur_limit: tuple[int, int]
    angle_range: tuple[float, float]
    direction_range: tuple[float, float]

    @classmethod
    def check_combination(cls, parameters: dict[str, Any], path: str) -> list[Problem]:
        return odd_range_problems(parameters, "blur_limit", path)

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        size = odd_between(rng, *self.blur_limit)
        kernel = motion_kernel(size, rng.uniform(*self.angle_range), rng.uniform(*self.direction_range))
        return keep_channel_axis(cv2.filter2D(image, -1, kernel), image)


@register
class MedianBlur(FilterTransform):
    name = "MedianBlur"
    summary = "Median of each odd-sized square neighbourhood; removes speckle, keeps edges."
    params = (Param("blur_limit", "integer_range", (3, 7), 3, 255, description="odd kernel sizes"),)
    blur_limit: tuple[int, int]

    @classmethod
    def check_combination(cls, parameters: dict[str, Any], path: str) -> list[Problem]:
        return odd_range_problems(parameters, "blur_limit", path)

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        size = odd_between(rng, *self.blur_limit)
        # OpenCV's median filter takes uint8 only for kernels above 5, which is what we have.
        return keep_channel_axis(cv2.medianBlur(image, size), image)


def _blend_kernel(alpha: float, effect: np.ndarray) -> np.ndarray:
    return ((1 - alpha) * _NO_CHANGE + alpha * effect).astype(np.float32)


@register
class Sharpen(FilterTransform):
    name = "Sharpen"
    summary = "Blend the image with a sharpened copy (Laplacian kernel)."
    params = (
        Param("alpha", "number_range", (0.2, 0.5), 0, 1, description="visibility of the sharpened copy"),
        Param("lightness", "number_range", (0.5, 1.0), 0, 10, description="brightness of the sharpened copy"),
    )
    alpha: tuple[float, float]
    lightness: tuple[float, float]

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        alpha, lightness = rng.uniform(*self.alpha), rng.uniform(*self.lightness)
        effect = np.array([[-1, -1, -1], [-1, 8 + lightness, -1], [-1, -1, -1]], dtype=np.float32)
        return keep_channel_axis(cv2.filter2D(image, -1, _blend_kernel(alpha, effect)), image)


@register
class Emboss(FilterTransform):
    name = "Emboss"
    summary = "Blend the image with an embossed (relief) copy."
    params = (
        Param("alpha", "number_range", (0.2, 0.5), 0, 1, description="visibility of the embossed copy"),
        Param("strength", "number_range", (0.2, 0.7), 0, 10, description="relief strength"),
    )
    alpha: tuple[float, float]
    strength: tuple[float, float]

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        alpha, strength = rng.uniform(*self.alpha), rng.uniform(*self.strength)
        effect = np.array(
            [[-1 - strength, -strength, 0], [-strength, 1, strength], [0, strength, 1 + strength]], dtype=np.float32
        )
        return keep_channel_axis(cv2.filter2D(image, -1, _blend_kernel(alpha, effect)), image)
