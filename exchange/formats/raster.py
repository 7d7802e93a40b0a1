"""Regions as pixels: polygons (with holes) and RLE masks rasterised, masks traced back to polygons."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw

from exchange.records import RegionRecord
from labeling import rle


def polygon_mask(
    points: list[list[float]], holes: list[list[list[float]]] | None, height: int, width: int
) -> np.ndarray:
    """The HxW boolean mask of a polygon minus its holes (PIL's scan conversion: a pixel is in when its
    centre is)."""
    canvas = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    draw.polygon([(float(x), float(y)) for x, y in points], fill=1)
    for hole in holes or []:
        draw.polygon([(float(x), float(y)) for x, y in hole], fill=0)
    return np.asarray(canvas, dtype=bool)


def region_mask(region: RegionRecord, height: int, width: int) -> np.ndarray | None:
    """The region's pixels on an HxW canvas, or None for kinds without an area (or a mask of another size)."""
    if region.kind == "polygon" and region.points:
        return polygon_mask(region.points, region.holes, height, width)
    if region.kind == "mask" and region.rle:
        if (region.mask_height, region.mask_width) != (height, width):
            return None
        return rle.decode(rle.from_string(region.rle), height, width)
    return None


def mask_to_rle_string(mask: np.ndarray) -> str:
    return rle.to_string(rle.encode(mask))


def mask_outlines(mask: np.ndarray) -> list[list[list[float]]]:
    """The outer contours of a mask's connected parts, each a ring of at least 3 [x, y] points."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    rings: list[list[list[float]]] = []
    for contour in contours:
        points = contour.reshape(-1, 2)
        if len(points) >= 3:
            rings.append([[float(x), float(y)] for x, y in points])
    # Largest first, then by position: a fixed order for the same mask.
    rings.sort(key=lambda ring: (-len(ring), ring[0]))
    return rings
