"""Classification metrics from a confusion matrix, for one prediction set or a batch of resamples.

Classes are indexes 0..K-1. The definitions are scikit-learn's, so a report can be checked against
`sklearn.metrics` on the same arrays:
- accuracy: the share of items predicted right;
- per class: precision tp/(tp+fp), recall tp/(tp+fn), F1 2tp/(2tp+fp+fn), each 0 when undefined
  (`zero_division=0`), and support (items of the class in the evaluation set);
- macro F1: the unweighted mean F1 over the classes that occur among the true or the predicted labels
  (`f1_score(y_true, y_pred, average="macro")`): a class absent from both says nothing about the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _check(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    true = np.asarray(y_true, dtype=np.int64).reshape(-1)
    pred = np.asarray(y_pred, dtype=np.int64).reshape(-1)
    if true.shape != pred.shape:
        raise ValueError(f"{len(true)} true labels but {len(pred)} predictions")
    if len(true) == 0:
        raise ValueError("there is nothing to evaluate: no labels")
    for name, values in (("true labels", true), ("predictions", pred)):
        if values.min() < 0 or values.max() >= n_classes:
            raise ValueError(f"{name} must be class indexes 0..{n_classes - 1}")
    return true, pred


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """K x K counts: row = true class, column = predicted class."""
    true, pred = _check(y_true, y_pred, n_classes)
    return np.bincount(true * n_classes + pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def _per_class(confusion: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(precision, recall, f1, support, present) along the last axis, for one matrix (K x K) or a batch (B x K x K)."""
    tp = np.diagonal(confusion, axis1=-2, axis2=-1).astype(np.float64)
    support = confusion.sum(axis=-1).astype(np.float64)
    predicted = confusion.sum(axis=-2).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        denominator = support + predicted  # = 2tp + fp + fn
        f1 = np.where(denominator > 0, 2 * tp / denominator, 0.0)
    return precision, recall, f1, support, denominator > 0


def _macro(f1: np.ndarray, present: np.ndarray) -> np.ndarray:
    return np.where(present, f1, 0.0).sum(axis=-1) / np.maximum(present.sum(axis=-1), 1)


@dataclass(frozen=True)
class ClassScores:
    index: int
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Report:
    accuracy: float
    macro_f1: float
    per_class: list[ClassScores]
    confusion: list[list[int]]

    @property
    def evaluated(self) -> int:
        return sum(row.support for row in self.per_class)


def classification_report(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> Report:
    confusion = confusion_matrix(y_true, y_pred, n_classes)
    precision, recall, f1, support, present = _per_class(confusion)
    total = int(confusion.sum())
    return Report(
        accuracy=float(np.trace(confusion) / total),
        macro_f1=float(_macro(f1, present)),
        per_class=[
            ClassScores(
                index=k,
                precision=float(precision[k]),
                recall=float(recall[k]),
                f1=float(f1[k]),
                support=int(support[k]),
            )
            for k in range(n_classes)
        ],
        confusion=confusion.tolist(),
    )


def resampled_scores(
    y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, indices: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy and macro F1 of each resample: `indices` is B x N positions into the evaluation set."""
    true, pred = _check(y_true, y_pred, n_classes)
    rows = np.asarray(indices, dtype=np.int64)
    batch = rows.shape[0]
    cells = true[rows] * n_classes + pred[rows] + (np.arange(batch)[:, None] * n_classes * n_classes)
    confusion = np.bincount(cells.reshape(-1), minlength=batch * n_classes * n_classes).reshape(
        batch, n_classes, n_classes
    )
    accuracy = np.trace(confusion, axis1=1, axis2=2) / rows.shape[1]
    _, _, f1, _, present = _per_class(confusion)
    return accuracy.astype(np.float64), _macro(f1, present)
