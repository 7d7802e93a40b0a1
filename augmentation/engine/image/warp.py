"""OpenCV warps of an image and its label map, with the fill modes and interpolations the engine exposes."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from augmentation.engine.geometry import to_pixel_index_matrix

BORDER_MODES = {
    "constant": cv2.BORDER_CONSTANT,
    "replicate": cv2.BORDER_REPLICATE,
    # Albumentations' and OpenCV's usual "reflect": the edge pixel is not repeated (dcb|abcd|cba).
    "reflect": cv2.BORDER_REFLECT_101,
    "wrap": cv2.BORDER_WRAP,
}
INTERPOLATION_FLAGS = {
    "nearest": cv2.INTER_NEAREST,
    "linear": cv2.INTER_LINEAR,
    "cubic": cv2.INTER_CUBIC,
    "area": cv2.INTER_AREA,
}


def border_value(fill: int | tuple[int, ...], channels: int) -> tuple[float, ...]:
    if isinstance(fill, int):
        return (float(fill),) * 4
    values = tuple(float(value) for value in fill)
    return values if channels == len(values) else (float(np.mean(values)),) * 4


def _mask_work_dtype(mask: np.ndarray) -> type:
    """OpenCV warps uint8/uint16/int16/float; label maps of other integer types travel as float64 (exact)."""
    if mask.dtype in (np.uint8, np.uint16, np.int16):
        return mask.dtype.type
    return np.float64


def apply_to_mask(mask: np.ndarray | None, operation: Callable[[np.ndarray], np.ndarray]) -> np.ndarray | None:
    if mask is None:
        return None
    work = _mask_work_dtype(mask)
    result = operation(mask if mask.dtype == work else mask.astype(work))
    return result if result.dtype == mask.dtype else result.astype(mask.dtype)


def keep_channel_axis(result: np.ndarray, like: np.ndarray) -> np.ndarray:
    """OpenCV drops a trailing axis of length 1; put it back so images stay HxWxC."""
    return result[:, :, None] if like.ndim == 3 and result.ndim == 2 else result


def warp_image(
    image: np.ndarray,
    matrix: np.ndarray,
    size: tuple[int, int],
    interpolation: str,
    fill_mode: str,
    fill: int | tuple[int, ...],
) -> np.ndarray:
    """Warp with a 3x3 matrix in continuous coordinates to an output of `size` (width, height)."""
    cv_matrix = to_pixel_index_matrix(matrix)
    flags = INTERPOLATION_FLAGS[interpolation]
    border = BORDER_MODES[fill_mode]
    value = border_value(fill, image.shape[2] if image.ndim == 3 else 1)
    if cv_matrix[2, 0] == 0 and cv_matrix[2, 1] == 0:
        result = cv2.warpAffine(image, cv_matrix[:2], size, flags=flags, borderMode=border, borderValue=value)
    else:
        result = cv2.warpPerspective(image, cv_matrix, size, flags=flags, borderMode=border, borderValue=value)
    return keep_channel_axis(result, image)


def warp_mask(
    mask: np.ndarray | None, matrix: np.ndarray, size: tuple[int, int], fill_mode: str, fill_mask: int
) -> np.ndarray | None:
    # Label maps are never interpolated between classes: nearest neighbour only.
    return apply_to_mask(mask, lambda work: warp_image(work, matrix, size, "nearest", fill_mode, fill_mask))


def remap_image(
    image: np.ndarray,
    map_x: np.ndarray,
    map_y: np.ndarray,
    interpolation: str,
    fill_mode: str,
    fill: int | tuple[int, ...],
) -> np.ndarray:
    """cv2.remap with maps in pixel-index coordinates: output pixel (r, c) samples source (map_y, map_x)."""
    value = border_value(fill, image.shape[2] if image.ndim == 3 else 1)
    result = cv2.remap(
        image, map_x, map_y, INTERPOLATION_FLAGS[interpolation], borderMode=BORDER_MODES[fill_mode], borderValue=value
    )
    return keep_channel_axis(result, image)


def resize_image(image: np.ndarray, width: int, height: int, interpolation: str) -> np.ndarray:
    if image.shape[1] == width and image.shape[0] == height:
        return image
    return keep_channel_axis(
        cv2.resize(image, (width, height), interpolation=INTERPOLATION_FLAGS[interpolation]), image
    )


def resize_mask(mask: np.ndarray | None, width: int, height: int) -> np.ndarray | None:
    # INTER_NEAREST_EXACT samples at pixel centres (plain INTER_NEAREST floors, shifting labels by up to a pixel).
    def resize(work: np.ndarray) -> np.ndarray:
        if work.shape[1] == width and work.shape[0] == height:
            return work
        return cv2.resize(work, (width, height), interpolation=cv2.INTER_NEAREST_EXACT)

    return apply_to_mask(mask, resize)
