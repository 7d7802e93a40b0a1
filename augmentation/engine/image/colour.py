"""Colour and intensity transforms. Labels never change.

Value maps that are one lookup table (brightness, contrast, gamma, solarize, posterize, RGB shift) go through
`cv2.LUT`; colour-space work reuses Albumentations' functional code, which is correct for uint8 RGB.
"""

from __future__ import annotations

from typing import ClassVar

import cv2
import numpy as np
from albumentations.augmentations.pixel import functional as albumentations_pixel

from augmentation.engine.image.pixel import IDENTITY, PixelTransform, apply_lut, require_rgb
from augmentation.engine.params import Param
from augmentation.engine.randomness import integer_between
from augmentation.engine.transform import register


class ColourTransform(PixelTransform):
    group: ClassVar[str] = "colour"


@register
class RandomBrightnessContrast(ColourTransform):
    name = "RandomBrightnessContrast"
    summary = "value x (1 + contrast) + brightness x 255 (or x the image mean)."
    params = (
        Param("brightness_limit", "number_range", (-0.2, 0.2), -1, 1, symmetric=True, description="added, x 255"),
        Param("contrast_limit", "number_range", (-0.2, 0.2), -1, 10, symmetric=True, description="factor - 1"),
        Param(
            "brightness_by_max",
            "boolean",
            True,
            description="brightness relative to 255 (true) or to the image's mean value (false)",
        ),
    )
    brightness_limit: tuple[float, float]
    contrast_limit: tuple[float, float]
    brightness_by_max: bool

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        contrast = 1.0 + rng.uniform(*self.contrast_limit)
        brightness = rng.uniform(*self.brightness_limit)
        reference = 255.0 if self.brightness_by_max else float(image.mean())
        return apply_lut(image, IDENTITY * contrast + brightness * reference)


@register
class RandomGamma(ColourTransform):
    name = "RandomGamma"
    summary = "Gamma curve with gamma = a value from gamma_limit / 100 (below 100 brightens)."
    params = (Param("gamma_limit", "number_range", (80.0, 120.0), 1, 1000, description="gamma x 100"),)
    gamma_limit: tuple[float, float]

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        gamma = rng.uniform(*self.gamma_limit) / 100.0
        return apply_lut(image, (IDENTITY / 255.0) ** gamma * 255.0)


@register
class HueSaturationValue(ColourTransform):
    name = "HueSaturationValue"
    summary = "Shift hue (OpenCV units, 0-180 per turn), saturation and value (0-255)."
    params = (
        Param("hue_shift_limit", "number_range", (-20.0, 20.0), -180, 180, symmetric=True),
        Param("sat_shift_limit", "number_range", (-30.0, 30.0), -255, 255, symmetric=True),
        Param("val_shift_limit", "number_range", (-20.0, 20.0), -255, 255, symmetric=True),
    )
    hue_shift_limit: tuple[float, float]
    sat_shift_limit: tuple[float, float]
    val_shift_limit: tuple[float, float]

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        require_rgb(image, self.name)
        hue, saturation, value = (
            rng.uniform(*limit) for limit in (self.hue_shift_limit, self.sat_shift_limit, self.val_shift_limit)
        )
        return albumentations_pixel.shift_hsv(image, hue, saturation, value)


@register
class RGBShift(ColourTransform):
    name = "RGBShift"
    summary = "Add a separate random amount to each of the red, green and blue channels."
    params = (
        Param("r_shift_limit", "number_range", (-20.0, 20.0), -255, 255, symmetric=True),
        Param("g_shift_limit", "number_range", (-20.0, 20.0), -255, 255, symmetric=True),
        Param("b_shift_limit", "number_range", (-20.0, 20.0), -255, 255, symmetric=True),
    )
    r_shift_limit: tuple[float, float]
    g_shift_limit: tuple[float, float]
    b_shift_limit: tuple[float, float]

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        require_rgb(image, self.name)
        shifts = [rng.uniform(*limit) for limit in (self.r_shift_limit, self.g_shift_limit, self.b_shift_limit)]
        table = np.stack([IDENTITY + shift for shift in shifts], axis=1).reshape(256, 1, 3)
        return apply_lut(image, table)


