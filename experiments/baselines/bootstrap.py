"""Paired bootstrap over the evaluation set: an interval for each model's score and for its difference to the
baseline.

Every resample draws N evaluation items with replacement, and every model is scored on the same draws, so the
difference of two models is measured on identical items (paired): the noise of which items happened to be in
the evaluation set is shared, and what remains is the difference between the models. The interval is the
percentile interval of the resampled values (2.5th to 97.5th percentile for 95 %); the point estimate is the
score on the whole evaluation set.

Draws come from `numpy.random.default_rng([seed, BOOTSTRAP_STREAM])` in blocks of BLOCK resamples, so a seed
always gives the same intervals, and memory stays bounded whatever the size of the evaluation set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from experiments.baselines.metrics import classification_report, resampled_scores

BOOTSTRAP_STREAM = 20_240_601  # keeps the bootstrap's draws apart from any other use of the experiment's seed
BLOCK = 64
METRICS = ("accuracy", "macro_f1")


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    def as_json(self) -> dict[str, float]:
        return {"estimate": self.estimate, "low": self.low, "high": self.high}


@dataclass(frozen=True)
class Difference(Interval):
    # Share of resamples in which the candidate scored higher than the baseline (ties count as not higher).
    share_better: float

    def as_json(self) -> dict[str, float]:
        return {**super().as_json(), "share_better": self.share_better}


def resampled(
    y_true: np.ndarray, predictions: Mapping[str, np.ndarray], n_classes: int, *, resamples: int, seed: int
) -> dict[str, dict[str, np.ndarray]]:
    """{run: {"accuracy": B values, "macro_f1": B values}}, every run scored on the same B resamples."""
    if resamples < 1:
        raise ValueError("at least one resample is needed")
    n = len(y_true)
    rng = np.random.default_rng([seed, BOOTSTRAP_STREAM])
    parts: dict[str, dict[str, list[np.ndarray]]] = {key: {m: [] for m in METRICS} for key in predictions}
    remaining = resamples
    while remaining:
        size = min(BLOCK, remaining)
        indices = rng.integers(0, n, size=(size, n))
        for key, y_pred in predictions.items():
            accuracy, macro_f1 = resampled_scores(y_true, y_pred, n_classes, indices)
            parts[key]["accuracy"].append(accuracy)
            parts[key]["macro_f1"].append(macro_f1)
        remaining -= size
    return {key: {m: np.concatenate(values[m]) for m in METRICS} for key, values in parts.items()}


def _bounds(values: np.ndarray, confidence: float) -> tuple[float, float]:
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(values, [tail, 100.0 - tail])
    return float(low), float(high)


def score_interval(estimate: float, values: np.ndarray, confidence: float) -> Interval:
    low, high = _bounds(values, confidence)
    return Interval(estimate=estimate, low=low, high=high)


def difference_interval(estimate: float, candidate: np.ndarray, baseline: np.ndarray, confidence: float) -> Difference:
    differences = candidate - baseline
    low, high = _bounds(differences, confidence)
    return Difference(estimate=estimate, low=low, high=high, share_better=float(np.mean(differences > 0)))


def compare(
    y_true: np.ndarray,
    predictions: Mapping[str, np.ndarray],
    n_classes: int,
    *,
    baseline: str,
    resamples: int,
    seed: int,
    confidence: float = 0.95,
) -> dict[str, dict[str, object]]:
    """For each run: {"accuracy": Interval, "macro_f1": Interval, "difference": {metric: Difference} | None}."""
    if baseline not in predictions:
        raise ValueError(f"the baseline {baseline!r} is not among the predictions")
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be between 0 and 1")
    draws = resampled(y_true, predictions, n_classes, resamples=resamples, seed=seed)
    reports = {key: classification_report(y_true, y_pred, n_classes) for key, y_pred in predictions.items()}
    out: dict[str, dict[str, object]] = {}
    for key in predictions:
        scores = {"accuracy": reports[key].accuracy, "macro_f1": reports[key].macro_f1}
        entry: dict[str, object] = {m: score_interval(scores[m], draws[key][m], confidence) for m in METRICS}
        if key == baseline:
            entry["difference"] = None
        else:
            base = {"accuracy": reports[baseline].accuracy, "macro_f1": reports[baseline].macro_f1}
            entry["difference"] = {
                m: difference_interval(scores[m] - base[m], draws[key][m], draws[baseline][m], confidence)
                for m in METRICS
            }
        out[key] = entry
    return out
