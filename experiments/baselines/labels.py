"""Label statistics of object-detection data: what augmentation did to the boxes.

Training a detector is out of scope on a CPU in minutes; what can be measured is how augmentation changed the
labels a detector would learn from: boxes per class, boxes per image, box sizes (square root of the area, in
pixels, binned like COCO's small/medium/large but finer) and aspect ratios (width / height), and boxes an
augmented copy lost against its source (cropped away, or dropped under the pipeline's `min_visibility`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# Open-ended last bin: counts[i] are values in [edges[i], edges[i + 1]), the last one [edges[-1], inf).
SIZE_EDGES = (0.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0)
ASPECT_EDGES = (0.0, 0.25, 0.5, 0.75, 4 / 3, 2.0, 4.0)
BOXES_PER_ITEM_EDGES = (0.0, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0)
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True)
class Box:
    class_id: int
    width: float
    height: float


def histogram(values: Sequence[float] | np.ndarray, edges: Sequence[float]) -> dict[str, Any]:
    array = np.asarray(values, dtype=np.float64)
    positions = np.searchsorted(np.asarray(edges), array, side="right") - 1
    counts = np.bincount(positions[positions >= 0], minlength=len(edges))
    return {"edges": [round(edge, 4) for edge in edges], "counts": counts.astype(int).tolist()}


def quantiles(values: Sequence[float] | np.ndarray) -> dict[str, float] | None:
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        return None
    return {f"p{round(q * 100)}": float(np.quantile(array, q)) for q in QUANTILES}


def box_statistics(items: Sequence[Sequence[Box]], class_ids: Sequence[int]) -> dict[str, Any]:
    """Statistics of the boxes of `items` (one sequence of boxes per image, possibly empty)."""
    boxes = [box for item in items for box in item]
    widths = np.array([box.width for box in boxes], dtype=np.float64)
    heights = np.array([box.height for box in boxes], dtype=np.float64)
    sizes = np.sqrt(np.maximum(widths * heights, 0.0))
    usable = heights > 0
    aspects = widths[usable] / heights[usable]
    per_item = [len(item) for item in items]
    per_class = Counter(box.class_id for box in boxes)
    return {
        "items": len(items),
        "boxes": len(boxes),
        "per_class": [{"class": class_id, "boxes": per_class.get(class_id, 0)} for class_id in class_ids],
        "boxes_per_item": {
            "mean": float(np.mean(per_item)) if per_item else 0.0,
            "max": max(per_item, default=0),
            "histogram": histogram(per_item, BOXES_PER_ITEM_EDGES),
        },
        "size": {"histogram": histogram(sizes, SIZE_EDGES), "quantiles": quantiles(sizes)},
        "width": quantiles(widths),
        "height": quantiles(heights),
        "aspect": {"histogram": histogram(aspects, ASPECT_EDGES), "quantiles": quantiles(aspects)},
    }


def lost_boxes(
    pairs: Iterable[tuple[Mapping[int, int], Mapping[int, int]]], class_ids: Sequence[int]
) -> dict[str, Any]:
    """Boxes augmented copies have fewer of than their sources, per class.

    Each pair is (boxes per class of the source's labels, boxes per class of the copy). A class the copy has
    fewer of lost the difference; a class it has more of (mixing transforms paste boxes in) is not counted
    against the others, so this is a lower bound when copies both lose and gain boxes of one class.
    """
    lost: Counter[int] = Counter()
    copies = copies_with_losses = 0
    for source, output in pairs:
        copies += 1
        missing = {c: n - output.get(c, 0) for c, n in source.items() if n > output.get(c, 0)}
        if missing:
            copies_with_losses += 1
            lost.update(missing)
    return {
        "copies": copies,
        "copies_with_losses": copies_with_losses,
        "boxes": sum(lost.values()),
        "per_class": [{"class": class_id, "boxes": lost.get(class_id, 0)} for class_id in class_ids],
    }
