"""Label geometry shared by every transform that moves pixels: points, polygons, boxes and visibility.

Albumentations has no polygon target and derives boxes from box corners only, so the label side of geometric
transforms lives here: polygons are mapped point by point and clipped to the image, a box linked to a polygon is
recomputed from the clipped polygon's bounds, an unlinked box from its mapped corners (or outline, for curved
warps). A shape is dropped with its label when the visible fraction of its mapped area falls below the
pipeline's `min_visibility`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from augmentation.engine.sample import Sample, normal_holes

PointMap = Callable[[np.ndarray], np.ndarray]  # Kx2 float points -> Kx2 float points
Rect = tuple[float, float, float, float]  # x_min, y_min, x_max, y_max

# Points per box edge and maximum polygon segment length (pixels) when the warp is not a straight-line map.
_OUTLINE_STEPS = 8
_MAX_SEGMENT = 4.0


def affine_matrix(a: float, b: float, c: float, d: float, e: float, f: float) -> np.ndarray:
    return np.array([[a, b, c], [d, e, f], [0.0, 0.0, 1.0]])


def translation(dx: float, dy: float) -> np.ndarray:
    return affine_matrix(1, 0, dx, 0, 1, dy)


def scaling(sx: float, sy: float) -> np.ndarray:
    return affine_matrix(sx, 0, 0, 0, sy, 0)


def to_pixel_index_matrix(matrix: np.ndarray) -> np.ndarray:
    """The same map in OpenCV's convention, where pixel (c, r) has its centre at (c, r) rather than (c+½, r+½)."""
    return translation(-0.5, -0.5) @ matrix @ translation(0.5, 0.5)


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    homogeneous = points @ matrix[:2, :2].T + matrix[:2, 2]
    if matrix[2, 0] == 0 and matrix[2, 1] == 0 and matrix[2, 2] == 1:
        return homogeneous.astype(np.float32)
    w = points @ matrix[2, :2] + matrix[2, 2]
    return (homogeneous / w[:, None]).astype(np.float32)


def polygon_area(points: np.ndarray) -> float:
    if len(points) < 3:
        return 0.0
    x, y = points[:, 0].astype(np.float64), points[:, 1].astype(np.float64)
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def clip_polygon(points: np.ndarray, rect: Rect) -> np.ndarray:
    """Sutherland-Hodgman clipping of a polygon to an axis-aligned rectangle (exact for convex clip regions)."""
    x_min, y_min, x_max, y_max = rect
    if (
        len(points)
        and points[:, 0].min() >= x_min
        and points[:, 0].max() <= x_max
        and points[:, 1].min() >= y_min
        and points[:, 1].max() <= y_max
    ):
        return points
    output = [tuple(point) for point in points.astype(np.float64)]
    # Each edge: (axis, bound, keep points on the side where sign * (coordinate - bound) >= 0).
    for axis, bound, sign in ((0, x_min, 1), (0, x_max, -1), (1, y_min, 1), (1, y_max, -1)):
        if not output:
            break
        previous_points, output = output, []
        previous = previous_points[-1]
        previous_inside = sign * (previous[axis] - bound) >= 0
        for current in previous_points:
            current_inside = sign * (current[axis] - bound) >= 0
            if current_inside != previous_inside:
                t = (bound - previous[axis]) / (current[axis] - previous[axis])
                crossing = (previous[0] + t * (current[0] - previous[0]), previous[1] + t * (current[1] - previous[1]))
                output.append(crossing)
            if current_inside:
                output.append(current)
            previous, previous_inside = current, current_inside
    return np.asarray(output, dtype=np.float32).reshape(-1, 2)


def densify(points: np.ndarray, max_segment: float = _MAX_SEGMENT) -> np.ndarray:
    """Add points along each edge of a closed ring so a curved warp bends the edges, not only the corners."""
    following = np.roll(points, -1, axis=0)
    lengths = np.linalg.norm(following - points, axis=1)
    pieces = np.maximum(1, np.ceil(lengths / max_segment).astype(int))
    parts = [
        start + (end - start) * (np.arange(count)[:, None] / count)
        for start, end, count in zip(points, following, pieces, strict=True)
    ]
    return np.concatenate(parts).astype(np.float32)


def box_outlines(boxes: np.ndarray, curved: bool) -> np.ndarray:
    """NxKx2 points around each box: its 4 corners, or points along its edges for curved warps."""
    x0, y0, x1, y1 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    corners = np.stack([np.stack([x0, y0], 1), np.stack([x1, y0], 1), np.stack([x1, y1], 1), np.stack([x0, y1], 1)], 1)
    if not curved:
        return corners
    steps = np.arange(_OUTLINE_STEPS)[:, None] / _OUTLINE_STEPS
    following = np.roll(corners, -1, axis=1)
    edges = [corners[:, k, None, :] + (following[:, k, None, :] - corners[:, k, None, :]) * steps for k in range(4)]
    return np.concatenate(edges, axis=1)


