"""The Django-free baselines: metrics, bootstrap, features, model zoo and label statistics, on hand-made data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as sk

from experiments.baselines import bootstrap, features, labels, metrics, models
from experiments.baselines.labels import Box

# Three classes (and a fourth that never occurs): 4 of 6 right.
Y_TRUE = np.array([0, 0, 0, 1, 1, 2])
Y_PRED = np.array([0, 0, 1, 1, 2, 2])


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    assert metrics.confusion_matrix(Y_TRUE, Y_PRED, 3).tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]


def test_report_of_a_hand_made_prediction_set():
    report = metrics.classification_report(Y_TRUE, Y_PRED, 3)
    assert report.accuracy == pytest.approx(4 / 6)
    assert [r.precision for r in report.per_class] == pytest.approx([1.0, 0.5, 0.5])
    assert [r.recall for r in report.per_class] == pytest.approx([2 / 3, 0.5, 1.0])
    assert [r.f1 for r in report.per_class] == pytest.approx([0.8, 0.5, 2 / 3])
    assert [r.support for r in report.per_class] == [3, 2, 1]
    assert report.macro_f1 == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert report.evaluated == 6


def test_a_class_absent_from_truth_and_predictions_does_not_count_in_macro_f1():
    with_absent = metrics.classification_report(Y_TRUE, Y_PRED, 4)
    assert with_absent.macro_f1 == pytest.approx(metrics.classification_report(Y_TRUE, Y_PRED, 3).macro_f1)
    absent = with_absent.per_class[3]
    assert (absent.precision, absent.recall, absent.f1, absent.support) == (0.0, 0.0, 0.0, 0)
    assert with_absent.confusion[3] == [0, 0, 0, 0]


def test_a_class_never_predicted_scores_zero_precision_like_scikit_learn():
    report = metrics.classification_report(np.array([0, 1, 1]), np.array([0, 0, 0]), 2)
    assert report.per_class[1].precision == 0.0
    assert report.macro_f1 == pytest.approx(sk.f1_score([0, 1, 1], [0, 0, 0], average="macro", zero_division=0))


def test_metrics_equal_scikit_learn_on_random_predictions():
    rng = np.random.default_rng(3)
    y_true, y_pred = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    y_pred[y_pred == 4] = 0  # class 4 is never predicted
    report = metrics.classification_report(y_true, y_pred, 5)
    precision, recall, f1, support = sk.precision_recall_fscore_support(
        y_true, y_pred, labels=range(5), zero_division=0
    )
    assert report.accuracy == pytest.approx(sk.accuracy_score(y_true, y_pred), abs=1e-15)
    assert report.macro_f1 == pytest.approx(sk.f1_score(y_true, y_pred, average="macro"), abs=1e-15)
    assert [r.precision for r in report.per_class] == pytest.approx(precision.tolist(), abs=1e-15)
    assert [r.recall for r in report.per_class] == pytest.approx(recall.tolist(), abs=1e-15)
    assert [r.f1 for r in report.per_class] == pytest.approx(f1.tolist(), abs=1e-15)
    assert [r.support for r in report.per_class] == support.tolist()
    assert report.confusion == sk.confusion_matrix(y_true, y_pred, labels=range(5)).tolist()


def test_resampled_scores_equal_scoring_each_resample_on_its_own():
    rng = np.random.default_rng(5)
    y_true, y_pred = rng.integers(0, 3, 40), rng.integers(0, 3, 40)
    indices = rng.integers(0, 40, size=(7, 40))
    accuracy, macro_f1 = metrics.resampled_scores(y_true, y_pred, 3, indices)
    for row, expected_accuracy, expected_f1 in zip(indices, accuracy, macro_f1, strict=True):
        assert expected_accuracy == pytest.approx(sk.accuracy_score(y_true[row], y_pred[row]))
        assert expected_f1 == pytest.approx(sk.f1_score(y_true[row], y_pred[row], average="macro"))


def test_mismatched_or_out_of_range_labels_are_refused():
    with pytest.raises(ValueError, match="3 true labels but 2"):
        metrics.confusion_matrix(np.array([0, 1, 1]), np.array([0, 1]), 2)
    with pytest.raises(ValueError, match=r"0\.\.1"):
        metrics.confusion_matrix(np.array([0, 2]), np.array([0, 1]), 2)
    with pytest.raises(ValueError, match="nothing to evaluate"):
        metrics.confusion_matrix(np.array([], dtype=int), np.array([], dtype=int), 2)


# --- bootstrap ------------------------------------------------------------------------------------------


def compare(predictions, *, seed=0, resamples=1000, y_true=Y_TRUE):
    return bootstrap.compare(y_true, predictions, 3, baseline="base", resamples=resamples, seed=seed)


def test_a_candidate_identical_to_the_baseline_differs_by_exactly_zero():
    result = compare({"base": Y_PRED, "same": Y_PRED.copy()})
    difference = result["same"]["difference"]["accuracy"]
    assert (difference.estimate, difference.low, difference.high, difference.share_better) == (0.0, 0.0, 0.0, 0.0)
    assert result["base"]["difference"] is None


def test_always_right_against_always_wrong_differs_by_exactly_one_in_every_resample():
    wrong = (Y_TRUE + 1) % 3
    result = compare({"base": wrong, "right": Y_TRUE.copy()})
    accuracy = result["right"]["difference"]["accuracy"]
    assert (accuracy.estimate, accuracy.low, accuracy.high, accuracy.share_better) == (1.0, 1.0, 1.0, 1.0)
    assert result["right"]["accuracy"].as_json() == {"estimate": 1.0, "low": 1.0, "high": 1.0}
    assert result["base"]["macro_f1"].as_json() == {"estimate": 0.0, "low": 0.0, "high": 0.0}


def test_the_interval_is_reproducible_with_a_seed_and_changes_with_another():
    y_true = np.random.default_rng(1).integers(0, 3, 60)
    noisy = np.where(np.random.default_rng(2).random(60) < 0.3, (y_true + 1) % 3, y_true)
    predictions = {"base": noisy, "right": y_true}
    first = compare(predictions, seed=7, y_true=y_true)["right"]["difference"]["accuracy"]
    again = compare(predictions, seed=7, y_true=y_true)["right"]["difference"]["accuracy"]
    assert first == again
    assert first.estimate == pytest.approx(np.mean(noisy != y_true))
    assert (first.low, first.high) == pytest.approx((0.15, 11 / 30))  # 9 and 22 of the 60 items
    draws = {
        seed: bootstrap.resampled(y_true, predictions, 3, resamples=50, seed=seed)["base"]["accuracy"]
        for seed in (7, 8)
    }
    assert not np.array_equal(draws[7], draws[8])


def test_the_interval_is_the_percentile_interval_of_paired_resamples_drawn_in_blocks():
    """The documented procedure, written out with a plain loop, gives the same numbers."""
    y_true = np.random.default_rng(1).integers(0, 3, 30)
    base = np.where(np.random.default_rng(2).random(30) < 0.4, (y_true + 1) % 3, y_true)
    candidate = np.where(np.random.default_rng(3).random(30) < 0.2, (y_true + 2) % 3, y_true)
    result = bootstrap.compare(y_true, {"base": base, "c": candidate}, 3, baseline="base", resamples=150, seed=11)
    rng = np.random.default_rng([11, bootstrap.BOOTSTRAP_STREAM])
    rows = np.vstack([rng.integers(0, 30, size=(size, 30)) for size in (64, 64, 22)])
    differences = [np.mean(candidate[r] == y_true[r]) - np.mean(base[r] == y_true[r]) for r in rows]
    expected_low, expected_high = np.percentile(differences, [2.5, 97.5])
    difference = result["c"]["difference"]["accuracy"]
    assert (difference.low, difference.high) == pytest.approx((expected_low, expected_high), abs=1e-12)
    assert difference.share_better == pytest.approx(np.mean(np.array(differences) > 0))


def test_bootstrap_needs_its_baseline_and_a_sensible_confidence():
    with pytest.raises(ValueError, match="baseline"):
        bootstrap.compare(Y_TRUE, {"x": Y_PRED}, 3, baseline="base", resamples=10, seed=0)
    with pytest.raises(ValueError, match="confidence"):
        bootstrap.compare(Y_TRUE, {"base": Y_PRED}, 3, baseline="base", resamples=10, seed=0, confidence=1.5)


# --- features and models --------------------------------------------------------------------------------


def test_images_of_any_size_and_channels_give_vectors_of_one_length():
    grey = np.zeros((8, 8), dtype=np.uint8)
    rgba = np.full((40, 30, 4), 200, dtype=np.uint8)
    matrix = features.image_matrix([grey, rgba, np.zeros((5, 90, 3), dtype=np.uint8)])
    assert matrix.shape == (3, features.feature_length())
    assert features.feature_length() == 16 * 16 * 3 + 324
    assert matrix[1, :768].tolist() == pytest.approx([200 / 255] * 768)
    assert features.image_matrix([]).shape == (0, features.feature_length())
    with pytest.raises(ValueError, match="uint8"):
        features.image_features(np.zeros((4, 4), dtype=np.float32))


def test_the_zoo_offers_the_families_of_each_kind_and_refuses_others():
    assert list(models.families_for("image_classification")) == ["linear_svm", "knn", "logreg", "mlp"]
    assert list(models.families_for("text_classification")) == ["logreg", "linear_svm", "naive_bayes"]
    with pytest.raises(ValueError, match="not available"):
        models.make_classifier("image_classification", "naive_bayes", seed=0, n_train=10)
    knn = models.make_classifier("image_classification", "knn", seed=0, n_train=3)
    assert knn.named_steps["model"].n_neighbors == 3
    described = models.describe(models.make_classifier("text_classification", "logreg", seed=4, n_train=10))
    assert described["model"] == "LogisticRegression"
    assert described["params"]["random_state"] == 4
    assert described["tfidf"]["chars"] == {"analyzer": "char_wb", "ngram_range": [2, 5], "sublinear_tf": True}


@pytest.mark.parametrize("family", ["logreg", "linear_svm", "naive_bayes"])
def test_every_text_model_learns_a_separable_toy_task(family):
    texts = ["good great fine", "great good", "fine good", "bad awful poor", "awful bad", "poor bad"]
    y = np.array([0, 0, 0, 1, 1, 1])
    run = models.fit_predict(
        models.make_classifier("text_classification", family, seed=0, n_train=6), texts, y, ["good fine", "bad poor"]
    )
    assert run.predictions.tolist() == [0, 1]
    assert run.training_seconds >= 0


@pytest.mark.parametrize("family", ["logreg", "linear_svm", "knn", "mlp"])
def test_every_image_model_learns_dark_against_bright(family):
    rng = np.random.default_rng(0)
    dark = [rng.integers(0, 60, (16, 16), dtype=np.uint8) for _ in range(6)]
    bright = [rng.integers(190, 255, (16, 16), dtype=np.uint8) for _ in range(6)]
    x = features.image_matrix(dark + bright)
    y = np.array([0] * 6 + [1] * 6)
    test = features.image_matrix([np.full((16, 16), 20, np.uint8), np.full((16, 16), 230, np.uint8)])
    run = models.fit_predict(models.make_classifier("image_classification", family, seed=0, n_train=12), x, y, test)
    assert run.predictions.tolist() == [0, 1]


def test_a_model_that_does_not_converge_says_so_in_its_run():
    x = np.random.default_rng(0).normal(size=(40, 5))
    y = np.random.default_rng(1).integers(0, 2, 40)
    estimator = models.make_classifier("image_classification", "mlp", seed=0, n_train=40)
    estimator.set_params(model__max_iter=1)
    assert models.fit_predict(estimator, x, y, x[:2]).warnings == ["MLPClassifier did not converge"]


# --- label statistics -------------------------------------------------------------------------------------


def test_box_statistics_of_hand_made_boxes():
    items = [[Box(1, 10, 10), Box(2, 20, 5)], [], [Box(1, 100, 50)]]
    stats = labels.box_statistics(items, [1, 2, 3])
    assert (stats["items"], stats["boxes"]) == (3, 3)
    assert stats["per_class"] == [{"class": 1, "boxes": 2}, {"class": 2, "boxes": 1}, {"class": 3, "boxes": 0}]
    assert stats["boxes_per_item"] == {
        "mean": 1.0,
        "max": 2,
        "histogram": {"edges": [0.0, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0], "counts": [1, 1, 1, 0, 0, 0, 0]},
    }
    # sqrt(area): 10, 10, 70.7 px; aspect w/h: 1, 4, 2
    assert stats["size"]["histogram"]["counts"] == [0, 2, 0, 0, 1, 0, 0]
    assert stats["aspect"]["histogram"]["counts"] == [0, 0, 0, 1, 0, 1, 1]
    assert stats["width"]["p50"] == 20.0
    assert stats["aspect"]["quantiles"]["p50"] == 2.0


def test_lost_boxes_count_what_copies_have_fewer_of_per_class():
    pairs = [({1: 2, 2: 1}, {1: 1, 2: 1}), ({1: 1}, {1: 1, 2: 3}), ({2: 2}, {})]
    lost = labels.lost_boxes(pairs, [1, 2])
    assert lost == {
        "copies": 3,
        "copies_with_losses": 2,
        "boxes": 3,
        "per_class": [{"class": 1, "boxes": 1}, {"class": 2, "boxes": 2}],
    }
