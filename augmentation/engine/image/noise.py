"""Noise and degradation, including "crappify" for restoration training pairs. Labels never change."""

from __future__ import annotations

import string
from typing import ClassVar

import cv2
import numpy as np
from albumentations.augmentations.pixel import functional as albumentations_pixel

from augmentation.engine.image.pixel import PixelTransform, require_rgb
from augmentation.engine.image.warp import keep_channel_axis, resize_image
from augmentation.engine.params import INTERPOLATIONS, Param
from augmentation.engine.randomness import integer_between
from augmentation.engine.transform import register


class NoiseTransform(PixelTransform):
    group: ClassVar[str] = "noise"


def jpeg_round_trip(image: np.ndarray, quality: int) -> np.ndarray:
    """Encode and decode as JPEG. Our images are RGB and OpenCV's codec expects BGR, so swap around it:
    otherwise the encoder's luma weights land on the wrong channels and the artefacts have the wrong colours."""
    grey = image.shape[2] == 1
    source = image if grey else np.ascontiguousarray(image[:, :, ::-1])
    _, encoded = cv2.imencode(".jpg", source, (cv2.IMWRITE_JPEG_QUALITY, quality))
    decoded = cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE if grey else cv2.IMREAD_COLOR)
    assert decoded is not None  # we just encoded it
    return decoded[:, :, None] if grey else np.ascontiguousarray(decoded[:, :, ::-1])


def downscale_upscale(image: np.ndarray, scale: float, down: str, up: str) -> np.ndarray:
    height, width = image.shape[:2]
    small = resize_image(image, max(1, round(width * scale)), max(1, round(height * scale)), down)
    return resize_image(small, width, height, up)


@register
class GaussNoise(NoiseTransform):
    name = "GaussNoise"
    summary = "Add Gaussian noise; standard deviation and mean as fractions of 255."
    params = (
        Param("std_range", "number_range", (0.2, 0.44), 0, 1, description="standard deviation / 255"),
        Param("mean_range", "number_range", (0.0, 0.0), -1, 1, description="mean / 255"),
        Param("per_channel", "boolean", True, description="independent noise per channel (else the same for all)"),
    )
    std_range: tuple[float, float]
    mean_range: tuple[float, float]
    per_channel: bool

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        std, mean = rng.uniform(*self.std_range) * 255.0, rng.uniform(*self.mean_range) * 255.0
        shape = image.shape if self.per_channel else (*image.shape[:2], 1)
        noise = rng.standard_normal(shape, dtype=np.float32) * np.float32(std) + np.float32(mean)
        noisy = image.astype(np.float32) + noise
        return np.clip(np.rint(noisy, out=noisy), 0, 255, out=noisy).astype(np.uint8)


@register
class ISONoise(NoiseTransform):
    name = "ISONoise"
    summary = "Camera sensor noise: Poisson luminance noise and Gaussian hue noise."
    params = (
        Param("color_shift", "number_range", (0.01, 0.05), 0, 1, description="hue noise"),
        Param("intensity", "number_range", (0.1, 0.5), 0, 10, description="overall strength"),
    )
    color_shift: tuple[float, float]
    intensity: tuple[float, float]

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        require_rgb(image, self.name)
        color_shift, intensity = rng.uniform(*self.color_shift), rng.uniform(*self.intensity)
        return albumentations_pixel.iso_noise(image, color_shift, intensity, random_generator=rng)


@register
class ImageCompression(NoiseTransform):
    name = "ImageCompression"
    summary = "JPEG compression artefacts at a random quality."
    params = (Param("quality_range", "integer_range", (99, 100), 1, 100, description="JPEG quality"),)
    quality_range: tuple[int, int]

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return jpeg_round_trip(image, integer_between(rng, self.quality_range))