def _clip_boxes(boxes: np.ndarray, rect: Rect) -> np.ndarray:
    clipped = boxes.copy()
    np.clip(clipped[:, 0::2], rect[0], rect[2], out=clipped[:, 0::2])
    np.clip(clipped[:, 1::2], rect[1], rect[3], out=clipped[:, 1::2])
    return clipped


def _areas(boxes: np.ndarray) -> np.ndarray:
    return np.maximum(boxes[:, 2] - boxes[:, 0], 0) * np.maximum(boxes[:, 3] - boxes[:, 1], 0)


def map_labels(
    sample: Sample,
    point_map: PointMap,
    rect: Rect,
    min_visibility: float,
    *,
    curved: bool = False,
) -> dict[str, object]:
    """New label fields after mapping every point with `point_map` and clipping to `rect`.

    Returns keyword arguments for `dataclasses.replace` (boxes, box_labels, polygons, polygon_labels,
    box_polygon, polygon_holes); the caller adds the image and mask. A polygon's visible share is measured
    without its holes; a hole left with no area inside the picture is dropped.
    """
    new_index = np.full(len(sample.polygons), -1, dtype=np.int64)
    polygons: list[np.ndarray] = []
    polygon_labels: list[int] = []
    holes: list[list[np.ndarray]] = []
    for index, polygon in enumerate(sample.polygons):
        mapped, clipped = _map_ring(polygon, point_map, rect, curved)
        full, visible = polygon_area(mapped), polygon_area(clipped)
        kept_holes: list[np.ndarray] = []
        for hole in sample.holes(index):
            mapped_hole, clipped_hole = _map_ring(hole, point_map, rect, curved)
            full -= polygon_area(mapped_hole)
            hole_area = polygon_area(clipped_hole) if len(clipped_hole) >= 3 else 0.0
            if hole_area > 0:
                visible -= hole_area
                kept_holes.append(clipped_hole.astype(np.float32))
        if len(clipped) >= 3 and visible > 0 and full > 0 and visible / full >= min_visibility:
            new_index[index] = len(polygons)
            polygons.append(clipped.astype(np.float32))
            polygon_labels.append(int(sample.polygon_labels[index]))
            holes.append(kept_holes)

    boxes = sample.boxes
    links = sample.box_polygon if len(sample.box_polygon) == len(boxes) else np.full(len(boxes), -1)
    keep = np.zeros(len(boxes), dtype=bool)
    new_boxes = np.zeros((len(boxes), 4), dtype=np.float32)
    unlinked = links < 0
    if unlinked.any():
        outlines = box_outlines(boxes[unlinked], curved)
        mapped = point_map(outlines.reshape(-1, 2)).reshape(outlines.shape)
        bounds = np.concatenate([mapped.min(axis=1), mapped.max(axis=1)], axis=1)
        clipped = _clip_boxes(bounds, rect)
        box_area, visible_area = _areas(bounds), _areas(clipped)
        with np.errstate(divide="ignore", invalid="ignore"):
            fraction = np.where(box_area > 0, visible_area / np.where(box_area > 0, box_area, 1), 0.0)
        keep[unlinked] = (visible_area > 0) & (fraction >= min_visibility)
        new_boxes[unlinked] = clipped
    for box_index in np.flatnonzero(~unlinked):
        polygon_index = new_index[links[box_index]]
        if polygon_index >= 0:
            polygon = polygons[polygon_index]
            new_boxes[box_index] = np.concatenate([polygon.min(axis=0), polygon.max(axis=0)])
            keep[box_index] = True
    return {
        "boxes": new_boxes[keep],
        "box_labels": sample.box_labels[keep],
        "polygons": polygons,
        "polygon_labels": np.asarray(polygon_labels, dtype=np.int64),
        "box_polygon": relink(links[keep], new_index),
        "polygon_holes": normal_holes(holes),
    }


def _map_ring(ring: np.ndarray, point_map: PointMap, rect: Rect, curved: bool) -> tuple[np.ndarray, np.ndarray]:
    """(mapped, mapped and clipped to `rect`) for one outer ring or hole."""
    mapped = point_map(densify(ring) if curved else ring)
    if curved:
        # Keep densified rings from growing with every curved warp; 0.25 px is below labelling precision.
        mapped = cv2.approxPolyDP(mapped.reshape(-1, 1, 2), 0.25, True).reshape(-1, 2)
    return mapped, clip_polygon(mapped, rect)


def relink(links: np.ndarray, new_index: np.ndarray) -> np.ndarray:
    """Box → polygon links after polygons were dropped or renumbered (`new_index[old] = new`, -1 if dropped)."""
    result = np.full(len(links), -1, dtype=np.int64)
    linked = links >= 0
    result[linked] = new_index[links[linked]]
    return result


def matrix_point_map(matrix: np.ndarray) -> PointMap:
    return lambda points: transform_points(np.asarray(points, dtype=np.float64), matrix)


