"""Crops and resizes. A crop changes detection and segmentation labels, never the image-level class."""

from __future__ import annotations

import math
from typing import ClassVar

import cv2
import numpy as np

from augmentation.engine.geometry import scaling, translation, with_matrix
from augmentation.engine.image.warp import (
    BORDER_MODES,
    border_value,
    keep_channel_axis,
    resize_image,
    resize_mask,
)
from augmentation.engine.params import Param, interpolation_param
from augmentation.engine.randomness import choose
from augmentation.engine.sample import Sample
from augmentation.engine.transform import Context, ImageTransform, register

SIZE_LIMIT = 16384  # pixels per side; larger outputs are a typo, not an augmentation


def size_params(what: str) -> tuple[Param, Param]:
    return (
        Param("height", "integer", minimum=1, maximum=SIZE_LIMIT, description=f"{what} height in pixels"),
        Param("width", "integer", minimum=1, maximum=SIZE_LIMIT, description=f"{what} width in pixels"),
    )


def crop(sample: Sample, x: int, y: int, width: int, height: int, min_visibility: float) -> Sample:
    """Cut the window [x, x+width) x [y, y+height) out of the sample (clamped to the image)."""
    image = sample.image[y : y + height, x : x + width]
    mask = None if sample.mask is None else sample.mask[y : y + height, x : x + width]
    return with_matrix(sample, image, mask, translation(-x, -y), min_visibility)


def resize(sample: Sample, width: int, height: int, interpolation: str, min_visibility: float) -> Sample:
    image = resize_image(sample.image, width, height, interpolation)
    mask = resize_mask(sample.mask, width, height)
    matrix = scaling(width / sample.width, height / sample.height)
    return with_matrix(sample, image, mask, matrix, min_visibility)


class CropTransform(ImageTransform):
    group: ClassVar[str] = "geometric"
    height: int
    width: int

    def window_size(self, sample: Sample) -> tuple[int, int]:
        """The crop size, limited to the image (a crop never pads)."""
        return min(self.width, sample.width), min(self.height, sample.height)

    def random_crop(self, sample: Sample, rng: np.random.Generator, min_visibility: float) -> Sample:
        width, height = self.window_size(sample)
        x = int(rng.integers(0, sample.width - width + 1))
        y = int(rng.integers(0, sample.height - height + 1))
        return crop(sample, x, y, width, height, min_visibility)


@register
class RandomCrop(CropTransform):
    name = "RandomCrop"
    summary = "Cut a window of fixed size at a random position (the whole side when the image is smaller)."
    params = size_params("crop")

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        return self.random_crop(sample, rng, context.min_visibility)


@register
class CenterCrop(CropTransform):
    name = "CenterCrop"
    summary = "Cut a window of fixed size from the middle (the whole side when the image is smaller)."
    params = size_params("crop")

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        width, height = self.window_size(sample)
        x, y = (sample.width - width) // 2, (sample.height - height) // 2
        return crop(sample, x, y, width, height, context.min_visibility)


@register
class RandomResizedCrop(CropTransform):
    name = "RandomResizedCrop"
    summary = "Cut a window with random area and aspect ratio, then resize it to a fixed size (Inception-style)."
    params = (
        *size_params("output"),
        Param("scale", "number_range", (0.08, 1.0), 0.0001, 1, description="window area as a fraction of the image"),
        Param("ratio", "number_range", (0.75, 4 / 3), 0.01, 100, description="window width / height"),
        interpolation_param(),
    )
    scale: tuple[float, float]
    ratio: tuple[float, float]
    interpolation: str

    def window(self, rng: np.random.Generator, width: int, height: int) -> tuple[int, int, int, int]:
        """torchvision's algorithm: ten tries at a window that fits, else the largest centred one in range."""
        area = width * height
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            target_area = area * rng.uniform(*self.scale)
            aspect = math.exp(rng.uniform(*log_ratio))
            crop_width = round(math.sqrt(target_area * aspect))
            crop_height = round(math.sqrt(target_area / aspect))
            if 0 < crop_width <= width and 0 < crop_height <= height:
                x = int(rng.integers(0, width - crop_width + 1))
                y = int(rng.integers(0, height - crop_height + 1))
                return x, y, crop_width, crop_height
        aspect = width / height
        if aspect < self.ratio[0]:
            crop_width, crop_height = width, round(width / self.ratio[0])
        elif aspect > self.ratio[1]:
            crop_width, crop_height = round(height * self.ratio[1]), height
        else:
            crop_width, crop_height = width, height
        return (width - crop_width) // 2, (height - crop_height) // 2, crop_width, crop_height

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        x, y, crop_width, crop_height = self.window(rng, sample.width, sample.height)
        cropped = crop(sample, x, y, crop_width, crop_height, context.min_visibility)
        return resize(cropped, self.width, self.height, self.interpolation, context.min_visibility)


