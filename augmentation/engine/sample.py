"""The data that travels through a pipeline: an image with its labels, or a text with its spans.

Both are frozen dataclasses so a transform can never change its input in place by accident; transforms build a
new sample with `dataclasses.replace`. Arrays inside are not copied when a field is unchanged, which keeps a
pipeline step that only touches pixels from paying for its labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

Label = int | str


def _as_boxes(boxes: object) -> np.ndarray:
    array = np.asarray(boxes if boxes is not None else np.zeros((0, 4)), dtype=np.float32)
    if array.size == 0:
        return np.zeros((0, 4), dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"boxes must be Nx4 (x_min, y_min, x_max, y_max), got shape {array.shape}")
    if np.any(array[:, 2] < array[:, 0]) or np.any(array[:, 3] < array[:, 1]):
        raise ValueError("boxes must have x_max >= x_min and y_max >= y_min")
    return array


def _as_labels(labels: object, count: int, what: str) -> np.ndarray:
    if labels is None:
        if count:
            raise ValueError(f"{what} are required when there are {count} shapes")
        return np.zeros(0, dtype=np.int64)
    array = np.asarray(labels, dtype=np.int64).reshape(-1)
    if len(array) != count:
        raise ValueError(f"{what}: expected {count} labels, got {len(array)}")
    return array


def _as_polygon(points: object) -> np.ndarray:
    array = np.asarray(points, dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != 2 or len(array) < 3:
        raise ValueError(f"each polygon must be Kx2 with K >= 3, got shape {array.shape}")
    return array


def normal_holes(holes: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
    """Per-polygon hole lists, or [] when no polygon has a hole (the form samples keep)."""
    return holes if any(holes) else []


def polygon_bounds(polygon: np.ndarray) -> np.ndarray:
    return np.concatenate([polygon.min(axis=0), polygon.max(axis=0)]).astype(np.float32)


@dataclass(frozen=True)
class Sample:
    """An image and every label drawn on it, in pixel coordinates of that image.

    Coordinates are continuous: the pixel in row r, column c covers [c, c+1) x [r, r+1), so a box around the
    whole WxH image is (0, 0, W, H) and a horizontal flip maps x to W - x.

    `box_polygon[i]` is the index of the polygon that box i outlines, or -1. A linked box is recomputed from its
    polygon after a geometric transform (tighter than transforming the box corners) and is dropped with it.

    `polygon_holes[i]` lists the rings cut out of polygon i (each Kx2 float32, inside its outer ring); an empty
    list stands for "no polygon has holes". Transforms move and clip holes with their polygon, and drop a hole
    that ends up with no area.
    """

    image: np.ndarray  # HxWxC uint8, RGB
    boxes: np.ndarray  # Nx4 float32, x_min y_min x_max y_max, pixels
    box_labels: np.ndarray  # N int
    polygons: list[np.ndarray]  # each Kx2 float32, outer ring
    polygon_labels: np.ndarray  # M int
    mask: np.ndarray | None  # HxW int label map
    image_label: int | None = None
    label_weights: dict[int, float] | None = None  # soft image labels, e.g. from mixup or mosaic
    box_polygon: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    polygon_holes: list[list[np.ndarray]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # The one check every new sample gets: a transform that drops polygons must drop their holes too.
        if self.polygon_holes and len(self.polygon_holes) != len(self.polygons):
            raise ValueError(f"polygon_holes: {len(self.polygon_holes)} lists for {len(self.polygons)} polygons")

    def holes(self, index: int) -> list[np.ndarray]:
        """The hole rings of polygon `index` (none when no polygon has holes)."""
        return self.polygon_holes[index] if self.polygon_holes else []

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @classmethod
    def from_image(
        cls,
        image: np.ndarray,
        *,
        boxes: object = None,
        box_labels: object = None,
        polygons: Sequence[object] | None = None,
        polygon_labels: object = None,
        polygon_holes: Sequence[Sequence[object]] | None = None,
        mask: np.ndarray | None = None,
        image_label: int | None = None,
        label_weights: Mapping[int, float] | None = None,
        boxes_from_polygons: bool = False,
    ) -> Sample:
        """Build a sample, checking shapes once here so transforms can trust them.

        With `boxes_from_polygons=True` and no `boxes`, one box per polygon is derived from its bounds and linked
        to it, which is what a detector trained from segmentation labels wants.
        """
        image = np.asarray(image)
        if image.ndim == 2:
            image = image[:, :, None]
        if image.ndim != 3 or image.dtype != np.uint8:
            raise ValueError(f"image must be HxWxC uint8, got shape {image.shape} and dtype {image.dtype}")
        polygon_list = [_as_polygon(points) for points in (polygons or [])]
        polygon_label_array = _as_labels(polygon_labels, len(polygon_list), "polygon_labels")
        hole_lists = normal_holes([[_as_polygon(ring) for ring in rings] for rings in (polygon_holes or [])])
        if hole_lists and len(hole_lists) != len(polygon_list):
            raise ValueError(f"polygon_holes: expected {len(polygon_list)} lists of rings, got {len(hole_lists)}")
        if boxes_from_polygons and boxes is None:
            box_array = (
                np.stack([polygon_bounds(polygon) for polygon in polygon_list])
                if polygon_list
                else np.zeros((0, 4), dtype=np.float32)
            )
            box_label_array = polygon_label_array.copy()
            links = np.arange(len(polygon_list), dtype=np.int64)
        else:
            box_array = _as_boxes(boxes)
            box_label_array = _as_labels(box_labels, len(box_array), "box_labels")
            links = np.full(len(box_array), -1, dtype=np.int64)
        if mask is not None:
            mask = np.asarray(mask)
            if mask.shape != image.shape[:2]:
                raise ValueError(f"mask must be HxW = {image.shape[:2]}, got {mask.shape}")
        return cls(
            image=image,
            boxes=box_array,
            box_labels=box_label_array,
            polygons=polygon_list,
            polygon_labels=polygon_label_array,
            mask=mask,
            image_label=image_label,
            label_weights=dict(label_weights) if label_weights is not None else None,
            box_polygon=links,
            polygon_holes=hole_lists,
        )

    def soft_labels(self) -> dict[int, float]:
        """Image-level class as weights: the stored soft labels, or the hard class with weight 1."""
        if self.label_weights is not None:
            return dict(self.label_weights)
        if self.image_label is not None:
            return {self.image_label: 1.0}
        return {}


@dataclass(frozen=True)
class Span:
    """A labelled range of a text in code points (Python str indices), end exclusive."""

    start: int
    end: int
    label: Label

    def text_in(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass(frozen=True)
class TextSample:
    text: str
    label: Label | None = None
    spans: tuple[Span, ...] = ()

    @classmethod
    def create(
        cls, text: str, *, label: Label | None = None, spans: Sequence[Span | tuple[int, int, Label]] = ()
    ) -> TextSample:
        checked = []
        for span in spans:
            span = span if isinstance(span, Span) else Span(*span)
            if not 0 <= span.start < span.end <= len(text):
                raise ValueError(f"span {span} is outside the text of length {len(text)} or empty")
            checked.append(span)
        return cls(text=text, label=label, spans=tuple(sorted(checked, key=lambda span: (span.start, span.end))))

    def span_texts(self) -> list[tuple[str, Label]]:
        return [(span.text_in(self.text), span.label) for span in self.spans]
