"""Inter-annotator agreement, as pure functions on plain data (no Django).

- Boxes, polygons and masks: per pair of annotators and per class, IoU between every two regions,
  optimal one-to-one matching (Hungarian, scipy's linear_sum_assignment), F1 of the matches at an IoU
  threshold and the mean IoU of the matched pairs. Boxes use exact geometry; polygons and masks are
  compared on a pixel grid (upsampled for small images, so sub-pixel vertices still count).
- Image and text classes: per item, the share of annotator pairs that agree on each class; across
  items, Krippendorff's alpha (nominal; handles items with different numbers of annotators),
  Fleiss' kappa (when every item has the same number) and Cohen's kappa (exactly two annotators).
- Text spans: per pair and class, exact F1 (same start and end) and overlap F1 (one-to-one matching
  of overlapping spans).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from labeling import rle

GEOMETRY_KINDS = ("bbox", "polygon", "mask")
CLASS_KINDS = ("image_class", "text_class")
SPAN_KIND = "text_span"
# Polygons are rasterised with this many bits of sub-pixel precision (cv2.fillPoly's shift).
_SUBPIXEL_BITS = 4


@dataclass(frozen=True)
class Shape:
    """One region as agreement needs it."""

    kind: str
    label_class: int
    box: tuple[float, float, float, float] | None = None  # x, y, width, height
    points: Sequence[Sequence[float]] | None = None
    holes: Sequence[Sequence[Sequence[float]]] = ()
    rle_counts: str | None = None
    size: tuple[int, int] | None = None  # mask height, width
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Rater:
    """One annotator's regions on one item."""

    user: int
    shapes: Sequence[Shape]


@dataclass
class ClassAgreement:
    label_class: int
    kind: str
    pairs: int
    scores: dict[str, float | None] = field(default_factory=dict)


# --- one item ---------------------------------------------------------------------------------------


def item_agreement(
    raters: Sequence[Rater], *, image_size: tuple[int, int] | None = None, iou_threshold: float = 0.5
) -> list[ClassAgreement]:
    """Agreement per (kind, class) on one item between every pair of raters."""
    if len(raters) < 2:
        return []
    scale = raster_scale(image_size)
    results: list[ClassAgreement] = []
    present = sorted({(s.kind, s.label_class) for r in raters for s in r.shapes})
    for kind, label_class in present:
        groups = [[s for s in r.shapes if s.kind == kind and s.label_class == label_class] for r in raters]
        if kind in GEOMETRY_KINDS:
            results.append(_geometry_agreement(kind, label_class, groups, scale, iou_threshold))
        elif kind in CLASS_KINDS:
            chose = [bool(g) for g in groups]
            pairs = list(itertools.combinations(chose, 2))
            agreeing = sum(a == b for a, b in pairs)
            results.append(ClassAgreement(label_class, kind, len(pairs), {"agreement": agreeing / len(pairs)}))
        elif kind == SPAN_KIND:
            results.append(_span_agreement(label_class, groups))
    return results


def _geometry_agreement(
    kind: str, label_class: int, groups: list[list[Shape]], scale: int, threshold: float
) -> ClassAgreement:
    rasters = [[_raster(s, scale) for s in g] for g in groups] if kind != "bbox" else None
    f1s: list[float] = []
    ious: list[float] = []
    for a, b in itertools.combinations(range(len(groups)), 2):
        if not groups[a] and not groups[b]:
            continue
        if kind == "bbox":
            matrix = box_iou_matrix([s.box for s in groups[a]], [s.box for s in groups[b]])  # type: ignore[misc]
        else:
            assert rasters is not None
            matrix = raster_iou_matrix(rasters[a], rasters[b])
        matched, f1 = match_f1(matrix, threshold)
        f1s.append(f1)
        ious.extend(matched)
    return ClassAgreement(
        label_class,
        kind,
        len(f1s),
        {"f1": _mean(f1s), "mean_iou": _mean(ious)},
    )


def _span_agreement(label_class: int, groups: list[list[Shape]]) -> ClassAgreement:
    exact: list[float] = []
    overlap: list[float] = []
    for a, b in itertools.combinations(groups, 2):
        if not a and not b:
            continue
        spans_a = [(s.start, s.end) for s in a]
        spans_b = [(s.start, s.end) for s in b]
        exact.append(span_exact_f1(spans_a, spans_b))  # type: ignore[arg-type]
        overlap.append(span_overlap_f1(spans_a, spans_b))  # type: ignore[arg-type]
    return ClassAgreement(label_class, SPAN_KIND, len(exact), {"exact_f1": _mean(exact), "overlap_f1": _mean(overlap)})


