"""Base for transforms that change pixel values only: labels pass through untouched."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from augmentation.engine.image.warp import keep_channel_axis
from augmentation.engine.sample import Sample
from augmentation.engine.transform import Context, ImageTransform


class PixelTransform(ImageTransform):
    """Subclasses implement `transform_image`; boxes, polygons and masks are carried over as they are."""

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        return dataclasses.replace(sample, image=self.transform_image(sample.image, rng))


def require_rgb(image: np.ndarray, by: str) -> None:
    if image.shape[2] != 3:
        raise ValueError(f"{by} needs an RGB image (3 channels), got {image.shape[2]}")


def apply_lut(image: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Per-value lookup through OpenCV (much faster than numpy fancy indexing on uint8 images)."""
    table = np.clip(np.rint(table), 0, 255).astype(np.uint8)
    return keep_channel_axis(cv2.LUT(image, table), image)


IDENTITY = np.arange(256, dtype=np.float64)
