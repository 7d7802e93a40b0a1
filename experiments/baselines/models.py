"""The model zoo: small scikit-learn models that train in seconds on a CPU, with fixed settings.

Nothing here is tuned per dataset, on purpose: an experiment compares training sets, so the model and its
settings stay the same for every candidate and the only thing that changes is the data.

- Images (features from `features.image_features`, standardised): linear SVM, k-nearest neighbours, logistic
  regression, and a small MLP (one hidden layer of 128 units).
- Texts: TF-IDF of word 1-2-grams and character 2-5-grams (within word boundaries), fitted on the training texts
  only, with logistic regression, a linear SVM or complement naive Bayes.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

IMAGE_CLASSIFICATION = "image_classification"
TEXT_CLASSIFICATION = "text_classification"

IMAGE_FAMILIES: dict[str, str] = {
    "linear_svm": "Linear SVM",
    "knn": "k-nearest neighbours",
    "logreg": "Logistic regression",
    "mlp": "Small MLP",
}
TEXT_FAMILIES: dict[str, str] = {
    "logreg": "Logistic regression",
    "linear_svm": "Linear SVM",
    "naive_bayes": "Naive Bayes",
}
FAMILIES: dict[str, dict[str, str]] = {IMAGE_CLASSIFICATION: IMAGE_FAMILIES, TEXT_CLASSIFICATION: TEXT_FAMILIES}
KNN_NEIGHBOURS = 5
MLP_HIDDEN = 128


def families_for(kind: str) -> dict[str, str]:
    return FAMILIES.get(kind, {})


def _model(family: str, seed: int, n_train: int) -> Any:
    if family == "linear_svm":
        return LinearSVC(C=1.0, max_iter=5000, random_state=seed)
    if family == "logreg":
        return LogisticRegression(C=1.0, max_iter=2000, random_state=seed)
    if family == "knn":
        # k cannot exceed the training set; a tiny set gets fewer neighbours rather than an error.
        return KNeighborsClassifier(n_neighbors=max(1, min(KNN_NEIGHBOURS, n_train)))
    if family == "mlp":
        return MLPClassifier(hidden_layer_sizes=(MLP_HIDDEN,), max_iter=300, random_state=seed)
    if family == "naive_bayes":
        return ComplementNB(alpha=1.0)
    raise ValueError(f"unknown model family {family!r}")


def text_vectoriser() -> FeatureUnion:
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        ]
    )


def make_classifier(kind: str, family: str, *, seed: int, n_train: int) -> Pipeline:
    """A fresh, unfitted estimator for `kind` (image or text classification) and `family`."""
    if family not in families_for(kind):
        known = ", ".join(families_for(kind)) or "none"
        raise ValueError(f"model family {family!r} is not available for {kind} (choose from {known})")
    model = _model(family, seed, n_train)
    if kind == IMAGE_CLASSIFICATION:
        return Pipeline([("scale", StandardScaler()), ("model", model)])
    return Pipeline([("tfidf", text_vectoriser()), ("model", model)])


def describe(estimator: Pipeline) -> dict[str, Any]:
    """The estimator's steps and the model's settings, as JSON (recorded with every experiment)."""
    model = estimator.named_steps["model"]
    params = {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in sorted(model.get_params().items())
        if isinstance(value, (int, float, str, bool, tuple)) or value is None
    }
    steps = [name for name, _ in estimator.steps]
    described: dict[str, Any] = {"steps": steps, "model": type(model).__name__, "params": params}
    if "tfidf" in estimator.named_steps:
        described["tfidf"] = {
            name: {"analyzer": vectoriser.analyzer, "ngram_range": list(vectoriser.ngram_range), "sublinear_tf": True}
            for name, vectoriser in estimator.named_steps["tfidf"].transformer_list
        }
    return described


@dataclass
class Run:
    """One fitted model's predictions on the evaluation inputs, and what fitting took."""

    predictions: np.ndarray
    training_seconds: float
    warnings: list[str] = field(default_factory=list)


def fit_predict(estimator: Pipeline, train_inputs: Any, train_labels: np.ndarray, eval_inputs: Any) -> Run:
    """Fit on the training inputs (a feature matrix, or a list of texts) and predict the evaluation inputs.

    `training_seconds` is the wall time of `fit` alone (for texts it includes fitting TF-IDF; image features are
    computed before and are not counted). Convergence warnings are returned, not printed: the report shows them.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        started = time.perf_counter()
        estimator.fit(train_inputs, train_labels)
        seconds = time.perf_counter() - started
        predictions = np.asarray(estimator.predict(eval_inputs))
    messages: set[str] = set()
    for caught_warning in caught:
        if issubclass(caught_warning.category, ConvergenceWarning):
            messages.add(f"{type(estimator.named_steps['model']).__name__} did not converge")
        else:  # not ours to judge: pass it on as if it had not been caught
            warnings.warn_explicit(
                caught_warning.message, caught_warning.category, caught_warning.filename, caught_warning.lineno
            )
    return Run(predictions=predictions, training_seconds=seconds, warnings=sorted(messages))
