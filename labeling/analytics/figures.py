"""The arithmetic of the time figures, as pure functions on numbers (numpy; no Django).

Conventions every figure follows, and the API states in each response (`ROUNDING`):
- times are seconds rounded to 1 decimal; rates (per hour) to 2 decimals; ratios and scores to 3
  decimals; money to 2 decimals, in the project's currency per hour;
- percentiles use linear interpolation between order statistics (numpy's default), so the median of
  [1, 2, 3, 4] is 2.5 and the 90th percentile of 1..10 is 9.1;
- a figure without data is None, never 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

ROUNDING = {
    "seconds": "1 decimal",
    "per_hour": "2 decimals",
    "ratios": "3 decimals",
    "money": "2 decimals",
    "percentiles": "linear interpolation",
}

# A submission is implausibly fast below this much active time per region (at least one region's worth):
# drawing even a box and choosing its class takes a person about a second.
FAST_MS_PER_REGION = 1000
# ... or below this share of the annotator's own median time per item: a careless streak looks fast
# against the person's own pace even when it looks normal against the team's.
FAST_SHARE_OF_OWN_MEDIAN = 0.25
# The own-median rule needs a pace to compare with: at least this many submissions by the annotator.
FAST_MIN_OWN_SUBMISSIONS = 5
# The cost forecast's interval: a two-sided 90% normal prediction interval.
FORECAST_LEVEL = 0.90
_Z_90 = 1.6448536269514722  # the standard normal's 95th percentile

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def seconds(ms: float | None) -> float | None:
    return None if ms is None else round(float(ms) / 1000, 1)


def rounded(value: float | None, digits: int) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), digits)


def percentile(values: Sequence[float] | np.ndarray, q: float) -> float | None:
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        return None
    return float(np.percentile(array, q))


def median(values: Sequence[float] | np.ndarray) -> float | None:
    return percentile(values, 50)


def p90(values: Sequence[float] | np.ndarray) -> float | None:
    return percentile(values, 90)


def time_summary(durations_ms: Sequence[float] | np.ndarray) -> dict[str, Any]:
    """n, median, p90 and mean of durations given in milliseconds, in seconds."""
    array = np.asarray(durations_ms, dtype=np.float64)
    return {
        "n": int(array.size),
        "median_s": seconds(median(array)),
        "p90_s": seconds(p90(array)),
        "mean_s": seconds(float(array.mean())) if array.size else None,
    }


def idle_ratio(active_ms: float, wall_ms: float) -> float | None:
    """1 - active/wall: the share of the time on the page that nobody worked. None without wall time."""
    if wall_ms <= 0:
        return None
    return round(1 - active_ms / wall_ms, 3)


def per_hour(count: float, active_ms: float) -> float | None:
    if active_ms <= 0:
        return None
    return round(count / (active_ms / 3_600_000), 2)


@dataclass(frozen=True)
class LineFit:
    slope: float
    intercept: float
    r2: float | None
    n: int


def fit_line(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> LineFit | None:
    """Least-squares y = intercept + slope·x. None with fewer than two distinct x values."""
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.size < 2 or np.ptp(xs) == 0:
        return None
    slope, intercept = np.polyfit(xs, ys, 1)
    residual = ys - (intercept + slope * xs)
    total = float(((ys - ys.mean()) ** 2).sum())
    r2 = None if total == 0 else 1 - float((residual**2).sum()) / total
    return LineFit(float(slope), float(intercept), r2, int(xs.size))


def marginal_costs(counts: np.ndarray, y: Sequence[float] | np.ndarray) -> tuple[list[float | None], float] | None:
    """Least squares y = base + Σ cost_j · counts[:, j]: what one more region of each group adds to an
    item's time, with the other groups held fixed. A group whose count never varies independently of
    the others (a zero or constant column, or a copy of another) cannot be separated: its cost is None.
    None when there are fewer items than unknowns."""
    matrix = np.asarray(counts, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    n, groups = matrix.shape
    if n < groups + 1:
        return None
    design = np.hstack([np.ones((n, 1)), matrix])
    solution, _, rank, _ = np.linalg.lstsq(design, ys, rcond=None)
    costs: list[float | None] = [float(v) for v in solution[1:]]
    if rank < groups + 1:
        # Find the columns that add nothing to the rank of the others and give up on them.
        for j in range(groups):
            others = np.delete(design, j + 1, axis=1)
            if np.linalg.matrix_rank(others) == rank:
                costs[j] = None
    return costs, float(solution[0])


def fast_submission_reasons(
    active_ms: np.ndarray,
    regions: np.ndarray,
    own_median_ms: np.ndarray,
    own_submissions: np.ndarray,
) -> list[str]:
    """Per submission: "" or why it is implausibly fast.

    - "below_minimum": less than FAST_MS_PER_REGION of active time per region (one region's worth at least);
    - "below_own_median": less than FAST_SHARE_OF_OWN_MEDIAN of the annotator's median time per item,
      when the annotator has at least FAST_MIN_OWN_SUBMISSIONS submissions.
    The first rule wins when both hold. labeling.analytics.postgres applies the same rules in SQL.
    """
    active = np.asarray(active_ms, dtype=np.float64)
    minimum = FAST_MS_PER_REGION * np.maximum(np.asarray(regions, dtype=np.float64), 1)
    below_minimum = active < minimum
    below_own = (np.asarray(own_submissions) >= FAST_MIN_OWN_SUBMISSIONS) & (
        active < FAST_SHARE_OF_OWN_MEDIAN * np.asarray(own_median_ms, dtype=np.float64)
    )
    return [
        "below_minimum" if a else "below_own_median" if b else ""
        for a, b in zip(below_minimum, below_own, strict=False)
    ]


def group_medians(keys: np.ndarray, values: np.ndarray) -> dict[int, tuple[float, int]]:
    """Median and count of values per integer key."""
    result: dict[int, tuple[float, int]] = {}
    if keys.size == 0:
        return result
    order = np.argsort(keys, kind="stable")
    sorted_keys, sorted_values = keys[order], values[order]
    boundaries = np.flatnonzero(np.diff(sorted_keys)) + 1
    for chunk_keys, chunk in zip(np.split(sorted_keys, boundaries), np.split(sorted_values, boundaries), strict=False):
        result[int(chunk_keys[0])] = (float(np.median(chunk)), int(chunk.size))
    return result


def forecast_cost(costs: Sequence[float] | np.ndarray, remaining: int, level: float = FORECAST_LEVEL) -> dict[str, Any]:
    """The cost of `remaining` more annotations, from the costs of those done so far.

    Point estimate: remaining x mean cost. Interval: a normal prediction interval for a sum of
    `remaining` new costs drawn like the past ones, counting both their spread and the uncertainty of
    the mean: total ± z·s·√(R + R²/n), with s the sample standard deviation and n the number of
    past annotations; the lower end is clipped at 0. Only the 90% level is supported (z = 1.645).
    """
    if level != FORECAST_LEVEL:
        raise ValueError("Only the 90% forecast interval is supported.")
    array = np.asarray(costs, dtype=np.float64)
    n = int(array.size)
    if remaining <= 0:
        return {"remaining": max(remaining, 0), "n": n, "total": 0.0, "low": 0.0, "high": 0.0, "level": level}
    if n == 0:
        return {"remaining": remaining, "n": 0, "total": None, "low": None, "high": None, "level": level}
    mean = float(array.mean())
    total = remaining * mean
    if n < 2:
        low = high = None
    else:
        spread = _Z_90 * float(array.std(ddof=1)) * math.sqrt(remaining + remaining**2 / n)
        low, high = max(0.0, total - spread), total + spread
    return {
        "remaining": remaining,
        "n": n,
        "total": rounded(total, 2),
        "low": rounded(low, 2),
        "high": rounded(high, 2),
        "level": level,
    }


def learning_curve(nth: np.ndarray, durations_ms: np.ndarray, max_points: int = 50) -> list[dict[str, Any]]:
    """Median time per item against the annotator's n-th item, in equal buckets of n (at most
    `max_points` of them); each point says its first n, its last n and how many items it holds."""
    if nth.size == 0:
        return []
    width = max(1, math.ceil(int(nth.max()) / max_points))
    buckets = (nth - 1) // width
    points = []
    for bucket, (value, count) in sorted(group_medians(buckets, durations_ms).items()):
        points.append(
            {"from_n": bucket * width + 1, "to_n": (bucket + 1) * width, "n": count, "median_s": seconds(value)}
        )
    return points


def histogram(durations_ms: np.ndarray, bins: int = 30) -> dict[str, Any]:
    """Counts of durations (in seconds) in at most `bins` equal-width bins up to the 99th percentile, and
    how many lie beyond it (one very slow item must not squash every other bar into the first). The width
    is a round number of seconds (1, 2 or 5 times a power of ten, at least 0.1 s), so every edge is exact
    at the stated rounding: [0, 0.1, 0.2, ...] rather than [0, 0.0, 0.1, 0.1, ...]."""
    if durations_ms.size == 0:
        return {"edges_s": [], "counts": [], "above": 0}
    values = durations_ms / 1000
    top = float(np.percentile(values, 99))
    if top <= 0:
        top = float(values.max()) or 1.0
    width = nice_width(top / bins)
    count = max(1, math.ceil(round(top / width, 9)))
    edges = np.round(np.arange(count + 1) * width, 6)
    counts, _ = np.histogram(values[values <= top], bins=edges)
    return {
        "edges_s": [round(float(e), 1) for e in edges],
        "counts": [int(c) for c in counts],
        "above": int((values > top).sum()),
    }


def nice_width(raw_s: float, smallest_s: float = 0.1) -> float:
    """The smallest of 1, 2 or 5 times a power of ten that is at least `raw_s` (and `smallest_s`)."""
    raw_s = max(raw_s, smallest_s)
    power = 10 ** math.floor(math.log10(raw_s))
    for step in (1, 2, 5, 10):
        if step * power >= raw_s - 1e-12:
            return round(step * power, 6)
    raise AssertionError("unreachable: 10 * power >= raw_s")