def with_matrix(
    sample: Sample,
    image: np.ndarray,
    mask: np.ndarray | None,
    matrix: np.ndarray,
    min_visibility: float,
    rect: Rect | None = None,
) -> Sample:
    """The sample with a new image and mask, and labels moved by a 3x3 matrix (continuous coordinates)."""
    height, width = image.shape[:2]
    if not len(sample.boxes) and not sample.polygons:
        return dataclasses.replace(sample, image=image, mask=mask)
    labels = map_labels(sample, matrix_point_map(matrix), rect or (0.0, 0.0, width, height), min_visibility)
    return dataclasses.replace(sample, image=image, mask=mask, **labels)  # type: ignore[arg-type]


def rasterize_polygon(polygon: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Boolean HxW mask of the pixels whose centre lies inside the polygon (even-odd rule).

    OpenCV's fillPoly also paints pixels the outline merely touches (a 5x5 square comes out 6x6), which would
    make occlusion fractions wrong, so rows are scanned here: each edge crossing a row's centre line toggles
    every pixel whose centre lies to its right.
    """
    height, width = shape
    canvas = np.zeros((height, width), dtype=bool)
    points = np.asarray(polygon, dtype=np.float64)
    top, bottom = max(0, math.floor(points[:, 1].min())), min(height, math.ceil(points[:, 1].max()))
    if bottom <= top or len(points) < 3:
        return canvas
    x0, y0 = points[:, 0], points[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    centres = (np.arange(top, bottom) + 0.5)[:, None]
    # Half-open in y, so a vertex exactly on a centre line is counted once.
    crosses = ((y0 <= centres) & (centres < y1)) | ((y1 <= centres) & (centres < y0))
    with np.errstate(divide="ignore", invalid="ignore"):
        x = x0 + (centres - y0) / (y1 - y0) * (x1 - x0)
    rows, edges = np.nonzero(crosses)
    columns = np.clip(np.ceil(x[rows, edges] - 0.5), 0, width).astype(np.int64)
    toggles = np.zeros((bottom - top, width + 1), dtype=np.int64)
    np.add.at(toggles, (rows, columns), 1)
    canvas[top:bottom] = (np.cumsum(toggles, axis=1)[:, :width] % 2).astype(bool)
    return canvas


def polygon_pixels(polygon: np.ndarray, holes: Sequence[np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    """Boolean HxW mask of the pixels inside the polygon and outside its holes."""
    inside = rasterize_polygon(polygon, shape)
    for hole in holes:
        inside &= ~rasterize_polygon(hole, shape)
    return inside


def drop_hidden_labels(sample: Sample, hidden: np.ndarray, min_visibility: float) -> dict[str, object]:
    """Remove shapes that `hidden` (HxW bool: pixels now covered) leaves less than `min_visibility` visible.

    Shapes keep their full extent otherwise: an occluded object is still labelled whole, as annotators do.
    A shape left with no visible pixel is always removed.
    """
    height, width = hidden.shape
    keep_polygon = np.ones(len(sample.polygons), dtype=bool)
    for index, polygon in enumerate(sample.polygons):
        inside = polygon_pixels(polygon, sample.holes(index), (height, width))
        area = int(inside.sum())
        visible = int((inside & ~hidden).sum())
        keep_polygon[index] = area > 0 and visible > 0 and visible / area >= min_visibility
    boxes = np.round(sample.boxes).astype(np.int64)
    np.clip(boxes[:, 0::2], 0, width, out=boxes[:, 0::2])
    np.clip(boxes[:, 1::2], 0, height, out=boxes[:, 1::2])
    x0, y0, x1, y1 = boxes.T
    area = (x1 - x0) * (y1 - y0)
    if len(boxes) > 32:
        # Many boxes: one summed-area table answers each box in constant time.
        covered = cv2.integral(hidden.astype(np.uint8))
        hidden_count = covered[y1, x1] - covered[y0, x1] - covered[y1, x0] + covered[y0, x0]
    else:
        hidden_count = np.array([np.count_nonzero(hidden[b:d, a:c]) for a, b, c, d in boxes], dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(area > 0, (area - hidden_count) / np.where(area > 0, area, 1), 0.0)
    keep_box = (area - hidden_count > 0) & (fraction >= min_visibility)
    links = sample.box_polygon if len(sample.box_polygon) == len(boxes) else np.full(len(boxes), -1)
    linked = links >= 0
    keep_box[linked] = keep_polygon[links[linked]]
    renumber = np.where(keep_polygon, np.cumsum(keep_polygon) - 1, -1)
    return {
        "boxes": sample.boxes[keep_box],
        "box_labels": sample.box_labels[keep_box],
        "polygons": [polygon for polygon, kept in zip(sample.polygons, keep_polygon, strict=True) if kept],
        "polygon_labels": sample.polygon_labels[keep_polygon],
        "box_polygon": relink(links[keep_box], renumber),
        "polygon_holes": normal_holes([sample.holes(index) for index, kept in enumerate(keep_polygon) if kept]),
    }