# --- matching ---------------------------------------------------------------------------------------


def match_f1(iou: np.ndarray, threshold: float) -> tuple[list[float], float]:
    """Optimal one-to-one matching maximising total IoU; returns the IoUs of matched pairs above
    zero and the F1 of matches at or above the threshold."""
    n_a, n_b = iou.shape
    if n_a == 0 or n_b == 0:
        return [], 0.0
    rows, cols = linear_sum_assignment(-iou)
    matched = [float(iou[r, c]) for r, c in zip(rows, cols, strict=True) if iou[r, c] > 0]
    true_positives = sum(1 for value in matched if value >= threshold)
    return matched, 2 * true_positives / (n_a + n_b)


def box_iou_matrix(
    boxes_a: Sequence[tuple[float, float, float, float]], boxes_b: Sequence[tuple[float, float, float, float]]
) -> np.ndarray:
    a = np.asarray(boxes_a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(boxes_b, dtype=np.float64).reshape(-1, 4)
    ax0, ay0, ax1, ay1 = a[:, 0:1], a[:, 1:2], a[:, 0:1] + a[:, 2:3], a[:, 1:2] + a[:, 3:4]
    bx0, by0, bx1, by1 = b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    inter_w = np.clip(np.minimum(ax1, bx1) - np.maximum(ax0, bx0), 0, None)
    inter_h = np.clip(np.minimum(ay1, by1) - np.maximum(ay0, by0), 0, None)
    inter = inter_w * inter_h
    union = (a[:, 2:3] * a[:, 3:4]) + (b[:, 2] * b[:, 3]) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


@dataclass(frozen=True)
class Raster:
    """A region's pixels on the comparison grid: a cropped boolean mask and its top-left corner."""

    mask: np.ndarray
    x0: int
    y0: int
    area: int


def raster_scale(image_size: tuple[int, int] | None) -> int:
    """Upsample small images so that a few pixels' disagreement is not lost to rounding."""
    if not image_size:
        return 1
    return max(1, min(8, 1024 // max(1, max(image_size))))


def _raster(shape: Shape, scale: int) -> Raster:
    if shape.kind == "mask":
        assert shape.size is not None and shape.rle_counts is not None
        full = rle.decode(rle.from_string(shape.rle_counts), shape.size[0], shape.size[1])
        rows, cols = np.nonzero(full)
        if rows.size == 0:
            return Raster(np.zeros((0, 0), dtype=bool), 0, 0, 0)
        top, left = int(rows.min()), int(cols.min())
        crop = full[top : int(rows.max()) + 1, left : int(cols.max()) + 1]
        if scale > 1:
            crop = np.repeat(np.repeat(crop, scale, axis=0), scale, axis=1)
        return Raster(crop, left * scale, top * scale, int(crop.sum()))
    assert shape.points is not None
    outer = np.asarray(shape.points, dtype=np.float64) * scale
    left, top = math.floor(outer[:, 0].min()), math.floor(outer[:, 1].min())
    right, bottom = math.ceil(outer[:, 0].max()), math.ceil(outer[:, 1].max())
    canvas = np.zeros((bottom - top + 1, right - left + 1), dtype=np.uint8)
    factor = 1 << _SUBPIXEL_BITS

    def fixed(ring: np.ndarray) -> np.ndarray:
        return np.round((ring - (left, top)) * factor).astype(np.int32).reshape(-1, 1, 2)

    cv2.fillPoly(canvas, [fixed(outer)], 1, lineType=cv2.LINE_8, shift=_SUBPIXEL_BITS)
    for hole in shape.holes or ():
        cv2.fillPoly(canvas, [fixed(np.asarray(hole, dtype=np.float64) * scale)], 0, shift=_SUBPIXEL_BITS)
    mask = canvas.astype(bool)
    return Raster(mask, left, top, int(mask.sum()))


def raster_iou(a: Raster, b: Raster) -> float:
    x0, y0 = max(a.x0, b.x0), max(a.y0, b.y0)
    x1 = min(a.x0 + a.mask.shape[1], b.x0 + b.mask.shape[1])
    y1 = min(a.y0 + a.mask.shape[0], b.y0 + b.mask.shape[0])
    inter = 0
    if x1 > x0 and y1 > y0:
        window_a = a.mask[y0 - a.y0 : y1 - a.y0, x0 - a.x0 : x1 - a.x0]
        window_b = b.mask[y0 - b.y0 : y1 - b.y0, x0 - b.x0 : x1 - b.x0]
        inter = int(np.count_nonzero(window_a & window_b))
    union = a.area + b.area - inter
    return inter / union if union else 0.0


def raster_iou_matrix(a: Sequence[Raster], b: Sequence[Raster]) -> np.ndarray:
    matrix = np.zeros((len(a), len(b)))
    for i, ra in enumerate(a):
        for j, rb in enumerate(b):
            matrix[i, j] = raster_iou(ra, rb)
    return matrix


def span_exact_f1(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> float:
    if not a and not b:
        return 1.0
    common = sum((Counter(a) & Counter(b)).values())
    return 2 * common / (len(a) + len(b))


def span_overlap_f1(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> float:
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    overlap = np.array([[max(0, min(ea, eb) - max(sa, sb)) for sb, eb in b] for sa, ea in a], dtype=np.float64)
    rows, cols = linear_sum_assignment(-overlap)
    matched = sum(1 for r, c in zip(rows, cols, strict=True) if overlap[r, c] > 0)
    return 2 * matched / (len(a) + len(b))


# --- classification statistics ----------------------------------------------------------------------


def krippendorff_alpha_nominal(units: Sequence[Sequence[Hashable]]) -> float | None:
    """Krippendorff's alpha for nominal data. Each unit lists the values its raters gave (missing
    ratings simply left out); units with fewer than two values do not count. None when undefined
    (no pairable values, or every value the same)."""
    pairable = [u for u in units if len(u) >= 2]
    values = sorted({v for u in pairable for v in u}, key=repr)
    if not values:
        return None
    index = {v: i for i, v in enumerate(values)}
    coincidences = np.zeros((len(values), len(values)))
    for unit in pairable:
        counts = Counter(index[v] for v in unit)
        m = len(unit)
        for c, n_c in counts.items():
            for d, n_d in counts.items():
                coincidences[c, d] += n_c * (n_d - (c == d)) / (m - 1)
    totals = coincidences.sum(axis=1)
    n = totals.sum()
    observed = (n - np.trace(coincidences)) / n
    expected = (n * n - (totals**2).sum()) / (n * (n - 1))
    if expected == 0:
        return None
    return float(1 - observed / expected)


def fleiss_kappa(counts: np.ndarray) -> float | None:
    """Fleiss' kappa from an items x categories matrix of how many raters chose each category;
    every item must have the same number of raters (at least two). None when undefined."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] == 0:
        return None
    raters = counts.sum(axis=1)
    if raters[0] < 2 or not np.all(raters == raters[0]):
        return None
    n = raters[0]
    share = counts.sum(axis=0) / counts.sum()
    per_item = ((counts**2).sum(axis=1) - n) / (n * (n - 1))
    observed, expected = per_item.mean(), (share**2).sum()
    if expected == 1:
        return None
    return float((observed - expected) / (1 - expected))


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two raters' labels on the same units. None when undefined."""
    if len(a) != len(b) or not a:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
    count_a, count_b = Counter(a), Counter(b)
    expected = sum(count_a[v] * count_b[v] for v in count_a) / (len(a) ** 2)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def classification_summary(units: Sequence[dict[int, Hashable]]) -> dict[str, Any]:
    """Across items: each unit maps rater → the value they gave. Alpha always; Fleiss' kappa when every
    unit has the same number of raters; Cohen's kappa when exactly two raters rated every unit."""
    pairable = [u for u in units if len(u) >= 2]
    summary: dict[str, Any] = {
        "items": len(pairable),
        "krippendorff_alpha": krippendorff_alpha_nominal([list(u.values()) for u in pairable]),
        "fleiss_kappa": None,
        "cohen_kappa": None,
    }
    if not pairable:
        return summary
    if len({len(u) for u in pairable}) == 1:
        values = sorted({v for u in pairable for v in u.values()}, key=repr)
        index = {v: i for i, v in enumerate(values)}
        matrix = np.zeros((len(pairable), len(values)))
        for row, unit in enumerate(pairable):
            for value in unit.values():
                matrix[row, index[value]] += 1
        summary["fleiss_kappa"] = fleiss_kappa(matrix)
    raters = {r for u in pairable for r in u}
    if len(raters) == 2 and all(len(u) == 2 for u in pairable):
        first, second = sorted(raters)
        summary["cohen_kappa"] = cohen_kappa([u[first] for u in pairable], [u[second] for u in pairable])
    return summary


def _mean(values: Sequence[float]) -> float | None:
    return float(sum(values) / len(values)) if values else None