@register
class ChannelShuffle(ColourTransform):
    name = "ChannelShuffle"
    summary = "Reorder the colour channels randomly."

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return np.ascontiguousarray(image[:, :, rng.permutation(image.shape[2])])


@register
class ToGray(ColourTransform):
    name = "ToGray"
    summary = "Luma (0.299 R + 0.587 G + 0.114 B) in all three channels."

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if image.shape[2] == 1:
            return image  # already grey
        require_rgb(image, self.name)
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        return np.repeat(gray[:, :, None], 3, axis=2)


@register
class CLAHE(ColourTransform):
    name = "CLAHE"
    summary = "Contrast-limited adaptive histogram equalisation on the lightness channel."
    params = (
        Param("clip_limit", "number_range", (1.0, 4.0), 1, 100, description="contrast limit per tile"),
        Param("tile_grid_size", "integer", 8, 1, 64, description="tiles per side"),
    )
    clip_limit: tuple[float, float]
    tile_grid_size: int

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        clip = rng.uniform(*self.clip_limit)
        grid = (self.tile_grid_size, self.tile_grid_size)
        if image.shape[2] == 1:
            return albumentations_pixel.clahe(image[:, :, 0], clip, grid)[:, :, None]
        return albumentations_pixel.clahe(image, clip, grid)


@register
class ColorJitter(ColourTransform):
    name = "ColorJitter"
    summary = "torchvision's colour jitter: brightness, contrast, saturation and hue factors in random order."
    params = (
        Param("brightness", "number_range", (0.8, 1.2), 0, 10, description="factor"),
        Param("contrast", "number_range", (0.8, 1.2), 0, 10, description="factor"),
        Param("saturation", "number_range", (0.8, 1.2), 0, 10, description="factor"),
        Param("hue", "number_range", (-0.5, 0.5), -0.5, 0.5, description="fraction of a full hue turn"),
    )
    brightness: tuple[float, float]
    contrast: tuple[float, float]
    saturation: tuple[float, float]
    hue: tuple[float, float]

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        require_rgb(image, self.name)
        factors = [rng.uniform(*limit) for limit in (self.brightness, self.contrast, self.saturation, self.hue)]
        operations = (
            albumentations_pixel.adjust_brightness_torchvision,
            albumentations_pixel.adjust_contrast_torchvision,
            albumentations_pixel.adjust_saturation_torchvision,
            albumentations_pixel.adjust_hue_torchvision,
        )
        for index in rng.permutation(4):
            image = operations[index](image, factors[index])
        return image


@register
class InvertImg(ColourTransform):
    name = "InvertImg"
    summary = "255 - value."

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return apply_lut(image, 255.0 - IDENTITY)


@register
class Solarize(ColourTransform):
    name = "Solarize"
    summary = "Invert values at or above a threshold (a fraction of 255)."
    params = (Param("threshold_range", "number_range", (0.5, 0.5), 0, 1, description="threshold / 255"),)
    threshold_range: tuple[float, float]

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        threshold = rng.uniform(*self.threshold_range) * 255.0
        return apply_lut(image, np.where(threshold <= IDENTITY, 255.0 - IDENTITY, IDENTITY))


@register
class Posterize(ColourTransform):
    name = "Posterize"
    summary = "Keep only the top `num_bits` bits of each value."
    params = (Param("num_bits", "integer_range", (4, 4), 1, 8, description="bits kept"),)
    num_bits: tuple[int, int]

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        bits = integer_between(rng, self.num_bits)
        keep = (0xFF << (8 - bits)) & 0xFF
        return apply_lut(image, (IDENTITY.astype(np.int64) & keep).astype(np.float64))


@register
class Equalize(ColourTransform):
    name = "Equalize"
    summary = "Histogram equalisation, per channel or on luma only."
    params = (Param("by_channels", "boolean", True, description="each channel separately (else luma only)"),)
    by_channels: bool

    def transform_image(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if image.shape[2] == 1:
            return cv2.equalizeHist(image[:, :, 0])[:, :, None]
        return albumentations_pixel.equalize(image, mode="cv", by_channels=self.by_channels)