@register
class CropAroundBox(CropTransform):
    name = "CropAroundBox"
    summary = (
        "Cut a fixed-size window that contains one randomly chosen box (centred on it when the box is larger "
        "than the window); a random crop when there is no box."
    )
    params = size_params("crop")

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        if not len(sample.boxes):
            return self.random_crop(sample, rng, context.min_visibility)
        width, height = self.window_size(sample)
        box: np.ndarray = choose(rng, sample.boxes)
        x = self._start(rng, box[0], box[2], width, sample.width)
        y = self._start(rng, box[1], box[3], height, sample.height)
        return crop(sample, x, y, width, height, context.min_visibility)

    @staticmethod
    def _start(rng: np.random.Generator, low: float, high: float, window: int, size: int) -> int:
        """A window start in [0, size - window] whose window covers [low, high] if at all possible."""
        earliest = max(0, math.ceil(high) - window)
        latest = min(size - window, math.floor(low))
        if earliest <= latest:
            return int(rng.integers(earliest, latest + 1))
        centred = round((low + high) / 2 - window / 2)
        return int(min(max(centred, 0), size - window))


@register
class Resize(CropTransform):
    name = "Resize"
    summary = "Resize to a fixed size (aspect ratio not kept; see Letterbox)."
    params = (*size_params("output"), interpolation_param())
    interpolation: str

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        return resize(sample, self.width, self.height, self.interpolation, context.min_visibility)


@register
class Letterbox(CropTransform):
    name = "Letterbox"
    summary = "Resize to fit inside a fixed size keeping the aspect ratio, and pad the rest (centred)."
    params = (
        *size_params("output"),
        interpolation_param(),
        Param("fill", "color", 114, 0, 255, description="padding colour (114 grey is the YOLO convention)"),
        Param("fill_mask", "integer", 0, 0, 2**31 - 1, description="mask class of the padding"),
    )
    interpolation: str
    fill: int | tuple[int, int, int]
    fill_mask: int

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        factor = min(self.width / sample.width, self.height / sample.height)
        inner_width = max(1, min(self.width, round(sample.width * factor)))
        inner_height = max(1, min(self.height, round(sample.height * factor)))
        left, top = (self.width - inner_width) // 2, (self.height - inner_height) // 2
        image = resize_image(sample.image, inner_width, inner_height, self.interpolation)
        padding = (top, self.height - inner_height - top, left, self.width - inner_width - left)
        image = keep_channel_axis(
            cv2.copyMakeBorder(
                image, *padding, BORDER_MODES["constant"], value=border_value(self.fill, image.shape[2])
            ),
            image,
        )
        mask = resize_mask(sample.mask, inner_width, inner_height)
        if mask is not None:
            mask = np.pad(mask, ((padding[0], padding[1]), (padding[2], padding[3])), constant_values=self.fill_mask)
        matrix = translation(left, top) @ scaling(inner_width / sample.width, inner_height / sample.height)
        return with_matrix(sample, image, mask, matrix, context.min_visibility)