@register
class Downscale(NoiseTransform):
    name = "Downscale"
    summary = "Shrink and enlarge back, losing detail."
    params = (
        Param("scale_range", "number_range", (0.25, 0.25), 0.01, 0.99, description="intermediate size / size"),
        Param("down_interpolation", "enum", "nearest", choices=INTERPOLATIONS),
        Param("up_interpolation", "enum", "nearest", choices=INTERPOLATIONS),
    )
    scale_range: tuple[float, float]
    down_interpolation: str
    up_interpolation: str

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        scale = rng.uniform(*self.scale_range)
        return downscale_upscale(image, scale, self.down_interpolation, self.up_interpolation)


_OVERLAY_ALPHABET = string.ascii_letters + string.digits


@register
class Crappify(NoiseTransform):
    name = "Crappify"
    summary = (
        "Degrade for restoration training: downscale-upscale, JPEG, then overlay random text and/or shapes "
        "(OpenCV's built-in Hershey font, nothing fetched)."
    )
    params = (
        Param("scale_range", "number_range", (0.3, 0.7), 0.05, 1, description="intermediate size / size"),
        Param("quality_range", "integer_range", (10, 50), 1, 100, description="JPEG quality"),
        Param("overlay", "enum", "text", choices=("none", "text", "shapes", "both")),
        Param("overlay_count", "integer_range", (1, 3), 0, 50, description="items drawn"),
    )
    scale_range: tuple[float, float]
    quality_range: tuple[int, int]
    overlay: str
    overlay_count: tuple[int, int]

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        scale = rng.uniform(*self.scale_range)
        quality = integer_between(rng, self.quality_range)
        image = jpeg_round_trip(downscale_upscale(image, scale, "area", "linear"), quality)
        if self.overlay == "none":
            return image
        canvas = np.ascontiguousarray(image)
        for _ in range(integer_between(rng, self.overlay_count)):
            kind = self.overlay if self.overlay != "both" else ("text", "shapes")[int(rng.integers(0, 2))]
            if kind == "text":
                draw_text(canvas, rng)
            else:
                draw_shape(canvas, rng)
        return keep_channel_axis(canvas, image)


def _colour(rng: np.random.Generator, channels: int) -> tuple[int, ...]:
    return tuple(int(value) for value in rng.integers(0, 256, size=channels))


def draw_text(canvas: np.ndarray, rng: np.random.Generator) -> None:
    height, width = canvas.shape[:2]
    length = int(rng.integers(3, 12))
    text = "".join(_OVERLAY_ALPHABET[int(index)] for index in rng.integers(0, len(_OVERLAY_ALPHABET), size=length))
    font_scale = float(rng.uniform(0.4, 1.5)) * max(height, width) / 400
    thickness = max(1, int(rng.integers(1, 4)))
    origin = (int(rng.integers(0, max(1, width - 10))), int(rng.integers(10, max(11, height))))
    cv2.putText(
        canvas,
        text,
        origin,
        cv2.FONT_HERSHEY_SIMPLEX,
        font_scale,
        _colour(rng, canvas.shape[2]),
        thickness,
        cv2.LINE_AA,
    )


def draw_shape(canvas: np.ndarray, rng: np.random.Generator) -> None:
    height, width = canvas.shape[:2]
    colour = _colour(rng, canvas.shape[2])
    x0, x1 = sorted(int(value) for value in rng.integers(0, width, size=2))
    y0, y1 = sorted(int(value) for value in rng.integers(0, height, size=2))
    kind = int(rng.integers(0, 3))
    thickness = int(rng.integers(1, 4))
    if kind == 0:
        cv2.rectangle(canvas, (x0, y0), (x1, y1), colour, thickness)
    elif kind == 1:
        radius = max(1, min(x1 - x0, y1 - y0) // 2)
        cv2.circle(canvas, ((x0 + x1) // 2, (y0 + y1) // 2), radius, colour, thickness, cv2.LINE_AA)
    else:
        cv2.line(canvas, (x0, y0), (x1, y1), colour, thickness, cv2.LINE_AA)
