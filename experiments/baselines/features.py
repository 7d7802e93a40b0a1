"""Features for the image baselines: a small resized copy of the pixels plus a HOG descriptor.

Every image is first brought to a fixed size, so images of any size and shape give vectors of one length.
Raw pixels (RGB, RAW_SIDE x RAW_SIDE, scaled to [0, 1]) keep colour and coarse layout; HOG (OpenCV's
`cv2.HOGDescriptor` on a HOG_SIDE x HOG_SIDE grey image) keeps edge directions, which survive small shifts and
brightness changes. Text features are built inside the text models (TF-IDF has to be fitted on the training
texts only, so it belongs to the estimator; see `models.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import cv2
import numpy as np

RAW_SIDE = 16
HOG_SIDE = 32
HOG_BLOCK = 16
HOG_STRIDE = 8
HOG_CELL = 8
HOG_BINS = 9


@cache
def _hog() -> cv2.HOGDescriptor:
    return cv2.HOGDescriptor(
        (HOG_SIDE, HOG_SIDE), (HOG_BLOCK, HOG_BLOCK), (HOG_STRIDE, HOG_STRIDE), (HOG_CELL, HOG_CELL), HOG_BINS
    )


def feature_length() -> int:
    return RAW_SIDE * RAW_SIDE * 3 + int(_hog().getDescriptorSize())


def settings() -> dict[str, Any]:
    """What an experiment records about its image features (so a rerun can tell if they changed)."""
    return {
        "raw_pixels": {"side": RAW_SIDE, "channels": "rgb", "scale": "0..1", "resize": "area"},
        "hog": {
            "side": HOG_SIDE,
            "block": HOG_BLOCK,
            "stride": HOG_STRIDE,
            "cell": HOG_CELL,
            "bins": HOG_BINS,
            "input": "grey, resized with area interpolation",
        },
        "length": feature_length(),
    }


def _rgb(image: np.ndarray) -> np.ndarray:
    """HxWx3 uint8 from grey (HxW or HxWx1), RGB or RGBA input."""
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    if image.shape[2] == 1:
        return np.repeat(image, 3, axis=2)
    return image[:, :, :3]


def image_features(image: np.ndarray) -> np.ndarray:
    """One image (uint8, grey or RGB) as a float32 vector of `feature_length()` values."""
    if image.dtype != np.uint8:
        raise ValueError(f"images must be uint8, got {image.dtype}")
    if image.ndim not in (2, 3) or image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"an image must be HxW or HxWxC, got shape {image.shape}")
    rgb = np.ascontiguousarray(_rgb(image))
    raw = cv2.resize(rgb, (RAW_SIDE, RAW_SIDE), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    small = cv2.resize(grey, (HOG_SIDE, HOG_SIDE), interpolation=cv2.INTER_AREA)
    hog = np.asarray(_hog().compute(small), dtype=np.float32).reshape(-1)
    return np.concatenate([raw.reshape(-1), hog])


def image_matrix(images: Iterable[np.ndarray]) -> np.ndarray:
    """Rows of `image_features`, an N x feature_length() float32 matrix (0 rows for no images)."""
    rows = [image_features(image) for image in images]
    if not rows:
        return np.zeros((0, feature_length()), dtype=np.float32)
    return np.vstack(rows)
