"""Domain presets: starting pipelines with the reasoning a person needs to adapt them."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    target: Literal["image", "text"]
    why: str
    config: dict[str, Any]

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "target": self.target,
            "why": self.why,
            "config": self.pipeline(),
        }

    def pipeline(self) -> dict[str, Any]:
        """A copy of the pipeline JSON, safe to edit."""
        return copy.deepcopy(self.config)


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "natural_photos",
            "Natural photos",
            "image",
            "Everyday photos are taken upright with varied framing, light and cameras: mirror left-right (the world "
            "has no handedness), small rotations and zoom for framing, colour and brightness jitter for light and "
            "white balance, occasional blur, noise or JPEG loss for cheap cameras, and cutout so the model does not "
            "rely on one part of an object. No vertical flips: upside-down scenes do not occur.",
            {
                "seed": 0,
                "min_visibility": 0.3,
                "steps": [
                    {"type": "HorizontalFlip", "p": 0.5},
                    {
                        "type": "Affine",
                        "p": 0.7,
                        "rotate": 10,
                        "scale": [0.85, 1.15],
                        "translate_percent": [-0.05, 0.05],
                        "fill_mode": "reflect",
                    },
                    {
                        "type": "ColorJitter",
                        "p": 0.5,
                        "brightness": [0.8, 1.2],
                        "contrast": [0.8, 1.2],
                        "saturation": [0.8, 1.2],
                        "hue": [-0.03, 0.03],
                    },
                    {
                        "type": "one_of",
                        "p": 0.3,
                        "steps": [
                            {"type": "GaussianBlur", "sigma_limit": [0.3, 1.5]},
                            {"type": "GaussNoise", "std_range": [0.02, 0.06]},
                            {"type": "ImageCompression", "quality_range": [40, 90]},
                        ],
                    },
                    {
                        "type": "CoarseDropout",
                        "p": 0.3,
                        "num_holes_range": [1, 4],
                        "hole_height_range": [0.05, 0.15],
                        "hole_width_range": [0.05, 0.15],
                    },
                ],
            },
        ),
        Preset(
            "aerial",
            "Satellite and aerial imagery",
            "image",
            "Seen from above, a scene has no up, down, left or right: any rotation and both flips give equally real "
            "images, and the ground sample distance varies a little between sensors and altitudes, hence mild "
            "scaling. No colour shifts: spectral values carry meaning (vegetation, water, roofs) that hue and "
            "saturation changes would corrupt. Reflect fill avoids black corners the model could learn from.",
            {
                "seed": 0,
                "min_visibility": 0.5,
                "steps": [
                    {"type": "HorizontalFlip", "p": 0.5},
                    {"type": "VerticalFlip", "p": 0.5},
                    {"type": "RandomRotate90", "p": 1.0},
                    {"type": "Rotate", "p": 0.5, "limit": 180, "fill_mode": "reflect"},
                    {"type": "Affine", "p": 0.5, "scale": [0.9, 1.1], "fill_mode": "reflect"},
                ],
            },
        ),
        Preset(
            "medical",
            "Medical imaging",
            "image",
            "Anatomy has a fixed orientation and laterality (left and right organs differ, and a flipped scan can "
            "mean the wrong side), so no flips and only mild rotation, shift and scale, as from patient "
            "positioning. Intensity changes stay small and global (brightness, contrast, gamma) to mimic scanner "
            "settings; no hue changes and no elastic warps strong enough to invent pathology. Keep min_visibility "
            "high so a lesion is never counted when mostly cut away.",
            {
                "seed": 0,
                "min_visibility": 0.7,
                "steps": [
                    {
                        "type": "Affine",
                        "p": 0.5,
                        "rotate": 7,
                        "scale": [0.95, 1.05],
                        "translate_percent": [-0.03, 0.03],
                        "fill_mode": "constant",
                    },
                    {"type": "RandomBrightnessContrast", "p": 0.5, "brightness_limit": 0.1, "contrast_limit": 0.1},
                    {"type": "RandomGamma", "p": 0.3, "gamma_limit": [90, 110]},
                ],
            },
        ),
        Preset(
            "documents",
            "Documents and OCR",
            "image",
            "Scans and phone photos of pages are slightly skewed, keystoned, blurred, noisy and compressed, and "
            "sometimes stamped or scribbled on; text must stay readable and never mirrored (mirrored glyphs are "
            "other glyphs). Small rotations and perspective, blur, noise, JPEG and crappify overlays cover that; "
            "grey conversion because many scanners are monochrome.",
            {
                "seed": 0,
                "min_visibility": 0.8,
                "steps": [
                    {"type": "Rotate", "p": 0.5, "limit": 3, "fill_mode": "replicate"},
                    {"type": "Perspective", "p": 0.3, "scale": [0.01, 0.04], "fill_mode": "replicate"},
                    {
                        "type": "one_of",
                        "p": 0.5,
                        "steps": [
                            {"type": "GaussianBlur", "sigma_limit": [0.3, 1.0]},
                            {"type": "MotionBlur", "blur_limit": [3, 5]},
                            {
                                "type": "Downscale",
                                "scale_range": [0.5, 0.8],
                                "down_interpolation": "area",
                                "up_interpolation": "linear",
                            },
                        ],
                    },
                    {"type": "ImageCompression", "p": 0.5, "quality_range": [30, 90]},
                    {"type": "ToGray", "p": 0.2},
                ],
            },
        ),
        Preset(
            "text_classification",
            "Text classification",
            "text",
            "A text's class survives light rewording: EDA's synonym replacement, insertion, swap and deletion at "
            "about 10% of words (Wei & Zou found larger rates hurt), plus a few typos for user-written text. One "
            "edit per copy keeps each copy close to real text.",
            {
                "seed": 0,
                "steps": [
                    {
                        "type": "one_of",
                        "steps": [
                            {"type": "SynonymReplacement", "fraction": 0.1},
                            {"type": "RandomInsertion", "fraction": 0.1},
                            {"type": "RandomSwap", "fraction": 0.1},
                            {"type": "RandomDeletion", "probability": 0.1, "delete_spans": False},
                        ],
                    },
                    {"type": "CharacterNoise", "p": 0.3, "probability": 0.05, "kind": "keyboard"},
                ],
            },
        ),
        Preset(
            "ner",
            "Named-entity recognition",
            "text",
            "Entities must keep their exact words and labels, so every edit works around the spans: context words "
            "are replaced, swapped or masked, sentences reordered, and entity mentions are never deleted (each "
            "dropped span would be a lost training example).",
            {
                "seed": 0,
                "steps": [
                    {
                        "type": "some_of",
                        "n": 2,
                        "steps": [
                            {"type": "SynonymReplacement", "fraction": 0.15},
                            {"type": "RandomSwap", "fraction": 0.1},
                            {"type": "TokenMasking", "probability": 0.1},
                            {"type": "SentenceShuffle"},
                        ],
                    },
                ],
            },
        ),
    )
}


def presets() -> list[dict[str, Any]]:
    """Every preset as JSON for the browser: name, title, target, why and pipeline."""
    return [preset.describe() for preset in PRESETS.values()]
